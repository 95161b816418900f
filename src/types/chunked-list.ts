/**
 * A positional list (insert and remove anywhere, index access) stored as chunks of at most
 * `maxChunk` elements, so no single JS array passes V8's array limit (about 112M elements,
 * a fatal process abort; issue 17). It backs ordered indexes such as a stream's PEL
 * (types/stream.ts IdIndex).
 *
 * Costs (n elements, c = n / maxChunk chunks): at(i) O(log c); insert/remove O(maxChunk)
 * for the splice inside a chunk plus O(min(k, c − k)) to renumber the chunks on the
 * shorter side of chunk k — so removals at the front and appends at the back (the usual
 * order of deliveries and acknowledgements) stay O(maxChunk).
 *
 * Positions: element j of chunk k has the virtual position `starts[k] + j`; logical index
 * i is virtual position `i + base`. A change in chunk k renumbers either the chunks after
 * it (starts[k+1..] ± 1) or the chunks up to it and `base` (starts[0..k] ∓ 1, base ∓ 1):
 * both keep every other element's logical index right.
 *
 * Invariants: no chunk is empty and none holds more than `maxChunk`; `starts` is strictly
 * increasing and starts[k+1] = starts[k] + chunks[k].length; starts[0] = base;
 * `size` = the sum of the chunk lengths.
 */

export const DEFAULT_MAX_CHUNK = 4096;

export class ChunkedList<T> implements Iterable<T> {
  private chunks: T[][] = [];
  private starts: number[] = [];
  private base = 0;
  private count = 0;

  constructor(private readonly maxChunk = DEFAULT_MAX_CHUNK) {
    if (maxChunk < 2) throw new RangeError('maxChunk must be at least 2');
  }

  get size(): number {
    return this.count;
  }

  /** Element i (0 <= i < size), or undefined outside. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const k = this.chunkOf(i + this.base);
    return this.chunks[k]![i + this.base - this.starts[k]!];
  }

  /**
   * The first index whose element makes `before(element)` false, given that `before` is
   * true for a prefix of the list and false after it (a sorted list's lower bound);
   * `size` when it is true for every element.
   */
  partitionPoint(before: (v: T) => boolean): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    // first chunk whose last element is not `before`
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = chunks[mid]!;
      if (before(c[c.length - 1]!)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === chunks.length) return this.count;
    const c = chunks[lo]!;
    let a = 0;
    let b = c.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before(c[mid]!)) a = mid + 1;
      else b = mid;
    }
    return this.starts[lo]! - this.base + a;
  }

  /** Inserts `v` so that it becomes element i (0 <= i <= size). */
  insertAt(i: number, v: T): void {
    if (i < 0 || i > this.count) throw new RangeError('index out of range');
    if (this.chunks.length === 0) {
      this.chunks.push([v]);
      this.starts.push(this.base);
      this.count = 1;
      return;
    }
    let k: number;
    let j: number;
    if (i === this.count) {
      k = this.chunks.length - 1;
      j = this.chunks[k]!.length;
      if (j === this.maxChunk) {
        // a new last chunk: nothing to renumber
        this.chunks.push([v]);
        this.starts.push(this.starts[k]! + j);
        this.count++;
        return;
      }
    } else {
      k = this.chunkOf(i + this.base);
      j = i + this.base - this.starts[k]!;
    }
    const chunk = this.chunks[k]!;
    chunk.splice(j, 0, v);
    this.count++;
    this.renumber(k, 1);
    if (chunk.length > this.maxChunk) this.split(k);
  }

  push(v: T): void {
    this.insertAt(this.count, v);
  }

  /** Removes element i (0 <= i < size) and returns it. */
  removeAt(i: number): T {
    if (i < 0 || i >= this.count) throw new RangeError('index out of range');
    const k = this.chunkOf(i + this.base);
    const chunk = this.chunks[k]!;
    const j = i + this.base - this.starts[k]!;
    const v = j === 0 ? chunk.shift()! : chunk.splice(j, 1)[0]!;
    this.count--;
    this.renumber(k, -1);
    if (chunk.length === 0) {
      // an empty chunk occupies no position: dropping it renumbers nothing
      this.chunks.splice(k, 1);
      this.starts.splice(k, 1);
      if (this.chunks.length === 0) {
        this.starts = [];
        this.base = 0;
      }
    }
    return v;
  }

  clear(): void {
    this.chunks = [];
    this.starts = [];
    this.base = 0;
    this.count = 0;
  }

  /** In order; like an array's index loop, a change during the iteration may skip or repeat elements. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let k = 0; k < this.chunks.length; k++) {
      const chunk = this.chunks[k]!;
      for (let j = 0; j < chunk.length; j++) yield chunk[j]!;
    }
  }

  /** The chunk holding virtual position `v` (some chunk exists and v is within the list). */
  private chunkOf(v: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Chunk k grew (d = 1) or shrank (d = −1): renumber the shorter side. */
  private renumber(k: number, d: number): void {
    const s = this.starts;
    if (k + 1 >= s.length - k - 1) {
      for (let x = k + 1; x < s.length; x++) s[x]! += d;
    } else {
      for (let x = 0; x <= k; x++) s[x]! -= d;
      this.base -= d;
    }
  }

  private split(k: number): void {
    const chunk = this.chunks[k]!;
    const tail = chunk.splice(chunk.length >>> 1);
    this.chunks.splice(k + 1, 0, tail);
    this.starts.splice(k + 1, 0, this.starts[k]! + chunk.length);
  }
}
