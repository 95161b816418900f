/**
 * Sorted set commands through real clients (ioredis, node-redis in RESP2 and RESP3) and
 * at the byte level: Redis 7.2's double format, reply shapes per protocol, ZRANK
 * WITHSCORE (7.2), encodings chosen from size hints (7.2), keyspace events, expiry and
 * the keyspace integration (TYPE, SCAN TYPE, COPY, RENAME).
 */
import { test } from 'node:test';
import { NotifyKind } from '../../src/keyspace/keyspace-events.js';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const BIN = Buffer.from([0x00, 0x80, 0xff, 0x0d, 0x0a, 0x01]);

test('ioredis: a leaderboard, binary members, ranges and pops', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.zadd('board', 10, 'alice', 20, 'bob', 15, 'carol'), 3);
    assert.equal(await r.zadd('board', 'CH', '25', 'alice', '5', 'dave'), 2);
    assert.deepEqual(await r.zrange('board', '0', '-1', 'WITHSCORES'), ['dave', '5', 'carol', '15', 'bob', '20', 'alice', '25']);
    assert.deepEqual(await r.zrevrange('board', 0, 1), ['alice', 'bob']);
    assert.equal(await r.zincrby('board', 0.1, 'dave'), '5.1');
    assert.equal(await r.zscore('board', 'dave'), '5.1');
    assert.equal(await r.zrank('board', 'carol'), 1);
    assert.equal(await r.zrevrank('board', 'carol'), 2);
    assert.equal(await r.zcount('board', '(5.1', '+inf'), 3);
    assert.deepEqual(await r.zrangebyscore('board', 10, 30, 'LIMIT', 1, 5), ['bob', 'alice']);
    assert.deepEqual(await r.zpopmax('board'), ['alice', '25']);
    assert.deepEqual(await r.zpopmin('board', 2), ['dave', '5.1', 'carol', '15']);
    assert.equal(await r.zcard('board'), 1);
    assert.equal(await r.zrem('board', 'bob', 'nobody'), 1);
    assert.equal(await r.exists('board'), 0, 'emptied sorted set is deleted');

    assert.equal(await r.zadd('bin', 1, BIN), 1);
    const [member, score] = await r.zrangeBuffer('bin', '0', '-1', 'WITHSCORES');
    assert.deepEqual(member, BIN);
    assert.equal(score!.toString(), '1');
    assert.equal(await r.type('bin'), 'zset');
    assert.deepEqual(await r.scan(0, 'TYPE', 'zset'), ['0', ['bin']]);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis RESP2 and RESP3: scores, WITHSCORES pairs, ZMPOP, ZRANDMEMBER', async () => {
  const srv = await startTestServer();
  const c2 = createClient({ RESP: 2, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  const c3 = createClient({ RESP: 3, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  try {
    await c2.connect();
    await c3.connect();
    assert.equal(await c2.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }, { score: Infinity, value: 'c' }]), 3);
    assert.deepEqual(await c2.zRangeWithScores('z', 0, -1), [{ value: 'a', score: 1 }, { value: 'b', score: 2.5 }, { value: 'c', score: Infinity }]);
    assert.deepEqual(await c3.zRangeWithScores('z', 0, -1), [{ value: 'a', score: 1 }, { value: 'b', score: 2.5 }, { value: 'c', score: Infinity }]);
    assert.equal(await c3.zScore('z', 'b'), 2.5);
    assert.deepEqual(await c3.zmScore('z', ['a', 'nope']), [1, null]);
    assert.deepEqual(await c3.zPopMinCount('z', 1), [{ value: 'a', score: 1 }]);
    assert.deepEqual(await c2.zmPop('z', 'MAX'), { key: 'z', members: [{ value: 'c', score: Infinity }] });
    assert.equal(await c2.zmPop('nokey', 'MIN'), null);
    await c2.zAdd('r', [{ score: 1, value: 'x' }, { score: 2, value: 'y' }]);
    const picks = await c3.zRandMemberCountWithScores('r', -5);
    assert.equal(picks.length, 5);
    for (const p of picks) assert.ok((p.value === 'x' && p.score === 1) || (p.value === 'y' && p.score === 2));
    assert.deepEqual(await c3.zUnionWithScores(['r', 'r']), [{ value: 'x', score: 2 }, { value: 'y', score: 4 }]);
  } finally {
    await c2.quit();
    await c3.quit();
    await srv.close();
  }
});

test('wire format: Redis 7.2 doubles in RESP2 and RESP3, ZSCAN texts per encoding', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('ZADD', 'z', '0.1', 'a', '1e20', 'b', '-0', 'c', 'inf', 'd', '4611686018427387904', 'e'), ':5\r\n');
    assert.equal(await c.call('ZSCORE', 'z', 'a'), '$3\r\n0.1\r\n');
    assert.equal(await c.call('ZSCORE', 'z', 'b'), '$5\r\n1e+20\r\n');
    assert.equal(await c.call('ZADD', 'z', '1.5e-7', 'f'), ':1\r\n');
    assert.equal(await c.call('ZSCORE', 'z', 'f'), '$6\r\n1.5e-7\r\n');
    assert.equal(await c.call('ZSCORE', 'z', 'c'), '$1\r\n0\r\n', 'a listpack stores -0 as the integer 0');
    assert.equal(await c.call('ZSCORE', 'z', 'd'), '$3\r\ninf\r\n');
    assert.equal(await c.call('ZSCORE', 'z', 'e'), '$19\r\n4611686018427387904\r\n');
    assert.equal(await c.call('ZINCRBY', 'z', '-0', 'new'), '$2\r\n-0\r\n', 'the reply shows the score as given');
    assert.equal(await c.call('ZSCAN', 'z', '0', 'MATCH', 'a'), '*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$3\r\n0.1\r\n');
    // a skiplist keeps -0, and ZSCAN prints its scores with "%.17Lg"
    assert.equal(await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '0'), '+OK\r\n');
    assert.equal(await c.call('ZADD', 's', '-0', 'x', '0.1', 'y'), ':2\r\n');
    assert.equal(await c.call('OBJECT', 'ENCODING', 's'), '$8\r\nskiplist\r\n');
    assert.equal(await c.call('ZSCORE', 's', 'x'), '$2\r\n-0\r\n');
    const scan = await c.call('ZSCAN', 's', '0');
    assert.ok(scan.includes('$19\r\n0.10000000000000001\r\n'), scan);
    assert.ok(scan.includes('$2\r\n-0\r\n'), scan);
    assert.equal(await c.call('HELLO', '3').then((s) => s[0]), '%');
    assert.equal(await c.call('ZSCORE', 's', 'y'), ',0.1\r\n');
    assert.equal(await c.call('ZPOPMIN', 's'), '*2\r\n$1\r\nx\r\n,-0\r\n');
    assert.equal(await c.call('ZPOPMIN', 's', '1'), '*1\r\n*2\r\n$1\r\ny\r\n,0.1\r\n');
    assert.equal(await c.call('ZPOPMIN', 's', '1'), '*0\r\n');
    assert.equal(await c.call('ZMPOP', '1', 's', 'MIN'), '_\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('ZRANK/ZREVRANK WITHSCORE (7.2)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('ZADD', 'z', '1.5', 'a', '2', 'b');
    assert.equal(await c.call('ZRANK', 'z', 'b', 'WITHSCORE'), '*2\r\n:1\r\n$1\r\n2\r\n');
    assert.equal(await c.call('ZREVRANK', 'z', 'b', 'withscore'), '*2\r\n:0\r\n$1\r\n2\r\n');
    assert.equal(await c.call('ZRANK', 'z', 'a', 'WITHSCORE'), '*2\r\n:0\r\n$3\r\n1.5\r\n');
    assert.equal(await c.call('ZRANK', 'z', 'x', 'WITHSCORE'), '*-1\r\n');
    assert.equal(await c.call('ZRANK', 'nokey', 'x', 'WITHSCORE'), '*-1\r\n');
    assert.equal(await c.call('ZRANK', 'nokey', 'x'), '$-1\r\n');
    assert.equal(await c.call('ZRANK', 'z', 'a', 'WITHSCORES'), '-ERR syntax error\r\n');
    assert.equal(await c.call('ZRANK', 'z', 'a', 'WITHSCORE', 'x'), "-ERR wrong number of arguments for 'zrank' command\r\n");
    await c.call('HELLO', '3');
    assert.equal(await c.call('ZRANK', 'z', 'a', 'WITHSCORE'), '*2\r\n:0\r\n,1.5\r\n');
    assert.equal(await c.call('ZRANK', 'z', 'x', 'WITHSCORE'), '_\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('encodings: 7.2 size hints of ZADD and ZRANGESTORE, one-way conversion, computed destinations', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    // 129 pairs naming one member: 7.2 converts up front from the pair count
    const dup: (string | number)[] = [];
    for (let i = 0; i < 129; i++) dup.push(1, 'a');
    assert.equal(await r.zadd('dup', ...dup), 1);
    assert.equal(await r.object('ENCODING', 'dup'), 'skiplist');
    await r.zadd('lp', 1, 'a');
    const many: (string | number)[] = [];
    for (let i = 0; i < 129; i++) many.push(1, 'a');
    await r.zadd('lp', ...many);
    assert.equal(await r.object('ENCODING', 'lp'), 'skiplist', 'an existing listpack converts from the pair count too');
    await r.zadd('small', 1, 'a', 2, 'b');
    assert.equal(await r.object('ENCODING', 'small'), 'listpack');
    await r.zadd('small', 3, 'x'.repeat(65));
    assert.equal(await r.object('ENCODING', 'small'), 'skiplist');
    await r.zrem('small', 'x'.repeat(65));
    assert.equal(await r.object('ENCODING', 'small'), 'skiplist', 'never back to listpack');
    // ZUNIONSTORE builds a skiplist and converts a small result back
    assert.equal(await r.zunionstore('u', 1, 'small'), 2);
    assert.equal(await r.object('ENCODING', 'u'), 'listpack');
    // ZRANGESTORE: the rank range's length picks the encoding up front
    const big: (string | number)[] = [];
    for (let i = 0; i < 200; i++) big.push(i, `m${i}`);
    await r.zadd('big', ...big);
    assert.equal(await r.zrangestore('d1', 'big', 0, 127), 128);
    assert.equal(await r.object('ENCODING', 'd1'), 'listpack');
    assert.equal(await r.zrangestore('d2', 'big', 0, 128), 129);
    assert.equal(await r.object('ENCODING', 'd2'), 'skiplist');
    assert.equal(await r.zrangestore('d3', 'big', 0, 10, 'BYSCORE'), 11);
    assert.equal(await r.object('ENCODING', 'd3'), 'listpack');
    // COPY keeps the encoding and is independent
    assert.equal(await r.copy('big', 'bigcopy'), 1);
    assert.equal(await r.object('ENCODING', 'bigcopy'), 'skiplist');
    await r.zrem('bigcopy', 'm0');
    assert.equal(await r.zcard('big'), 200);
    assert.equal(await r.zcard('bigcopy'), 199);
    await r.rename('bigcopy', 'moved');
    assert.equal(await r.zrank('moved', 'm1'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('keyspace events carry Redis event names', async () => {
  const srv = await startTestServer();
  const events: string[] = [];
  srv.server.keyspace.notifyKeyspaceEvent = (_kind, event, key) => {
    // `new` and `keymiss` events (classes n and m) are not what this test is about
    if (_kind === NotifyKind.newKey || _kind === NotifyKind.keyMiss) return;
    events.push(`${event}:${key}`);
  };
  const c = await RawClient.connect(srv.port);
  try {
    const steps: [string[], string[]][] = [
      [['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['zadd:z']],
      [['ZADD', 'z', '1', 'a'], []],
      [['ZINCRBY', 'z', '1', 'a'], ['zincr:z']],
      [['ZREM', 'z', 'nope'], []],
      [['ZREM', 'z', 'a'], ['zrem:z']],
      [['ZREMRANGEBYSCORE', 'z', '2', '2'], ['zremrangebyscore:z']],
      [['ZADD', 'z', '5', 'e', '6', 'f'], ['zadd:z']],
      [['ZREMRANGEBYRANK', 'z', '0', '0'], ['zremrangebyrank:z']],
      [['ZRANGESTORE', 'd', 'z', '0', '-1'], ['zrangestore:d']],
      [['ZUNIONSTORE', 'u', '1', 'z'], ['zunionstore:u']],
      [['ZINTERSTORE', 'u', '2', 'z', 'nokey'], ['del:u']],
      [['ZDIFFSTORE', 'd2', '1', 'z'], ['zdiffstore:d2']],
      [['ZPOPMIN', 'd2'], ['zpopmin:d2']],
      [['ZPOPMAX', 'd2', '5'], ['zpopmax:d2', 'del:d2']],
      [['ZMPOP', '1', 'd', 'MAX', 'COUNT', '5'], ['zpopmax:d', 'del:d']],
      [['ZREMRANGEBYLEX', 'z', '-', '+'], ['zremrangebylex:z', 'del:z']],
    ];
    for (const [argv, expected] of steps) {
      events.length = 0;
      const out = await c.call(...argv);
      assert.ok(!out.startsWith('-'), `${argv.join(' ')}: ${out}`);
      assert.deepEqual(events, expected, argv.join(' '));
    }
  } finally {
    c.close();
    await srv.close();
  }
});

test('expiry and WRONGTYPE around sorted sets', async () => {
  const clock = new ManualClock(1_000_000);
  const srv = await startTestServer({ clock });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('ZADD', 'z', '1', 'a');
    assert.equal(await c.call('PEXPIRE', 'z', '100'), ':1\r\n');
    assert.equal(await c.call('ZADD', 'z', '2', 'b'), ':1\r\n');
    assert.equal(await c.call('PTTL', 'z'), ':100\r\n', 'writing into a sorted set keeps its TTL');
    clock.advance(101);
    assert.equal(await c.call('ZCARD', 'z'), ':0\r\n');
    assert.equal(await c.call('ZSCORE', 'z', 'a'), '$-1\r\n');
    await c.call('SET', 's', 'v');
    assert.equal(await c.call('ZADD', 's', '1', 'a'), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    assert.equal(await c.call('ZUNION', '2', 'nokey', 's'), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    await c.call('ZADD', 'z2', '1', 'a');
    assert.equal(await c.call('GET', 'z2'), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});
