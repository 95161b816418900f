/**
 * Scale report (opt-in, not in CI; issue 17): loads 17M keys into one database in-process,
 * then 17M members into a hash, a set and a sorted set, past V8's 2^24 Map ceiling, and
 * prints time and memory. Needs a large heap:
 *   node --max-old-space-size=12000 dist/test/bench/scale-report.js [count]
 */
import { Database, type KeyspaceHost } from '../../src/keyspace/database.js';
import { HashData } from '../../src/types/hash.js';
import { SetData } from '../../src/types/set.js';
import { SortedSet } from '../../src/types/sorted-set.js';

const N = Number(process.argv[2] ?? 17_000_000);

function gcNow(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function report(what: string, run: () => { size: number; check: () => boolean; keep: unknown }): void {
  gcNow();
  const before = process.memoryUsage();
  const t = performance.now();
  const r = run();
  const ms = performance.now() - t;
  gcNow();
  const after = process.memoryUsage();
  const heap = after.heapUsed - before.heapUsed;
  const ok = r.check();
  console.log(
    `${what.padEnd(10)} ${r.size} entries in ${(ms / 1000).toFixed(1)} s (${Math.round(r.size / (ms / 1000))}/s); heap +${(heap / 2 ** 20).toFixed(0)} MiB (${(heap / r.size).toFixed(0)} B/entry); rss ${(after.rss / 2 ** 30).toFixed(2)} GiB; checks ${ok ? 'ok' : 'FAILED'}`,
  );
  if (!ok) process.exitCode = 1;
  if (r.keep === null) console.log('');
}

const key = (i: number): string => `key:${i.toString().padStart(12, '0')}`;

report('database', () => {
  const host: KeyspaceHost = {
    now: () => 1000,
    stats: { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 },
    keyModified: () => {},
    noTouch: () => true,
    lfuEnabled: () => false,
    keyWriteHook: null,
    bulkWriteHook: null,
  };
  const db = new Database(0, host);
  for (let i = 0; i < N; i++) db.setString(key(i), 'abc');
  return {
    size: db.size,
    check: () => db.size === N && db.getString(key(0)) === 'abc' && db.getString(key(N - 1)) === 'abc' && db.randomKey() !== undefined,
    keep: db,
  };
});

report('hash', () => {
  const h = new HashData();
  for (let i = 0; i < N; i++) h.set(key(i), 'abc');
  return { size: h.size, check: () => h.size === N && h.get(key(N - 1)) === 'abc', keep: h };
});

report('set', () => {
  const s = SetData.empty('hashtable');
  for (let i = 0; i < N; i++) s.add(key(i));
  return { size: s.size, check: () => s.size === N && s.has(key(N - 1)), keep: s };
});

report('zset', () => {
  const z = new SortedSet();
  for (let i = 0; i < N; i++) z.set(key(i), i);
  return { size: z.size, check: () => z.size === N && z.score(key(N - 1)) === N - 1, keep: z };
});
