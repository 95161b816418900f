/**
 * RESTORE of a crafted stream payload: an entry-ID delta inside the stream's listpack that
 * is a string instead of an integer made the decoder call BigInt() on payload text
 * ("SyntaxError: Cannot convert v to a BigInt") and answer `-ERR internal error`. Every
 * element read as an integer now goes through string2ll's rules: a string that is not an
 * integer is a format error (`-ERR Bad data format`, as redis-server answers with
 * sanitize-dump-payload yes); a string that is one is read as Redis's lpGetInteger reads it.
 *
 * The payloads are real DUMPs of a stream with bytes of the listpack changed, its length
 * fields adjusted and the CRC-64 recomputed, so the checksum check passes and the decoder
 * reaches the altered element.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { parse } from '../helpers/diff-support.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { Crc64 } from '../../src/persistence/rdb/crc64.js';

/** ms delta 200 of the second entry: a 13-bit listpack integer (110xxxxx yyyyyyyy) and its back-length */
const DELTA_200 = Buffer.from([0xc0, 0xc8, 0x02]);

/** A listpack string element of up to 63 bytes (10pppppp) with its back-length. */
function lpString(s: string): Buffer {
  const body = Buffer.from(s, 'latin1');
  return Buffer.concat([Buffer.from([0x80 | body.length]), body, Buffer.from([1 + body.length])]);
}

/**
 * Replaces `from` (once, inside the one listpack of the payload) by `to`, fixes the RDB
 * string length and the listpack's total-bytes header, and recomputes the CRC-64.
 */
function alterListpack(payload: Buffer, from: Buffer, to: Buffer): Buffer {
  // the listpack: a 6-bit RDB string length L, then a listpack whose u32 header says L
  // and whose last byte is the 0xFF terminator (at least 7 bytes: header and terminator)
  let lp = -1;
  for (let p = 0; p + 5 <= payload.length; p++) {
    const l = payload[p]!;
    if (l >= 7 && l < 64 && payload.readUInt32LE(p + 1) === l && p + 1 + l <= payload.length - 10 && payload[p + l] === 0xff) {
      lp = p + 1;
      break;
    }
  }
  assert.ok(lp > 0, 'an uncompressed listpack in the payload');
  const at = payload.indexOf(from, lp);
  assert.ok(at > lp && payload.indexOf(from, at + 1) === -1, 'the pattern is in the listpack exactly once');
  const out = Buffer.concat([payload.subarray(0, at), to, payload.subarray(at + from.length)]);
  const newLen = payload[lp - 1]! + to.length - from.length;
  assert.ok(newLen < 64);
  out[lp - 1] = newLen;
  out.writeUInt32LE(newLen, lp);
  const body = out.length - 8;
  out.set(new Crc64().update(out, 0, body).digestBytes(), body);
  return out;
}

async function streamDump(c: RawClient): Promise<Buffer> {
  assert.equal(await c.call('CONFIG', 'SET', 'rdbcompression', 'no'), '+OK\r\n');
  assert.equal(await c.call('DEL', 's'), ':0\r\n');
  assert.equal(await c.call('XADD', 's', '1000-0', 'f', 'v'), '$6\r\n1000-0\r\n');
  assert.equal(await c.call('XADD', 's', '1200-0', 'f', 'v'), '$6\r\n1200-0\r\n');
  const [d] = parse(await c.call('DUMP', 's'));
  assert.equal(d.t, '$');
  return Buffer.from(d.s!, 'latin1');
}

async function restore(c: RawClient, key: string, payload: Buffer): Promise<string> {
  return c.call('RESTORE', key, '0', payload.toString('latin1'));
}

test('RESTORE of a stream whose entry-ID delta is not an integer answers Bad data format, not internal error', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const dump = await streamDump(c);
    // the untouched payload goes through: the alteration alone makes the difference
    assert.equal(await restore(c, 'copy', alterListpack(dump, DELTA_200, DELTA_200)), '+OK\r\n');
    for (const text of ['v', '12x', '-', '0x10', ' 200', '200 ', '+200', '0200', '99999999999999999999']) {
      const crafted = alterListpack(dump, DELTA_200, lpString(text));
      assert.equal(await restore(c, `bad:${text}`, crafted), '-ERR Bad data format\r\n', JSON.stringify(text));
      assert.equal(await c.call('EXISTS', `bad:${text}`), ':0\r\n');
    }
    // a string that string2ll accepts is the integer, as lpGetInteger reads it
    assert.equal(await restore(c, 'text-int', alterListpack(dump, DELTA_200, lpString('200'))), '+OK\r\n');
    assert.equal(await c.call('XRANGE', 'text-int', '-', '+'), await c.call('XRANGE', 's', '-', '+'));
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

const redisBin = findRedisServer();
test('redis-server with sanitize-dump-payload yes answers the same to the same payloads', { skip: redisBin === null ? NO_ORACLE_MESSAGE : false }, async () => {
  const oracle = await startRedisOracle(['--sanitize-dump-payload', 'yes']);
  const srv = await startTestServer();
  const r = await RawClient.connect(oracle.port);
  const c = await RawClient.connect(srv.port);
  try {
    const dump = await streamDump(r);
    for (const to of [lpString('v'), lpString('12x'), lpString('200'), DELTA_200]) {
      const crafted = alterListpack(dump, DELTA_200, to);
      const key = `k:${to.toString('hex')}`;
      assert.equal(await restore(c, key, crafted), await restore(r, key, crafted), to.toString('latin1'));
    }
  } finally {
    r.close();
    c.close();
    await srv.close();
    await oracle.stop();
  }
});
