import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const io = (port: number) => ioredisClient(port, { enableReadyCheck: false });
const LFU_ERROR =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LRU_ERROR =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

test('OBJECT ENCODING of strings: int, embstr, raw, and raw after in-place changes', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    const cases: [string, string][] = [
      ['12345', 'int'],
      ['-9223372036854775808', 'int'],
      ['9223372036854775807', 'int'],
      ['9223372036854775808', 'embstr'],
      ['0', 'int'],
      ['-0', 'embstr'],
      ['007', 'embstr'],
      ['+1', 'embstr'],
      [' 1', 'embstr'],
      ['', 'embstr'],
      ['x'.repeat(44), 'embstr'],
      ['x'.repeat(45), 'raw'],
    ];
    for (const [value, enc] of cases) {
      await r.set('k', value);
      assert.equal(await r.object('ENCODING', 'k'), enc, `value ${JSON.stringify(value)}`);
    }
    srv.server.dbs[0]!.setString('appended', 'ab', false, true);
    assert.equal(await r.object('ENCODING', 'appended'), 'raw', 'the raw flag wins');
    assert.equal(await r.object('ENCODING', 'missing'), null);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('OBJECT REFCOUNT: shared small integers, private copies, everything else 1', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.set('small', '9999');
    await r.set('big', '10000');
    await r.set('neg', '-1');
    await r.set('str', 'hello');
    assert.equal(await r.object('REFCOUNT', 'small'), 2147483647);
    assert.equal(await r.object('REFCOUNT', 'big'), 1);
    assert.equal(await r.object('REFCOUNT', 'neg'), 1);
    assert.equal(await r.object('REFCOUNT', 'str'), 1);
    await r.copy('small', 'copied');
    assert.equal(await r.object('REFCOUNT', 'copied'), 1, 'COPY duplicates into a private object');
    assert.equal(await r.object('ENCODING', 'copied'), 'int');
    assert.equal(await r.object('REFCOUNT', 'missing'), null);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('OBJECT REFCOUNT: no sharing under maxmemory with an LRU/LFU policy', async () => {
  const srv = await startTestServer({ config: [['maxmemory', '100mb'], ['maxmemory-policy', 'allkeys-lru']] });
  const r = io(srv.port);
  try {
    await r.set('small', '5');
    assert.equal(await r.object('REFCOUNT', 'small'), 1);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('OBJECT IDLETIME and FREQ depend on the maxmemory policy, with Redis\'s error texts', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.set('k', 'v');
    clock.advance(65_000);
    assert.equal(await r.object('IDLETIME', 'k'), 65);
    assert.equal(await r.object('IDLETIME', 'k'), 65, 'OBJECT does not touch the key');
    await assert.rejects(r.object('FREQ', 'k'), (e: Error) => e.message === LFU_ERROR);
    assert.equal(await r.object('FREQ', 'missing'), null, 'a missing key is nil before the policy check');
    await r.get('k');
    assert.equal(await r.object('IDLETIME', 'k'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
  const lfuClock = new ManualClock(1_700_000_000_000);
  const lfu = await startTestServer({ clock: lfuClock, config: [['maxmemory-policy', 'allkeys-lfu']] });
  const l = io(lfu.port);
  try {
    await l.set('k', 'v');
    assert.equal(await l.object('FREQ', 'k'), 5, 'new keys start at LFU_INIT_VAL');
    await l.get('k');
    assert.equal(await l.object('FREQ', 'k'), 6);
    lfuClock.advance(2 * 60_000);
    assert.equal(await l.object('FREQ', 'k'), 4, 'decays one per lfu-decay-time minute');
    await assert.rejects(l.object('IDLETIME', 'k'), (e: Error) => e.message === LRU_ERROR);
  } finally {
    l.disconnect();
    await lfu.close();
  }
});

test('OBJECT HELP, subcommand errors and arity', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const help = await c.call('object', 'help');
    assert.ok(help.startsWith('*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n'));
    assert.ok(help.endsWith('+HELP\r\n+    Prints this help.\r\n'));
    assert.ok((await c.call('oBjEcT', 'HeLp')).startsWith('*15\r\n+OBJECT <subcommand>'));
    assert.equal(await c.call('OBJECT', 'foo'), "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
    assert.equal(await c.call('OBJECT'), "-ERR wrong number of arguments for 'object' command\r\n");
    assert.equal(await c.call('OBJECT', 'encoding'), "-ERR wrong number of arguments for 'object|encoding' command\r\n");
    assert.equal(await c.call('OBJECT', 'help', 'x'), "-ERR wrong number of arguments for 'object|help' command\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('node-redis: OBJECT helpers', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    await c.set('n', '42');
    await c.set('s', 'text');
    assert.equal(await c.objectEncoding('n'), 'int');
    assert.equal(await c.objectEncoding('s'), 'embstr');
    assert.equal(await c.objectRefCount('n'), 2147483647);
    assert.equal(await c.objectIdleTime('s'), 0);
    await assert.rejects(c.objectFreq('s'), /An LFU maxmemory policy is not selected/);
  } finally {
    c.destroy();
    await srv.close();
  }
});
