/**
 * Latency monitoring, two kinds as in Redis 7:
 *  - the latency monitor: events (e.g. "command", "fast-command") slower than
 *    `latency-monitor-threshold` ms (0 = off), with the latest and max sample per event and
 *    a history of up to 160 samples, one per second at most (LATENCY LATEST/HISTORY/RESET);
 *  - per-command latency histograms (`latency-tracking`, on by default) feeding LATENCY
 *    HISTOGRAM and INFO latencystats.
 *
 * The histograms use HdrHistogram's bucketing with 2 significant digits, in nanoseconds,
 * clamped to [1024 ns, 1 s] as Redis does, so bucket boundaries and percentile values come
 * out the way Redis reports them. Our timings are whole microseconds (the dispatcher
 * measures µs), so sub-microsecond detail that Redis would show is not available.
 */
import type { ConfigStore } from '../config/config-store.js';

export interface LatencySample {
  /** unix seconds */
  time: number;
  latency: number;
}

export interface LatencyEvent {
  samples: LatencySample[];
  max: number;
}

const HISTORY = 160;

// ---- HdrHistogram layout: 2 significant digits → 256 sub-buckets, lowest value 1 ----
const SUB_BUCKET_HALF_MAGNITUDE = 7;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE; // 128
const SUB_BUCKET_MASK = 2 * SUB_BUCKET_HALF - 1; // 255
const MIN_NS = 1024;
const MAX_NS = 1_000_000_000;
/** enough counters for values up to MAX_NS */
const COUNTS_LEN = (bucketIndex(MAX_NS) + 2) * SUB_BUCKET_HALF;

function bucketIndex(v: number): number {
  // floor(log2(v | mask)) - 7, with v < 2^31
  return 31 - Math.clz32(v | SUB_BUCKET_MASK) - SUB_BUCKET_HALF_MAGNITUDE;
}

function countsIndex(v: number): number {
  const b = bucketIndex(v);
  const sub = v >>> b;
  return (b + 1) * SUB_BUCKET_HALF + (sub - SUB_BUCKET_HALF);
}

/** Lowest value that lands in counters slot `i`. */
function valueFromIndex(i: number): number {
  let b = (i >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (b < 0) {
    sub -= SUB_BUCKET_HALF;
    b = 0;
  }
  return sub * 2 ** b;
}

/** Width of the slot holding `v`. */
function slotWidth(v: number): number {
  return 2 ** bucketIndex(v);
}

/** Largest value counted in the same slot as `v` (HDR's highest_equivalent_value). */
export function highestEquivalent(v: number): number {
  const lowest = valueFromIndex(countsIndex(v));
  return lowest + slotWidth(v) - 1;
}

/** One command's latency distribution. */
export class CommandHistogram {
  readonly counts = new Uint32Array(COUNTS_LEN);
  total = 0;

  recordUsec(usec: number): void {
    let ns = usec * 1000;
    if (ns < MIN_NS) ns = MIN_NS;
    else if (ns > MAX_NS) ns = MAX_NS;
    this.counts[countsIndex(ns)]!++;
    this.total++;
  }

  /** HDR's value_at_percentile, in ns. */
  valueAtPercentile(p: number): number {
    const pct = Math.min(p, 100);
    const want = Math.max(1, Math.floor((pct / 100) * this.total + 0.5));
    let seen = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i]!;
      if (seen >= want) {
        const v = valueFromIndex(i);
        return p === 0 ? v : v + slotWidth(v) - 1;
      }
    }
    return 0;
  }

  /**
   * LATENCY HISTOGRAM's cumulative distribution: for each power-of-two bucket from 1024 ns,
   * (highest equivalent value in µs, count of calls at or below it), only where it grew.
   */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    let seen = 0;
    let idx = 0;
    let prev = 0;
    for (let level = MIN_NS; ; level *= 2) {
      const top = highestEquivalent(level);
      const limit = countsIndex(Math.min(top, MAX_NS));
      while (idx <= limit && idx < COUNTS_LEN) seen += this.counts[idx++]!;
      if (seen > prev) out.push([Math.floor(top / 1000), seen]);
      prev = seen;
      if (seen >= this.total || level >= MAX_NS) break;
    }
    return out;
  }
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();
  /** per-command histograms by command id (allocated on a command's first call) */
  readonly histograms: (CommandHistogram | undefined)[] = [];
  /** cached `latency-monitor-threshold` (ms, 0 = off) and `latency-tracking` (registerConfig) */
  threshold = 0;
  tracking = true;

  /** The two settings read on every command: kept current here by their hooks. */
  registerConfig(config: ConfigStore): void {
    config.onChange('latency-monitor-threshold', (v) => {
      this.threshold = Number(v);
      return null;
    });
    config.onChange('latency-tracking', (v) => {
      this.tracking = v === 'yes';
      return null;
    });
  }

  maybeRecord(server: { now(): number }, event: string, ms: number): void {
    if (this.threshold === 0 || ms < this.threshold) return;
    this.add(event, Math.floor(server.now() / 1000), ms);
  }

  add(event: string, time: number, ms: number): void {
    let e = this.events.get(event);
    if (e === undefined) {
      e = { samples: [], max: 0 };
      this.events.set(event, e);
    }
    const last = e.samples[e.samples.length - 1];
    // one sample per second: keep the worst
    if (last !== undefined && last.time === time) last.latency = Math.max(last.latency, ms);
    else e.samples.push({ time, latency: ms });
    if (e.samples.length > HISTORY) e.samples.shift();
    e.max = Math.max(e.max, ms);
  }

  reset(events: string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const ev of events) if (this.events.delete(ev)) n++;
    return n;
  }

  /** Per-command latency (hot path: one array read and one counter bump). */
  recordCommand(id: number, usec: number): void {
    if (!this.tracking) return;
    let h = this.histograms[id];
    if (h === undefined) {
      h = new CommandHistogram();
      this.histograms[id] = h;
    }
    h.recordUsec(usec);
  }

  /** CONFIG RESETSTAT drops the command histograms, as Redis. */
  resetHistograms(): void {
    this.histograms.length = 0;
  }
}
