/**
 * Latency monitor: events slower than `latency-monitor-threshold` ms (0 = off), with the
 * latest and max sample per event and a history of up to 160 samples, as Redis keeps.
 */
import type { Server } from './server.js';

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

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();

  maybeRecord(server: Server, event: string, ms: number): void {
    const threshold = server.config.int('latency-monitor-threshold');
    if (threshold === 0 || ms < threshold) return;
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
}
