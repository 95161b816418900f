/** Pure string/bitmap helpers: ranges, bit counting/searching, bitfields, BITOP, LCS. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bitfieldResult,
  bitop,
  byteRange,
  findBit,
  getBitfield,
  keyword,
  lcs,
  popcount,
  popcountBits,
  setBitfield,
} from '../../src/types/string-ops.js';

const LLMAX = 9223372036854775807n;
const LLMIN = -9223372036854775808n;

/** Reference bit reader: one bit at a time. */
function bitAt(s: string, pos: number): number {
  const byte = pos >> 3 < s.length ? s.charCodeAt(pos >> 3) : 0;
  return (byte >> (7 - (pos & 7))) & 1;
}

const binary = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1'));

describe('keywords and ranges', () => {
  test('keyword stops at NUL and lower-cases, like strcasecmp', () => {
    assert.equal(keyword('NX\x00junk'), 'nx');
    assert.equal(keyword('KeepTTL'), 'keepttl');
    assert.equal(keyword('\x00'), '');
  });

  test('byteRange follows GETRANGE (7.2): negatives from the end, clamping, crossed is empty', () => {
    assert.deepEqual(byteRange(11, 0, 4), [0, 4]);
    assert.deepEqual(byteRange(11, -3, -1), [8, 10]);
    assert.deepEqual(byteRange(11, 0, -100), [0, 0]); // end clamps to 0: one byte, as Redis 7.2
    assert.equal(byteRange(11, -1, -5), null);
    assert.equal(byteRange(11, 5, 3), null);
    assert.equal(byteRange(0, 0, -1), null);
    assert.deepEqual(byteRange(11, 10, 100), [10, 10]);
  });
});

describe('bit counting and searching', () => {
  test('popcount over bytes and over bit ranges', () => {
    assert.equal(popcount('foobar', 0, 5), 26);
    assert.equal(popcount('foobar', 1, 1), 6);
    assert.equal(popcountBits('foobar', 5, 30), 17);
    assert.equal(popcountBits('\xff', 3, 3), 1);
    assert.equal(popcountBits('\xff\xff', 4, 11), 8);
  });

  test('property: popcountBits equals a bit-by-bit count', () => {
    fc.assert(
      fc.property(binary.filter((s) => s.length > 0), fc.nat(), fc.nat(), (s, x, y) => {
        const total = s.length * 8;
        const a = x % total;
        const b = y % total;
        const [from, to] = a <= b ? [a, b] : [b, a];
        let n = 0;
        for (let p = from; p <= to; p++) n += bitAt(s, p);
        assert.equal(popcountBits(s, from, to), n);
      }),
    );
  });

  test('findBit finds the first matching bit or -1', () => {
    assert.equal(findBit('\xff\xf0\x00', 0, 0, 23), 12);
    assert.equal(findBit('\x00\x00\x01', 1, 0, 23), 23);
    assert.equal(findBit('\xff', 0, 0, 7), -1);
    assert.equal(findBit('\x0f', 1, 0, 3), -1);
  });

  test('property: findBit equals a linear scan', () => {
    fc.assert(
      fc.property(binary.filter((s) => s.length > 0), fc.constantFrom<0 | 1>(0, 1), fc.nat(), fc.nat(), (s, bit, x, y) => {
        const total = s.length * 8;
        const from = Math.min(x % total, y % total);
        const to = Math.max(x % total, y % total);
        let want = -1;
        for (let p = from; p <= to; p++) {
          if (bitAt(s, p) === bit) {
            want = p;
            break;
          }
        }
        assert.equal(findBit(s, bit, from, to), want);
      }),
    );
  });
});

describe('bitfields', () => {
  test('read and write round trip at unaligned offsets', () => {
    const buf = Buffer.alloc(3);
    setBitfield(buf, 7, 5, 23n); // Redis's own example: 00000001|01110000
    assert.deepEqual([...buf], [0b00000001, 0b01110000, 0]);
    assert.equal(getBitfield(buf, 7, 5), 23n);
    assert.equal(getBitfield(buf.toString('latin1'), 7, 5), 23n);
  });

  test('property: any value written reads back (mod 2^bits), for widths up to 64', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 70 }), fc.bigInt({ min: LLMIN, max: LLMAX }), (bits, offset, v) => {
        const buf = Buffer.alloc(Math.floor((offset + bits - 1) / 8) + 1, 0xa5);
        setBitfield(buf, offset, bits, v);
        assert.equal(getBitfield(buf, offset, bits), BigInt.asUintN(bits, v));
      }),
    );
  });

  test('overflow: WRAP, SAT and FAIL as Redis computes them', () => {
    assert.deepEqual(bitfieldResult(true, 8, 100n, 100n, 'wrap'), { v: -56n });
    assert.deepEqual(bitfieldResult(true, 8, 100n, 100n, 'sat'), { v: 127n });
    assert.equal(bitfieldResult(true, 8, 100n, 100n, 'fail'), null);
    assert.deepEqual(bitfieldResult(false, 2, 3n, 1n, 'wrap'), { v: 0n });
    assert.deepEqual(bitfieldResult(false, 8, 5n, -10n, 'sat'), { v: 0n });
    assert.deepEqual(bitfieldResult(true, 64, LLMIN, -1n, 'wrap'), { v: LLMAX });
    assert.deepEqual(bitfieldResult(true, 64, LLMAX, 0n, 'fail'), { v: LLMAX });
  });

  test("Redis's 64-bit quirks: -2^63 saturates an i18 high; an unsigned SET of -1 saturates to max", () => {
    assert.deepEqual(bitfieldResult(true, 18, LLMIN, 0n, 'sat'), { v: 131071n });
    assert.deepEqual(bitfieldResult(false, 8, BigInt.asUintN(64, -1n), 0n, 'sat'), { v: 255n });
    assert.deepEqual(bitfieldResult(false, 8, BigInt.asUintN(64, -1n), 0n, 'wrap'), { v: 255n });
  });
});

describe('BITOP and LCS', () => {
  test('bitop pads shorter inputs with zeros', () => {
    assert.equal(bitop('and', ['ab', 'abcd']), 'ab\x00\x00');
    assert.equal(bitop('or', ['\x01', '\x02\x04']), '\x03\x04');
    assert.equal(bitop('xor', ['\xff\xff', '\x0f']), '\xf0\xff');
    assert.equal(bitop('not', ['\x00\xf0']), '\xff\x0f');
    assert.equal(bitop('and', ['', '']), '');
  });

  test("lcs gives Redis's subsequence and ranges", () => {
    const r = lcs('ohmytext', 'mynewtext', true, true, 0);
    assert.equal(r.text, 'mytext');
    assert.equal(r.length, 6);
    assert.deepEqual(
      r.matches.map((m) => [m.a, m.b, m.len]),
      [
        [[4, 7], [5, 8], 4],
        [[2, 3], [0, 1], 2],
      ],
    );
    assert.deepEqual(lcs('ohmytext', 'mynewtext', false, true, 4).matches.length, 1);
    assert.equal(lcs('', 'abc', true, true, 0).text, '');
  });

  test('property: the LCS is a subsequence of both inputs', () => {
    const isSub = (sub: string, s: string) => {
      let i = 0;
      for (let j = 0; j < s.length && i < sub.length; j++) if (s[j] === sub[i]) i++;
      return i === sub.length;
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 30 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 30 }), (a, b) => {
        const r = lcs(a, b, true, true, 0);
        assert.equal(r.text.length, r.length);
        assert.ok(isSub(r.text, a) && isSub(r.text, b));
        assert.equal(r.matches.reduce((n, m) => n + m.len, 0), r.length);
      }),
    );
  });
});
