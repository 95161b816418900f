/**
 * An array of fixed-size chunks: index access like a JS array, with no single JS array
 * longer than `CHUNK` (issue 17).
 *
 * V8 aborts the whole process ("invalid array length" / a fatal FixedArray allocation) when
 * one array passes about 112M elements, or earlier when growing it doubles its backing
 * store. Redis holds 2^32 elements per collection, so every array whose length a client
 * controls (a collection's insertion slots, a list's ring buffer) is one of these: chunks
 * of 2^16 elements, and a chunk directory that stays below 2^16 entries for 2^32 elements.
 *
 * Indexes are plain numbers up to 2^53: the chunk of element i is floor(i / 2^shift), never
 * `i >>> shift`, which reads i modulo 2^32 (element 2^32 would alias element 0); the offset
 * `i & mask` is exact for any such i because 2^shift divides 2^32 (chunkIndex below).
 *
 * Invariants: `length` elements, element i in `chunks[chunkIndex(i)][i & mask]`; every chunk
 * but the last is full (2^shift elements); there is no empty chunk (the last one holds at
 * least one element), so the chunk count is ceil(length / CHUNK).
 */

export const CHUNK_SHIFT = 16;
/** Elements per chunk (2^16). */
export const CHUNK = 1 << CHUNK_SHIFT;

/** Below 2^31 (V8's small integers) the shift is exact and cheap; `>>>` reads its operand modulo 2^32. */
const SHIFT_SAFE = 0x80000000;

/** The chunk holding element i (0 <= i < 2^53) for chunks of 2^shift elements. */
export function chunkIndex(i: number, shift: number): number {
  return i < SHIFT_SAFE ? i >>> shift : Math.floor(i / 2 ** shift);
}

export class ChunkedArray<T> implements Iterable<T> {
  private chunks: T[][] = [];
  private len = 0;
  private readonly mask: number;

  /** `shift`: log2 of the chunk size (tests use tiny chunks to cross boundaries often). */
  constructor(private readonly shift = CHUNK_SHIFT) {
    this.mask = (1 << shift) - 1;
  }

  get length(): number {
    return this.len;
  }

  /** Element i (0 <= i < length; undefined outside, as a JS array). */
  get(i: number): T | undefined {
    return this.chunks[chunkIndex(i, this.shift)]?.[i & this.mask];
  }

  /** Replaces element i (0 <= i < length; callers check the range). */
  set(i: number, v: T): void {
    this.chunks[chunkIndex(i, this.shift)]![i & this.mask] = v;
  }

  push(v: T): void {
    if ((this.len & this.mask) !== 0) this.chunks[chunkIndex(this.len, this.shift)]!.push(v);
    // a new chunk, created holding its element: an empty [] grows to 17 slots on its first
    // push, and the directory of a small collection (most of them) then stays 1 slot
    else if (this.len === 0) this.chunks = [[v]];
    else {
      // the chunk just filled was grown by push, with up to half its size spare: copied to
      // its exact size once (one copy per 2^16 pushes), it stops holding the spare for good
      const full = this.chunks.length - 1;
      this.chunks[full] = this.chunks[full]!.slice();
      this.chunks.push([v]);
    }
    this.len++;
  }

  /** Removes and returns the last element. */
  pop(): T | undefined {
    if (this.len === 0) return undefined;
    this.len--;
    const ci = chunkIndex(this.len, this.shift);
    const chunk = this.chunks[ci]!;
    const v = chunk.pop();
    if (chunk.length === 0) this.chunks.pop();
    return v;
  }

  /** `n` elements, each `fill` (a ring buffer's empty slots). */
  static filled<T>(n: number, fill: T, shift = CHUNK_SHIFT): ChunkedArray<T> {
    const a = new ChunkedArray<T>(shift);
    const size = 1 << shift;
    // the directory built at its exact size (pushing would over-allocate it)
    a.chunks = Array.from({ length: Math.ceil(n / size) }, (_, c) => new Array<T>(Math.min(size, n - c * size)).fill(fill));
    a.len = n;
    return a;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }
}
