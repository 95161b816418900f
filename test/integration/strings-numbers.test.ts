/**
 * INCR/DECR/INCRBY/DECRBY with exact 64-bit edges, and INCRBYFLOAT with Redis's long
 * double text, through node-redis and ioredis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const LLMAX = '9223372036854775807';
const LLMIN = '-9223372036854775808';

test('node-redis: INCR family, exact at the 64-bit limits', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    assert.equal(await c.incr('n'), 1);
    assert.equal(await c.incrBy('n', 41), 42);
    assert.equal(await c.decr('n'), 41);
    assert.equal(await c.decrBy('n', 50), -9);
    assert.equal(await c.get('n'), '-9');

    await c.set('big', '9223372036854775806');
    // beyond 2^53 a JS number cannot hold the reply; compare the stored text, which is exact
    await c.sendCommand(['INCR', 'big']);
    assert.equal(await c.get('big'), LLMAX);
    await assert.rejects(c.incr('big'), /ERR increment or decrement would overflow/);
    await assert.rejects(c.sendCommand(['INCRBY', 'big', '1']), /ERR increment or decrement would overflow/);
    assert.equal(await c.get('big'), LLMAX, 'a failed INCR changes nothing');

    await c.set('small', LLMIN);
    await assert.rejects(c.decr('small'), /ERR increment or decrement would overflow/);
    await assert.rejects(c.sendCommand(['DECRBY', 'x', LLMIN]), /ERR decrement would overflow/);
    await c.sendCommand(['DECRBY', 'x', '-9223372036854775807']);
    assert.equal(await c.get('x'), LLMAX);

    await c.set('safe', '9007199254740991');
    await c.sendCommand(['INCRBY', 'safe', '2']);
    assert.equal(await c.get('safe'), '9007199254740993', 'no double rounding past 2^53');

    for (const bad of ['abc', ' 1', '1 ', '01', '-0', '+1', '1.0', '', '9223372036854775808']) {
      await c.set('bad', bad);
      await assert.rejects(c.incr('bad'), /ERR value is not an integer or out of range/, JSON.stringify(bad));
    }
    await assert.rejects(c.sendCommand(['INCRBY', 'n', '1.5']), /ERR value is not an integer or out of range/);
  } finally {
    c.destroy();
    await srv.close();
  }
});

test('ioredis: big INCR replies arrive exactly as text', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port, { stringNumbers: true });
  try {
    await r.set('k', '9223372036854775800');
    assert.equal(await r.incrby('k', 7), LLMAX);
    assert.equal(await r.decrby('k', LLMAX), '0');
    assert.equal(await r.incrby('k', LLMIN), LLMIN);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('INCR and INCRBYFLOAT keep the TTL; INCRBYFLOAT prints like Redis', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    await r.set('k', '10', 'EX', 100);
    assert.equal(await r.incr('k'), 11);
    assert.equal(await r.incrbyfloat('k', '1.5'), '12.5');
    assert.equal(srv.server.dbs[0]!.getExpire('k'), clock.now() + 100_000);

    await r.set('f', '10.5');
    assert.equal(await r.incrbyfloat('f', '0.1'), '10.6');
    assert.equal(await r.incrbyfloat('g', '3.0e3'), '3000');
    await r.set('h', '5.0e3');
    assert.equal(await r.incrbyfloat('h', '2.0e2'), '5200');
    assert.equal(await r.incrbyfloat('i', '0.1'), '0.1');
    assert.equal(await r.incrbyfloat('i', '0.2'), '0.3', 'long double arithmetic, not double');
    assert.equal(await r.incrbyfloat('j', '1e20'), '100000000000000000000');
    assert.equal(await r.incrbyfloat('j2', '-1e-20'), '0');
    await r.set('l', '1e308');
    const big = await r.incrbyfloat('l', '1e308');
    assert.equal(big.length, 309, 'beyond double range, as a long double');

    await assert.rejects(r.incrbyfloat('m', 'abc'), /ERR value is not a valid float/);
    await assert.rejects(r.incrbyfloat('m', 'nan'), /ERR value is not a valid float/);
    await assert.rejects(r.incrbyfloat('m', ' 1'), /ERR value is not a valid float/);
    await assert.rejects(r.incrbyfloat('m', '1e5000'), /ERR value is not a valid float/);
    await assert.rejects(r.incrbyfloat('m', 'inf'), /ERR increment would produce NaN or Infinity/);
    assert.equal(await r.exists('m'), 0);
    await r.set('s', 'text');
    await assert.rejects(r.incrbyfloat('s', '1'), /ERR value is not a valid float/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});
