import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';

/** ioredis without its INFO ready check (INFO belongs to another family). */
const io = (port: number, extra: Record<string, unknown> = {}) => ioredisClient(port, { enableReadyCheck: false, ...extra });
import { RawClient } from '../helpers/raw-client.js';
import { ListData } from '../../src/types/list.js';

test('DEL, UNLINK, EXISTS (duplicates count), TYPE with ioredis', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.mset('a', '1', 'b', '2', 'c', '3');
    assert.equal(await r.exists('a', 'a', 'b', 'nope'), 3);
    assert.equal(await r.del('a', 'a', 'nope'), 1);
    assert.equal(await r.unlink('b', 'c', 'd'), 2);
    assert.equal(await r.exists('a', 'b', 'c'), 0);
    await r.set('s', 'x');
    assert.equal(await r.type('s'), 'string');
    assert.equal(await r.type('missing'), 'none');
    srv.server.dbs[0]!.set('l', { type: 'list', value: new ListData() });
    assert.equal(await r.type('l'), 'list');
    await assert.rejects(r.call('del'), /ERR wrong number of arguments for 'del' command/);
    await assert.rejects(r.call('exists'), /ERR wrong number of arguments for 'exists' command/);
    await assert.rejects(r.call('type', 'a', 'b'), /ERR wrong number of arguments for 'type' command/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('KEYS with glob patterns, binary keys and the "*" shortcut that includes the empty key', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.mset('user:1', 'a', 'user:2', 'b', 'user:10', 'c', 'other', 'd', '', 'empty');
    await r.set(Buffer.from([0x6b, 0x00, 0xff]), 'bin');
    assert.deepEqual((await r.keys('user:?')).sort(), ['user:1', 'user:2']);
    assert.deepEqual((await r.keys('user:*')).sort(), ['user:1', 'user:10', 'user:2']);
    assert.deepEqual((await r.keys('user:[^1]')).sort(), ['user:2']);
    assert.deepEqual(await r.keys('nomatch*'), []);
    assert.equal((await r.keys('*')).length, 6, '"*" returns every key, "" included');
    assert.equal((await r.keys('**')).length, 5, 'any other pattern never matches the empty key');
    const bin = await r.keysBuffer('k\x00*');
    assert.deepEqual(bin, [Buffer.from([0x6b, 0x00, 0xff])]);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('KEYS skips expired keys without deleting them; DBSIZE still counts them', async () => {
  const { ManualClock } = await import('../../src/keyspace/clock.js');
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.set('live', '1');
    await r.set('dying', '1', 'PX', 100);
    clock.advance(200);
    assert.deepEqual(await r.keys('*'), ['live']);
    assert.equal(await r.dbsize(), 2, 'DBSIZE counts keys not yet reclaimed, as Redis');
    assert.equal(await r.exists('dying'), 0);
    assert.equal(await r.dbsize(), 1);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('RANDOMKEY returns an existing key, nil when empty', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    assert.equal(await r.randomkey(), null);
    await r.mset('a', '1', 'b', '2');
    for (let i = 0; i < 10; i++) assert.ok(['a', 'b'].includes((await r.randomkey())!));
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('RENAME and RENAMENX: TTL moves with the key, errors and same-name cases', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.set('a', '1', 'EX', 100);
    await r.set('b', '2');
    assert.equal(await r.rename('a', 'b'), 'OK');
    assert.equal(await r.get('b'), '1');
    assert.ok((await r.ttl('b')) > 90, 'the source TTL moves along');
    await assert.rejects(r.rename('nope', 'x'), /^ReplyError: ERR no such key$/);
    await assert.rejects(r.renamenx('nope', 'x'), /ERR no such key/);
    await assert.rejects(r.rename('nope', 'nope'), /ERR no such key/);
    assert.equal(await r.rename('b', 'b'), 'OK');
    assert.equal(await r.renamenx('b', 'b'), 0);
    await r.set('c', '3');
    assert.equal(await r.renamenx('b', 'c'), 0);
    assert.equal(await r.renamenx('b', 'd'), 1);
    assert.equal(await r.exists('b'), 0);
    assert.equal(await r.get('d'), '1');
    await r.set('e', 'v', 'EX', 50);
    await r.set('f', 'v2');
    await r.rename('f', 'e');
    assert.equal(await r.ttl('e'), -1, 'the destination TTL is replaced by the source\'s (none)');
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('COPY: same db, other db, REPLACE, expiry, independent copies and errors', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.set('src', 'hello', 'EX', 100);
    assert.equal(await r.copy('src', 'dst'), 1);
    assert.equal(await r.get('dst'), 'hello');
    assert.ok((await r.ttl('dst')) > 90);
    assert.equal(await r.copy('src', 'dst'), 0, 'existing destination without REPLACE');
    await r.set('src', 'changed');
    assert.equal(await r.get('dst'), 'hello', 'the copy is independent');
    assert.equal(await r.copy('src', 'dst', 'REPLACE'), 1);
    assert.equal(await r.get('dst'), 'changed');
    assert.equal(await r.ttl('dst'), -1);
    assert.equal(await r.copy('missing', 'x'), 0);
    assert.equal(await r.call('copy', 'src', 'src', 'DB', '3'), 1);
    await r.select(3);
    assert.equal(await r.get('src'), 'changed');
    await r.select(0);
    await assert.rejects(r.copy('src', 'src'), /^ReplyError: ERR source and destination objects are the same$/);
    await assert.rejects(r.copy('missing', 'missing'), /ERR source and destination objects are the same/);
    await assert.rejects(r.call('copy', 'src', 'x', 'DB', '16'), /^ReplyError: ERR DB index is out of range$/);
    await assert.rejects(r.call('copy', 'src', 'x', 'DB', '-1'), /ERR DB index is out of range/);
    await assert.rejects(r.call('copy', 'src', 'x', 'DB', 'abc'), /^ReplyError: ERR value is not an integer or out of range$/);
    await assert.rejects(r.call('copy', 'src', 'x', 'DB'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('copy', 'src', 'x', 'FOO'), /ERR syntax error/);
    await assert.rejects(r.call('copy', 'src'), /ERR wrong number of arguments for 'copy' command/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('MOVE: to another db with its TTL, refusals and errors', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.set('k', 'v', 'EX', 100);
    assert.equal(await r.move('k', 1), 1);
    assert.equal(await r.exists('k'), 0);
    await r.select(1);
    assert.equal(await r.get('k'), 'v');
    assert.ok((await r.ttl('k')) > 90);
    await r.select(0);
    assert.equal(await r.move('k', 1), 0, 'missing source');
    await r.set('k', 'other');
    assert.equal(await r.move('k', 1), 0, 'destination holds the key');
    assert.equal(await r.get('k'), 'other');
    await assert.rejects(r.move('k', 0), /^ReplyError: ERR source and destination objects are the same$/);
    await assert.rejects(r.move('k', 16), /^ReplyError: ERR DB index is out of range$/);
    await assert.rejects(r.move('k', 'x'), /^ReplyError: ERR value is not an integer or out of range$/);
    await assert.rejects(r.move('k', '99999999999'), /^ReplyError: ERR value is out of range, value must between -2147483648 and 2147483647$/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('SWAPDB exchanges databases, seen by clients on either side', async () => {
  const srv = await startTestServer();
  const a = io(srv.port);
  const b = io(srv.port, { db: 1 });
  try {
    await a.set('in0', 'x');
    await b.set('in1', 'y');
    assert.equal(await a.swapdb(0, 1), 'OK');
    assert.equal(await a.get('in1'), 'y');
    assert.equal(await b.get('in0'), 'x');
    assert.equal(await a.swapdb(2, 2), 'OK');
    await assert.rejects(a.swapdb(0, 16), /^ReplyError: ERR DB index is out of range$/);
    await assert.rejects(a.swapdb(-1, 0), /ERR DB index is out of range/);
    await assert.rejects(a.swapdb('x' as unknown as number, 0), /^ReplyError: ERR invalid first DB index$/);
    await assert.rejects(a.swapdb(0, 'y' as unknown as number), /^ReplyError: ERR invalid second DB index$/);
  } finally {
    a.disconnect();
    b.disconnect();
    await srv.close();
  }
});

test('TOUCH counts existing keys (duplicates too) and resets idle time', async () => {
  const { ManualClock } = await import('../../src/keyspace/clock.js');
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.mset('a', '1', 'b', '2');
    clock.advance(10_000);
    assert.equal(await r.object('IDLETIME', 'a'), 10);
    assert.equal(await r.touch('a', 'a', 'b', 'zz'), 3);
    assert.equal(await r.object('IDLETIME', 'a'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('DBSIZE, FLUSHDB and FLUSHALL [ASYNC|SYNC]', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    await r.mset('a', '1', 'b', '2');
    await r.select(1);
    await r.set('c', '3');
    assert.equal(await r.dbsize(), 1);
    assert.equal(await r.flushdb(), 'OK');
    assert.equal(await r.dbsize(), 0);
    await r.set('c', '3');
    assert.equal(await r.call('flushdb', 'ASYNC'), 'OK');
    await r.set('c', '3');
    assert.equal(await r.call('flushdb', 'sync'), 'OK');
    await r.select(0);
    assert.equal(await r.dbsize(), 2, 'FLUSHDB only empties the selected db');
    await assert.rejects(r.call('flushdb', 'now'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('flushall', 'async', 'sync'), /ERR syntax error/);
    await r.select(1);
    await r.set('c', '3');
    assert.equal(await r.call('flushall', 'async'), 'OK');
    assert.equal(await r.dbsize(), 0);
    await r.select(0);
    assert.equal(await r.dbsize(), 0);
    await r.set('x', '1');
    assert.equal(await r.flushall(), 'OK');
    assert.equal(await r.dbsize(), 0);
    await assert.rejects(r.call('dbsize', 'x'), /ERR wrong number of arguments for 'dbsize' command/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis: the keyspace commands with their typed helpers', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    await c.set('a', '1');
    await c.set('b', '2');
    assert.equal(await c.exists(['a', 'b', 'zz']), 2);
    assert.equal(await c.type('a'), 'string');
    assert.deepEqual((await c.keys('*')).sort(), ['a', 'b']);
    assert.equal(await c.copy('a', 'c', { DB: 2, REPLACE: true }), 1);
    assert.equal(await c.rename('b', 'bb'), 'OK');
    assert.equal(await c.renameNX('bb', 'a'), 0);
    assert.equal(await c.move('bb', 1), 1);
    assert.equal(await c.touch(['a', 'bb']), 1);
    assert.equal(await c.unlink('a'), 1);
    assert.equal(await c.del(['a', 'c']), 0);
    assert.equal(await c.dbSize(), 0);
    assert.equal(await c.swapDb(0, 1), 'OK');
    assert.equal(await c.get('bb'), '2');
    assert.equal(await c.randomKey(), 'bb');
    assert.equal(await c.flushDb(), 'OK');
    assert.equal(await c.flushAll('ASYNC'), 'OK');
    await assert.rejects(c.rename('nope', 'x'), /ERR no such key/);
  } finally {
    c.destroy();
    await srv.close();
  }
});

test('wire format: exact bytes of a few replies, in RESP2 and RESP3', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.call('TYPE', 'k'), '+string\r\n');
    assert.equal(await c.call('TYPE', 'zz'), '+none\r\n');
    assert.equal(await c.call('RANDOMKEY'), '$1\r\nk\r\n');
    assert.equal(await c.call('KEYS', 'k*'), '*1\r\n$1\r\nk\r\n');
    assert.equal(await c.call('SCAN', '0'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n');
    assert.equal(await c.call('DEL', 'k'), ':1\r\n');
    assert.equal(await c.call('RANDOMKEY'), '$-1\r\n');
    assert.equal(await c.call('OBJECT', 'ENCODING', 'k'), '$-1\r\n');
    await c.call('HELLO', '3');
    assert.equal(await c.call('RANDOMKEY'), '_\r\n');
    assert.equal(await c.call('OBJECT', 'ENCODING', 'k'), '_\r\n');
    assert.equal(await c.call('SCAN', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});
