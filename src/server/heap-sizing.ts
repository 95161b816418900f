/**
 * The V8 heap ceiling, sized from `maxmemory` or the machine (issue 17).
 *
 * V8 fixes the old-space limit when the isolate is created: `v8.setFlagsFromString(
 * '--max-old-space-size=…')` after start leaves `heap_size_limit` unchanged (measured on
 * Node 20), so the only way to choose it is the command line of the Node process itself.
 * main.ts therefore starts itself again once, with `--max-old-space-size` from
 * `heapPlan()`, unless the operator already chose one (the flag in Node's own arguments or
 * in NODE_OPTIONS), or the current ceiling is already within `TOLERANCE` of the plan.
 *
 * The ceiling is fixed for the life of the process: CONFIG SET maxmemory later changes
 * eviction and the OOM refusal, never the heap limit (documented in the README).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';

/**
 * V8 heap bytes per accounted `used_memory` byte, with headroom. Measured (README, "Heap
 * ceiling") on 1M small string keys + 1,000 hashes of 200 fields + 1,000 lists of 200
 * elements: used_memory 295 MB, heap used 323 MB (1.10×), 337 MB during a BGSAVE (1.14×).
 * 2× leaves room for the garbage between full collections, for keys a snapshot copies
 * while writes go on, and for accounting that underestimates some type.
 */
export const HEAP_PER_ACCOUNTED_BYTE = 2;
/** Fixed overhead on top: the command table, Lua, TLS, client buffers (MiB). */
export const HEAP_BASE_MB = 256;
/** With maxmemory 0: this share of physical memory (or the cgroup's limit) for the heap. */
export const PHYSICAL_SHARE = 0.75;
/** No relaunch when the current ceiling is already this close to the plan. */
export const TOLERANCE = 0.1;
/** Set in the environment of the relaunched process (its value: the ceiling in MiB). */
export const HEAP_SIZED_ENV = 'REDOUBT_HEAP_SIZED';

export interface HeapPlan {
  /** --max-old-space-size to run with, in MiB */
  oldSpaceMb: number;
  /** where the figure comes from, for the start-up log */
  reason: string;
}

/** The machine's memory: os.totalmem(), lowered by a cgroup (v2 or v1) memory limit when one is set. */
export function physicalMemory(): number {
  let total = os.totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1').trim();
    } catch {
      continue;
    }
    const n = Number(text);
    // "max" (v2) or a huge page-rounded figure (v1) mean no limit
    if (Number.isSafeInteger(n) && n > 0 && n < total) total = n;
  }
  return total;
}

/** The old-space size for `maxmemory` bytes (0 = no limit: a share of physical memory). */
export function heapPlan(maxmemory: number, physical: number): HeapPlan {
  const mib = 2 ** 20;
  if (maxmemory > 0) {
    const fromMax = Math.ceil(HEAP_BASE_MB + (HEAP_PER_ACCOUNTED_BYTE * maxmemory) / mib);
    // never above what the machine has: a maxmemory beyond it is the operator's to answer for,
    // but the heap must not promise memory that is not there
    const cap = Math.floor((physical * PHYSICAL_SHARE) / mib);
    if (fromMax > cap) return { oldSpaceMb: Math.max(HEAP_BASE_MB, cap), reason: `${PHYSICAL_SHARE * 100}% of physical memory (maxmemory x ${HEAP_PER_ACCOUNTED_BYTE} + ${HEAP_BASE_MB} MiB would exceed it)` };
    return { oldSpaceMb: fromMax, reason: `maxmemory x ${HEAP_PER_ACCOUNTED_BYTE} + ${HEAP_BASE_MB} MiB` };
  }
  return { oldSpaceMb: Math.max(HEAP_BASE_MB, Math.floor((physical * PHYSICAL_SHARE) / mib)), reason: `maxmemory 0: ${PHYSICAL_SHARE * 100}% of physical memory` };
}

/**
 * Whether Node was given the V8 flag `name` (spelt with dashes; V8 takes underscores too),
 * in its own arguments or in NODE_OPTIONS, with a value, without one or negated (`--no-`).
 */
export function nodeFlagGiven(name: string, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  for (const arg of [...execArgv, ...(nodeOptions ?? '').split(/\s+/)]) {
    const a = arg.replace(/_/g, '-');
    if (a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`) return true;
  }
  return false;
}

/** Whether the operator chose the heap size already (Node's own arguments or NODE_OPTIONS). */
export function heapFlagGiven(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return nodeFlagGiven('max-old-space-size', execArgv, nodeOptions);
}

/** The --max-old-space-size value Node was started with (the last one wins, as in V8), in MiB, or null. */
export function oldSpaceFlagMb(execArgv: readonly string[], nodeOptions: string | undefined): number | null {
  let mb: number | null = null;
  for (const a of [...(nodeOptions ?? '').split(/\s+/), ...execArgv]) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(a);
    if (m !== null) mb = Number(m[1]);
  }
  return mb;
}

/**
 * V8's young generation, reserved inside heap_size_limit on top of the old space: 3 × the
 * 16 MiB maximum semi-space on 64-bit (measured on Node 20: --max-old-space-size 96, 276
 * and 4096 give heap_size_limit 144, 324 and 4144 MiB).
 */
export const YOUNG_RESERVE = 48 * 2 ** 20;

/**
 * The old-space ceiling, in bytes: the one V8 dies at ("Reached heap limit"). From the flag
 * when one was given, else heap_size_limit less the young generation's reserve.
 */
export function oldSpaceLimit(heapLimit: number, execArgv: readonly string[], nodeOptions: string | undefined): number {
  const mb = oldSpaceFlagMb(execArgv, nodeOptions);
  if (mb !== null && mb > 0) return Math.min(heapLimit, mb * 2 ** 20);
  return heapLimit > 2 * YOUNG_RESERVE ? heapLimit - YOUNG_RESERVE : heapLimit / 2;
}

/**
 * The young generation's semi-space, fixed (MiB): its minimum and its maximum, so the young
 * generation never shrinks. Measured at 10M keys under a steady SET load (issue 17 goal 2,
 * test/bench/scale-run.ts --rate): after V8's memory reducer shrank it to 1 MiB, scavenges
 * ran every 0.12 s instead of every 1 s, each still paying the same fixed cost, the server
 * fell behind and p99 went from 27 ms to 3 s.
 *
 * That fixed cost is V8's walk over every old-generation page at each scavenge (`perf`:
 * three quarters of a scavenge's CPU at 10M keys, 1.6 GB of heap, with ~11 KB surviving),
 * so a scavenge's pause grows with the dataset whatever the young generation's size, and
 * how often it comes is the semi-space over the allocation rate (~1.4 KB per unpipelined
 * request, most of it Node's stream machinery). A bigger semi-space therefore means fewer
 * of the same pauses: at 10M keys and 10,000 SETs/s, 64 MiB ran 6-7 scavenges per 30 s
 * where 16 MiB ran 22-27, with pauses of the same length (scale-run --rate, both at once on
 * the loaded machine). It costs RSS (two semi-spaces committed) and longer scavenges while
 * new keys pour in (more survivors to copy per scavenge).
 *
 * So it is sized from maxmemory, the dataset the operator plans for: 1/64 of it, rounded down
 * to a power of two, between SEMI_SPACE_MIN_MB (V8's own 64-bit maximum; also with
 * maxmemory 0, where no size is known) and SEMI_SPACE_MAX_MB. The young generation then
 * commits at most 2/64 (3 %) of maxmemory: 16 MiB up to 1gb, 32 MiB at 2gb, 64 MiB from 4gb.
 */
export const SEMI_SPACE_MIN_MB = 16;
export const SEMI_SPACE_MAX_MB = 64;
/** maxmemory bytes per semi-space byte */
export const MAXMEMORY_PER_SEMI_SPACE = 64;

/** The semi-space (MiB) the relaunch fixes for `maxmemory` bytes (0 = no limit). */
export function semiSpaceMb(maxmemory: number): number {
  const share = maxmemory / MAXMEMORY_PER_SEMI_SPACE / 2 ** 20;
  let mb = SEMI_SPACE_MIN_MB;
  while (mb * 2 <= share && mb * 2 <= SEMI_SPACE_MAX_MB) mb *= 2;
  return mb;
}

/**
 * V8 flags for a server holding a big heap, added when main.ts relaunches with the sized
 * heap (a flag the operator gave, in Node's arguments or NODE_OPTIONS, wins):
 * - the semi-space fixed at semiSpaceMb(maxmemory) (above);
 * - no memory reducer: once allocation slows it starts memory-reducing full collections
 *   and shrinks the young generation; at 10M keys one such collection was a 1,086 ms
 *   pause (944 ms of it marking left to the pause) in the middle of a steady write load.
 *   A cache keeps its dataset: giving heap back to the OS on a quiet moment is not worth
 *   a stall of the next burst. Full collections still run when the old space grows.
 */
export function gcFlags(execArgv: readonly string[], nodeOptions: string | undefined, maxmemory = 0): string[] {
  const has = (name: string): boolean => nodeFlagGiven(name, execArgv, nodeOptions);
  const flags: string[] = [];
  if (!has('min-semi-space-size') && !has('max-semi-space-size') && !has('semi-space-growth-factor')) {
    const mb = semiSpaceMb(maxmemory);
    flags.push(`--min-semi-space-size=${mb}`, `--max-semi-space-size=${mb}`);
  }
  if (!has('memory-reducer')) flags.push('--no-memory-reducer');
  return flags;
}

/** The ceiling this process runs with, in bytes (old space plus young generation). */
export function heapSizeLimit(): number {
  return v8.getHeapStatistics().heap_size_limit;
}

/** Whether a relaunch with `plan` is worth it: the current ceiling is off by more than TOLERANCE. */
export function needsRelaunch(plan: HeapPlan, currentLimit: number): boolean {
  const want = plan.oldSpaceMb * 2 ** 20;
  return Math.abs(currentLimit - want) > want * TOLERANCE;
}
