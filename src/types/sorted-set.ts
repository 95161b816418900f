/**
 * The value behind a sorted-set key: member → score (a Map) plus a counted B+tree ordered
 * by (score, member bytes), so rank, rank lookup and range boundaries are O(log n). The
 * tree (an order-statistic tree: every inner node counts the entries under each child)
 * keeps up to 64 entries per leaf in plain arrays, which is far kinder to the CPU cache
 * than one heap object per member (a pointer-chasing skiplist was 5-10x slower here).
 * Members are binary strings; JS `<` on one-byte-per-char strings is memcmp order with
 * the shorter prefix first, which is exactly Redis's sdscmp order.
 *
 * - `listpack` mirrors Redis's encoding choice (OBJECT ENCODING, one-shot ZSCAN replies,
 *   ZRANDMEMBER orders). The switch to Redis's skiplist encoding is one-way; only a freshly
 *   computed destination (ZUNIONSTORE & co.) is converted to listpack when small enough.
 * - A listpack stores an integral score that fits ±2^62 as an integer, so -0 reads back
 *   as 0 there; `set` applies that rule while the set is listpack-encoded.
 * - InsertionSlots gives ZSCAN a stable cursor over skiplist-encoded sets (the encoding
 *   name is Redis's; the structure here is the same tree for both encodings).
 *
 * Ranks are 0-based. Invariant: the tree holds exactly the (score, member) pairs of
 * `dict`. Leaves are never merged; an emptied leaf or inner node is removed, so the node
 * count stays below the member count and the height about log32 of the largest size the
 * set ever had.
 */
import { InsertionSlots } from './insertion-slots.js';
import { BigMap } from './big-map.js';
import { CellTable } from './cell-table.js';

/** Most entries a leaf holds, and most children an inner node has, before it splits. */
const LEAF_MAX = 64;
const INNER_MAX = 64;

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

/** (score, member) order: the tree's and the listpack's order. */
function before(aScore: number, aMember: string, bScore: number, bMember: string): boolean {
  return aScore < bScore || (aScore === bScore && aMember < bMember);
}

/** A leaf: up to LEAF_MAX entries in order, linked to its neighbours for range walks. */
class Leaf {
  members: string[] = [];
  scores: number[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

/**
 * An inner node. `sizes[i]` counts the entries under `children[i]` (ranks); for i ≥ 1,
 * (sepScores[i], sepMembers[i]) is a key ≤ every key under children[i] and > every key
 * under children[i-1]. Deletions never invalidate that, so separators change only when
 * nodes split or go away. Index 0 of the separator arrays is unused.
 */
class Inner {
  children: TreeNode[] = [];
  sizes: number[] = [];
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type TreeNode = Leaf | Inner;

/** The descent path of the current insert/delete (handlers are synchronous: no nesting). */
const PATH_NODES: Inner[] = [];
const PATH_IDX: number[] = [];

/** Index of the child of `n` that holds (or would hold) the key. */
function childFor(n: Inner, score: number, member: string): number {
  let lo = 1;
  let hi = n.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(score, member, n.sepScores[mid]!, n.sepMembers[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** First index in a leaf whose entry is not before the key. */
function leafLowerBound(l: Leaf, score: number, member: string): number {
  let lo = 0;
  let hi = l.members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(l.scores[mid]!, l.members[mid]!, score, member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `a.splice(pos, 0, v)` without the result array splice allocates on every call. */
function insertAt<T>(a: T[], pos: number, v: T): void {
  let i = a.length;
  a.push(v);
  for (; i > pos; i--) a[i] = a[i - 1]!;
  a[pos] = v;
}

/**
 * Where an overflowing node of `len` entries splits, `pos` being where the last entry went
 * (`front`: the position an ordered load inserts at, 0 in a leaf; 1 in an inner node, right
 * after the child that split). Ordered loads then fill nodes instead of leaving them half
 * empty: an RDB file holds a sorted set highest score first (Redis writes it so), so loading
 * always inserts at the front of the first leaf, and a time series appends at the end of the
 * last one. A front insert leaves the left node with one entry and the right one full, an
 * append the opposite; anything else splits in the middle.
 */
function splitPoint(pos: number, len: number, front: number): number {
  if (pos === front) return front === 0 ? 1 : front;
  if (pos === len - 1) return len - 1;
  return len >>> 1;
}

function sum(xs: number[]): number {
  let t = 0;
  for (const x of xs) t += x;
  return t;
}

export class SortedSet {
  /**
   * member → id of its cell (score, insertion sequence) in `cells`. BigMap: no 2^24 ceiling
   * on members; small-integer values and typed-array cells: no JS object per member (issue 17)
   */
  private readonly dict = new BigMap<string, number>();
  private readonly cells = new CellTable();
  private root: TreeNode = new Leaf();
  private readonly slots = new InsertionSlots<string>();
  /** Redis's OBJ_ENCODING_LISTPACK (true) vs OBJ_ENCODING_SKIPLIST (false) */
  listpack = true;
  /** bytes of every member, kept as they change (memory accounting, O(1) per write) */
  payloadBytes = 0;

  get size(): number {
    return this.dict.size;
  }

  /** The member's score, undefined when absent. */
  score(member: string): number | undefined {
    const id = this.dict.get(member);
    return id === undefined ? undefined : this.cells.score(id);
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /**
   * Adds a member, or moves an existing one to a new score (an equal score, -0 vs 0
   * included, changes nothing, as in Redis). Returns true when the member is new.
   */
  set(member: string, score: number): boolean {
    if (this.listpack && score === 0) score = 0; // listpack integer storage drops the sign of -0
    const id = this.dict.get(member);
    if (id !== undefined) {
      const old = this.cells.score(id);
      if (old !== score) {
        this.removeKey(old, member);
        this.insertKey(score, member);
        this.cells.setScore(id, score);
      }
      return false;
    }
    this.insertKey(score, member);
    this.payloadBytes += member.length;
    this.dict.set(member, this.cells.alloc(score, this.slots.add(member)));
    return true;
  }

  /** Removes a member; returns whether it was there. */
  delete(member: string): boolean {
    const id = this.dict.get(member);
    if (id === undefined) return false;
    const score = this.cells.score(id);
    this.payloadBytes -= member.length;
    this.dict.delete(member);
    this.slots.remove(this.cells.seq(id));
    this.cells.release(id);
    this.removeKey(score, member);
    return true;
  }

  /** 0-based rank from the lowest (or highest when `reverse`), -1 when absent. */
  rank(member: string, reverse = false): number {
    const id = this.dict.get(member);
    if (id === undefined) return -1;
    const score = this.cells.score(id);
    let n = this.root;
    let r = 0;
    while (n instanceof Inner) {
      const i = childFor(n, score, member);
      for (let j = 0; j < i; j++) r += n.sizes[j]!;
      n = n.children[i]!;
    }
    r += leafLowerBound(n, score, member);
    return reverse ? this.dict.size - 1 - r : r;
  }

  /** Member at a 0-based rank (which must be in range). */
  memberAt(rank: number): string {
    const l = this.locate(rank);
    return l.members[LOC_IDX]!;
  }

  scoreAt(rank: number): number {
    const l = this.locate(rank);
    return l.scores[LOC_IDX]!;
  }

  /**
   * Visits entries from `from` (a rank in range) upwards, or downwards when `reverse`,
   * while `visit` returns true.
   */
  walk(from: number, reverse: boolean, visit: (member: string, score: number) => boolean): void {
    let l: Leaf | null = this.locate(from);
    let i = LOC_IDX;
    while (l !== null) {
      const ms = l.members;
      const ss = l.scores;
      if (reverse) {
        for (; i >= 0; i--) if (!visit(ms[i]!, ss[i]!)) return;
        l = l.prev;
        i = l === null ? 0 : l.members.length - 1;
      } else {
        for (; i < ms.length; i++) if (!visit(ms[i]!, ss[i]!)) return;
        l = l.next;
        i = 0;
      }
    }
  }

  /** Rank of the first entry inside the score range, -1 when none. */
  firstInScore(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return -1;
    const k = this.firstWhere((s) => scoreGteMin(s, r));
    return k < this.size && scoreLteMax(this.scoreAt(k), r) ? k : -1;
  }

  /** Rank of the last entry inside the score range, -1 when none. */
  lastInScore(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return -1;
    const k = this.firstWhere((s) => !scoreLteMax(s, r)) - 1;
    return k >= 0 && scoreGteMin(this.scoreAt(k), r) ? k : -1;
  }

  /**
   * Rank of the first entry inside the lex range, -1 when none. Lex ranges are only
   * meaningful when all scores are equal; for other sets Redis's answer depends on the
   * encoding: a listpack is scanned from the head (reproduced exactly here), a skiplist
   * is searched (its answer then depends on its random levels).
   */
  firstInLex(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    if (this.listpack) {
      let found = -1;
      let k = 0;
      this.walk(0, false, (m) => {
        if (lexGteMin(m, r)) {
          if (lexLteMax(m, r)) found = k;
          return false;
        }
        k++;
        return true;
      });
      return found;
    }
    const k = this.firstWhere((_, m) => lexGteMin(m, r));
    return k < this.size && lexLteMax(this.memberAt(k), r) ? k : -1;
  }

  /** Rank of the last entry inside the lex range, -1 when none (a listpack is scanned from the tail). */
  lastInLex(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    if (this.listpack) {
      let found = -1;
      let k = this.size - 1;
      this.walk(k, true, (m) => {
        if (lexLteMax(m, r)) {
          if (lexGteMin(m, r)) found = k;
          return false;
        }
        k--;
        return true;
      });
      return found;
    }
    const k = this.firstWhere((_, m) => !lexLteMax(m, r)) - 1;
    return k >= 0 && lexGteMin(this.memberAt(k), r) ? k : -1;
  }

  /**
   * Where ZREMRANGEBYLEX starts deleting on a skiplist: the first entry the search finds
   * at or above min, without checking the range against the set's ends first (Redis's
   * zslDeleteRangeByLex). Returns the size when there is none.
   */
  lexDeleteStart(r: LexRange): number {
    return this.firstWhere((_, m) => lexGteMin(m, r));
  }

  /** Number of members with a score in the range (O(log n)). */
  countInScore(r: ScoreRange): number {
    const a = this.firstInScore(r);
    return a < 0 ? 0 : this.lastInScore(r) - a + 1;
  }

  countInLex(r: LexRange): number {
    const a = this.firstInLex(r);
    if (a < 0) return 0;
    if (this.listpack) {
      // zlexcount on a listpack counts from the first match while members stay below max
      let c = 0;
      this.walk(a, false, (m) => {
        if (!lexLteMax(m, r)) return false;
        c++;
        return true;
      });
      return c;
    }
    return this.lastInLex(r) - a + 1;
  }

  /**
   * Removes the members at 0-based ranks start..end (inclusive, already clamped to the
   * set) and returns how many went.
   */
  deleteRangeByRank(start: number, end: number): number {
    const victims: string[] = [];
    this.walk(start, false, (m) => {
      victims.push(m);
      return victims.length < end - start + 1;
    });
    for (const m of victims) this.delete(m);
    return victims.length;
  }

  /** Members from the lowest score up, with their scores. */
  *entries(): IterableIterator<[string, number]> {
    for (let l: Leaf | null = this.firstLeaf(); l !== null; l = l.next) {
      for (let i = 0; i < l.members.length; i++) yield [l.members[i]!, l.scores[i]!];
    }
  }

  /** Visits every member from the highest to the lowest (Redis's zuiNext order). */
  forEachReverse(visit: (member: string, score: number) => void): void {
    for (let l: Leaf | null = this.lastLeaf(); l !== null; l = l.prev) {
      for (let i = l.members.length - 1; i >= 0; i--) visit(l.members[i]!, l.scores[i]!);
    }
  }

  /** A uniformly random rank (the set must not be empty). */
  randomRank(rand: () => number = Math.random): number {
    return Math.floor(rand() * this.dict.size);
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
    for (let l: Leaf | null = this.firstLeaf(); l !== null; l = l.next) {
      for (let i = 0; i < l.scores.length; i++) if (l.scores[i] === 0) l.scores[i] = 0;
    }
    for (const id of this.dict.values()) if (this.cells.score(id) === 0) this.cells.setScore(id, 0);
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
    for (const [m, s] of this.entries()) z.set(m, s);
    return z;
  }

  /** Leaves in the tree (tests: how full ordered loads leave them). */
  leafCount(): number {
    let n = 0;
    for (let l: Leaf | null = this.firstLeaf(); l !== null; l = l.next) n++;
    return n;
  }

  // ---- tree internals ----

  private firstLeaf(): Leaf {
    let n = this.root;
    while (n instanceof Inner) n = n.children[0]!;
    return n;
  }

  private lastLeaf(): Leaf {
    let n = this.root;
    while (n instanceof Inner) n = n.children[n.children.length - 1]!;
    return n;
  }

  /** The leaf holding a rank; the index inside it goes to LOC_IDX. */
  private locate(rank: number): Leaf {
    let n = this.root;
    while (n instanceof Inner) {
      let i = 0;
      const sizes = n.sizes;
      while (rank >= sizes[i]!) rank -= sizes[i++]!;
      n = n.children[i]!;
    }
    LOC_IDX = rank;
    return n;
  }

  /**
   * Rank of the first entry for which `pred` holds, for a predicate that is false then
   * true along the order (the size when it never holds).
   */
  private firstWhere(pred: (score: number, member: string) => boolean): number {
    let n = this.root;
    let acc = 0;
    while (n instanceof Inner) {
      let lo = 1;
      let hi = n.children.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (pred(n.sepScores[mid]!, n.sepMembers[mid]!)) hi = mid;
        else lo = mid + 1;
      }
      const i = lo - 1;
      for (let j = 0; j < i; j++) acc += n.sizes[j]!;
      n = n.children[i]!;
    }
    let lo = 0;
    let hi = n.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(n.scores[mid]!, n.members[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return acc + lo;
  }

  private inScoreRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r) || this.size === 0) return false;
    const last = this.lastLeaf();
    if (!scoreGteMin(last.scores[last.scores.length - 1]!, r)) return false;
    return scoreLteMax(this.firstLeaf().scores[0]!, r);
  }

  private inLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r) || this.size === 0) return false;
    const last = this.lastLeaf();
    if (!lexGteMin(last.members[last.members.length - 1]!, r)) return false;
    return lexLteMax(this.firstLeaf().members[0]!, r);
  }

  private insertKey(score: number, member: string): void {
    let n = this.root;
    let d = 0;
    while (n instanceof Inner) {
      const i = childFor(n, score, member);
      PATH_NODES[d] = n;
      PATH_IDX[d] = i;
      d++;
      n.sizes[i]!++;
      n = n.children[i]!;
    }
    const pos = leafLowerBound(n, score, member);
    insertAt(n.members, pos, member);
    insertAt(n.scores, pos, score);
    if (n.members.length > LEAF_MAX) {
      const right = new Leaf();
      const mid = splitPoint(pos, n.members.length, 0);
      right.members = n.members.splice(mid);
      right.scores = n.scores.splice(mid);
      right.next = n.next;
      if (right.next !== null) right.next.prev = right;
      right.prev = n;
      n.next = right;
      this.addChild(d - 1, n, right, right.scores[0]!, right.members[0]!, n.members.length, right.members.length);
    }
  }

  /** After `left` (at depth level+1) split off `right`: hook `right` in its parent. */
  private addChild(level: number, left: TreeNode, right: TreeNode, sepScore: number, sepMember: string, leftSize: number, rightSize: number): void {
    if (level < 0) {
      const r = new Inner();
      r.children = [left, right];
      r.sizes = [leftSize, rightSize];
      r.sepScores = [0, sepScore];
      r.sepMembers = ['', sepMember];
      this.root = r;
      return;
    }
    const p = PATH_NODES[level]!;
    const i = PATH_IDX[level]!;
    insertAt(p.children, i + 1, right);
    p.sizes[i] = leftSize;
    insertAt(p.sizes, i + 1, rightSize);
    insertAt(p.sepScores, i + 1, sepScore);
    insertAt(p.sepMembers, i + 1, sepMember);
    if (p.children.length > INNER_MAX) {
      const q = new Inner();
      const mid = splitPoint(i + 1, p.children.length, 1);
      q.children = p.children.splice(mid);
      q.sizes = p.sizes.splice(mid);
      q.sepScores = p.sepScores.splice(mid);
      q.sepMembers = p.sepMembers.splice(mid);
      this.addChild(level - 1, p, q, q.sepScores[0]!, q.sepMembers[0]!, sum(p.sizes), sum(q.sizes));
    }
  }

  private removeKey(score: number, member: string): void {
    let n = this.root;
    let d = 0;
    while (n instanceof Inner) {
      const i = childFor(n, score, member);
      PATH_NODES[d] = n;
      PATH_IDX[d] = i;
      d++;
      n.sizes[i]!--;
      n = n.children[i]!;
    }
    const pos = leafLowerBound(n, score, member);
    n.members.splice(pos, 1);
    n.scores.splice(pos, 1);
    if (n.members.length === 0 && d > 0) {
      if (n.prev !== null) n.prev.next = n.next;
      if (n.next !== null) n.next.prev = n.prev;
      this.dropChild(d - 1);
    }
    // a root with one child makes the tree shorter
    while (this.root instanceof Inner && this.root.children.length === 1) this.root = this.root.children[0]!;
  }

  /** Removes the (empty) child PATH_IDX[level] of PATH_NODES[level], and empty ancestors. */
  private dropChild(level: number): void {
    const p = PATH_NODES[level]!;
    const i = PATH_IDX[level]!;
    p.children.splice(i, 1);
    p.sizes.splice(i, 1);
    p.sepScores.splice(i, 1);
    p.sepMembers.splice(i, 1);
    if (p.children.length === 0) {
      if (level > 0) this.dropChild(level - 1);
      else this.root = new Leaf();
    }
  }
}

/** Index inside the leaf returned by the last locate() call. */
let LOC_IDX = 0;
