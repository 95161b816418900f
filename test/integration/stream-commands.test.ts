/**
 * Stream commands through real clients (ioredis, node-redis in RESP2 and RESP3), with a
 * ManualClock for everything time-dependent: auto IDs (monotonic when the clock goes
 * back), idle and delivery times, consumers' seen-time and 7.2's active-time/inactive,
 * XCLAIM/XAUTOCLAIM idle filters. Also keyspace events, BLOCK without waiting, the
 * keyspace integration (TYPE, OBJECT ENCODING, COPY, RENAME, SCAN TYPE, WRONGTYPE).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import type { NotifyKindBit } from '../../src/keyspace/keyspace-events.js';
import { NotifyKind } from '../../src/keyspace/keyspace-events.js';

const T0 = 1_700_000_000_000;

/** Flat [k, v, k, v…] (RESP2 map) as an object. */
function obj(flat: unknown): Record<string, unknown> {
  const a = flat as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < a.length; i += 2) out[String(a[i])] = a[i + 1];
  return out;
}

test('auto IDs follow the command clock and stay monotonic when it goes back', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.xadd('s', '*', 'f', '1'), `${T0}-0`);
    assert.equal(await r.xadd('s', '*', 'f', '2'), `${T0}-1`);
    clock.set(T0 - 5000);
    assert.equal(await r.xadd('s', '*', 'f', '3'), `${T0}-2`, 'a clock gone back reuses the last ms');
    clock.set(T0 + 1);
    assert.equal(await r.xadd('s', '*', 'f', '4'), `${T0 + 1}-0`);
    assert.equal(await r.xadd('s', `${T0 + 10_000}-5`, 'f', '5'), `${T0 + 10_000}-5`);
    assert.equal(await r.xadd('s', '*', 'f', '6'), `${T0 + 10_000}-6`, 'an explicit future ID pins the ms part');
    assert.equal(await r.xadd('s', `${T0 + 10_000}-*`, 'f', '7'), `${T0 + 10_000}-7`);
    assert.equal(await r.xlen('s'), 7);
    const range = await r.xrange('s', '-', '+', 'COUNT', 2);
    assert.deepEqual(range, [
      [`${T0}-0`, ['f', '1']],
      [`${T0}-1`, ['f', '2']],
    ]);
    assert.deepEqual((await r.xrevrange('s', '+', '-', 'COUNT', 1))[0], [`${T0 + 10_000}-7`, ['f', '7']]);
    // NOMKSTREAM, MAXLEN = exact trimming in XADD
    assert.equal(await r.xadd('nokey', 'NOMKSTREAM', '*', 'f', 'v'), null);
    assert.equal(await r.exists('nokey'), 0);
    await r.xadd('s', 'MAXLEN', '=', 3, '*', 'f', '8');
    assert.equal(await r.xlen('s'), 3);
    assert.equal(await r.xtrim('s', 'MINID', `${T0 + 10_000}-7`), 1);
    assert.deepEqual(
      (await r.xrange('s', '-', '+')).map((e) => e[0]),
      [`${T0 + 10_000}-7`, `${T0 + 10_000}-8`],
    );
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('consumer groups: PEL, idle times, claims and 7.2 consumer fields under a manual clock', async () => {
  const clock = new ManualClock(T0);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    for (let i = 1; i <= 4; i++) await r.xadd('s', `${i}-0`, 'n', String(i));
    assert.equal(await r.xgroup('CREATE', 's', 'g', '0'), 'OK');
    // a history read of an empty PEL: an empty list, the consumer created but never active
    assert.deepEqual(await r.xreadgroup('GROUP', 'g', 'idle', 'STREAMS', 's', '9-0'), [['s', []]]);
    const got = (await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 's', '>')) as [string, [string, string[]][]][];
    assert.deepEqual(got, [['s', [['1-0', ['n', '1']], ['2-0', ['n', '2']]]]]);
    clock.advance(1500);
    await r.xreadgroup('GROUP', 'g', 'bob', 'STREAMS', 's', '>');
    clock.advance(500);
    const pending = (await r.xpending('s', 'g', '-', '+', 10)) as [string, string, number, number][];
    assert.deepEqual(pending, [
      ['1-0', 'alice', 2000, 1],
      ['2-0', 'alice', 2000, 1],
      ['3-0', 'bob', 500, 1],
      ['4-0', 'bob', 500, 1],
    ]);
    assert.deepEqual(await r.xpending('s', 'g', 'IDLE', 1000, '-', '+', 10), pending.slice(0, 2));
    assert.deepEqual(await r.xpending('s', 'g'), [4, '1-0', '4-0', [['alice', '2'], ['bob', '2']]]);

    // XCLAIM honours min-idle-time against the command clock
    assert.deepEqual(await r.xclaim('s', 'g', 'carol', 1000, '1-0', '3-0', 'JUSTID'), ['1-0']);
    const consumers = ((await r.xinfo('CONSUMERS', 's', 'g')) as unknown[]).map(obj);
    assert.deepEqual(consumers, [
      { name: 'alice', pending: 1, idle: 2000, inactive: 2000 },
      { name: 'bob', pending: 2, idle: 500, inactive: 500 },
      { name: 'carol', pending: 1, idle: 0, inactive: 0 },
      { name: 'idle', pending: 0, idle: 2000, inactive: -1 },
    ]);
    // XAUTOCLAIM: idle filter, then a deleted entry reported in the third element
    clock.advance(3000);
    await r.xdel('s', '2-0');
    const auto = (await r.xautoclaim('s', 'g', 'dave', 2500, '0', 'COUNT', 10)) as unknown[];
    assert.deepEqual(auto, ['0-0', [['1-0', ['n', '1']], ['3-0', ['n', '3']], ['4-0', ['n', '4']]], ['2-0']]);
    const full = obj(await r.xinfo('STREAM', 's', 'FULL'));
    const group = obj((full['groups'] as unknown[])[0]);
    assert.deepEqual(group['pending'], [
      ['1-0', 'dave', T0 + 5000, 2],
      ['3-0', 'dave', T0 + 5000, 2],
      ['4-0', 'dave', T0 + 5000, 2],
    ]);
    const dave = ((group['consumers'] as unknown[]).map(obj)).find((c) => c['name'] === 'dave')!;
    assert.equal(dave['seen-time'], T0 + 5000);
    assert.equal(dave['active-time'], T0 + 5000);
    assert.equal(group['entries-read'], 4);
    assert.equal(group['lag'], 0);
    // XCLAIM IDLE / TIME / RETRYCOUNT / FORCE
    await r.xclaim('s', 'g', 'erin', 0, '1-0', 'IDLE', 700, 'RETRYCOUNT', 9);
    assert.deepEqual((await r.xpending('s', 'g', '1-0', '1-0', 1))[0], ['1-0', 'erin', 700, 9]);
    await r.xack('s', 'g', '4-0');
    await r.xclaim('s', 'g', 'erin', 0, '4-0', 'FORCE', 'TIME', T0 + 4000, 'JUSTID');
    assert.deepEqual((await r.xpending('s', 'g', '4-0', '4-0', 1))[0], ['4-0', 'erin', 1000, 1]);
    assert.equal(await r.xgroup('DELCONSUMER', 's', 'g', 'erin'), 2);
    assert.equal(await r.xack('s', 'g', '1-0', '3-0', '4-0'), 1);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis RESP2 and RESP3: XREAD/XREADGROUP shapes, XINFO maps', async () => {
  const srv = await startTestServer();
  const c2 = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  const c3 = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false }, RESP: 3 });
  await c2.connect();
  await c3.connect();
  try {
    assert.equal(await c2.xAdd('s', '1-1', { a: '1', b: '2' }), '1-1');
    assert.equal(await c2.xAdd('t', '2-1', { c: '3' }), '2-1');
    assert.deepEqual(await c2.xRange('s', '-', '+'), [{ id: '1-1', message: { a: '1', b: '2' } }]);
    assert.equal(await c2.xLen('s'), 1);
    assert.equal(await c2.xGroupCreate('s', 'g', '0'), 'OK');
    const read2 = await c2.xReadGroup('g', 'c', { key: 's', id: '>' });
    assert.deepEqual(JSON.parse(JSON.stringify(read2)), [{ name: 's', messages: [{ id: '1-1', message: { a: '1', b: '2' } }] }]);
    // RESP3: a map of stream → entries
    const raw3 = await c3.sendCommand(['XREAD', 'STREAMS', 's', 't', '0', '0']);
    assert.ok(raw3 instanceof Map || (typeof raw3 === 'object' && raw3 !== null && !Array.isArray(raw3)), 'RESP3 XREAD is a map');
    const entries = raw3 instanceof Map ? [...raw3.entries()] : Object.entries(raw3 as object);
    assert.deepEqual(
      entries.map(([k]) => String(k)),
      ['s', 't'],
    );
    const info3 = await c3.sendCommand(['XINFO', 'STREAM', 's']);
    const infoObj = info3 instanceof Map ? Object.fromEntries(info3) : (info3 as unknown as Record<string, unknown>);
    assert.equal(infoObj['length'], 1);
    assert.equal(infoObj['entries-added'], 1);
    assert.equal(await c3.sendCommand(['XREAD', 'STREAMS', 's', '$']), null);
    const pending = await c2.xPending('s', 'g');
    assert.equal(pending.pending, 1);
    assert.equal(await c2.xAck('s', 'g', '1-1'), 1);
  } finally {
    await c2.quit();
    await c3.quit();
    await srv.close();
  }
});

test('BLOCK: served at once when data is there; argument errors (waiting: stream-blocking.test.ts)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('XADD', 's', '1-1', 'f', 'v');
    assert.equal(await c.call('XREAD', 'BLOCK', '100', 'STREAMS', 's', '0'), '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    assert.equal(await c.call('XREAD', 'BLOCK', '-1', 'STREAMS', 's', '0'), '-ERR timeout is negative\r\n');
    assert.equal(await c.call('XREAD', 'BLOCK', '9223372036854775807', 'STREAMS', 's', '0'), '-ERR timeout is out of range\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('keyspace events carry Redis event names', async () => {
  const srv = await startTestServer();
  const events: string[] = [];
  srv.server.keyspace.notifyKeyspaceEvent = (kind: NotifyKindBit, event: string, key: string, db: number) => {
    // `new` and `keymiss` events (classes n and m) are not what this test is about
    if (kind === NotifyKind.newKey || kind === NotifyKind.keyMiss) return;
    assert.equal(kind, NotifyKind.stream);
    events.push(`${event}:${key}:${db}`);
  };
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('XADD', 's', '1-1', 'f', 'v');
    await c.call('XADD', 's', 'MAXLEN', '1', '2-1', 'f', 'v');
    await c.call('XADD', 's', 'MAXLEN', '5', '3-1', 'f', 'v');
    await c.call('XDEL', 's', '2-1', '9-9');
    await c.call('XDEL', 's', '9-9');
    await c.call('XTRIM', 's', 'MAXLEN', '0');
    await c.call('XGROUP', 'CREATE', 'n', 'g', '$', 'MKSTREAM');
    await c.call('XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'n', '>');
    await c.call('XGROUP', 'CREATECONSUMER', 'n', 'g', 'c1');
    await c.call('XGROUP', 'SETID', 'n', 'g', '0');
    await c.call('XGROUP', 'DELCONSUMER', 'n', 'g', 'c1');
    await c.call('XGROUP', 'DESTROY', 'n', 'g');
    await c.call('XSETID', 'n', '5-5');
    await c.call('SELECT', '3');
    await c.call('XADD', 'z', '1-1', 'f', 'v');
    assert.deepEqual(events, [
      'xadd:s:0',
      'xadd:s:0',
      'xtrim:s:0',
      'xadd:s:0',
      'xdel:s:0',
      'xtrim:s:0',
      'xgroup-create:n:0',
      'xgroup-createconsumer:n:0',
      'xgroup-setid:n:0',
      'xgroup-delconsumer:n:0',
      'xgroup-destroy:n:0',
      'xsetid:n:0',
      'xadd:z:3',
    ]);
  } finally {
    c.close();
    await srv.close();
  }
});

test('keyspace integration: TYPE, OBJECT ENCODING, COPY independence, RENAME, SCAN TYPE, WRONGTYPE', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    await r.xadd('s', '1-1', 'f', 'v');
    await r.xgroup('CREATE', 's', 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    assert.equal(await r.type('s'), 'stream');
    assert.equal(await r.object('ENCODING', 's'), 'stream');
    assert.equal(await r.copy('s', 'c'), 1);
    await r.xadd('c', '2-1', 'f', 'w');
    await r.xack('c', 'g', '1-1');
    await r.xgroup('CREATECONSUMER', 'c', 'g', 'other');
    assert.equal(await r.xlen('s'), 1);
    assert.deepEqual(await r.xpending('s', 'g'), [1, '1-1', '1-1', [['c', '1']]]);
    assert.equal(((await r.xinfo('CONSUMERS', 's', 'g')) as unknown[]).length, 1);
    assert.equal(await r.xlen('c'), 2);
    assert.equal(await r.rename('c', 'r'), 'OK');
    assert.deepEqual((await r.xrange('r', '-', '+')).map((e) => e[0]), ['1-1', '2-1']);
    const [, found] = (await r.call('SCAN', '0', 'TYPE', 'stream', 'COUNT', '100')) as [string, string[]];
    assert.deepEqual(found.sort(), ['r', 's']);
    await r.set('str', 'x');
    await assert.rejects(r.xadd('str', '*', 'f', 'v'), /^ReplyError: WRONGTYPE/);
    await assert.rejects(r.xlen('str'), /^ReplyError: WRONGTYPE/);
    await assert.rejects(r.get('s'), /^ReplyError: WRONGTYPE/);
    await assert.rejects(r.hset('s', 'a', 'b'), /^ReplyError: WRONGTYPE/);
    assert.equal(await r.xdel('s', '1-1'), 1);
    assert.equal(await r.exists('s'), 1, 'an emptied stream stays, as in Redis');
  } finally {
    r.disconnect();
    await srv.close();
  }
});
