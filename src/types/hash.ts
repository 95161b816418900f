/**
 * The value behind a hash key: field → value (binary strings) in insertion order, plus
 * what HSCAN and HRANDFIELD need on top of a Map.
 *
 * - A slot list in insertion order (with tombstones, compacted now and then) gives HSCAN a
 *   stable cursor: the cursor is the insertion sequence number of the next slot, so a field
 *   present for the whole scan is returned exactly once, whatever is added or deleted
 *   meanwhile (Redis guarantees "at least once"). It also gives HRANDFIELD O(1) picks.
 * - `listpack` mirrors Redis's encoding choice (OBJECT ENCODING, and the one-shot HSCAN
 *   reply of small hashes). Redis converts a hash to a hashtable once it grows beyond
 *   hash-max-listpack-entries or a field/value exceeds hash-max-listpack-value, and never
 *   converts back; the flag follows the same one-way rule.
 *
 * Updating an existing field keeps its position, as Redis's listpack does, so iteration
 * order (HGETALL, HKEYS…) equals Redis's for listpack-encoded hashes.
 */

interface Cell {
  value: string;
  /** insertion sequence: the field's place in the slot list */
  seq: number;
}

export class HashData {
  private readonly map = new Map<string, Cell>();
  /** fields in insertion order; undefined marks a deleted field until compaction */
  private slots: (string | undefined)[] = [];
  private slotSeqs: number[] = [];
  private tombstones = 0;
  private nextSeq = 1;
  /** Redis's OBJ_ENCODING_LISTPACK (true) vs OBJ_ENCODING_HT (false) */
  listpack = true;

  get size(): number {
    return this.map.size;
  }

  get(field: string): string | undefined {
    return this.map.get(field)?.value;
  }

  has(field: string): boolean {
    return this.map.has(field);
  }

  /** Sets a field; returns true when the field is new. An update keeps its position. */
  set(field: string, value: string): boolean {
    const c = this.map.get(field);
    if (c !== undefined) {
      c.value = value;
      return false;
    }
    const seq = this.nextSeq++;
    this.map.set(field, { value, seq });
    this.slots.push(field);
    this.slotSeqs.push(seq);
    return true;
  }

  /** Removes a field; returns whether it existed. */
  delete(field: string): boolean {
    const c = this.map.get(field);
    if (c === undefined) return false;
    this.map.delete(field);
    const i = lowerBound(this.slotSeqs, c.seq);
    if (i < this.slotSeqs.length && this.slotSeqs[i] === c.seq) {
      this.slots[i] = undefined;
      this.tombstones++;
      if (this.tombstones > 64 && this.tombstones > this.map.size) this.compact();
    }
    return true;
  }

  private compact(): void {
    const slots: string[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const f = this.slots[i];
      if (f !== undefined) {
        slots.push(f);
        seqs.push(this.slotSeqs[i]!);
      }
    }
    this.slots = slots;
    this.slotSeqs = seqs;
    this.tombstones = 0;
  }

  /** [field, value] pairs in insertion order. */
  *entries(): IterableIterator<[string, string]> {
    for (const [f, c] of this.map) yield [f, c.value];
  }

  fields(): IterableIterator<string> {
    return this.map.keys();
  }

  /** A uniformly random field (the hash must not be empty). */
  randomField(rand: () => number = Math.random): string {
    // Tombstones are at most half the slots (compaction), so this ends quickly.
    for (;;) {
      const f = this.slots[Math.floor(rand() * this.slots.length)];
      if (f !== undefined) return f;
    }
  }

  /**
   * One HSCAN step from `cursor` (an insertion sequence number): visits up to `count`
   * live fields in insertion order. Returns the next cursor, 0 when the scan is complete.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    let i = lowerBound(this.slotSeqs, cursor);
    let seen = 0;
    while (i < this.slots.length && seen < count) {
      const f = this.slots[i];
      if (f !== undefined) {
        seen++;
        visit(f, this.map.get(f)!.value);
      }
      i++;
    }
    // skip tombstones so the returned cursor is 0 exactly when nothing is left
    while (i < this.slots.length && this.slots[i] === undefined) i++;
    return i >= this.slots.length ? 0 : this.slotSeqs[i]!;
  }

  /** A deep copy (COPY): same fields, order and encoding, no shared structure. */
  clone(): HashData {
    const h = new HashData();
    for (const [f, c] of this.map) h.set(f, c.value);
    h.listpack = this.listpack;
    return h;
  }
}

function lowerBound(arr: number[], value: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
