/**
 * HyperLogLog internals: the 32-bit-halves MurmurHash64A against a plain bigint
 * rendering of the same algorithm, sparse and dense representations agreeing register
 * for register, and the estimator's error on many independent sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Hll, HLL_REGISTERS, countRegisters, isHllString, murmurHash64A, patLen } from '../../src/types/hyperloglog.js';

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

function referenceHash(s: string): bigint {
  const len = s.length;
  let h = (0xadc83b19n ^ ((BigInt(len) * M) & MASK)) & MASK;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(s.charCodeAt(i + j));
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const tail = len & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) h ^= BigInt(s.charCodeAt(blocks + j)) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

const binary = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((bytes) => String.fromCharCode(...bytes));

test('MurmurHash64A matches a bigint rendering of the algorithm', () => {
  fc.assert(
    fc.property(binary, (s) => {
      assert.equal(murmurHash64A(s), referenceHash(s));
      const h = referenceHash(s);
      const { index, count } = patLen(s);
      assert.equal(index, Number(h & 16383n));
      let rest = (h >> 14n) | (1n << 50n);
      let expected = 1;
      while ((rest & 1n) === 0n) {
        expected++;
        rest >>= 1n;
      }
      assert.equal(count, expected);
    }),
    { numRuns: 2000 },
  );
});

test('sparse and dense HLLs hold the same registers and estimate alike', () => {
  fc.assert(
    fc.property(fc.array(binary, { maxLength: 400 }), (elements) => {
      const sparse = Hll.create();
      const dense = Hll.create();
      assert.equal(dense.toDense(), true);
      for (const e of elements) assert.equal(sparse.add(e, 1 << 30), dense.add(e, 1 << 30));
      assert.equal(sparse.dense, false);
      const a = new Uint8Array(HLL_REGISTERS);
      const b = new Uint8Array(HLL_REGISTERS);
      assert.ok(sparse.mergeInto(a));
      assert.ok(dense.mergeInto(b));
      assert.deepEqual(a, b);
      assert.equal(sparse.count(), dense.count());
      assert.equal(sparse.count(), countRegisters(a));
      assert.ok(isHllString(sparse.toString()));
      assert.ok(isHllString(dense.toString()));
      // a round trip through the string form changes nothing
      assert.equal(Hll.fromString(sparse.toString()).toString(), sparse.toString());
    }),
    { numRuns: 200 },
  );
});

test('estimates of 20 independent 50k-element sets stay within the standard error', () => {
  let sumSq = 0;
  for (let set = 0; set < 20; set++) {
    const h = Hll.create();
    for (let i = 0; i < 50000; i++) h.add(`set${set}:${i}`, 3000);
    const rel = (h.count()! - 50000) / 50000;
    assert.ok(Math.abs(rel) < 4 * 0.0081, `set ${set}: relative error ${rel}`);
    sumSq += rel * rel;
  }
  // RMS error close to the theoretical 1.04/sqrt(16384) = 0.81%
  assert.ok(Math.sqrt(sumSq / 20) < 2 * 0.0081);
});

test('an empty HLL counts 0 and a corrupt sparse one is detected', () => {
  assert.equal(Hll.create().count(), 0);
  const bad = Hll.fromString('HYLL\x01\x00\x00\x00' + '\x00'.repeat(8) + '\x7f\xfe');
  assert.equal(bad.count(), null);
  assert.equal(bad.mergeInto(new Uint8Array(HLL_REGISTERS)), false);
  assert.equal(bad.toDense(), false);
  assert.equal(isHllString('HYLL\x00' + '\x00'.repeat(11)), false);
});
