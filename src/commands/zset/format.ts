/**
 * C's "%.17g" layout of a double (what "%.17Lg" prints for a double widened to long
 * double): 17 significant digits, trailing zeros dropped, exponent form when the decimal
 * exponent is below -4 or at least 17, with a sign and at least two exponent digits.
 * Redis 7.2's ZSCAN prints skiplist scores this way (ld2string, LD_STR_AUTO), while
 * every other score reply uses d2string's shortest form (formatDouble).
 */
export function format17g(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const t = Math.abs(d).toExponential(16);
  const e = t.indexOf('e');
  const digits = t[0]! + t.slice(2, e);
  const exp = Number(t.slice(e + 1));
  const sign = d < 0 ? '-' : '';
  if (exp < -4 || exp >= 17) {
    let mant = digits[0]! + '.' + digits.slice(1);
    mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ae = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  let out: string;
  if (exp >= 0) out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  else out = '0.' + '0'.repeat(-exp - 1) + digits;
  out = out.replace(/0+$/, '').replace(/\.$/, '');
  return sign + out;
}
