/**
 * maxmemory eviction, as Redis's evict.c: before a command runs, while the accounted
 * memory (memory-accounting.ts) is above maxmemory, keys are evicted by the policy.
 *
 * - LRU / LFU / TTL policies are approximated as Redis does: each round samples
 *   `maxmemory-samples` keys per database into a pool of the 16 best candidates kept
 *   across calls (highest idle time, lowest decayed LFU counter, soonest expiry), and the
 *   best candidate still present is evicted.
 * - Random policies take a random key, visiting the databases round-robin.
 * - volatile-* policies only consider keys with a TTL. Keys with a TTL are sampled as
 *   consecutive entries from a rotating point of the database's expiry map (a Map cannot
 *   be indexed at random; over successive rounds every volatile key is seen), all keys at
 *   random from the keyspace's slot list (O(1) each).
 * - `maxmemory-eviction-tenacity` bounds the time one call spends (checked every 16
 *   keys); past it, eviction continues in the background (one batch per event-loop turn)
 *   and commands are not refused meanwhile, as Redis's eviction time proc.
 */
import { performance } from 'node:perf_hooks';
import type { Database } from './database.js';
import type { Entry } from './value-types.js';
import type { BigMap } from '../types/big-map.js';

export type EvictionPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl';

export const enum EvictResult {
  /** under the limit (or eviction does not apply right now) */
  Ok,
  /** still above, eviction goes on in the background: commands are not refused */
  Running,
  /** above the limit and nothing (more) may be evicted */
  Fail,
}

/** What eviction needs from the server. */
export interface EvictionHost {
  readonly dbs: readonly Database[];
  /** accounted used_memory, settled */
  usedMemory(): number;
  /** removes one key as evicted (stats, event, WATCH, propagation); false if it was gone or expired */
  evictKey(db: Database, key: string): boolean;
  /** eviction (like expiry) does not run while clients are paused */
  evictionPaused(): boolean;
  /** the server's cached time, ms (the clock entries' access times use) */
  now(): number;
}

const POOL_SIZE = 16;

interface Candidate {
  /** larger is a better victim */
  score: number;
  key: string;
  db: number;
}

export class Evictor {
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  samples = 5;
  tenacity = 10;
  /** the best candidates so far, ascending by score */
  private pool: Candidate[] = [];
  private nextDb = 0;
  /** rotating positions in the databases' expiry maps (keyed by the map: SWAPDB-safe) */
  private cursors = new WeakMap<BigMap<string, number>, IterableIterator<string>>();
  private sampled: string[] = [];
  /** performance.now() when memory first stayed above the limit, 0 when under */
  private exceededSince = 0;
  /** total ms spent above the limit in finished episodes */
  private exceededTotalMs = 0;
  private backgroundTimer: NodeJS.Immediate | null = null;

  constructor(private readonly host: EvictionHost) {}

  /** Redis's evictionTimeLimitUs: 0..500 µs linearly up to 10, then +15% a step, unlimited at 100. */
  timeLimitUs(): number {
    const t = this.tenacity;
    if (t <= 10) return 50 * t;
    if (t < 100) return 500 * Math.pow(1.15, t - 10);
    return Infinity;
  }

  /** ms above the limit: [total including the current episode, current episode] (INFO stats). */
  exceededTime(): [number, number] {
    const current = this.exceededSince === 0 ? 0 : performance.now() - this.exceededSince;
    return [Math.floor(this.exceededTotalMs + current), Math.floor(current)];
  }

  /** Redis's performEvictions. */
  perform(): EvictResult {
    const result = this.evict();
    if (result === EvictResult.Ok) {
      if (this.exceededSince !== 0) {
        this.exceededTotalMs += performance.now() - this.exceededSince;
        this.exceededSince = 0;
      }
    } else if (this.exceededSince === 0) this.exceededSince = performance.now();
    return result;
  }

  /** Starts background eviction (CONFIG SET maxmemory, or a call that ran out of time). */
  startBackground(): void {
    if (this.backgroundTimer !== null) return;
    const step = () => {
      this.backgroundTimer = null;
      if (this.perform() === EvictResult.Running) this.backgroundTimer = setImmediate(step);
    };
    this.backgroundTimer = setImmediate(step);
  }

  stop(): void {
    if (this.backgroundTimer !== null) clearImmediate(this.backgroundTimer);
    this.backgroundTimer = null;
  }

  private evict(): EvictResult {
    if (this.maxmemory <= 0 || this.host.evictionPaused()) return EvictResult.Ok;
    if (this.host.usedMemory() <= this.maxmemory) return EvictResult.Ok;
    if (this.policy === 'noeviction') return EvictResult.Fail;
    const limitUs = this.timeLimitUs();
    const start = performance.now();
    let freedKeys = 0;
    while (this.host.usedMemory() > this.maxmemory) {
      const victim = this.policy.endsWith('-random') ? this.randomVictim() : this.poolVictim();
      if (victim === null) return EvictResult.Fail;
      this.host.evictKey(victim[0], victim[1]);
      freedKeys++;
      if (freedKeys % 16 === 0 && (performance.now() - start) * 1000 > limitUs) {
        if (this.host.usedMemory() <= this.maxmemory) break;
        this.startBackground();
        return EvictResult.Running;
      }
    }
    return EvictResult.Ok;
  }

  private get volatileOnly(): boolean {
    return this.policy.startsWith('volatile-');
  }

  private randomVictim(): [Database, string] | null {
    const dbs = this.host.dbs;
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[this.nextDb]!;
      if (this.volatileOnly) {
        if (db.expiresCount === 0) continue;
        this.sampleVolatile(db, 1);
        const key = this.sampled[0];
        if (key !== undefined) return [db, key];
      } else if (db.size > 0) {
        const key = db.randomStoredKey();
        if (key !== undefined) return [db, key];
      }
    }
    return null;
  }

  /** Redis's loop around evictionPoolPopulate: refill the pool, take the best live candidate. */
  private poolVictim(): [Database, string] | null {
    const dbs = this.host.dbs;
    for (;;) {
      let total = 0;
      for (const db of dbs) {
        const n = this.volatileOnly ? db.expiresCount : db.size;
        if (n === 0) continue;
        total += n;
        this.populate(db);
      }
      if (total === 0) return null;
      while (this.pool.length > 0) {
        const c = this.pool.pop()!;
        const db = dbs[c.db];
        if (db === undefined) continue;
        const present = this.volatileOnly ? db.expires.has(c.key) : db.storedEntry(c.key) !== undefined;
        if (present) return [db, c.key];
        // a ghost (deleted since it was sampled): try the next best
      }
    }
  }

  private populate(db: Database): void {
    const keys = this.sampled;
    if (this.volatileOnly) this.sampleVolatile(db, this.samples);
    else {
      keys.length = 0;
      if (this.samples >= db.size) {
        // a sample as large as the database is the database (Redis's dictGetSomeKeys
        // returns distinct keys): exact, and no more work than the sample
        for (const [k] of db.entries()) keys.push(k);
      } else {
        for (let i = 0; i < this.samples; i++) {
          const k = db.randomStoredKey();
          if (k !== undefined) keys.push(k);
        }
      }
    }
    const pool = this.pool;
    for (const key of keys) {
      const e = db.storedEntry(key);
      if (e === undefined) continue;
      const score = this.score(db, key, e);
      if (pool.length === POOL_SIZE && score <= pool[0]!.score) continue;
      let dup = false;
      for (const c of pool) {
        if (c.key === key && c.db === db.index) {
          dup = true;
          break;
        }
      }
      if (dup) continue;
      let at = pool.length;
      while (at > 0 && pool[at - 1]!.score > score) at--;
      pool.splice(at, 0, { score, key, db: db.index });
      if (pool.length > POOL_SIZE) pool.shift();
    }
  }

  /** Redis's "idle": larger means evict sooner. */
  private score(db: Database, key: string, e: Entry): number {
    switch (this.policy) {
      case 'allkeys-lfu':
      case 'volatile-lfu':
        return 255 - db.lfuCounter(e);
      case 'volatile-ttl':
        return Number.MAX_SAFE_INTEGER - (db.getExpire(key) ?? Number.MAX_SAFE_INTEGER);
      default:
        return Math.max(0, this.host.now() - e.lru);
    }
  }

  /**
   * Up to n keys with a TTL. When at least a quarter of the keys have one, random picks from
   * the keyspace find them quickly; otherwise (and for what random picks missed) they are
   * consecutive keys from where the last sample of this database stopped.
   */
  private sampleVolatile(db: Database, n: number): void {
    const out = this.sampled;
    out.length = 0;
    const map = db.expires;
    n = Math.min(n, map.size);
    if (n < map.size && map.size * 4 >= db.size) {
      for (let tries = 0; out.length < n && tries < n * 4; tries++) {
        const k = db.randomStoredKey();
        if (k !== undefined && map.has(k)) out.push(k);
      }
      if (out.length === n) return;
    }
    let it = this.cursors.get(map);
    let wrapped = false;
    while (out.length < n && map.size > 0) {
      if (it === undefined) it = map.keys();
      const r = it.next();
      if (r.done === true) {
        it = undefined;
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      out.push(r.value);
    }
    if (it === undefined) this.cursors.delete(map);
    else this.cursors.set(map, it);
  }
}
