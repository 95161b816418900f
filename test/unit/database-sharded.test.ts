import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Database, type KeyspaceHost } from '../../src/keyspace/database.js';
import { ManualClock } from '../../src/keyspace/clock.js';

// A database whose maps hold 16 entries per V8 Map: every structure runs its sharded path
// (issue 17: a single Map stops at 2^24 keys). The tests stay under ~1 key per overflow
// shard on average, so no shard of the 512 comes near full.
const CAP = 16;

function host(clock: ManualClock): KeyspaceHost {
  return {
    now: () => clock.now(),
    stats: { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 },
    keyModified: () => {},
    noTouch: () => false,
    lfuEnabled: () => false,
    keyWriteHook: null,
    bulkWriteHook: null,
  };
}

function fullScan(db: Database, count: number, between?: (step: number) => void): string[] {
  const seen: string[] = [];
  let cursor = 0;
  let step = 0;
  do {
    cursor = db.scan(cursor, count, (k) => seen.push(k));
    between?.(step++);
  } while (cursor !== 0);
  return seen;
}

test('sharded database: SCAN returns every key exactly once, DBSIZE and lookups agree', () => {
  const db = new Database(0, host(new ManualClock(1000)), CAP);
  for (let i = 0; i < 500; i++) db.setString(`k${i}`, `v${i}`);
  assert.equal(db.size, 500);
  for (let i = 0; i < 500; i++) assert.equal(db.getString(`k${i}`), `v${i}`);
  const seen = fullScan(db, 7);
  assert.equal(seen.length, 500);
  assert.equal(new Set(seen).size, 500);
  // entries() (the snapshot walk) is in insertion order whatever the sharding
  assert.deepEqual(
    [...db.entries()].map(([k]) => k),
    Array.from({ length: 500 }, (_, i) => `k${i}`),
  );
  const seqs = [...db.entries()].map(([, e]) => e.seq);
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'seq strictly increasing in entries() order');
});

test('sharded database: SCAN while keys are added and removed returns each stable key once', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 200 }), (count, churn) => {
      const db = new Database(0, host(new ManualClock(1000)), CAP);
      for (let i = 0; i < 200; i++) db.setString(`stable${i}`, 'x');
      for (let i = 0; i < 100; i++) db.setString(`t${i}`, 'x');
      let c = 0;
      const seen = fullScan(db, count, () => {
        for (let j = 0; j < 3 && c < churn.length; j++, c++) {
          const [add, n] = churn[c]!;
          if (add) db.setString(`t${n}`, 'y');
          else db.delete(`t${n}`);
        }
      });
      const stable = seen.filter((k) => k.startsWith('stable'));
      assert.equal(stable.length, 200);
      assert.equal(new Set(stable).size, 200);
      assert.equal(new Set(seen).size, seen.length, 'no key twice');
    }),
    { numRuns: 100 },
  );
});

test('sharded database: RANDOMKEY and eviction sampling reach keys in every shard', () => {
  const db = new Database(0, host(new ManualClock(1000)), CAP);
  for (let i = 0; i < 64; i++) db.setString(`k${i}`, 'v');
  const picked = new Set<string>();
  const sampled = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    picked.add(db.randomKey()!);
    sampled.add(db.randomStoredKey()!);
  }
  assert.equal(picked.size, 64);
  assert.equal(sampled.size, 64);
  for (const k of sampled) assert.ok(db.storedEntry(k) !== undefined);
});

test('sharded database: expiry (lazy and active), TTLs and exact big expiries across shards', () => {
  const clock = new ManualClock(1000);
  const h = host(clock);
  const db = new Database(0, h, CAP);
  for (let i = 0; i < 100; i++) {
    db.setString(`k${i}`, 'v');
    if (i % 2 === 0) db.setExpire(`k${i}`, clock.now() + 10 + i);
  }
  db.setExpire('k1', 2n ** 60n);
  assert.equal(db.getExpireExact('k1'), 2n ** 60n);
  assert.equal(db.expiresCount, 51);
  clock.advance(60); // the even keys k0..k50 (due at 1010 + i) expire
  assert.equal(db.getString('k0'), undefined);
  assert.equal(db.getString('k52'), 'v');
  let rounds = 0;
  while (db.expiresCount > 25 && rounds++ < 100) db.activeExpireStep(10);
  assert.equal(h.stats.expiredKeys, 26);
  assert.equal(db.size, 74);
  assert.equal(db.expiresCount, 25);
  assert.equal(db.persist('k1'), true);
  assert.equal(db.getExpireExact('k1'), undefined);
  const live = fullScan(db, 10);
  assert.equal(live.length, 74);
});

test('sharded database: FLUSHDB and SWAPDB move or drop every shard', () => {
  const clock = new ManualClock(1000);
  const a = new Database(0, host(clock), CAP);
  const b = new Database(1, host(clock), CAP);
  for (let i = 0; i < 50; i++) a.setString(`a${i}`, 'x');
  for (let i = 0; i < 20; i++) b.setString(`b${i}`, 'y');
  a.setExpire('a3', clock.now() + 1000);
  a.swapContents(b);
  assert.equal(a.size, 20);
  assert.equal(b.size, 50);
  assert.equal(b.getExpire('a3'), clock.now() + 1000);
  assert.equal(a.getString('a3'), undefined);
  assert.equal(fullScan(b, 8).length, 50);
  assert.equal(b.flush(), 50);
  assert.equal(b.size, 0);
  assert.equal(b.expiresCount, 0);
  assert.equal(b.randomKey(), undefined);
  assert.deepEqual(fullScan(b, 8), []);
  for (let i = 0; i < 30; i++) b.setString(`n${i}`, 'z');
  assert.equal(fullScan(b, 8).length, 30);
});

test('sharded database: rename and re-adding keys across shards keep one entry per key', () => {
  const db = new Database(0, host(new ManualClock(1000)), CAP);
  for (let i = 0; i < 40; i++) db.setString(`k${i}`, `${i}`);
  for (let i = 0; i < 40; i += 3) db.rename(`k${i}`, `r${i}`);
  for (let i = 0; i < 40; i++) db.setString(`k${i}`, 'again');
  assert.equal(db.size, 40 + 14);
  assert.equal(new Set(fullScan(db, 5)).size, 54);
  assert.equal(db.getString('r39'), '39');
});
