/**
 * Failover with the real Redis Sentinel (issue 16): one primary and two replicas watched by
 * three sentinels (quorum 2). Writes acknowledged by `WAIT` are made through a
 * Sentinel-aware client, the primary is SIGKILLed, the sentinels elect a replica, and the
 * same client (ioredis in sentinel mode) and redis-py's `Sentinel` find the new primary and
 * write to it; the acknowledged writes are there and the other replica follows the new
 * primary. Run for Redoubt-only sets and for mixed sets (a Redis primary with Redoubt
 * replicas, and the other way round), since a migration goes through both.
 *
 * Every process is separate (test/helpers/topology.ts): the primary must die by SIGKILL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { findRedisServer, findOnPath } from '../helpers/redis-oracle.js';
import { startNode, startSentinel, stopAll, type NodeKind, type ProcessHandle } from '../helpers/topology.js';

const MASTER = 'mymaster';
const haveRedis = findRedisServer() !== null;

function client(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
}

/** INFO replication as name → value. */
async function replicationInfo(port: number): Promise<Map<string, string>> {
  const c = client(port);
  try {
    const text = await c.info('replication');
    const m = new Map<string, string>();
    for (const line of text.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
    }
    return m;
  } finally {
    c.disconnect();
  }
}

async function sentinelCall(port: number, ...args: string[]): Promise<unknown> {
  const c = client(port);
  try {
    return await c.call('SENTINEL', ...args);
  } finally {
    c.disconnect();
  }
}

/** redis-py's Sentinel: finds the primary, writes `key`, reads it back from there. */
function redisPySentinelWrite(sentinelPorts: number[], key: string, value: string): string {
  const script = [
    'import sys',
    'from redis.sentinel import Sentinel',
    `s = Sentinel([${sentinelPorts.map((p) => `('127.0.0.1', ${p})`).join(', ')}], socket_timeout=2)`,
    `m = s.master_for('${MASTER}', socket_timeout=2)`,
    `m.set('${key}', '${value}')`,
    `host, port = s.discover_master('${MASTER}')`,
    `sys.stdout.write('%s %s' % (port, m.get('${key}').decode()))`,
  ].join('\n');
  return execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
}

async function failover(primaryKind: NodeKind, replicaKind: NodeKind): Promise<void> {
  const handles: ProcessHandle[] = [];
  let sentinelClient: Redis | null = null;
  try {
    const primary = await startNode(primaryKind);
    handles.push(primary);
    const replicas = [
      await startNode(replicaKind, [`replicaof 127.0.0.1 ${primary.port}`]),
      await startNode(replicaKind, [`replicaof 127.0.0.1 ${primary.port}`]),
    ];
    handles.push(...replicas);
    for (const r of replicas) {
      await until(`replica ${r.port} linked`, 20_000, async () => (await replicationInfo(r.port)).get('master_link_status') === 'up');
    }
    await until('the primary sees two replicas', 10_000, async () => (await replicationInfo(primary.port)).get('connected_slaves') === '2');

    const sentinels = [];
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(MASTER, primary.port, 2));
    handles.push(...sentinels);
    const sentinelPorts = sentinels.map((s) => s.port);
    // every sentinel knows both replicas and the two other sentinels (hello channel discovery)
    for (const s of sentinels) {
      await until(`sentinel ${s.port} discovery`, 20_000, async () => {
        const reps = (await sentinelCall(s.port, 'REPLICAS', MASTER)) as unknown[];
        const peers = (await sentinelCall(s.port, 'SENTINELS', MASTER)) as unknown[];
        return reps.length === 2 && peers.length === 2;
      });
    }

    sentinelClient = new Redis({
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      name: MASTER,
      maxRetriesPerRequest: 3,
      sentinelRetryStrategy: (n: number) => (n > 50 ? null : 200),
      retryStrategy: (n: number) => (n > 100 ? null : 100),
    });
    // reconnection attempts to the killed primary are expected; the assertions below judge the outcome
    sentinelClient.on('error', () => undefined);
    const acknowledged: string[] = [];
    for (let i = 0; i < 50; i++) {
      await sentinelClient.set(`ack:${i}`, `v${i}`);
      acknowledged.push(`ack:${i}`);
    }
    await sentinelClient.rpush('ack:list', 'a', 'b', 'c');
    await sentinelClient.hset('ack:hash', 'f', 'v');
    const acks = (await sentinelClient.call('WAIT', '2', '5000')) as number;
    assert.equal(acks, 2, 'both replicas acknowledged the writes before the kill');

    await primary.kill();
    const newPort = await until('sentinels elect a new primary', 45_000, async () => {
      const addr = (await sentinelCall(sentinelPorts[0]!, 'GET-MASTER-ADDR-BY-NAME', MASTER)) as [string, string] | null;
      if (addr === null) return null;
      const port = Number(addr[1]);
      if (port === primary.port) return null;
      // and it has taken the role
      return (await replicationInfo(port)).get('role') === 'master' ? port : null;
    });
    assert.ok(replicas.some((r) => r.port === newPort), 'one of the replicas was promoted');

    // the Sentinel-aware client finds the new primary by itself and writes succeed
    await until('ioredis writes to the new primary', 30_000, async () => (await sentinelClient!.set('after:ioredis', 'yes')) === 'OK');
    const direct = client(newPort);
    try {
      assert.equal(await direct.get('after:ioredis'), 'yes', 'the write landed on the new primary');
      for (const k of acknowledged) assert.equal(await direct.get(k), `v${k.slice(4)}`, `${k} survived the failover`);
      assert.deepEqual(await direct.lrange('ack:list', 0, -1), ['a', 'b', 'c']);
      assert.equal(await direct.hget('ack:hash', 'f'), 'v');
    } finally {
      direct.disconnect();
    }

    const py = await until('redis-py Sentinel writes to the new primary', 20_000, async () => {
      try {
        return redisPySentinelWrite(sentinelPorts, 'after:redis-py', 'ok');
      } catch {
        return null;
      }
    });
    assert.equal(py, `${newPort} ok`);

    // the other replica now follows the new primary and has its writes
    const other = replicas.find((r) => r.port !== newPort)!;
    await until('the other replica follows the new primary', 30_000, async () => {
      const info = await replicationInfo(other.port);
      return info.get('master_port') === String(newPort) && info.get('master_link_status') === 'up';
    });
    await until('the other replica has the new writes', 10_000, async () => {
      const c = client(other.port);
      try {
        return (await c.get('after:redis-py')) === 'ok';
      } finally {
        c.disconnect();
      }
    });
  } catch (e) {
    for (const h of handles) {
      if (h.kind !== 'sentinel') continue;
      process.stderr.write(`--- sentinel ${h.port} log tail ---\n${h.output().slice(-3000)}\n`);
    }
    for (const h of handles) {
      if (h.kind === 'sentinel') continue;
      process.stderr.write(`--- ${h.kind} ${h.port} log tail ---\n${h.output().slice(-3000)}\n`);
    }
    throw e;
  } finally {
    sentinelClient?.disconnect();
    await stopAll(handles);
  }
}

const skip = !haveRedis || findOnPath('python3') === null ? 'needs redis-server (Sentinel) and python3-redis' : false;

test('Sentinel fails over a set of Redoubt nodes: the acknowledged writes survive and clients follow', { skip, timeout: 150_000 }, () =>
  failover('redoubt', 'redoubt'));

test('Sentinel fails over a Redis primary to Redoubt replicas (the migration path)', { skip, timeout: 150_000 }, () =>
  failover('redis', 'redoubt'));

test('Sentinel fails over a Redoubt primary to Redis replicas', { skip, timeout: 150_000 }, () => failover('redoubt', 'redis'));
