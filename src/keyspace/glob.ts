/**
 * Glob matching with Redis 7.2's exact semantics (KEYS, SCAN MATCH, CONFIG GET, COMMAND
 * LIST FILTERBY PATTERN, ACL key and channel patterns, PSUBSCRIBE), in bounded time and
 * with memory no larger than the pattern.
 *
 * Redis (util.c stringmatchlen) matches recursively, one level per `*`. Its answer, which
 * this module reproduces byte for byte, is:
 *  - The pattern is a sequence of tokens, each matching exactly one byte — a literal, `?`,
 *    `\x` (escaped literal; a trailing lone `\` is a literal backslash), a class `[...]`
 *    (see glob-class.ts) — or a run of `*` matching any sequence.
 *  - An empty subject matches only the empty pattern (even `*` does not match "").
 *  - Without case, A-Z fold to a-z only (the C locale).
 *  - CVE-2022-36021 (exponential time on `a*a*a*…b`): Redis's `skipLongerMatches` gives up
 *    on earlier stars once a later star found no match anywhere in the rest of the subject.
 *    That shortcut changes only the work, not the answer, and the iterative algorithm below
 *    (backtrack to the last star only) has the same O(pattern × subject) bound.
 *  - CVE-2024-31228 (stack overflow on very long patterns): Redis stops recursing past 1000
 *    nested stars and answers "no match". A match must pass every star group, so when the
 *    1001st star group is followed by anything but more stars, nothing matches.
 *
 * Memory (issue 11 #2): the pattern text is the compiled form. Short classes are walked in
 * place on each comparison, as Redis does. A class of CLASS_SET_MIN_LENGTH bytes or more
 * gets a 32-byte membership set, so one comparison never walks more than that many bytes
 * and the sets together stay smaller than the pattern. compileGlob does that once per
 * pattern; globMatch, for one-off matches, compiles nothing.
 */
import { classEnd, compileClass, FOLD, walkClass } from './glob-class.js';

/** Redis stops nesting after this many star recursions (util.c, CVE-2024-31228). */
const MAX_STAR_NESTING = 1000;

/**
 * Classes at least this long (from `[` to `]`) get a membership set: 32 bytes plus a map
 * entry, well under the class's own length, and a walk in place costs at most this much.
 */
const CLASS_SET_MIN_LENGTH = 256;

const STAR = 42; // *
const ANY = 63; // ?
const OPEN = 91; // [
const ESCAPE = 92; // \

/** A pattern bound to its options: reuse it to match many subjects (KEYS, SCAN). */
export type GlobMatcher = (subject: string) => boolean;

/** Membership sets of a pattern's long classes: 8 words each, found by the class's `[` index. */
interface ClassSets {
  /** `[` index → set number */
  index: Map<number, number>;
  /** per set: the pattern index after its class */
  ends: Int32Array;
  bits: Uint32Array;
}

/**
 * Binds `pattern` (a binary string) once; the matcher then answers exactly as Redis's
 * stringmatchlen(pattern, subject, nocase) would. O(pattern) time to build; it holds the
 * pattern and at most a few bytes per 256 bytes of pattern.
 */
export function compileGlob(pattern: string, nocase = false): GlobMatcher {
  if (pattern.length === 0) return (subject) => subject.length === 0;
  if (pattern === '*') return (subject) => subject.length > 0;
  const sets = longClassSets(pattern, nocase);
  return (subject) => matchGlob(pattern, subject, nocase, sets);
}

/** One-off match: nothing is compiled (classes are walked in place). */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  return matchGlob(pattern, subject, nocase, null);
}

/** Finds the pattern's classes as the matcher tokenizes it and compiles the long ones; null if none. */
function longClassSets(pattern: string, nocase: boolean): ClassSets | null {
  const n = pattern.length;
  const starts: number[] = [];
  const ends: number[] = [];
  let p = 0;
  while (p < n) {
    const c = pattern.charCodeAt(p) & 0xff;
    if (c === OPEN) {
      const end = classEnd(pattern, p + 1);
      if (end - p >= CLASS_SET_MIN_LENGTH) {
        starts.push(p);
        ends.push(end);
      }
      p = end;
    } else {
      p += c === ESCAPE && n - p >= 2 ? 2 : 1;
    }
  }
  if (starts.length === 0) return null;
  const sets: ClassSets = { index: new Map(), ends: Int32Array.from(ends), bits: new Uint32Array(starts.length * 8) };
  for (let k = 0; k < starts.length; k++) {
    sets.index.set(starts[k]!, k);
    compileClass(pattern, starts[k]! + 1, nocase, sets.bits, k * 8);
  }
  return sets;
}

/**
 * Redis's stringmatchlen over binary strings, iteratively: on a mismatch, retry from the
 * most recent star with one more byte consumed by it. Earlier stars never need revisiting
 * because each token between stars consumes exactly one byte. Allocates nothing; time at
 * most O(pattern length × subject length).
 */
function matchGlob(pattern: string, subject: string, nocase: boolean, sets: ClassSets | null): boolean {
  const n = pattern.length;
  const m = subject.length;
  if (m === 0) return n === 0;
  let p = 0;
  let i = 0;
  let starP = -1; // pattern index just after the most recent star group
  let starI = 0; // subject index that star group's current attempt starts from
  let starGroups = 0;
  while (i < m) {
    if (p < n) {
      const pc = pattern.charCodeAt(p) & 0xff;
      if (pc === STAR) {
        do p++;
        while (p < n && (pattern.charCodeAt(p) & 0xff) === STAR);
        // A final star group matches whatever is left (Redis: patternLen == 1), even past
        // the nesting limit, since Redis answers before recursing.
        if (p === n) return true;
        if (++starGroups > MAX_STAR_NESTING) return false;
        starP = p;
        starI = i;
        continue;
      }
      const c = subject.charCodeAt(i);
      let next = p + 1;
      let ok: boolean;
      if (pc === ANY) {
        ok = true;
      } else if (pc === OPEN) {
        const k = sets?.index.get(p);
        if (sets !== null && k !== undefined) {
          ok = c < 256 && ((sets.bits[k * 8 + (c >>> 5)]! >>> (c & 31)) & 1) === 1;
          next = sets.ends[k]!;
        } else {
          const r = walkClass(pattern, p + 1, c, nocase);
          ok = r % 2 === 1;
          next = (r - (r % 2)) / 2;
        }
      } else {
        let lit = pc;
        if (pc === ESCAPE && n - p >= 2) {
          lit = pattern.charCodeAt(p + 1) & 0xff;
          next = p + 2;
        }
        ok = nocase ? FOLD[lit] === FOLD[c] : lit === c;
      }
      if (ok) {
        p = next;
        i++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP;
    i = ++starI;
  }
  // The subject is used up: only stars may remain.
  while (p < n && (pattern.charCodeAt(p) & 0xff) === STAR) p++;
  return p === n;
}
