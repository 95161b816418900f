/**
 * What OBJECT ENCODING and OBJECT REFCOUNT report for a value: Redis's internal
 * representation, derived from the value the way Redis would have chosen it.
 */
import { parseInteger } from '../protocol/number-format.js';
import type { Value } from './value-types.js';
import type { CopiedStringValue } from './clone-value.js';

/** Redis keeps strings up to this size in the object's own allocation ("embstr"). */
const EMBSTR_LIMIT = 44;
/** Redis shares one object per integer in [0, 10000). */
const SHARED_INTEGERS = 10000;
/** OBJECT REFCOUNT of a shared object (OBJ_SHARED_REFCOUNT) */
export const SHARED_REFCOUNT = 2147483647;

/**
 * String encoding as tryObjectEncoding() leaves it: "int" for a canonical integer that fits
 * a long (at most 20 bytes), "embstr" up to 44 bytes, else "raw"; a string modified in place
 * (APPEND, SETRANGE, SETBIT…) is "raw" whatever it holds.
 */
export function objectEncoding(v: Value): string {
  if (v.type === 'string') {
    if (v.raw) return 'raw';
    const s = v.value;
    if (v.notInt !== true && s.length <= 20 && parseInteger(s) !== null) return 'int';
    return s.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
  }
  // Hashes carry Redis's one-way listpack → hashtable choice, made when they are written.
  if (v.type === 'hash') return v.value.listpack ? 'listpack' : 'hashtable';
  if (v.type === 'set') return v.value.encoding;
  if (v.type === 'stream') return 'stream';
  if (v.type === 'zset') return v.value.listpack ? 'listpack' : 'skiplist';
  // Lists carry 7.2's listpack ⇄ quicklist model (types/list.ts).
  return v.value.listpack ? 'listpack' : 'quicklist';
}

/**
 * OBJECT REFCOUNT: small integers are shared objects (unless maxmemory with an LRU/LFU policy
 * forbids sharing, or COPY made a private duplicate); everything else has one reference.
 */
export function objectRefcount(v: Value, sharingAllowed: boolean): number {
  if (v.type !== 'string' || v.raw || !sharingAllowed || (v as CopiedStringValue).unshared === true) return 1;
  const s = v.value;
  if (s.length > 4) return 1;
  const n = parseInteger(s);
  return typeof n === 'number' && n >= 0 && n < SHARED_INTEGERS ? SHARED_REFCOUNT : 1;
}
