/**
 * Values through the codec (encodeValue → DUMP payload → decodeValue) under random content
 * and random *-max-* limits: the content always survives, and the loaded encoding follows
 * Redis's rules for the RDB type the value was written as.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from '../../src/persistence/rdb/dump-payload.js';
import { DEFAULT_LOAD_LIMITS, type RdbLoadLimits } from '../../src/persistence/rdb/load-limits.js';
import { rdbObjectType } from '../../src/persistence/rdb/value-encoder.js';
import { RdbType } from '../../src/persistence/rdb/rdb-constants.js';
import type { Value } from '../../src/keyspace/value-types.js';
import { BigMap } from '../../src/types/big-map.js';
import { HashData } from '../../src/types/hash.js';
import { SetData, isIntMember } from '../../src/types/set.js';
import { SortedSet } from '../../src/types/sorted-set.js';
import { ListData } from '../../src/types/list.js';
import { StreamData, ConsumerGroup, Consumer, type Nack } from '../../src/types/stream.js';

const str = fc.oneof(
  fc.constantFrom('', '0', '-1', '127', '128', '65536', '-9223372036854775808', '9223372036854775807', '01', '1.5', '\x00\r\n\xff'),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.integer({ min: 0, max: 100 }).map((n) => 'v'.repeat(n)),
);
const limitsArb: fc.Arbitrary<RdbLoadLimits> = fc.record({
  hashMaxListpackEntries: fc.integer({ min: 0, max: 8 }),
  hashMaxListpackValue: fc.integer({ min: 0, max: 70 }),
  setMaxIntsetEntries: fc.integer({ min: 0, max: 8 }),
  setMaxListpackEntries: fc.integer({ min: 0, max: 8 }),
  setMaxListpackValue: fc.integer({ min: 0, max: 70 }),
  zsetMaxListpackEntries: fc.integer({ min: 0, max: 8 }),
  zsetMaxListpackValue: fc.integer({ min: 0, max: 70 }),
  listMaxListpackSize: fc.constantFrom(-5, -2, -1, 0, 1, 2, 3, 5, 100),
});

function roundTrip(v: Value, lim: RdbLoadLimits, compression: boolean): Value {
  const p = createDumpPayload(v, compression);
  assert.ok(verifyDumpPayload(p));
  const back = decodeDumpPayload(p, lim);
  assert.ok(back !== null);
  assert.equal(back.type, v.type);
  return back;
}

test('hashes: content survives; listpack after load per hash-max-listpack-* and the written type', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(str, str), { selector: (p) => p[0], minLength: 1, maxLength: 20 }), fc.boolean(), limitsArb, fc.boolean(), (pairs, lp, lim, comp) => {
      const h = new HashData();
      for (const [f, x] of pairs) h.set(f, x);
      h.listpack = lp;
      const back = roundTrip({ type: 'hash', value: h }, lim, comp);
      assert.ok(back.type === 'hash');
      assert.deepEqual([...back.value.entries()], pairs);
      const maxLen = Math.max(...pairs.map(([f, x]) => Math.max(f.length, x.length)));
      const expect = lp ? pairs.length <= lim.hashMaxListpackEntries : pairs.length <= lim.hashMaxListpackEntries && maxLen <= lim.hashMaxListpackValue;
      assert.equal(back.value.listpack, expect);
    }),
  );
});

test('sorted sets: members and scores survive; encoding per zset-max-listpack-*', () => {
  const score = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8), fc.constantFrom(Infinity, -Infinity, 0, 1e300, -1e-300, 2 ** 60, 12345678901234));
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(str, score), { selector: (p) => p[0], minLength: 1, maxLength: 20 }), fc.boolean(), limitsArb, fc.boolean(), (pairs, lp, lim, comp) => {
      const z = new SortedSet();
      z.listpack = lp;
      for (const [m, s] of pairs) z.set(m, s);
      const back = roundTrip({ type: 'zset', value: z }, lim, comp);
      assert.ok(back.type === 'zset');
      assert.equal(back.value.size, pairs.length);
      for (const [m, s] of pairs) assert.equal(back.value.score(m), s === 0 ? 0 : s, m);
      const maxLen = Math.max(...pairs.map(([m]) => m.length));
      const expect = lp ? pairs.length <= lim.zsetMaxListpackEntries : pairs.length <= lim.zsetMaxListpackEntries && maxLen <= lim.zsetMaxListpackValue;
      assert.equal(back.value.listpack, expect);
    }),
  );
});

test('sets: members survive; intset/listpack/hashtable after load as Redis 7.2 decides', () => {
  const member = fc.oneof(str, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String));
  fc.assert(
    fc.property(fc.uniqueArray(member, { minLength: 1, maxLength: 20 }), limitsArb, fc.boolean(), (members, lim, comp) => {
      const ints = members.every(isIntMember);
      const s = SetData.empty(ints ? 'intset' : 'hashtable');
      for (const m of members) s.add(m);
      const written = rdbObjectType({ type: 'set', value: s });
      const back = roundTrip({ type: 'set', value: s }, lim, comp);
      assert.ok(back.type === 'set');
      assert.deepEqual([...back.value.members()].sort(), [...members].sort());
      const maxLen = Math.max(...members.map((m) => m.length));
      let expect: string;
      if (written === RdbType.SET_INTSET) expect = members.length <= lim.setMaxIntsetEntries ? 'intset' : 'hashtable';
      else if (members.length > lim.setMaxIntsetEntries) expect = 'hashtable';
      else if (ints) expect = 'intset';
      else expect = members.length <= lim.setMaxListpackEntries && maxLen <= lim.setMaxListpackValue ? 'listpack' : 'hashtable';
      assert.equal(back.value.encoding, expect);
    }),
  );
});

test('lists: elements and node layout survive; one node within the limits loads as a listpack', () => {
  fc.assert(
    fc.property(fc.array(str, { minLength: 1, maxLength: 60 }), fc.constantFrom(-2, 1, 3, 16), limitsArb, fc.boolean(), (elements, fill, lim, comp) => {
      const l = new ListData();
      for (const e of elements) {
        l.beforeGrow(fill, e.length, 1);
        l.pushTail(e, fill);
      }
      const back = roundTrip({ type: 'list', value: l }, lim, comp);
      assert.ok(back.type === 'list');
      assert.deepEqual(back.value.slice(0, back.value.length), elements);
      const counts = l.nodeCounts();
      if (counts.length > 1) {
        assert.equal(back.value.listpack, false);
        assert.deepEqual(back.value.nodeCounts(), counts);
      } else {
        assert.equal(back.value.listpack, !(back.value.listpackBytes > limitFor(lim.listMaxListpackSize)[0] || elements.length > limitFor(lim.listMaxListpackSize)[1]));
      }
    }),
  );
});

function limitFor(fill: number): [number, number] {
  if (fill >= 0) return [Number.MAX_SAFE_INTEGER, fill === 0 ? 1 : fill];
  return [[4096, 8192, 16384, 32768, 65536][Math.min(-fill - 1, 4)]!, 4294967295];
}

test('streams: entries (deleted ones too), counters, groups, PELs and consumers survive', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.array(fc.tuple(fc.constantFrom('f', 'g', 'h', '1'), str), { minLength: 1, maxLength: 3 }), fc.boolean()), { minLength: 0, maxLength: 40 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 50, max: 400 }),
      fc.boolean(),
      (entries, groups, maxBytes, comp) => {
        const s = new StreamData();
        let ms = 0;
        const deleted: { ms: number; seq: number }[] = [];
        for (const [step, fv, del] of entries) {
          ms += step;
          s.append({ ms, seq: 0 }, fv.flat(), maxBytes, 5);
          if (del) deleted.push({ ms, seq: 0 });
        }
        const gone = deleted.filter((id) => s.delete(id));
        s.afterDelete(gone);
        for (let g = 0; g < groups; g++) {
          const group = new ConsumerGroup({ ms: g, seq: 0 }, g === 2 ? -1 : g);
          if (s.groups === null) s.groups = new BigMap();
          s.groups.set(`grp${g}`, group);
          const c = new Consumer(`c${g}`, 1000 + g);
          group.consumers.set(c.name, c);
          let k = 0;
          s.scan({ ms: 0, seq: 0 }, { ms: Number.MAX_SAFE_INTEGER, seq: 0 }, false, (e) => {
            if (k++ % (g + 1) === 0) {
              const n: Nack = { id: e.id, consumer: c, deliveryTime: 5000 + k, deliveryCount: k };
              group.pel.insert(n);
              c.pel.insert(n);
            }
            return true;
          });
        }
        const back = roundTrip({ type: 'stream', value: s }, DEFAULT_LOAD_LIMITS, comp);
        assert.ok(back.type === 'stream');
        const b = back.value;
        assert.equal(b.length, s.length);
        assert.deepEqual(b.lastId, s.lastId);
        assert.deepEqual(b.firstId, s.firstId);
        assert.deepEqual(b.maxDeletedId, s.maxDeletedId);
        assert.equal(b.entriesAdded, s.entriesAdded);
        assert.deepEqual(
          [...b.nodes].map((n) => [n.master, n.masterFields, n.live, n.deleted, n.bytes, [...n.entries]]),
          [...s.nodes].map((n) => [n.master, n.masterFields, n.live, n.deleted, n.bytes, [...n.entries]]),
        );
        assert.equal(b.radixTreeNodes(), s.radixTreeNodes());
        const groupsOf = (x: StreamData) =>
          x.sortedGroups().map(([name, g]) => [name, g.lastId, g.entriesRead, [...g.pel].map((n) => [n.id, n.consumer.name, n.deliveryTime, n.deliveryCount]), g.sortedConsumers().map((c) => [c.name, c.seenTime, [...c.pel].map((n) => n.id)])]);
        assert.deepEqual(groupsOf(b), groupsOf(s));
      },
    ),
  );
});
