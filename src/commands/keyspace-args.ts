/**
 * Argument helpers shared by the keyspace command families, each reproducing the C
 * routine Redis uses, so edge inputs (embedded NUL bytes, signs, overflow) answer alike.
 */

/**
 * An option word as Redis's strcasecmp() sees it: C strings end at the first NUL byte, so
 * "nx\0junk" is the option NX. Lower-cased for comparison.
 */
export function optionWord(arg: string): string {
  const nul = arg.indexOf('\0');
  return (nul === -1 ? arg : arg.slice(0, nul)).toLowerCase();
}

/**
 * Text of an error built with addReplyErrorFormat(): a `%s` argument stops at a NUL byte,
 * CR/LF at either end are trimmed and the ones inside become spaces.
 */
export function formatErrorArg(text: string): string {
  const nul = text.indexOf('\0');
  const cut = nul === -1 ? text : text.slice(0, nul);
  return cut.replace(/^[\r\n]+|[\r\n]+$/g, '').replace(/[\r\n]/g, ' ');
}

const ULONG_MAX = 18446744073709551615n;

/**
 * A SCAN cursor as Redis parses it with strtoul(): optional sign, decimal digits, nothing
 * after (up to a NUL byte), no leading space, no overflow. "-1" wraps to 2^64-1 and ""
 * is cursor 0, exactly like Redis. Returns null for "invalid cursor".
 */
export function parseScanCursor(arg: string): bigint | null {
  const nul = arg.indexOf('\0');
  const s = nul === -1 ? arg : arg.slice(0, nul);
  if (s.length === 0) return 0n;
  if (/^[ \t\n\v\f\r]/.test(s)) return null;
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (m === null) return null;
  const v = BigInt(m[2]!);
  if (v > ULONG_MAX) return null;
  return m[1] === '-' ? (ULONG_MAX + 1n - v) % (ULONG_MAX + 1n) : v;
}
