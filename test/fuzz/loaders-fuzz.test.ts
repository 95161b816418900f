/**
 * CI fuzz of the loaders (test/fuzz/targets/rdb-target.ts, aof-target.ts): mutated valid
 * DUMP payloads, RDB images and AOF files. Fixed seeds, bounded budgets; `npm run fuzz --
 * --target restore|rdb|aof --seconds N` runs the same targets longer.
 */
import { test } from 'node:test';
import { fuzzInCi } from './harness/ci-run.js';
import { aofTarget } from './targets/aof-target.js';
import { rdbTarget, restoreTarget } from './targets/rdb-target.js';

test('RESTORE payloads: mutated DUMPs of every type decode or fail with a format error', { timeout: 120_000 }, async (t) => {
  await fuzzInCi(t, restoreTarget(), { seed: 11_0002, maxInputs: 200_000, seconds: 15, minInputs: 5_000 });
});

test('RDB images: mutated files load or fail with a format error', { timeout: 120_000 }, async (t) => {
  await fuzzInCi(t, rdbTarget(), { seed: 11_0003, maxInputs: 50_000, seconds: 10, minInputs: 1_000 });
});

test('AOF files: mutated files load, truncate or fail with an AofLoadError; no internal error', { timeout: 120_000 }, async (t) => {
  await fuzzInCi(t, aofTarget(), { seed: 11_0004, maxInputs: 5_000, seconds: 12, minInputs: 200 });
});
