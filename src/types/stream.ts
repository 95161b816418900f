/**
 * The value behind a stream key: entries ordered by ID, plus consumer groups.
 *
 * Entries live in nodes that mirror Redis's listpack nodes (t_stream.c): a node holds the
 * entries appended while it had room (stream-node-max-entries, stream-node-max-bytes, with
 * the listpack's byte size emulated exactly), a deletion only marks an entry, a node goes
 * when its last live entry is deleted, and approximate trimming removes whole nodes only.
 * Keeping Redis's node boundaries is what makes `MAXLEN ~` / `MINID ~` leave the same
 * entries as Redis, and XINFO's radix-tree-keys/-nodes report the same numbers.
 *
 * Lookups binary-search the nodes by first ID, then the node's entries, so a range scan in
 * either direction starts in O(log n); appends go to the tail node in O(1).
 *
 * No JS array here grows with the stream (issue 17): the nodes are a ChunkedList (a stream
 * of N entries has N / stream-node-max-entries nodes, so N nodes with a limit of 1) and a
 * node's entries a ChunkedArray (stream-node-max-entries 0 lets one node hold ~100M small
 * entries, up to its 1 GiB listpack); a single JS array aborts the process near 112M.
 */
import { parseInteger } from '../protocol/number-format.js';
import {
  compareIds,
  idKeyBytes,
  idsEqual,
  isZeroId,
  MAX_ID,
  MIN_ID,
  signedDelta,
  type StreamId,
} from './stream-id.js';
import { BigMap } from './big-map.js';
import { ChunkedList, DEFAULT_MAX_CHUNK } from './chunked-list.js';
import { ChunkedArray, CHUNK_SHIFT } from './chunked-array.js';

export interface StreamEntry {
  readonly id: StreamId;
  /** field, value, field, value… */
  readonly fv: readonly string[];
  deleted: boolean;
}

/** Redis's STREAM_LISTPACK_MAX_SIZE: a node never grows beyond 1 GiB. */
const LISTPACK_MAX_SIZE = 1 << 30;
/** listpack header (total bytes + element count) and end marker */
const LP_EMPTY_BYTES = 7;

/** Bytes one integer element takes in a listpack: encoding plus its one-byte back-length. */
function lpIntBytes(v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v < -2147483648n || v > 2147483647n) return 10;
    v = Number(v);
  }
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Bytes one string element takes: listpacks store integer-looking strings as integers. */
function lpStringBytes(s: string): number {
  const n = s.length;
  if (n <= 20) {
    const v = parseInteger(s);
    if (v !== null) return lpIntBytes(v);
  }
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  const back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
  return enc + back;
}

/** One listpack node of Redis's radix tree. Its first entry's ID is the node's key. */
export class StreamNode {
  readonly entries: ChunkedArray<StreamEntry>;
  /** entries not marked deleted (the listpack's "count") */
  live = 0;
  /** entries marked deleted (the listpack's "deleted") */
  deleted = 0;
  /** lpBytes() of the listpack Redis would hold */
  bytes: number;

  /** `entryShift`: log2 of the entries' chunk size (tests use tiny chunks to cross boundaries) */
  constructor(
    readonly master: StreamId,
    readonly masterFields: readonly string[],
    entryShift = CHUNK_SHIFT,
  ) {
    this.entries = new ChunkedArray<StreamEntry>(entryShift);
    let b = LP_EMPTY_BYTES + lpIntBytes(0) /* count, set to 1 by the first append */ + lpIntBytes(0) + lpIntBytes(masterFields.length);
    for (const f of masterFields) b += lpStringBytes(f);
    this.bytes = b + lpIntBytes(0);
  }

  setLive(n: number): void {
    this.bytes += lpIntBytes(n) - lpIntBytes(this.live);
    this.live = n;
  }

  setDeleted(n: number): void {
    this.bytes += lpIntBytes(n) - lpIntBytes(this.deleted);
    this.deleted = n;
  }

  /** Index of the first entry with ID >= id (entries.length if none). */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.entries.get(mid)!.id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first entry with ID > id. */
  upperBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.entries.get(mid)!.id, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A pending entry (Redis's streamNACK): delivered to a consumer, not acknowledged yet. */
export interface Nack {
  readonly id: StreamId;
  consumer: Consumer;
  /** ms of the last delivery */
  deliveryTime: number;
  deliveryCount: number;
}

/**
 * Items ordered by ID (a PEL): binary search; appends at the end and removals at the front
 * (the usual order of deliveries and acknowledgements) are cheap. Stored chunked
 * (types/chunked-list.ts) so a PEL may pass the ~112M elements one JS array can hold.
 */
export class IdIndex<V extends { readonly id: StreamId }> {
  private list: ChunkedList<V>;

  constructor(maxChunk?: number) {
    this.list = new ChunkedList<V>(maxChunk);
  }

  get size(): number {
    return this.list.size;
  }

  /** The i-th item in ID order (0 <= i < size). */
  at(i: number): V {
    return this.list.at(i)!;
  }

  first(): V | undefined {
    return this.list.at(0);
  }

  last(): V | undefined {
    return this.list.at(this.list.size - 1);
  }

  /** Logical index of the first item with ID >= id (size if none). */
  lowerBound(id: StreamId): number {
    return this.list.partitionPoint((v) => compareIds(v.id, id) < 0);
  }

  get(id: StreamId): V | undefined {
    const i = this.lowerBound(id);
    if (i === this.size) return undefined;
    const v = this.at(i);
    return idsEqual(v.id, id) ? v : undefined;
  }

  /** Adds `v` unless its ID is present; returns whether it was added. */
  insert(v: V): boolean {
    const i = this.lowerBound(v.id);
    if (i < this.size && idsEqual(this.at(i).id, v.id)) return false;
    this.list.insertAt(i, v);
    return true;
  }

  /** Removes the i-th item and returns it. */
  removeAt(i: number): V {
    return this.list.removeAt(i);
  }

  remove(id: StreamId): V | undefined {
    const i = this.lowerBound(id);
    if (i === this.size || !idsEqual(this.at(i).id, id)) return undefined;
    return this.removeAt(i);
  }

  /** Appends an item known to sort after every present one (copies). */
  pushLast(v: V): void {
    this.list.push(v);
  }

  [Symbol.iterator](): IterableIterator<V> {
    return this.list[Symbol.iterator]();
  }
}

export class Consumer {
  readonly pel = new IdIndex<Nack>();
  /** -1 until the consumer first gets an entry (7.2's active-time) */
  activeTime = -1;

  constructor(
    readonly name: string,
    /** last time the consumer tried an interaction (read, claim) */
    public seenTime: number,
  ) {}
}

/** entries_read when the counter is unknown (Redis SCG_INVALID_ENTRIES_READ) */
export const INVALID_ENTRIES_READ = -1;

export class ConsumerGroup {
  readonly pel = new IdIndex<Nack>();
  /** BigMap: clients may create more than 2^24 consumers (issue 17) */
  readonly consumers = new BigMap<string, Consumer>();

  constructor(
    public lastId: StreamId,
    /** logical read counter of lastId, or INVALID_ENTRIES_READ */
    public entriesRead: Counter,
  ) {}

  /** Consumers in Redis's order (its radix tree sorts names bytewise). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Deletes a consumer with its pending entries; returns how many were pending. */
  deleteConsumer(c: Consumer): number {
    const pending = c.pel.size;
    for (const n of c.pel) this.pel.remove(n.id);
    this.consumers.delete(c.name);
    return pending;
  }
}

/**
 * A 64-bit counter (entries-added, entries-read): a number while it is a safe integer, a
 * bigint beyond (XSETID ENTRIESADDED / XGROUP ENTRIESREAD accept any long long), so the
 * values Redis reports are reproduced exactly.
 */
export type Counter = number | bigint;

export function counterAdd(a: Counter, b: Counter): Counter {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

export function counterSub(a: Counter, b: Counter): Counter {
  return counterAdd(a, -b);
}

/** The value as Redis replies it: a long long, so an unsigned count past 2^63 wraps. */
export function counterReply(c: Counter): Counter {
  if (typeof c === 'number') return c;
  const r = BigInt.asIntN(64, c);
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

export type TrimStrategy = 'maxlen' | 'minid';

export interface TrimArgs {
  strategy: TrimStrategy;
  /** MAXLEN: entries to keep */
  maxlen: number;
  /** MINID: lowest ID to keep */
  minid: StreamId;
  /** `~`: whole nodes only */
  approx: boolean;
  /** most entries to remove, 0 = no limit */
  limit: number;
}

/** Chunk sizes of a stream's storage: the defaults, or tiny ones in tests to cross every boundary. */
export interface StreamChunking {
  /** nodes per ChunkedList chunk */
  readonly nodeChunk: number;
  /** log2 of a node's entries per ChunkedArray chunk */
  readonly entryShift: number;
}

const DEFAULT_CHUNKING: StreamChunking = { nodeChunk: DEFAULT_MAX_CHUNK, entryShift: CHUNK_SHIFT };

export class StreamData {
  /** nodes in ID order (first IDs strictly increasing) */
  readonly nodes: ChunkedList<StreamNode>;
  /** live entries */
  length = 0;
  lastId: StreamId = MIN_ID;
  /** first live entry when the stream last changed at its head (0-0 when empty) */
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  entriesAdded: Counter = 0;
  /** created on first XGROUP CREATE, as Redis */
  groups: BigMap<string, ConsumerGroup> | null = null;

  constructor(private readonly chunking: StreamChunking = DEFAULT_CHUNKING) {
    this.nodes = new ChunkedList<StreamNode>(chunking.nodeChunk);
  }

  /**
   * Appends an entry (the caller checked that `id` is greater than lastId). `maxBytes` and
   * `maxEntries` are stream-node-max-bytes/-entries: a full tail node starts a new one.
   */
  append(id: StreamId, fv: readonly string[], maxBytes: number, maxEntries: number): void {
    const numFields = fv.length / 2;
    let tail = this.nodes.at(this.nodes.size - 1);
    if (tail !== undefined) {
      let total = 0;
      for (const s of fv) total += s.length;
      const limit = maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : maxBytes;
      if (tail.bytes + total >= limit || (maxEntries > 0 && tail.live + tail.deleted >= maxEntries)) tail = undefined;
    }
    let same = true;
    if (tail === undefined) {
      const fields: string[] = new Array(numFields);
      for (let i = 0; i < numFields; i++) fields[i] = fv[i * 2]!;
      tail = new StreamNode(id, fields, this.chunking.entryShift);
      this.nodes.push(tail);
    } else {
      const mf = tail.masterFields;
      if (mf.length !== numFields) same = false;
      else for (let i = 0; i < numFields && same; i++) if (mf[i] !== fv[i * 2]) same = false;
    }
    tail.setLive(tail.live + 1);
    let b = lpIntBytes(same ? 2 : 0) + lpIntBytes(signedDelta(id.ms, tail.master.ms)) + lpIntBytes(signedDelta(id.seq, tail.master.seq));
    if (!same) b += lpIntBytes(numFields);
    for (let i = 0; i < fv.length; i++) if (!same || i % 2 === 1) b += lpStringBytes(fv[i]!);
    b += lpIntBytes(same ? numFields + 3 : numFields * 2 + 4);
    tail.bytes += b;
    tail.entries.push({ id, fv, deleted: false });
    this.length++;
    this.entriesAdded = counterAdd(this.entriesAdded, 1);
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Index of the last node whose first ID is <= id, or -1. */
  private nodeIndexFor(id: StreamId): number {
    return this.nodes.partitionPoint((n) => compareIds(n.master, id) <= 0) - 1;
  }

  /** The live entry with this ID, if any. */
  get(id: StreamId): StreamEntry | undefined {
    const ni = this.nodeIndexFor(id);
    if (ni < 0) return undefined;
    const node = this.nodes.at(ni)!;
    const e = node.entries.get(node.lowerBound(id));
    return e !== undefined && !e.deleted && idsEqual(e.id, id) ? e : undefined;
  }

  /**
   * Visits live entries with start <= ID <= end, ascending (or descending when `rev`),
   * until `visit` returns false.
   */
  scan(start: StreamId, end: StreamId, rev: boolean, visit: (e: StreamEntry) => boolean): void {
    const nodes = this.nodes;
    if (compareIds(start, end) > 0) return;
    if (!rev) {
      let ni = Math.max(0, this.nodeIndexFor(start));
      if (ni >= nodes.size) return;
      let j = nodes.at(ni)!.lowerBound(start);
      for (; ni < nodes.size; ni++, j = 0) {
        const es = nodes.at(ni)!.entries;
        for (; j < es.length; j++) {
          const e = es.get(j)!;
          if (e.deleted) continue;
          if (compareIds(e.id, end) > 0) return;
          if (!visit(e)) return;
        }
      }
    } else {
      let ni = this.nodeIndexFor(end);
      if (ni < 0) return;
      let j = nodes.at(ni)!.upperBound(end) - 1;
      for (; ni >= 0; ni--, j = ni >= 0 ? nodes.at(ni)!.entries.length - 1 : 0) {
        const es = nodes.at(ni)!.entries;
        for (; j >= 0; j--) {
          const e = es.get(j)!;
          if (e.deleted) continue;
          if (compareIds(e.id, start) < 0) return;
          if (!visit(e)) return;
        }
      }
    }
  }

  /** First (or last) live entry ID; undefined when the stream is empty. */
  edgeId(first: boolean): StreamId | undefined {
    let found: StreamId | undefined;
    this.scan(MIN_ID, MAX_ID, !first, (e) => {
      found = e.id;
      return false;
    });
    return found;
  }

  /** XDEL of one ID: marks the entry deleted (dropping its node when it was the last live one). */
  delete(id: StreamId): boolean {
    const ni = this.nodeIndexFor(id);
    if (ni < 0) return false;
    const node = this.nodes.at(ni)!;
    const e = node.entries.get(node.lowerBound(id));
    if (e === undefined || e.deleted || !idsEqual(e.id, id)) return false;
    e.deleted = true;
    if (node.live === 1) {
      this.nodes.removeAt(ni);
    } else {
      node.setLive(node.live - 1);
      node.setDeleted(node.deleted + 1);
    }
    this.length--;
    return true;
  }

  /**
   * XDEL bookkeeping after deleting `ids` (those actually deleted): the max deleted ID and
   * the recorded first ID, as Redis updates them.
   */
  afterDelete(deletedIds: readonly StreamId[]): void {
    if (deletedIds.length === 0) return;
    let firstGone = false;
    for (const id of deletedIds) {
      if (idsEqual(id, this.firstId)) firstGone = true;
      if (compareIds(id, this.maxDeletedId) > 0) this.maxDeletedId = id;
    }
    if (this.length === 0) this.firstId = MIN_ID;
    else if (firstGone) this.firstId = this.edgeId(true) ?? MAX_ID;
  }

  /** Redis's streamTrim: returns how many entries were removed. */
  trim(args: TrimArgs): number {
    let removed = 0;
    while (this.nodes.size > 0) {
      if (args.strategy === 'maxlen' && this.length <= args.maxlen) break;
      const node = this.nodes.at(0)!;
      const entries = node.live;
      if (args.limit > 0 && removed + entries > args.limit) break;
      let removeNode: boolean;
      if (args.strategy === 'maxlen') {
        removeNode = this.length - entries >= args.maxlen;
      } else {
        // the node's last entry, deleted or not, decides
        removeNode = compareIds(node.entries.get(node.entries.length - 1)!.id, args.minid) < 0;
      }
      if (removeNode) {
        this.nodes.removeAt(0);
        this.length -= entries;
        removed += entries;
        continue;
      }
      if (args.approx) break;
      let fromNode = 0;
      for (const e of node.entries) {
        const stop = args.strategy === 'maxlen' ? this.length <= args.maxlen : compareIds(e.id, args.minid) >= 0;
        if (stop) break;
        if (!e.deleted) {
          e.deleted = true;
          fromNode++;
          this.length--;
        }
      }
      removed += fromNode;
      node.setLive(entries - fromNode);
      node.setDeleted(node.deleted + fromNode);
      break;
    }
    if (this.length === 0) this.firstId = MIN_ID;
    else if (removed > 0) this.firstId = this.edgeId(true) ?? MAX_ID;
    return removed;
  }

  /**
   * The number of nodes of Redis's radix tree keyed by the nodes' first IDs (16 bytes, big
   * endian): a compressed trie, counted from the sorted keys.
   */
  radixTreeNodes(): number {
    const n = this.nodes.size;
    if (n === 0) return 1;
    const keys = new Uint8Array(n * 16);
    let i = 0;
    for (const node of this.nodes) idKeyBytes(node.master, keys, 16 * i++);
    const count = (lo: number, hi: number, depth: number): number => {
      if (hi - lo === 1) return depth === 16 ? 1 : 2;
      let l = depth;
      while (l < 16 && keys[lo * 16 + l] === keys[(hi - 1) * 16 + l]) l++;
      // a compressed node down to the branching point, then the branching node itself
      let total = l > depth ? 2 : 1;
      let i = lo;
      while (i < hi) {
        const b = keys[i * 16 + l];
        let j = i + 1;
        while (j < hi && keys[j * 16 + l] === b) j++;
        total += count(i, j, l + 1);
        i = j;
      }
      return total;
    };
    return count(0, n, 0);
  }

  // ---- consumer groups ----

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** Groups in Redis's order (bytewise by name). */
  sortedGroups(): [string, ConsumerGroup][] {
    if (this.groups === null) return [];
    return [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /**
   * True if a deleted entry may lie in [start, end] (Redis streamRangeHasTombstones): only
   * the largest deleted ID is known, so this is a cheap, conservative test.
   */
  rangeHasTombstones(start: StreamId | null, end: StreamId | null): boolean {
    if (this.length === 0 || isZeroId(this.maxDeletedId)) return false;
    if (compareIds(this.firstId, this.maxDeletedId) > 0) return false;
    const s = start ?? MIN_ID;
    const e = end ?? MAX_ID;
    return compareIds(s, this.maxDeletedId) <= 0 && compareIds(this.maxDeletedId, e) <= 0;
  }

  /** Redis streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or -1. */
  estimateDistance(id: StreamId): Counter {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && compareIds(id, this.lastId) < 1) return this.entriesAdded;
    const cmpLast = compareIds(id, this.lastId);
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return INVALID_ENTRIES_READ;
    const cmpFirst = compareIds(id, this.firstId);
    if (isZeroId(this.maxDeletedId) || compareIds(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return counterSub(this.entriesAdded, this.length);
      if (cmpFirst === 0) return counterSub(this.entriesAdded, this.length - 1);
    }
    return INVALID_ENTRIES_READ;
  }

  /** A group's lag (entries not yet delivered), or null when it cannot be known. */
  lag(g: ConsumerGroup): Counter | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(g.lastId, null)) return counterSub(this.entriesAdded, g.entriesRead);
    const read = this.estimateDistance(g.lastId);
    return read === INVALID_ENTRIES_READ ? null : counterSub(this.entriesAdded, read);
  }

  /** A deep copy (COPY): entries, counters, groups, PELs and consumers. */
  clone(): StreamData {
    const s = new StreamData(this.chunking);
    for (const node of this.nodes) {
      const copy = new StreamNode(node.master, node.masterFields, this.chunking.entryShift);
      for (const e of node.entries) copy.entries.push({ id: e.id, fv: e.fv, deleted: e.deleted });
      copy.live = node.live;
      copy.deleted = node.deleted;
      copy.bytes = node.bytes;
      s.nodes.push(copy);
    }
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      s.groups = new BigMap();
      for (const [name, g] of this.groups) {
        const cg = new ConsumerGroup(g.lastId, g.entriesRead);
        const owners = new Map<Consumer, Consumer>();
        for (const c of g.consumers.values()) {
          const nc = new Consumer(c.name, c.seenTime);
          nc.activeTime = c.activeTime;
          owners.set(c, nc);
          cg.consumers.set(c.name, nc);
        }
        for (const n of g.pel) {
          const nn: Nack = { id: n.id, consumer: owners.get(n.consumer)!, deliveryTime: n.deliveryTime, deliveryCount: n.deliveryCount };
          cg.pel.pushLast(nn);
          nn.consumer.pel.pushLast(nn);
        }
        s.groups.set(name, cg);
      }
    }
    return s;
  }
}
