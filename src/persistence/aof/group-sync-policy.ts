/**
 * appendfsync always: where a group commit's fsync runs — on the event loop, as Redis's
 * beforeSleep does, or on libuv's thread pool while the loop goes on (issue 17 goal 6).
 *
 * On the loop, every client that sends a request while the fsync runs joins the next batch,
 * so one fsync covers them all. On the pool the loop answers nobody sooner (every reply
 * waits for an fsync anyway) but reads and executes meanwhile; the clients then split into
 * two alternating groups, each fsync covering about half of them, and every batch pays the
 * hop to the pool thread and back. Measured on a loaded 2-core machine (fsyncs of 1–4 ms,
 * scripts/cpu-per-op.mjs --aof always, 4 runs): unpipelined SET on the loop took 1.16–1.40×
 * the pool's requests/s and 15–20 % less CPU per request; at -P 16 neither won consistently
 * (loop/pool 0.71–1.41× in requests/s). A policy choosing by the loop's measured work per
 * batch (event loop utilization) against the fsync's time did no better than either.
 *
 * So the fsync runs on the loop while fsyncs take less than SLOW_FSYNC_US on average: a
 * slower disk would hold everything else on the loop (timers, replication, a background
 * save's slices) that long, so then it runs on the pool, and one group commit in
 * PROBE_EVERY is fsynced on the loop to see whether the disk is fast again (the pool's times
 * include the wait for a busy loop to take the completion, so only loop fsyncs are measured).
 */
/** An fsync average at or above this (µs) sends group commits to the pool. */
const SLOW_FSYNC_US = 10_000;
/** While on the pool, one group commit in this many is fsynced on the loop (and measured). */
const PROBE_EVERY = 32;
/** Weight of a new sample in the moving average. */
const ALPHA = 1 / 8;

export type GroupSyncMode = 'adaptive' | 'loop' | 'pool';

export class GroupSyncPolicy {
  /** moving average of fsyncs measured on the loop, µs; -1 before the first */
  private fsyncUs = -1;
  private poolRuns = 0;

  constructor(readonly mode: GroupSyncMode = 'adaptive') {}

  /** A batch is cut: true → fsync it on the loop now and report the time with `loopSynced`. */
  syncOnLoop(): boolean {
    if (this.mode !== 'adaptive') return this.mode === 'loop';
    if (this.fsyncUs < SLOW_FSYNC_US) return true;
    return ++this.poolRuns % PROBE_EVERY === 0;
  }

  /** An fsync on the loop took `ms`. */
  loopSynced(ms: number): void {
    const us = ms * 1000;
    this.fsyncUs = this.fsyncUs < 0 ? us : this.fsyncUs + (us - this.fsyncUs) * ALPHA;
  }

  /** The average the choice rests on, µs (-1 before the first fsync). */
  get averageFsyncUs(): number {
    return this.fsyncUs;
  }
}
