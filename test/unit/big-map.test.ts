import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BigMap, BigSet, OVERFLOW_SHARDS } from '../../src/types/big-map.js';

// Tiny shard capacities put nearly every entry in the overflow shards, the path that
// 2^23-entry collections take in production.

type Op =
  | { t: 'set'; k: string; v: number }
  | { t: 'del'; k: string }
  | { t: 'get'; k: string }
  | { t: 'clear' }
  | { t: 'iterDelete'; every: number };

const key = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('set' as const), k: key, v: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), k: key }) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('iterDelete' as const), every: fc.integer({ min: 1, max: 4 }) }) },
);

function sortedEntries<V>(it: Iterable<[string, V]>): [string, V][] {
  return [...it].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

test('BigMap behaves as a Map under random operations (shard capacity 1..8)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (cap, ops) => {
      const big = new BigMap<string, number>(cap);
      const model = new Map<string, number>();
      for (const o of ops) {
        switch (o.t) {
          case 'set':
            try {
              big.set(o.k, o.v);
            } catch (e) {
              // By design a new key is refused when the primary and the key's hashed overflow
              // shard are both full (with capacities of 1..8 two keys often share a shard):
              // the refusal must be a RangeError for a key not yet present, with nothing changed.
              assert.ok(e instanceof RangeError, String(e));
              assert.equal(model.has(o.k), false, 'an existing key was refused');
              assert.equal(big.has(o.k), false);
              assert.ok(big.size >= 2 * cap, `refused at size ${big.size} with shard capacity ${cap}`);
              break;
            }
            model.set(o.k, o.v);
            break;
          case 'del':
            assert.equal(big.delete(o.k), model.delete(o.k));
            break;
          case 'get':
            assert.equal(big.get(o.k), model.get(o.k));
            assert.equal(big.has(o.k), model.has(o.k));
            break;
          case 'clear':
            big.clear();
            model.clear();
            break;
          case 'iterDelete': {
            // deleting while iterating (active expiry, FLUSHDB-like walks): every entry
            // present at the start and not deleted is still visited exactly once
            const seen = new Set<string>();
            let i = 0;
            for (const [k] of big) {
              assert.ok(!seen.has(k), `visited twice: ${JSON.stringify(k)}`);
              seen.add(k);
              if (i++ % o.every === 0) {
                big.delete(k);
                model.delete(k);
              }
            }
            assert.equal(seen.size, i);
            break;
          }
        }
        assert.equal(big.size, model.size);
      }
      assert.deepEqual(sortedEntries(big.entries()), sortedEntries(model.entries()));
      assert.deepEqual([...big.keys()].sort(), [...model.keys()].sort());
      assert.deepEqual([...big.values()].sort(), [...model.values()].sort());
    }),
    { numRuns: 300 },
  );
});

test('BigMap keeps insertion order exactly while nothing has overflowed', () => {
  const big = new BigMap<string, number>(100);
  const model = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const k = `k${(i * 37) % 100}`;
    big.set(k, i);
    model.set(k, i);
    if (i % 7 === 0) {
      big.delete(`k${i}`);
      model.delete(`k${i}`);
    }
  }
  assert.deepEqual([...big], [...model]);
});

test('BigMap holds more entries than one shard, spread over the overflow shards', () => {
  // 64 per shard: 5000 keys put about 10 in each of the 512 overflow shards, far from full
  const big = new BigMap<string, number>(64);
  for (let i = 0; i < 5000; i++) big.set(`key:${i}`, i);
  assert.equal(big.size, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(big.get(`key:${i}`), i);
  // updating an overflowed key does not duplicate it, even once the primary has room again
  for (let i = 0; i < 8; i++) big.delete(`key:${i}`);
  for (let i = 0; i < 5000; i++) big.set(`key:${i}`, -i);
  assert.equal(big.size, 5000);
  assert.equal(new Set(big.keys()).size, 5000);
  assert.equal(big.get('key:4999'), -4999);
});

test('BigMap refuses cleanly (RangeError) only when the hashed shard is full', () => {
  const big = new BigMap<number, number>(1);
  // capacity is 1 + OVERFLOW_SHARDS entries at most with one entry per shard
  let stored = 0;
  assert.throws(() => {
    for (let i = 0; i < 100 * OVERFLOW_SHARDS; i++) {
      big.set(i, i);
      stored++;
    }
  }, /collection full/);
  assert.equal(big.size, stored);
  assert.ok(stored >= 2 && stored <= 1 + OVERFLOW_SHARDS);
});

test('BigSet behaves as a Set with a tiny shard capacity', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 200 }), (ops) => {
      const big = new BigSet<string>(2);
      const model = new Set<string>();
      for (const [add, k] of ops) {
        if (add) {
          big.add(k);
          model.add(k);
        } else assert.equal(big.delete(k), model.delete(k));
        assert.equal(big.size, model.size);
        assert.equal(big.has(k), model.has(k));
      }
      assert.deepEqual([...big].sort(), [...model].sort());
    }),
  );
  assert.deepEqual([...new BigSet<string>(1).addAll(['a', 'b', 'a', 'c', 'b'])].sort(), ['a', 'b', 'c']);
});
