/**
 * How the fuzz test files run a target under `npm test`: a fixed seed (so CI is
 * reproducible; FUZZ_SEED overrides it to explore), a bounded budget, the measured input
 * count printed as a test diagnostic, and every failure printed with its replay command.
 *
 * Each file states its whole budget; FUZZ_BUDGET_SCALE (a positive factor, default 1)
 * runs that share of it (or a multiple): seconds, input cap and the minimum input count
 * scale together, so a scaled-down run is the first part of the whole run (same seed,
 * same inputs in the same order). `npm test` (scripts/run-tests.sh) sets 0.25 to fit CI's time budget; running a
 * file by hand gives the whole budget, and `npm run fuzz` runs targets for as long as asked.
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

/** The share of each file's budget this run uses (FUZZ_BUDGET_SCALE; 1 when unset). */
export function budgetScale(): number {
  const env = process.env['FUZZ_BUDGET_SCALE'];
  if (env === undefined || env === '') return 1;
  const f = Number(env);
  if (!(f > 0 && Number.isFinite(f))) throw new Error(`FUZZ_BUDGET_SCALE must be a positive number, not ${JSON.stringify(env)}`);
  return f;
}

/** `budget` scaled by FUZZ_BUDGET_SCALE (counts rounded up, never below 1). */
export function scaledBudget(budget: CiBudget): CiBudget {
  const f = budgetScale();
  const count = (n: number): number => Math.max(1, Math.ceil(n * f));
  return { seed: budget.seed, maxInputs: count(budget.maxInputs), seconds: budget.seconds * f, minInputs: count(budget.minInputs) };
}

export async function fuzzInCi<I, P>(t: TestContext, target: FuzzTarget<I, P>, whole: CiBudget): Promise<RunResult> {
  const budget = scaledBudget(whole);
  const env = process.env['FUZZ_SEED'];
  const seed = env !== undefined && env !== '' ? Number(env) >>> 0 : budget.seed;
  const r = await runTarget(target, { seed, maxInputs: budget.maxInputs, seconds: budget.seconds, minimiseSeconds: 15 });
  t.diagnostic(`fuzz ${target.name}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s (seed ${seed}, ${budgetScale()} of the file's budget)`);
  assert.deepEqual(r.failures.map(formatFailure), [], r.failures.map(formatFailure).join('\n'));
  assert.ok(r.inputs >= budget.minInputs, `only ${r.inputs} inputs ran in ${r.ms} ms (expected at least ${budget.minInputs})`);
  return r;
}
