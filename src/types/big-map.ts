/**
 * Map and Set with no 2^24 ceiling.
 *
 * A V8 Map/Set throws "Map maximum size exceeded" at 2^24 entries, and already at about
 * 11M live entries when entries are deleted and added (the deleted slots count against the
 * same table until a rehash, which grows it past the limit). Redis holds 2^32 keys per
 * database and 2^32 members per collection, so every structure whose size a client
 * controls is built on these instead.
 *
 * Layout: a `primary` Map holding up to `shardCapacity` entries in insertion order, and
 * only once it is full, `OVERFLOW_SHARDS` overflow Maps chosen by a seeded hash of the key.
 *
 * - While nothing has overflowed (every collection below 8M entries) each operation is the
 *   plain Map operation plus one integer comparison: the hot path does one lookup.
 * - Past that, a lookup costs at most two Map lookups (primary, then the key's shard).
 * - Iteration is the primary in insertion order, then each overflow shard in index order.
 *   So the order is exactly a Map's while nothing has overflowed (what Redis's listpack
 *   order comparisons and the differential tests see); past that it is unspecified, as
 *   Redis's hashtable order is. Iterators are live like a Map's: deleting during the
 *   iteration is safe, and an entry added meanwhile may or may not be visited.
 *
 * Invariant: a key is stored in at most one Map; `overflowSize` is the number of entries in
 * the overflow shards; an overflow shard never holds more than `shardCapacity` entries.
 */

/** Entries per V8 Map that stay safe under delete/insert churn (see above): 2^23. */
export const DEFAULT_SHARD_CAPACITY = 1 << 23;
/** (1 + 512) × 2^23 > 2^32: the overflow shards reach Redis's per-collection limit. */
export const OVERFLOW_SHARDS = 512;

/** Per-process seed so clients cannot choose keys that all land in one overflow shard. */
const SEED = (Math.random() * 0x100000000) >>> 0;

/** FNV-1a over the key's code units (binary strings: one byte per unit), seeded. */
export function shardHash(key: unknown): number {
  if (typeof key === 'string') {
    let h = (0x811c9dc5 ^ SEED) >>> 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }
  if (typeof key === 'number') {
    let h = Math.imul((key | 0) ^ SEED, 0x9e3779b1);
    h ^= Math.floor(key / 0x100000000);
    return (h ^ (h >>> 16)) >>> 0;
  }
  // objects (clients, connections): no stable hash; only string and number keys may overflow
  throw new RangeError('collection full');
}

function fullError(): RangeError {
  return new RangeError('collection full');
}

export class BigMap<K, V> implements Iterable<[K, V]> {
  private primary = new Map<K, V>();
  private shards: (Map<K, V> | undefined)[] | null = null;
  private overflowSize = 0;

  constructor(private readonly shardCapacity = DEFAULT_SHARD_CAPACITY) {}

  get size(): number {
    return this.primary.size + this.overflowSize;
  }

  get(key: K): V | undefined {
    const v = this.primary.get(key);
    if (v !== undefined || this.overflowSize === 0) return v;
    return this.shards![shardHash(key) % OVERFLOW_SHARDS]?.get(key);
  }

  has(key: K): boolean {
    if (this.primary.has(key)) return true;
    if (this.overflowSize === 0) return false;
    return this.shards![shardHash(key) % OVERFLOW_SHARDS]?.has(key) ?? false;
  }

  set(key: K, value: V): this {
    const p = this.primary;
    if (this.overflowSize === 0) {
      // fast path: one lookup while the primary has room
      if (p.size < this.shardCapacity) {
        p.set(key, value);
        return this;
      }
    }
    if (p.has(key)) {
      p.set(key, value);
      return this;
    }
    const i = shardHash(key) % OVERFLOW_SHARDS;
    const shard = this.shards?.[i];
    if (shard !== undefined && shard.has(key)) {
      shard.set(key, value);
      return this;
    }
    // a new key: the primary first (it regains room when keys are deleted), then its shard
    if (p.size < this.shardCapacity) {
      p.set(key, value);
      return this;
    }
    this.shardAt(i).set(key, value);
    this.overflowSize++;
    return this;
  }

  delete(key: K): boolean {
    if (this.primary.delete(key)) return true;
    if (this.overflowSize === 0) return false;
    const shard = this.shards![shardHash(key) % OVERFLOW_SHARDS];
    if (shard === undefined || !shard.delete(key)) return false;
    this.overflowSize--;
    return true;
  }

  clear(): void {
    this.primary.clear();
    if (this.shards !== null) for (const s of this.shards) s?.clear();
    this.shards = null;
    this.overflowSize = 0;
  }

  *entries(): IterableIterator<[K, V]> {
    yield* this.primary.entries();
    for (const s of this.overflowMaps()) yield* s.entries();
  }

  keys(): IterableIterator<K> {
    if (this.overflowSize === 0 && this.shards === null) return this.primary.keys();
    return this.allKeys();
  }

  *values(): IterableIterator<V> {
    yield* this.primary.values();
    for (const s of this.overflowMaps()) yield* s.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }

  private *allKeys(): IterableIterator<K> {
    yield* this.primary.keys();
    for (const s of this.overflowMaps()) yield* s.keys();
  }

  /** The overflow shards, read afresh at each step so a shard created meanwhile is seen. */
  private *overflowMaps(): IterableIterator<Map<K, V>> {
    for (let i = 0; i < OVERFLOW_SHARDS; i++) {
      const s = this.shards?.[i];
      if (s !== undefined && s.size > 0) yield s;
    }
  }

  private shardAt(i: number): Map<K, V> {
    if (this.shards === null) this.shards = new Array<Map<K, V> | undefined>(OVERFLOW_SHARDS).fill(undefined);
    let s = this.shards[i];
    if (s === undefined) this.shards[i] = s = new Map<K, V>();
    else if (s.size >= this.shardCapacity) throw fullError();
    return s;
  }
}

/** A Set on the same layout as BigMap (see there). */
export class BigSet<T> implements Iterable<T> {
  private readonly map: BigMap<T, true>;

  constructor(shardCapacity = DEFAULT_SHARD_CAPACITY) {
    this.map = new BigMap<T, true>(shardCapacity);
  }

  get size(): number {
    return this.map.size;
  }

  has(item: T): boolean {
    return this.map.has(item);
  }

  add(item: T): this {
    this.map.set(item, true);
    return this;
  }

  /** Adds every item (duplicates once): `new Set(items)` without the 2^24 ceiling. */
  addAll(items: Iterable<T>): this {
    for (const x of items) this.map.set(x, true);
    return this;
  }

  delete(item: T): boolean {
    return this.map.delete(item);
  }

  clear(): void {
    this.map.clear();
  }

  values(): IterableIterator<T> {
    return this.map.keys();
  }

  keys(): IterableIterator<T> {
    return this.map.keys();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.map.keys();
  }
}
