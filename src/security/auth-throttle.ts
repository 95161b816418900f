/**
 * Brute-force throttling of AUTH / HELLO AUTH, keyed by (source address, username) and by
 * source address — never by username alone.
 *
 * - Progressive delay: after `freeFailures` failures of a pair, each further failed
 *   attempt's reply is held back, doubling from 100 ms up to 5 s.
 * - Temporary refusal: after `pairThreshold` failures the pair is blocked for
 *   `blockMs` (doubling with each new block of the same pair, up to an hour): attempts are
 *   answered without checking the password, so guessing gains nothing. After
 *   `sourceThreshold` failures from one address, across users, the address is blocked:
 *   its AUTH attempts are refused and its new connections too.
 * - A success clears its pair's failures.
 *
 * Lock-out trade-off (the concern of redis/redis#310): a block keyed by user name alone
 * would let anyone lock a legitimate service out by failing on purpose. Keyed by source,
 * an attacker can only block addresses it sends from; a legitimate client elsewhere is
 * never affected. The cost: clients sharing an address with an attacker (NAT) share its
 * block, and an attacker with many addresses gets many budgets — which the global spike
 * alert is there to surface. Loopback and unix-socket clients can be exempted.
 */
import { SlidingCounter } from './sliding-counter.js';

export interface ThrottleSettings {
  enabled: boolean;
  /** failures of one (source, user) pair before replies are delayed */
  freeFailures: number;
  /** failures of one pair that block it */
  pairThreshold: number;
  /** failures from one source, across users, that block the source (0 = never) */
  sourceThreshold: number;
  /** first block length; doubles with each further block of the same key */
  blockMs: number;
  /** the window in which failures are counted */
  windowMs: number;
  exemptLoopback: boolean;
}

interface Entry {
  failures: SlidingCounter;
  blockedUntil: number;
  /** blocks so far (the next one lasts blockMs × 2^blocks) */
  blocks: number;
  lastSeen: number;
  /** attempts refused while blocked */
  refused: number;
}

export interface ThrottleVerdict {
  /** refuse this attempt without checking the password; until when */
  blockedUntil: number;
  scope: 'pair' | 'source' | null;
}

export interface BlockInfo {
  key: string;
  scope: 'pair' | 'source';
  source: string;
  user: string | null;
  remainingMs: number;
  failures: number;
  refused: number;
}

const MAX_ENTRIES = 50_000;
const MAX_BLOCK_MS = 3_600_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;
const NOT_BLOCKED: ThrottleVerdict = { blockedUntil: 0, scope: null };

export class AuthThrottle {
  private readonly pairs = new Map<string, Entry>();
  private readonly sources = new Map<string, Entry>();
  /** attempts refused because of a block, connections refused included */
  refusals = 0;
  delayedReplies = 0;

  constructor(private readonly settings: () => ThrottleSettings) {}

  /** Is this address exempt (loopback / unix when so configured)? */
  exempt(local: boolean): boolean {
    const s = this.settings();
    return !s.enabled || (local && s.exemptLoopback);
  }

  /** Before checking a password: is this (source, user) blocked? */
  check(source: string, user: string, now: number): ThrottleVerdict {
    const src = this.sources.get(source);
    if (src !== undefined && src.blockedUntil > now) {
      src.refused++;
      this.refusals++;
      return { blockedUntil: src.blockedUntil, scope: 'source' };
    }
    const p = this.pairs.get(pairKey(source, user));
    if (p !== undefined && p.blockedUntil > now) {
      p.refused++;
      this.refusals++;
      return { blockedUntil: p.blockedUntil, scope: 'pair' };
    }
    return NOT_BLOCKED;
  }

  /** A new connection from `source`: refused while the source is blocked. */
  sourceBlocked(source: string, now: number): boolean {
    const src = this.sources.get(source);
    if (src === undefined || src.blockedUntil <= now) return false;
    src.refused++;
    this.refusals++;
    return true;
  }

  /**
   * Records a failure; returns how long to hold the reply back (ms, 0 for none) and which
   * blocks started because of it.
   */
  recordFailure(source: string, user: string, now: number): { delayMs: number; newBlocks: ('pair' | 'source')[] } {
    const s = this.settings();
    const newBlocks: ('pair' | 'source')[] = [];
    const p = this.entry(this.pairs, pairKey(source, user), now);
    p.failures.add(now, s.windowMs);
    const pf = p.failures.count(now, s.windowMs);
    if (pf >= s.pairThreshold && p.blockedUntil <= now) {
      p.blockedUntil = now + Math.min(MAX_BLOCK_MS, s.blockMs * 2 ** Math.min(p.blocks, 20));
      p.blocks++;
      newBlocks.push('pair');
    }
    if (s.sourceThreshold > 0) {
      const src = this.entry(this.sources, source, now);
      src.failures.add(now, s.windowMs);
      if (src.failures.count(now, s.windowMs) >= s.sourceThreshold && src.blockedUntil <= now) {
        src.blockedUntil = now + Math.min(MAX_BLOCK_MS, s.blockMs * 2 ** Math.min(src.blocks, 20));
        src.blocks++;
        newBlocks.push('source');
      }
    }
    let delayMs = 0;
    const over = pf - s.freeFailures;
    if (over > 0) {
      delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(over - 1, 16));
      this.delayedReplies++;
    }
    return { delayMs, newBlocks };
  }

  /** A successful login clears its pair (the source keeps its count). */
  recordSuccess(source: string, user: string): void {
    this.pairs.delete(pairKey(source, user));
  }

  /** Current blocks (the admin command, INFO, metrics). */
  list(now: number): BlockInfo[] {
    const s = this.settings();
    const out: BlockInfo[] = [];
    for (const [k, e] of this.sources) {
      if (e.blockedUntil > now) out.push({ key: k, scope: 'source', source: k, user: null, remainingMs: e.blockedUntil - now, failures: Math.round(e.failures.count(now, s.windowMs)), refused: e.refused });
    }
    for (const [k, e] of this.pairs) {
      if (e.blockedUntil > now) {
        const [source, user] = splitPairKey(k);
        out.push({ key: k, scope: 'pair', source, user, remainingMs: e.blockedUntil - now, failures: Math.round(e.failures.count(now, s.windowMs)), refused: e.refused });
      }
    }
    return out;
  }

  blockedCount(now: number): number {
    let n = 0;
    for (const e of this.sources.values()) if (e.blockedUntil > now) n++;
    for (const e of this.pairs.values()) if (e.blockedUntil > now) n++;
    return n;
  }

  /** Clears every block and count, or those of one source address. Returns how many entries went. */
  clear(source?: string): number {
    if (source === undefined) {
      const n = this.pairs.size + this.sources.size;
      this.pairs.clear();
      this.sources.clear();
      return n;
    }
    let n = this.sources.delete(source) ? 1 : 0;
    for (const k of [...this.pairs.keys()]) {
      if (splitPairKey(k)[0] === source) {
        this.pairs.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Cron: forgets entries that are neither blocked nor recently active. */
  tick(now: number): void {
    const s = this.settings();
    for (const m of [this.pairs, this.sources]) {
      for (const [k, e] of m) if (e.blockedUntil <= now && now - e.lastSeen > 2 * s.windowMs) m.delete(k);
    }
  }

  private entry(m: Map<string, Entry>, key: string, now: number): Entry {
    let e = m.get(key);
    if (e === undefined) {
      if (m.size >= MAX_ENTRIES) evictOne(m, now);
      e = { failures: new SlidingCounter(), blockedUntil: 0, blocks: 0, lastSeen: now, refused: 0 };
      m.set(key, e);
    }
    e.lastSeen = now;
    return e;
  }
}

/** The source and user, joined by a byte that cannot appear in an address. */
function pairKey(source: string, user: string): string {
  return source + '\n' + user;
}

function splitPairKey(k: string): [string, string] {
  const i = k.indexOf('\n');
  return [k.slice(0, i), k.slice(i + 1)];
}

/** Bounded memory: drop an unblocked entry (the least recently seen among a sample). */
function evictOne(m: Map<string, Entry>, now: number): void {
  let victim: string | null = null;
  let oldest = Infinity;
  let looked = 0;
  for (const [k, e] of m) {
    if (e.blockedUntil <= now && e.lastSeen < oldest) {
      oldest = e.lastSeen;
      victim = k;
    }
    if (++looked >= 64) break;
  }
  m.delete(victim ?? m.keys().next().value!);
}
