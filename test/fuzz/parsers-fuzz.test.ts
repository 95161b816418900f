/**
 * CI fuzz of the config file parser, the ACL rule parser and glob matching
 * (test/fuzz/targets/config-acl-target.ts, glob-target.ts), with the regression inputs
 * the fuzzer found. Fixed seeds, bounded budgets; `npm run fuzz -- --target
 * config|acl|glob --seconds N` runs longer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAll } from './harness/fuzz-harness.js';
import { fuzzInCi } from './harness/ci-run.js';
import { aclTarget, configTarget } from './targets/config-acl-target.js';
import { globTarget } from './targets/glob-target.js';

test('config files: random and mutated lines load or fail cleanly', { timeout: 60_000 }, async (t) => {
  await fuzzInCi(t, configTarget(), { seed: 11_0005, maxInputs: 100_000, seconds: 8, minInputs: 2_000 });
});

test('ACL rules: accepted or refused with ERR, and a saved user loads back the same', { timeout: 60_000 }, async (t) => {
  await fuzzInCi(t, aclTarget(), { seed: 11_0006, maxInputs: 200_000, seconds: 8, minInputs: 2_000 });
});

test('ACL regression: a selector key pattern ending in ")" is accepted (as Redis 7.0.15 does)', async () => {
  // Found by the fuzzer: the saved form of this user does not load back, in Redis too
  // (checked against redis-server 7.0.15), so the round trip is not required for it; the
  // rule itself must still be accepted without an exception.
  assert.deepEqual(await checkAll(aclTarget(), [['(~a))'], ['(-@all ~a))'], ['(~a) &b()']]), []);
});

test('glob: agrees with the memoised model of Redis matching', { timeout: 60_000 }, async (t) => {
  await fuzzInCi(t, globTarget, { seed: 11_0007, maxInputs: 300_000, seconds: 8, minInputs: 2_000 });
});
