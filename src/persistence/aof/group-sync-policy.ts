/**
 * appendfsync always: where a group commit's fsync runs — on the event loop, as Redis's
 * beforeSleep does, or on libuv's thread pool while the loop goes on (issue 17 goal 6).
 *
 * Let F be an fsync's time and C the loop's own work for one batch (reading, executing,
 * replying). On the loop a batch costs C + F and every client waiting meanwhile joins the
 * next batch. On the pool the loop overlaps the next batch's work with the fsync, at the
 * price of the hop (H: a thread hand-off and an extra turn of the loop, some µs of CPU):
 *  - C > F: the loop is the bottleneck; the pool hides F, so it wins when F > H
 *    (pipelined clients: -P 16 went 58k -> 82k SET/s on a loaded machine);
 *  - C < F: the disk is the bottleneck; on the pool the loop idles until the fsync ends and
 *    the clients split into two alternating groups, each fsync covering about half of them,
 *    while on the loop one fsync covers all: the loop wins (unpipelined, fsync 1-4 ms:
 *    11.4k -> 14.7k SET/s, 32.7 -> 27.7 CPU µs per SET).
 * So: on the loop when F ≥ C or F ≤ H, else on the pool. F is measured only on the loop (the
 * pool's times include the wait for a busy loop to take the completion), so while on the
 * pool one group commit in PROBE_EVERY runs on the loop to measure it again. C is the loop's
 * active time between two batches (perf_hooks' event loop utilization: time spent outside
 * the poll for I/O), without the fsync itself.
 */
import { performance } from 'node:perf_hooks';

/** H: below this (µs) an fsync costs the loop less than the hop to the pool. */
const HOP_US = 30;
/** While on the pool, one group commit in this many is fsynced on the loop (and measured). */
const PROBE_EVERY = 32;
/** Weight of a new sample in the moving averages. */
const ALPHA = 1 / 8;

export type GroupSyncMode = 'adaptive' | 'loop' | 'pool';

export class GroupSyncPolicy {
  /** moving average of fsyncs measured on the loop, µs; -1 before the first */
  private fsyncUs = -1;
  /** moving average of the loop's work per batch, µs */
  private workUs = 0;
  /** the loop's active time (ms) when the batch now running began collecting */
  private activeAtStart = -1;
  private poolRuns = 0;

  constructor(
    readonly mode: GroupSyncMode = 'adaptive',
    /** the event loop's cumulative active time, ms (tests pass their own) */
    private readonly loopActiveMs: () => number = () => performance.eventLoopUtilization().active,
  ) {}

  /** A batch is cut: true → fsync it on the loop now (then call `loopSynced`). */
  syncOnLoop(): boolean {
    const active = this.loopActiveMs();
    if (this.activeAtStart >= 0) this.workUs += ((active - this.activeAtStart) * 1000 - this.workUs) * ALPHA;
    // on the pool the loop's work from here on is the next batch's
    this.activeAtStart = active;
    if (this.mode !== 'adaptive') return this.mode === 'loop';
    if (this.fsyncUs < 0 || this.fsyncUs <= HOP_US || this.fsyncUs >= this.workUs) return true;
    return ++this.poolRuns % PROBE_EVERY === 0;
  }

  /** An fsync on the loop took `ms`; the next batch's work starts now. */
  loopSynced(ms: number): void {
    const us = ms * 1000;
    this.fsyncUs = this.fsyncUs < 0 ? us : this.fsyncUs + (us - this.fsyncUs) * ALPHA;
    this.activeAtStart = this.loopActiveMs();
  }

  /** For tests and INFO-style reports: the averages the choice rests on, µs. */
  get averages(): { fsyncUs: number; workUs: number } {
    return { fsyncUs: this.fsyncUs, workUs: this.workUs };
  }
}
