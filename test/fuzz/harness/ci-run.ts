/**
 * How the fuzz test files run a target under `npm test`: a fixed seed (so CI is
 * reproducible; FUZZ_SEED overrides it to explore), a bounded budget, the measured input
 * count printed as a test diagnostic, and every failure printed with its replay command.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { formatFailure, runTarget, type FuzzTarget, type RunResult } from './fuzz-harness.js';

export interface CiBudget {
  seed: number;
  maxInputs: number;
  seconds: number;
  /** fewer inputs than this means the target did not really run (e.g. it is far too slow) */
  minInputs: number;
}

export async function fuzzInCi<I, P>(t: TestContext, target: FuzzTarget<I, P>, budget: CiBudget): Promise<RunResult> {
  const env = process.env['FUZZ_SEED'];
  const seed = env !== undefined && env !== '' ? Number(env) >>> 0 : budget.seed;
  const r = await runTarget(target, { seed, maxInputs: budget.maxInputs, seconds: budget.seconds, minimiseSeconds: 15 });
  t.diagnostic(`fuzz ${target.name}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s (seed ${seed})`);
  assert.deepEqual(r.failures.map(formatFailure), [], r.failures.map(formatFailure).join('\n'));
  assert.ok(r.inputs >= budget.minInputs, `only ${r.inputs} inputs ran in ${r.ms} ms (expected at least ${budget.minInputs})`);
  return r;
}
