/**
 * Gives V8's young generation back once the server has gone quiet (issue 17 goal 4).
 *
 * Under load V8 grows the young generation from its initial 1 MiB semi-spaces to 16 MiB
 * (two of them committed, up to 32 MiB of RSS), and keeps that size while the process is
 * idle: nothing collects, so nothing shrinks. For 1M small keys that was 30 of the 34 B per
 * key that RSS carried beyond used_memory. V8 shrinks the young generation at the end of a
 * collection when its allocation rate, as sampled at collections over the last 5 s, is low.
 * So once no command has run for `QUIET_MS` the cron asks for a young-generation
 * collection (a scavenge of an almost empty space: well under a millisecond measured,
 * independent of the dataset's size, unlike a full collection): the first one records the
 * quiet spell's start (its sample still holds the burst's last allocations); the next,
 * `RETRY_MS` later, sees a rate near zero and V8 shrinks the space to its initial size,
 * then returns the pages (RSS drops a second or two later). At most `MAX_ATTEMPTS` per
 * quiet spell; none while the space is at its initial size. The next burst grows the
 * space again within its first few collections.
 *
 * Off when the young generation's minimum size is fixed (`--min-semi-space-size`, which
 * main.ts's relaunch sets by default, heap-sizing.ts gcFlags): V8 cannot shrink it then,
 * and the collections would be asked for in vain. That default trades this RSS (a fixed
 * 30 MiB or so, 30 B per key at 1M keys, a rounding error at 10M) for latency at a big
 * heap: once shrunk, the young generation regrows only slowly under a steady load, and
 * every scavenge pays a cost that grows with the old generation (issue 17, session 11:
 * p99 27 ms -> 3 s at 10M keys after a shrink).
 */
import v8 from 'node:v8';
import { minorCollection } from './live-heap.js';
import { nodeFlagGiven } from './heap-sizing.js';

/** No command for this long counts as quiet. */
export const QUIET_MS = 1000;
/** Between attempts: V8's allocation-rate window (5 s). */
export const RETRY_MS = 5000;
/** Collections asked for per quiet spell at most. */
export const MAX_ATTEMPTS = 3;
/** The young generation at or below this (V8's initial semi-space) is left alone. */
export const INITIAL_NEW_SPACE = 2 ** 20;

/** Whether V8 may shrink the young generation in this process (no fixed minimum given). */
export function youngGenCanShrink(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return !nodeFlagGiven('min-semi-space-size', execArgv, nodeOptions);
}

/** The young generation's committed size now (V8's new_space). */
export function newSpaceBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}

export class YoungGenTrim {
  private lastCommands = -1;
  private quietSince = 0;
  private attempts = MAX_ATTEMPTS;
  /** collections asked for so far (INFO-free; tests read it) */
  collections = 0;

  constructor(
    private readonly collect: () => void = minorCollection,
    private readonly size: () => number = newSpaceBytes,
  ) {}

  /** One cron tick: `commands` is the server's total commands processed. */
  tick(nowMs: number, commands: number): void {
    if (commands !== this.lastCommands) {
      this.lastCommands = commands;
      this.quietSince = nowMs;
      this.attempts = 0;
      return;
    }
    if (this.attempts >= MAX_ATTEMPTS || nowMs - this.quietSince < (this.attempts === 0 ? QUIET_MS : RETRY_MS)) return;
    if (this.size() <= INITIAL_NEW_SPACE) {
      this.attempts = MAX_ATTEMPTS;
      return;
    }
    this.attempts++;
    this.quietSince = nowMs;
    this.collections++;
    this.collect();
  }
}
