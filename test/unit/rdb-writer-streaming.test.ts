/**
 * Issue 17: a save streams a big key's encoding out in pieces (ByteSink.spillTo,
 * RdbWriter.streamTo) instead of building it whole in one buffer. The pieces must add up
 * to exactly the bytes the unstreamed writer produces, stay bounded by the spill size
 * (plus one element), and make a file Redis's own loader accepts (redis-check-rdb).
 * A background save also flushes those pieces past its high-water mark while the key is
 * still being encoded (snapshot-file.ts, positional writes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RdbWriter } from '../../src/persistence/rdb/rdb-writer.js';
import type { Value } from '../../src/keyspace/value-types.js';
import { HashData } from '../../src/types/hash.js';
import { SetData } from '../../src/types/set.js';
import { SortedSet } from '../../src/types/sorted-set.js';
import { ListData } from '../../src/types/list.js';
import { Database, type KeyspaceHost } from '../../src/keyspace/database.js';
import { BackgroundSnapshot, type SnapshotFileResult } from '../../src/persistence/snapshot-file.js';
import type { SnapshotEncoder } from '../../src/persistence/snapshot.js';

const N = 6000;
const SPILL = 4096;

/** Big keys of every collection type in their non-listpack encodings, between small strings. */
function bigValues(): [string, Value][] {
  const h = new HashData();
  for (let i = 0; i < N; i++) h.set(`field:${i}`, `value-${i}-`.padEnd(40, 'x'));
  h.listpack = false;
  const s = SetData.empty('hashtable');
  for (let i = 0; i < N; i++) s.add(`member:${i}:`.padEnd(30, 'm'));
  const z = new SortedSet();
  z.listpack = false;
  for (let i = 0; i < N; i++) z.set(`zmember:${i}`, i / 7);
  const l = new ListData();
  l.beforeGrow(-2, N * 60, N); // a quicklist of 8 KiB nodes, as RPUSH of this much makes it
  for (let i = 0; i < N; i++) l.pushTail(`element ${i} `.padEnd(50, 'e'), -2);
  return [
    ['a', { type: 'string', value: 'small', raw: false }],
    ['hash', { type: 'hash', value: h }],
    ['b', { type: 'string', value: 'x'.repeat(100), raw: false }],
    ['set', { type: 'set', value: s }],
    ['zset', { type: 'zset', value: z }],
    ['list', { type: 'list', value: l }],
    ['c', { type: 'string', value: '12345', raw: false }],
  ];
}

function writeFile(values: [string, Value][], compression: boolean, spill: number | null): Buffer[] {
  const w = new RdbWriter({ compression, checksum: true });
  const pieces: Buffer[] = [];
  if (spill !== null) w.streamTo((b) => pieces.push(Buffer.from(b)), spill);
  const put = (b: Buffer): void => void (b.length > 0 && pieces.push(Buffer.from(b)));
  put(w.header({ ctime: 1_700_000_000, usedMem: 1 }));
  put(w.selectDb(0, values.length, 0));
  for (const [k, v] of values) put(w.entry(k, v));
  put(w.footer());
  return pieces;
}

function checkWithRedis(file: string): void {
  const tool = '/usr/bin/redis-check-rdb';
  if (!fs.existsSync(tool)) return;
  const r = spawnSync(tool, [file], { encoding: 'latin1' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /RDB looks OK/);
}

test('a streamed RDB is byte for byte the unstreamed one, in pieces bounded by the spill size, and Redis loads it', () => {
  const values = bigValues();
  for (const compression of [false, true]) {
    const whole = Buffer.concat(writeFile(values, compression, null));
    const pieces = writeFile(values, compression, SPILL);
    const streamed = Buffer.concat(pieces);
    assert.equal(streamed.length, whole.length);
    assert.ok(streamed.equals(whole), `compression ${compression}: same bytes`);
    // the big keys cross the spill size many times over
    assert.ok(whole.length > 60 * SPILL, `${whole.length} bytes`);
    assert.ok(pieces.length > 50, `${pieces.length} pieces`);
    // a piece is the spill size, or one write larger than it (here a list's 8 KiB listpack node)
    const largest = Math.max(...pieces.map((p) => p.length));
    assert.ok(largest <= 8192 + 16, `largest piece ${largest}`);
    assert.ok(pieces.filter((p) => p.length > SPILL).length < pieces.length / 4, 'most pieces within the spill size');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdb-stream-'));
    try {
      const file = path.join(dir, 'dump.rdb');
      fs.writeFileSync(file, streamed);
      checkWithRedis(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a background save flushes a big key past its high-water mark while encoding it; the file is the unstreamed image', async () => {
  const host = {
    now: () => 1_700_000_000_000,
    stats: { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 },
    keyModified: () => {},
    noTouch: () => false,
    lfuEnabled: () => false,
    keyWriteHook: null as KeyspaceHost['keyWriteHook'],
    bulkWriteHook: null as KeyspaceHost['bulkWriteHook'],
    dbs: [] as Database[],
  };
  host.dbs.push(new Database(0, host));
  const values = bigValues();
  for (const [k, v] of values) host.dbs[0]!.add(k, v);
  const encoder = (spill: number | null): SnapshotEncoder => {
    const w = new RdbWriter({ compression: false, checksum: true });
    return {
      begin: () => w.header({ ctime: 1_700_000_000, usedMem: 1 }),
      selectDb: (i, keys, expires) => w.selectDb(i, keys, expires),
      entry: (key, e, at) => w.entry(key, e.v, at),
      end: () => w.footer(),
      ...(spill === null ? {} : { streamTo: (out: (b: Buffer) => void) => w.streamTo(out, spill) }),
    };
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgsave-stream-'));
  try {
    const save = (target: string, spill: number | null, highWater: number): Promise<SnapshotFileResult> =>
      new Promise((resolve) => new BackgroundSnapshot(host, encoder(spill), target, { sliceMs: 1000, keyDelayUs: 0, highWater }, resolve).start());
    const plain = path.join(dir, 'plain.rdb');
    const streamed = path.join(dir, 'streamed.rdb');
    const r1 = await save(plain, null, 32 << 20);
    const r2 = await save(streamed, SPILL, 3 * SPILL);
    assert.equal(r1.error, null);
    assert.equal(r2.error, null);
    assert.ok(r2.syncFlushes !== undefined && r2.syncFlushes > 10, `flushed during the walk ${String(r2.syncFlushes)} times`);
    const a = fs.readFileSync(plain);
    const b = fs.readFileSync(streamed);
    assert.ok(a.length > 60 * SPILL);
    assert.ok(a.equals(b), 'same bytes');
    checkWithRedis(streamed);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
