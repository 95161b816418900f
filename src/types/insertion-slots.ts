import { ChunkedArray } from './chunked-array.js';

/**
 * Members of a collection in insertion order, addressed by an insertion sequence number.
 * It is what gives SCAN/HSCAN/SSCAN/ZSCAN a stable cursor and O(1) random picks on top of
 * a Map:
 *
 * - the cursor is the sequence number of the next member to visit, so a member present
 *   for the whole scan is returned exactly once, whatever is added or deleted meanwhile
 *   (Redis only promises "at least once");
 * - a removed member leaves a hole until holes outnumber live members (and exceed
 *   `compactAfter`); compaction keeps the order and the sequence numbers, so cursors
 *   handed out earlier stay valid.
 *
 * Both arrays are chunked (types/chunked-array.ts): a collection may hold more members than
 * one JS array can (about 112M).
 *
 * Invariant: `seqs` is strictly increasing, so a member's slot is found by binary search;
 * `items` and `seqs` have the same length.
 */
export class InsertionSlots<T> {
  private items = new ChunkedArray<T | undefined>();
  private seqs = new ChunkedArray<number>();
  private holes = 0;
  private nextSeq = 1;

  constructor(private readonly compactAfter = 64) {}

  /** Appends a member; returns its sequence number (keep it to remove the member later). */
  add(item: T): number {
    const seq = this.nextSeq++;
    this.items.push(item);
    this.seqs.push(seq);
    return seq;
  }

  /** The sequence number `add` will return next. */
  peekNextSeq(): number {
    return this.nextSeq;
  }

  /** Removes the member added with `seq` (no-op if it is not there). */
  remove(seq: number): void {
    const i = this.indexOf(seq);
    if (i < 0 || this.items.get(i) === undefined) return;
    this.items.set(i, undefined);
    this.holes++;
    if (this.holes > this.compactAfter && this.holes > this.items.length - this.holes) this.compact();
  }

  /** Forgets every member; sequence numbers keep growing so old cursors end at once. */
  clear(): void {
    this.items = new ChunkedArray<T | undefined>();
    this.seqs = new ChunkedArray<number>();
    this.holes = 0;
  }

  /** A uniformly random member, or undefined when there is none. */
  random(rand: () => number = Math.random): T | undefined {
    if (this.items.length === this.holes) return undefined;
    // holes are at most about half of the slots (compaction), so this ends quickly
    for (;;) {
      const item = this.items.get(Math.floor(rand() * this.items.length));
      if (item !== undefined) return item;
    }
  }

  /**
   * One scan step from `cursor`: appends up to `count` members, in insertion order, to
   * `out` and returns the next cursor (0 when nothing is left). Members are collected
   * before the caller acts on them, so the caller may remove members (lazy expiry)
   * while it processes `out`.
   */
  scan(cursor: number, count: number, out: T[]): number {
    let i = lowerBound(this.seqs, cursor);
    let taken = 0;
    while (i < this.items.length && taken < count) {
      const item = this.items.get(i);
      if (item !== undefined) {
        out.push(item);
        taken++;
      }
      i++;
    }
    // skip holes so the cursor is 0 exactly when nothing is left
    while (i < this.items.length && this.items.get(i) === undefined) i++;
    return i >= this.items.length ? 0 : this.seqs.get(i)!;
  }

  private indexOf(seq: number): number {
    const i = lowerBound(this.seqs, seq);
    return i < this.seqs.length && this.seqs.get(i) === seq ? i : -1;
  }

  private compact(): void {
    const items = new ChunkedArray<T | undefined>();
    const seqs = new ChunkedArray<number>();
    for (let i = 0; i < this.items.length; i++) {
      const item = this.items.get(i);
      if (item !== undefined) {
        items.push(item);
        seqs.push(this.seqs.get(i)!);
      }
    }
    this.items = items;
    this.seqs = seqs;
    this.holes = 0;
  }
}

/** First index whose value is >= `value` in an increasing array. */
function lowerBound(arr: ChunkedArray<number>, value: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr.get(mid)! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
