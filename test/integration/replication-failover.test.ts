// npm test: serial — FAILOVER TIMEOUT and the held writes are asserted on time; starts redis-server
/**
 * FAILOVER (issue 16), as Redis 7.2's failoverCommand: every refused form with Redis's
 * text; writes held while the target catches up and answered after (+OK after an ABORT or
 * a TIMEOUT without FORCE, -READONLY once the old primary is a replica); INFO
 * master_failover_state through the stages; and two complete failovers, Redoubt to
 * Redoubt and Redoubt to Debian's redis-server 7.0.15, the roles swapped on both sides
 * (ROLE), the data written before on the new primary and the new primary's writes
 * replicated back to the old one. Debian's redis-server is also the old primary once, so
 * a Redoubt replica answers PSYNC … FAILOVER from real Redis. Also here, sharing the
 * set-up: a replica restarted from its own RDB (repl-id / repl-offset aux fields) resumes
 * with a partial resync; and, as Redis's disconnectAllBlockedClients, a primary demoted by
 * REPLICAOF or by the hand-over answers its blocked clients -UNBLOCKED and closes them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startTestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle.js';
import { infoField, startRedisReplica, waitFor } from '../helpers/replication-workload.js';
import type { RunningServer } from '../../src/server/server.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

const servers: RunningServer[] = [];
const oracles: RedisOracle[] = [];
const clients: RawClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  for (const o of oracles) await o.stop();
  for (const s of servers) await s.close();
});

async function redoubt(): Promise<{ srv: RunningServer; c: RawClient }> {
  const srv = await startTestServer({ config: [['repl-diskless-sync-delay', '0']] });
  servers.push(srv);
  const c = await RawClient.connect(srv.port);
  clients.push(c);
  return { srv, c };
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

const err = (text: string) => `-${text}\r\n`;
const linkUp = (c: RawClient) => waitFor('the replica link up', async () => (await infoField(c, 'replication', 'master_link_status')) === 'up');
const state = (c: RawClient) => infoField(c, 'replication', 'master_failover_state');

test('FAILOVER: refused forms answer with Redis 7.2 texts', { skip }, async () => {
  const { c } = await redoubt();
  assert.equal(await c.call('FAILOVER'), err('ERR FAILOVER requires connected replicas.'));
  assert.equal(await c.call('FAILOVER', 'ABORT'), err('ERR No failover in progress.'));
  assert.equal(await c.call('FAILOVER', 'TIMEOUT', '0'), err('ERR FAILOVER timeout must be greater than 0'));
  assert.equal(await c.call('FAILOVER', 'TIMEOUT', '-5'), err('ERR FAILOVER timeout must be greater than 0'));
  assert.equal(await c.call('FAILOVER', 'TIMEOUT', 'abc'), err('ERR value is not an integer or out of range'));
  assert.equal(await c.call('FAILOVER', 'TO', 'h', 'x'), err('ERR value is not an integer or out of range'));
  assert.equal(await c.call('FAILOVER', 'TO', 'h'), err('ERR syntax error'));
  assert.equal(await c.call('FAILOVER', 'ABORT', 'TIMEOUT', '10'), err('ERR syntax error'));
  assert.equal(await c.call('FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '20'), err('ERR syntax error'));
  assert.equal(await c.call('FAILOVER', 'FORCE', 'FORCE'), err('ERR syntax error'));
  assert.equal(await c.call('FAILOVER', 'bogus'), err('ERR syntax error'));
  assert.equal(await state(c), 'no-failover');
  // with a replica: FORCE needs TO and TIMEOUT, TO must name an attached replica
  const r = await redoubt();
  assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String((servers[0] as RunningServer).port)), '+OK\r\n');
  await linkUp(r.c);
  assert.equal(await r.c.call('FAILOVER'), err('ERR FAILOVER is not valid when server is a replica.'));
  assert.equal(await c.call('FAILOVER', 'FORCE'), err('ERR FAILOVER with force option requires both a timeout and target HOST and IP.'));
  assert.equal(await c.call('FAILOVER', 'TO', '127.0.0.1', String(r.srv.port), 'FORCE'), err('ERR FAILOVER with force option requires both a timeout and target HOST and IP.'));
  assert.equal(await c.call('FAILOVER', 'TIMEOUT', '100', 'FORCE'), err('ERR FAILOVER with force option requires both a timeout and target HOST and IP.'));
  assert.equal(await c.call('FAILOVER', 'TO', '127.0.0.1', '1'), err('ERR FAILOVER target HOST and PORT is not a replica.'));
  assert.equal(await c.call('FAILOVER', 'TO', '127.0.0.2', String(r.srv.port)), err('ERR FAILOVER target HOST and PORT is not a replica.'));
  assert.equal(await state(c), 'no-failover');
  assert.equal(await r.c.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
});

const UNBLOCKED = err('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');

test('REPLICAOF host port force-unblocks blocked clients with -UNBLOCKED and closes them; clients held by CLIENT PAUSE wait', { skip }, async () => {
  // the two servers of the first test: [1] is a primary again and becomes a replica of [0]
  const p = servers[0] as RunningServer;
  const r = servers[1] as RunningServer;
  const c = await connect(r.port);
  assert.equal(await c.call('XGROUP', 'CREATE', 'st', 'g', '$', 'MKSTREAM'), '+OK\r\n');
  const blocking = [
    ['BLPOP', 'list', '0'],
    ['BLMOVE', 'list', 'dst', 'LEFT', 'RIGHT', '0'],
    ['BLMPOP', '0', '1', 'list', 'LEFT'],
    ['BZPOPMIN', 'zs', '0'],
    ['XREAD', 'BLOCK', '0', 'STREAMS', 'st', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 'st', '>'],
    ['WAIT', '1', '0'],
    ['WAITAOF', '0', '1', '0'],
  ];
  const blocked: RawClient[] = [];
  for (const argv of blocking) {
    const b = await connect(r.port);
    b.write(RawClient.encode(argv));
    blocked.push(b);
  }
  // a write held by CLIENT PAUSE WRITE is postponed, not blocked: Redis leaves it be
  assert.equal(await c.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
  const held = await connect(r.port);
  held.write(RawClient.encode(['SET', 'held', '1']));
  await waitFor('the clients to block', async () => (await infoField(c, 'clients', 'blocked_clients')) === String(blocking.length + 1));
  assert.equal(await c.call('REPLICAOF', '127.0.0.1', String(p.port)), '+OK\r\n');
  for (const [i, b] of blocked.entries()) {
    assert.equal(await b.readReply(), UNBLOCKED, blocking[i]!.join(' '));
    assert.ok(await b.waitClosed(), `${blocking[i]![0]}: the connection is closed after the reply`);
  }
  assert.equal(await infoField(c, 'errorstats', 'errorstat_UNBLOCKED'), `count=${blocking.length}`);
  assert.match(await infoField(c, 'commandstats', 'cmdstat_blpop'), /,rejected_calls=0,failed_calls=1$/);
  assert.equal(held.received, '');
  assert.equal(await c.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  assert.equal(await held.readReply(), err("READONLY You can't write against a read only replica."));
  // (Redoubt loads asynchronously, answering -LOADING meanwhile: Redis would block)
  await linkUp(c);
  assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
});

test('FAILOVER without TIMEOUT keeps PINGing the replicas, with a TIMEOUT it does not; GETACK waits for the pause to end', { skip }, async () => {
  const p = servers[0] as RunningServer;
  const c = await connect(p.port);
  assert.equal(await c.call('CONFIG', 'SET', 'repl-ping-replica-period', '1'), '+OK\r\n');
  // a replica that acknowledges once, at offset 0, and never again: it never catches up
  const fake = await connect(p.port);
  assert.equal(await fake.call('REPLCONF', 'listening-port', '9', 'capa', 'eof'), '+OK\r\n');
  fake.write(RawClient.encode(['PSYNC', '?', '-1']));
  await waitFor('the payload', async () => fake.received.includes('$EOF:'));
  fake.write(RawClient.encode(['REPLCONF', 'ACK', '0']));
  await waitFor('the fake replica online', async () => (await infoField(c, 'replication', 'slave0')).includes('state=online'));
  assert.equal(await c.call('SET', 'moves', 'the-offset'), '+OK\r\n');
  const offset = async () => Number(await infoField(c, 'replication', 'master_repl_offset'));
  const PING = RawClient.encode(['PING']);
  const GETACK = RawClient.encode(['REPLCONF', 'GETACK', '*']);
  // without a TIMEOUT: PINGs go on while waiting (Redis 7.2's replicationCron)
  assert.equal(await c.call('FAILOVER'), '+OK\r\n');
  let seen = fake.received.split(PING).length;
  const before = await offset();
  await waitFor('a PING while waiting', async () => fake.received.split(PING).length > seen, 3000);
  assert.ok((await offset()) > before);
  assert.equal(await c.call('FAILOVER', 'ABORT'), '+OK\r\n');
  // with a TIMEOUT: no PING; a GETACK asked for by WAIT is sent once the pause ends
  assert.equal(await c.call('FAILOVER', 'TIMEOUT', '60000'), '+OK\r\n');
  const held = await offset();
  seen = fake.received.split(PING).length;
  const getacks = fake.received.split(GETACK).length;
  assert.equal(await c.call('WAIT', '1', '1200'), ':0\r\n');
  assert.equal(await offset(), held);
  assert.equal(fake.received.split(PING).length, seen);
  assert.equal(fake.received.split(GETACK).length, getacks);
  assert.equal(await c.call('FAILOVER', 'ABORT'), '+OK\r\n');
  await waitFor('the deferred GETACK', async () => fake.received.split(GETACK).length > getacks, 3000);
  fake.close();
  assert.equal(await c.call('CONFIG', 'SET', 'repl-ping-replica-period', '10'), '+OK\r\n');
});

test('FAILOVER to a Redoubt replica: writes held then -READONLY, roles swapped, data on the new primary', { skip }, async () => {
  const p = await redoubt();
  const r = await redoubt();
  const writer = await connect(p.srv.port);
  for (let i = 0; i < 200; i++) p.c.write(RawClient.encode(['SET', `k${i}`, `v${i}`]));
  for (let i = 0; i < 200; i++) assert.equal(await p.c.readReply(), '+OK\r\n');
  assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(p.srv.port)), '+OK\r\n');
  await linkUp(r.c);
  await p.c.call('SET', 'before', 'failover');
  // INFO's replication traffic: totals and the instantaneous rates (sampled every 100 ms
  // over 1.6 s, as Redis's other instantaneous metrics)
  await p.c.call('SET', 'big', 'x'.repeat(200_000));
  assert.equal(await p.c.call('WAIT', '1', '5000'), ':1\r\n');
  assert.ok(Number(await infoField(p.c, 'stats', 'total_net_repl_output_bytes')) > 200_000);
  assert.ok(Number(await infoField(r.c, 'stats', 'total_net_repl_input_bytes')) > 200_000);
  assert.equal(await infoField(r.c, 'stats', 'total_net_repl_output_bytes'), '0');
  // traffic kept flowing while polling, so a loaded machine's late cron still sees some
  await waitFor('the repl rates to show traffic', async () => {
    await p.c.call('SET', 'big', 'y'.repeat(50_000));
    const out = Number(await infoField(p.c, 'stats', 'instantaneous_output_repl_kbps'));
    const inp = Number(await infoField(r.c, 'stats', 'instantaneous_input_repl_kbps'));
    return out > 0 && inp > 0;
  });
  assert.equal(await p.c.call('DEL', 'big'), ':1\r\n');
  // the last write before the failover in db 3: the stream this server produced ends there
  assert.equal(await p.c.call('SELECT', '3'), '+OK\r\n');
  assert.equal(await p.c.call('SET', 'in3', 'before'), '+OK\r\n');
  assert.equal(await p.c.call('SELECT', '0'), '+OK\r\n');
  // a client blocked on the primary is force-unblocked when the hand-over demotes it
  const blpop = await connect(p.srv.port);
  blpop.write(RawClient.encode(['BLPOP', 'nolist', '0']));
  await waitFor('BLPOP to block', async () => (await infoField(p.c, 'clients', 'blocked_clients')) === '1');
  assert.equal(await p.c.call('FAILOVER', 'TO', '127.0.0.1', String(r.srv.port)), '+OK\r\n');
  // REPLICAOF is refused while failing over; a write sent now waits
  assert.equal(await p.c.call('REPLICAOF', 'NO', 'ONE'), err('ERR REPLICAOF not allowed while failing over.'));
  writer.write(RawClient.encode(['SET', 'during', 'pause']));
  // the target acknowledges once a second: the failover completes, then the held write is refused
  assert.equal(await writer.readReply(5000), err("READONLY You can't write against a read only replica."));
  assert.equal(await blpop.readReply(), UNBLOCKED);
  assert.ok(await blpop.waitClosed());
  await waitFor('the old primary to follow the new one', async () => (await infoField(p.c, 'replication', 'master_link_status')) === 'up');
  assert.equal(await state(p.c), 'no-failover');
  assert.equal(await infoField(r.c, 'replication', 'role'), 'master');
  assert.match(await p.c.call('ROLE'), new RegExp(`^\\*5\\r\\n\\$5\\r\\nslave\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n:${r.srv.port}\\r\\n\\$9\\r\\nconnected\\r\\n:\\d+\\r\\n$`));
  assert.match(await r.c.call('ROLE'), new RegExp(`^\\*3\\r\\n\\$6\\r\\nmaster\\r\\n:\\d+\\r\\n\\*1\\r\\n\\*3\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n\\$\\d+\\r\\n${p.srv.port}\\r\\n`));
  assert.equal(await r.c.call('GET', 'before'), '$8\r\nfailover\r\n');
  assert.equal(await r.c.call('GET', 'k199'), '$4\r\nv199\r\n');
  assert.equal(await r.c.call('DBSIZE'), ':201\r\n');
  // the old primary continued the new one's history partially (no second full sync)
  assert.equal(await infoField(r.c, 'stats', 'sync_full'), '0');
  assert.equal(await infoField(r.c, 'stats', 'sync_partial_ok'), '1');
  // the new primary's writes reach the old one
  assert.equal(await r.c.call('SET', 'after', 'x'), '+OK\r\n');
  assert.equal(await r.c.call('WAIT', '1', '5000'), ':1\r\n');
  assert.equal(await p.c.call('GET', 'after'), '$1\r\nx\r\n');
  // and back: promoted again, the old primary's stream must open with a SELECT (Redis's
  // slaveseldb = -1), not rely on the db its earlier stream ended in — the demoted server's
  // link starts in db 0 (found by Redis's integration/failover)
  assert.equal(await p.c.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
  assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(p.srv.port)), '+OK\r\n');
  await linkUp(r.c);
  assert.equal(await p.c.call('SELECT', '3'), '+OK\r\n');
  assert.equal(await p.c.call('SET', 'in3', 'after'), '+OK\r\n');
  assert.equal(await p.c.call('WAIT', '1', '5000'), ':1\r\n');
  assert.equal(await r.c.call('SELECT', '3'), '+OK\r\n');
  assert.equal(await r.c.call('GET', 'in3'), '$5\r\nafter\r\n');
  assert.equal(await r.c.call('SELECT', '0'), '+OK\r\n');
  assert.equal(await r.c.call('EXISTS', 'in3'), ':0\r\n');
  assert.equal(await r.c.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
});

test('FAILOVER to redis-server 7.0: ABORT and TIMEOUT release held writes; then the failover itself', { skip }, async () => {
  const p = await redoubt();
  const writer = await connect(p.srv.port);
  await p.c.call('SET', 'before', 'redis');
  const replica = await startRedisReplica(p.srv.port, ['--enable-debug-command', 'yes']);
  oracles.push(replica);
  const rc = await connect(replica.port);
  await linkUp(rc);
  assert.equal(await p.c.call('WAIT', '1', '5000'), ':1\r\n');
  // the replica sleeps, so it cannot catch up: the failover waits and writes are held
  const sleeper = await connect(replica.port);
  sleeper.write(RawClient.encode(['DEBUG', 'SLEEP', '1.5']));
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(await p.c.call('SET', 'moved', 'offset'), '+OK\r\n');
  const expired0 = await infoField(p.c, 'stats', 'expired_keys');
  const keys0 = await p.c.call('DBSIZE');
  assert.equal(await p.c.call('SET', 'shortlived', 'v', 'PX', '150'), '+OK\r\n');
  assert.equal(await p.c.call('FAILOVER'), '+OK\r\n');
  assert.equal(await p.c.call('FAILOVER'), err('ERR FAILOVER already in progress.'));
  assert.equal(await state(p.c), 'waiting-for-sync');
  writer.write(RawClient.encode(['SET', 'held', '1']));
  // reads are not held
  assert.equal(await p.c.call('GET', 'before'), '$5\r\nredis\r\n');
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(writer.received, '', 'the write waits while failing over');
  // as CLIENT PAUSE WRITE: no expiry while waiting (a DEL would move the offset the target
  // must reach): the key past its time reads as gone but is neither actively nor lazily deleted
  await new Promise((res) => setTimeout(res, 150));
  assert.equal(await p.c.call('GET', 'shortlived'), '$-1\r\n');
  assert.equal(await p.c.call('DBSIZE'), `:${Number(keys0.slice(1)) + 1}\r\n`);
  assert.equal(await infoField(p.c, 'stats', 'expired_keys'), expired0);
  assert.equal(await p.c.call('FAILOVER', 'ABORT'), '+OK\r\n');
  assert.equal(await writer.readReply(), '+OK\r\n');
  await waitFor('the key to expire once the pause is over', async () => (await p.c.call('DBSIZE')) === `:${Number(keys0.slice(1)) + 1}\r\n` && (await infoField(p.c, 'stats', 'expired_keys')) !== expired0);
  assert.equal(await state(p.c), 'no-failover');
  assert.equal(await infoField(p.c, 'replication', 'role'), 'master');
  // TIMEOUT without FORCE: the wait ends by itself, back to no-failover, the write answered
  assert.equal(await p.c.call('FAILOVER', 'TIMEOUT', '300'), '+OK\r\n');
  writer.write(RawClient.encode(['INCR', 'held']));
  assert.equal(await writer.readReply(3000), ':2\r\n');
  assert.equal(await state(p.c), 'no-failover');
  assert.equal(await infoField(p.c, 'replication', 'role'), 'master');
  assert.equal(await sleeper.readReply(3000), '+OK\r\n');
  // awake again: the failover to redis-server completes
  await waitFor('redis-server to catch up', async () => (await p.c.call('WAIT', '1', '100')) === ':1\r\n');
  assert.equal(await p.c.call('FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'TIMEOUT', '5000'), '+OK\r\n');
  await waitFor('the failover to finish', async () => (await state(p.c)) === 'no-failover', 10_000);
  assert.equal(await infoField(rc, 'replication', 'role'), 'master');
  assert.equal(await infoField(p.c, 'replication', 'role'), 'slave');
  await linkUp(p.c);
  assert.match(await rc.call('ROLE'), new RegExp(`^\\*3\\r\\n\\$6\\r\\nmaster\\r\\n:\\d+\\r\\n\\*1\\r\\n\\*3\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n\\$\\d+\\r\\n${p.srv.port}\\r\\n`));
  assert.equal(await rc.call('GET', 'moved'), '$6\r\noffset\r\n');
  assert.equal(await rc.call('GET', 'held'), '$1\r\n2\r\n');
  assert.equal(await rc.call('SET', 'from', 'redis'), '+OK\r\n');
  assert.equal(await rc.call('WAIT', '1', '5000'), ':1\r\n');
  assert.equal(await p.c.call('GET', 'from'), '$5\r\nredis\r\n');
  assert.equal(await infoField(rc, 'stats', 'sync_partial_ok'), '1');
});

test('redis-server 7.0 fails over to a Redoubt replica (PSYNC … FAILOVER answered by Redoubt)', { skip }, async () => {
  const primary = await startRedisOracle(['--repl-diskless-sync-delay', '0']);
  oracles.push(primary);
  const pc = await connect(primary.port);
  await pc.call('SET', 'from', 'redis-primary');
  const r = await redoubt();
  assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK\r\n');
  await linkUp(r.c);
  // the replica's link is up before redis-server has read its first REPLCONF ACK, which is
  // what puts a diskless-synced replica online there; FAILOVER refuses a replica not online
  await waitFor('redis-server to see the replica online', async () => (await infoField(pc, 'replication', 'slave0'))?.includes('state=online') === true);
  assert.equal(await pc.call('FAILOVER', 'TO', '127.0.0.1', String(r.srv.port)), '+OK\r\n');
  await waitFor('redis-server to hand over', async () => (await state(pc)) === 'no-failover', 10_000);
  assert.equal(await infoField(r.c, 'replication', 'role'), 'master');
  assert.equal(await infoField(pc, 'replication', 'role'), 'slave');
  await linkUp(pc);
  assert.equal(await r.c.call('GET', 'from'), '$13\r\nredis-primary\r\n');
  assert.equal(await r.c.call('SET', 'back', '1'), '+OK\r\n');
  assert.equal(await r.c.call('WAIT', '1', '5000'), ':1\r\n');
  assert.equal(await pc.call('GET', 'back'), '$1\r\n1\r\n');
  assert.equal(await infoField(r.c, 'stats', 'sync_partial_ok'), '1');
});

test('a replica restarted from its own RDB continues with a partial resync', { skip }, async () => {
  const p = await redoubt();
  const dir = scratchDir();
  const config: [string, ...string[]][] = [
    ['dir', dir],
    ['replicaof', '127.0.0.1', String(p.srv.port)],
  ];
  try {
    let r = await startTestServer({ config });
    let rc = await RawClient.connect(r.port);
    await linkUp(rc);
    for (let i = 0; i < 50; i++) await p.c.call('SET', `a${i}`, String(i));
    assert.equal(await p.c.call('WAIT', '1', '5000'), ':1\r\n');
    assert.equal(await rc.call('SAVE'), '+OK\r\n');
    rc.close();
    await r.close();
    // written while the replica is down: only the backlog has it
    for (let i = 0; i < 50; i++) await p.c.call('SET', `b${i}`, String(i));
    assert.equal(await infoField(p.c, 'stats', 'sync_full'), '1');
    r = await startTestServer({ config });
    rc = await RawClient.connect(r.port);
    try {
      await linkUp(rc);
      assert.equal(await p.c.call('WAIT', '1', '5000'), ':1\r\n');
      assert.equal(await infoField(p.c, 'stats', 'sync_partial_ok'), '1');
      assert.equal(await infoField(p.c, 'stats', 'sync_full'), '1');
      assert.equal(await rc.call('DBSIZE'), ':100\r\n');
      assert.equal(await rc.call('GET', 'b49'), '$2\r\n49\r\n');
      assert.equal(await infoField(rc, 'replication', 'master_repl_offset'), await infoField(p.c, 'replication', 'master_repl_offset'));
    } finally {
      rc.close();
      await r.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
