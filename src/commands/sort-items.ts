/**
 * SORT's input, held and ordered in chunks (issue 17). Pure: no server, no keyspace.
 *
 * One JS array cannot pass about 112M elements (V8 aborts the whole process growing it),
 * while a list, set or sorted set may hold 2^32. So the elements SORT reads go into chunks
 * of at most `chunkSize`; each chunk is sorted on its own (Array.prototype.sort, stable)
 * and the window is read through a k-way merge of the sorted chunks. A tie between two
 * chunks goes to the earlier chunk, which holds the earlier input, so the whole order is as
 * stable as one sort of one array (ALPHA weights that compare equal keep their input order,
 * as glibc's merge-sort qsort keeps them in Redis). A collection of up to `chunkSize`
 * elements (all but giant ones) is one chunk: one sort and no merge, as before.
 *
 * Invariants: every chunk but the last holds exactly `chunkSize` items; the last holds at
 * least one unless the whole input is empty.
 */
import type { SortItem } from './sort-order.js';

/** Items per chunk: far below V8's array limit, large enough that the merge is rare. */
export const SORT_CHUNK = 1 << 22;

export class SortItems {
  private readonly chunks: SortItem[][] = [[]];
  private len = 0;

  /** `chunkSize`: tests use tiny chunks to exercise the merge. */
  constructor(private readonly chunkSize = SORT_CHUNK) {}

  get length(): number {
    return this.len;
  }

  push(it: SortItem): void {
    let last = this.chunks[this.chunks.length - 1]!;
    if (last.length === this.chunkSize) {
      last = [];
      this.chunks.push(last);
    }
    last.push(it);
    this.len++;
  }

  /** Every item, in input order. */
  forEach(visit: (it: SortItem) => void): void {
    for (const c of this.chunks) for (const it of c) visit(it);
  }

  /** Sorts each chunk; `window` then reads them merged. */
  sort(cmp: (a: SortItem, b: SortItem) => number): void {
    for (const c of this.chunks) c.sort(cmp);
    this.cmp = cmp;
  }

  private cmp: ((a: SortItem, b: SortItem) => number) | null = null;

  /**
   * Visits the items of ranks start..end (inclusive, within range) in order: input order
   * before `sort`, the merged sorted order after it.
   */
  window(start: number, end: number, visit: (it: SortItem) => void): void {
    if (end < start) return;
    const cmp = this.cmp;
    if (cmp === null || this.chunks.length === 1) {
      let at = 0;
      for (const c of this.chunks) {
        if (at + c.length <= start) {
          at += c.length;
          continue;
        }
        for (let i = Math.max(0, start - at); i < c.length && at + i <= end; i++) visit(c[i]!);
        at += c.length;
        if (at > end) return;
      }
      return;
    }
    // k-way merge: a binary heap of chunk indexes ordered by their head item, ties to the
    // lower chunk index (stability)
    const chunks = this.chunks;
    const pos = new Array<number>(chunks.length).fill(0);
    const heap: number[] = [];
    const less = (a: number, b: number): boolean => {
      const d = cmp(chunks[a]![pos[a]!]!, chunks[b]![pos[b]!]!);
      return d < 0 || (d === 0 && a < b);
    };
    const down = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) return;
        const r = l + 1;
        const m = r < heap.length && less(heap[r]!, heap[l]!) ? r : l;
        if (!less(heap[m]!, heap[i]!)) return;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    };
    for (let k = 0; k < chunks.length; k++) if (chunks[k]!.length > 0) heap.push(k);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    for (let rank = 0; rank <= end && heap.length > 0; rank++) {
      const k = heap[0]!;
      if (rank >= start) visit(chunks[k]![pos[k]!]!);
      pos[k]!++;
      if (pos[k]! === chunks[k]!.length) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      down(0);
    }
  }
}
