/**
 * OBJECT FREQ under an LFU policy against redis-server: which commands count an access,
 * and how many (Redis's lookupKey touches, setKey's lookup before an overwrite, values
 * changed in place counted once). Made deterministic as Redis allows: lfu-log-factor 0
 * (every access increments the counter), lfu-decay-time 0 (no decay between steps), and a
 * maxmemory so Redis does not hand out its shared integers (whose counter is global).
 *
 * Redis 7.2 resets the counter of a key that RENAME or MOVE adds (dbAdd's
 * initObjectLRUOrLFU); Debian's 7.0 oracle keeps it, so those two are checked against the
 * 7.2 rule in their own test, without the oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';

const haveOracle = findRedisServer() !== null;
if (!haveOracle) console.warn(`\n*** lfu-diff: ${NO_ORACLE_MESSAGE} ***\n`);

const SETUP: string[][] = [
  ['CONFIG', 'SET', 'maxmemory', '1gb'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
  ['CONFIG', 'SET', 'lfu-log-factor', '0'],
  ['CONFIG', 'SET', 'lfu-decay-time', '0'],
];

/** Each command is followed by OBJECT FREQ of the keys it names. */
const STEPS: [string[], string[]][] = [
  [['SET', 'foo', 'a'], ['foo']],
  [['GET', 'foo'], ['foo']],
  [['SET', 'foo', 'b'], ['foo']],
  [['SET', 'foo', 'c', 'XX'], ['foo']],
  [['SET', 'foo', 'd', 'NX'], ['foo']],
  [['SET', 'foo', 'e', 'GET'], ['foo']],
  [['SET', 'foo', 'f', 'KEEPTTL'], ['foo']],
  [['APPEND', 'foo', 'xyz'], ['foo']],
  [['SETRANGE', 'foo', '1', 'Q'], ['foo']],
  [['GETRANGE', 'foo', '0', '1'], ['foo']],
  [['STRLEN', 'foo'], ['foo']],
  [['GETSET', 'foo', 'g'], ['foo']],
  [['SETBIT', 'foo', '3', '1'], ['foo']],
  [['GETBIT', 'foo', '3'], ['foo']],
  [['BITCOUNT', 'foo'], ['foo']],
  [['EXISTS', 'foo'], ['foo']],
  [['TYPE', 'foo'], ['foo']],
  [['TTL', 'foo'], ['foo']],
  [['TOUCH', 'foo'], ['foo']],
  [['EXPIRE', 'foo', '1000'], ['foo']],
  [['PERSIST', 'foo'], ['foo']],
  [['SET', 'n', '12345'], ['n']],
  [['INCR', 'n'], ['n']],
  [['INCRBY', 'n', '10'], ['n']],
  [['INCRBYFLOAT', 'n', '1.5'], ['n']],
  [['MSET', 'a', '1', 'b', '2'], ['a', 'b']],
  [['MGET', 'a', 'b', 'zz'], ['a', 'b']],
  [['MSET', 'a', '3'], ['a']],
  [['SADD', 's', 'x'], ['s']],
  [['SADD', 's', 'y'], ['s']],
  [['SMISMEMBER', 's', 'x', 'q'], ['s']],
  [['SISMEMBER', 's', 'x'], ['s']],
  [['SCARD', 's'], ['s']],
  [['HSET', 'h', 'f', 'v'], ['h']],
  [['HGET', 'h', 'f'], ['h']],
  [['HINCRBY', 'h', 'n', '1'], ['h']],
  [['LPUSH', 'l', 'x', 'y'], ['l']],
  [['LRANGE', 'l', '0', '-1'], ['l']],
  [['LPOP', 'l'], ['l']],
  [['ZADD', 'z', '1', 'm'], ['z']],
  [['ZSCORE', 'z', 'm'], ['z']],
  [['ZINCRBY', 'z', '2', 'm'], ['z']],
  [['SUNIONSTORE', 's2', 's'], ['s2', 's']],
  [['SUNIONSTORE', 's2', 's'], ['s2', 's']],
  [['COPY', 's', 's3'], ['s', 's3']],
  [['DUMP', 'h'], ['h']],
  [['DEL', 'a'], ['a', 'b']],
  [['OBJECT', 'ENCODING', 'b'], ['b']],
];

test('OBJECT FREQ after each access matches redis-server (log factor 0, no decay)', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    for (const c of SETUP) {
      assert.equal(await ours.call(...c), '+OK\r\n');
      assert.equal(await theirs.call(...c), '+OK\r\n');
    }
    for (const [cmd, keys] of STEPS) {
      const a = await ours.call(...cmd);
      const b = await theirs.call(...cmd);
      if (cmd[0] !== 'DUMP') assert.equal(a, b, `${cmd.join(' ')}: reply`);
      for (const k of keys) {
        const fa = await ours.call('OBJECT', 'FREQ', k);
        const fb = await theirs.call('OBJECT', 'FREQ', k);
        assert.equal(fa, fb, `OBJECT FREQ ${k} after ${cmd.join(' ')}`);
      }
    }
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

test('RENAME and MOVE start a new access history, as Redis 7.2 (dbAdd)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    for (const s of SETUP) assert.equal(await c.call(...s), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    for (let i = 0; i < 4; i++) await c.call('GET', 'k');
    assert.equal(await c.call('OBJECT', 'FREQ', 'k'), ':9\r\n');
    assert.equal(await c.call('RENAME', 'k', 'k2'), '+OK\r\n');
    assert.equal(await c.call('OBJECT', 'FREQ', 'k2'), ':5\r\n');
    for (let i = 0; i < 3; i++) await c.call('GET', 'k2');
    assert.equal(await c.call('MOVE', 'k2', '1'), ':1\r\n');
    assert.equal(await c.call('SELECT', '1'), '+OK\r\n');
    assert.equal(await c.call('OBJECT', 'FREQ', 'k2'), ':5\r\n');
    // RESTORE FREQ still sets the counter
    assert.equal(await c.call('SET', 'src', 'x'), '+OK\r\n');
    const dump = await c.call('DUMP', 'src');
    const payload = dump.slice(dump.indexOf('\r\n') + 2, dump.length - 2);
    assert.equal(await c.call('RESTORE', 'r', '0', payload, 'FREQ', '100'), '+OK\r\n');
    assert.equal(await c.call('OBJECT', 'FREQ', 'r'), ':100\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('with the default log factor the counter grows logarithmically', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'lfu-decay-time', '0'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    c.write(RawClient.encode(['GET', 'k']).repeat(1000));
    for (let i = 0; i < 1000; i++) await c.readReply(10_000);
    const freq = Number(/^:(\d+)/.exec(await c.call('OBJECT', 'FREQ', 'k'))![1]);
    // Redis's table for lfu-log-factor 10: about 18 after 1,000 hits (each increment has
    // probability 1 / ((counter - 5) * 10 + 1)); far from both 5 and a linear 1,005
    assert.ok(freq >= 10 && freq <= 30, `counter ${freq} after 1000 hits`);
  } finally {
    c.close();
    await srv.close();
  }
});
