/**
 * What SORT orders by, as sort.c of Redis 7.2 does it. Pure: no server, no keyspace.
 *
 * Scores (numeric mode): the weight text goes through C's strtod over a NUL-terminated
 * string, and SORT rejects the value when anything is left over, when strtod reports
 * ERANGE (overflow, underflow to zero, or an inexact subnormal result, as glibc does) or
 * when the value is NaN. So " 5", "0x1p3", "+.5", "inf" and even "" (nothing converted,
 * nothing left) are accepted; "5 ", "1e400", "1e-310" and "nan" are not.
 *
 * Comparisons: equal scores fall back to comparing the elements as binary strings, so a
 * numeric sort is a total order. ALPHA compares with strcoll in Redis's collation locale;
 * Redoubt collates as the C locale does (strcmp: bytes as unsigned, the text ending at its
 * first NUL). With STORE Redis compares binary (memcmp, then length) instead, so a stored
 * result does not depend on a locale. Two ALPHA weights that compare equal keep their
 * input order (glibc's qsort, a merge sort, is stable; so is Array.prototype.sort).
 */

/** One element being sorted: the element, its numeric score, its ALPHA weight (BY) if any. */
export interface SortItem {
  readonly elem: string;
  score: number;
  /** the BY weight for ALPHA sorting; null when the weight key or field is missing */
  weight: string | null;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY_WORD = /^[+-]?(inf|infinity)$/i;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
/** DBL_MIN, the smallest normal double: anything non-zero below it is subnormal */
const DBL_MIN = 2.2250738585072014e-308;
/** the exponent of the smallest subnormal's only bit: 2^-1074 */
const SUBNORMAL_EXP = 1074;

/** The text up to its first NUL byte, as C string functions see it. */
export function cString(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

/** C's isspace in the C locale. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * The score SORT reads from a weight text, or null when Redis answers "One or more scores
 * can't be converted into double" for it.
 */
export function sortScore(text: string): number | null {
  const s = cString(text);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const body = s.slice(i);
  if (DECIMAL.test(body)) return checkRange(Number(body), () => decimalExact(body), /[1-9]/.test(mantissaOf(body)));
  if (INFINITY_WORD.test(body)) return body.charCodeAt(0) === 45 ? -Infinity : Infinity;
  const m = HEX.exec(body);
  if (m !== null) {
    const int = m[2] ?? '';
    const frac = m[3] ?? '';
    if (int.length === 0 && frac.length === 0) return null; // "0x": strtod stops after the 0
    const v = hexValue(m[1] === '-', int, frac, m[4] === undefined ? 0 : Number(m[4]));
    return checkRange(v, () => hexExact(int, frac, m[4] === undefined ? 0 : Number(m[4])), /[1-9a-fA-F]/.test(int + frac));
  }
  return null; // nothing converted (strtod leaves the whole text) or something left over
}

/** strtod's ERANGE cases: overflow, underflow to zero from non-zero digits, inexact subnormals. */
function checkRange(v: number, exact: () => boolean, nonZeroDigits: boolean): number | null {
  if (!Number.isFinite(v)) return null;
  if (v === 0) return nonZeroDigits ? null : v;
  if (Math.abs(v) < DBL_MIN && !exact()) return null;
  return v;
}

function mantissaOf(decimal: string): string {
  const e = decimal.search(/[eE]/);
  return e === -1 ? decimal : decimal.slice(0, e);
}

/**
 * Whether a decimal text whose double is subnormal is that double exactly: the double is
 * m·2^-1074, the text D·10^-k, and they are equal when D·2^1074 = m·10^k.
 */
function decimalExact(body: string): boolean {
  const v = Math.abs(Number(body));
  const m = BigInt(v * 2 ** 537 * 2 ** 537); // v·2^1074: two exact power-of-two scalings
  const mant = mantissaOf(body).replace(/^[+-]/, '');
  const e = body.length > mant.length ? Number(body.slice(mantissaOf(body).length + 1)) : 0;
  const dot = mant.indexOf('.');
  const digits = dot === -1 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const fracDigits = dot === -1 ? 0 : mant.length - dot - 1;
  const k = fracDigits - e; // text = D·10^-k
  const D = BigInt(digits.length === 0 ? '0' : digits);
  if (k >= 0) return D * 2n ** BigInt(SUBNORMAL_EXP) === m * 10n ** BigInt(k);
  return D * 10n ** BigInt(-k) * 2n ** BigInt(SUBNORMAL_EXP) === m;
}

/** A hex float's value, correctly scaled (two steps so 2^e itself cannot overflow first). */
function hexValue(negative: boolean, int: string, frac: string, exp: number): number {
  if (!/[1-9a-fA-F]/.test(int + frac)) return negative ? -0 : 0; // 0·2^huge is 0, not NaN
  let v = 0;
  for (let i = 0; i < int.length; i++) v = v * 16 + parseInt(int[i]!, 16);
  for (let i = 0; i < frac.length; i++) v += parseInt(frac[i]!, 16) / 16 ** (i + 1);
  const half = Math.trunc(exp / 2);
  v = v * 2 ** half * 2 ** (exp - half);
  return negative ? -v : v;
}

/** Whether a hex float with a subnormal value has no bits below 2^-1074. */
function hexExact(int: string, frac: string, exp: number): boolean {
  let mant = BigInt('0x' + (int + frac || '0'));
  let e2 = exp - 4 * frac.length; // value = mant·2^e2
  while (mant > 0n && (mant & 1n) === 0n) {
    mant >>= 1n;
    e2++;
  }
  return e2 >= -SUBNORMAL_EXP;
}

/** memcmp over the common length, then the shorter first (compareStringObjects, binary). */
export function compareBinary(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: strcmp of the texts up to their first NUL. */
export function compareCollated(a: string, b: string): number {
  return compareBinary(cString(a), cString(b));
}

/** The comparator sort.c's sortCompare amounts to, for one SORT call's options. */
export function sortComparator(opts: { alpha: boolean; byPattern: boolean; store: boolean; desc: boolean }): (x: SortItem, y: SortItem) => number {
  const sign = opts.desc ? -1 : 1;
  if (!opts.alpha) {
    return (x, y) => sign * (x.score > y.score ? 1 : x.score < y.score ? -1 : compareBinary(x.elem, y.elem));
  }
  const cmp = opts.store ? compareBinary : compareCollated;
  if (opts.byPattern) {
    return (x, y) => {
      const a = x.weight;
      const b = y.weight;
      // a missing weight sorts before any present one; two missing ones are equal
      if (a === null || b === null) return sign * (a === b ? 0 : a === null ? -1 : 1);
      return sign * cmp(a, b);
    };
  }
  return (x, y) => sign * cmp(x.elem, y.elem);
}

/**
 * The [start, end] window of a LIMIT over `len` elements, as sort.c clamps it: a negative
 * offset is 0, a negative count means "to the end", and an offset past the end selects
 * nothing. `end < start` means an empty result.
 */
export function limitWindow(len: number, offset: number, count: number): { start: number; end: number } {
  let start = Math.min(Math.max(offset, 0), len);
  const c = Math.min(Math.max(count, -1), len);
  let end = c < 0 ? len - 1 : start + c - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;
  return { start, end };
}
