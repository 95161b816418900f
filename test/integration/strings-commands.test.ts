/**
 * String commands through real clients (ioredis, node-redis) and raw bytes: SET and its
 * options, the SET variants, multi-key commands, GETEX/GETDEL/GETSET, APPEND, ranges.
 * Time-dependent behaviour uses a ManualClock: nothing sleeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import type { RunningServer } from '../../src/server/server.js';
import { ListData } from '../../src/types/list.js';

const BIN = Buffer.from([0x00, 0x80, 0xff, 0x0d, 0x0a, 0x41, 0x00]);

/** The stored entry, for checks no command exposes directly (raw flag, exact expiry). */
function entry(srv: RunningServer, key: string) {
  return srv.server.dbs[0]!.peek(key);
}

test('SET / GET with binary keys and values, and every SET option', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.set(BIN, BIN), 'OK');
    assert.deepEqual(await r.getBuffer(BIN), BIN);
    assert.equal(await r.get('missing'), null);

    assert.equal(await r.set('k', 'v1', 'NX'), 'OK');
    assert.equal(await r.set('k', 'v2', 'NX'), null);
    assert.equal(await r.set('k', 'v3', 'XX'), 'OK');
    assert.equal(await r.set('nokey', 'v', 'XX'), null);
    assert.equal(await r.set('k', 'v4', 'GET'), 'v3');
    assert.equal(await r.set('k', 'v5', 'NX', 'GET'), 'v4'); // NX fails, old value still returned
    assert.equal(await r.get('k'), 'v4');

    assert.equal(await r.set('k', 'v', 'EX', 100), 'OK');
    assert.equal(srv.server.dbs[0]!.getExpire('k'), clock.now() + 100_000);
    assert.equal(await r.set('k', 'v', 'KEEPTTL'), 'OK');
    assert.equal(srv.server.dbs[0]!.getExpire('k'), clock.now() + 100_000);
    assert.equal(await r.set('k', 'v'), 'OK');
    assert.equal(srv.server.dbs[0]!.getExpire('k'), undefined, 'a plain SET drops the TTL');
    // the same expiry option twice: the last one wins, as in Redis
    assert.equal(await r.call('SET', 'k', 'v', 'EX', '10', 'EX', '20'), 'OK');
    assert.equal(srv.server.dbs[0]!.getExpire('k'), clock.now() + 20_000);
    assert.equal(await r.set('k', 'v', 'PXAT', clock.now() + 5), 'OK');
    clock.advance(5);
    assert.equal(await r.get('k'), null, 'expired exactly at PXAT');

    await assert.rejects(r.call('SET', 'k', 'v', 'EX', '10', 'PX', '10'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('SET', 'k', 'v', 'NX', 'XX'), /ERR syntax error/);
    await assert.rejects(r.call('SET', 'k', 'v', 'KEEPTTL', 'EX', '1'), /ERR syntax error/);
    await assert.rejects(r.call('SET', 'k', 'v', 'EX'), /ERR syntax error/);
    await assert.rejects(r.call('SET', 'k', 'v', 'EX', 'abc'), /ERR value is not an integer or out of range/);
    await assert.rejects(r.call('SET', 'k', 'v', 'EX', '-0'), /ERR value is not an integer or out of range/);
    await assert.rejects(r.call('SET', 'k', 'v', 'EX', '0'), /ERR invalid expire time in 'set' command/);
    await assert.rejects(r.call('SET', 'k', 'v', 'PX', '9223372036854775807'), /ERR invalid expire time in 'set' command/);
    await assert.rejects(r.call('SET', 'k', 'v', 'EX', '9223372036854776'), /ERR invalid expire time in 'set' command/);
    await assert.rejects(r.call('SET', 'k'), /ERR wrong number of arguments for 'set' command/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('SETNX, SETEX, PSETEX, GETSET, GETDEL', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.setnx('a', '1'), 1);
    assert.equal(await r.setnx('a', '2'), 0);
    assert.equal(await r.get('a'), '1');
    assert.equal(await r.setex('b', 10, 'x'), 'OK');
    assert.equal(srv.server.dbs[0]!.getExpire('b'), clock.now() + 10_000);
    assert.equal(await r.psetex('c', 1500, 'y'), 'OK');
    assert.equal(srv.server.dbs[0]!.getExpire('c'), clock.now() + 1500);
    clock.advance(1500);
    assert.equal(await r.get('c'), null);
    await assert.rejects(r.setex('b', 0, 'x'), /ERR invalid expire time in 'setex' command/);
    await assert.rejects(r.psetex('b', -5, 'x'), /ERR invalid expire time in 'psetex' command/);
    await assert.rejects(r.call('SETEX', 'b', 'ten', 'x'), /ERR value is not an integer or out of range/);

    assert.equal(await r.getset('b', 'new'), 'x');
    assert.equal(srv.server.dbs[0]!.getExpire('b'), undefined, 'GETSET drops the TTL');
    assert.equal(await r.getset('fresh', 'v'), null);
    assert.equal(await r.getdel('fresh'), 'v');
    assert.equal(await r.getdel('fresh'), null);
    assert.equal(await r.exists('fresh'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('MSET, MGET, MSETNX: wrong-type keys read as nil, MSETNX is all or nothing', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.mset('a', '1', 'b', BIN, 'a', '3'), 'OK');
    assert.deepEqual(await r.mgetBuffer('a', 'b', 'c'), [Buffer.from('3'), BIN, null]);
    assert.equal(await r.msetnx('c', '1', 'a', '2'), 0);
    assert.equal(await r.exists('c'), 0, 'nothing set when one key exists');
    assert.equal(await r.msetnx('c', '1', 'd', '2'), 1);
    assert.deepEqual(await r.mget('c', 'd'), ['1', '2']);
    await assert.rejects(r.call('MSET', 'a', '1', 'b'), /ERR wrong number of arguments for 'mset' command/);
    await assert.rejects(r.call('MSETNX', 'a'), /ERR wrong number of arguments for 'msetnx' command/);
    // a non-string value: seed one directly, since list commands are another family
    srv.server.dbs[0]!.set('list', { type: 'list', value: new ListData() });
    assert.deepEqual(await r.mget('list', 'a'), [null, '3']);
    await assert.rejects(r.get('list'), /^ReplyError: WRONGTYPE Operation against a key holding the wrong kind of value$/);
    await assert.rejects(r.getset('list', 'x'), /WRONGTYPE/);
    await assert.rejects(r.getdel('list'), /WRONGTYPE/);
    await assert.rejects(r.append('list', 'x'), /WRONGTYPE/);
    await assert.rejects(r.strlen('list'), /WRONGTYPE/);
    await assert.rejects(r.call('SET', 'list', 'v', 'GET'), /WRONGTYPE/);
    assert.equal(await r.set('list', 'v'), 'OK', 'plain SET overwrites any type');
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('GETEX: EX/PX/EXAT/PXAT/PERSIST, and its check order', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  const db = () => srv.server.dbs[0]!;
  try {
    await c.set('k', 'v');
    assert.equal(await c.getEx('k', { type: 'EX', value: 100 }), 'v');
    assert.equal(db().getExpire('k'), clock.now() + 100_000);
    assert.equal(await c.getEx('k', { type: 'PX', value: 2500 }), 'v');
    assert.equal(db().getExpire('k'), clock.now() + 2500);
    assert.equal(await c.getEx('k', { type: 'PERSIST' }), 'v');
    assert.equal(db().getExpire('k'), undefined);
    assert.equal(await c.getEx('k', { type: 'EXAT', value: Math.floor(clock.now() / 1000) + 50 }), 'v');
    assert.equal(db().getExpire('k'), (Math.floor(clock.now() / 1000) + 50) * 1000);
    // an absolute time already past deletes the key, after returning the value
    assert.equal(await c.getEx('k', { type: 'PXAT', value: clock.now() - 1 }), 'v');
    assert.equal(await c.exists('k'), 0);
    // the key is looked up before the expiry is validated: missing key → nil, no error
    assert.equal(await c.sendCommand(['GETEX', 'missing', 'EX', 'abc']), null);
    await c.set('k', 'v');
    await assert.rejects(c.sendCommand(['GETEX', 'k', 'EX', 'abc']), /ERR value is not an integer or out of range/);
    await assert.rejects(c.sendCommand(['GETEX', 'k', 'EX', '0']), /ERR invalid expire time in 'getex' command/);
    await assert.rejects(c.sendCommand(['GETEX', 'k', 'PERSIST', 'EX', '1']), /ERR syntax error/);
    await assert.rejects(c.sendCommand(['GETEX', 'k', 'KEEPTTL']), /ERR syntax error/);
  } finally {
    c.destroy();
    await srv.close();
  }
});

test('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE on binary data', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.append('s', 'Hello'), 5);
    assert.equal(entry(srv, 's')!.v.raw, false, 'APPEND to a missing key stores the argument as is');
    await r.expire('s', 100);
    assert.equal(await r.append('s', BIN), 12);
    assert.equal(entry(srv, 's')!.v.raw, true, 'modified in place: raw');
    assert.equal(srv.server.dbs[0]!.getExpire('s'), clock.now() + 100_000, 'APPEND keeps the TTL');
    assert.deepEqual(await r.getBuffer('s'), Buffer.concat([Buffer.from('Hello'), BIN]));
    assert.equal(await r.strlen('s'), 12);
    assert.equal(await r.strlen('nope'), 0);

    await r.set('h', 'Hello World');
    assert.equal(await r.getrange('h', 0, 4), 'Hello');
    assert.equal(await r.getrange('h', -5, -1), 'World');
    assert.equal(await r.getrange('h', 0, -100), 'H', "7.2's clamping: end becomes 0");
    assert.equal(await r.getrange('h', -1, -5), '');
    assert.equal(await r.getrange('h', 100, 200), '');
    assert.equal(await r.getrange('h', '-9223372036854775808', '9223372036854775807'), 'Hello World');
    assert.equal(await r.substr('h', 6, 100), 'World');
    assert.equal(await r.getrange('nope', 0, -1), '');
    await assert.rejects(r.getrange('h', 'a', 1), /ERR value is not an integer or out of range/);

    assert.equal(await r.setrange('h', 6, 'Redis'), 11);
    assert.equal(await r.get('h'), 'Hello Redis');
    assert.equal(await r.setrange('h', 13, BIN), 20);
    assert.deepEqual(await r.getrangeBuffer('h', 11, 19), Buffer.concat([Buffer.from([0, 0]), BIN]));
    assert.equal(await r.setrange('h', 0, ''), 20, 'empty value: length, nothing changed');
    assert.equal(await r.setrange('none', 10, ''), 0);
    assert.equal(await r.exists('none'), 0, 'an empty SETRANGE on a missing key creates nothing');
    assert.equal(await r.setrange('new', 2, 'x'), 3);
    assert.equal(await r.get('new'), '\x00\x00x');
    await assert.rejects(r.setrange('h', -1, 'x'), /^ReplyError: ERR offset is out of range$/);
    await assert.rejects(r.setrange('h', 536870912, 'x'), /^ReplyError: ERR string exceeds maximum allowed size \(proto-max-bulk-len\)$/);
    await assert.rejects(r.setrange('big', 536870911, 'xy'), /proto-max-bulk-len/);
    assert.equal(await r.exists('big'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('proto-max-bulk-len bounds SETRANGE and SETBIT offsets, as in Redis', async () => {
  const srv = await startTestServer({ config: [['proto-max-bulk-len', '1mb']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('SETRANGE', 'k', String(1024 * 1024 - 1), 'x'), ':1048576\r\n');
    assert.equal(await c.call('SETRANGE', 'k', String(1024 * 1024), 'x'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    assert.equal(await c.call('APPEND', 'k', 'y'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    assert.equal(await c.call('SETBIT', 'b', String(8 * 1024 * 1024 - 1), '1'), ':0\r\n');
    assert.equal(await c.call('SETBIT', 'b', String(8 * 1024 * 1024), '1'), '-ERR bit offset is not an integer or out of range\r\n');
    assert.equal(await c.call('STRLEN', 'b'), ':1048576\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('RESP2 and RESP3 wire bytes for nil and bulk replies', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('GET', 'nope'), '$-1\r\n');
    assert.equal(await c.call('SET', 'k', 'a\r\nb', 'NX', 'GET'), '$-1\r\n');
    assert.equal(await c.call('MGET', 'k', 'nope'), '*2\r\n$4\r\na\r\nb\r\n$-1\r\n');
    await c.call('HELLO', '3');
    assert.equal(await c.call('GET', 'nope'), '_\r\n');
    assert.equal(await c.call('MGET', 'k', 'nope'), '*2\r\n$4\r\na\r\nb\r\n_\r\n');
    assert.equal(await c.call('GETEX', 'nope'), '_\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});
