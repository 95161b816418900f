/**
 * Number formatting and parsing with Redis's rules. Every function works on binary
 * strings; none of them accept what Redis would reject (spaces, '+', hex, "1e5" for ints).
 */

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

/**
 * Parses a 64-bit signed integer the way Redis's string2ll does. Returns a number when
 * it is a safe integer, a bigint otherwise, or null when `s` is not a valid integer.
 */
export function parseInteger(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null; // "0" only; "-0" and "01" are invalid
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n - i < 16) return Number(s);
  const big = BigInt(s);
  if (big > LLONG_MAX || big < LLONG_MIN) return null;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** Like parseInteger but only for values that fit a JS safe integer (counts, indexes). */
export function parseSafeInteger(s: string): number | null {
  const v = parseInteger(s);
  if (v === null) return null;
  if (typeof v === 'bigint') return v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  return v;
}

/**
 * Parses a float argument the way Redis's string2d (strtod) does, or string2ld (strtold)
 * when `longDouble` is set (INCRBYFLOAT, HINCRBYFLOAT). Accepted: decimal and exponent
 * forms ("1e3", ".5", "5.", "+5"), "inf"/"infinity" with a sign in any case, C99 hex
 * floats ("0x1p3"). Rejected: empty, leading or trailing space, anything left over, "nan",
 * and (double mode) a value that overflows to ±inf or underflows to zero from a non-zero
 * text, as strtod's ERANGE makes Redis reject them. In long double mode the range is
 * much wider than a JS number's, so such texts are accepted and come back as ±Infinity
 * or 0; string2ld's 5 KiB length cap applies.
 */
export function parseFloatStrict(s: string, longDouble = false): number | null {
  const n = s.length;
  if (n === 0 || (longDouble && n >= 5 * 1024)) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const c1 = s.charCodeAt(c0 === 43 || c0 === 45 ? 1 : 0);
  if (c1 === 105 || c1 === 73) {
    // 'i' / 'I': only the infinity words
    const lower = s.toLowerCase();
    const body = c0 === 43 || c0 === 45 ? lower.slice(1) : lower;
    if (body !== 'inf' && body !== 'infinity') return null;
    return c0 === 45 ? -Infinity : Infinity;
  }
  let v: number;
  let nonZeroDigits: boolean;
  if (DECIMAL_FLOAT.test(s)) {
    v = Number(s);
    nonZeroDigits = /[1-9]/.test(s.replace(/[eE].*$/, ''));
  } else {
    const m = HEX_FLOAT.exec(s);
    if (m === null) return null;
    v = parseHexFloat(m);
    nonZeroDigits = /[1-9a-fA-F]/.test((m[2] ?? '') + (m[3] ?? ''));
  }
  if (Number.isNaN(v)) return null;
  if (!longDouble) {
    if (!Number.isFinite(v)) return null; // overflow (ERANGE, HUGE_VAL)
    if (v === 0 && nonZeroDigits) return null; // underflow to zero (ERANGE)
  }
  return v;
}

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

function parseHexFloat(m: RegExpExecArray): number {
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int.length === 0 && frac.length === 0) return NaN; // "0x" or "0x." is not a hex float
  let v = 0;
  for (let i = 0; i < int.length; i++) v = v * 16 + parseInt(int[i]!, 16);
  for (let i = 0; i < frac.length; i++) v += parseInt(frac[i]!, 16) / 16 ** (i + 1);
  if (m[4] !== undefined) {
    // Scale in two steps so 2^e itself does not overflow/underflow before the product does.
    const e = Number(m[4]);
    const half = Math.trunc(e / 2);
    v = v * 2 ** half * 2 ** (e - half);
  }
  return m[1] === '-' ? -v : v;
}

/** Shortest round-trip digits of a finite non-zero |d|, and the decimal exponent of the first. */
function shortestDigits(d: number): { digits: string; exp: number } {
  const t = Math.abs(d).toExponential(); // "d.ddde±x", as many digits as needed to round-trip
  const e = t.indexOf('e');
  const mant = t.slice(0, e);
  return { digits: mant.length > 1 ? mant[0]! + mant.slice(2) : mant, exp: Number(t.slice(e + 1)) };
}

/** 2^62: Redis prints integral doubles up to LLONG_MAX/2 (as a double) with ll2string. */
const LL_PRINT_LIMIT = 4611686018427387904;

/**
 * Text of a double as Redis 7.2's d2string writes it (scores, RESP3 doubles, RESP2
 * double bulks): "nan", "inf", "-inf", "0", "-0"; integral values within ±2^62 as
 * integers; otherwise fpconv's layout of the shortest round-trip digits: plain digits
 * and zeros when the exponent is small, a decimal point when the value has a fraction
 * and is not tiny, else "d.ddde+N" / "d.ddde-N" with no exponent padding.
 * (Redis 7.0 printed "%.17g"; that is a documented 7.0→7.2 difference.)
 */
export function formatDouble(d: number): string {
  if (Number.isInteger(d) && d >= -LL_PRINT_LIMIT && d <= LL_PRINT_LIMIT && !Object.is(d, -0)) {
    return Number.isSafeInteger(d) ? String(d) : BigInt(d).toString();
  }
  return fpconvText(d);
}

/**
 * fpconv_dtoa's text of a double, with no integral special case: "nan", "inf", "-inf",
 * "0", "-0", else the layout described above (1e18 is "1e+18"). Redis uses it directly
 * for the numbers a Lua script passes to redis.call.
 */
export function fpconvText(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const { digits, exp } = shortestDigits(d);
  const sign = d < 0 ? '-' : '';
  const nd = digits.length;
  const k = exp - (nd - 1); // value = digits × 10^k
  const absExp = Math.abs(exp);
  if (k >= 0 && absExp < nd + 7) return sign + digits + '0'.repeat(k);
  if (k < 0 && (k > -7 || absExp < 4)) {
    const offset = nd + k;
    if (offset <= 0) return `${sign}0.${'0'.repeat(-offset)}${digits}`;
    return `${sign}${digits.slice(0, offset)}.${digits.slice(offset)}`;
  }
  return `${sign}${digits[0]!}${nd > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${absExp}`;
}

/**
 * A double in ld2string's human layout. (INCRBYFLOAT itself uses the exact 80-bit
 * emulation in src/types/long-double.ts; this is for callers holding a plain double.)
 * Redis prints the long double with "%.17Lf" and
 * trims trailing zeros and a trailing '.', and "-0" becomes "0" (ld2string's human
 * mode), so there is never an exponent. JS has no long double: this lays out the
 * double's shortest round-trip digits positionally and rounds to 17 decimals, which
 * gives Redis's text whenever the long double result and the double agree to ~16
 * significant digits (values like 0.1 + 0.2, where the long double sum prints "0.3",
 * differ in the last digits: a known limit).
 */
export function formatLongDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return '0';
  const { digits, exp } = shortestDigits(d);
  const nd = digits.length;
  const decimals = nd - 1 - exp;
  let out: string;
  if (decimals > 17) {
    // More than 17 decimals: round the exact binary value, as printf does.
    out = Math.abs(d).toFixed(17);
  } else if (decimals <= 0) {
    out = digits + '0'.repeat(-decimals);
  } else if (exp >= 0) {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  if (out.indexOf('.') !== -1) out = out.replace(/0+$/, '').replace(/\.$/, '');
  if (out === '0') return '0';
  return d < 0 ? '-' + out : out;
}
