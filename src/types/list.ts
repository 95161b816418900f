/**
 * The value behind a list key: a growable ring buffer of binary strings (O(1) push and
 * pop at both ends, O(1) index access), plus a model of the encoding Redis 7.2 would
 * have chosen for the same history of operations (OBJECT ENCODING).
 *
 * Encoding model (t_list.c / quicklist.c of Redis 7.2):
 *  - a list starts as one listpack; before elements are added it becomes a quicklist
 *    when the listpack's byte size plus the raw lengths of the new elements, or its
 *    element count, exceeds `list-max-listpack-size` (quicklistNodeExceedsLimit);
 *  - the quicklist keeps nodes (listpacks) of bounded size; only their counts and byte
 *    sizes are modelled here, with Redis's rules for pushes at either end (a new node
 *    when the end node is full), deletions (empty nodes go), replacements (in place)
 *    and, for LINSERT into a full node, the neighbour/new node/split-and-merge cases;
 *  - after a list shrinks, a quicklist with a single node of at most half the limits
 *    becomes a listpack again (7.2's listTypeTryConvertQuicklist).
 * Byte sizes are the listpack's real ones: integers in their compact encodings, strings
 * with their length prefix, every entry followed by its back-length.
 */
import { ChunkedArray } from './chunked-array.js';
import { ChunkedList } from './chunked-list.js';

const LP_HEADER_AND_END = 7;
/** quicklist.c: optimization_level for fill -1..-5 */
const SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
/** quicklist.c: SIZE_ESTIMATE_OVERHEAD, added to the raw length when testing a node for room */
const SIZE_ESTIMATE_OVERHEAD = 8;
const UINT_MAX = 4294967295;

/** The listpack encoding+data length of one element (without its back-length). */
function encodedLength(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const v = lpInteger(s);
    if (v !== null) {
      if (v >= 0 && v <= 127) return 1;
      if (v >= -4096 && v <= 4095) return 2;
      if (v >= -32768 && v <= 32767) return 3;
      if (v >= -8388608 && v <= 8388607) return 4;
      if (v >= -2147483648 && v <= 2147483647) return 5;
      return 9;
    }
  }
  if (n < 64) return 1 + n;
  if (n < 4096) return 2 + n;
  return 5 + n;
}

/** lpStringToInt64: canonical decimal integers only (no sign '+', no leading zeros, no "-0"). */
function lpInteger(s: string): number | null {
  const n = s.length;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = Number(s);
  // beyond 2^53 the exact value does not matter: only whether it fits 64 bits (9 bytes)
  if (n - i >= 19) {
    const big = BigInt(s);
    if (big > 9223372036854775807n || big < -9223372036854775808n) return null;
  }
  return v;
}

/** Size of one listpack entry: encoding, data and back-length. */
export function listpackEntrySize(s: string): number {
  const l = encodedLength(s);
  const back = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
  return l + back;
}

/** quicklistNodeLimit: [size limit, count limit] for a `list-max-listpack-size`. */
export function nodeLimit(fill: number): [number, number] {
  if (fill >= 0) return [Number.MAX_SAFE_INTEGER, fill === 0 ? 1 : fill];
  const offset = Math.min(-fill - 1, SIZE_LEVELS.length - 1);
  return [SIZE_LEVELS[offset]!, UINT_MAX];
}

/** quicklistNodeExceedsLimit */
function exceedsLimit(fill: number, size: number, count: number): boolean {
  if (fill < 0) return size > nodeLimit(fill)[0];
  if (size > SIZE_SAFETY_LIMIT) return true;
  return count > nodeLimit(fill)[1];
}

/**
 * Slot of element k of a ring of `cap` slots whose head is at `head` (0 <= head < cap,
 * 0 <= k < cap). Plain arithmetic, not `& (cap - 1)`: bitwise operators read 32 bits, so a
 * mask would wrap a list past 2^31 elements (issue 17); indexes stay exact up to 2^53.
 */
export function ringSlot(head: number, k: number, cap: number): number {
  const p = head + k;
  return p >= cap ? p - cap : p;
}

/** The slot before `head` in a ring of `cap` slots (where a push at the head goes). */
export function ringBefore(head: number, cap: number): number {
  return head === 0 ? cap - 1 : head - 1;
}

interface QuickNode {
  count: number;
  /** bytes of the node's listpack */
  sz: number;
}

export class ListData {
  /** the ring, chunked (types/chunked-array.ts): a list may outgrow one JS array */
  private buf: ChunkedArray<string | undefined>;
  private head = 0;
  private len = 0;
  /** slots in the ring (buf.length) */
  private cap: number;
  /** Redis's OBJ_ENCODING_LISTPACK (true) vs OBJ_ENCODING_QUICKLIST (false) */
  listpack = true;
  /** sum of listpack entry sizes of every element (listpack bytes minus header/end) */
  private entryBytes = 0;
  /**
   * quicklist nodes, head first; empty while listpack-encoded. A ChunkedList (issue 17):
   * with a small positive list-max-listpack-size there is a node per few elements, so an
   * array would pass V8's limit, and a push at the head would move every node.
   */
  private nodes = new ChunkedList<QuickNode>();

  constructor(capacity = 8) {
    let cap = 8;
    while (cap < capacity) cap *= 2;
    this.buf = ChunkedArray.filled<string | undefined>(cap, undefined);
    this.cap = cap;
  }

  get length(): number {
    return this.len;
  }

  /** Element at index 0..length-1 (callers check the range). */
  at(i: number): string {
    return this.buf.get(ringSlot(this.head, i, this.cap))!;
  }

  /** Resolves a Redis index (negative from the tail); -1 when out of range. */
  resolve(index: number): number {
    const i = index < 0 ? this.len + index : index;
    return i < 0 || i >= this.len ? -1 : i;
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length * 2;
    const next = ChunkedArray.filled<string | undefined>(cap, undefined);
    for (let i = 0; i < this.len; i++) next.set(i, old.get(ringSlot(this.head, i, this.cap)));
    this.buf = next;
    this.head = 0;
    this.cap = cap;
  }

  // ---- element operations; `fill` is list-max-listpack-size (the encoding model) ----

  pushHead(v: string, fill: number): void {
    if (this.len === this.buf.length) this.grow();
    this.head = ringBefore(this.head, this.cap);
    this.buf.set(this.head, v);
    this.len++;
    this.added(v, 0, fill);
  }

  pushTail(v: string, fill: number): void {
    if (this.len === this.buf.length) this.grow();
    this.buf.set(ringSlot(this.head, this.len, this.cap), v);
    this.len++;
    this.added(v, this.len - 1, fill);
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf.get(this.head)!;
    this.buf.set(this.head, undefined);
    this.head = ringSlot(this.head, 1, this.cap);
    this.len--;
    this.removedAt(0, v);
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const at = ringSlot(this.head, this.len - 1, this.cap);
    const v = this.buf.get(at)!;
    this.buf.set(at, undefined);
    this.len--;
    this.removedAt(this.len, v);
    return v;
  }

  /** Replaces the element at index i (0..length-1). */
  set(i: number, v: string): void {
    const at = ringSlot(this.head, i, this.cap);
    const old = this.buf.get(at)!;
    this.buf.set(at, v);
    const delta = listpackEntrySize(v) - listpackEntrySize(old);
    this.entryBytes += delta;
    if (!this.listpack) this.modelReplace(i, delta);
  }

  /** Inserts before position i (0..length; length appends). */
  insert(i: number, v: string, fill: number, after: boolean): void {
    if (this.len === this.buf.length) this.grow();
    // shift the shorter side
    if (i < this.len - i) {
      this.head = ringBefore(this.head, this.cap);
      for (let k = 0; k < i; k++) this.buf.set(ringSlot(this.head, k, this.cap), this.buf.get(ringSlot(this.head, k + 1, this.cap)));
    } else {
      for (let k = this.len; k > i; k--) this.buf.set(ringSlot(this.head, k, this.cap), this.buf.get(ringSlot(this.head, k - 1, this.cap)));
    }
    this.buf.set(ringSlot(this.head, i, this.cap), v);
    this.len++;
    this.entryBytes += listpackEntrySize(v);
    if (!this.listpack) this.modelInsert(after ? i - 1 : i, v, after, fill);
  }

  /** Elements [start, start+count) in order (reverse = from the last one backwards). */
  slice(start: number, count: number, reverse = false): string[] {
    const out: string[] = new Array(count);
    if (reverse) for (let k = 0; k < count; k++) out[k] = this.at(start + count - 1 - k);
    else for (let k = 0; k < count; k++) out[k] = this.at(start + k);
    return out;
  }

  /**
   * Removes the elements at the given ascending positions in one compaction pass;
   * the model deletes them from their nodes.
   */
  removePositions(positions: number[]): void {
    if (positions.length === 0) return;
    const removed = new Array<string>(positions.length);
    let w = positions[0]!;
    let p = 0;
    for (let r = positions[0]!; r < this.len; r++) {
      if (p < positions.length && positions[p] === r) {
        removed[p++] = this.at(r);
        continue;
      }
      this.buf.set(ringSlot(this.head, w, this.cap), this.at(r));
      w++;
    }
    for (let k = w; k < this.len; k++) this.buf.set(ringSlot(this.head, k, this.cap), undefined);
    this.len = w;
    let bytes = 0;
    for (const s of removed) bytes += listpackEntrySize(s);
    this.entryBytes -= bytes;
    if (!this.listpack) this.modelRemove(positions, removed);
  }

  /** Drops `left` elements from the head and `right` from the tail (LTRIM, popped ranges). */
  trim(left: number, right: number): void {
    for (let k = 0; k < left; k++) this.popHead();
    for (let k = 0; k < right; k++) this.popTail();
  }

  // ---- encoding model ----

  /** Bytes of the listpack holding every element (lpBytes while listpack-encoded). */
  get listpackBytes(): number {
    return LP_HEADER_AND_END + this.entryBytes;
  }

  /** Number of quicklist nodes modelled (0 while listpack-encoded). */
  get quicklistNodes(): number {
    return this.nodes.size;
  }

  /**
   * listTypeTryConversionAppend: before adding elements whose raw lengths sum to
   * `addBytes`, a listpack that would exceed the node limit becomes a quicklist whose
   * single node is the old listpack.
   */
  beforeGrow(fill: number, addBytes: number, addCount: number): void {
    if (!this.listpack) return;
    if (!exceedsLimit(fill, this.listpackBytes + addBytes, this.len + addCount)) return;
    this.listpack = false;
    this.nodes.clear();
    if (this.len > 0) this.nodes.push({ count: this.len, sz: this.listpackBytes });
  }

  /** listTypeTryConversion(SHRINKING): one node within half the limits → listpack. */
  afterShrink(fill: number): void {
    if (this.listpack || this.nodes.size !== 1) return;
    const [sz, count] = nodeLimit(fill);
    const node = this.nodes.at(0)!;
    if (node.sz > Math.floor(sz / 2) || node.count > Math.floor(count / 2)) return;
    this.listpack = true;
    this.nodes.clear();
  }

  /** An empty quicklist-encoded list (createQuicklistObject): pushes fill quicklist nodes. */
  static emptyQuicklist(): ListData {
    const l = new ListData();
    l.listpack = false;
    return l;
  }

  /**
   * listTypeTryConversion(AUTO) of a quicklist, as SORT ... STORE applies it to the list it
   * built: a single node within the full node limits (not half, as after a shrink) becomes
   * a listpack.
   */
  convertIfSingleNode(fill: number): void {
    if (this.listpack || this.nodes.size !== 1) return;
    const [sz, count] = nodeLimit(fill);
    const node = this.nodes.at(0)!;
    if (node.sz > sz || node.count > count) return;
    this.listpack = true;
    this.nodes.clear();
  }

  private allowInsert(node: QuickNode | undefined, raw: number, fill: number): boolean {
    if (node === undefined) return false;
    return !exceedsLimit(fill, node.sz + raw + SIZE_ESTIMATE_OVERHEAD, node.count + 1);
  }

  private added(v: string, index: number, fill: number): void {
    const size = listpackEntrySize(v);
    this.entryBytes += size;
    if (this.listpack) return;
    const nodes = this.nodes;
    if (index === 0) {
      const h = nodes.at(0);
      if (h !== undefined && this.allowInsert(h, v.length, fill)) {
        h.count++;
        h.sz += size;
      } else nodes.insertAt(0, { count: 1, sz: LP_HEADER_AND_END + size });
    } else {
      const t = nodes.at(nodes.size - 1);
      if (t !== undefined && this.allowInsert(t, v.length, fill)) {
        t.count++;
        t.sz += size;
      } else nodes.push({ count: 1, sz: LP_HEADER_AND_END + size });
    }
  }

  private removedAt(index: number, v: string): void {
    const size = listpackEntrySize(v);
    this.entryBytes -= size;
    if (this.listpack) return;
    const nodes = this.nodes;
    const ni = index === 0 ? 0 : nodes.size - 1;
    const node = nodes.at(ni)!;
    node.count--;
    node.sz -= size;
    if (node.count === 0) nodes.removeAt(ni);
  }

  /** [node index, offset in node] of element i. */
  private locate(i: number): [number, number] {
    let acc = 0;
    let n = 0;
    for (const node of this.nodes) {
      const c = node.count;
      if (i < acc + c) return [n, i - acc];
      acc += c;
      n++;
    }
    return [this.nodes.size - 1, this.nodes.at(this.nodes.size - 1)!.count - 1];
  }

  private modelRemove(positions: number[], removed: string[]): void {
    // positions are old indexes, ascending; walk nodes once, each node's span taken from
    // its count before this removal touched it
    let n = 0;
    let nodeStart = 0;
    let node = this.nodes.at(0)!;
    let span = node.count;
    for (let p = 0; p < positions.length; p++) {
      const pos = positions[p]!;
      while (pos >= nodeStart + span) {
        nodeStart += span;
        node = this.nodes.at(++n)!;
        span = node.count;
      }
      node.count--;
      node.sz -= listpackEntrySize(removed[p]!);
    }
    const kept = new ChunkedList<QuickNode>();
    for (const x of this.nodes) if (x.count > 0) kept.push(x);
    this.nodes = kept;
  }

  /** _quicklistInsert: `at` is the pivot's position (the new element goes before/after it). */
  private modelInsert(pivot: number, v: string, after: boolean, fill: number): void {
    const size = listpackEntrySize(v);
    const nodes = this.nodes;
    if (nodes.size === 0) {
      nodes.push({ count: 1, sz: LP_HEADER_AND_END + size });
      return;
    }
    const [ni, offset] = this.locate(pivot);
    const node = nodes.at(ni)!;
    const full = !this.allowInsert(node, v.length, fill);
    const atTail = after && offset === node.count - 1;
    const atHead = !after && offset === 0;
    const availNext = atTail && this.allowInsert(nodes.at(ni + 1), v.length, fill);
    const availPrev = atHead && this.allowInsert(nodes.at(ni - 1), v.length, fill);
    if (!full) {
      node.count++;
      node.sz += size;
    } else if (availNext) {
      nodes.at(ni + 1)!.count++;
      nodes.at(ni + 1)!.sz += size;
    } else if (availPrev) {
      nodes.at(ni - 1)!.count++;
      nodes.at(ni - 1)!.sz += size;
    } else if (atTail || atHead) {
      nodes.insertAt(after ? ni + 1 : ni, { count: 1, sz: LP_HEADER_AND_END + size });
    } else {
      // split at the pivot; the new element joins the split-off part, then merges
      // the node's elements before the insertion (the buffer already holds the new one)
      const all = this.nodeElements(ni, node.count + 1);
      all.splice(after ? pivot + 1 - this.nodeStart(ni) : pivot - this.nodeStart(ni), 1);
      const elems = all;
      const keepCount = after ? offset + 1 : node.count - offset;
      const keep = after ? elems.slice(0, keepCount) : elems.slice(offset);
      const moved = after ? elems.slice(keepCount) : elems.slice(0, offset);
      node.count = keep.length;
      node.sz = LP_HEADER_AND_END + keep.reduce((a, s) => a + listpackEntrySize(s), 0);
      const split: QuickNode = { count: moved.length + 1, sz: LP_HEADER_AND_END + size + moved.reduce((a, s) => a + listpackEntrySize(s), 0) };
      nodes.insertAt(after ? ni + 1 : ni, split);
      // the split-off part went after the node (after) or before it, moving it to ni + 1
      this.mergeAround(after ? ni : ni + 1, fill);
    }
  }

  /**
   * LSET in a quicklist: quicklistReplaceEntry replaces inside the node whatever its size
   * (only elements beyond packed_threshold, 1 GB, get a node of their own).
   */
  private modelReplace(i: number, delta: number): void {
    const [ni] = this.locate(i);
    this.nodes.at(ni)!.sz += delta;
  }

  /** The current elements of node `ni` (the buffer already holds the new state). */
  private nodeElements(ni: number, count: number): string[] {
    return this.slice(this.nodeStart(ni), count);
  }

  private nodeStart(ni: number): number {
    let start = 0;
    let n = 0;
    for (const node of this.nodes) {
      if (n++ >= ni) break;
      start += node.count;
    }
    return start;
  }

  /** _quicklistMergeNodes around the node at `center`. */
  private mergeAround(center: number, fill: number): void {
    const nodes = this.nodes;
    const allow = (a: QuickNode | undefined, b: QuickNode | undefined) =>
      a !== undefined && b !== undefined && !exceedsLimit(fill, a.sz + b.sz - LP_HEADER_AND_END, a.count + b.count);
    const merge = (a: number) => {
      const x = nodes.at(a)!;
      const y = nodes.at(a + 1)!;
      x.count += y.count;
      x.sz += y.sz - LP_HEADER_AND_END;
      nodes.removeAt(a + 1);
    };
    let c = center;
    if (c >= 2 && allow(nodes.at(c - 2), nodes.at(c - 1))) {
      merge(c - 2);
      c--;
    }
    if (c + 2 < nodes.size && allow(nodes.at(c + 1), nodes.at(c + 2))) merge(c + 1);
    let target = c;
    if (c >= 1 && allow(nodes.at(c - 1), nodes.at(c))) {
      merge(c - 1);
      target = c - 1;
    }
    if (target + 1 < nodes.size && allow(nodes.at(target), nodes.at(target + 1))) merge(target);
  }

  /** Elements per quicklist node, head first (one node with everything while listpack-encoded). */
  nodeCounts(): number[] {
    if (this.listpack) return this.len > 0 ? [this.len] : [];
    return Array.from(this.nodes, (n) => n.count);
  }

  /**
   * A list loaded from a dump (RDB file, RESTORE) with the node boundaries the dump had:
   * `counts` are the elements per quicklist node, head first; null makes a listpack.
   */
  static fromNodes(elements: readonly string[], counts: readonly number[] | null): ListData {
    const l = new ListData(elements.length);
    for (let i = 0; i < elements.length; i++) {
      l.buf.set(i, elements[i]);
      l.entryBytes += listpackEntrySize(elements[i]!);
    }
    l.len = elements.length;
    l.listpack = counts === null;
    if (counts !== null) {
      let at = 0;
      for (const count of counts) {
        let sz = LP_HEADER_AND_END;
        for (let k = 0; k < count; k++) sz += listpackEntrySize(elements[at + k]!);
        at += count;
        l.nodes.push({ count, sz });
      }
    }
    return l;
  }

  /** A deep copy (COPY): same elements and encoding state. */
  clone(): ListData {
    const l = new ListData(this.len);
    for (let i = 0; i < this.len; i++) l.buf.set(i, this.at(i));
    l.len = this.len;
    l.listpack = this.listpack;
    l.entryBytes = this.entryBytes;
    for (const n of this.nodes) l.nodes.push({ count: n.count, sz: n.sz });
    return l;
  }
}
