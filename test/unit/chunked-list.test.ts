/**
 * types/chunked-list.ts against a plain JS array (fast-check): inserts and removals
 * anywhere, index reads, partition points and iteration agree, with chunks of 3 so splits,
 * emptied chunks and both renumbering sides happen in nearly every run; plus the stream
 * PEL index built on it (types/stream.ts IdIndex) against a sorted array.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedList } from '../../src/types/chunked-list.js';
import { IdIndex } from '../../src/types/stream.js';

type Op = { k: 'insert'; at: number; v: number } | { k: 'remove'; at: number } | { k: 'at'; at: number } | { k: 'push'; v: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ at: fc.nat(200), v: fc.integer() }).map((r): Op => ({ k: 'insert', ...r })) },
  { weight: 2, arbitrary: fc.integer().map((v): Op => ({ k: 'push', v })) },
  { weight: 3, arbitrary: fc.nat(200).map((at): Op => ({ k: 'remove', at })) },
  { weight: 2, arbitrary: fc.nat(200).map((at): Op => ({ k: 'at', at })) },
);

/** The internal chunks, to check the structural invariant (no chunk empty or above max). */
function chunks(l: ChunkedList<number>): number[][] {
  return (l as unknown as { chunks: number[][] }).chunks;
}

test('ChunkedList behaves as a plain array under inserts and removals anywhere', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const model: number[] = [];
      const l = new ChunkedList<number>(3);
      for (const o of ops) {
        if (o.k === 'insert') {
          const at = o.at % (model.length + 1);
          l.insertAt(at, o.v);
          model.splice(at, 0, o.v);
        } else if (o.k === 'push') {
          l.push(o.v);
          model.push(o.v);
        } else if (o.k === 'remove') {
          if (model.length === 0) {
            assert.throws(() => l.removeAt(0), RangeError);
            continue;
          }
          const at = o.at % model.length;
          assert.equal(l.removeAt(at), model.splice(at, 1)[0]);
        } else {
          assert.equal(l.at(o.at), model[o.at]);
        }
        assert.equal(l.size, model.length);
        for (const c of chunks(l)) assert.ok(c.length >= 1 && c.length <= 3, `chunk of ${c.length}`);
      }
      assert.deepEqual([...l], model);
      for (let i = 0; i < model.length; i++) assert.equal(l.at(i), model[i]);
      assert.equal(l.at(model.length), undefined);
      assert.equal(l.at(-1), undefined);
    }),
    { numRuns: 300 },
  );
});

test('ChunkedList.partitionPoint is the lower bound of a sorted list', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }), fc.integer({ min: -60, max: 60 }), (values, probe) => {
      const sorted = [...values].sort((a, b) => a - b);
      const l = new ChunkedList<number>(3);
      // built out of order through insertAt, so chunk boundaries fall anywhere
      for (const v of values) l.insertAt(l.partitionPoint((x) => x < v), v);
      assert.deepEqual([...l], sorted);
      const expected = sorted.findIndex((x) => x >= probe);
      assert.equal(
        l.partitionPoint((x) => x < probe),
        expected === -1 ? sorted.length : expected,
      );
    }),
    { numRuns: 300 },
  );
});

test('IdIndex (stream PEL) on chunks of 3 agrees with a sorted array', () => {
  type Item = { id: { ms: number; seq: number } };
  const idOp = fc.oneof(
    fc.record({ k: fc.constant('insert' as const), ms: fc.nat(30), seq: fc.nat(3) }),
    fc.record({ k: fc.constant('remove' as const), ms: fc.nat(30), seq: fc.nat(3) }),
    fc.record({ k: fc.constant('removeFirst' as const) }),
  );
  fc.assert(
    fc.property(fc.array(idOp, { maxLength: 300 }), (ops) => {
      const idx = new IdIndex<Item>(3);
      const model: number[] = []; // ms * 4 + seq, sorted
      for (const o of ops) {
        if (o.k === 'removeFirst') {
          if (model.length > 0) {
            const v = idx.removeAt(0);
            assert.equal(Number(v.id.ms) * 4 + Number(v.id.seq), model.shift());
          }
          continue;
        }
        const key = o.ms * 4 + o.seq;
        const id = { ms: o.ms, seq: o.seq };
        const at = model.findIndex((x) => x >= key);
        const present = at !== -1 && model[at] === key;
        if (o.k === 'insert') {
          assert.equal(idx.insert({ id }), !present);
          if (!present) model.splice(at === -1 ? model.length : at, 0, key);
        } else {
          const removed = idx.remove(id);
          assert.equal(removed !== undefined, present);
          if (present) model.splice(at, 1);
        }
        assert.equal(idx.size, model.length);
      }
      assert.deepEqual(
        [...idx].map((v) => Number(v.id.ms) * 4 + Number(v.id.seq)),
        model,
      );
      assert.equal(idx.first() === undefined ? undefined : Number(idx.first()!.id.ms) * 4 + Number(idx.first()!.id.seq), model[0]);
    }),
    { numRuns: 300 },
  );
});
