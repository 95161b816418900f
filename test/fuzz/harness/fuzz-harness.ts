/**
 * The fuzz harness every target in test/fuzz/ shares: a seeded generator, a target
 * interface, a budget (inputs and seconds), and a delta-debugging minimiser.
 *
 * Reproducibility: input #i of a run with seed S is generated from its own generator,
 * seeded with `inputSeed(S, i)`, so a failure is replayed from that one number
 * (`npm run fuzz -- --target T --replay N`) without re-running the inputs before it.
 *
 * A target's `check` throws when the oracle is violated (any exception counts); the
 * harness then shrinks the input's parts (bytes, argv, lines) while it still fails and
 * reports the seed, the original and the minimised input.
 */
import { prng } from '../../helpers/diff-support.js';

/** A seeded random source with the helpers targets need. */
export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = prng(seed);
  }
  /** uniform in [0, 1) */
  float(): number {
    return this.next();
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** a binary string of `n` random bytes */
  bytes(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(256));
    return s;
  }
}

/** The generator seed of input #index in a run seeded with `seed` (a 32-bit mix of both). */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A fuzz target. `I` is one input; `P` the unit the minimiser removes (a byte, an argument,
 * a line). `check` throws (or rejects) when the oracle is violated.
 */
export interface FuzzTarget<I, P = unknown> {
  name: string;
  generate(rng: Rng): I;
  check(input: I): void | Promise<void>;
  /** the input as removable parts, and back (for the minimiser) */
  split(input: I): P[];
  join(parts: P[], original: I): I;
  /** a printable form of an input, as JSON or a JS literal a test can paste */
  show(input: I): string;
  /** called between inputs, e.g. to reset a server's keyspace (not counted in the budget) */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

export interface Budget {
  seed: number;
  /** stop after this many inputs */
  maxInputs: number;
  /** ...or after this many seconds, whichever comes first */
  seconds: number;
  /** stop at the first failure (default true) */
  stopAtFirst?: boolean;
  /** time allowed for minimising one failure (default 20 s) */
  minimiseSeconds?: number;
}

export interface Failure {
  target: string;
  seed: number;
  index: number;
  inputSeed: number;
  error: string;
  input: string;
  minimised: string;
}

export interface RunResult {
  target: string;
  inputs: number;
  ms: number;
  failures: Failure[];
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 2000);
  return String(e).slice(0, 2000);
}

async function fails<I>(target: FuzzTarget<I>, input: I): Promise<string | null> {
  try {
    await target.check(input);
    return null;
  } catch (e) {
    return describe(e);
  }
}

/**
 * Delta debugging (ddmin) over `parts`: removes chunks, halving the chunk size, while
 * `stillFails` holds, then single parts; bounded by `deadline` (ms since the epoch).
 */
export async function minimiseParts<P>(parts: P[], stillFails: (parts: P[]) => Promise<boolean>, deadline: number): Promise<P[]> {
  let cur = parts;
  let chunk = Math.max(1, Math.floor(cur.length / 2));
  while (Date.now() < deadline) {
    let removed = false;
    for (let start = 0; start < cur.length && Date.now() < deadline; ) {
      const candidate = cur.slice(0, start).concat(cur.slice(start + chunk));
      if (candidate.length < cur.length && (await stillFails(candidate))) {
        cur = candidate;
        removed = true;
      } else {
        start += chunk;
      }
    }
    if (chunk === 1 && !removed) break;
    if (!removed) chunk = Math.max(1, Math.floor(chunk / 2));
    else chunk = Math.max(1, Math.min(chunk, Math.floor(cur.length / 2)));
  }
  return cur;
}

/** Shrinks a failing input; the result still fails (with any error). */
export async function minimise<I, P>(target: FuzzTarget<I, P>, input: I, seconds = 20): Promise<I> {
  const deadline = Date.now() + seconds * 1000;
  const parts = await minimiseParts(target.split(input), async (p) => (await fails(target, target.join(p, input))) !== null, deadline);
  return target.join(parts, input);
}

/** Runs `target` within `budget`; every failure is minimised and reported with its seed. */
export async function runTarget<I, P>(target: FuzzTarget<I, P>, budget: Budget): Promise<RunResult> {
  const failures: Failure[] = [];
  let inputs = 0;
  await target.setup?.();
  // the budget starts once the target is set up (a server started, samples built): on a
  // busy machine that can take seconds, which a short budget must not spend
  const started = Date.now();
  const deadline = started + budget.seconds * 1000;
  try {
    for (let i = 0; i < budget.maxInputs; i++) {
      // the clock is read every 64 inputs: cheap targets run millions
      if ((i & 63) === 0 && Date.now() >= deadline) break;
      const s = inputSeed(budget.seed, i);
      const input = target.generate(new Rng(s));
      inputs++;
      const err = await fails(target, input);
      if (err === null) continue;
      const small = await minimise(target, input, budget.minimiseSeconds ?? 20);
      const smallErr = (await fails(target, small)) ?? err;
      failures.push({
        target: target.name,
        seed: budget.seed,
        index: i,
        inputSeed: s,
        error: smallErr,
        input: target.show(input),
        minimised: target.show(small),
      });
      if (budget.stopAtFirst !== false) break;
    }
  } finally {
    await target.teardown?.();
  }
  return { target: target.name, inputs, ms: Date.now() - started, failures };
}

/** Runs the target on one input regenerated from its input seed (a reported failure). */
export async function replay<I, P>(target: FuzzTarget<I, P>, seed: number): Promise<Failure | null> {
  await target.setup?.();
  try {
    const input = target.generate(new Rng(seed));
    const err = await fails(target, input);
    if (err === null) return null;
    const small = await minimise(target, input);
    return { target: target.name, seed, index: -1, inputSeed: seed, error: (await fails(target, small)) ?? err, input: target.show(input), minimised: target.show(small) };
  } finally {
    await target.teardown?.();
  }
}

/** Checks a list of fixed inputs (the regression cases); returns the failures. */
export async function checkAll<I, P>(target: FuzzTarget<I, P>, inputs: readonly I[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const err = await fails(target, input);
    if (err !== null) out.push(`${target.show(input)}: ${err}`);
  }
  return out;
}

/** A failure as the lines a test prints: how to replay it and the minimised input. */
export function formatFailure(f: Failure): string {
  return [
    `fuzz target ${f.target} failed: ${f.error}`,
    `  seed ${f.seed}, input #${f.index}; replay: npm run fuzz -- --target ${f.target} --replay ${f.inputSeed}`,
    `  input:     ${f.input.slice(0, 4000)}`,
    `  minimised: ${f.minimised.slice(0, 4000)}`,
  ].join('\n');
}

/** Throws with a helpful message when `ms` exceeds `limit` (a generous "does not hang" bound). */
export function assertWithin(what: string, ms: number, limit: number): void {
  if (ms > limit) throw new Error(`${what} took ${ms.toFixed(0)} ms (bound ${limit} ms)`);
}

/** A binary string as a JS string literal (printable ASCII kept, the rest escaped). */
export function jsLiteral(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 39 || c === 92) out += '\\' + s[i];
    else if (c >= 32 && c < 127) out += s[i];
    else if (c === 13) out += '\\r';
    else if (c === 10) out += '\\n';
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + "'";
}
