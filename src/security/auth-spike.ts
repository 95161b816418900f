/**
 * Failed-authentication spike detection: failures are counted in a sliding window,
 * globally and per source address. Crossing a threshold opens an *episode* — reported
 * once (a WARNING log line and an event with who/where/how many), not once per failure —
 * and the episode is closed, and reported again, when the rate falls below half the
 * threshold (the hysteresis keeps a rate hovering at the threshold from flapping).
 */
import { SlidingCounter } from './sliding-counter.js';

export interface SpikeSettings {
  /** failures in the window, from all sources together, that make a spike (0 = off) */
  globalThreshold: number;
  /** failures in the window from one source address (0 = off) */
  sourceThreshold: number;
  windowMs: number;
}

export interface SpikeReport {
  scope: 'global' | 'source';
  /** the source address for scope "source" */
  source: string | null;
  state: 'start' | 'end';
  /** failures in the window when reported */
  failures: number;
  /** users tried in this episode so far (at most a few names, for the report) */
  users: string[];
}

interface Episode {
  counter: SlidingCounter;
  active: boolean;
  users: Set<string>;
  lastSeen: number;
}

/** Sources tracked at most; the least recently seen are forgotten first. */
const MAX_SOURCES = 10_000;
const MAX_USERS_REPORTED = 5;

export class AuthSpikeDetector {
  private readonly global: Episode = { counter: new SlidingCounter(), active: false, users: new Set(), lastSeen: 0 };
  private readonly sources = new Map<string, Episode>();

  constructor(private readonly settings: () => SpikeSettings) {}

  /** Records one failure; returns the episodes that started because of it. */
  recordFailure(source: string, user: string, now: number): SpikeReport[] {
    const s = this.settings();
    const out: SpikeReport[] = [];
    this.global.counter.add(now, s.windowMs);
    this.global.lastSeen = now;
    noteUser(this.global, user);
    const g = this.global.counter.count(now, s.windowMs);
    if (!this.global.active && s.globalThreshold > 0 && g >= s.globalThreshold) {
      this.global.active = true;
      out.push(report('global', null, 'start', g, this.global));
    }
    let ep = this.sources.get(source);
    if (ep === undefined) {
      if (this.sources.size >= MAX_SOURCES) this.forgetOldest();
      ep = { counter: new SlidingCounter(), active: false, users: new Set(), lastSeen: now };
      this.sources.set(source, ep);
    }
    ep.counter.add(now, s.windowMs);
    ep.lastSeen = now;
    noteUser(ep, user);
    const c = ep.counter.count(now, s.windowMs);
    if (!ep.active && s.sourceThreshold > 0 && c >= s.sourceThreshold) {
      ep.active = true;
      out.push(report('source', source, 'start', c, ep));
    }
    return out;
  }

  /** Cron: closes episodes whose rate fell below half their threshold; forgets quiet sources. */
  tick(now: number): SpikeReport[] {
    const s = this.settings();
    const out: SpikeReport[] = [];
    if (this.global.active) {
      const g = this.global.counter.count(now, s.windowMs);
      if (g < s.globalThreshold / 2) {
        this.global.active = false;
        out.push(report('global', null, 'end', g, this.global));
        this.global.users.clear();
      }
    }
    for (const [src, ep] of this.sources) {
      const c = ep.counter.count(now, s.windowMs);
      if (ep.active && c < s.sourceThreshold / 2) {
        ep.active = false;
        out.push(report('source', src, 'end', c, ep));
        ep.users.clear();
      }
      if (!ep.active && now - ep.lastSeen > 2 * s.windowMs) this.sources.delete(src);
    }
    return out;
  }

  /** Sources with an open episode (INFO, metrics). */
  activeSources(): number {
    let n = 0;
    for (const ep of this.sources.values()) if (ep.active) n++;
    return n;
  }

  get globalActive(): boolean {
    return this.global.active;
  }

  private forgetOldest(): void {
    let oldestKey: string | null = null;
    let oldest = Infinity;
    for (const [k, ep] of this.sources) {
      if (!ep.active && ep.lastSeen < oldest) {
        oldest = ep.lastSeen;
        oldestKey = k;
      }
    }
    if (oldestKey !== null) this.sources.delete(oldestKey);
  }
}

function noteUser(ep: Episode, user: string): void {
  if (ep.users.size < MAX_USERS_REPORTED) ep.users.add(user);
}

function report(scope: 'global' | 'source', source: string | null, state: 'start' | 'end', failures: number, ep: Episode): SpikeReport {
  return { scope, source, state, failures: Math.round(failures), users: [...ep.users] };
}
