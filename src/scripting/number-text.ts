/**
 * How Redis 7.2 turns a Lua number argument of redis.call/pcall into a command
 * argument: fpconv_dtoa, the shortest round-trip digits laid out as plain digits,
 * a decimal fraction or d.ddde±N (no exponent padding). Unlike reply doubles
 * (d2string), integral values are not special-cased: 1e18 is "1e+18".
 */
export function luaArgNumberText(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // toExponential() with no argument gives the shortest digits that round-trip.
  const [mantissa, expText] = Math.abs(d).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
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
