/**
 * The value behind a hash key: field → value (binary strings) in insertion order, plus
 * what HSCAN and HRANDFIELD need on top of a Map.
 *
 * - InsertionSlots gives HSCAN a stable cursor and HRANDFIELD O(1) picks.
 * - `listpack` mirrors Redis's encoding choice (OBJECT ENCODING, and the one-shot HSCAN
 *   reply of small hashes). Redis converts a hash to a hashtable once it grows beyond
 *   hash-max-listpack-entries or a field/value exceeds hash-max-listpack-value, and never
 *   converts back; the flag follows the same one-way rule.
 *
 * Updating an existing field keeps its position, as Redis's listpack does, so iteration
 * order (HGETALL, HKEYS…) equals Redis's for listpack-encoded hashes.
 */

import { InsertionSlots } from './insertion-slots.js';
import { BigMap } from './big-map.js';

interface Cell {
  value: string;
  /** insertion sequence: the field's place in the slot list */
  seq: number;
}

export class HashData {
  /** BigMap: no 2^24 ceiling on fields (issue 17) */
  private readonly map = new BigMap<string, Cell>();
  private readonly order = new InsertionSlots<string>();
  /** Redis's OBJ_ENCODING_LISTPACK (true) vs OBJ_ENCODING_HT (false) */
  listpack = true;
  /** bytes of every field and value, kept as they change (memory accounting, O(1) per write) */
  payloadBytes = 0;

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
      this.payloadBytes += value.length - c.value.length;
      c.value = value;
      return false;
    }
    this.payloadBytes += field.length + value.length;
    this.map.set(field, { value, seq: this.order.add(field) });
    return true;
  }

  /** Removes a field; returns whether it existed. */
  delete(field: string): boolean {
    const c = this.map.get(field);
    if (c === undefined) return false;
    this.payloadBytes -= field.length + c.value.length;
    this.map.delete(field);
    this.order.remove(c.seq);
    return true;
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
    return this.order.random(rand)!;
  }

  /**
   * One HSCAN step from `cursor` (an insertion sequence number): visits up to `count`
   * live fields in insertion order. Returns the next cursor, 0 when the scan is complete.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    const fields: string[] = [];
    const next = this.order.scan(cursor, count, fields);
    for (const f of fields) visit(f, this.map.get(f)!.value);
    return next;
  }

  /** A deep copy (COPY): same fields, order and encoding, no shared structure. */
  clone(): HashData {
    const h = new HashData();
    for (const [f, c] of this.map) h.set(f, c.value);
    h.listpack = this.listpack;
    return h;
  }
}
