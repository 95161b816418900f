/**
 * The sorted set structure against a naive model (a sorted array of [member, score]):
 * random operation sequences must leave both with the same content, and every rank,
 * range and count query must agree. Invariants of the tree (order, counts through ranks,
 * leaf links both ways) are checked after every step; sizes up to a few thousand make
 * leaves and inner nodes split and vanish.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedSet, type LexRange, type ScoreRange } from '../../src/types/sorted-set.js';
import { format17g } from '../../src/commands/zset/format.js';
import { parseStrtodWhole, parseScoreRange, parseLexRange } from '../../src/commands/zset/args.js';

type Entry = [string, number];

function cmp(a: Entry, b: Entry): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

class Model {
  items: Entry[] = [];
  set(m: string, s: number): void {
    this.delete(m);
    this.items.push([m, s]);
    this.items.sort(cmp);
  }
  delete(m: string): boolean {
    const i = this.items.findIndex((e) => e[0] === m);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  inScore(s: number, r: ScoreRange): boolean {
    return (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max);
  }
  inLex(m: string, r: LexRange): boolean {
    const lo = r.min.kind === 'min' ? true : r.min.kind === 'max' ? false : r.min.ex ? m > r.min.value : m >= r.min.value;
    const hi = r.max.kind === 'max' ? true : r.max.kind === 'min' ? false : r.max.ex ? m < r.max.value : m <= r.max.value;
    return lo && hi;
  }
}

function checkInvariants(z: SortedSet, model: Model): void {
  const got = [...z.entries()];
  assert.deepEqual(got, model.items);
  assert.equal(z.size, model.items.length);
  // ranks through spans, node lookup by rank, backward links
  for (let i = 0; i < model.items.length; i++) {
    const [m, s] = model.items[i]!;
    assert.equal(z.rank(m), i);
    assert.equal(z.rank(m, true), model.items.length - 1 - i);
    assert.equal(z.memberAt(i), m);
    assert.ok(Object.is(z.scoreAt(i), s));
  }
  // walking backwards from the end sees the reverse order
  const back: string[] = [];
  if (model.items.length > 0) z.walk(model.items.length - 1, true, (m) => back.push(m) > 0);
  assert.deepEqual(back, model.items.map((e) => e[0]).reverse());
}

const memberArb = fc.oneof(fc.constantFrom('a', 'b', 'c', '', '\x00', '\xff', 'ab', 'a\x00'), fc.string({ maxLength: 3 }).map((s) => s.replace(/[^\x00-\xff]/g, 'x')));
const scoreArb = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(Infinity, -Infinity, 0.5, -0.5, 1e300));
const scoreRangeArb = fc.record({ min: scoreArb, max: scoreArb, minex: fc.boolean(), maxex: fc.boolean() });
const lexBoundArb = fc.oneof(
  fc.constant({ kind: 'min' as const }),
  fc.constant({ kind: 'max' as const }),
  fc.record({ kind: fc.constant('value' as const), value: memberArb, ex: fc.boolean() }),
);
const lexRangeArb = fc.record({ min: lexBoundArb, max: lexBoundArb });

type Op =
  | { op: 'set'; m: string; s: number }
  | { op: 'del'; m: string }
  | { op: 'delRank'; a: number; b: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), m: memberArb, s: scoreArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), m: memberArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delRank' as const), a: fc.nat(12), b: fc.nat(12) }) },
);

describe('SortedSet (counted B+tree)', () => {
  test('matches a sorted-array model under random operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.boolean(), (ops, listpack) => {
        const z = new SortedSet();
        z.listpack = listpack;
        const model = new Model();
        for (const o of ops) {
          if (o.op === 'set') {
            // a listpack keeps -0 as 0 (integer storage)
            const s = listpack && o.s === 0 ? 0 : o.s;
            const isNew = !model.items.some((e) => e[0] === o.m);
            const prev = model.items.find((e) => e[0] === o.m)?.[1];
            assert.equal(z.set(o.m, o.s), isNew);
            // an unchanged score (0 and -0 are equal) leaves the stored value alone
            model.set(o.m, prev !== undefined && prev === s ? prev : s);
          } else if (o.op === 'del') {
            assert.equal(z.delete(o.m), model.delete(o.m));
          } else {
            const n = model.items.length;
            if (n === 0) continue;
            const a = Math.min(o.a, o.b) % n;
            const b = Math.min(Math.max(o.a, o.b), n - 1);
            if (a > b) continue;
            assert.equal(z.deleteRangeByRank(a, b), b - a + 1);
            model.items.splice(a, b - a + 1);
          }
          checkInvariants(z, model);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('matches the model at sizes where leaves and inner nodes split and vanish', () => {
    const bigOp: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), m: fc.nat(6000).map((i) => `m${i}`), s: fc.integer({ min: -20, max: 20 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('del' as const), m: fc.nat(6000).map((i) => `m${i}`) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('delRank' as const), a: fc.nat(3000), b: fc.nat(3000) }) },
    );
    fc.assert(
      fc.property(fc.array(bigOp, { minLength: 500, maxLength: 6000 }), (ops) => {
        const z = new SortedSet();
        z.listpack = false;
        const model = new Model();
        const byMember = new Map<string, number>();
        ops.forEach((o, step) => {
          if (o.op === 'set') {
            assert.equal(z.set(o.m, o.s), !byMember.has(o.m));
            byMember.set(o.m, o.s);
          } else if (o.op === 'del') {
            assert.equal(z.delete(o.m), byMember.delete(o.m));
          } else {
            const n = byMember.size;
            if (n === 0) return;
            const a = Math.min(o.a, o.b) % n;
            const b = Math.min(a + (Math.max(o.a, o.b) % 700), n - 1);
            const victims = [...z.entries()].slice(a, b + 1).map((e) => e[0]);
            assert.equal(z.deleteRangeByRank(a, b), b - a + 1);
            for (const v of victims) byMember.delete(v);
          }
          if (step % 500 === 0 || step === ops.length - 1) {
            model.items = [...byMember.entries()].sort(cmp);
            checkInvariants(z, model);
          }
        });
      }),
      { numRuns: 15 },
    );
  });

  test('score range queries agree with the model', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(memberArb, scoreArb), { maxLength: 40 }), scoreRangeArb, (pairs, r) => {
        const z = new SortedSet();
        z.listpack = false;
        const model = new Model();
        for (const [m, s] of pairs) {
          z.set(m, s);
          model.set(m, s);
        }
        const inRange = model.items.filter((e) => model.inScore(e[1], r));
        assert.equal(z.countInScore(r), inRange.length);
        const first = z.firstInScore(r);
        const last = z.lastInScore(r);
        assert.equal(first < 0 ? undefined : z.memberAt(first), inRange[0]?.[0]);
        assert.equal(last < 0 ? undefined : z.memberAt(last), inRange.at(-1)?.[0]);
      }),
      { numRuns: 500 },
    );
  });

  test('lex range queries agree with the model when all scores are equal (both encodings)', () => {
    fc.assert(
      fc.property(fc.array(memberArb, { maxLength: 40 }), lexRangeArb, fc.boolean(), (members, r, listpack) => {
        const z = new SortedSet();
        z.listpack = listpack;
        const model = new Model();
        for (const m of members) {
          z.set(m, 0);
          model.set(m, 0);
        }
        const inRange = model.items.filter((e) => model.inLex(e[0], r));
        assert.equal(z.countInLex(r), inRange.length);
        const first = z.firstInLex(r);
        const last = z.lastInLex(r);
        assert.equal(first < 0 ? undefined : z.memberAt(first), inRange[0]?.[0]);
        assert.equal(last < 0 ? undefined : z.memberAt(last), inRange.at(-1)?.[0]);
      }),
      { numRuns: 500 },
    );
  });

  test('a clone is independent and keeps the encoding', () => {
    const z = new SortedSet();
    z.listpack = false;
    for (let i = 0; i < 100; i++) z.set(`m${i}`, i % 7);
    const c = z.clone();
    assert.equal(c.listpack, false);
    assert.deepEqual([...c.entries()], [...z.entries()]);
    c.delete('m1');
    c.set('m2', 100);
    assert.equal(z.score('m1'), 1);
    assert.equal(z.score('m2'), 2);
    assert.equal(c.size, 99);
  });

  test('skiplist keeps -0; converting to listpack turns it into 0', () => {
    const z = new SortedSet();
    z.listpack = false;
    z.set('a', -0);
    assert.ok(Object.is(z.score('a'), -0));
    z.convertToListpack();
    assert.ok(Object.is(z.score('a'), 0));
  });

  test('ranks stay O(log n)-correct on a large set', () => {
    const z = new SortedSet();
    z.listpack = false;
    const n = 20000;
    for (let i = n - 1; i >= 0; i--) z.set(`m${String(i).padStart(6, '0')}`, Math.floor(i / 10));
    assert.equal(z.rank('m012345'), 12345);
    assert.equal(z.memberAt(19999), 'm019999');
    assert.equal(z.countInScore({ min: 10, max: 19, minex: false, maxex: true }), 90);
    assert.equal(z.deleteRangeByRank(100, 10099), 10000);
    assert.equal(z.size, 10000);
    assert.equal(z.memberAt(100), 'm010100');
    assert.equal(z.rank('m019999'), 9999);
  });
});

describe('ordered loads and the cell table (issue 17)', () => {
  test('loads in RDB order (highest first) and in append order fill the leaves', () => {
    // an RDB file lists a sorted set from the highest score down; halving every split
    // left ~32 of 64 slots used in every leaf (2x the arrays, 2x the nodes to mark)
    const n = 64_000;
    for (const order of ['descending', 'ascending'] as const) {
      const z = new SortedSet();
      z.listpack = false;
      for (let k = 0; k < n; k++) {
        const i = order === 'descending' ? n - 1 - k : k;
        z.set(`m${String(i).padStart(6, '0')}`, i);
      }
      assert.ok(z.leafCount() <= n / 64 + 2, `${order}: ${z.leafCount()} leaves for ${n} members`);
      assert.equal(z.rank('m031999'), 31999);
      assert.equal(z.memberAt(n - 1), `m0${n - 1}`);
      assert.equal(z.score('m000007'), 7);
    }
  });

  test('scores and cursors stay right when cells are freed and reused across chunks', () => {
    const z = new SortedSet();
    z.listpack = false;
    const model = new Map<string, number>();
    // 20,000 members span three 8,192-cell chunks; deleting every third and re-adding
    // others reuses freed cells (the free stack threads through the seq column)
    for (let i = 0; i < 20_000; i++) {
      z.set(`a${i}`, i * 1.5);
      model.set(`a${i}`, i * 1.5);
    }
    for (let i = 0; i < 20_000; i += 3) {
      assert.equal(z.delete(`a${i}`), true);
      model.delete(`a${i}`);
    }
    for (let i = 0; i < 5_000; i++) {
      z.set(`b${i}`, -i);
      model.set(`b${i}`, -i);
      z.set(`a${i * 3 + 1}`, i); // a score change keeps the member's cell
      model.set(`a${i * 3 + 1}`, i);
    }
    assert.equal(z.size, model.size);
    for (const [m, s] of model) assert.equal(z.score(m), s, m);
    assert.equal(z.score('a0'), undefined);
    // ZSCAN's cursor (insertion sequence) still visits every member exactly once
    const seen = new Set<string>();
    let cursor = 0;
    do {
      const out: string[] = [];
      cursor = z.scan(cursor, 1000, out);
      for (const m of out) {
        assert.ok(!seen.has(m), m);
        seen.add(m);
      }
    } while (cursor !== 0);
    assert.equal(seen.size, model.size);
    model.clear();
    for (const [m, s] of z.entries()) model.set(m, s);
    assert.equal(model.size, z.size);
  });
});

describe('score text helpers', () => {
  test('format17g prints as C "%.17g"', () => {
    const cases: [number, string][] = [
      [0.1, '0.10000000000000001'],
      [1, '1'],
      [-0, '-0'],
      [1e20, '1e+20'],
      [1e16, '10000000000000000'],
      [1e17, '1e+17'],
      [1.5e-7, '1.4999999999999999e-07'],
      [0.0001, '0.0001'],
      [123.456, '123.456'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [5e-324, '4.9406564584124654e-324'],
      [-2.5, '-2.5'],
    ];
    for (const [d, s] of cases) assert.equal(format17g(d), s, String(d));
  });

  test('range bounds parse as strtod on a C string', () => {
    assert.equal(parseStrtodWhole(''), 0);
    assert.equal(parseStrtodWhole(' 1'), 1);
    assert.equal(parseStrtodWhole('1\x00junk'), 1);
    assert.equal(parseStrtodWhole('1 '), null);
    assert.equal(parseStrtodWhole('0x10'), 16);
    assert.equal(parseStrtodWhole('1e400'), Infinity);
    assert.equal(parseStrtodWhole('-inf'), -Infinity);
    assert.equal(parseStrtodWhole('nan'), null);
    assert.equal(parseStrtodWhole('  '), null);
    assert.deepEqual(parseScoreRange('(1', '2'), { min: 1, max: 2, minex: true, maxex: false });
    assert.equal(parseScoreRange('((1', '2'), null);
    assert.deepEqual(parseLexRange('-', '+\x00x'), { min: { kind: 'min' }, max: { kind: 'max' } });
    assert.equal(parseLexRange('a', '+'), null);
    assert.equal(parseLexRange('', '+'), null);
    assert.deepEqual(parseLexRange('(\x00', '['), { min: { kind: 'value', value: '\x00', ex: true }, max: { kind: 'value', value: '', ex: false } });
  });
});
