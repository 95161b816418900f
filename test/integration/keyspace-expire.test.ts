import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const T0 = 1_700_000_000_000;
const io = (port: number) => ioredisClient(port, { enableReadyCheck: false });

test('keys expire lazily on access; TTL/PTTL answer -2 for missing and -1 for persistent keys', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    assert.equal(await r.ttl('missing'), -2);
    assert.equal(await r.pttl('missing'), -2);
    await r.set('p', 'v');
    assert.equal(await r.ttl('p'), -1);
    assert.equal(await r.pttl('p'), -1);
    await r.set('k', 'v');
    assert.equal(await r.expire('k', 10), 1);
    assert.equal(await r.ttl('k'), 10);
    assert.equal(await r.pttl('k'), 10_000);
    clock.advance(9_400);
    assert.equal(await r.ttl('k'), 1, 'TTL rounds to the nearest second (600 ms left)');
    assert.equal(await r.pttl('k'), 600);
    clock.advance(599);
    assert.equal(await r.get('k'), 'v');
    clock.advance(1);
    assert.equal(srv.server.dbs[0]!.size, 2, 'nothing reclaimed before an access');
    assert.equal(await r.get('k'), null);
    assert.equal(srv.server.dbs[0]!.size, 1);
    assert.equal(srv.server.stats.expiredKeys, 1);
    assert.equal(await r.ttl('k'), -2);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('active expiry reclaims expired keys without any access (server.cron)', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    const pipeline = r.pipeline();
    for (let i = 0; i < 200; i++) pipeline.set(`e${i}`, 'v', 'PX', 1000);
    for (let i = 0; i < 50; i++) pipeline.set(`keep${i}`, 'v', 'EX', 3600);
    for (let i = 0; i < 10; i++) pipeline.set(`plain${i}`, 'v');
    await pipeline.exec();
    clock.advance(1001);
    assert.equal(srv.server.dbs[0]!.size, 260);
    for (let i = 0; i < 50 && srv.server.dbs[0]!.size > 60; i++) srv.server.cron.tick();
    assert.equal(srv.server.dbs[0]!.size, 60);
    assert.equal(srv.server.stats.expiredKeys, 200);
    assert.equal(await r.dbsize(), 60);
    assert.equal(await r.exists('keep0', 'plain0'), 2);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('EXPIRE with a time in the past deletes the key at once (a DEL, not an expiry)', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.mset('a', '1', 'b', '2', 'c', '3', 'd', '4');
    assert.equal(await r.expire('a', -1), 1);
    assert.equal(await r.pexpire('b', 0), 1);
    assert.equal(await r.expireat('c', Math.floor(T0 / 1000) - 1), 1);
    assert.equal(await r.pexpireat('d', T0), 1, 'exactly now counts as past');
    assert.equal(await r.exists('a', 'b', 'c', 'd'), 0);
    assert.equal(srv.server.dbs[0]!.size, 0);
    assert.equal(srv.server.stats.expiredKeys, 0, 'Redis does not count these as expired keys');
    assert.equal(await r.expire('missing', -1), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('EXPIREAT/PEXPIREAT, EXPIRETIME/PEXPIRETIME (rounded seconds), PERSIST', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.set('k', 'v');
    assert.equal(await r.expiretime('k'), -1);
    assert.equal(await r.pexpiretime('missing'), -2);
    assert.equal(await r.pexpireat('k', T0 + 10_499), 1);
    assert.equal(await r.pexpiretime('k'), T0 + 10_499);
    assert.equal(await r.expiretime('k'), T0 / 1000 + 10);
    assert.equal(await r.pexpireat('k', T0 + 10_500), 1);
    assert.equal(await r.expiretime('k'), T0 / 1000 + 11, '(ms + 500) / 1000, as Redis');
    assert.equal(await r.expireat('k', T0 / 1000 + 100), 1);
    assert.equal(await r.pexpiretime('k'), T0 + 100_000);
    assert.equal(await r.persist('k'), 1);
    assert.equal(await r.persist('k'), 0);
    assert.equal(await r.persist('missing'), 0);
    assert.equal(await r.ttl('k'), -1);
    // Times beyond 2^53 ms are 64-bit exact, like Redis's long long.
    assert.equal(await r.call('pexpireat', 'k', '9223372036854775807'), 1);
    const raw = await RawClient.connect(srv.port);
    try {
      assert.equal(await raw.call('PEXPIRETIME', 'k'), ':9223372036854775807\r\n');
      assert.equal(await raw.call('EXPIRETIME', 'k'), ':9223372036854776\r\n');
      assert.equal(await raw.call('PTTL', 'k'), `:${9223372036854775807n - BigInt(T0)}\r\n`);
      assert.equal(await raw.call('TTL', 'k'), `:${(9223372036854775807n - BigInt(T0) + 500n) / 1000n}\r\n`);
    } finally {
      raw.close();
    }
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('EXPIRE NX / XX / GT / LT', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.set('k', 'v');
    assert.equal(await r.call('expire', 'k', '100', 'XX'), 0, 'XX: no TTL yet');
    assert.equal(await r.call('expire', 'k', '100', 'GT'), 0, 'GT: no TTL counts as infinite');
    assert.equal(await r.call('expire', 'k', '100', 'LT'), 1, 'LT: anything beats infinite');
    assert.equal(await r.call('expire', 'k', '200', 'NX'), 0);
    assert.equal(await r.call('expire', 'k', '200', 'GT'), 1);
    assert.equal(await r.call('expire', 'k', '200', 'GT'), 0, 'equal is not greater');
    assert.equal(await r.call('expire', 'k', '300', 'LT'), 0);
    assert.equal(await r.call('expire', 'k', '50', 'lt'), 1);
    assert.equal(await r.call('expire', 'k', '60', 'xx', 'gt'), 1);
    assert.equal(await r.ttl('k'), 60);
    assert.equal(await r.call('pexpire', 'k', '1000', 'XX', 'LT'), 1);
    assert.equal(await r.pttl('k'), 1000);
    await r.persist('k');
    assert.equal(await r.call('expire', 'k', '10', 'NX'), 1);
    assert.equal(await r.call('expire', 'missing', '10', 'NX'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('EXPIRE family errors: option conflicts, unknown options, integers and overflow', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'k', 'v');
    const err = async (...argv: string[]) => c.call(...argv);
    assert.equal(await err('EXPIRE', 'k', '1', 'NX', 'XX'), '-ERR NX and XX, GT or LT options at the same time are not compatible\r\n');
    assert.equal(await err('EXPIRE', 'k', '1', 'gt', 'nx'), '-ERR NX and XX, GT or LT options at the same time are not compatible\r\n');
    assert.equal(await err('EXPIRE', 'k', '1', 'GT', 'LT'), '-ERR GT and LT options at the same time are not compatible\r\n');
    assert.equal(await err('EXPIRE', 'k', '1', 'foo'), '-ERR Unsupported option foo\r\n');
    assert.equal(await err('EXPIRE', 'k', 'x', 'foo'), '-ERR Unsupported option foo\r\n', 'options are checked before the number');
    assert.equal(await err('EXPIRE', 'k', '1', 'a\r\nb'), '-ERR Unsupported option a  b\r\n');
    assert.equal(await err('EXPIRE', 'k', '1', 'nx\0junk'), ':1\r\n', 'C string comparison stops at NUL');
    assert.equal(await err('EXPIRE', 'k', 'x'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await err('EXPIRE', 'k', '1.5'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await err('PEXPIREAT', 'k', '9223372036854775808'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await err('EXPIRE', 'k', '9223372036854775'), "-ERR invalid expire time in 'expire' command\r\n");
    assert.equal(await err('EXPIREAT', 'k', '9223372036854776'), "-ERR invalid expire time in 'expireat' command\r\n");
    assert.equal(await err('EXPIREAT', 'k', '-9223372036854776'), "-ERR invalid expire time in 'expireat' command\r\n");
    assert.equal(await err('PEXPIRE', 'k', '9223372036854775807'), "-ERR invalid expire time in 'pexpire' command\r\n");
    assert.equal(await err('PEXPIRE', 'missing', '9223372036854775807'), "-ERR invalid expire time in 'pexpire' command\r\n", 'checked before the key');
    assert.equal(await err('EXPIREAT', 'k', '9223372036854775'), ':1\r\n');
    assert.equal(await err('EXPIRE', 'k'), "-ERR wrong number of arguments for 'expire' command\r\n");
    assert.equal(await err('TTL'), "-ERR wrong number of arguments for 'ttl' command\r\n");
    assert.equal(await err('PERSIST', 'a', 'b'), "-ERR wrong number of arguments for 'persist' command\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('SET drops a TTL, RENAME/COPY/MOVE carry it', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.set('k', 'v', 'EX', 100);
    await r.set('k', 'w');
    assert.equal(await r.ttl('k'), -1);
    await r.expire('k', 100);
    await r.copy('k', 'c');
    await r.rename('k', 'r');
    await r.move('c', 1);
    assert.equal(await r.pttl('r'), 100_000);
    await r.select(1);
    assert.equal(await r.pttl('c'), 100_000);
    clock.advance(100_000);
    assert.equal(await r.exists('c'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis: expiry helpers', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    await c.set('k', 'v');
    assert.equal(await c.expire('k', 30, 'NX'), 1);
    assert.equal(await c.pExpire('k', 60_000, 'GT'), 1);
    assert.equal(await c.ttl('k'), 60);
    assert.equal(await c.pTTL('k'), 60_000);
    assert.equal(await c.expireAt('k', T0 / 1000 + 10), 1);
    assert.equal(await c.expireTime('k'), T0 / 1000 + 10);
    assert.equal(await c.pExpireAt('k', T0 + 5000), 1);
    assert.equal(await c.pExpireTime('k'), T0 + 5000);
    assert.equal(await c.persist('k'), 1);
    assert.equal(await c.ttl('k'), -1);
    assert.equal(await c.expire('k', 1, 'XX'), 0);
    await assert.rejects(c.sendCommand(['EXPIRE', 'k', '1', 'GT', 'LT']), /ERR GT and LT options at the same time are not compatible/);
    clock.advance(1);
    assert.equal(await c.ttl('gone'), -2);
  } finally {
    c.destroy();
    await srv.close();
  }
});
