/**
 * Glob matching with Redis 7.2's exact semantics (KEYS, SCAN MATCH, CONFIG GET, ACL key
 * patterns, PSUBSCRIBE), in bounded time.
 *
 * Redis matches recursively, one level per `*`. Its answer, which this module reproduces
 * byte for byte, is:
 *  - The pattern is read as a sequence of tokens, each matching exactly one byte — a literal,
 *    `?`, `\x` (escaped literal), a class `[...]` — or a run of `*` matching any sequence.
 *  - Class syntax: `^` first negates; `\x` inside matches x exactly (even when matching
 *    case-insensitively); `a-z` is a range and a reversed range `z-a` is swapped; a class
 *    without its `]` runs to the end of the pattern; `[a-]` is the range `a`..`]` followed
 *    by an unterminated class. Range bounds are C `char`s, which are signed on the platforms
 *    Redis ships on, so `[a-\xff]` is the range -1..97 and does not contain 'b' or 0xe9.
 *  - An empty subject matches only the empty pattern (even `*` does not match "").
 *  - Protection against abusive patterns (CVE-2022-36021): Redis stops recursing past 1000
 *    nested stars and answers "no match". A match must pass every star group, so when the
 *    1001st star group is followed by anything but more stars, nothing matches.
 *  - Case-insensitive matching folds A-Z only (the C locale). Inside a range the bounds are
 *    swapped first and folded after, and folding a negative `char` yields its unsigned byte
 *    (glibc's tolower), so we mirror that too.
 *
 * Redis's `skipLongerMatches` shortcut does not change the answer, only the work, so the
 * tokens can be matched with the classic iterative algorithm that backtracks to the last
 * star only: O(pattern × subject) in the worst case, never exponential.
 */

const STAR = 0;
const ANY = 1;
const LITERAL = 2;
const CLASS = 3;

/** Redis stops nesting after this many star recursions (see util.c). */
const MAX_STAR_NESTING = 1000;

/** A-Z → a-z, everything else unchanged: tolower() in the C locale, on unsigned bytes. */
const FOLD = new Uint8Array(256);
for (let i = 0; i < 256; i++) FOLD[i] = i >= 65 && i <= 90 ? i + 32 : i;

/** A C `char` as the signed value x86-64/arm64-Linux compilers give it... */
function signedChar(b: number): number {
  return b >= 128 ? b - 256 : b;
}

/** ...and glibc's tolower() of such a value: negative chars come back as unsigned bytes. */
function cToLower(c: number): number {
  if (c < 0) return c + 256;
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A compiled pattern: reuse it to match many subjects (KEYS, SCAN). */
export type GlobMatcher = (subject: string) => boolean;

interface Tokens {
  kinds: Uint8Array;
  /** literal byte (folded when matching without case) */
  literals: Uint8Array;
  /** membership table (256 entries) per CLASS token, undefined for other kinds */
  classes: (Uint8Array | undefined)[];
  count: number;
}

/**
 * Compiles `pattern` (a binary string) once; the matcher then answers exactly as Redis's
 * stringmatchlen(pattern, subject, nocase) would.
 */
export function compileGlob(pattern: string, nocase = false): GlobMatcher {
  const n = pattern.length;
  if (n === 0) return (subject) => subject.length === 0;
  if (n === 1 && pattern === '*') return (subject) => subject.length > 0;
  const t = tokenize(pattern, nocase);
  if (t === null) return () => false;
  if (t.count === 1 && t.kinds[0] === STAR) return (subject) => subject.length > 0;
  return (subject) => subject.length > 0 && matchTokens(t, subject, nocase);
}

/** One-shot match; prefer compileGlob when matching many subjects against one pattern. */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  return compileGlob(pattern, nocase)(subject);
}

/**
 * Splits the pattern into tokens the way Redis's matcher walks it. Returns null when the
 * pattern can match nothing at all because of the star nesting limit.
 */
function tokenize(pattern: string, nocase: boolean): Tokens | null {
  const n = pattern.length;
  // Reading at index n yields the terminating NUL an sds string carries, as in Redis.
  const at = (i: number): number => (i < n ? pattern.charCodeAt(i) & 0xff : 0);
  const kinds = new Uint8Array(n);
  const literals = new Uint8Array(n);
  const classes: (Uint8Array | undefined)[] = [];
  let count = 0;
  let starGroups = 0;
  let limitStar = -1;
  let i = 0;
  while (i < n) {
    const c = at(i);
    if (c === 42 /* * */) {
      while (i + 1 < n && at(i + 1) === 42) i++;
      starGroups++;
      if (starGroups === MAX_STAR_NESTING + 1) limitStar = count;
      kinds[count++] = STAR;
      i++;
    } else if (c === 63 /* ? */) {
      kinds[count++] = ANY;
      i++;
    } else if (c === 91 /* [ */) {
      const table = new Uint8Array(256);
      i++;
      const not = at(i) === 94; /* ^ */
      if (not) i++;
      for (;;) {
        const rem = n - i;
        const p = at(i);
        if (p === 92 /* \ */ && rem >= 2) {
          i++;
          table[at(i)] = 1; // escaped: exact byte, case-sensitive even with nocase
        } else if (p === 93 /* ] */) {
          break;
        } else if (rem === 0) {
          i--; // unterminated: the class ends with the pattern
          break;
        } else if (rem >= 3 && at(i + 1) === 45 /* - */) {
          addRange(table, at(i), at(i + 2), nocase);
          i += 2;
        } else if (nocase) {
          const f = FOLD[p]!;
          for (let b = 0; b < 256; b++) if (FOLD[b] === f) table[b] = 1;
        } else {
          table[p] = 1;
        }
        i++;
      }
      if (not) for (let b = 0; b < 256; b++) table[b] = table[b] === 1 ? 0 : 1;
      classes[count] = table;
      kinds[count++] = CLASS;
      i++;
    } else {
      let lit = c;
      if (c === 92 /* \ */ && n - i >= 2) {
        i++;
        lit = at(i);
      }
      kinds[count] = LITERAL;
      literals[count++] = nocase ? FOLD[lit]! : lit;
      i++;
    }
  }
  // Past the nesting limit Redis gives up: only a final star group is still reachable.
  if (limitStar !== -1 && limitStar !== count - 1) return null;
  return { kinds, literals, classes, count };
}

function addRange(table: Uint8Array, a: number, b: number, nocase: boolean): void {
  let start = signedChar(a);
  let end = signedChar(b);
  if (start > end) {
    const t = start;
    start = end;
    end = t;
  }
  if (nocase) {
    // Redis folds after swapping, so e.g. [Z-a] becomes the empty range z..a.
    start = cToLower(start);
    end = cToLower(end);
    for (let x = 0; x < 256; x++) {
      const c = FOLD[x]!;
      if (c >= start && c <= end) table[x] = 1;
    }
  } else {
    for (let x = start; x <= end; x++) table[x & 0xff] = 1;
  }
}

/**
 * The iterative matcher for a non-empty subject: on a mismatch, retry from the most recent
 * star with one more byte consumed by it. Earlier stars never need revisiting because each
 * token between stars consumes exactly one byte.
 */
function matchTokens(t: Tokens, s: string, nocase: boolean): boolean {
  const { kinds, literals, classes, count } = t;
  const n = s.length;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < n) {
    if (p < count) {
      const k = kinds[p];
      if (k === STAR) {
        starP = p++;
        starI = i;
        continue;
      }
      const c = s.charCodeAt(i);
      let ok: boolean;
      if (k === ANY) ok = true;
      else if (k === LITERAL) ok = literals[p] === (nocase ? FOLD[c] : c);
      else ok = classes[p]![c] === 1;
      if (ok) {
        p++;
        i++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    i = ++starI;
  }
  while (p < count && kinds[p] === STAR) p++;
  return p === count;
}
