/**
 * Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO) and
 * LCS through ioredis, node-redis and raw RESP2/RESP3 bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ListData } from '../../src/types/list.js';

test('SETBIT / GETBIT: grow with zeros, return the old bit, errors', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.setbit('b', 7, 1), 0);
    assert.equal(await r.setbit('b', 7, 1), 1);
    assert.deepEqual(await r.getBuffer('b'), Buffer.from([0x01]));
    assert.equal(await r.setbit('b', 100, 1), 0);
    assert.equal(await r.strlen('b'), 13);
    assert.equal(await r.getbit('b', 100), 1);
    assert.equal(await r.getbit('b', 99), 0);
    assert.equal(await r.getbit('b', 10_000), 0);
    assert.equal(await r.getbit('nope', 3), 0);
    assert.equal(srv.server.dbs[0]!.peek('b')!.v.raw, true);
    await r.set('n', '12');
    assert.equal(await r.setbit('n', 7, 0), 1, "'1' is 0x31");
    assert.equal(await r.get('n'), '02');

    await assert.rejects(r.setbit('b', -1, 1), /^ReplyError: ERR bit offset is not an integer or out of range$/);
    await assert.rejects(r.setbit('b', 4294967296, 1), /ERR bit offset is not an integer or out of range/);
    await assert.rejects(r.getbit('b', 'x' as unknown as number), /ERR bit offset is not an integer or out of range/);
    await assert.rejects(r.setbit('b', 0, 2 as 0), /^ReplyError: ERR bit is not an integer or out of range$/);
    await assert.rejects(r.call('SETBIT', 'b', '0', '-1'), /ERR bit is not an integer or out of range/);
    srv.server.dbs[0]!.set('list', { type: 'list', value: new ListData() });
    await assert.rejects(r.setbit('list', 0, 1), /WRONGTYPE/);
    await assert.rejects(r.getbit('list', 0), /WRONGTYPE/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('BITCOUNT and BITPOS with BYTE and BIT ranges', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    await c.set('s', 'foobar');
    assert.equal(await c.bitCount('s'), 26);
    assert.equal(await c.bitCount('s', { start: 0, end: 0 }), 4);
    assert.equal(await c.bitCount('s', { start: 1, end: 1 }), 6);
    assert.equal(await c.bitCount('s', { start: 5, end: 30, mode: 'BIT' }), 17);
    assert.equal(await c.bitCount('s', { start: -2, end: -1 }), 7);
    assert.equal(await c.bitCount('s', { start: -1, end: -5 }), 0);
    assert.equal(await c.bitCount('nope'), 0);
    await assert.rejects(c.sendCommand(['BITCOUNT', 's', '0']), /ERR syntax error/);
    await assert.rejects(c.sendCommand(['BITCOUNT', 's', '0', '1', 'WORD']), /ERR syntax error/);
    // Redis 7.2 answers 0 for a missing key before looking at the arguments
    assert.equal(await c.sendCommand(['BITCOUNT', 'nope', 'a', 'b', 'c']), 0);

    await c.set('p', Buffer.from([0xff, 0xf0, 0x00]));
    assert.equal(await c.bitPos('p', 0), 12);
    assert.equal(await c.bitPos('p', 1, 2), -1);
    assert.equal(await c.bitPos('p', 0, 2), 16);
    assert.equal(await c.bitPos('p', 1, 7, 15, 'BIT'), 7);
    assert.equal(await c.bitPos('p', 0, 7, 15, 'BIT'), 12);
    await c.set('ones', Buffer.from([0xff, 0xff]));
    assert.equal(await c.bitPos('ones', 0), 16, 'no end given: the string is zero padded on the right');
    assert.equal(await c.bitPos('ones', 0, 0, -1), -1, 'explicit end: no clear bit in range');
    assert.equal(await c.bitPos('nope', 0), 0);
    assert.equal(await c.bitPos('nope', 1), -1);
    await assert.rejects(c.sendCommand(['BITPOS', 'p', '2']), /^.*ERR The bit argument must be 1 or 0\.$/);
    await assert.rejects(c.sendCommand(['BITPOS', 'p', '1', '0', '1', 'x']), /ERR syntax error/);
  } finally {
    c.destroy();
    await srv.close();
  }
});

test('BITOP: AND/OR/XOR/NOT, padding, empty result deletes the destination', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    await r.set('a', Buffer.from([0xff, 0x0f, 0x80]));
    await r.set('b', Buffer.from([0x0f, 0xff]));
    assert.equal(await r.bitop('AND', 'd', 'a', 'b'), 3);
    assert.deepEqual(await r.getBuffer('d'), Buffer.from([0x0f, 0x0f, 0x00]));
    assert.equal(await r.bitop('OR', 'd', 'a', 'b', 'missing'), 3);
    assert.deepEqual(await r.getBuffer('d'), Buffer.from([0xff, 0xff, 0x80]));
    assert.equal(await r.bitop('XOR', 'd', 'a', 'b'), 3);
    assert.deepEqual(await r.getBuffer('d'), Buffer.from([0xf0, 0xf0, 0x80]));
    assert.equal(await r.bitop('NOT', 'd', 'a'), 3);
    assert.deepEqual(await r.getBuffer('d'), Buffer.from([0x00, 0xf0, 0x7f]));
    assert.equal(srv.server.dbs[0]!.peek('d')!.v.raw, true);
    assert.equal(await r.bitop('AND', 'd', 'm1', 'm2'), 0);
    assert.equal(await r.exists('d'), 0);
    await assert.rejects(r.bitop('NOT', 'd', 'a', 'b'), /^ReplyError: ERR BITOP NOT must be called with a single source key\.$/);
    await assert.rejects(r.call('BITOP', 'NAND', 'd', 'a'), /ERR syntax error/);
    srv.server.dbs[0]!.set('list', { type: 'list', value: new ListData() });
    await assert.rejects(r.bitop('AND', 'd', 'a', 'list'), /WRONGTYPE/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('BITFIELD: types, #offsets, overflow modes, errors; BITFIELD_RO only reads', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    assert.deepEqual(await c.bitField('bf', [{ operation: 'SET', encoding: 'i8', offset: 0, value: -100 }, { operation: 'GET', encoding: 'u8', offset: 0 }]), [0, 156]);
    assert.deepEqual(
      await c.bitField('bf', [
        { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 300 },
        { operation: 'OVERFLOW', behavior: 'SAT' },
        { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 300 },
        { operation: 'OVERFLOW', behavior: 'FAIL' },
        { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 1 },
      ]),
      [-56, 127, null],
    );
    assert.deepEqual(await c.bitField('h', [{ operation: 'SET', encoding: 'u8', offset: '#1', value: 255 }, { operation: 'GET', encoding: 'u16', offset: '#0' }]), [0, 255]);
    assert.deepEqual(await c.bitFieldRo('h', [{ encoding: 'u4', offset: 8 }]), [15]);
    assert.deepEqual(await c.bitFieldRo('nope', [{ encoding: 'i64', offset: 0 }]), [0]);
    assert.equal(await c.exists('nope'), 0, 'reads create nothing');
  } finally {
    c.destroy();
    await srv.close();
  }
});

test('BITFIELD wire replies: i64 exactness, FAIL nils, error texts, RESP3 nulls', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(
      await c.call('BITFIELD', 'w', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1', 'GET', 'u63', '1'),
      '*3\r\n:0\r\n:9223372036854775807\r\n:9223372036854775807\r\n',
    );
    assert.equal(await c.call('BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '1'), '*1\r\n$-1\r\n');
    // Redis's quirk, reproduced: -2^63 written with SAT into an i18 saturates high
    assert.equal(await c.call('BITFIELD', 'q', 'OVERFLOW', 'SAT', 'SET', 'i18', '0', '-9223372036854775808', 'GET', 'i18', '0'), '*2\r\n:0\r\n:131071\r\n');
    const typeErr = '-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n';
    assert.equal(await c.call('BITFIELD', 'w', 'GET', 'u64', '0'), typeErr);
    assert.equal(await c.call('BITFIELD', 'w', 'GET', 'i65', '0'), typeErr);
    assert.equal(await c.call('BITFIELD', 'w', 'GET', 'x8', '0'), typeErr);
    assert.equal(await c.call('BITFIELD', 'w', 'GET', 'u8', '-1'), '-ERR bit offset is not an integer or out of range\r\n');
    assert.equal(await c.call('BITFIELD', 'w', 'GET', 'u8', '4294967296'), '-ERR bit offset is not an integer or out of range\r\n');
    assert.equal(await c.call('BITFIELD', 'w', 'OVERFLOW', 'MAYBE'), '-ERR Invalid OVERFLOW type specified\r\n');
    assert.equal(await c.call('BITFIELD', 'w', 'SET', 'u8', '0'), '-ERR syntax error\r\n');
    assert.equal(await c.call('BITFIELD', 'w', 'SET', 'u8', '0', 'x'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await c.call('BITFIELD_RO', 'w', 'SET', 'u8', '0', '1'), '-ERR BITFIELD_RO only supports the GET subcommand\r\n');
    assert.equal(await c.call('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'SET', 'u8', '800', '256'), '*1\r\n$-1\r\n');
    assert.equal(await c.call('STRLEN', 'f'), ':101\r\n', 'the key is grown for the write even when FAIL refuses it');
    await c.call('HELLO', '3');
    assert.equal(await c.call('BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'), '*1\r\n_\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('LCS: string, LEN, IDX with MINMATCHLEN/WITHMATCHLEN in RESP2 and RESP3', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    await r.mset('a', 'ohmytext', 'b', 'mynewtext');
    assert.equal(await r.call('LCS', 'a', 'b'), 'mytext');
    assert.equal(await r.call('LCS', 'a', 'b', 'LEN'), 6);
    assert.deepEqual(await r.call('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
    assert.equal(await r.call('LCS', 'a', 'missing'), '');
    await assert.rejects(r.call('LCS', 'a', 'b', 'LEN', 'IDX'), /^ReplyError: ERR If you want both the length and indexes, please just use IDX\.$/);
    await assert.rejects(r.call('LCS', 'a', 'b', 'MINMATCHLEN'), /ERR syntax error/);
    srv.server.dbs[0]!.set('list', { type: 'list', value: new ListData() });
    await assert.rejects(r.call('LCS', 'a', 'list'), /^ReplyError: ERR The specified keys must contain string values$/);

    assert.equal(
      await c.call('LCS', 'a', 'b', 'IDX'),
      '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n',
    );
    await c.call('HELLO', '3');
    assert.equal(await c.call('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '5'), '%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n');
  } finally {
    c.close();
    r.disconnect();
    await srv.close();
  }
});
