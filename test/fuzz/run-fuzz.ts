/**
 * `npm run fuzz -- [--seconds N] [--target NAME] [--seed S] [--replay INPUT_SEED]`
 *
 * Runs the fuzz targets of test/fuzz/targets/ for longer than the CI budget: each
 * selected target gets N seconds (default 60) and no input cap. A failure is printed with
 * the input seed that regenerates it (--replay) and its minimised form; the exit code
 * is 1 when anything failed. Without --seed the seed is taken from the clock and printed.
 */
import { parseArgs } from 'node:util';
import { formatFailure, replay, runTarget } from './harness/fuzz-harness.js';
import { TARGETS } from './targets/index.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      target: { type: 'string', multiple: true },
      seed: { type: 'string' },
      replay: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  const names = values.target ?? Object.keys(TARGETS);
  for (const n of names) {
    if (TARGETS[n] === undefined) {
      console.error(`unknown target ${n}; targets: ${Object.keys(TARGETS).join(', ')}`);
      return 2;
    }
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) {
    console.error('--seconds must be a positive number');
    return 2;
  }
  if (values.replay !== undefined) {
    if (names.length !== 1) {
      console.error('--replay needs exactly one --target');
      return 2;
    }
    const f = await replay(TARGETS[names[0]!]!(), Number(values.replay) >>> 0);
    console.log(f === null ? 'replayed input passes' : formatFailure(f));
    return f === null ? 0 : 1;
  }
  const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : Date.now() >>> 0;
  console.log(`fuzz: seed ${seed}, ${seconds} s per target, targets ${names.join(', ')}`);
  let failed = 0;
  for (const name of names) {
    const r = await runTarget(TARGETS[name]!(), { seed, seconds, maxInputs: Number.MAX_SAFE_INTEGER, stopAtFirst: !values.all });
    console.log(`${name}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s, ${r.failures.length} failure(s)`);
    for (const f of r.failures) console.log(formatFailure(f));
    failed += r.failures.length;
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
