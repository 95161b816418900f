/**
 * Replication tests' shared parts: a redis-server replica of an in-process Redoubt, a
 * mixed workload of every type (strings with TTLs, lists, hashes, sets, zsets, streams
 * with consumer groups, HyperLogLogs, a function library) in two databases, and the
 * comparison of two keyspaces key by key.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { RawClient } from './raw-client.js';
import { dumpKeyspace } from './keyspace-dump.js';
import { startRedisOracle, type RedisOracle } from './redis-oracle.js';
import { scratchDir } from './scratch-dir.js';

/** A redis-server 7.0 started as a replica of 127.0.0.1:`primaryPort`, in its own directory. */
export async function startRedisReplica(primaryPort: number, extra: string[] = []): Promise<RedisOracle> {
  const dir = scratchDir();
  const r = await startRedisOracle(['--replicaof', '127.0.0.1', String(primaryPort), '--dir', dir, ...extra]);
  const stop = r.stop;
  r.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return r;
}

/** Polls `probe` every 50 ms until it returns true; fails the test after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** One INFO field of a section, as text ('' when absent). */
export async function infoField(c: RawClient, section: string, field: string): Promise<string> {
  const raw = await c.call('INFO', section);
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(raw);
  return m === null ? '' : m[1]!;
}

/** Sends commands pipelined in one write and returns their raw replies, in order. */
export async function batch(c: RawClient, cmds: string[][]): Promise<string[]> {
  c.write(cmds.map((argv) => RawClient.encode(argv)).join(''));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.readReply(10_000));
  return out;
}

/**
 * Writes `n` keys of every type under `prefix`, in databases 0 and 2: a third of the
 * strings with a TTL, streams with a group that read and acknowledged part of them.
 */
export async function writeEveryType(c: RawClient, prefix: string, n: number): Promise<void> {
  const cmds: string[][] = [];
  for (const db of ['0', '2']) {
    cmds.push(['SELECT', db]);
    for (let i = 0; i < n; i++) {
      const k = `${prefix}:${i}`;
      cmds.push(['SET', `${k}:s`, `v${i}\x00\xff`]);
      if (i % 3 === 0) cmds.push(['SET', `${k}:t`, `ttl${i}`, 'EX', String(100 + i)]);
      cmds.push(['RPUSH', `${k}:l`, 'a', 'b', String(i)]);
      cmds.push(['HSET', `${k}:h`, 'f1', 'x', 'f2', String(i)]);
      cmds.push(['SADD', `${k}:set`, 'm1', 'm2', String(i)]);
      cmds.push(['ZADD', `${k}:z`, '1.5', 'a', String(i), 'b']);
      if (i % 5 === 0) {
        cmds.push(['XADD', `${k}:x`, '*', 'f', 'v1']);
        cmds.push(['XADD', `${k}:x`, '*', 'f', 'v2']);
        cmds.push(['XGROUP', 'CREATE', `${k}:x`, 'g', '0']);
        cmds.push(['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', `${k}:x`, '>']);
        cmds.push(['PFADD', `${k}:hll`, 'a', 'b', String(i)]);
      }
    }
  }
  cmds.push(['SELECT', '0']);
  const replies = await batch(c, cmds);
  const failed = replies.find((r) => r.startsWith('-'));
  assert.equal(failed, undefined, 'every write succeeds');
}

/** Changes part of what `writeEveryType` wrote: overwrites, deletions, appends, expiries. */
export async function mutateEveryType(c: RawClient, prefix: string, n: number, round: number): Promise<void> {
  const cmds: string[][] = [];
  for (const db of ['0', '2']) {
    cmds.push(['SELECT', db]);
    for (let i = round % 4; i < n; i += 4) {
      const k = `${prefix}:${i}`;
      cmds.push(['APPEND', `${k}:s`, `+${round}`]);
      cmds.push(['LPUSH', `${k}:l`, `r${round}`]);
      cmds.push(['HINCRBY', `${k}:h`, 'f2', '1']);
      cmds.push(['SREM', `${k}:set`, 'm1']);
      cmds.push(['ZINCRBY', `${k}:z`, '2', 'a']);
      if (i % 7 === 0) cmds.push(['DEL', `${k}:h`]);
      if (i % 11 === 0) cmds.push(['PEXPIRE', `${k}:l`, '500000']);
      if (i % 5 === 0) {
        cmds.push(['XADD', `${k}:x`, '*', 'f', `r${round}`]);
        cmds.push(['XACK', `${k}:x`, 'g', '0-1']);
        cmds.push(['PFADD', `${k}:hll`, `r${round}`]);
      }
    }
  }
  cmds.push(['SELECT', '0']);
  await batch(c, cmds);
}

/**
 * Compares the keyspaces of two servers key by key (type, contents, absolute expiry).
 * Stream consumers' seen-time is each server's own clock reading, so it is left out.
 */
export async function assertSameKeyspace(primary: RawClient, replica: RawClient, dbs = 3): Promise<number> {
  const clean = (m: Map<string, string>): Map<string, string> => new Map([...m].map(([k, v]) => [k, v.replace(/ seen=:?\d+/g, '')]));
  const a = clean(await dumpKeyspace(primary, dbs));
  const b = clean(await dumpKeyspace(replica, dbs));
  const missing = [...a.keys()].filter((k) => !b.has(k));
  const extra = [...b.keys()].filter((k) => !a.has(k));
  assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }, { missing: [], extra: [] }, `key sets differ (${missing.length} missing, ${extra.length} extra)`);
  const differing = [...a].filter(([k, v]) => b.get(k) !== v).map(([k]) => k);
  assert.deepEqual(differing.slice(0, 5).map((k) => [k, a.get(k), b.get(k)]), [], `${differing.length} keys differ`);
  return a.size;
}
