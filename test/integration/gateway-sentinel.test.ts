// npm test: serial — starts redis-server processes and a Sentinel, fails the primary over and SIGKILLs one
/**
 * Gateway mode with a Sentinel-managed upstream (issue 18, `gateway-sentinel`): a
 * redis-server primary, one replica and one Sentinel (quorum 1, down-after 1 s), an
 * in-process Redoubt gateway asking the Sentinel for the primary. Writes go through the
 * gateway on one client connection while the primary is failed over — by `SENTINEL
 * FAILOVER`, then by SIGKILL and the Sentinel's own election. The gateway follows, the same
 * connection keeps writing, and the only errors allowed are writes whose fate is unknown
 * ("may or may not have run").
 *
 * What is asserted about acknowledged writes is what holds: Sentinel promotes a replica
 * with `REPLICAOF NO ONE` and never waits for it to catch up (unlike the FAILOVER command),
 * so Redis's asynchronous replication may drop writes the old primary acknowledged around
 * the promotion. Nothing acknowledged before the failover began (the replica is fed first:
 * WAIT 1), and nothing acknowledged after the gateway switched, may be missing; what is
 * missing in between is measured and reported with its timing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { findRedisServer, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { startNode, startSentinel, stopAll, type ProcessHandle } from '../helpers/topology.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface SentinelSet {
  primary: ProcessHandle;
  replica: ProcessHandle;
  sentinel: ProcessHandle;
  /** a connection to the Sentinel */
  s: Redis;
  gw: RunningServer;
  /** the gateway's client */
  c: Redis;
  admin(port: number): Redis;
  /** the gateway's log lines, each with the time it was written */
  log: { at: number; line: string }[];
}

/** A primary, a fed replica, a Sentinel that knows both, and a gateway on the Sentinel. */
async function withSentinelSet(run: (set: SentinelSet) => Promise<void>): Promise<void> {
  const handles: (ProcessHandle | undefined)[] = [];
  const admins: Redis[] = [];
  const admin = (port: number): Redis => {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    admins.push(r);
    return r;
  };
  let gw: RunningServer | undefined;
  try {
    const primary = await startNode('redis');
    handles.push(primary);
    const replica = await startNode('redis', [`replicaof 127.0.0.1 ${primary.port}`]);
    handles.push(replica);
    const replicaAdmin = admin(replica.port);
    await until('the replica in sync', 10_000, async () => (await replicaAdmin.info('replication')).includes('master_link_status:up'));
    const sentinel = await startSentinel('gw', primary.port, 1);
    handles.push(sentinel);
    const s = admin(sentinel.port);
    // the Sentinel learns of the replica from the primary's INFO, then connects to it
    await until('the Sentinel to see the replica', 10_000, async () => {
      const replicas = (await s.call('SENTINEL', 'REPLICAS', 'gw')) as string[][];
      return replicas.some((r) => r[r.indexOf('flags') + 1] === 'slave');
    });
    const log: { at: number; line: string }[] = [];
    gw = await startServer({
      port: 0,
      config: [
        ['gateway-sentinel', `127.0.0.1:${sentinel.port}`],
        ['gateway-sentinel-master', 'gw'],
        ['gateway-upstream-timeout', '10000'],
        ['save', ''],
        ['appendonly', 'no'],
      ],
      logSink: { write: (line) => void log.push({ at: Date.now(), line }) },
    });
    const c = new Redis({ port: gw.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    admins.push(c);
    assert.equal(await c.set('before', '1'), 'OK');
    const primaryAdmin = admin(primary.port);
    assert.equal(await primaryAdmin.get('before'), '1');
    // a diskless replica is fed only from the primary's first REPLCONF ACK after the sync
    // (up to a second later): fail over before that and the replica has none of the writes
    await primaryAdmin.set('synced', '1');
    assert.equal(await primaryAdmin.call('WAIT', '1', '5000'), 1);
    assert.match(await c.info('cluster'), new RegExp(`gateway_upstream:127.0.0.1:${primary.port}\\r\\n`));
    await run({ primary, replica, sentinel, s, gw, c, admin, log });
  } finally {
    for (const a of admins) a.disconnect();
    await gw?.close();
    await stopAll(handles.reverse());
  }
}

interface Writers {
  /** acknowledged keys, in acknowledgement order, and when each was acknowledged */
  acked: string[];
  ackedAt: number[];
  failed: string[];
  /** when each failure was answered */
  failedAt: number[];
  stop(): Promise<void>;
}

/** `n` writers on the one client connection, SET k k each in a loop. */
function startWriters(c: Redis, n: number): Writers {
  const w: Writers = { acked: [], ackedAt: [], failed: [], failedAt: [], stop: async () => undefined };
  let stop = false;
  const writer = async (id: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const key = `w${id}:${i}`;
      try {
        await c.set(key, key);
        w.acked.push(key);
        w.ackedAt.push(Date.now());
      } catch (e) {
        w.failed.push((e as Error).message);
        w.failedAt.push(Date.now());
      }
    }
  };
  const running = Array.from({ length: n }, (_, id) => writer(id));
  w.stop = async () => {
    stop = true;
    await Promise.all(running);
  };
  return w;
}

/**
 * What a failure of the error-count assertion needs to be understood: when each error came
 * against the failover's steps, and the gateway's log with times (the count is bounded by
 * the writers, one command in flight each, per connection lost).
 */
function errorReport(set: SentinelSet, w: Writers, since: number): string {
  const errs = w.failed.map((m, i) => `+${w.failedAt[i]! - since} ms: ${m}`);
  const log = set.log.map((l) => `+${l.at - since} ms: ${l.line.trimEnd()}`).slice(-40);
  return `${w.failed.length} errors:\n${errs.join('\n')}\n--- gateway log:\n${log.join('\n')}\n--- sentinel's log:\n${set.sentinel.output().slice(-2500)}`;
}

/** The acknowledged keys missing on `port` (as indexes into `acked`). */
async function missingOn(direct: Redis, acked: readonly string[]): Promise<number[]> {
  const missing: number[] = [];
  for (let i = 0; i < acked.length; i += 500) {
    const keys = acked.slice(i, i + 500);
    const got = await direct.mget(...keys);
    keys.forEach((k, j) => {
      if (got[j] !== k) missing.push(i + j);
    });
  }
  return missing;
}

/** When the Sentinel logged `event` (its log's wall-clock time, ms), or NaN. */
function sentinelEventAt(sentinel: ProcessHandle, event: string): number {
  const line = sentinel.output().split('\n').find((l) => l.includes(` ${event} `));
  const m = line === undefined ? null : /(\d+ \w+ \d+ \d+:\d+:\d+\.\d+)/.exec(line);
  return m === null ? Number.NaN : new Date(m[1]!).getTime();
}

/** Times of the missing writes' acknowledgements against the failover's steps, for the report. */
function timeline(set: SentinelSet, w: Writers, missing: readonly number[], switchSeenAt: number): string {
  const selected = sentinelEventAt(set.sentinel, '+selected-slave');
  const noOne = sentinelEventAt(set.sentinel, '+failover-state-wait-promotion');
  const hold = set.log.find((l) => l.line.includes('holding commands'))?.at ?? Number.NaN;
  const rel = (t: number) => (Number.isNaN(selected) ? `${t}` : `${t - selected >= 0 ? '+' : ''}${t - selected} ms`);
  const shown = missing.slice(0, 8).map((i) => `${w.acked[i]}@${i} acked ${rel(w.ackedAt[i]!)}`);
  return `${missing.length} of ${w.acked.length} acknowledged writes missing${shown.length > 0 ? `: ${shown.join(', ')}` : ''}; relative to +selected-slave: REPLICAOF NO ONE sent ${rel(noOne)}, the gateway's hold ${rel(hold)}, the switch seen ${rel(switchSeenAt)}`;
}

test('a Sentinel set as the upstream: SENTINEL FAILOVER under writes, the gateway follows; nothing acknowledged before the failover or after the switch is lost', { skip, timeout: 25_000 }, async (t: TestContext) => {
  await withSentinelSet(async (set) => {
    const { c, s, replica, gw } = set;
    const id = await c.client('ID');
    const w = startWriters(c, 4);
    await new Promise((r) => setTimeout(r, 300));
    let ackedBefore = 0;
    const t0 = Date.now();
    await until('SENTINEL FAILOVER accepted', 5000, async () => {
      ackedBefore = w.acked.length;
      try {
        return (await s.call('SENTINEL', 'FAILOVER', 'gw')) === 'OK';
      } catch {
        return false; // NOGOODSLAVE until the Sentinel has the replica's INFO
      }
    });
    await until('the gateway on the promoted replica', 15_000, async () => (await gwInfo(gw.port)).includes(`gateway_upstream:127.0.0.1:${replica.port}\r\n`));
    const switchSeenAt = Date.now();
    const ackedAtSwitch = w.acked.length;
    const switchMs = switchSeenAt - t0;
    await until('writes after the switch', 5000, async () => w.acked.length >= ackedAtSwitch + 200);
    await w.stop();

    // the same client connection throughout
    assert.equal(await c.client('ID'), id);
    for (const m of w.failed) assert.match(m, /may or may not have run/);
    assert.ok(w.failed.length <= 4, errorReport(set, w, t0));
    const direct = set.admin(replica.port);
    assert.match(await direct.info('replication'), /role:master/);
    const missing = await missingOn(direct, w.acked);
    const report = timeline(set, w, missing, switchSeenAt);
    t.diagnostic(`${report}; ${ackedBefore} acknowledged before SENTINEL FAILOVER, ${ackedAtSwitch} when the switch was seen`);
    assert.ok(
      missing.every((i) => i >= ackedBefore && i < ackedAtSwitch),
      `${report}\n--- new primary's log:\n${replica.output().slice(-3000)}\n--- sentinel's log:\n${set.sentinel.output().slice(-2000)}`,
    );
    assert.equal(await c.get(w.acked[w.acked.length - 1]!), w.acked[w.acked.length - 1]);
    assert.match(await c.info('cluster'), /gateway_primary_switches:1\r\n/);
    console.log(`sentinel failover: ${w.acked.length} acknowledged writes, ${w.failed.length} errors, gateway on the new primary ${switchMs} ms after SENTINEL FAILOVER, ${missing.length} missing`);
  });
});

test('a Sentinel set as the upstream: the primary SIGKILLed, the Sentinel elects the replica on its own, the gateway follows; nothing acknowledged after the kill is lost', { skip, timeout: 30_000 }, async (t: TestContext) => {
  await withSentinelSet(async (set) => {
    const { c, primary, replica, gw } = set;
    const id = await c.client('ID');
    const w = startWriters(c, 4);
    await new Promise((r) => setTimeout(r, 300));
    const ackedBeforeKill = w.acked.length;
    const killedAt = Date.now();
    await primary.kill();
    // down-after-milliseconds 1000, then the Sentinel's own election and promotion
    await until('the gateway on the promoted replica', 20_000, async () => (await gwInfo(gw.port)).includes(`gateway_upstream:127.0.0.1:${replica.port}\r\n`));
    const switchSeenAt = Date.now();
    const ackedAtSwitch = w.acked.length;
    await until('writes after the switch', 5000, async () => w.acked.length >= ackedAtSwitch + 200);
    await w.stop();

    assert.equal(await c.client('ID'), id);
    // writes in flight when the primary died: their fate is unknown; the rest were held, then sent to the new primary.
    // Each writer's next write must not be lost too: for a moment after its client sockets
    // close, a SIGKILLed redis-server's listening socket still completes a new connection's
    // handshake, then resets it unread (CI saw 8 errors); the gateway writes nothing on a
    // connection before the upstream answered there, so those are retried, not lost.
    for (const m of w.failed) assert.match(m, /may or may not have run/);
    assert.ok(w.failed.length <= 4, `killed at +0 ms; ${errorReport(set, w, killedAt)}`);
    const direct = set.admin(replica.port);
    assert.match(await direct.info('replication'), /role:master/);
    const missing = await missingOn(direct, w.acked);
    const report = timeline(set, w, missing, switchSeenAt);
    const lateAcks = w.acked.length - ackedBeforeKill;
    t.diagnostic(`${report}; ${ackedBeforeKill} acknowledged before the kill, gateway switched ${switchSeenAt - killedAt} ms after it, ${lateAcks} acknowledged after the kill`);
    // a dead primary acknowledges nothing: every write acknowledged after the kill ran on
    // the promoted replica. Before it, asynchronous replication may have dropped the last few.
    assert.ok(missing.every((i) => i < ackedBeforeKill), `${report}\n--- sentinel's log:\n${set.sentinel.output().slice(-2500)}`);
    assert.match(await c.info('cluster'), /gateway_primary_switches:1\r\n/);
  });
});

async function gwInfo(port: number): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return await r.info('cluster');
  } finally {
    r.disconnect();
  }
}
