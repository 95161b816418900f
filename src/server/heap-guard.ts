/**
 * Clean OOM refusal before V8's heap limit (issue 17): a process that reaches the limit
 * dies ("JavaScript heap out of memory"), taking every client and the unsaved dataset with
 * it. Writes (`denyoom` commands) are refused instead while the heap's used size is above
 * `REFUSE_AT` of the old-space ceiling (heap-sizing.ts oldSpaceLimit: V8 dies when the old
 * space reaches it, while heap_size_limit also counts the young generation's reserve, 48 MiB
 * — a third of a 144 MiB limit); reads, deletes and everything that frees memory still run.
 *
 * Cost: v8.getHeapStatistics() (about a microsecond) once every `SAMPLE_EVERY` commands
 * and on each server cron tick, never per allocation. The command count bounds how far a
 * fast pipelined load can go between samples; the cron clears the refusal once garbage
 * collection has freed memory even when no command arrives.
 *
 * Invariant: `pressed` is the result of the latest sample.
 */
import v8 from 'node:v8';
import { oldSpaceLimit } from './heap-sizing.js';

/** Refuse writes above this share of the old-space ceiling (V8 gives up at about 95–100 %). */
export const REFUSE_AT = 0.85;
/** Commands between two samples. */
export const SAMPLE_EVERY = 256;

export class HeapGuard {
  /** true while the heap is above REFUSE_AT of its limit */
  pressed = false;
  /** commands left before the next sample (the dispatcher decrements it) */
  countdown = SAMPLE_EVERY;
  /** bytes of heap_size_limit (fixed for the process) */
  readonly limit: number;
  /** bytes of old space V8 allows (fixed for the process) */
  readonly oldLimit: number;
  /** times a sample found the heap above the threshold (INFO) */
  pressedSamples = 0;
  private readonly threshold: number;

  constructor(readonly refuseAt = REFUSE_AT) {
    this.limit = v8.getHeapStatistics().heap_size_limit;
    this.oldLimit = oldSpaceLimit(this.limit, process.execArgv, process.env['NODE_OPTIONS']);
    this.threshold = this.oldLimit * refuseAt;
  }

  /** Reads the heap's size now and sets `pressed`; returns it. */
  sample(): boolean {
    this.countdown = SAMPLE_EVERY;
    const used = v8.getHeapStatistics().used_heap_size;
    this.pressed = used > this.threshold;
    if (this.pressed) this.pressedSamples++;
    return this.pressed;
  }
}
