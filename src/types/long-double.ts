/**
 * An exact software model of the x86 80-bit `long double` that Redis uses for
 * INCRBYFLOAT (and HINCRBYFLOAT): parsing like glibc's strtold under Redis's
 * string2ld rules, addition rounded to a 64-bit significand, and printing like
 * `%.17Lf` followed by Redis's trailing-zero trim.
 *
 * Why not JS doubles: 0.1 + 0.2 is 0.30000000000000004 as a double but
 * 0.300000000000000000011 as a long double, which Redis prints as "0.3"; and
 * long doubles reach 1e4932, so 1e308 + 1e308 is a valid result Redis prints in
 * full. Only an exact model gives Redis's text for every input.
 *
 * A finite value is (-1)^neg × m × 2^e with m a non-negative integer. Values
 * produced by `round` have m < 2^64 and e ≥ E_MIN, which is exactly the set of
 * numbers an 80-bit long double holds (subnormals included).
 */

export type LongDouble =
  | { readonly kind: 'finite'; readonly neg: boolean; readonly m: bigint; readonly e: number }
  | { readonly kind: 'inf'; readonly neg: boolean }
  | { readonly kind: 'nan' };

/** significand bits of the x87 extended format (explicit integer bit) */
const PRECISION = 64;
/** exponent of the least significant significand bit of the smallest subnormal: 2^-16445 */
const E_MIN = -16445;
/** largest binary exponent of the leading bit: values reach 2^16384 (exclusive) */
const TOP_MAX = 16383;
/** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are rejected before parsing */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const ZERO: LongDouble = { kind: 'finite', neg: false, m: 0n, e: 0 };
const NEG_ZERO: LongDouble = { kind: 'finite', neg: true, m: 0n, e: 0 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function zero(neg: boolean): LongDouble {
  return neg ? NEG_ZERO : ZERO;
}

/**
 * Rounds the exact value (-1)^neg × (m + δ) × 2^e to the long double grid, with
 * round-half-even. `sticky` says δ > 0 (bits below m's last bit were non-zero);
 * callers passing sticky=true guarantee m carries at least two bits more than the
 * target precision, so the guard bit is inside m.
 */
export function roundLongDouble(neg: boolean, m: bigint, e: number, sticky: boolean): LongDouble {
  if (m === 0n && !sticky) return zero(neg);
  const bl = bitLength(m);
  const shift = Math.max(bl - PRECISION, E_MIN - e);
  if (shift > 0) {
    const s = BigInt(shift);
    let q = m >> s;
    const rem = m - (q << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
    m = q;
    e += shift;
    if (bitLength(m) > PRECISION) {
      m >>= 1n;
      e += 1;
    }
  }
  if (m === 0n) return zero(neg);
  if (bitLength(m) - 1 + e > TOP_MAX) return { kind: 'inf', neg };
  return { kind: 'finite', neg, m, e };
}

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const INF_RE = /^([+-]?)(?:inf|infinity)$/i;
const NAN_RE = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?$/i;
const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/** Parses an exponent that may have absurdly many digits, saturating far outside any useful range. */
function parseExponent(s: string | undefined): number {
  if (s === undefined) return 0;
  const v = Number(s);
  if (!Number.isFinite(v)) return s.startsWith('-') ? -1e9 : 1e9;
  return Math.max(-1e9, Math.min(1e9, v));
}

/**
 * Redis's string2ld: the whole string must be one strtold number; leading space,
 * trailing bytes, NaN, overflow to ±inf and underflow to zero are rejected. Returns
 * null for anything Redis would answer "value is not a valid float" to. "inf" is
 * accepted (the sum then fails the NaN/Infinity check, as in Redis).
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS) return null;
  if (isCSpace(s.charCodeAt(0))) return null;
  let m = INF_RE.exec(s);
  if (m !== null) return { kind: 'inf', neg: m[1] === '-' };
  if (NAN_RE.test(s)) return null;
  m = HEX_RE.exec(s);
  if (m !== null) return parseHex(m[1] === '-', m[2]!, m[3] ?? '', m[4]);
  m = DEC_RE.exec(s);
  if (m !== null) return parseDecimal(m[1] === '-', m[2]!, m[3] ?? '', m[4]);
  return null;
}

function parseDecimal(neg: boolean, int: string, frac: string, exp: string | undefined): LongDouble | null {
  if (int.length === 0 && frac.length === 0) return null;
  let digits = int + frac;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  if (digits.length === 0) return zero(neg);
  const exp10 = parseExponent(exp) - frac.length;
  const nd = digits.length;
  // 10^(nd-1+exp10) ≤ value < 10^(nd+exp10): decide the hopeless cases without huge powers
  if (nd - 1 + exp10 > 4933) return null; // overflow to inf: ERANGE
  if (nd + exp10 < -4953) return null; // underflow to zero: ERANGE
  const d = BigInt(digits);
  let r: LongDouble;
  if (exp10 >= 0) {
    r = roundLongDouble(neg, d * 10n ** BigInt(exp10), 0, false);
  } else {
    const den = 10n ** BigInt(-exp10);
    const k = Math.max(0, PRECISION + 2 + bitLength(den) - bitLength(d) + 1);
    const num = d << BigInt(k);
    const q = num / den;
    r = roundLongDouble(neg, q, -k, num - q * den !== 0n);
  }
  return r.kind === 'finite' && r.m === 0n ? null : r.kind === 'inf' ? null : r;
}

function parseHex(neg: boolean, int: string, frac: string, exp: string | undefined): LongDouble | null {
  if (int.length === 0 && frac.length === 0) return null;
  const d = BigInt('0x' + (int + frac || '0'));
  if (d === 0n) return zero(neg);
  const e2 = parseExponent(exp) - 4 * frac.length;
  const top = bitLength(d) - 1 + e2;
  if (top > TOP_MAX + 1) return null;
  if (top < E_MIN - 2) return null;
  const r = roundLongDouble(neg, d, e2, false);
  return r.kind === 'finite' && r.m === 0n ? null : r.kind === 'inf' ? null : r;
}

/** IEEE addition in round-to-nearest on the long double grid. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 'nan' || b.kind === 'nan') return { kind: 'nan' };
  if (a.kind === 'inf') return b.kind === 'inf' && b.neg !== a.neg ? { kind: 'nan' } : a;
  if (b.kind === 'inf') return b;
  if (a.m === 0n && b.m === 0n) return zero(a.neg && b.neg);
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e);
  const mb = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -ma : ma) + (b.neg ? -mb : mb);
  if (sum === 0n) return ZERO;
  return sum < 0n ? roundLongDouble(true, -sum, e, false) : roundLongDouble(false, sum, e, false);
}

export function isFiniteLongDouble(v: LongDouble): boolean {
  return v.kind === 'finite';
}

const TEN17 = 10n ** 17n;

/**
 * Redis's human-friendly long double text: "%.17Lf" (exact decimal expansion,
 * rounded half-even to 17 places as glibc does), trailing zeros and a bare '.'
 * removed, and "-0" turned into "0". Only finite values are printed.
 */
export function formatLongDouble(v: LongDouble): string {
  if (v.kind !== 'finite') throw new Error('formatLongDouble: not finite');
  let out: string;
  if (v.e >= 0) {
    out = (v.m << BigInt(v.e)).toString();
  } else {
    const sh = BigInt(-v.e);
    const scaled = v.m * TEN17;
    let q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    const intPart = q / TEN17;
    let frac = (q - intPart * TEN17).toString().padStart(17, '0');
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
    out = frac.length > 0 ? `${intPart}.${frac}` : intPart.toString();
  }
  if (v.neg) out = '-' + out;
  return out === '-0' ? '0' : out;
}

/** Convenience for tests and callers with JS numbers: the long double equal to a double. */
export function longDoubleFromNumber(d: number): LongDouble {
  if (Number.isNaN(d)) return { kind: 'nan' };
  if (!Number.isFinite(d)) return { kind: 'inf', neg: d < 0 };
  if (d === 0) return zero(Object.is(d, -0));
  const buf = Buffer.alloc(8);
  buf.writeDoubleBE(Math.abs(d));
  const bits = buf.readBigUInt64BE();
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = exp === 0 ? frac : frac | (1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  return roundLongDouble(d < 0, m, e, false);
}
