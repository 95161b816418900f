/**
 * The value behind a set key: distinct binary-string members plus Redis 7.2's encoding
 * state, which decides iteration order and therefore the exact bytes of many replies.
 *
 * - "intset": every member is a canonical 64-bit integer (string2ll); iterated in
 *   ascending numeric order, as Redis's sorted integer array is.
 * - "listpack": up to set-max-listpack-entries members of at most set-max-listpack-value
 *   bytes; iterated in insertion order.
 * - "hashtable": anything else; Redis's order is its dict's, which no client may rely on,
 *   so insertion order is as good as any.
 *
 * Conversions follow t_set.c and are one-way except where Redis itself rebuilds a set
 * (an intset that receives a non-integer becomes a listpack when everything fits, else a
 * hashtable; a listpack or intset that grows too big becomes a hashtable). Commands that
 * build a result set (SUNION, SINTERSTORE…) start from the encoding Redis starts from and
 * add members in Redis's order, so the result's encoding and order come out the same.
 *
 * Members are kept in a Map (membership) and an InsertionSlots list (SSCAN cursors of
 * hashtable sets, O(1) random picks); an intset also keeps its members sorted.
 */
import { InsertionSlots } from './insertion-slots.js';
import { BigMap } from './big-map.js';
import { parseInteger } from '../protocol/number-format.js';

export type SetEncoding = 'intset' | 'listpack' | 'hashtable';

/** The set-max-* configuration that drives encoding choices. */
export interface SetLimits {
  intsetEntries: number;
  listpackEntries: number;
  listpackValue: number;
}

/** Redis 7.2's defaults. */
export const DEFAULT_SET_LIMITS: SetLimits = { intsetEntries: 512, listpackEntries: 128, listpackValue: 64 };

/** Redis caps an intset at 2^30 entries whatever set-max-intset-entries says. */
function intsetMax(lim: SetLimits): number {
  return lim.intsetEntries >= 1 << 30 ? 1 << 30 : lim.intsetEntries;
}

/** Whether Redis would store `s` as an integer (canonical decimal that fits int64). */
export function isIntMember(s: string): boolean {
  return s.length <= 20 && parseInteger(s) !== null;
}

/**
 * Numeric order of two canonical integer strings without converting them (int64 does
 * not fit a double): negatives first, then by length, then by digits.
 */
export function compareIntMembers(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : a > b ? 1 : 0;
  return an ? -r : r;
}

export class SetData {
  /** BigMap: no 2^24 ceiling on members (issue 17) */
  private map = new BigMap<string, number>();
  private order = new InsertionSlots<string>();
  /** members in ascending numeric order, while the encoding is intset */
  private sorted: string[] | null;
  /** bytes of every member, kept as they change (memory accounting, O(1) per write) */
  payloadBytes = 0;

  private constructor(public encoding: SetEncoding) {
    this.sorted = encoding === 'intset' ? [] : null;
  }

  /** An empty set in a given encoding (result sets start as Redis starts them). */
  static empty(encoding: SetEncoding): SetData {
    return new SetData(encoding);
  }

  /**
   * A new set about to receive `first` and about `hint` members in all (setTypeCreate):
   * an intset when the first member is an integer and the hint fits one, else a listpack
   * when the hint fits one, else a hashtable. The hint counts arguments, duplicates too.
   */
  static create(first: string, hint: number, lim: SetLimits = DEFAULT_SET_LIMITS): SetData {
    if (isIntMember(first) && hint <= lim.intsetEntries) return new SetData('intset');
    if (hint <= lim.listpackEntries) return new SetData('listpack');
    return new SetData('hashtable');
  }

  get size(): number {
    return this.map.size;
  }

  has(member: string): boolean {
    return this.map.has(member);
  }

  /**
   * An existing set about to receive about `hint` members converts to a hashtable at once
   * when the hint exceeds its encoding's limit (setTypeMaybeConvert).
   */
  maybeConvert(hint: number, lim: SetLimits = DEFAULT_SET_LIMITS): void {
    if ((this.encoding === 'listpack' && hint > lim.listpackEntries) || (this.encoding === 'intset' && hint > lim.intsetEntries)) {
      this.toHashtable();
    }
  }

  /** Adds a member, converting the encoding as Redis does; returns whether it was new. */
  add(member: string, lim: SetLimits = DEFAULT_SET_LIMITS): boolean {
    if (this.map.has(member)) return false;
    switch (this.encoding) {
      case 'hashtable':
        break;
      case 'listpack':
        if (this.map.size >= lim.listpackEntries || member.length > lim.listpackValue) this.toHashtable();
        break;
      case 'intset':
        if (isIntMember(member)) {
          this.insertSorted(member);
          this.append(member);
          if (this.map.size > intsetMax(lim)) this.toHashtable();
          return true;
        }
        this.leaveIntset(member, lim);
        break;
    }
    this.append(member);
    return true;
  }

  /** Removes a member; returns whether it was there. The encoding never changes back. */
  delete(member: string): boolean {
    const seq = this.map.get(member);
    if (seq === undefined) return false;
    this.payloadBytes -= member.length;
    this.map.delete(member);
    this.order.remove(seq);
    if (this.sorted !== null) {
      const i = this.sortedIndex(member);
      this.sorted.splice(i, 1);
    }
    return true;
  }

  /** Members in Redis's iteration order for the encoding. */
  members(): IterableIterator<string> {
    return this.sorted !== null ? this.sorted.values() : this.map.keys();
  }

  /** A uniformly random member (the set must not be empty). */
  random(rand: () => number = Math.random): string {
    return this.order.random(rand)!;
  }

  /**
   * `k` distinct random members in iteration order (Redis's listpack sampling walks the
   * listpack once, so a listpack's picks come out in its order).
   */
  orderedSample(k: number, rand: () => number = Math.random): string[] {
    const out: string[] = [];
    let left = this.map.size;
    for (const m of this.members()) {
      if (out.length >= k) break;
      if (rand() * left < k - out.length) out.push(m);
      left--;
    }
    return out;
  }

  /**
   * One SSCAN step over a hashtable-encoded set from `cursor` (an insertion sequence
   * number): up to `count` members. Returns the next cursor, 0 when the scan is complete.
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const out: string[] = [];
    const next = this.order.scan(cursor, count, out);
    for (const m of out) visit(m);
    return next;
  }

  /**
   * Turns a set whose members are all integers into an intset, unless it is too big
   * (maybeConvertToIntset, used by SINTERSTORE).
   */
  convertToIntsetIfFits(lim: SetLimits = DEFAULT_SET_LIMITS): void {
    if (this.encoding === 'intset' || this.map.size > intsetMax(lim)) return;
    const sorted = [...this.map.keys()].sort(compareIntMembers);
    this.rebuild(sorted);
    this.sorted = sorted;
    this.encoding = 'intset';
  }

  /** A deep copy (COPY): same members, order and encoding, no shared structure. */
  clone(): SetData {
    const s = new SetData(this.encoding);
    for (const m of this.map.keys()) s.append(m);
    if (this.sorted !== null) s.sorted = this.sorted.slice();
    return s;
  }

  private append(member: string): void {
    this.payloadBytes += member.length;
    this.map.set(member, this.order.add(member));
  }

  private toHashtable(): void {
    this.encoding = 'hashtable';
    this.sorted = null;
  }

  /**
   * An intset receiving a non-integer: Redis re-encodes it as a listpack (its integers in
   * ascending order, then the new member) when the entry count, the new member and the
   * longest integer's text fit the listpack limits, else as a hashtable.
   */
  private leaveIntset(member: string, lim: SetLimits): void {
    const sorted = this.sorted!;
    let maxLen = 0;
    if (sorted.length > 0) maxLen = Math.max(sorted[0]!.length, sorted[sorted.length - 1]!.length);
    if (sorted.length < lim.listpackEntries && member.length <= lim.listpackValue && maxLen <= lim.listpackValue) {
      this.rebuild(sorted);
      this.encoding = 'listpack';
      this.sorted = null;
    } else {
      this.toHashtable();
    }
  }

  /** Re-lays the members in the given order (map and slots both follow it). */
  private rebuild(ordered: readonly string[]): void {
    this.map = new BigMap();
    this.order = new InsertionSlots<string>();
    this.payloadBytes = 0;
    for (const m of ordered) this.append(m);
  }

  private insertSorted(member: string): void {
    const sorted = this.sorted!;
    sorted.splice(this.sortedIndex(member), 0, member);
  }

  /** First index in `sorted` whose member is >= `member`. */
  private sortedIndex(member: string): number {
    const sorted = this.sorted!;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIntMembers(sorted[mid]!, member) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
