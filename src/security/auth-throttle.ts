/**
 * Brute-force throttling of AUTH / HELLO AUTH, keyed by source address. It slows a guesser
 * down and never locks a password out: there is no block, no refused attempt, no banned
 * address. Three brakes, all per source address:
 *
 *  1. Delayed failure replies: once a source's failures in the window exceed
 *     `freeFailures`, each failed attempt's reply is held back — 100 ms, doubling with each
 *     further failure, capped at `maxDelayMs` (≤ 5 s) — and the connection reads nothing
 *     more until it is sent. Only the failing connection waits.
 *  2. A password-check budget: `checksPerMinute` checks, as a token bucket (that many at
 *     once, refilled at that rate). An attempt that finds no budget (or others already
 *     waiting) waits, FIFO, for a token — at most `maxWaitMs` (≤ 5 s). At the bound it is
 *     checked anyway. A successful check gives its token back, so a source's correct
 *     logins never use up its budget; only failures do.
 *  3. A cap on concurrent unauthenticated connections (`maxUnauthenticated`): a connection
 *     counts from admission until its first successful login (or its close); new ones
 *     beyond the cap are refused at admission, before they have sent anything.
 *
 * Invariants (tested in test/security/auth-lockout.test.ts and brute-force.test.ts):
 *  (I1) A correct password is never refused because of failures — the connection's own
 *       or others' — and its connection is never closed for them: an attempt read from a
 *       connection is checked, and answered by the check, after a wait of at most
 *       `maxWaitMs` (a timer per waiter enforces it, whatever the budget), counted from
 *       when the connection reads it (a connection reads nothing while its own last
 *       failure's reply is held, ≤ `maxDelayMs`). The one
 *       exception is an AUTH queued inside MULTI/EXEC, which cannot wait: it is checked
 *       if a token is free, otherwise answered with an error that is not WRONGPASS
 *       (only an authenticated client can get there).
 *  (I2) In any interval of t seconds a source gets at most B·(1 + t/60) checks with budget
 *       (B = checksPerMinute) plus at most W·(1 + t/maxWait) checked at the wait bound,
 *       where W is the number of its connections that can be waiting at once: each
 *       connection has at most one attempt in flight, and unauthenticated ones are
 *       capped at `maxUnauthenticated`. The failure delays slow each connection further.
 *  (I3) Nothing outlives the attack beyond the windows: failures age out of the window,
 *       the budget refills within a minute, waits end within `maxWaitMs`, the cap counts
 *       open connections only, and idle sources are forgotten.
 *
 * Sharing an address (NAT, a proxy, local processes) shares the budget and the cap, so an
 * attacker there can make others' logins wait (≤ maxWaitMs) and, by holding
 * `maxUnauthenticated` connections open, refuse their new connections — never their
 * passwords. Loopback and unix-socket clients are exempt by default (`exemptLoopback`).
 */
import { performance } from 'node:perf_hooks';
import { SlidingCounter } from './sliding-counter.js';

export interface ThrottleSettings {
  enabled: boolean;
  exemptLoopback: boolean;
  /** failures from a source in the window answered without delay */
  freeFailures: number;
  /** the longest a failure reply is held back (ms) */
  maxDelayMs: number;
  /** password checks per source per minute (the budget's size and refill rate) */
  checksPerMinute: number;
  /** the longest an attempt waits for budget (ms) before it is checked anyway */
  maxWaitMs: number;
  /** concurrent unauthenticated connections per source (0 = no cap) */
  maxUnauthenticated: number;
  /** the window in which failures are counted */
  windowMs: number;
}

/** The permission to check one password, and how it was obtained. */
export interface CheckTicket {
  source: string;
  /** took a token from the budget (given back on success) */
  token: boolean;
  /** not throttled at all (exempt source, or throttling off) */
  exempt: boolean;
  /** waited for budget this long (real ms) */
  waitedMs: number;
  /** waited the whole bound and is checked without budget */
  atBound: boolean;
}

/** What a throttle reports once per episode: its failure replies are delayed, it waits for budget, its connections are capped. */
export type ThrottleStage = 'delay' | 'budget' | 'connections';

export interface SourceInfo {
  source: string;
  /** 'rationing' (attempts wait for budget), 'delaying' (failure replies held), 'watching' */
  state: 'rationing' | 'delaying' | 'watching';
  failures: number;
  /** how long the next failure's reply would be held (ms) */
  nextDelayMs: number;
  /** checks left in the budget now */
  budget: number;
  waiting: number;
  unauthenticated: number;
  delayedReplies: number;
  waitedAttempts: number;
  refusedConnections: number;
}

interface Waiter {
  id: number;
  st: SourceState;
  start: (ticket: CheckTicket) => void;
  timer: NodeJS.Timeout;
  since: number;
}

interface SourceState {
  source: string;
  failures: SlidingCounter;
  tokens: number;
  refilledAt: number;
  /** attempts waiting for budget, oldest first */
  queue: Waiter[];
  pumpTimer: NodeJS.Timeout | null;
  lastSeen: number;
  /** episode flags: the stage was reported (reset when the source calms down) */
  delaying: boolean;
  rationing: boolean;
  capping: boolean;
  delayedReplies: number;
  waitedAttempts: number;
  refusedConnections: number;
}

/** Hard ceilings, whatever the configuration says: the guarantees are stated with them. */
export const WAIT_CEILING_MS = 5000;
export const DELAY_CEILING_MS = 5000;
const FIRST_DELAY_MS = 100;
const MAX_SOURCES = 50_000;
const EXEMPT_TICKET: Omit<CheckTicket, 'source'> = { token: false, exempt: true, waitedMs: 0, atBound: false };

export class AuthThrottle {
  private readonly sources = new Map<string, SourceState>();
  /** the sources with waiting attempts (the cron serves these every tick) */
  private readonly queued = new Set<SourceState>();
  /** when the cron last swept every source */
  private lastSweep = 0;
  /** waiting attempts by client id */
  private readonly waiters = new Map<number, Waiter>();
  /** open unauthenticated connections per source, and the source of each counted client */
  private readonly unauthBySource = new Map<string, number>();
  private readonly unauthSlot = new Map<number, string>();
  delayedReplies = 0;
  /** attempts that had to wait for budget */
  waitedAttempts = 0;
  /** attempts checked at the wait bound, without budget */
  checkedAtBound = 0;
  /** new connections refused by the unauthenticated-connection cap */
  refusedConnections = 0;
  /** the longest wait for budget seen (real ms) */
  longestWaitMs = 0;
  /** called the first time in an episode that a source is delayed, rationed or capped */
  onEngage: ((source: string, stage: ThrottleStage, failures: number) => void) | null = null;

  constructor(
    private readonly settings: () => ThrottleSettings,
    private readonly clock: () => number,
  ) {}

  /** Is this client exempt (throttling off, or loopback / unix when so configured)? */
  exempt(local: boolean): boolean {
    const s = this.settings();
    return !s.enabled || (local && s.exemptLoopback);
  }

  exemptTicket(source: string): CheckTicket {
    return { source, ...EXEMPT_TICKET };
  }

  /**
   * A password is about to be checked for client `id` from `source`. Returns a ticket
   * (check now), 'wait' (queued: `start` is called with the ticket within maxWaitMs), or
   * 'busy' (no budget and the caller cannot wait).
   */
  request(source: string, id: number, canWait: boolean, start: (ticket: CheckTicket) => void): CheckTicket | 'wait' | 'busy' {
    const now = this.clock();
    const st = this.state(source, now);
    this.refill(st, now);
    if (st.queue.length === 0 && st.tokens >= 1) {
      st.tokens -= 1;
      return { source, token: true, exempt: false, waitedMs: 0, atBound: false };
    }
    if (!canWait) return 'busy';
    const maxWait = Math.min(WAIT_CEILING_MS, Math.max(0, this.settings().maxWaitMs));
    const w: Waiter = { id, st, start, since: performance.now(), timer: setTimeout(() => this.release(w, false), maxWait) };
    w.timer.unref();
    st.queue.push(w);
    this.queued.add(st);
    this.waiters.set(id, w);
    this.waitedAttempts++;
    st.waitedAttempts++;
    if (!st.rationing) {
      st.rationing = true;
      this.onEngage?.(source, 'budget', Math.round(st.failures.count(now, this.settings().windowMs)));
    }
    this.schedulePump(st);
    return 'wait';
  }

  /**
   * The check of `ticket` is done. A success gives its token back; a failure is counted
   * and the returned delay (ms) is how long its reply is held.
   */
  checked(ticket: CheckTicket, ok: boolean): number {
    if (ticket.exempt) return 0;
    const now = this.clock();
    const s = this.settings();
    const st = this.state(ticket.source, now);
    if (ok) {
      if (ticket.token) st.tokens = Math.min(s.checksPerMinute, st.tokens + 1);
      if (st.queue.length > 0) this.kick(st);
      return 0;
    }
    st.failures.add(now, s.windowMs);
    const over = st.failures.count(now, s.windowMs) - s.freeFailures;
    if (over <= 0) return 0;
    const delay = delayFor(over, s.maxDelayMs);
    this.delayedReplies++;
    st.delayedReplies++;
    if (!st.delaying) {
      st.delaying = true;
      this.onEngage?.(ticket.source, 'delay', Math.round(st.failures.count(now, s.windowMs)));
    }
    return delay;
  }

  /**
   * A new unauthenticated connection from `source`: false when the source already has
   * `maxUnauthenticated` open (the connection is then refused); otherwise it is counted
   * until `released`.
   */
  admit(source: string, id: number): boolean {
    const cap = this.settings().maxUnauthenticated;
    const open = this.unauthBySource.get(source) ?? 0;
    if (cap > 0 && open >= cap) {
      const now = this.clock();
      const st = this.state(source, now);
      this.refusedConnections++;
      st.refusedConnections++;
      if (!st.capping) {
        st.capping = true;
        this.onEngage?.(source, 'connections', Math.round(st.failures.count(now, this.settings().windowMs)));
      }
      return false;
    }
    this.unauthBySource.set(source, open + 1);
    this.unauthSlot.set(id, source);
    return true;
  }

  /** Client `id` logged in or closed: it no longer counts against its source's cap. */
  released(id: number): void {
    const source = this.unauthSlot.get(id);
    if (source === undefined) return;
    this.unauthSlot.delete(id);
    const open = (this.unauthBySource.get(source) ?? 1) - 1;
    if (open > 0) this.unauthBySource.set(source, open);
    else this.unauthBySource.delete(source);
  }

  /** Client `id` closed: its waiting attempt (if any) goes, and its connection is released. */
  forget(id: number): void {
    const w = this.waiters.get(id);
    if (w !== undefined) {
      this.waiters.delete(id);
      clearTimeout(w.timer);
      this.dequeue(w);
    }
    this.released(id);
  }

  /** Attempts waiting for budget now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Sources being throttled now (delaying failure replies or rationing checks). */
  engagedCount(): number {
    const now = this.clock();
    let n = 0;
    for (const st of this.sources.values()) {
      this.refill(st, now);
      if (this.stateOf(st, now) !== 'watching') n++;
    }
    return n;
  }

  /** The sources with anything to show: failures in the window, waiting attempts, a spent budget, refused connections. */
  list(): SourceInfo[] {
    const now = this.clock();
    const s = this.settings();
    const out: SourceInfo[] = [];
    for (const st of this.sources.values()) {
      this.refill(st, now);
      const failures = Math.round(st.failures.count(now, s.windowMs));
      const unauth = this.unauthBySource.get(st.source) ?? 0;
      if (failures === 0 && st.queue.length === 0 && st.tokens >= s.checksPerMinute && st.refusedConnections === 0) continue;
      const over = failures + 1 - s.freeFailures;
      out.push({
        source: st.source,
        state: this.stateOf(st, now),
        failures,
        nextDelayMs: over > 0 ? delayFor(over, s.maxDelayMs) : 0,
        budget: Math.floor(st.tokens),
        waiting: st.queue.length,
        unauthenticated: unauth,
        delayedReplies: st.delayedReplies,
        waitedAttempts: st.waitedAttempts,
        refusedConnections: st.refusedConnections,
      });
    }
    return out;
  }

  /**
   * AUTHTHROTTLE CLEAR: forgets the failures of every source (or one), refills its budget
   * and lets its waiting attempts be checked now. Open connections still count against
   * the cap (they are real). Returns how many sources were reset.
   */
  clear(source?: string): number {
    const s = this.settings();
    let n = 0;
    for (const st of source === undefined ? [...this.sources.values()] : [this.sources.get(source)].filter((x) => x !== undefined)) {
      st.failures = new SlidingCounter();
      st.tokens = s.checksPerMinute;
      st.refilledAt = this.clock();
      st.delaying = st.rationing = st.capping = false;
      st.delayedReplies = st.waitedAttempts = st.refusedConnections = 0;
      if (st.queue.length > 0) this.kick(st);
      n++;
    }
    return n;
  }

  /**
   * Cron: hands refilled budget out to waiting attempts (every tick), and once a second
   * ends calm episodes and forgets idle sources.
   */
  tick(): void {
    const now = this.clock();
    const s = this.settings();
    for (const st of [...this.queued]) {
      // throttling turned off: nobody waits any more
      if (!s.enabled) this.drain(st);
      else this.pump(st);
    }
    if (now - this.lastSweep < 1000 && now >= this.lastSweep) return;
    this.lastSweep = now;
    const idleMs = Math.max(2 * s.windowMs, 60_000);
    for (const [k, st] of this.sources) {
      if (st.queue.length > 0) continue;
      this.refill(st, now);
      if (st.delaying && st.failures.count(now, s.windowMs) <= s.freeFailures) st.delaying = false;
      if (st.rationing && st.tokens >= s.checksPerMinute / 2) st.rationing = false;
      if (st.capping && (this.unauthBySource.get(k) ?? 0) < s.maxUnauthenticated) st.capping = false;
      if (now - st.lastSeen > idleMs) this.sources.delete(k);
    }
  }

  /** Server close: no timer may fire afterwards. */
  stop(): void {
    for (const w of this.waiters.values()) clearTimeout(w.timer);
    this.waiters.clear();
    for (const st of this.sources.values()) {
      st.queue.length = 0;
      if (st.pumpTimer !== null) clearTimeout(st.pumpTimer);
      st.pumpTimer = null;
    }
    this.queued.clear();
  }

  private dequeue(w: Waiter): void {
    const q = w.st.queue;
    const i = q.indexOf(w);
    if (i !== -1) q.splice(i, 1);
    if (q.length === 0) {
      this.queued.delete(w.st);
      if (w.st.pumpTimer !== null) clearTimeout(w.st.pumpTimer);
      w.st.pumpTimer = null;
    }
  }

  private stateOf(st: SourceState, now: number): SourceInfo['state'] {
    const s = this.settings();
    if (st.queue.length > 0 || st.tokens < 1) return 'rationing';
    if (st.failures.count(now, s.windowMs) > s.freeFailures) return 'delaying';
    return 'watching';
  }

  /** Gives waiting attempts the tokens that are there, oldest first; re-arms for the next token. */
  private pump(st: SourceState): void {
    if (st.pumpTimer !== null) {
      clearTimeout(st.pumpTimer);
      st.pumpTimer = null;
    }
    const now = this.clock();
    this.refill(st, now);
    while (st.queue.length > 0 && st.tokens >= 1) {
      st.tokens -= 1;
      this.release(st.queue[0]!, true);
    }
    if (st.queue.length > 0) this.schedulePump(st);
  }

  /** Releases every waiter without budget (throttling was turned off). */
  private drain(st: SourceState): void {
    while (st.queue.length > 0) this.release(st.queue[0]!, false);
  }

  /** Removes a waiter from its queue and starts its check. */
  private release(w: Waiter, withToken: boolean): void {
    if (this.waiters.get(w.id) !== w) return;
    this.waiters.delete(w.id);
    clearTimeout(w.timer);
    this.dequeue(w);
    const waitedMs = performance.now() - w.since;
    if (waitedMs > this.longestWaitMs) this.longestWaitMs = waitedMs;
    if (!withToken) this.checkedAtBound++;
    w.start({ source: w.st.source, token: withToken, exempt: false, waitedMs, atBound: !withToken });
  }

  /** Wakes the queue when the next token is due (the waiters' own timers bound the wait anyway). */
  private schedulePump(st: SourceState): void {
    if (st.pumpTimer !== null) return;
    const due = Math.ceil(((1 - st.tokens) * 60_000) / Math.max(1, this.settings().checksPerMinute));
    const ms = Math.min(WAIT_CEILING_MS, Math.max(1, due));
    st.pumpTimer = setTimeout(() => {
      st.pumpTimer = null;
      this.pump(st);
    }, ms);
    st.pumpTimer.unref();
  }

  /** Serves the queue on a later turn (never inside another client's command). */
  private kick(st: SourceState): void {
    if (st.pumpTimer !== null) clearTimeout(st.pumpTimer);
    st.pumpTimer = setTimeout(() => {
      st.pumpTimer = null;
      this.pump(st);
    }, 0);
    st.pumpTimer.unref();
  }

  private refill(st: SourceState, now: number): void {
    const b = Math.max(1, this.settings().checksPerMinute);
    if (now > st.refilledAt) st.tokens = Math.min(b, st.tokens + ((now - st.refilledAt) * b) / 60_000);
    else if (st.tokens > b) st.tokens = b;
    st.refilledAt = now;
  }

  private state(source: string, now: number): SourceState {
    let st = this.sources.get(source);
    if (st === undefined) {
      if (this.sources.size >= MAX_SOURCES) this.evictOne();
      st = {
        source,
        failures: new SlidingCounter(),
        tokens: Math.max(1, this.settings().checksPerMinute),
        refilledAt: now,
        queue: [],
        pumpTimer: null,
        lastSeen: now,
        delaying: false,
        rationing: false,
        capping: false,
        delayedReplies: 0,
        waitedAttempts: 0,
        refusedConnections: 0,
      };
      this.sources.set(source, st);
    }
    st.lastSeen = now;
    return st;
  }

  /** Bounded memory: forget the least recently seen source without waiters among a sample. */
  private evictOne(): void {
    let victim: string | null = null;
    let oldest = Infinity;
    let looked = 0;
    for (const [k, st] of this.sources) {
      if (st.queue.length === 0 && st.lastSeen < oldest) {
        oldest = st.lastSeen;
        victim = k;
      }
      if (++looked >= 64) break;
    }
    if (victim !== null) this.sources.delete(victim);
  }
}

/** The hold on a failure reply `over` failures past the free ones: 100 ms doubling, capped. */
function delayFor(over: number, maxDelayMs: number): number {
  const cap = Math.min(DELAY_CEILING_MS, Math.max(0, maxDelayMs));
  return Math.min(cap, FIRST_DELAY_MS * 2 ** Math.min(over - 1, 16));
}
