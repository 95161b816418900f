/** Argument parsing shared by the bitmap commands and BITFIELD. */
import { CommandError, errors } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { MAX_STRING_BYTES } from '../types/string-ops.js';
import type { CommandContext } from './context.js';

/**
 * Redis's getBitOffsetFromArgument: a non-negative 64-bit integer whose byte index is
 * below proto-max-bulk-len. With `bits` > 0 (BITFIELD) the "#N" form means N × bits,
 * computed with 64-bit wrap-around like the C multiplication.
 */
export function bitOffsetArg(ctx: CommandContext, arg: string, bits = 0): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 35;
  const p = parseInteger(hash ? arg.slice(1) : arg);
  if (p === null) throw new CommandError(errors.bitOffset);
  const limit = ctx.server.parserLimits.maxBulkLen;
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
