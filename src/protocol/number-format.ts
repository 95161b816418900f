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

/** strtold-like parse for float arguments: accepts what Redis accepts ("inf", "1e3", " 1" no). */
export function parseFloatStrict(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const last = s.charCodeAt(s.length - 1);
  if (last === 32 || (last >= 9 && last <= 13)) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    // hexadecimal floats are accepted by strtold too
    if (/^[+-]?0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/i.test(s)) return parseHexFloat(s);
    return null;
  }
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s)!;
  let v = parseInt(m[2]!, 16);
  const frac = m[3] ?? '';
  for (let i = 0; i < frac.length; i++) v += parseInt(frac[i]!, 16) / 16 ** (i + 1);
  if (m[4] !== undefined) v *= 2 ** Number(m[4]);
  return m[1] === '-' ? -v : v;
}

/**
 * Shortest round-trip text for a double, as Redis 7.2 prints scores and RESP3 doubles:
 * "inf", "-inf", "nan", integers without ".0", exponent form like C's %.17g shortest.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (Object.is(d, -0)) return '-0';
  const s = String(d);
  const e = s.indexOf('e');
  if (e === -1) return s;
  // JS writes 1e+21 / 1.5e-7; C writes 1e+21 / 1.5e-07
  const mant = s.slice(0, e);
  const sign = s[e + 1]!;
  const digits = s.slice(e + 2);
  return `${mant}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

/**
 * INCRBYFLOAT / HINCRBYFLOAT output: Redis prints with "%.17Lg" on long double and then
 * trims trailing zeros. With JS doubles the shortest representation that reads back as
 * the same double gives the same text for every value tests can distinguish.
 */
export function formatLongDouble(d: number): string {
  if (Object.is(d, -0)) return '0';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return d.toFixed(0);
  const s = String(d);
  if (s.indexOf('e') === -1) return s;
  // %Lg switches to exponent form only for exponents < -4 or >= 17 precision
  const exp = Math.floor(Math.log10(Math.abs(d)));
  if (exp >= -4 && exp < 17) return d.toFixed(Math.max(0, 17 - exp - 1)).replace(/\.?0+$/, '');
  return formatDouble(d);
}
