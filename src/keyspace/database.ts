/**
 * One logical database: a Map from key (binary string) to entry, a Map of expiry times,
 * lazy expiry on every lookup, and an insertion-ordered slot list that gives SCAN a
 * stable cursor (a key present for the whole scan is always returned) and RANDOMKEY an
 * O(1) pick.
 */
import { CommandError, errors } from '../errors.js';
import type { Entry, Value } from './value-types.js';
import { InsertionSlots } from '../types/insertion-slots.js';
import { BigMap, DEFAULT_SHARD_CAPACITY } from '../types/big-map.js';
import { NotifyKind, type NotifyKindBit } from './keyspace-events.js';
import { KeyEntry } from './key-entry.js';

/** What a database needs from the server around it. */
export interface KeyspaceHost {
  /** cached time of the command being executed, ms */
  now(): number;
  stats: { expiredKeys: number; keyspaceHits: number; keyspaceMisses: number };
  /**
   * called after a key's value or existence changed (WATCH, keyspace events); `stored`:
   * the entry now stored under the key, when the caller has it at hand (saves a lookup;
   * omitted = looked up)
   */
  keyModified(db: Database, key: string, stored?: Entry): void;
  /**
   * called instead of keyModified when the server deleted an expired key: a change for
   * WATCH and waiters, propagated as a DEL, but not a change the command made (Redis's
   * deleteExpiredKeyAndPropagate leaves the dirty counter alone)
   */
  keyExpired?(db: Database, key: string): void;
  /** publishes a keyspace event (keyspace-events.ts) when its class is enabled */
  notifyKeyspaceEvent?(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void;
  /** true while the current client asked CLIENT NO-TOUCH */
  noTouch(): boolean;
  /** LFU counters are kept only under an LFU maxmemory-policy */
  lfuEnabled(): boolean;
  /** lfu-log-factor (default 10) */
  lfuLogFactor?(): number;
  /** lfu-decay-time in minutes (default 1; 0 = never decay) */
  lfuDecayTime?(): number;
  /**
   * Set while a snapshot (BGSAVE, AOF rewrite) runs: called before a stored key's value,
   * expiry or existence changes, so the snapshot can write the key as it was first
   * (key-level copy-on-write, persistence/snapshot.ts). Null otherwise: one check per change.
   */
  keyWriteHook: ((db: Database, key: string) => void) | null;
  /** true while the dataset is loaded at start-up */
  readonly loading?: boolean;
  /**
   * On a replica, Redis 7.2's expireIfNeeded: 'keep' while the primary's stream runs (an
   * expired key is still there for it; the primary's DEL removes it), 'hide' for other
   * clients (an expired key reads as missing but is not deleted). Null on a primary.
   */
  replicaExpiry?(): 'keep' | 'hide' | null;
  /** with keyWriteHook: called before every key of `db` changes at once (FLUSHDB, SWAPDB) */
  bulkWriteHook: ((db: Database) => void) | null;
  /** an entry left the keyspace (memory accounting gives its bytes back) */
  entryFreed?(e: Entry): void;
  /** a key's value changed representation, not content (memory accounting only: no WATCH, no event) */
  keyResized?(db: Database, key: string): void;
}

/** A stored entry with its insertion sequence number. */
export interface Slotted extends Entry {
  /**
   * insertion sequence; position in the slot list is found by binary search on it.
   * Strictly increasing in `entries()`'s order (a snapshot relies on it).
   */
  seq: number;
}

export class Database {
  // BigMap: a single V8 Map stops at 2^24 keys (issue 17); these hold Redis's 2^32
  private data: BigMap<string, Slotted>;
  readonly expires: BigMap<string, number>;
  /**
   * Expiry times beyond 2^53 ms (year 287396) do not fit a double exactly; Redis keeps a
   * long long, and PEXPIRETIME must answer the very value given. Those few live here too,
   * exactly; `expires` holds their rounded value for the hot paths.
   */
  private exactExpires: BigMap<string, bigint>;
  /** keys in insertion order: SCAN cursors and RANDOMKEY */
  private order = new InsertionSlots<string>(1024);
  /** active-expiry walks the expires map with a persistent iterator */
  private expireCursor: IterableIterator<[string, number]> | null = null;
  /** avg TTL sampled by active expiry, for INFO keyspace avg_ttl */
  avgTtl = 0;

  /** `shardCapacity`: entries per V8 Map inside the BigMaps (small in tests to exercise sharding) */
  constructor(
    readonly index: number,
    private readonly host: KeyspaceHost,
    shardCapacity = DEFAULT_SHARD_CAPACITY,
  ) {
    this.data = new BigMap(shardCapacity);
    this.expires = new BigMap(shardCapacity);
    this.exactExpires = new BigMap(shardCapacity);
  }

  /** Number of keys, including ones expired but not yet reclaimed (as Redis's DBSIZE). */
  get size(): number {
    return this.data.size;
  }

  get expiresCount(): number {
    return this.expires.size;
  }

  /** Deletes the key if its time has come. Returns true if it was expired. */
  expireIfNeeded(key: string): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at > this.host.now()) return false;
    // as Redis: nothing expires while the dataset loads (the AOF carries its own deletions)
    if (this.host.loading === true) return false;
    const onReplica = this.host.replicaExpiry?.() ?? null;
    if (onReplica !== null) return onReplica === 'hide';
    this.removeKey(key);
    this.host.stats.expiredKeys++;
    this.host.notifyKeyspaceEvent?.(NotifyKind.expired, 'expired', key, this.index);
    this.expiredOne(key);
    return true;
  }

  private expiredOne(key: string): void {
    if (this.host.keyExpired !== undefined) this.host.keyExpired(this, key);
    else this.host.keyModified(this, key);
  }

  /**
   * Entry for a read: updates hit/miss statistics and access time (unless `noTouch`, as
   * Redis's LOOKUP_NOTOUCH for EXISTS, TYPE, TTL and OBJECT).
   */
  lookupRead(key: string, noTouch = false): Entry | undefined {
    const e = this.lookup(key, noTouch);
    if (e === undefined) {
      this.host.stats.keyspaceMisses++;
      this.host.notifyKeyspaceEvent?.(NotifyKind.keyMiss, 'keymiss', key, this.index);
    } else this.host.stats.keyspaceHits++;
    return e;
  }

  /** Entry for a write (no hit/miss statistics, as Redis). */
  lookupWrite(key: string): Entry | undefined {
    return this.lookup(key);
  }

  /** Entry without touching statistics or access time (TYPE-like peeks, OBJECT). */
  peek(key: string): Entry | undefined {
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return undefined;
    return this.data.get(key);
  }

  /**
   * Entry with no effect at all (Redis's LOOKUP_NOEFFECTS): a key whose time has come reads
   * as missing but is left for the next real access to delete, so the deletion (its event,
   * its DEL in the write feed) happens where Redis has it. Used to decide whether a blocked
   * client can be served.
   */
  peekNoEffects(key: string): Entry | undefined {
    const at = this.expires.size > 0 ? this.expires.get(key) : undefined;
    if (at !== undefined && at <= this.host.now() && this.host.loading !== true) return undefined;
    return this.data.get(key);
  }

  private lookup(key: string, noTouch = false): Entry | undefined {
    const e = this.data.get(key);
    if (e === undefined) return undefined;
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return undefined;
    if (!noTouch && !this.host.noTouch()) this.touchEntry(e);
    return e;
  }

  /**
   * TOUCH: a read lookup that updates the access time even for a CLIENT NO-TOUCH client
   * (Redis exempts the TOUCH command). Returns whether the key exists.
   */
  touch(key: string): boolean {
    const e = this.lookupRead(key, true);
    if (e === undefined) return false;
    this.touchEntry(e);
    return true;
  }

  private touchEntry(e: Entry): void {
    if (this.host.lfuEnabled()) {
      // Redis's updateLFU: decay by the idle minutes first, then the logarithmic increment.
      e.lfu = lfuIncrement(this.lfuCounter(e), this.host.lfuLogFactor?.() ?? 10);
    }
    e.lru = this.host.now();
  }

  /**
   * The LFU counter as OBJECT FREQ reports it: decayed by one per `lfu-decay-time` minutes
   * since the last access (under LFU, `lru` is that access time).
   */
  lfuCounter(e: Entry): number {
    const decay = this.host.lfuDecayTime?.() ?? 1;
    if (decay <= 0) return e.lfu;
    const periods = Math.floor((Math.floor(this.host.now() / 60000) - Math.floor(e.lru / 60000)) / decay);
    if (periods <= 0) return e.lfu;
    return periods > e.lfu ? 0 : e.lfu - periods;
  }

  has(key: string): boolean {
    return this.peek(key) !== undefined;
  }

  /** The string at key, undefined if missing; WRONGTYPE if another type is there. */
  getString(key: string): string | undefined {
    const e = this.lookupRead(key);
    if (e === undefined) return undefined;
    if (e.v.type !== 'string') throw new CommandError(errors.wrongType);
    return e.v.value;
  }

  /** Same as getString for a write path (no hit/miss statistics). */
  getStringForWrite(key: string): string | undefined {
    const e = this.lookupWrite(key);
    if (e === undefined) return undefined;
    if (e.v.type !== 'string') throw new CommandError(errors.wrongType);
    return e.v.value;
  }

  /**
   * Stores a value: SET semantics, the old value of any type is replaced and its TTL
   * dropped unless keepTtl. `raw` marks strings modified in place (OBJECT ENCODING).
   * `touch`: as Redis's setKey, which looks an existing key up for writing first, the old
   * value's access is counted (LRU clock, LFU counter) and the new value inherits it; false
   * for a command that already looked the key up itself (Redis's SETKEY_ALREADY_EXIST,
   * dbReplaceValue for values changed in place: APPEND, SETRANGE, INCR, SETBIT).
   */
  set(key: string, v: Value, keepTtl = false, touch = true): void {
    this.store(key, v, keepTtl, touch);
  }

  setString(key: string, value: string, keepTtl = false, raw = false, touch = true): void {
    // a plain string goes in as its text: a stored key takes it in place, with no value
    // object made for it (~40 B less per SET, issue 17 goal 2)
    this.store(key, raw ? { type: 'string', value, raw } : value, keepTtl, touch);
  }

  /** set()'s steps; `v` a string: a plain (not raw) string value with that content. */
  private store(key: string, v: Value | string, keepTtl: boolean, touch: boolean): void {
    let e = this.data.get(key);
    if (e !== undefined && !this.keptForWrite(key)) e = undefined;
    if (e !== undefined) {
      if (touch && !this.host.noTouch()) this.touchEntry(e);
      if (typeof v !== 'string') e.v = v;
      else if (e instanceof KeyEntry) e.setPlainString(v);
      else e.v = { type: 'string', value: v, raw: false };
      // A new value object in Redis starts its LRU clock now; under LFU it inherits the old
      // counter and access time.
      if (!this.host.lfuEnabled()) e.lru = this.host.now();
      if (!keepTtl && this.expires.size > 0) this.dropExpire(key);
    } else {
      e = this.insert(key, typeof v === 'string' ? { type: 'string', value: v, raw: false } : v);
    }
    this.host.keyModified(this, key, e);
  }

  /**
   * INCR's read (getStringForWrite): a string key's value as a number when it is held as a
   * small canonical integer (no text built to parse back), else its text; undefined: no key.
   */
  getIntegerOrStringForWrite(key: string): number | string | undefined {
    const e = this.lookupWrite(key);
    if (e === undefined) return undefined;
    if (e.v.type !== 'string') throw new CommandError(errors.wrongType);
    if (e instanceof KeyEntry) {
      const n = e.smallInt();
      if (n !== undefined) return n;
    }
    return e.v.value;
  }

  /**
   * INCR's store: the same as setString(key, String(n), true, false, false) — the value
   * replaced in place after the command's own lookup, TTL kept — with an integer 0..2^31-1
   * stored as one without its text when the key holds an inline string.
   */
  setInteger(key: string, n: number): void {
    const e = this.data.get(key);
    if (!(e instanceof KeyEntry) || e.v !== e || !(n >= 0 && n <= 0x7fffffff && Number.isInteger(n))) {
      this.setString(key, String(n), true, false, false);
      return;
    }
    if (!this.keptForWrite(key)) {
      this.host.keyModified(this, key, this.insert(key, { type: 'string', value: String(n), raw: false }));
      return;
    }
    // set()'s steps for a stored key with touch false and the TTL kept
    e.setSmallInt(n);
    if (!this.host.lfuEnabled()) e.lru = this.host.now();
    this.host.keyModified(this, key, e);
  }

  /**
   * A stored key about to get a new value: a running snapshot writes it first; then, as
   * Redis's setKey, which looks the key up for writing, one whose time has come is reclaimed
   * (an "expired" event, a WATCH change). False: it was, and the new value is a new key.
   */
  private keptForWrite(key: string): boolean {
    if (this.host.keyWriteHook !== null) this.host.keyWriteHook(this, key);
    return !(this.expires.size > 0 && this.expireIfNeeded(key));
  }

  /** Adds a key that must not exist yet (RENAME target, RESTORE, COPY). */
  private insert(key: string, v: Value): Slotted {
    const e = new KeyEntry(v, this.host.now(), LFU_INIT, this.order.add(key));
    this.data.set(key, e);
    // Redis's dbAdd: every key creation, before the command's own event
    this.host.notifyKeyspaceEvent?.(NotifyKind.newKey, 'new', key, this.index);
    return e;
  }

  /**
   * Stores `v`, equal in content to the key's value but held another way (a string made a
   * MutableString by a SETBIT that moved no bit): not a change for WATCH, events or the
   * dirty counter, as Redis's unsharing is not, but the memory accounting counts it again.
   */
  replaceRepresentation(key: string, v: Value): void {
    const e = this.data.get(key);
    if (e === undefined || e.v === v) return;
    e.v = v;
    this.host.keyResized?.(this, key);
  }

  /** Whether the key is stored, expired or not (WATCH's view of a flush or a touch). */
  stores(key: string): boolean {
    return this.data.has(key);
  }

  /**
   * Adds a new key with an optional absolute expiry (COPY, MOVE). Any entry still stored
   * under that name (an expired one not yet reclaimed) is replaced. As Redis 7.2's dbAdd
   * (initObjectLRUOrLFU), a moved value starts a new access history: LRU clock now, LFU
   * counter at LFU_INIT, unless `access` sets them (RESTORE IDLETIME / FREQ).
   */
  add(key: string, v: Value, expireAt?: number | bigint, access?: { lru: number; lfu: number }): void {
    if (this.data.has(key)) this.removeKey(key);
    this.insert(key, v);
    if (access !== undefined) {
      const e = this.data.get(key)!;
      e.lru = access.lru;
      e.lfu = access.lfu;
    }
    if (expireAt !== undefined) this.storeExpire(key, expireAt);
    this.host.keyModified(this, key);
  }

  delete(key: string): boolean {
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return false;
    if (!this.data.has(key)) return false;
    this.removeKey(key);
    this.host.keyModified(this, key);
    return true;
  }

  private removeKey(key: string): void {
    const e = this.data.get(key);
    if (e === undefined) return;
    if (this.host.keyWriteHook !== null) this.host.keyWriteHook(this, key);
    this.data.delete(key);
    this.dropExpire(key);
    this.order.remove(e.seq);
    this.host.entryFreed?.(e);
  }

  /** Expiry time in ms, or undefined for a persistent (or missing) key. */
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** Expiry time exactly as set: a bigint only when beyond 2^53 ms. */
  getExpireExact(key: string): number | bigint | undefined {
    if (this.exactExpires.size > 0) {
      const big = this.exactExpires.get(key);
      if (big !== undefined) return big;
    }
    return this.expires.get(key);
  }

  /** Sets an absolute expiry; a time already past deletes the key (as Redis). Key must exist. */
  setExpire(key: string, atMs: number | bigint): void {
    if (this.host.keyWriteHook !== null) this.host.keyWriteHook(this, key);
    if (this.isPast(atMs)) {
      this.removeKey(key);
    } else {
      this.storeExpire(key, atMs);
    }
    this.host.keyModified(this, key);
  }

  /**
   * Whether an expiry time set now deletes the key at once (Redis's checkAlreadyExpired):
   * never while the dataset loads, where the file's times may have passed since it was
   * written and the file itself carries the deletions that happened.
   */
  isPast(atMs: number | bigint): boolean {
    return atMs <= this.host.now() && this.host.loading !== true;
  }

  private storeExpire(key: string, atMs: number | bigint): void {
    if (typeof atMs === 'bigint') {
      const approx = Number(atMs);
      if (Number.isSafeInteger(approx)) {
        this.expires.set(key, approx);
        if (this.exactExpires.size > 0) this.exactExpires.delete(key);
        return;
      }
      this.expires.set(key, approx);
      this.exactExpires.set(key, atMs);
      return;
    }
    this.expires.set(key, atMs);
    if (this.exactExpires.size > 0) this.exactExpires.delete(key);
  }

  private dropExpire(key: string): boolean {
    if (this.exactExpires.size > 0) this.exactExpires.delete(key);
    return this.expires.delete(key);
  }

  persist(key: string): boolean {
    if (this.host.keyWriteHook !== null && this.expires.has(key)) this.host.keyWriteHook(this, key);
    if (!this.dropExpire(key)) return false;
    this.host.keyModified(this, key);
    return true;
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    if (this.host.bulkWriteHook !== null && this.data.size > 0) this.host.bulkWriteHook(this);
    const n = this.data.size;
    const keys = [...this.data.keys()];
    if (this.host.entryFreed !== undefined) for (const e of this.data.values()) this.host.entryFreed(e);
    this.data.clear();
    this.expires.clear();
    this.exactExpires.clear();
    this.order.clear();
    this.expireCursor = null;
    this.avgTtl = 0;
    for (const k of keys) this.host.keyModified(this, k);
    return n;
  }

  /** Moves every key and expiry of `other` into this empty database (SWAPDB helper). */
  swapContents(other: Database): void {
    const bulk = this.host.bulkWriteHook;
    if (bulk !== null) {
      bulk(this);
      bulk(other);
    }
    const fields = ['data', 'expires', 'exactExpires', 'order', 'avgTtl'] as const;
    for (const f of fields) {
      const mine = this[f as keyof this];
      (this as Record<string, unknown>)[f] = other[f as keyof Database];
      (other as unknown as Record<string, unknown>)[f] = mine;
    }
    this.expireCursor = null;
    other.expireCursor = null;
  }

  /** Live keys (expired ones are skipped, not deleted: KEYS must not write). */
  *liveKeys(): IterableIterator<string> {
    const now = this.host.now();
    for (const key of this.data.keys()) {
      const at = this.expires.get(key);
      if (at !== undefined && at <= now) continue;
      yield key;
    }
  }

  /** A random live key, or undefined when empty. */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.data.size > 0; tries++) {
      const k = this.order.random();
      if (k === undefined) break;
      if (this.expires.size > 0 && this.expireIfNeeded(k)) continue;
      return k;
    }
    // dense fallback: everything sampled was deleted/expired
    for (const k of this.liveKeys()) return k;
    return undefined;
  }

  /**
   * One SCAN step. The cursor is an insertion sequence number: keys are visited in
   * insertion order, so a key that exists for the whole scan is seen exactly once.
   * `accept` (pattern / type filters) runs before the expiry check, so, as in Redis, only
   * keys that pass the filters are reclaimed when expired. Returns the next cursor (0 when done).
   */
  /**
   * One SCAN step. As Redis 7.2: `accept` (the MATCH pattern) filters first; every key it
   * keeps is expired if due, whatever its type; `keep` (the TYPE filter) is applied last.
   */
  scan(
    cursor: number,
    count: number,
    visit: (key: string) => void,
    accept?: (key: string) => boolean,
    keep?: (e: Entry) => boolean,
  ): number {
    const candidates: string[] = [];
    const next = this.order.scan(cursor, count, candidates);
    for (const k of candidates) {
      const e = this.data.get(k);
      if (e === undefined) continue;
      if (accept !== undefined && !accept(k)) continue;
      if (this.expires.size > 0 && this.expireIfNeeded(k)) continue;
      if (keep === undefined || keep(e)) visit(k);
    }
    return next;
  }

  /**
   * Active expiry: samples up to `budget` keys with a TTL and deletes expired ones.
   * Returns [checked, expired] so the caller can decide whether to continue.
   */
  activeExpireStep(budget: number): [number, number] {
    if (this.expires.size === 0) {
      // as Redis: a database with no volatile keys reports avg_ttl 0 again
      this.avgTtl = 0;
      return [0, 0];
    }
    const now = this.host.now();
    let checked = 0;
    let expired = 0;
    let ttlSum = 0;
    let ttlCount = 0;
    while (checked < budget) {
      if (this.expireCursor === null) this.expireCursor = this.expires.entries();
      const r = this.expireCursor.next();
      if (r.done) {
        this.expireCursor = null;
        if (checked === 0) break;
        // wrapped around: one full pass per step is enough
        break;
      }
      const [key, at] = r.value;
      checked++;
      if (at <= now) {
        this.removeKey(key);
        this.host.stats.expiredKeys++;
        this.host.notifyKeyspaceEvent?.(NotifyKind.expired, 'expired', key, this.index);
        this.expiredOne(key);
        expired++;
      } else {
        ttlSum += at - now;
        ttlCount++;
      }
    }
    if (ttlCount > 0) {
      const avg = ttlSum / ttlCount;
      // running average, as Redis weights new samples
      this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
    }
    return [checked, expired];
  }

  /**
   * Rename: moves the value and TTL to `to` (which is overwritten). A same-name rename is
   * a no-op. As Redis 7.2's dbAdd, the renamed key starts a new access history (LRU clock
   * now, LFU counter at LFU_INIT).
   */
  rename(from: string, to: string, keepDestTtl = false): void {
    if (from === to) return;
    const e = this.data.get(from);
    if (e === undefined) return;
    const ttl = this.getExpireExact(from);
    this.removeKey(from);
    this.host.keyModified(this, from);
    if (this.data.has(to)) this.removeKey(to);
    this.insert(to, e.v);
    if (ttl !== undefined && !keepDestTtl) this.storeExpire(to, ttl);
    this.host.keyModified(this, to);
  }

  /** The entry stored under key, expired or not, without any side effect (memory accounting, eviction). */
  storedEntry(key: string): Entry | undefined {
    return this.data.get(key);
  }

  /** A uniformly random stored key, expired or not, without any side effect (eviction sampling). */
  randomStoredKey(): string | undefined {
    return this.order.random();
  }

  /**
   * Raw entry access for OBJECT, DEBUG-free introspection and persistence, in insertion
   * (seq) order. Walks the slot list by sequence cursor rather than the map, whose order is
   * not insertion order once it is sharded; the walk is live like a Map iterator (keys
   * deleted meanwhile are skipped, keys added meanwhile come last).
   */
  *entries(): IterableIterator<[string, Slotted]> {
    let cursor = 0;
    const batch: string[] = [];
    do {
      batch.length = 0;
      // the slot list may be swapped (SWAPDB) or cleared (FLUSHDB) between steps: read afresh
      cursor = this.order.scan(cursor, 256, batch);
      for (const k of batch) {
        const e = this.data.get(k);
        if (e !== undefined) yield [k, e];
      }
    } while (cursor !== 0);
  }

  /** The stored entry (expired or not) without side effects: persistence only. */
  rawEntry(key: string): Slotted | undefined {
    return this.data.get(key);
  }

  /** Sequence number the next inserted key will be given (a snapshot's horizon). */
  get nextSeq(): number {
    return this.order.peekNextSeq();
  }
}

/** Redis's LFU: a logarithmic 8-bit counter starting at 5 (LFU_INIT_VAL). */
export const LFU_INIT = 5;
const LFU_LOG_FACTOR = 10;

function lfuIncrement(counter: number, logFactor = LFU_LOG_FACTOR): number {
  if (counter >= 255) return 255;
  const baseval = Math.max(0, counter - LFU_INIT);
  const p = 1 / (baseval * logFactor + 1);
  return Math.random() < p ? counter + 1 : counter;
}
