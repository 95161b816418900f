/**
 * The RDB codec's building blocks: CRC-64 (check value, any chunking), LZF (round trips,
 * data compressed by Redis), listpack (every integer width and string length class),
 * intset, ziplist and zipmap decoding, and the length/string primitives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc64, Crc64 } from '../../src/persistence/rdb/crc64.js';
import { lzfCompress, lzfDecompress, LzfError } from '../../src/persistence/rdb/lzf.js';
import { decodeListpack, encodeListpack, ListpackBuilder } from '../../src/persistence/rdb/listpack.js';
import { decodeIntset, encodeIntset } from '../../src/persistence/rdb/intset.js';
import { decodeZiplist } from '../../src/persistence/rdb/ziplist.js';
import { decodeZipmap } from '../../src/persistence/rdb/zipmap.js';
import { BlobFormatError } from '../../src/persistence/rdb/rdb-error.js';
import { ByteSink } from '../../src/persistence/rdb/byte-sink.js';
import { ByteSource } from '../../src/persistence/rdb/byte-source.js';
import { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from '../../src/persistence/rdb/dump-payload.js';

const bin = (s: string) => Buffer.from(s, 'latin1');

test('crc64: the check value of "123456789" and the empty input', () => {
  assert.equal(crc64(bin('123456789')), 0xe9c6d914c4b8d9can);
  assert.equal(crc64(Buffer.alloc(0)), 0n);
});

test('crc64: chunked updates equal one update over the whole input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 6 }), (data, cuts) => {
      const whole = crc64(data);
      const c = new Crc64();
      let at = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        const to = Math.min(cut, data.length);
        if (to < at) continue;
        c.update(data, at, to);
        at = to;
      }
      c.update(data, at, data.length);
      assert.equal(c.digest(), whole);
      assert.ok(c.matches(c.digestBytes(), 0));
    }),
  );
});

test('crc64: bytewise reference implementation agrees (slicing-by-8 tables)', () => {
  const POLY = 0x95ac9329ac4bc9b5n;
  const ref = (data: Uint8Array): bigint => {
    let crc = 0n;
    for (const b of data) {
      crc ^= BigInt(b);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY : crc >> 1n;
    }
    return crc;
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (data) => assert.equal(crc64(data), ref(data))));
});

test('lzf: round trip of random, repetitive and binary data', () => {
  const gen = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 2000 }),
    fc.array(fc.constantFrom(0, 0x80, 0xff, 13, 10, 97), { minLength: 1, maxLength: 3000 }).map((a) => Uint8Array.from(a)),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 })).map(([u, n]) => {
      const out = new Uint8Array(u.length * n);
      for (let i = 0; i < n; i++) out.set(u, i * u.length);
      return out;
    }),
  );
  fc.assert(
    fc.property(gen, (data) => {
      const c = lzfCompress(data, data.length + 64);
      assert.ok(c !== null, 'enough room must always compress');
      assert.deepEqual(lzfDecompress(c, data.length), Buffer.from(data));
    }),
  );
});

test('lzf: compresses repetitive data well and gives up when the output does not fit', () => {
  const data = bin('abc'.repeat(10000));
  const c = lzfCompress(data, data.length - 4);
  assert.ok(c !== null && c.length < 500, `compressed to ${c?.length}`);
  // incompressible input cannot shrink by 4 bytes
  const r = lzfCompress(Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)), 60);
  assert.equal(r, null);
});

test('lzf: decompresses what Redis compressed (a DUMP payload from redis-server 7.0)', () => {
  const payload = Buffer.from(
    '00c3243a0668656c6c6f2068e0080504776f726c64e00405093031323334353637383940' + '2e016c6f0a00c5dcdfe22611b0ab',
    'hex',
  );
  assert.ok(verifyDumpPayload(payload));
  const v = decodeDumpPayload(payload);
  assert.deepEqual(v, { type: 'string', value: 'hello hello hello hello world world world 0123456789 hello', raw: false });
  // and the data part on its own
  assert.equal(lzfDecompress(payload.subarray(4, 4 + 36), 58).toString('latin1'), 'hello hello hello hello world world world 0123456789 hello');
});

test('lzf: corrupt streams are rejected, never read out of bounds', () => {
  assert.throws(() => lzfDecompress(Buffer.from([0x05, 0x61]), 6), LzfError);
  assert.throws(() => lzfDecompress(Buffer.from([0x00, 0x61, 0x20, 0x05]), 5), LzfError);
  assert.throws(() => lzfDecompress(Buffer.from([0x00, 0x61]), 2), LzfError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(200), (junk, n) => {
      try {
        const out = lzfDecompress(junk, n);
        assert.equal(out.length, n);
      } catch (e) {
        assert.ok(e instanceof LzfError);
      }
    }),
  );
});

test('listpack: every integer width round-trips and takes its documented size', () => {
  const cases: [number | bigint, number][] = [
    [0, 1 + 1],
    [127, 1 + 1],
    [128, 2 + 1],
    [-1, 2 + 1],
    [4095, 2 + 1],
    [-4096, 2 + 1],
    [4096, 3 + 1],
    [-32768, 3 + 1],
    [32768, 4 + 1],
    [-8388608, 4 + 1],
    [8388608, 5 + 1],
    [-2147483648, 5 + 1],
    [2147483648, 9 + 1],
    [9223372036854775807n, 9 + 1],
    [-9223372036854775808n, 9 + 1],
  ];
  for (const [v, size] of cases) {
    const lp = encodeListpack([v]);
    assert.equal(lp.length, 6 + size + 1, `size of ${v}`);
    const [back] = decodeListpack(lp, true);
    assert.equal(BigInt(back as number | bigint), BigInt(v));
    // integer-looking strings are stored as integers too
    assert.deepEqual(decodeListpack(encodeListpack([String(v)])), [String(v)]);
    assert.equal(encodeListpack([String(v)]).length, lp.length);
  }
});

test('listpack: string length classes (6-bit, 12-bit, 32-bit) and back-lengths', () => {
  for (const n of [0, 1, 63, 64, 127, 128, 4095, 4096, 16383, 16384, 70000]) {
    const s = 'x'.repeat(n);
    const lp = encodeListpack([s, 'a', s]);
    const header = n < 64 ? 1 : n < 4096 ? 2 : 5;
    const l = header + n;
    const back = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : 4;
    assert.equal(lp.length, 6 + 2 * (l + back) + 3 + 1, `length ${n}`);
    assert.deepEqual(decodeListpack(lp), [s, 'a', s]);
  }
  // non-canonical integers and binary data stay strings
  const odd = ['01', '-0', '+1', ' 1', '1 ', '', '\x00\xff\r\n', '99999999999999999999', '-9223372036854775809'];
  assert.deepEqual(decodeListpack(encodeListpack(odd)), odd);
});

test('listpack: random element lists round-trip', () => {
  const el = fc.oneof(
    fc.string({ unit: 'binary-ascii', maxLength: 80 }),
    fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a).toString('latin1')),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    fc.integer({ min: -70000, max: 70000 }).map(String),
  );
  fc.assert(fc.property(fc.array(el, { maxLength: 40 }), (xs) => assert.deepEqual(decodeListpack(encodeListpack(xs)), xs)));
});

test('listpack: structural damage is detected', () => {
  const lp = encodeListpack(['hello', '12', 'world']);
  const bad = (mutate: (b: Buffer) => Buffer) => assert.throws(() => decodeListpack(mutate(Buffer.from(lp))), BlobFormatError);
  bad((b) => b.subarray(0, b.length - 1));
  bad((b) => {
    b[0] = b[0]! + 1;
    return b;
  });
  bad((b) => {
    b[4] = 7;
    return b;
  });
  bad((b) => {
    b[6] = 0x80 | 40;
    return b;
  });
  bad((b) => {
    b[12] = 3; // the back-length of "hello"
    return b;
  });
  bad((b) => {
    b[6] = 0xf5;
    return b;
  });
});

test('listpack builder: the header counts elements and appendString never turns text into an integer', () => {
  const b = new ListpackBuilder(1);
  b.appendString('12').appendInteger(-5).append('x');
  const lp = b.finish();
  assert.equal(lp.readUInt16LE(4), 3);
  assert.equal(lp.readUInt32LE(0), lp.length);
  assert.deepEqual(decodeListpack(lp, true), ['12', -5, 'x']);
});

test('intset: widths 16/32/64 round-trip sorted; bad sets are refused', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 30 }), (xs) => {
      const back = decodeIntset(encodeIntset(xs));
      assert.deepEqual(back, [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String));
    }),
  );
  assert.equal(encodeIntset([1, -32768, 32767]).readUInt32LE(0), 2);
  assert.equal(encodeIntset([1, 32768]).readUInt32LE(0), 4);
  assert.equal(encodeIntset([1, 2147483648]).readUInt32LE(0), 8);
  const dup = Buffer.from(encodeIntset([1, 2]));
  dup.writeInt16LE(1, 10);
  assert.throws(() => decodeIntset(dup), BlobFormatError);
  assert.throws(() => decodeIntset(encodeIntset([1, 2]).subarray(0, 10)), BlobFormatError);
  const badEnc = Buffer.from(encodeIntset([1]));
  badEnc.writeUInt32LE(3, 0);
  assert.throws(() => decodeIntset(badEnc), BlobFormatError);
});

/** A ziplist built by hand, as Redis 6 would have written it. */
function ziplist(entries: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let at = 10;
  for (const e of entries) {
    const prevField = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([254]), Buffer.from(Uint32Array.of(prev).buffer)]);
    const entry = Buffer.concat([prevField, e]);
    parts.push(entry);
    tail = at;
    at += entry.length;
    prev = entry.length;
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

test('ziplist: every entry encoding decodes', () => {
  const i16 = Buffer.alloc(3);
  i16[0] = 0xc0;
  i16.writeInt16LE(-300, 1);
  const i32 = Buffer.alloc(5);
  i32[0] = 0xd0;
  i32.writeInt32LE(-70000, 1);
  const i64 = Buffer.alloc(9);
  i64[0] = 0xe0;
  i64.writeBigInt64LE(-9223372036854775808n, 1);
  const i24 = Buffer.alloc(4);
  i24[0] = 0xf0;
  i24.writeIntLE(-8388608, 1, 3);
  const long = 'y'.repeat(300);
  const long14 = Buffer.concat([Buffer.from([0x40 | (300 >> 8), 300 & 0xff]), bin(long)]);
  const huge = 'z'.repeat(20000);
  const s32 = Buffer.alloc(5);
  s32[0] = 0x80;
  s32.writeUInt32BE(20000, 1);
  const zl = ziplist([
    Buffer.concat([Buffer.from([3]), bin('abc')]),
    long14,
    Buffer.concat([s32, bin(huge)]),
    i16,
    i32,
    i64,
    i24,
    Buffer.from([0xfe, 0x85]),
    Buffer.from([0xf1]),
    Buffer.from([0xfd]),
  ]);
  assert.deepEqual(decodeZiplist(zl), ['abc', long, huge, '-300', '-70000', '-9223372036854775808', '-8388608', '-123', '0', '12']);
  const broken = Buffer.from(zl);
  broken[11] = 9; // prevlen of the second entry
  assert.throws(() => decodeZiplist(broken), BlobFormatError);
});

test('zipmap: pairs with free space decode; a missing terminator is refused', () => {
  const zm = Buffer.concat([Buffer.from([2, 1]), bin('a'), Buffer.from([3, 2]), bin('xyz..'), Buffer.from([2]), bin('bb'), Buffer.from([0, 0, 0xff])]);
  assert.deepEqual(decodeZipmap(zm), ['a', 'xyz', 'bb', '']);
  assert.throws(() => decodeZipmap(zm.subarray(0, zm.length - 1)), BlobFormatError);
});

test('RDB lengths and strings: encodings round-trip through ByteSink and ByteSource', () => {
  const sink = new ByteSink(true);
  const lens: (number | bigint)[] = [0, 63, 64, 16383, 16384, 4294967295, 4294967296, 2n ** 64n - 1n];
  for (const l of lens) sink.len(l);
  const strings = ['', '0', '-1', '127', '-128', '32767', '-32768', '2147483647', '-2147483648', '2147483648', '01', 'a'.repeat(100), '\x00\xff\r\n'.repeat(30)];
  for (const s of strings) sink.string(s);
  const buf = sink.take();
  const src = ByteSource.fromBuffer(buf, false);
  for (const l of lens) assert.equal(BigInt(src.u64len('len')), BigInt(l));
  for (const s of strings) assert.equal(src.string(), s);
  assert.equal(src.remaining, 0);
  // int encodings: 1 + 1, 1 + 2, 1 + 4 bytes
  const one = (s: string) => {
    const k = new ByteSink(false);
    k.string(s);
    return k.take().length;
  };
  assert.equal(one('-128'), 2);
  assert.equal(one('32767'), 3);
  assert.equal(one('-2147483648'), 5);
  assert.equal(one('2147483648'), 11);
});

test('DUMP payloads: our payload verifies, a flipped byte or a newer version does not', () => {
  const p = createDumpPayload({ type: 'string', value: 'x'.repeat(100), raw: false });
  assert.ok(verifyDumpPayload(p));
  assert.equal(p.readUInt16LE(p.length - 10), 10);
  for (let i = 0; i < p.length; i++) {
    const q = Buffer.from(p);
    q[i] = q[i]! ^ 0x10;
    assert.equal(verifyDumpPayload(q), false, `flip at ${i}`);
  }
  assert.equal(verifyDumpPayload(p.subarray(0, 9)), false);
});
