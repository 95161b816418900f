import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamData, type StreamChunking, type TrimArgs } from '../../src/types/stream.js';
import { compareIds, MAX_ID, MIN_ID, type StreamId } from '../../src/types/stream-id.js';

const id = (ms: number, seq = 0): StreamId => ({ ms, seq });

function maxlen(n: number, approx = false, limit = 0): TrimArgs {
  return { strategy: 'maxlen', maxlen: n, minid: MIN_ID, approx, limit };
}

function ids(s: StreamData): string[] {
  const out: string[] = [];
  s.scan(MIN_ID, MAX_ID, false, (e) => (out.push(`${e.id.ms}-${e.id.seq}`), true));
  return out;
}

test('listpack size of a node is emulated byte for byte', () => {
  const s = new StreamData();
  s.append(id(1), ['f', 'v'], 4096, 100);
  // header+end 7, count 2, deleted 2, num-fields 2, "f" 3, terminator 2 = 18;
  // entry: flags 2, ms-delta 2, seq-delta 2, "v" 3, lp-count 2 = 11
  assert.equal(s.nodes.at(0)!.bytes, 29);
  s.append(id(2), ['g', '1000'], 4096, 100);
  // other fields: flags 2, ms 2, seq 2, num-fields 2, "g" 3, 1000 as an int 3, lp-count 2
  assert.equal(s.nodes.at(0)!.bytes, 29 + 16);
  s.append(id(3), ['f', 'x'.repeat(70)], 4096, 100);
  // same fields: flags 2, ms 2, seq 2, 70-byte string 2+70+1, lp-count 2
  assert.equal(s.nodes.at(0)!.bytes, 45 + 81);
});

test('a node closes at stream-node-max-entries (live + deleted) and at max-bytes', () => {
  const s = new StreamData();
  for (let i = 1; i <= 7; i++) s.append(id(i), ['f', 'v'], 4096, 3);
  assert.deepEqual(
    [...s.nodes].map((n) => n.entries.length),
    [3, 3, 1],
  );
  const b = new StreamData();
  for (let i = 1; i <= 5; i++) b.append(id(i), ['f', 'x'.repeat(30)], 100, 0);
  // 29-byte node + 30 bytes of elements reaches 100 on the third append
  assert.deepEqual(
    [...b.nodes].map((n) => n.entries.length),
    [2, 2, 1],
  );
});

test('XDEL marks entries; the last live entry takes its node with it', () => {
  const s = new StreamData();
  for (let i = 1; i <= 6; i++) s.append(id(i), ['f', 'v'], 4096, 3);
  assert.equal(s.delete(id(2)), true);
  assert.equal(s.delete(id(2)), false);
  assert.equal(s.nodes.at(0)!.deleted, 1);
  s.delete(id(1));
  s.delete(id(3));
  assert.equal(s.nodes.size, 1, 'first node gone');
  assert.deepEqual(ids(s), ['4-0', '5-0', '6-0']);
  s.afterDelete([id(1), id(3)]);
  assert.deepEqual(s.firstId, id(4));
  assert.deepEqual(s.maxDeletedId, id(3));
});

test('MAXLEN ~ removes whole nodes only; = is exact', () => {
  const s = new StreamData();
  for (let i = 1; i <= 10; i++) s.append(id(i), ['f', 'v'], 4096, 3);
  assert.equal(s.trim(maxlen(5, true)), 3, 'only the first node fits');
  assert.equal(s.length, 7);
  assert.equal(s.trim(maxlen(5)), 2);
  assert.deepEqual(ids(s), ['6-0', '7-0', '8-0', '9-0', '10-0']);
  assert.equal(s.nodes.at(0)!.deleted, 2, 'exact trimming marks entries inside the head node');
  // the head node has one live entry left: it fits LIMIT 2, the next node (3) does not
  assert.equal(s.trim(maxlen(0, true, 2)), 1, 'LIMIT counts live entries of whole nodes');
  assert.equal(s.trim({ strategy: 'minid', maxlen: 0, minid: id(9), approx: false, limit: 0 }), 2);
  assert.deepEqual(ids(s), ['9-0', '10-0']);
  assert.deepEqual(s.firstId, id(9));
});

test('scan, get and trimming agree with a sorted-array model (property)', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('add' as const), fields: fc.constantFrom(['f', 'v'], ['g', '1'], ['f', 'x'.repeat(40)]) }),
    fc.record({ k: fc.constant('del' as const), i: fc.nat(60) }),
    fc.record({ k: fc.constant('trim' as const), n: fc.nat(30), approx: fc.boolean(), minid: fc.boolean() }),
    fc.record({ k: fc.constant('range' as const), a: fc.nat(60), b: fc.nat(60), rev: fc.boolean() }),
  );
  fc.assert(
    // the default chunking, and tiny chunks (2 nodes per ChunkedList chunk, 2 entries per
    // ChunkedArray chunk; with max-entries 0 one node holds every entry) so lookups, scans
    // both ways, deletions and trims cross the chunk boundaries of issue 17's storage
    fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(0, 80, 4096), fc.constantFrom<StreamChunking | undefined>(undefined, { nodeChunk: 2, entryShift: 1 }), (ops, maxEntries, maxBytes, chunking) => {
      const s = new StreamData(chunking);
      let model: StreamId[] = [];
      let next = 1;
      for (const o of ops) {
        if (o.k === 'add') {
          const i = id(next++);
          s.append(i, o.fields, maxBytes, maxEntries);
          model.push(i);
        } else if (o.k === 'del') {
          const i = id(o.i);
          const had = model.some((m) => compareIds(m, i) === 0);
          assert.equal(s.delete(i), had);
          model = model.filter((m) => compareIds(m, i) !== 0);
        } else if (o.k === 'trim') {
          const before = model.length;
          const args: TrimArgs = o.minid
            ? { strategy: 'minid', maxlen: 0, minid: id(o.n), approx: o.approx, limit: 0 }
            : { strategy: 'maxlen', maxlen: o.n, minid: MIN_ID, approx: o.approx, limit: 0 };
          const removed = s.trim(args);
          // trimming always removes a prefix of the live entries
          model = model.slice(removed);
          assert.equal(s.length, before - removed);
          if (!o.approx) {
            if (o.minid) assert.ok(model.every((m) => compareIds(m, id(o.n)) >= 0));
            else assert.equal(s.length, Math.min(before, o.n));
          } else if (!o.minid) {
            assert.ok(s.length >= Math.min(before, o.n));
          }
        } else {
          const a = id(Math.min(o.a, o.b));
          const b = id(Math.max(o.a, o.b));
          const got: StreamId[] = [];
          s.scan(a, b, o.rev, (e) => (got.push(e.id), true));
          const want = model.filter((m) => compareIds(m, a) >= 0 && compareIds(m, b) <= 0);
          if (o.rev) want.reverse();
          assert.deepEqual(got, want);
        }
        assert.equal(s.length, model.length);
        assert.deepEqual(ids(s), model.map((m) => `${m.ms}-${m.seq}`));
        for (const n of s.nodes) {
          assert.equal(n.live, [...n.entries].filter((e) => !e.deleted).length);
          assert.equal(n.deleted, [...n.entries].filter((e) => e.deleted).length);
        }
        for (const m of model) assert.ok(s.get(m) !== undefined);
      }
    }),
    { numRuns: 300 },
  );
});

test('IdIndex (PEL) keeps ID order under FIFO and random insert/remove (property)', async () => {
  const { IdIndex } = await import('../../src/types/stream.js');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(300), fc.boolean()), { maxLength: 600 }), (ops) => {
      const idx = new IdIndex<{ id: StreamId }>();
      const model = new Set<number>();
      for (const [add, n, front] of ops) {
        if (add) {
          assert.equal(idx.insert({ id: id(n) }), !model.has(n));
          model.add(n);
        } else if (front && idx.size > 0) {
          const first = idx.first()!.id.ms as number;
          assert.equal(idx.removeAt(0).id.ms, first);
          model.delete(first);
        } else {
          assert.equal(idx.remove(id(n)) !== undefined, model.has(n));
          model.delete(n);
        }
        const want = [...model].sort((a, b) => a - b);
        assert.deepEqual([...idx].map((v) => v.id.ms), want);
        assert.equal(idx.size, want.length);
        if (want.length > 0) assert.equal(idx.get(id(want[0]!))?.id.ms, want[0]);
      }
    }),
    { numRuns: 200 },
  );
});

test('a stream keeps no JS array that grows with it: nodes and a node\'s entries are chunked (issue 17)', () => {
  const tiny: StreamChunking = { nodeChunk: 2, entryShift: 1 };
  const internal = (x: unknown): unknown[][] => (x as { chunks: unknown[][] }).chunks;
  // stream-node-max-entries 1: a node per entry, 40 nodes in chunks of at most 2
  const many = new StreamData(tiny);
  for (let i = 1; i <= 40; i++) many.append(id(i), ['f', String(i)], 0, 1);
  assert.equal(many.nodes.size, 40);
  assert.ok(internal(many.nodes).length >= 20 && internal(many.nodes).every((c) => c.length <= 2));
  assert.deepEqual(many.get(id(33))?.fv, ['f', '33']);
  // stream-node-max-entries 0 and max-bytes 0: one node holds all 40 entries, 2 per chunk
  const one = new StreamData(tiny);
  for (let i = 1; i <= 40; i++) one.append(id(i), ['f', String(i)], 0, 0);
  assert.equal(one.nodes.size, 1);
  const entries = one.nodes.at(0)!.entries;
  assert.equal(entries.length, 40);
  assert.ok(internal(entries).length === 20 && internal(entries).every((c) => c.length === 2));
  for (const s of [many, one, many.clone(), one.clone()]) {
    assert.deepEqual(ids(s), Array.from({ length: 40 }, (_, i) => `${i + 1}-0`));
    const back: string[] = [];
    s.scan(id(7), id(31), true, (e) => (back.push(String(e.id.ms)), true));
    assert.deepEqual(back, Array.from({ length: 25 }, (_, i) => String(31 - i)));
  }
  assert.equal(one.trim(maxlen(5)), 35);
  assert.deepEqual(ids(one), ['36-0', '37-0', '38-0', '39-0', '40-0']);
  assert.equal(many.trim(maxlen(5, true)), 35);
  assert.equal(many.nodes.size, 5);
});
