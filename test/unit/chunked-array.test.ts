/**
 * types/chunked-array.ts against a plain JS array (fast-check): the same operations give the
 * same elements, with chunks of 4 so nearly every run crosses chunk boundaries, and the
 * structural invariant (no array longer than a chunk) holds throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedArray, chunkIndex } from '../../src/types/chunked-array.js';

type Op = { k: 'push'; v: number } | { k: 'pop' } | { k: 'set'; at: number; v: number } | { k: 'get'; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.integer().map((v): Op => ({ k: 'push', v })) },
  { weight: 2, arbitrary: fc.constant<Op>({ k: 'pop' }) },
  { weight: 2, arbitrary: fc.record({ at: fc.nat(80), v: fc.integer() }).map((r): Op => ({ k: 'set', ...r })) },
  { weight: 2, arbitrary: fc.nat(80).map((at): Op => ({ k: 'get', at })) },
);

/** The chunk lengths, read through the iterator's structure: every chunk but the last is full. */
function chunkLengths(a: ChunkedArray<number>): number[] {
  return (a as unknown as { chunks: number[][] }).chunks.map((c) => c.length);
}

test('ChunkedArray behaves as a plain array (push, pop, get, set, iteration)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const model: number[] = [];
      const a = new ChunkedArray<number>(2);
      for (const o of ops) {
        if (o.k === 'push') {
          a.push(o.v);
          model.push(o.v);
        } else if (o.k === 'pop') {
          assert.equal(a.pop(), model.pop());
        } else if (o.k === 'set') {
          if (o.at < model.length) {
            a.set(o.at, o.v);
            model[o.at] = o.v;
          }
        } else {
          assert.equal(a.get(o.at), model[o.at]);
        }
        assert.equal(a.length, model.length);
        const lens = chunkLengths(a);
        assert.equal(lens.length, Math.ceil(model.length / 4));
        lens.forEach((n, i) => assert.ok(i === lens.length - 1 ? n >= 1 && n <= 4 : n === 4, `chunk ${i} has ${n}`));
      }
      assert.deepEqual([...a], model);
    }),
    { numRuns: 300 },
  );
});

test('ChunkedArray.filled makes n slots of the fill value in full chunks', () => {
  fc.assert(
    fc.property(fc.nat(50), (n) => {
      const a = ChunkedArray.filled<number | undefined>(n, undefined, 2);
      assert.equal(a.length, n);
      assert.deepEqual([...a], new Array(n).fill(undefined));
      if (n > 0) {
        a.set(n - 1, 7);
        assert.equal(a.get(n - 1), 7);
      }
      assert.equal(a.get(n), undefined);
    }),
  );
});

test('ChunkedArray at default size: 2^16-element chunks, index math across the first boundary', () => {
  const a = new ChunkedArray<number>();
  for (let i = 0; i < 70_000; i++) a.push(i);
  assert.deepEqual(chunkLengths(a), [65_536, 70_000 - 65_536]);
  assert.equal(a.get(65_535), 65_535);
  assert.equal(a.get(65_536), 65_536);
  assert.equal(a.get(69_999), 69_999);
  assert.equal(a.get(70_000), undefined);
});

test('chunkIndex is exact past 2^31 and 2^32 (a 32-bit shift would alias element 2^32 with element 0)', () => {
  for (const shift of [1, 2, 16]) {
    for (const i of [0, 1, 2 ** 16 - 1, 2 ** 16, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 3, 2 ** 53 - 1]) {
      assert.equal(chunkIndex(i, shift), Math.floor(i / 2 ** shift), `chunkIndex(${i}, ${shift})`);
      // the in-chunk offset (i & mask) stays exact at any safe index: 2^shift divides 2^32
      assert.equal(i & ((1 << shift) - 1), i % 2 ** shift, `offset of ${i}`);
    }
  }
  // what the unsigned shift alone gave: element 2^32 + 5 in chunk 0
  assert.equal((2 ** 32 + 5) >>> 16, 0);
  assert.equal(chunkIndex(2 ** 32 + 5, 16), 65_536);
});

test('ChunkedArray reads and writes element 2^32 + k in its own chunk, not in chunk 0', () => {
  const a = ChunkedArray.filled<number>(4, 0);
  // a sparse directory stands in for the 2^32 elements in front (no allocation of them):
  // chunk 65,536 of 2^16-element chunks starts at element 2^32
  const chunks = (a as unknown as { chunks: number[][] }).chunks;
  chunks[65_536] = [10, 11, 12, 13];
  assert.equal(a.get(2 ** 32 + 2), 12);
  a.set(2 ** 32 + 3, 99);
  assert.equal(chunks[65_536]![3], 99);
  assert.deepEqual(chunks[0], [0, 0, 0, 0], 'chunk 0 untouched');
});
