/**
 * The number texts of the GEO replies and errors, each the C formatting Redis uses:
 *  - coordinates: ld2string's human mode ("%.17Lf" of the double widened to long double,
 *    which is exact, trailing zeros and '.' trimmed, "-0" as "0");
 *  - distances: fixedpoint_d2string with 4 decimals (the value times 10^4 rounded by
 *    llrint, then laid out with the point), which is not always printf's "%.4f";
 *  - the invalid-pair error: printf "%f".
 * printf rounds the exact binary value half to even, so the fixed layouts are computed on
 * the double's exact rational value with BigInts.
 */

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** |d| as m × 2^e with m a BigInt (d finite). */
function exactParts(d: number): { m: bigint; e: number } {
  F64[0] = Math.abs(d);
  // little-endian: U32[1] holds the sign, exponent and high mantissa bits
  const hi = U32[1]!;
  const lo = U32[0]!;
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { m: frac, e: -1074 };
  return { m: frac | (1n << 52n), e: biased - 1075 };
}

/** printf("%.<digits>f", d) for a double, as glibc prints it (exact, half to even). */
export function formatFixed(d: number, digits: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  const neg = d < 0 || Object.is(d, -0);
  const { m, e } = exactParts(d);
  const scaled = m * 10n ** BigInt(digits);
  let q: bigint;
  if (e >= 0) q = scaled << BigInt(e);
  else {
    const den = 1n << BigInt(-e);
    q = scaled / den;
    const twice = (scaled % den) * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return neg ? '-' + s : s;
}

/** A coordinate as GEOPOS and WITHCOORD show it (ld2string, LD_STR_HUMAN). */
export function formatCoordinate(d: number): string {
  if (!Number.isFinite(d)) return formatFixed(d, 0);
  let s = formatFixed(d, 17);
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** llrint: to the nearest integer, ties to even (the default rounding mode). */
function rintEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** A distance as GEODIST and WITHDIST show it (fixedpoint_d2string, 4 decimals). */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const v = rintEven(d * 10000);
  // beyond any distance on earth in any unit; llrint's overflow is not reproduced
  if (!Number.isFinite(v)) return formatFixed(d, 4);
  const neg = v < 0;
  let s = (neg ? BigInt(-v) : BigInt(v)).toString();
  s = s.padStart(5, '0');
  s = `${s.slice(0, s.length - 4)}.${s.slice(s.length - 4)}`;
  return neg ? '-' + s : s;
}
