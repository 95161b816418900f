/**
 * The `[...]` class of a glob pattern, with Redis 7.2's exact semantics (util.c
 * stringmatchlen), in two forms that always agree:
 *  - walked in place from the pattern text against one subject byte, as Redis does (no
 *    memory, costs the class's length per comparison);
 *  - compiled to a 256-bit membership set (32 bytes), built in one pass over the class
 *    without enumerating bytes per item, for classes long enough that the set costs less
 *    than their own text.
 *
 * Class syntax: `^` first negates; `\x` matches x exactly (even when matching without
 * case); `a-z` is a range and a reversed range `z-a` is swapped; a class without its `]`
 * runs to the end of the pattern; `[a-]` is the range `a`..`]` followed by an unterminated
 * class. Range bounds are C `char`s, signed on the platforms Redis ships on, so `[a-\xff]`
 * is the range -1..97 and holds neither 'b' nor 0xe9. Without case, A-Z fold to a-z (the C
 * locale); inside a range the bounds are swapped first and folded after, and folding a
 * negative `char` yields its unsigned byte (glibc's tolower).
 */

const CLOSE = 93; // ]
const ESCAPE = 92; // \
const NEGATE = 94; // ^
const DASH = 45; // -

/** A-Z → a-z, everything else unchanged: tolower() in the C locale, on unsigned bytes. */
export const FOLD = new Uint8Array(256);
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

function at(pattern: string, i: number): number {
  return pattern.charCodeAt(i) & 0xff;
}

/**
 * Walks the class whose body starts at `q` (just after its `[`) against subject byte `c`,
 * as Redis does: to its `]`, or to the end of the pattern when there is none. Returns
 * `next * 2 + matched`, where `next` is the pattern index after the class, so the hot loop
 * gets both answers without allocating.
 */
export function walkClass(pattern: string, q: number, c: number, nocase: boolean): number {
  const n = pattern.length;
  const not = q < n && at(pattern, q) === NEGATE;
  if (not) q++;
  let match = false;
  for (;;) {
    const rem = n - q;
    // Unterminated: the class ends with the pattern (Redis reads the terminating NUL here,
    // which is neither `\` nor `]`, so this test may come first).
    if (rem === 0) return n * 2 + (match !== not ? 1 : 0);
    const b = at(pattern, q);
    if (b === ESCAPE && rem >= 2) {
      q++;
      if (at(pattern, q) === c) match = true; // exact, even without case
    } else if (b === CLOSE) {
      return (q + 1) * 2 + (match !== not ? 1 : 0);
    } else if (rem >= 3 && at(pattern, q + 1) === DASH) {
      let start = signedChar(b);
      let end = signedChar(at(pattern, q + 2));
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

/** The pattern index just after the class whose body starts at `q`: the same walk, without a subject. */
export function classEnd(pattern: string, q: number): number {
  const n = pattern.length;
  if (q < n && at(pattern, q) === NEGATE) q++;
  for (;;) {
    const rem = n - q;
    if (rem === 0) return n;
    const b = at(pattern, q);
    if (b === ESCAPE && rem >= 2) q += 2;
    else if (b === CLOSE) return q + 1;
    else if (rem >= 3 && at(pattern, q + 1) === DASH) q += 3;
    else q++;
  }
}

/** Scratch coverage counts for compileClass (single-threaded, reset on each use). */
const rawCover = new Int32Array(257);
const foldCover = new Int32Array(257);

function cover(counts: Int32Array, lo: number, hi: number): void {
  if (lo > hi) return;
  counts[lo] = counts[lo]! + 1;
  counts[hi + 1] = counts[hi + 1]! - 1;
}

/**
 * Writes the membership set of the class whose body starts at `q` into `bits` (8 words from
 * `offset`): bit c is set when subject byte c matches, exactly as walkClass would answer.
 * Each item adds an interval to a coverage count — over raw bytes, or over folded values
 * when matching without case — so the cost is O(class length + 256) however wide the
 * ranges are.
 */
export function compileClass(pattern: string, q: number, nocase: boolean, bits: Uint32Array, offset: number): void {
  const n = pattern.length;
  rawCover.fill(0);
  foldCover.fill(0);
  const not = q < n && at(pattern, q) === NEGATE;
  if (not) q++;
  for (;;) {
    const rem = n - q;
    if (rem === 0) break;
    const b = at(pattern, q);
    if (b === ESCAPE && rem >= 2) {
      q++;
      const e = at(pattern, q);
      cover(rawCover, e, e); // exact even without case
    } else if (b === CLOSE) {
      break;
    } else if (rem >= 3 && at(pattern, q + 1) === DASH) {
      let start = signedChar(b);
      let end = signedChar(at(pattern, q + 2));
      if (start > end) {
        const t = start;
        start = end;
        end = t;
      }
      if (nocase) {
        // Subject byte c is compared as cToLower(signedChar(c)), which is FOLD[c].
        cover(foldCover, cToLower(start), cToLower(end));
      } else if (start >= 0) {
        cover(rawCover, start, end);
      } else if (end < 0) {
        cover(rawCover, start + 256, end + 256);
      } else {
        // -k..j as unsigned bytes: 0..j and 256-k..255
        cover(rawCover, 0, end);
        cover(rawCover, start + 256, 255);
      }
      q += 2;
    } else if (nocase) {
      cover(foldCover, FOLD[b]!, FOLD[b]!);
    } else {
      cover(rawCover, b, b);
    }
    q++;
  }
  // Prefix sums turn the interval marks into "covered" counts, per value.
  for (let v = 1; v < 256; v++) {
    rawCover[v] = rawCover[v]! + rawCover[v - 1]!;
    foldCover[v] = foldCover[v]! + foldCover[v - 1]!;
  }
  for (let w = 0; w < 8; w++) bits[offset + w] = 0;
  for (let c = 0; c < 256; c++) {
    const member = rawCover[c]! > 0 || (nocase && foldCover[FOLD[c]!]! > 0);
    if (member !== not) bits[offset + (c >>> 5)] = bits[offset + (c >>> 5)]! | (1 << (c & 31));
  }
}
