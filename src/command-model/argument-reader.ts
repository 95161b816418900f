/**
 * One argument vocabulary for every command family: Redis's object-to-number readers
 * (object.c's get*FromObjectOrReply), each with Redis's exact error text, and a cursor over
 * argv for option loops (the idea of Dragonfly's CmdArgParser).
 *
 * The one rule for 64-bit values: a reader accepts exactly what string2ll accepts (no
 * sign on 0, no leading zeros or spaces, within LLONG_MIN..LLONG_MAX) and returns a JS
 * number: exact up to ±2^53, beyond that the nearest double. The nearest double keeps
 * order and sign, LLONG_MIN exactly and LLONG_MAX as 2^63, which is all that index,
 * count and range arithmetic on collections of at most 2^32 elements needs. Code that
 * needs all 64 bits (counters, INCRBY) uses `exactLongLong`.
 *
 * Every reader throws a CommandError with the reply text; nothing returns a sentinel.
 */
import { CommandError, errors } from '../errors.js';
import { LLONG_MAX, parseFloatStrict, parseInteger } from '../protocol/number-format.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** getLongLongFromObjectOrReply (and getLongFromObjectOrReply: a C long is 64-bit). */
export function readLongLong(arg: string, message: string = errors.notInteger): number {
  const v = parseInteger(arg);
  if (v === null) throw new CommandError(message);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** getLongLongFromObjectOrReply, all 64 bits: a number when safe, else a bigint. */
export function exactLongLong(arg: string, message: string = errors.notInteger): number | bigint {
  const v = parseInteger(arg);
  if (v === null) throw new CommandError(message);
  return v;
}

/**
 * getRangeLongFromObjectOrReply(min, max, msg): `message`, when given, replaces both
 * texts (not an integer, out of range), as in Redis.
 */
export function readRangeLong(arg: string, min: bigint, max: bigint, message?: string): number {
  const v = parseInteger(arg);
  if (v === null) throw new CommandError(message ?? errors.notInteger);
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < min || b > max) throw new CommandError(message ?? errors.rangeMustBetween(min, max));
  return typeof v === 'bigint' ? Number(v) : v;
}

/** getPositiveLongFromObjectOrReply: 0..LLONG_MAX (Redis's "positive" includes 0). */
export function readPositiveLong(arg: string, message: string = errors.mustBePositive): number {
  return readRangeLong(arg, 0n, 9223372036854775807n, message);
}

/** getIntFromObjectOrReply: a 64-bit integer that must fit a C int. */
export function readCInt(arg: string, message?: string): number {
  const v = parseInteger(arg);
  if (v === null) throw new CommandError(message ?? errors.notInteger);
  if (typeof v === 'bigint' || v < INT_MIN || v > INT_MAX) throw new CommandError(message ?? errors.rangeMustBetween(BigInt(INT_MIN), BigInt(INT_MAX)));
  return v;
}

/** getDoubleFromObjectOrReply: strict strtod over the whole text, NaN refused. */
export function readDouble(arg: string, message: string = errors.notFloat): number {
  const v = parseFloatStrict(arg);
  if (v === null) throw new CommandError(message);
  return v;
}

/**
 * getTimeoutFromObjectOrReply(…, UNIT_MILLISECONDS) (XREAD BLOCK, CLIENT PAUSE): a long
 * long of milliseconds, not negative, whose sum with `now` (the command's time) does not
 * overflow. Returns the milliseconds, 0 meaning "no timeout"; past 2^53 the nearest double.
 * (The seconds form of BLPOP & co. reads a long double: timeout-argument.ts parseTimeout.)
 */
export function readTimeoutMs(arg: string, now: number): number {
  const v = parseInteger(arg);
  if (v === null) throw new CommandError(errors.timeoutNotInteger);
  if (v < 0) throw new CommandError(errors.negativeTimeout);
  if (v > 0 && BigInt(v) > LLONG_MAX - BigInt(now)) throw new CommandError(errors.timeoutOutOfRange);
  return Number(v);
}

/**
 * A cursor over argv for option loops: `keyword()` reads the next word lower-cased,
 * the typed readers read the next argument; a missing argument is a syntax error, as
 * Redis's option parsers answer when an option lacks its value.
 */
export class ArgumentReader {
  constructor(
    readonly argv: readonly string[],
    public pos = 1,
  ) {}

  /** arguments left */
  get left(): number {
    return this.argv.length - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.argv.length;
  }

  /** the next argument, as given */
  next(): string {
    const a = this.argv[this.pos];
    if (a === undefined) throw new CommandError(errors.syntax);
    this.pos++;
    return a;
  }

  /** the next argument lower-cased (ASCII), for matching option names */
  keyword(): string {
    return this.next().toLowerCase();
  }

  longLong(message?: string): number {
    return readLongLong(this.next(), message);
  }

  rangeLong(min: bigint, max: bigint, message?: string): number {
    return readRangeLong(this.next(), min, max, message);
  }

  positiveLong(message?: string): number {
    return readPositiveLong(this.next(), message);
  }

  cInt(message?: string): number {
    return readCInt(this.next(), message);
  }

  double(message?: string): number {
    return readDouble(this.next(), message);
  }
}
