/**
 * The write feed: each command's propagated form, checked argv by argv against what Redis
 * 7.2 propagates (server.c call(), t_string.c, expire.c, t_set.c, t_list.c, t_zset.c,
 * t_stream.c, multi.c), plus the mechanism: nothing for reads, nothing without a sink,
 * MULTI/EXEC wrapping, expiry deletions before the command that found them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server/server.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { attachRecordingSink, Propagator, type RecordingSink } from '../../src/persistence/propagator.js';
import { localClient, type LocalClient } from '../helpers/propagation.js';
import { aofExecutor } from '../../src/persistence/loading.js';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const T0 = 1_700_000_000_000;

function setup(config: ReadonlyArray<readonly [string, ...string[]]> = []): { server: Server; clock: ManualClock; sink: RecordingSink; c: LocalClient; run: (...argv: string[]) => string[][] } {
  const clock = new ManualClock(T0);
  const server = new Server({ clock, config });
  const sink = attachRecordingSink(server);
  const c = localClient(server);
  const run = (...argv: string[]): string[][] => {
    server.updateTime();
    c.call(...argv);
    return sink.take().map((x) => x.argv);
  };
  return { server, clock, sink, c, run };
}

test('propagation: a write goes out as sent, a no-op write and a read not at all', () => {
  const { run } = setup();
  assert.deepEqual(run('SET', 'k', 'v'), [['SET', 'k', 'v']]);
  assert.deepEqual(run('GET', 'k'), []);
  assert.deepEqual(run('DEL', 'missing'), []);
  assert.deepEqual(run('SET', 'k', 'w', 'NX'), []);
  assert.deepEqual(run('HSET', 'h', 'f', '1'), [['HSET', 'h', 'f', '1']]);
  assert.deepEqual(run('SADD', 's', 'a'), [['SADD', 's', 'a']]);
  assert.deepEqual(run('SADD', 's', 'a'), []);
  assert.deepEqual(run('INCR', 'wrongtype-free'), [['INCR', 'wrongtype-free']]);
  assert.deepEqual(run('LPUSH', 's', 'x'), []); // WRONGTYPE changes nothing
});

test('propagation: SET with EX / PX / EXAT becomes SET … PXAT <ms>; PXAT and KEEPTTL stay; GET is dropped', () => {
  const { run } = setup();
  assert.deepEqual(run('SET', 'k', 'v', 'EX', '10'), [['SET', 'k', 'v', 'PXAT', String(T0 + 10_000)]]);
  assert.deepEqual(run('SET', 'k', 'v', 'PX', '1500', 'XX'), [['SET', 'k', 'v', 'PXAT', String(T0 + 1500)]]);
  assert.deepEqual(run('SET', 'k', 'v', 'EXAT', String(T0 / 1000 + 99)), [['SET', 'k', 'v', 'PXAT', String(T0 + 99_000)]]);
  assert.deepEqual(run('SET', 'k', 'v', 'PXAT', String(T0 + 5)), [['SET', 'k', 'v', 'PXAT', String(T0 + 5)]]);
  assert.deepEqual(run('SET', 'k', 'v2', 'GET'), [['SET', 'k', 'v2']]);
  assert.deepEqual(run('SET', 'k', 'v3', 'get', 'KEEPTTL'), [['SET', 'k', 'v3', 'KEEPTTL']]);
  assert.deepEqual(run('SET', 'k', 'v4', 'GET', 'EX', '1'), [['SET', 'k', 'v4', 'PXAT', String(T0 + 1000)]]);
});

test('propagation: SETEX / PSETEX become SET … PXAT', () => {
  const { run } = setup();
  assert.deepEqual(run('SETEX', 'k', '7', 'v'), [['SET', 'k', 'v', 'PXAT', String(T0 + 7000)]]);
  assert.deepEqual(run('PSETEX', 'k', '70', 'v'), [['SET', 'k', 'v', 'PXAT', String(T0 + 70)]]);
});

test('propagation: GETEX becomes PEXPIREAT (PXAT too, as redis-server 7.0 and 7.2) / PERSIST / DEL; plain GETEX is a read', () => {
  const { run, clock } = setup();
  run('SET', 'k', 'v');
  assert.deepEqual(run('GETEX', 'k'), []);
  assert.deepEqual(run('GETEX', 'k', 'EX', '5'), [['PEXPIREAT', 'k', String(T0 + 5000)]]);
  assert.deepEqual(run('GETEX', 'k', 'PX', '5'), [['PEXPIREAT', 'k', String(T0 + 5)]]);
  assert.deepEqual(run('GETEX', 'k', 'EXAT', String(T0 / 1000 + 8)), [['PEXPIREAT', 'k', String(T0 + 8000)]]);
  assert.deepEqual(run('GETEX', 'k', 'PXAT', String(T0 + 9)), [['PEXPIREAT', 'k', String(T0 + 9)]]);
  assert.deepEqual(run('GETEX', 'k', 'PERSIST'), [['PERSIST', 'k']]);
  assert.deepEqual(run('GETEX', 'k', 'PERSIST'), []);
  clock.advance(10);
  assert.deepEqual(run('GETEX', 'k', 'PXAT', String(T0 + 1)), [['DEL', 'k']]);
});

test('propagation: EXPIRE family becomes PEXPIREAT <abs ms> keeping its flags, or DEL/UNLINK for a past time', () => {
  const { run, server } = setup();
  run('SET', 'k', 'v');
  assert.deepEqual(run('EXPIRE', 'k', '100'), [['PEXPIREAT', 'k', String(T0 + 100_000)]]);
  assert.deepEqual(run('PEXPIRE', 'k', '200', 'GT'), []);
  assert.deepEqual(run('PEXPIRE', 'k', '200000', 'GT'), [['PEXPIREAT', 'k', String(T0 + 200_000), 'GT']]);
  assert.deepEqual(run('EXPIREAT', 'k', String(T0 / 1000 + 300)), [['PEXPIREAT', 'k', String(T0 + 300_000)]]);
  assert.deepEqual(run('PEXPIREAT', 'k', String(T0 + 400_000), 'XX'), [['PEXPIREAT', 'k', String(T0 + 400_000), 'XX']]);
  assert.deepEqual(run('EXPIRE', 'k', '-1'), [['DEL', 'k']]);
  assert.deepEqual(run('EXPIRE', 'missing', '10'), []);
  assert.deepEqual(run('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'), []);
  run('SET', 'k', 'v');
  assert.deepEqual(run('PEXPIREAT', 'k', '1'), [['UNLINK', 'k']]);
  assert.equal(server.config.bool('lazyfree-lazy-expire'), true);
});

test('propagation: INCRBYFLOAT becomes SET … KEEPTTL, HINCRBYFLOAT becomes HSET', () => {
  const { run } = setup();
  assert.deepEqual(run('INCRBYFLOAT', 'f', '1.5'), [['SET', 'f', '1.5', 'KEEPTTL']]);
  assert.deepEqual(run('INCRBYFLOAT', 'f', '0.1'), [['SET', 'f', '1.6', 'KEEPTTL']]);
  assert.deepEqual(run('HINCRBYFLOAT', 'h', 'x', '2.25'), [['HSET', 'h', 'x', '2.25']]);
  assert.deepEqual(run('HINCRBYFLOAT', 'h', 'x', '1e1'), [['HSET', 'h', 'x', '12.25']]);
});

test('propagation: SPOP names what it popped (SREM), a whole set popped is a DEL', () => {
  const { run, c } = setup();
  run('SADD', 's', 'a', 'b', 'c', 'd', 'e', 'f');
  const one = run('SPOP', 's');
  assert.equal(one.length, 1);
  assert.equal(one[0]![0], 'SREM');
  assert.equal(one[0]!.length, 3);
  assert.equal(c.call('SISMEMBER', 's', one[0]![2]!)!.k !== undefined, true);
  const two = run('SPOP', 's', '2');
  assert.equal(two.length, 1);
  assert.equal(two[0]![0], 'SREM');
  assert.equal(two[0]!.length, 4);
  // most of the rest (the "keep the remainder" strategy)
  const most = run('SPOP', 's', '2');
  assert.equal(most[0]![0], 'SREM');
  assert.deepEqual(run('SPOP', 's', '10'), [['DEL', 's']]);
  assert.deepEqual(run('SPOP', 's'), []);
  run('SADD', 's2', 'only');
  assert.deepEqual(run('SPOP', 's2'), [['SREM', 's2', 'only']]);
});

test('propagation: SPOP with a large count goes out in SREM batches of 1024 inside MULTI/EXEC', () => {
  const { run } = setup();
  const members: string[] = [];
  for (let i = 0; i < 5000; i++) members.push(`m${i}`);
  run('SADD', 'big', ...members);
  const out = run('SPOP', 'big', '2500');
  assert.deepEqual(out[0], ['MULTI']);
  assert.deepEqual(out[out.length - 1], ['EXEC']);
  const srems = out.slice(1, -1);
  assert.deepEqual(srems.map((a) => a.length - 2), [1024, 1024, 452]);
  assert.ok(srems.every((a) => a[0] === 'SREM' && a[1] === 'big'));
});

test('propagation: LMPOP / ZMPOP become [LR]POP / ZPOP(MIN|MAX) with the count taken', () => {
  const { run } = setup();
  run('RPUSH', 'l', 'a', 'b', 'c');
  assert.deepEqual(run('LMPOP', '2', 'none', 'l', 'LEFT', 'COUNT', '5'), [['LPOP', 'l', '3']]);
  run('RPUSH', 'l', 'a', 'b', 'c');
  assert.deepEqual(run('LMPOP', '1', 'l', 'RIGHT'), [['RPOP', 'l', '1']]);
  run('ZADD', 'z', '1', 'a', '2', 'b');
  assert.deepEqual(run('ZMPOP', '1', 'z', 'MAX', 'COUNT', '9'), [['ZPOPMAX', 'z', '2']]);
  assert.deepEqual(run('ZMPOP', '1', 'z', 'MAX'), []);
  run('ZADD', 'z', '1', 'a');
  assert.deepEqual(run('ZPOPMIN', 'z'), [['ZPOPMIN', 'z']]);
});

test('propagation: blocking commands served at once go out as their plain forms', () => {
  const { run } = setup();
  run('RPUSH', 'l', 'a', 'b', 'c', 'd');
  assert.deepEqual(run('BLPOP', 'empty', 'l', '0'), [['LPOP', 'l']]);
  assert.deepEqual(run('BRPOP', 'l', '1'), [['RPOP', 'l']]);
  assert.deepEqual(run('BLMOVE', 'l', 'm', 'LEFT', 'RIGHT', '0'), [['LMOVE', 'l', 'm', 'LEFT', 'RIGHT']]);
  assert.deepEqual(run('BRPOPLPUSH', 'm', 'l', '0'), [['RPOPLPUSH', 'm', 'l']]);
  assert.deepEqual(run('BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '2'), [['LPOP', 'l', '2']]);
  run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.deepEqual(run('BZPOPMIN', 'z', '0'), [['ZPOPMIN', 'z']]);
  assert.deepEqual(run('BZPOPMAX', 'z', '0'), [['ZPOPMAX', 'z']]);
  assert.deepEqual(run('BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '3'), [['ZPOPMIN', 'z', '1']]);
});

test('propagation: XADD with * or ms-* names the ID; approximate trimming becomes exact; XTRIM ~ too', () => {
  const { run, server } = setup([['stream-node-max-entries', '4']]);
  assert.deepEqual(run('XADD', 'x', '*', 'f', 'v'), [['XADD', 'x', `${T0}-0`, 'f', 'v']]);
  assert.deepEqual(run('XADD', 'x', '*', 'f', 'v'), [['XADD', 'x', `${T0}-1`, 'f', 'v']]);
  assert.deepEqual(run('XADD', 'x', `${T0 + 5}-*`, 'f', 'v'), [['XADD', 'x', `${T0 + 5}-0`, 'f', 'v']]);
  assert.deepEqual(run('XADD', 'x', `${T0 + 6}-3`, 'f', 'v'), [['XADD', 'x', `${T0 + 6}-3`, 'f', 'v']]);
  assert.deepEqual(run('XADD', 'x', 'MAXLEN', '2', `${T0 + 7}-0`, 'f', 'v'), [['XADD', 'x', 'MAXLEN', '2', `${T0 + 7}-0`, 'f', 'v']]);
  for (let i = 0; i < 10; i++) run('XADD', 'x', '*', 'f', String(i));
  const len = (): number => Number((localClient(server).call('XLEN', 'x') as { n: number }).n);
  const before = len();
  const out = run('XADD', 'x', 'NOMKSTREAM', 'MAXLEN', '~', '3', 'LIMIT', '100', '*', 'f', 'w');
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.slice(0, 5), ['XADD', 'x', 'NOMKSTREAM', 'MAXLEN', '=']);
  assert.equal(out[0]![5], String(len()));
  assert.ok(len() < before + 1 && len() >= 3);
  const t = run('XTRIM', 'x', 'MAXLEN', '~', '1');
  if (t.length > 0) assert.deepEqual(t, [['XTRIM', 'x', 'MAXLEN', '=', String(len())]]);
  const m = run('XADD', 'x', 'MINID', '~', String(T0 + 100), '*', 'f', 'v');
  assert.equal(m[0]![3], '=');
  assert.match(m[0]![4]!, /^\d+-\d+$/);
  assert.deepEqual(run('XADD', 'nope', 'NOMKSTREAM', '*', 'f', 'v'), []);
});

test('propagation: XREADGROUP goes out as XCLAIM per entry + XGROUP SETID, with consumer creation', () => {
  const { run, clock } = setup();
  run('XADD', 'x', '1-1', 'a', '1');
  run('XADD', 'x', '1-2', 'b', '2');
  run('XGROUP', 'CREATE', 'x', 'g', '0');
  clock.advance(3);
  const out = run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'x', '>');
  const t = String(T0 + 3);
  assert.deepEqual(out, [
    ['MULTI'],
    ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'alice'],
    ['XCLAIM', 'x', 'g', 'alice', '0', '1-1', 'TIME', t, 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-2'],
    ['XCLAIM', 'x', 'g', 'alice', '0', '1-2', 'TIME', t, 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-2'],
    ['XGROUP', 'SETID', 'x', 'g', '1-2', 'ENTRIESREAD', '2'],
    ['EXEC'],
  ]);
  // nothing new: only the seen time changes, which is not propagated
  assert.deepEqual(run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'x', '>'), []);
  // NOACK moves the last ID only
  run('XADD', 'x', '1-3', 'c', '3');
  assert.deepEqual(run('XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 'x', '>'), [['XGROUP', 'SETID', 'x', 'g', '1-3', 'ENTRIESREAD', '3']]);
  // history: a redelivery (time and count change)
  clock.advance(4);
  const h = run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'x', '0');
  assert.deepEqual(h, [['XCLAIM', 'x', 'g', 'alice', '0', '1-1', 'TIME', String(T0 + 7), 'RETRYCOUNT', '2', 'FORCE', 'JUSTID', 'LASTID', '1-3']]);
});

test('propagation: XCLAIM and XAUTOCLAIM go out as canonical XCLAIMs; LASTID moves go out as SETID', () => {
  const { run, clock } = setup();
  run('XADD', 'x', '1-1', 'a', '1');
  run('XADD', 'x', '1-2', 'b', '2');
  run('XGROUP', 'CREATE', 'x', 'g', '0');
  run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'x', '>');
  clock.advance(1000);
  const t = String(T0 + 1000);
  assert.deepEqual(run('XCLAIM', 'x', 'g', 'bob', '500', '1-1', 'JUSTID'), [
    ['MULTI'],
    ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'bob'],
    ['XCLAIM', 'x', 'g', 'bob', '0', '1-1', 'TIME', t, 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-2'],
    ['EXEC'],
  ]);
  assert.deepEqual(run('XCLAIM', 'x', 'g', 'bob', '0', '1-2', 'IDLE', '50', 'RETRYCOUNT', '7'), [
    ['XCLAIM', 'x', 'g', 'bob', '0', '1-2', 'TIME', String(T0 + 950), 'RETRYCOUNT', '7', 'FORCE', 'JUSTID', 'LASTID', '1-2'],
  ]);
  assert.deepEqual(run('XCLAIM', 'x', 'g', 'bob', '999999', '1-2'), []);
  assert.deepEqual(run('XCLAIM', 'x', 'g', 'bob', '999999', '1-2', 'LASTID', '5-0'), [['XGROUP', 'SETID', 'x', 'g', '5-0', 'ENTRIESREAD', '2']]);
  clock.advance(10);
  const auto = run('XAUTOCLAIM', 'x', 'g', 'carol', '0', '0');
  assert.deepEqual(auto[0], ['MULTI']);
  assert.deepEqual(auto[1], ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'carol']);
  assert.deepEqual(auto[2], ['XCLAIM', 'x', 'g', 'carol', '0', '1-1', 'TIME', String(T0 + 1010), 'RETRYCOUNT', '2', 'FORCE', 'JUSTID', 'LASTID', '5-0']);
  assert.equal(auto[3]![5], '1-2');
  assert.deepEqual(auto[4], ['EXEC']);
  // a pending entry deleted from the stream: dropped from the PEL by the same XCLAIM form
  run('XDEL', 'x', '1-1');
  const gone = run('XAUTOCLAIM', 'x', 'g', 'carol', '0', '0', 'JUSTID');
  assert.equal(gone[0]![0], 'MULTI');
  assert.deepEqual(gone[1]!.slice(0, 6), ['XCLAIM', 'x', 'g', 'carol', '0', '1-1']);
});

test('propagation: MULTI/EXEC wraps several writes; one write alone is not wrapped; SELECT inside moves the database', () => {
  const { c, server, sink } = setup();
  server.updateTime();
  c.call('MULTI');
  c.call('SET', 'a', '1');
  c.call('GET', 'a');
  c.call('SELECT', '2');
  c.call('INCRBYFLOAT', 'b', '2');
  c.call('EXEC');
  assert.deepEqual(sink.take(), [
    // MULTI / EXEC carry no database (Redis 7.2): a writer's SELECT lands inside the MULTI
    { db: -1, argv: ['MULTI'] },
    { db: 0, argv: ['SET', 'a', '1'] },
    { db: 2, argv: ['SET', 'b', '2', 'KEEPTTL'] },
    { db: -1, argv: ['EXEC'] },
  ]);
  c.call('MULTI');
  c.call('SET', 'a', '2');
  c.call('GET', 'a');
  c.call('EXEC');
  assert.deepEqual(sink.take(), [{ db: 2, argv: ['SET', 'a', '2'] }]);
  c.call('MULTI');
  c.call('GET', 'a');
  c.call('EXEC');
  assert.deepEqual(sink.take(), []);
});

test('propagation: a lazily expired key is a DEL before the command; a read stays a read; UNLINK under lazyfree-lazy-expire', () => {
  const { run, clock, server, sink, c } = setup();
  run('SET', 'k', 'v', 'PX', '10');
  run('SET', 'j', 'v', 'PX', '10');
  clock.advance(20);
  const dirty = server.stats.dirty;
  assert.deepEqual(run('GET', 'k'), [['DEL', 'k']]);
  assert.equal(server.stats.dirty, dirty, 'an expiry is not a change the command made');
  assert.deepEqual(run('SET', 'j', 'w'), [['MULTI'], ['DEL', 'j'], ['SET', 'j', 'w'], ['EXEC']]);
  run('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
  run('SET', 'k', 'v', 'PX', '10');
  clock.advance(20);
  assert.deepEqual(run('EXISTS', 'k'), [['UNLINK', 'k']]);
  run('CONFIG', 'SET', 'lazyfree-lazy-expire', 'no');
  // SCAN may expire keys anywhere: its deletions go out unwrapped (CMD_TOUCHES_ARBITRARY_KEYS)
  run('SET', 'p', '1', 'PX', '5');
  run('SET', 'q', '1', 'PX', '5');
  clock.advance(10);
  server.updateTime();
  c.call('SCAN', '0');
  assert.deepEqual(sink.take().map((x) => x.argv), [['DEL', 'p'], ['DEL', 'q']]);
});

test('propagation: active expiry propagates each deletion on its own, outside any command', () => {
  const { run, clock, server, sink } = setup();
  run('SET', 'a', '1', 'PX', '5');
  run('SELECT', '3');
  run('SET', 'b', '1', 'PX', '5');
  clock.advance(10);
  server.cron.tick();
  const got = sink.take();
  assert.deepEqual(got.map((x) => [x.db, ...x.argv]).sort(), [[0, 'DEL', 'a'], [3, 'DEL', 'b']]);
});

test('propagation: FLUSHDB / FLUSHALL go out even on empty databases; SWAPDB, MOVE, COPY as sent', () => {
  const { run } = setup();
  assert.deepEqual(run('FLUSHDB'), [['FLUSHDB']]);
  assert.deepEqual(run('FLUSHALL', 'ASYNC'), [['FLUSHALL', 'ASYNC']]);
  assert.deepEqual(run('SWAPDB', '0', '1'), [['SWAPDB', '0', '1']]);
  run('SET', 'k', 'v');
  assert.deepEqual(run('COPY', 'k', 'k2', 'DB', '4'), [['COPY', 'k', 'k2', 'DB', '4']]);
  assert.deepEqual(run('MOVE', 'k', '5'), [['MOVE', 'k', '5']]);
  assert.deepEqual(run('MOVE', 'k', '5'), []);
});

test('propagation: RESTORE with a relative TTL goes out with the absolute time and ABSTTL; a past one as DEL', () => {
  const { run, c } = setup();
  run('SET', 'k', 'v');
  const dump = c.call('DUMP', 'k') as { s: string };
  assert.deepEqual(run('RESTORE', 'r', '0', dump.s), [['RESTORE', 'r', '0', dump.s]]);
  assert.deepEqual(run('RESTORE', 'r', '5000', dump.s, 'REPLACE'), [['RESTORE', 'r', String(T0 + 5000), dump.s, 'REPLACE', 'ABSTTL']]);
  assert.deepEqual(run('RESTORE', 'r', String(T0 + 9), dump.s, 'REPLACE', 'ABSTTL'), [['RESTORE', 'r', String(T0 + 9), dump.s, 'REPLACE', 'ABSTTL']]);
  assert.deepEqual(run('RESTORE', 'r', '1', dump.s, 'REPLACE', 'ABSTTL'), [['DEL', 'r']]);
  assert.deepEqual(run('RESTORE', 'r', '1', dump.s, 'REPLACE', 'ABSTTL'), []);
});

test('propagation: while loading, a past expiry time does not delete (Redis checkAlreadyExpired)', () => {
  const { server } = setup();
  server.updateTime();
  server.propagator.sink = null;
  // the start-up loader's executor (persistence/loading.ts)
  const exec = aofExecutor(server);
  server.loading = true;
  try {
    for (const argv of [
      ['SET', 'a', 'v', 'PXAT', '5'],
      ['SET', 'b', 'v'],
      ['PEXPIREAT', 'b', '5'],
      ['SET', 'c', 'v'],
      ['GETEX', 'c', 'PXAT', '5'],
      ['PERSIST', 'a'],
    ]) {
      assert.equal(exec(argv), null);
    }
  } finally {
    server.loading = false;
  }
  const db = server.dbs[0]!;
  assert.equal(db.has('a'), true, 'PERSIST after a past PXAT keeps the key, as in the file it came from');
  assert.equal(db.getExpire('b'), 5);
  assert.equal(db.getExpire('c'), 5);
  assert.equal(db.has('b'), false, 'once loaded, past times expire as usual');
});

test('propagation: evicted keys go out as DEL (UNLINK under lazyfree-lazy-eviction) before the write that evicted them; a replica fed the same stays equal', () => {
  for (const lazy of ['no', 'yes']) {
    const clock = new ManualClock(T0);
    const a = new Server({ clock });
    const b = new Server({ clock: new ManualClock(T0) });
    const ca = localClient(a);
    const cb = localClient(b);
    a.updateTime();
    b.updateTime();
    const value = 'v'.repeat(1000);
    // the same starting dataset on both sides, before any feed
    for (let i = 0; i < 50; i++) {
      ca.call('SET', `k${i}`, value);
      cb.call('SET', `k${i}`, value);
    }
    ca.call('CONFIG', 'SET', 'lazyfree-lazy-eviction', lazy);
    ca.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    ca.call('CONFIG', 'SET', 'maxmemory', String(a.memory.used() + 20 * 1024));
    const sink = attachRecordingSink(a);
    for (let i = 50; i < 120; i++) ca.call('SET', `k${i}`, value);
    const feed = sink.take();
    a.propagator.sink = null;
    const deletions = feed.filter((x) => x.argv[0] === (lazy === 'yes' ? 'UNLINK' : 'DEL'));
    assert.ok(deletions.length > 0, 'something was evicted');
    assert.equal(deletions.length, a.stats.evictedKeys);
    assert.equal(feed.filter((x) => x.argv[0] === 'SET').length, 70, 'every write went out, none wrapped with its evictions');
    assert.ok(!feed.some((x) => x.argv[0] === 'MULTI'));
    for (const op of feed) cb.call(...op.argv);
    assert.deepEqual([...b.dbs[0]!.liveKeys()].sort(), [...a.dbs[0]!.liveKeys()].sort());
  }
});

test('propagation: with no sink nothing is collected or built', () => {
  const clock = new ManualClock(T0);
  const server = new Server({ clock });
  const c = localClient(server);
  const p = server.propagator;
  assert.equal(p.sink, null);
  assert.equal(p.active, false);
  // every entry point the dispatcher and handlers use is a no-op without a sink: a
  // propagator whose methods would throw if reached shows the dispatcher never calls them
  const guard = new Proxy(p, {
    get(target, prop, recv) {
      if (prop === 'begin' || prop === 'end' || prop === 'replace' || prop === 'also' || prop === 'prevent' || prop === 'force') {
        return () => {
          throw new Error(`propagator.${String(prop)} reached without a sink`);
        };
      }
      return Reflect.get(target, prop, recv) as unknown;
    },
  });
  (server as unknown as { propagator: Propagator }).propagator = guard;
  server.updateTime();
  for (const argv of [
    ['SET', 'k', 'v', 'EX', '10'],
    ['INCRBYFLOAT', 'f', '1.5'],
    ['SADD', 's', 'a', 'b', 'c'],
    ['SPOP', 's'],
    ['SPOP', 's', '5'],
    ['EXPIRE', 'k', '100'],
    ['RPUSH', 'l', 'a'],
    ['BLPOP', 'l', '0'],
    ['XADD', 'x', 'MAXLEN', '~', '1', '*', 'f', 'v'],
    ['XGROUP', 'CREATE', 'x', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '>'],
    ['XAUTOCLAIM', 'x', 'g', 'd', '0', '0'],
    ['MULTI'],
    ['SET', 'a', '1'],
    ['EXEC'],
    ['FLUSHALL'],
  ]) {
    const r = c.call(...argv);
    assert.ok(r !== null && r.k !== 1, `${argv.join(' ')} failed`);
  }
  server.dbs[0]!.setString('e', 'v');
  server.dbs[0]!.setExpire('e', T0 + 1);
  clock.advance(5);
  server.cron.tick();
  assert.equal(server.dbs[0]!.has('e'), false);
});

test('propagation: a blocked client served later propagates its plain pop in its own database, after the push', async () => {
  const clock = new ManualClock(T0);
  const running = await startTestServer({ clock });
  const server = running.server;
  const sink = attachRecordingSink(server);
  const waiter = await RawClient.connect(running.port);
  const lw = await RawClient.connect(running.port);
  const zw = await RawClient.connect(running.port);
  const pusher = await RawClient.connect(running.port);
  try {
    await waiter.call('SELECT', '3');
    waiter.write(RawClient.encode(['BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0']));
    await lw.call('SELECT', '3');
    lw.write(RawClient.encode(['BLMPOP', '0', '2', 'a', 'dst', 'LEFT', 'COUNT', '5']));
    zw.write(RawClient.encode(['BZPOPMAX', 'z', '0']));
    const deadline = Date.now() + 2000;
    while (server.blocking.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.blocking.size, 3);
    await pusher.call('SELECT', '3');
    assert.equal(await pusher.call('RPUSH', 'src', 'x', 'y'), ':2\r\n');
    assert.equal(await waiter.readReply(), '$1\r\ny\r\n');
    assert.equal(await lw.readReply(), '*2\r\n$3\r\ndst\r\n*1\r\n$1\r\ny\r\n');
    await pusher.call('SELECT', '0');
    await pusher.call('ZADD', 'z', '1', 'm', '2', 'n');
    assert.equal(await zw.readReply(), '*3\r\n$1\r\nz\r\n$1\r\nn\r\n$1\r\n2\r\n');
    assert.deepEqual(sink.take(), [
      { db: 3, argv: ['RPUSH', 'src', 'x', 'y'] },
      { db: 3, argv: ['LMOVE', 'src', 'dst', 'RIGHT', 'LEFT'] },
      { db: 3, argv: ['LPOP', 'dst', '1'] },
      { db: 0, argv: ['ZADD', 'z', '1', 'm', '2', 'n'] },
      { db: 0, argv: ['ZPOPMAX', 'z'] },
    ]);
  } finally {
    for (const c of [waiter, lw, zw, pusher]) c.close();
    await running.close();
  }
});

test('propagation: XREADGROUP BLOCK served by a later XADD propagates the claims after the XADD', async () => {
  const clock = new ManualClock(T0);
  const running = await startTestServer({ clock });
  const server = running.server;
  const reader = await RawClient.connect(running.port);
  const writer = await RawClient.connect(running.port);
  try {
    await writer.call('XGROUP', 'CREATE', 'x', 'g', '$', 'MKSTREAM');
    const sink = attachRecordingSink(server);
    reader.write(RawClient.encode(['XREADGROUP', 'GROUP', 'g', 'r', 'BLOCK', '0', 'STREAMS', 'x', '>']));
    const deadline = Date.now() + 2000;
    while (server.blocking.size < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.blocking.size, 1);
    // the consumer was created when the read blocked
    assert.deepEqual(sink.take(), [{ db: 0, argv: ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'r'] }]);
    await writer.call('XADD', 'x', '*', 'f', 'v');
    await reader.readReply();
    const id = `${T0}-0`;
    assert.deepEqual(sink.take().map((x) => x.argv), [
      ['XADD', 'x', id, 'f', 'v'],
      ['MULTI'],
      ['XCLAIM', 'x', 'g', 'r', '0', id, 'TIME', String(T0), 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', id],
      ['XGROUP', 'SETID', 'x', 'g', id, 'ENTRIESREAD', '1'],
      ['EXEC'],
    ]);
  } finally {
    reader.close();
    writer.close();
    await running.close();
  }
});
