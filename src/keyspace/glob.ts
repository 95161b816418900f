/**
 * Glob matching with Redis 7.2's exact semantics (KEYS, SCAN MATCH, CONFIG GET, COMMAND
 * LIST FILTERBY PATTERN, ACL key and channel patterns, PSUBSCRIBE), in bounded time and
 * with no memory beyond the pattern itself.
 *
 * Redis (util.c stringmatchlen) matches recursively, one level per `*`. Its answer, which
 * this module reproduces byte for byte, is:
 *  - The pattern is a sequence of tokens, each matching exactly one byte — a literal, `?`,
 *    `\x` (escaped literal; a trailing lone `\` is a literal backslash), a class `[...]` —
 *    or a run of `*` matching any sequence.
 *  - Class syntax: `^` first negates; `\x` inside matches x exactly (even when matching
 *    case-insensitively); `a-z` is a range and a reversed range `z-a` is swapped; a class
 *    without its `]` runs to the end of the pattern; `[a-]` is the range `a`..`]` followed
 *    by an unterminated class. Range bounds are C `char`s, which are signed on the platforms
 *    Redis ships on, so `[a-\xff]` is the range -1..97 and does not contain 'b' or 0xe9.
 *  - An empty subject matches only the empty pattern (even `*` does not match "").
 *  - Case-insensitive matching folds A-Z only (the C locale). Inside a range the bounds are
 *    swapped first and folded after, and folding a negative `char` yields its unsigned byte
 *    (glibc's tolower), so we mirror that too.
 *  - CVE-2022-36021 (exponential time on `a*a*a*…b`): Redis's `skipLongerMatches` gives up
 *    on earlier stars once a later star found no match anywhere in the rest of the subject.
 *    That shortcut changes only the work, not the answer, and the iterative algorithm below
 *    (backtrack to the last star only) has the same O(pattern × subject) bound.
 *  - CVE-2024-31228 (stack overflow on very long patterns): Redis stops recursing past 1000
 *    nested stars and answers "no match". A match must pass every star group, so when the
 *    1001st star group is followed by anything but more stars, nothing matches.
 *
 * Memory: nothing is compiled. Classes are interpreted in place from the pattern string on
 * each comparison, exactly as Redis walks them, so matching allocates nothing and a stored
 * pattern (PSUBSCRIBE, ACL rules) costs only its own bytes. The price is that one class
 * comparison costs the class's length, which is also what Redis pays.
 */

/** Redis stops nesting after this many star recursions (util.c, CVE-2024-31228). */
const MAX_STAR_NESTING = 1000;

const STAR = 42; // *
const ANY = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const ESCAPE = 92; // \
const NEGATE = 94; // ^
const DASH = 45; // -

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

/** A pattern bound to its options: reuse it to match many subjects (KEYS, SCAN). */
export type GlobMatcher = (subject: string) => boolean;

/**
 * Binds `pattern` (a binary string) once; the matcher then answers exactly as Redis's
 * stringmatchlen(pattern, subject, nocase) would. It holds the pattern and nothing else,
 * so building one costs O(1) whatever the pattern's length.
 */
export function compileGlob(pattern: string, nocase = false): GlobMatcher {
  if (pattern.length === 0) return (subject) => subject.length === 0;
  if (pattern === '*') return (subject) => subject.length > 0;
  return (subject) => globMatch(pattern, subject, nocase);
}

/**
 * Redis's stringmatchlen over binary strings, iteratively: on a mismatch, retry from the
 * most recent star with one more byte consumed by it. Earlier stars never need revisiting
 * because each token between stars consumes exactly one byte. O(1) memory; time at most
 * O(pattern length × subject length).
 */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
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
        const r = matchClass(pattern, p + 1, c, nocase);
        ok = r % 2 === 1;
        next = (r - (r % 2)) / 2;
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

/**
 * Walks the class whose body starts at `q` (just after its `[`) against subject byte `c`,
 * as Redis does: to its `]`, or to the end of the pattern when there is none. Returns
 * `next * 2 + matched`, where `next` is the pattern index after the class, so the hot loop
 * gets both answers without allocating.
 */
function matchClass(pattern: string, q: number, c: number, nocase: boolean): number {
  const n = pattern.length;
  const not = q < n && (pattern.charCodeAt(q) & 0xff) === NEGATE;
  if (not) q++;
  let match = false;
  for (;;) {
    const rem = n - q;
    // Unterminated: the class ends with the pattern (Redis reads the terminating NUL here,
    // which is neither `\` nor `]`, so this test may come first).
    if (rem === 0) return n * 2 + (match !== not ? 1 : 0);
    const b = pattern.charCodeAt(q) & 0xff;
    if (b === ESCAPE && rem >= 2) {
      q++;
      if ((pattern.charCodeAt(q) & 0xff) === c) match = true; // exact, even with nocase
    } else if (b === CLOSE) {
      return (q + 1) * 2 + (match !== not ? 1 : 0);
    } else if (rem >= 3 && (pattern.charCodeAt(q + 1) & 0xff) === DASH) {
      let start = signedChar(b);
      let end = signedChar(pattern.charCodeAt(q + 2) & 0xff);
      let x = signedChar(c);
      if (start > end) {
        const t = start;
        start = end;
        end = t;
      }
      if (nocase) {
        // Redis folds after swapping, so e.g. [Z-a] becomes the empty range z..a.
        start = cToLower(start);
        end = cToLower(end);
        x = cToLower(x);
      }
      if (x >= start && x <= end) match = true;
      q += 2;
    } else if (nocase ? FOLD[b] === FOLD[c] : b === c) {
      match = true;
    }
    q++;
  }
}
