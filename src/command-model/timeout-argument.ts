/**
 * The timeout argument of blocking commands (Redis's getTimeoutFromObjectOrReply): BLPOP &
 * co. read seconds as a long double, WAIT / WAITAOF milliseconds as an integer. One reader
 * for every family, beside the argument reader, with Redis's exact error texts.
 */
import { CommandError, errors } from '../errors.js';
import { parseLongDouble, roundLongDouble } from '../types/long-double.js';

const LLONG_MAX = 9223372036854775807n;

/**
 * Redis's getTimeoutFromObjectOrReply in seconds (BLPOP…) or milliseconds (XREAD BLOCK).
 * Returns the absolute deadline in ms of `now`'s clock, or 0 for "forever". Throws the
 * error reply otherwise.
 */
export function parseTimeout(arg: string, now: number, unit: 'seconds' | 'milliseconds'): number {
  let ms: bigint;
  if (unit === 'seconds') {
    const v = parseLongDouble(arg);
    if (v === null) throw new CommandError(errors.timeout);
    if (v.kind === 'inf') {
      if (!v.neg) throw new CommandError(errors.timeoutOutOfRange);
      throw new CommandError(errors.negativeTimeout);
    }
    if (v.kind === 'nan') throw new CommandError(errors.timeout);
    // seconds × 1000 rounded to the long double grid, then ceil
    const scaled = roundLongDouble(v.neg, v.m * 1000n, v.e, false);
    if (scaled.kind !== 'finite') throw new CommandError(errors.timeoutOutOfRange);
    ms = ceilLongDouble(scaled.neg, scaled.m, scaled.e);
    if (ms > LLONG_MAX) throw new CommandError(errors.timeoutOutOfRange);
  } else {
    if (!/^-?(0|[1-9][0-9]*)$/.test(arg)) throw new CommandError(errors.timeoutNotInteger);
    ms = BigInt(arg);
    if (ms > LLONG_MAX || ms < -LLONG_MAX - 1n) throw new CommandError(errors.timeoutNotInteger);
  }
  if (ms < 0n) throw new CommandError(errors.negativeTimeout);
  if (ms === 0n) return 0;
  if (ms > LLONG_MAX - BigInt(now)) throw new CommandError(errors.timeoutOutOfRange);
  // beyond ~285,000 years a deadline is "forever" in practice; keep it a safe number
  const at = BigInt(now) + ms;
  return at > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(at);
}

function ceilLongDouble(neg: boolean, m: bigint, e: number): bigint {
  if (e >= 0) return (neg ? -1n : 1n) * (m << BigInt(e));
  const sh = BigInt(-e);
  const q = m >> sh;
  const exact = q << sh === m;
  if (neg) return -q;
  return exact ? q : q + 1n;
}
