/**
 * CVE regression suite — strings, bitmaps, LCS and HyperLogLog. Each test performs the
 * public attack against a guarded child Redoubt (RSS ≤ 400 MiB, 20 s per attack) and ends
 * with assertHealthy(): not killed, PING within 2 s, RSS under the ceiling. Reply texts are
 * compared with redis-server 7.0.15 (fixed for these CVEs) where running the attack on it is
 * safe; the HLL payload of CVE-2025-32023 is never sent to it (7.0.15 predates that fix).
 */
// npm test: serial — attacks a guarded child server under RSS and per-attack time ceilings
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MiB } from '../../helpers/resource-guard.js';
import { callAll, sameAsRedis, stopOracle, GuardedSuite } from './cve-support.js';

const LIMITS = { rssCeilingBytes: 400 * MiB, timeCeilingMs: 20_000 };
const suite = new GuardedSuite([], LIMITS);
const guarded = suite.guarded.bind(suite);

after(async () => {
  await suite.stop();
  await stopOracle();
});

test('CVE-2022-35977 (SETRANGE half): SETRANGE/APPEND offsets near 2^63 cannot drive an OOM panic', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(port, [
      ['SETRANGE', 'k', '9223372036854775807', 'x'],
      ['SETRANGE', 'k', '536870911', 'xx'],
      ['SETRANGE', 'k', '4294967295', 'x'],
      ['SETRANGE', 'k', '-1', 'x'],
      ['SETRANGE', 'k', '9223372036854775808', 'x'],
      ['EXISTS', 'k'],
    ]);
    assert.equal(replies[0], '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    assert.equal(replies[5], ':0\r\n', 'no key was created');
  });
});

test('CVE-2021-32761: BITFIELD / SETBIT offsets that overflow 32-bit arithmetic are refused', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(port, [
      ['BITFIELD', 'b', 'SET', 'u8', '4294967296', '1'],
      ['BITFIELD', 'b', 'SET', 'u8', '#536870912', '1'],
      ['BITFIELD', 'b', 'GET', 'i64', '#9223372036854775807'],
      ['BITFIELD', 'b', 'INCRBY', 'u63', '#2305843009213693951', '1'],
      ['BITFIELD_RO', 'b', 'GET', 'u8', '4294967288'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['EXISTS', 'b'],
    ]);
    const outOfRange = '-ERR bit offset is not an integer or out of range\r\n';
    assert.deepEqual(replies, [outOfRange, outOfRange, outOfRange, outOfRange, '*1\r\n:0\r\n', outOfRange, ':0\r\n']);
  });
});

test('CVE-2021-29477 / CVE-2021-32625: LCS (ex STRALGO LCS) of two 70 KB strings is refused before allocating its table', async () => {
  await guarded(async (port) => {
    const big = 'a'.repeat(70_000);
    // (70001)^2 cells × 4 bytes ≈ 19.6 GB: the table must never be built.
    const replies = await sameAsRedis(
      port,
      [['LCS', 'l1', 'l2'], ['LCS', 'l1', 'l2', 'LEN'], ['LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '4']],
      [['SET', 'l1', big], ['SET', 'l2', big]],
    );
    for (const r of replies) assert.equal(r, '-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n');
  });
});

test('CVE-2023-28425: MSETNX with the same key twice sets it once, no assertion', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(
      port,
      [['MSETNX', 'dup', '1', 'dup', '2'], ['GET', 'dup'], ['MSETNX', 'dup', '3', 'dup', '4'], ['GET', 'dup'], ['MSETNX', 'ex', '1', 'ex', '2'], ['TTL', 'ex']],
      [['DEL', 'dup', 'ex']],
    );
    assert.deepEqual(replies.slice(0, 4), [':1\r\n', '$1\r\n2\r\n', ':0\r\n', '$1\r\n2\r\n']);
  });
});

// ---- HyperLogLog: crafted sparse/dense strings -------------------------------------------

/** The 16-byte HLL header: "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, 8-byte cached cardinality. */
function hllHeader(encoding: 0 | 1): string {
  return 'HYLL' + String.fromCharCode(encoding) + '\0\0\0' + '\0'.repeat(7) + '\x80';
}
/** Sparse XZERO opcode covering `n` (1..16384) registers: 01xxxxxx yyyyyyyy, n-1 in 14 bits. */
function xzero(n: number): string {
  return String.fromCharCode(0x40 | ((n - 1) >> 8), (n - 1) & 0xff);
}
/** Sparse VAL opcode: 1vvvvvll, value 1..32 over 1..4 registers. */
function val(value: number, n: number): string {
  return String.fromCharCode(0x80 | ((value - 1) << 2) | (n - 1));
}

const INVALIDOBJ = '-INVALIDOBJ Corrupted HLL object detected\r\n';

test('CVE-2019-10192: sparse HLLs whose opcodes run past the 16384 registers are detected as corrupt', async () => {
  await guarded(async (port) => {
    // A VAL run beyond the last register, and one followed by more registers: the sparse →
    // dense conversion (PFADD, PFMERGE) once wrote past the dense buffer.
    const past = hllHeader(1) + xzero(16384) + val(5, 4);
    const overlong = hllHeader(1) + xzero(16000) + val(5, 4) + xzero(1000);
    const replies = await sameAsRedis(
      port,
      [['PFADD', 'h1', 'x'], ['PFMERGE', 'dst', 'h1'], ['PFCOUNT', 'h1', 'ok'], ['PFCOUNT', 'h2'], ['PFADD', 'h2', 'x'], ['PFMERGE', 'dst', 'h2'], ['EXISTS', 'dst']],
      [['DEL', 'dst', 'ok', 'h1', 'h2'], ['SET', 'h1', past], ['SET', 'h2', overlong], ['PFADD', 'ok', 'a']],
    );
    // PFADD only walks the opcodes up to the register it sets (Redis answers 1 too); every
    // full conversion or count refuses the object, and PFMERGE creates nothing.
    assert.deepEqual(replies, [':1\r\n', INVALIDOBJ, INVALIDOBJ, INVALIDOBJ, ':1\r\n', INVALIDOBJ, ':0\r\n']);
  });
});

test('CVE-2019-10193: truncated, oversized and saturated HLL strings never make the server read past them', async () => {
  await guarded(async (port) => {
    const dense = hllHeader(0) + '\xff'.repeat(12288);
    const replies = await sameAsRedis(
      port,
      [['PFCOUNT', 'shortdense'], ['PFCOUNT', 'longdense'], ['PFCOUNT', 'badenc'], ['PFMERGE', 'shortdense', 'longdense'], ['PFCOUNT', 'maxdense'], ['PFCOUNT', 'maxdense'], ['PFCOUNT', 'maxdense', 'maxdense']],
      [
        ['SET', 'shortdense', dense.slice(0, 100)],
        ['SET', 'longdense', dense + 'extra'],
        ['SET', 'badenc', 'HYLL\x07' + '\0'.repeat(11)],
        ['SET', 'maxdense', dense],
      ],
    );
    for (const r of replies.slice(0, 4)) assert.equal(r, '-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n');
    // Every register at 63: the estimate is infinite; Redis answers llroundl's LLONG_MIN, and
    // the reply must stay a protocol integer (Redoubt answered ":Infinity" before).
    assert.deepEqual(replies.slice(4), [':-9223372036854775808\r\n', ':-9223372036854775808\r\n', ':-9223372036854775808\r\n']);
  });
});

test('CVE-2025-32023: 131073 XZERO opcodes (an index that overflows 32 bits) are detected as corrupt', async () => {
  await guarded(async (port) => {
    // 131073 × 16384 registers > 2^31: in C the register index wrapped negative and the next
    // VAL opcode wrote out of bounds. The fixed server reports the object as corrupt.
    const crafted = hllHeader(1) + xzero(16384).repeat(131073) + val(1, 1);
    const replies = await callAll(port, [
      ['SET', 'evil', crafted],
      ['PFCOUNT', 'evil'],
      ['PFADD', 'evil', 'x'],
      ['PFMERGE', 'evil2', 'evil'],
      ['PFCOUNT', 'evil', 'evil'],
      ['EXISTS', 'evil2'],
    ]);
    assert.equal(replies[0], '+OK\r\n');
    for (const r of replies.slice(1, 5)) assert.equal(r, INVALIDOBJ);
    assert.equal(replies[5], ':0\r\n', 'PFMERGE did not create its destination');
  });
});
