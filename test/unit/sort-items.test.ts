/**
 * SORT's chunked input (issue 17): a collection may hold more elements than one JS array
 * can (~112M), so SORT keeps them in chunks, sorts each and reads the window through a
 * stable k-way merge. The mechanism is tested here at tiny chunk sizes against one
 * Array.prototype.sort of the whole input, windows and ties included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortItems } from '../../src/commands/sort-items.js';
import { sortComparator, type SortItem } from '../../src/commands/sort-order.js';

function items(elems: string[], scores: number[]): SortItem[] {
  return elems.map((elem, i) => ({ elem, score: scores[i] ?? 0, weight: null }));
}

test('chunked sort + merge gives the order and windows of one stable sort', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^[a-c]{0,2}$/), fc.integer({ min: -3, max: 3 })), { maxLength: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.boolean(),
      fc.boolean(),
      fc.nat(70),
      fc.nat(70),
      (pairs, chunk, alpha, desc, a, b) => {
        // ALPHA with BY weights: equal weights must keep their input order (stability)
        const input = items(
          pairs.map(([e], i) => `${e}#${i}`),
          pairs.map(([, s]) => s),
        );
        if (alpha) for (const [i, it] of input.entries()) it.weight = pairs[i]![0];
        const cmp = sortComparator({ alpha, byPattern: alpha, store: false, desc });
        const whole = input.map((x) => ({ ...x })).sort(cmp).map((x) => x.elem);
        const s = new SortItems(chunk);
        for (const x of input) s.push({ ...x });
        assert.equal(s.length, input.length);
        s.sort(cmp);
        const start = Math.min(a, b);
        const end = Math.min(Math.max(a, b), input.length - 1);
        const got: string[] = [];
        s.window(start, end, (it) => got.push(it.elem));
        assert.deepEqual(got, whole.slice(start, end + 1));
      },
    ),
    { numRuns: 300 },
  );
});

test('unsorted windows read the input order across chunk boundaries', () => {
  const s = new SortItems(4);
  for (let i = 0; i < 11; i++) s.push({ elem: `e${i}`, score: 0, weight: null });
  const got: string[] = [];
  s.window(3, 9, (it) => got.push(it.elem));
  assert.deepEqual(got, ['e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  const none: string[] = [];
  new SortItems(4).window(0, -1, (it) => none.push(it.elem));
  assert.deepEqual(none, []);
});
