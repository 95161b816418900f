import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Database, LFU_INIT, type KeyspaceHost } from '../../src/keyspace/database.js';
import { ManualClock } from '../../src/keyspace/clock.js';

function host(clock: ManualClock, opts: { lfu?: boolean; noTouch?: boolean } = {}): KeyspaceHost & { modified: string[] } {
  const modified: string[] = [];
  return {
    now: () => clock.now(),
    stats: { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 },
    keyModified: (_db, key) => modified.push(key),
    noTouch: () => opts.noTouch ?? false,
    lfuEnabled: () => opts.lfu ?? false,
    keyWriteHook: null,
    bulkWriteHook: null,
    modified,
  };
}

test('database: a key expires lazily on access and counts as expired', () => {
  const clock = new ManualClock(1_000_000);
  const h = host(clock);
  const db = new Database(0, h);
  db.setString('k', 'v');
  db.setExpire('k', clock.now() + 100);
  clock.advance(99);
  assert.equal(db.getString('k'), 'v');
  clock.advance(1);
  assert.equal(db.size, 1, 'still stored until someone looks');
  assert.equal(db.getString('k'), undefined);
  assert.equal(db.size, 0);
  assert.equal(h.stats.expiredKeys, 1);
  assert.equal(h.stats.keyspaceMisses, 1);
});

test('database: an expiry in the past deletes at once, without counting an expiry', () => {
  const clock = new ManualClock(5000);
  const h = host(clock);
  const db = new Database(0, h);
  db.setString('k', 'v');
  db.setExpire('k', 5000);
  assert.equal(db.size, 0);
  assert.equal(h.stats.expiredKeys, 0);
});

test('database: expiry times beyond 2^53 ms are kept exactly', () => {
  const clock = new ManualClock(1000);
  const db = new Database(0, host(clock));
  db.setString('k', 'v');
  db.setExpire('k', 9223372036854775807n);
  assert.equal(db.getExpireExact('k'), 9223372036854775807n);
  db.rename('k', 'j');
  assert.equal(db.getExpireExact('j'), 9223372036854775807n);
  db.setExpire('j', 5000n);
  assert.equal(db.getExpireExact('j'), 5000, 'a safe bigint is stored as a number');
  db.setExpire('j', 9007199254740993n);
  db.persist('j');
  assert.equal(db.getExpireExact('j'), undefined);
  db.setExpire('j', 9007199254740993n);
  db.setString('j', 'new');
  assert.equal(db.getExpireExact('j'), undefined, 'SET drops the exact expiry too');
});

test('database: active expiry removes expired keys without access', () => {
  const clock = new ManualClock(0);
  const h = host(clock);
  const db = new Database(0, h);
  for (let i = 0; i < 100; i++) {
    db.setString(`k${i}`, 'v');
    db.setExpire(`k${i}`, i < 50 ? 10 : 1_000_000);
  }
  clock.advance(11);
  let rounds = 0;
  while (db.size > 50 && rounds++ < 20) db.activeExpireStep(20);
  assert.equal(db.size, 50);
  assert.equal(h.stats.expiredKeys, 50);
  assert.ok(db.avgTtl > 0);
});

test('database: avg_ttl returns to 0 after FLUSH and once no key has a TTL (as Redis)', () => {
  const clock = new ManualClock(0);
  const db = new Database(0, host(clock));
  db.setString('k', 'v');
  db.setExpire('k', 1_000_000);
  db.activeExpireStep(20);
  assert.ok(db.avgTtl > 0);
  db.flush();
  assert.equal(db.avgTtl, 0, 'FLUSHALL/FLUSHDB forget the average');
  db.setString('k', 'v');
  db.setExpire('k', 1_000_000);
  db.activeExpireStep(20);
  assert.ok(db.avgTtl > 0);
  db.persist('k');
  db.activeExpireStep(20);
  assert.equal(db.avgTtl, 0, 'no volatile key left: the next cycle resets it');
});

test('database: rename moves value and TTL; the LFU counter starts again as for a new key (7.2 dbAdd → initObjectLRUOrLFU)', () => {
  const clock = new ManualClock(60_000);
  const db = new Database(0, host(clock, { lfu: true }));
  db.setString('a', '1');
  db.setExpire('a', 100_000);
  const before = db.lookupRead('a', true)!;
  before.lfu = 42;
  db.setString('b', 'old');
  db.rename('a', 'b');
  assert.equal(db.has('a'), false);
  const after = db.lookupRead('b', true)!;
  assert.equal(after.v.type === 'string' && after.v.value, '1');
  assert.equal(after.lfu, 5, 'LFU_INIT_VAL, not the 42 the key had');
  assert.equal(db.getExpire('b'), 100_000);
  db.rename('b', 'b');
  assert.equal(db.has('b'), true, 'renaming a key to itself keeps it');
});

test('database: add() replaces a stored-but-expired entry and can carry an expiry', () => {
  const clock = new ManualClock(0);
  const db = new Database(0, host(clock));
  db.setString('k', 'old');
  db.setExpire('k', 10);
  clock.advance(20);
  db.add('k', { type: 'string', value: 'new', raw: false }, 100);
  assert.equal(db.getString('k'), 'new');
  assert.equal(db.getExpire('k'), 100);
  assert.equal(db.size, 1);
});

test('database: TOUCH updates access time even for a no-touch client; reads with noTouch do not', () => {
  const clock = new ManualClock(0);
  const db = new Database(0, host(clock, { noTouch: true }));
  db.setString('k', 'v');
  clock.advance(5000);
  db.getString('k');
  assert.equal(db.lookupRead('k', true)!.lru, 0, 'no-touch client: GET leaves the access time');
  assert.equal(db.touch('k'), true);
  assert.equal(db.lookupRead('k', true)!.lru, 5000);
  assert.equal(db.touch('missing'), false);
});

test('database: LFU counter starts at LFU_INIT, grows on access and decays per idle minute', () => {
  const clock = new ManualClock(0);
  const db = new Database(0, host(clock, { lfu: true }));
  db.setString('k', 'v');
  const e = db.lookupRead('k', true)!;
  assert.equal(db.lfuCounter(e), LFU_INIT);
  db.getString('k'); // the first increment from LFU_INIT happens with probability 1
  assert.equal(db.lfuCounter(e), LFU_INIT + 1);
  clock.advance(3 * 60_000);
  assert.equal(db.lfuCounter(e), LFU_INIT - 2, 'three idle minutes, one decrement each');
  clock.advance(60 * 60_000);
  assert.equal(db.lfuCounter(e), 0, 'never below zero');
});

test('database: SCAN returns every key present for the whole scan, whatever changes between calls', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 60 }),
      fc.array(fc.tuple(fc.constantFrom('add', 'del', 'step'), fc.nat(200)), { maxLength: 200 }),
      fc.integer({ min: 1, max: 7 }),
      (initial, ops, count) => {
        const clock = new ManualClock(0);
        const db = new Database(0, host(clock));
        for (let i = 0; i < initial; i++) db.setString(`s${i}`, 'v');
        const stable = new Set<string>();
        for (let i = 0; i < initial; i++) stable.add(`s${i}`);
        const seen = new Set<string>();
        let cursor = 0;
        let started = false;
        let opIndex = 0;
        while (!started || cursor !== 0) {
          started = true;
          cursor = db.scan(cursor, count, (k) => seen.add(k));
          // between calls: a few random changes
          for (let j = 0; j < 3 && opIndex < ops.length; j++, opIndex++) {
            const [op, n] = ops[opIndex]!;
            if (op === 'add') db.setString(`x${n}`, 'v');
            else if (op === 'del') {
              const victim = n % 2 === 0 ? `x${n}` : `s${n % Math.max(1, initial)}`;
              db.delete(victim);
              stable.delete(victim);
            }
          }
        }
        for (const k of stable) assert.ok(seen.has(k), `missed ${k}`);
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

test('database: SCAN filters run before the expiry check, so filtered-out expired keys stay stored', () => {
  const clock = new ManualClock(0);
  const h = host(clock);
  const db = new Database(0, h);
  db.setString('a1', 'v');
  db.setString('b1', 'v');
  db.setExpire('a1', 10);
  db.setExpire('b1', 10);
  clock.advance(20);
  const seen: string[] = [];
  const next = db.scan(0, 100, (k) => seen.push(k), (k) => k.startsWith('a'));
  assert.equal(next, 0);
  assert.deepEqual(seen, []);
  assert.equal(h.stats.expiredKeys, 1, 'only the key that passed the filter was reclaimed');
  assert.equal(db.size, 1);
});

test('database: swapContents exchanges keys and expiries', () => {
  const clock = new ManualClock(0);
  const h = host(clock);
  const a = new Database(0, h);
  const b = new Database(1, h);
  a.setString('ka', '1');
  a.setExpire('ka', 9223372036854775000n);
  b.setString('kb', '2');
  a.swapContents(b);
  assert.equal(a.getString('kb'), '2');
  assert.equal(b.getString('ka'), '1');
  assert.equal(b.getExpireExact('ka'), 9223372036854775000n);
  assert.equal(a.getExpireExact('kb'), undefined);
});
