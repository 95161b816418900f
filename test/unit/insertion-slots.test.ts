import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InsertionSlots } from '../../src/types/insertion-slots.js';

test('scan visits members in insertion order and ends with cursor 0', () => {
  const s = new InsertionSlots<string>(2);
  const seqs = ['a', 'b', 'c', 'd', 'e'].map((m) => s.add(m));
  s.remove(seqs[1]!);
  s.remove(seqs[3]!);
  const out: string[] = [];
  let cursor = 0;
  do cursor = s.scan(cursor, 2, out);
  while (cursor !== 0);
  assert.deepEqual(out, ['a', 'c', 'e']);
  s.clear();
  assert.equal(s.random(), undefined);
  assert.equal(s.scan(0, 10, []), 0);
});

test('property: a member present for the whole scan is returned exactly once, despite removals and compaction', () => {
  // ops: positive = add a new member, negative = remove the n-th live member, 0 = one scan step
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.array(fc.integer({ min: -30, max: 30 }), { maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (initial, ops, count) => {
      const s = new InsertionSlots<number>(3);
      const live = new Map<number, number>();
      let id = 0;
      for (; id < initial; id++) live.set(id, s.add(id));
      const stable = new Set(live.keys());
      const seen: number[] = [];
      let cursor = 0;
      let done = false;
      for (const op of ops) {
        if (op > 0) {
          live.set(id, s.add(id));
          id++;
        } else if (op < 0 && live.size > 0) {
          const victim = [...live.keys()][-op % live.size]!;
          s.remove(live.get(victim)!);
          live.delete(victim);
          stable.delete(victim);
        } else if (op === 0 && !done) {
          cursor = s.scan(cursor, count, seen);
          done = cursor === 0;
        }
      }
      while (!done) {
        cursor = s.scan(cursor, count, seen);
        done = cursor === 0;
      }
      for (const m of stable) assert.equal(seen.filter((x) => x === m).length, 1, `member ${m}`);
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
      const r = s.random();
      if (live.size === 0) assert.equal(r, undefined);
      else assert.ok(live.has(r!));
    }),
    { numRuns: 500 },
  );
});
