import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Database, type KeyspaceHost, type Slotted } from '../../src/keyspace/database.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { KeySnapshot, type SnapshotEncoder } from '../../src/persistence/snapshot.js';
import { sliceBudget } from '../../src/persistence/snapshot-file.js';
import { ListData } from '../../src/types/list.js';

/** A keyspace host that is also the snapshot's host (as the Server is). */
function makeHost(clock: ManualClock, ndb: number): KeyspaceHost & { dbs: Database[] } {
  const host = {
    now: () => clock.now(),
    stats: { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 },
    keyModified: () => {},
    noTouch: () => false,
    lfuEnabled: () => false,
    keyWriteHook: null as KeyspaceHost['keyWriteHook'],
    bulkWriteHook: null as KeyspaceHost['bulkWriteHook'],
    dbs: [] as Database[],
  };
  for (let i = 0; i < ndb; i++) host.dbs.push(new Database(i, host));
  return host;
}

/** A value as text: strings as is, lists joined (to compare images). */
function show(e: Slotted): string {
  const v = e.v;
  if (v.type === 'string') return `s:${v.value}`;
  if (v.type === 'list') return `l:${v.value.slice(0, v.value.length).join(',')}`;
  return v.type;
}

function image(dbs: Database[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const db of dbs) for (const [k, e] of db.entries()) m.set(`${db.index}/${k}`, `${show(e)}@${String(db.getExpireExact(k) ?? '-')}`);
  return m;
}

/** Records what the snapshot wrote, tracking selections as a reader of the file would. */
function recorder(): { encoder: SnapshotEncoder; written: Map<string, string>; duplicates: string[]; order: string[] } {
  const written = new Map<string, string>();
  const duplicates: string[] = [];
  const order: string[] = [];
  let db = -1;
  const none = Buffer.alloc(0);
  return {
    written,
    duplicates,
    order,
    encoder: {
      begin: () => (order.push('begin'), Buffer.from('B')),
      selectDb: (i) => ((db = i), order.push(`select ${i}`), Buffer.from('S')),
      entry: (key, e, at) => {
        const id = `${db}/${key}`;
        if (written.has(id)) duplicates.push(id);
        written.set(id, `${show(e)}@${String(at ?? '-')}`);
        return none;
      },
      end: () => (order.push('end'), Buffer.from('E')),
    },
  };
}

type Op =
  | { k: 'set'; db: number; key: number; val: number }
  | { k: 'del'; db: number; key: number }
  | { k: 'expire'; db: number; key: number; ms: number }
  | { k: 'persist'; db: number; key: number }
  | { k: 'push'; db: number; key: number; val: number }
  | { k: 'rename'; db: number; key: number; to: number }
  | { k: 'flush'; db: number }
  | { k: 'swap'; db: number; other: number }
  | { k: 'step' };

const DBS = 3;
const KEYS = 40;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('set' as const), db: fc.nat(DBS - 1), key: fc.nat(KEYS - 1), val: fc.nat(99) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), db: fc.nat(DBS - 1), key: fc.nat(KEYS - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), db: fc.nat(DBS - 1), key: fc.nat(KEYS - 1), ms: fc.integer({ min: -5, max: 100000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('persist' as const), db: fc.nat(DBS - 1), key: fc.nat(KEYS - 1) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('push' as const), db: fc.nat(DBS - 1), key: fc.nat(KEYS - 1), val: fc.nat(99) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('rename' as const), db: fc.nat(DBS - 1), key: fc.nat(KEYS - 1), to: fc.nat(KEYS - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('flush' as const), db: fc.nat(DBS - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('swap' as const), db: fc.nat(DBS - 1), other: fc.nat(DBS - 1) }) },
  { weight: 6, arbitrary: fc.constant({ k: 'step' as const }) },
);

function apply(host: { dbs: Database[]; keyWriteHook: KeyspaceHost['keyWriteHook'] }, clock: ManualClock, op: Op): void {
  if (op.k === 'step') return;
  const db = host.dbs[op.db]!;
  const key = `k${'key' in op ? op.key : 0}`;
  switch (op.k) {
    case 'set':
      db.setString(key, `v${op.val}`);
      return;
    case 'del':
      db.delete(key);
      return;
    case 'expire':
      if (db.has(key)) db.setExpire(key, clock.now() + op.ms);
      return;
    case 'persist':
      db.persist(key);
      return;
    case 'push': {
      // an in-place change: the dispatcher calls the hook for the command's keys first
      const e = db.lookupWrite(key);
      if (e === undefined) {
        const l = new ListData();
        l.pushTail(`p${op.val}`, -2);
        db.set(key, { type: 'list', value: l });
      } else if (e.v.type === 'list') {
        host.keyWriteHook?.(db, key);
        e.v.value.pushTail(`p${op.val}`, -2);
      }
      return;
    }
    case 'rename':
      if (db.has(key)) db.rename(key, `k${op.to}`);
      return;
    case 'flush':
      db.flush();
      return;
    case 'swap':
      if (op.other !== op.db) db.swapContents(host.dbs[op.other]!);
      return;
  }
}

test('snapshot: writes every key exactly once, as it was when the snapshot began, whatever happens meanwhile', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(opArb, { maxLength: 300 }), fc.integer({ min: 1, max: 7 }), (before, during, stride) => {
      const clock = new ManualClock(1_000_000);
      const host = makeHost(clock, DBS);
      for (const op of before) apply(host, clock, op);
      const expected = image(host.dbs);
      const rec = recorder();
      const snap = new KeySnapshot(host, rec.encoder, () => {}, stride);
      snap.start();
      for (const op of during) {
        if (op.k === 'step') snap.step(0);
        else apply(host, clock, op);
      }
      while (!snap.step(0));
      assert.deepEqual(rec.duplicates, []);
      assert.deepEqual(new Map([...rec.written].sort()), new Map([...expected].sort()));
      assert.equal(rec.order[0], 'begin');
      assert.equal(rec.order[rec.order.length - 1], 'end');
      assert.equal(host.keyWriteHook, null, 'hooks released');
      assert.equal(snap.keys, expected.size);
    }),
    { numRuns: 400 },
  );
});

test('snapshot: a key created and deleted during the snapshot is not written; a key deleted before the walk reaches it is', () => {
  const clock = new ManualClock(1_000_000);
  const host = makeHost(clock, 1);
  const db = host.dbs[0]!;
  for (let i = 0; i < 10; i++) db.setString(`a${i}`, `${i}`);
  const rec = recorder();
  const snap = new KeySnapshot(host, rec.encoder, () => {}, 1);
  snap.start();
  assert.equal(snap.step(0), false);
  db.setString('new', 'x');
  db.delete('a9');
  db.setString('a8', 'changed');
  while (!snap.step(0));
  assert.equal(rec.written.get('0/a9'), 's:9@-');
  assert.equal(rec.written.get('0/a8'), 's:8@-');
  assert.equal(rec.written.has('0/new'), false);
  assert.equal(rec.written.size, 10);
});

test('background slices: full budget while clients are quiet, a third of the loop while they are busy', () => {
  // quiet loop (the slice's own setImmediate came straight back): the whole budget
  assert.equal(sliceBudget(2, 0.05), 2);
  // busy clients: half their time, so they keep two thirds of the loop
  assert.equal(sliceBudget(2, 1.2), 0.6);
  // always some progress, never past the budget
  assert.equal(sliceBudget(2, 0.3), 0.25);
  assert.equal(sliceBudget(2, 40), 2);
  assert.equal(sliceBudget(20, 10), 5);
});

test('snapshot: a slice of big values looks at the clock by bytes too, not only every 128 keys', () => {
  const clock = new ManualClock(1_000_000);
  const host = makeHost(clock, 1);
  const db = host.dbs[0]!;
  for (let i = 0; i < 300; i++) db.setString(`k${i}`, 'x');
  // an encoder whose entries are 20 KB each (the keyspace's own values stay small)
  const big = Buffer.alloc(20 * 1024);
  const encoder: SnapshotEncoder = { begin: () => Buffer.alloc(0), selectDb: () => Buffer.alloc(0), entry: () => big, end: () => Buffer.alloc(0) };
  const snap = new KeySnapshot(host, encoder, () => {});
  snap.start();
  // a budget already spent: the walk stops at its first look at the clock
  assert.equal(snap.step(0), false);
  assert.ok(snap.keys <= 4, `${snap.keys} keys of 20 KB in a slice with no budget left (64 KB between looks at the clock)`);
  while (!snap.step(0));
  assert.equal(snap.keys, 300);
});
