/**
 * The value behind a sorted-set key: member → score (a Map) plus a skiplist with spans
 * ordered by (score, member bytes), so rank, rank lookup and range boundaries are
 * O(log n). Members are binary strings; JS `<` on one-byte-per-char strings is memcmp
 * order with the shorter prefix first, which is exactly Redis's sdscmp order.
 *
 * - `listpack` mirrors Redis's encoding choice (OBJECT ENCODING, one-shot ZSCAN replies,
 *   ZRANDMEMBER orders). The switch to skiplist is one-way, as in Redis; only a freshly
 *   computed destination (ZUNIONSTORE & co.) is converted to listpack when small enough.
 * - A listpack stores an integral score that fits ±2^62 as an integer, so -0 reads back
 *   as 0 there; `insert` applies that rule while the set is listpack-encoded.
 * - InsertionSlots gives ZSCAN a stable cursor over skiplist-encoded sets.
 *
 * Ranks are 0-based in the public API. Invariant: `dict.get(m).score` is the node's
 * score, and the skiplist holds exactly the members of `dict`.
 */
import { InsertionSlots } from './insertion-slots.js';

const MAX_LEVEL = 32;
const P = 0.25;

export class ZNode {
  backward: ZNode | null = null;
  readonly next: (ZNode | null)[];
  readonly span: number[];
  /** insertion sequence in the slot list (ZSCAN cursor) */
  seq = 0;
  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

/** A score interval (ZRANGEBYSCORE syntax): `minex`/`maxex` make a bound exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex bound: "-" (below everything), "+" (above everything) or a member, open or closed. */
export type LexBound = { readonly kind: 'min' } | { readonly kind: 'max' } | { readonly kind: 'value'; readonly value: string; readonly ex: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

/** Redis's sdscmplex: "-" and "+" as the infinite strings; equal infinities compare equal. */
function cmpLexBound(a: LexBound, b: LexBound): number {
  if (a.kind === b.kind && a.kind !== 'value') return 0;
  if (a.kind === 'min' || b.kind === 'max') return -1;
  if (a.kind === 'max' || b.kind === 'min') return 1;
  const av = (a as { value: string }).value;
  const bv = (b as { value: string }).value;
  return av < bv ? -1 : av > bv ? 1 : 0;
}

function boundExclusive(b: LexBound): boolean {
  // "-" and "+" count as exclusive, as zslParseLexRangeItem marks them
  return b.kind === 'value' ? b.ex : true;
}

export function lexGteMin(member: string, r: LexRange): boolean {
  const b = r.min;
  if (b.kind === 'min') return true;
  if (b.kind === 'max') return false;
  return b.ex ? member > b.value : member >= b.value;
}

export function lexLteMax(member: string, r: LexRange): boolean {
  const b = r.max;
  if (b.kind === 'max') return true;
  if (b.kind === 'min') return false;
  return b.ex ? member < b.value : member <= b.value;
}

export function scoreGteMin(score: number, r: ScoreRange): boolean {
  return r.minex ? score > r.min : score >= r.min;
}

export function scoreLteMax(score: number, r: ScoreRange): boolean {
  return r.maxex ? score < r.max : score <= r.max;
}

/** Ranges that can contain nothing whatever the set holds. */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

export function lexRangeEmpty(r: LexRange): boolean {
  const c = cmpLexBound(r.min, r.max);
  return c > 0 || (c === 0 && (boundExclusive(r.min) || boundExclusive(r.max)));
}

/** (score, member) order: the skiplist's and listpack's order. */
function before(aScore: number, aMember: string, bScore: number, bMember: string): boolean {
  return aScore < bScore || (aScore === bScore && aMember < bMember);
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

export class SortedSet {
  private readonly dict = new Map<string, ZNode>();
  private readonly header = new ZNode('', 0, MAX_LEVEL);
  private tail: ZNode | null = null;
  private level = 1;
  private readonly slots = new InsertionSlots<string>();
  /** Redis's OBJ_ENCODING_LISTPACK (true) vs OBJ_ENCODING_SKIPLIST (false) */
  listpack = true;

  get size(): number {
    return this.dict.size;
  }

  /** The member's score, undefined when absent. */
  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /**
   * Adds a member that is not in the set, or moves an existing one to a new score.
   * Returns true when the member is new.
   */
  set(member: string, score: number): boolean {
    if (this.listpack && score === 0) score = 0; // listpack integer storage drops the sign of -0
    const node = this.dict.get(member);
    if (node !== undefined) {
      if (node.score !== score) this.updateScore(node, score); // -0 == 0: no change, as Redis
      return false;
    }
    const x = this.insertNode(score, member);
    x.seq = this.slots.add(member);
    this.dict.set(member, x);
    return true;
  }

  /** Removes a member; returns whether it was there. */
  delete(member: string): boolean {
    const node = this.dict.get(member);
    if (node === undefined) return false;
    this.dict.delete(member);
    this.slots.remove(node.seq);
    this.deleteByKey(node.score, member);
    return true;
  }

  /** 0-based rank from the lowest (or highest when `reverse`), -1 when absent. */
  rank(member: string, reverse = false): number {
    const node = this.dict.get(member);
    if (node === undefined) return -1;
    const r = this.rankOf(node.score, member);
    return reverse ? this.dict.size - r : r - 1;
  }

  /** Node at a 0-based rank from the lowest, null when out of range. */
  at(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.dict.size) return null;
    return this.byRank(rank + 1);
  }

  first(): ZNode | null {
    return this.header.next[0]!;
  }

  last(): ZNode | null {
    return this.tail;
  }

  /** The node after `n` in ascending order. */
  static next(n: ZNode): ZNode | null {
    return n.next[0]!;
  }

  /** 0-based rank of a node known to be in the set. */
  rankOfNode(n: ZNode): number {
    return this.rankOf(n.score, n.member) - 1;
  }

  /** First node inside the score range, or null. */
  firstInScore(r: ScoreRange): ZNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && !scoreGteMin(f.score, r)) {
        x = f;
        f = x.next[i]!;
      }
    }
    const n = x.next[0]!;
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  /** Last node inside the score range, or null. */
  lastInScore(r: ScoreRange): ZNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && scoreLteMax(f.score, r)) {
        x = f;
        f = x.next[i]!;
      }
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  /**
   * First node inside the lex range, or null. Lex ranges are only meaningful when all
   * scores are equal; for other sets Redis's answer depends on the encoding: a listpack
   * is scanned from the head (reproduced exactly here), a skiplist is searched.
   */
  firstInLex(r: LexRange): ZNode | null {
    if (!this.inLexRange(r)) return null;
    if (this.listpack) {
      for (let n = this.header.next[0]!; n !== null; n = n.next[0]!) {
        if (lexGteMin(n.member, r)) return lexLteMax(n.member, r) ? n : null;
      }
      return null;
    }
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = x.next[i]!;
      }
    }
    const n = x.next[0]!;
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  /**
   * Where ZREMRANGEBYLEX starts deleting on a skiplist: the first node the search finds
   * at or above min, without checking the range against the set's ends first (Redis's
   * zslDeleteRangeByLex; it differs from firstInLex only when scores are not all equal).
   */
  lexDeleteStart(r: LexRange): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = x.next[i]!;
      }
    }
    return x.next[0]!;
  }

  /** Last node inside the lex range, or null (a listpack is scanned from the tail). */
  lastInLex(r: LexRange): ZNode | null {
    if (!this.inLexRange(r)) return null;
    if (this.listpack) {
      for (let n = this.tail; n !== null; n = n.backward) {
        if (lexLteMax(n.member, r)) return lexGteMin(n.member, r) ? n : null;
      }
      return null;
    }
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && lexLteMax(f.member, r)) {
        x = f;
        f = x.next[i]!;
      }
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  /** Number of members with a score in the range (O(log n)). */
  countInScore(r: ScoreRange): number {
    const a = this.firstInScore(r);
    if (a === null) return 0;
    const b = this.lastInScore(r)!;
    return this.rankOfNode(b) - this.rankOfNode(a) + 1;
  }

  countInLex(r: LexRange): number {
    const a = this.firstInLex(r);
    if (a === null) return 0;
    if (this.listpack) {
      // zlexcount on a listpack counts from the first match while members stay below max
      let c = 0;
      for (let n: ZNode | null = a; n !== null && lexLteMax(n.member, r); n = n.next[0]!) c++;
      return c;
    }
    const b = this.lastInLex(r)!;
    return this.rankOfNode(b) - this.rankOfNode(a) + 1;
  }

  /**
   * Removes the members at 0-based ranks start..end (inclusive, already clamped to the
   * set) and returns how many went.
   */
  deleteRangeByRank(start: number, end: number): number {
    const update: ZNode[] = new Array<ZNode>(MAX_LEVEL);
    let x = this.header;
    let traversed = 0;
    const from = start + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i]! < from) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      update[i] = x;
    }
    traversed++;
    let n = x.next[0]!;
    let removed = 0;
    while (n !== null && traversed <= end + 1) {
      const next: ZNode | null = n.next[0]!;
      this.unlink(n, update);
      this.dict.delete(n.member);
      this.slots.remove(n.seq);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }

  /** Members from the lowest score up, with their scores. */
  *entries(): IterableIterator<[string, number]> {
    for (let n = this.header.next[0]!; n !== null; n = n.next[0]!) yield [n.member, n.score];
  }

  /** Visits every member from the highest to the lowest (Redis's zuiNext order). */
  forEachReverse(visit: (member: string, score: number) => void): void {
    for (let n = this.tail; n !== null; n = n.backward) visit(n.member, n.score);
  }

  /** A uniformly random member's node (the set must not be empty). */
  randomNode(rand: () => number = Math.random): ZNode {
    return this.byRank(1 + Math.floor(rand() * this.dict.size))!;
  }

  /**
   * One ZSCAN step over a skiplist-encoded set from `cursor` (an insertion sequence):
   * collects up to `count` members; returns the next cursor, 0 when done.
   */
  scan(cursor: number, count: number, out: string[]): number {
    return this.slots.scan(cursor, count, out);
  }

  /** Switches to listpack storage (only for small sets): -0 scores become 0 there. */
  convertToListpack(): void {
    this.listpack = true;
    for (let n = this.header.next[0]!; n !== null; n = n.next[0]!) if (n.score === 0) n.score = 0;
  }

  /** Longest member in bytes (listpack suitability of computed results). */
  maxMemberLength(): number {
    let m = 0;
    for (const k of this.dict.keys()) if (k.length > m) m = k.length;
    return m;
  }

  /** A deep copy (COPY): same members, scores and encoding. */
  clone(): SortedSet {
    const z = new SortedSet();
    z.listpack = this.listpack;
    // insert from the highest down: each insertion stops at the head
    for (let n = this.tail; n !== null; n = n.backward) z.set(n.member, n.score);
    return z;
  }

  // ---- skiplist internals (Pugh's algorithm with spans, as Redis's zskiplist) ----

  private inScoreRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !scoreGteMin(t.score, r)) return false;
    const h = this.header.next[0]!;
    return h !== null && scoreLteMax(h.score, r);
  }

  private inLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.member, r)) return false;
    const h = this.header.next[0]!;
    return h !== null && lexLteMax(h.member, r);
  }

  private insertNode(score: number, member: string): ZNode {
    const update: ZNode[] = new Array<ZNode>(MAX_LEVEL);
    const rank: number[] = new Array<number>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      let f = x.next[i]!;
      while (f !== null && before(f.score, f.member, score, member)) {
        rank[i]! += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.dict.size;
      }
      this.level = level;
    }
    const n = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      n.next[i] = u.next[i]!;
      u.next[i] = n;
      n.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    n.backward = update[0] === this.header ? null : update[0]!;
    const after = n.next[0]!;
    if (after !== null) after.backward = n;
    else this.tail = n;
    return n;
  }

  private unlink(x: ZNode, update: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.next[i] === x) {
        u.span[i]! += x.span[i]! - 1;
        u.next[i] = x.next[i]!;
      } else {
        u.span[i]!--;
      }
    }
    const after = x.next[0]!;
    if (after !== null) after.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
  }

  /** The update vector for (score, member): the last node before it on each level. */
  private path(score: number, member: string): ZNode[] {
    const update: ZNode[] = new Array<ZNode>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && before(f.score, f.member, score, member)) {
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    return update;
  }

  private deleteByKey(score: number, member: string): void {
    const update = this.path(score, member);
    const x = update[0]!.next[0]!;
    if (x !== null && x.member === member) this.unlink(x, update);
  }

  private updateScore(node: ZNode, score: number): void {
    const prev = node.backward;
    const after = node.next[0]!;
    // Same place after the change: update in place (zslUpdateScore's shortcut).
    if ((prev === null || prev.score < score) && (after === null || after.score > score)) {
      node.score = score;
      return;
    }
    const update = this.path(node.score, node.member);
    this.unlink(node, update);
    const n = this.insertNode(score, node.member);
    n.seq = node.seq;
    this.dict.set(node.member, n);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  private rankOf(score: number, member: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** Node at a 1-based rank. */
  private byRank(rank: number): ZNode | null {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      if (traversed === rank) return x;
    }
    return null;
  }
}
