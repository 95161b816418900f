/**
 * Password digests for ACL users. Redis stores only the SHA-256 of a password, as 64
 * lowercase hex characters, and so do we: cleartext never outlives the rule or AUTH
 * call that carried it. Passwords are binary strings (one char per byte).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Length of a digest in hex characters. */
export const PASSWORD_HASH_LEN = 64;

/** SHA-256 of a binary-string password, as lowercase hex (what `>pass` stores). */
export function hashPassword(cleartext: string): string {
  return createHash('sha256').update(Buffer.from(cleartext, 'latin1')).digest('hex');
}

/** True if `hex` is a digest `#hash` / `!hash` may name: exactly 64 of [0-9a-f]. */
export function isValidPasswordHash(hex: string): boolean {
  return hex.length === PASSWORD_HASH_LEN && /^[0-9a-f]+$/.test(hex);
}

/**
 * Constant-time equality of two digests. Both sides are fixed-length hashes, so the
 * comparison time does not depend on the password a client sent nor on where the
 * digests first differ.
 */
export function digestsEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'latin1');
  const bb = Buffer.from(b, 'latin1');
  if (ba.length !== bb.length) return false;
  return timingSafeEqual(ba, bb);
}

/**
 * True if `cleartext` matches one of `digests`. Every stored digest is compared (no early
 * exit), so timing reveals neither which password matched nor how many there are beyond
 * their count.
 */
export function passwordMatches(digests: readonly string[], cleartext: string): boolean {
  const h = hashPassword(cleartext);
  let ok = false;
  for (const d of digests) if (digestsEqual(d, h)) ok = true;
  return ok;
}
