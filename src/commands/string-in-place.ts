/** Helpers shared by the commands that write into strings in place (SETBIT, BITFIELD, SETRANGE). */
import { CommandError, errors } from '../errors.js';
import { exactLongLong } from '../command-model/argument-reader.js';
import { MAX_STRING_BYTES } from '../types/string-ops.js';
import type { CommandContext } from '../command-context/context.js';
import { MutableString } from '../types/mutable-string.js';

/**
 * Redis's getBitOffsetFromArgument: a non-negative 64-bit integer whose byte index is
 * below proto-max-bulk-len. With `bits` > 0 (BITFIELD) the "#N" form means N × bits,
 * computed with 64-bit wrap-around like the C multiplication.
 */
export function bitOffsetArg(ctx: CommandContext, arg: string, bits = 0): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 35;
  const p = exactLongLong(hash ? arg.slice(1) : arg, errors.bitOffset);
  const limit = ctx.services.keyspace.maxBulkLen;
  if (!hash && typeof p === 'number') {
    if (p < 0 || Math.floor(p / 8) >= limit) throw new CommandError(errors.bitOffset);
    return p;
  }
  let v = BigInt(p);
  if (hash) v = BigInt.asIntN(64, v * BigInt(bits));
  if (v < 0n || v >> 3n >= BigInt(limit)) throw new CommandError(errors.bitOffset);
  return Number(v);
}

/** Growing a string beyond what a JS string can hold is refused (Redis would allocate it). */
export function checkBitmapSize(bytes: number): void {
  if (bytes > MAX_STRING_BYTES) throw new CommandError(errors.stringTooLong);
}

/**
 * The value at `key` as a MutableString grown to at least `minLength` bytes, creating an
 * empty one for a missing key; WRONGTYPE for another type. The caller writes into it and
 * then calls `commitString` (Redis "unshares" the value: it is raw from now on).
 */
export function writableString(ctx: CommandContext, key: string, minLength: number): MutableString {
  // every caller has looked the key up for writing already: a second lookup would count
  // a second access (LRU/LFU) where Redis counts one
  const e = ctx.db.peek(key);
  let m: MutableString;
  if (e === undefined) m = new MutableString('');
  else if (e.v instanceof MutableString) m = e.v;
  else if (e.v.type === 'string') m = new MutableString(e.v.value);
  else throw new CommandError(errors.wrongType);
  checkBitmapSize(minLength);
  m.ensureLength(minLength);
  return m;
}

/**
 * Keeps an unchanged MutableString as the key's value without announcing a change: Redis
 * unshares the value (it reads "raw" from now on) but signals nothing when no bit moved
 * and the string did not grow. The key must exist.
 */
export function keepStringSilently(ctx: CommandContext, key: string, m: MutableString): void {
  // the key was looked up for writing by the caller already (one access, as Redis counts)
  ctx.db.replaceRepresentation(key, m);
}

/** Stores (or re-announces) a written MutableString, keeping the key's TTL. */
export function commitString(ctx: CommandContext, key: string, m: MutableString): void {
  ctx.db.set(key, m, true, false);
}
