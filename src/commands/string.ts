/**
 * String commands. Semantics, argument order of checks and error texts follow Redis 7.2
 * (t_string.c); where Redis compares keywords with C string functions the comparison
 * stops at a NUL byte, which `keyword()` reproduces.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { LLONG_MAX, LLONG_MIN, parseInteger } from '../protocol/number-format.js';
import { addLongDouble, formatLongDouble, parseLongDouble, type LongDouble } from '../types/long-double.js';
import { byteRange, keyword, MAX_STRING_BYTES } from '../types/string-ops.js';
import { commitString, writableString } from './string-in-place.js';
import { MutableString } from '../types/mutable-string.js';
import type { CommandContext } from '../command-context/context.js';
import { lcsCommand } from './lcs.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { exactLongLong } from '../command-model/argument-reader.js';

/**
 * Redis's checkStringLength: a string may not grow beyond proto-max-bulk-len. Redoubt
 * also stops at V8's string limit (a few bytes under 512 MB), the one place a value
 * Redis accepts cannot be held.
 */
export function checkStringLength(ctx: CommandContext, total: number | bigint): void {
  const n = typeof total === 'bigint' ? Number(total) : total;
  if (n > ctx.services.keyspace.maxBulkLen || n > MAX_STRING_BYTES) throw new CommandError(errors.stringTooLong);
}

export const get = defineCommand({
  name: 'get',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: { summary: 'Returns the string value of a key.', since: '1.0.0', group: 'string', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }] },
  run(ctx, argv) {
    const v = ctx.db.getString(argv[1]!);
    return v === undefined ? reply.nil : reply.bulk(v);
  },
});

type ExpireUnit = 'ex' | 'px' | 'exat' | 'pxat';

/** Options shared by SET and GETEX (Redis's parseExtendedStringArgumentsOrReply). */
export interface ExtendedOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  unit: ExpireUnit | null;
  /** the expiry argument, validated later (GETEX looks the key up first) */
  expire: string;
}

/**
 * Parses SET/GETEX options exactly as Redis does: each option is accepted unless a
 * conflicting one was seen; repeating the same expiry option is allowed (the last
 * one wins); any other word, or an expiry without its value, is a syntax error.
 */
export function parseExtendedOptions(argv: string[], from: number, cmd: 'set' | 'getex'): ExtendedOptions {
  const o: ExtendedOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, unit: null, expire: '' };
  const isSet = cmd === 'set';
  for (let i = from; i < argv.length; i++) {
    const opt = keyword(argv[i]!);
    const hasNext = i + 1 < argv.length;
    const u = o.unit;
    if (opt === 'nx' && isSet && !o.xx) o.nx = true;
    else if (opt === 'xx' && isSet && !o.nx) o.xx = true;
    else if (opt === 'get' && isSet) o.get = true;
    else if (opt === 'keepttl' && isSet && !o.persist && u === null) o.keepTtl = true;
    else if (opt === 'persist' && !isSet && u === null && !o.keepTtl) o.persist = true;
    else if (
      (opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') &&
      !o.keepTtl &&
      !o.persist &&
      (u === null || u === opt) &&
      hasNext
    ) {
      o.unit = opt;
      o.expire = argv[++i]!;
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  return o;
}

/**
 * Redis's getExpireMillisecondsOrReply: the expiry argument as an absolute time in
 * ms, with its overflow and sign checks ("invalid expire time in '<cmd>' command").
 * Beyond 2^53 the time is returned as an exact bigint (TTL/EXPIRETIME report it exactly).
 */
export function expireAt(ctx: CommandContext, raw: string, unit: ExpireUnit, cmd: string): number | bigint {
  const v = exactLongLong(raw);
  const seconds = unit === 'ex' || unit === 'exat';
  const relative = unit === 'ex' || unit === 'px';
  if (v <= 0) throw new CommandError(errors.invalidExpire(cmd));
  if (typeof v === 'number') {
    // fast path: everything stays a safe integer
    const ms = seconds ? v * 1000 : v;
    const at = relative ? ms + ctx.now : ms;
    if (Number.isSafeInteger(at)) return at;
  }
  let b = BigInt(v);
  if (seconds) {
    if (b > LLONG_MAX / 1000n) throw new CommandError(errors.invalidExpire(cmd));
    b *= 1000n;
  }
  if (relative) {
    b += BigInt(ctx.now);
    // the C addition would wrap to a negative number
    if (b > LLONG_MAX) throw new CommandError(errors.invalidExpire(cmd));
  }
  return Number.isSafeInteger(Number(b)) ? Number(b) : b;
}

export const set = defineCommand({
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [
    {
      notes: 'RW and ACCESS due to the optional `GET` argument',
      flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'],
      begin: { index: 1 },
      find: { lastKey: 0, step: 1, limit: 0 },
    },
  ],
  docs: {
    summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arguments: [{ name: 'key', type: 'key' }, { name: 'value', type: 'string' }, { name: 'condition', type: 'oneof', optional: true, arguments: [{ name: 'nx', type: 'pure-token', token: 'NX' }, { name: 'xx', type: 'pure-token', token: 'XX' }] }, { name: 'get', type: 'pure-token', token: 'GET', optional: true }, { name: 'expiration', type: 'oneof', optional: true, arguments: [{ name: 'seconds', type: 'integer', token: 'EX' }, { name: 'milliseconds', type: 'integer', token: 'PX' }, { name: 'unix-time-seconds', type: 'unix-time', token: 'EXAT' }, { name: 'unix-time-milliseconds', type: 'unix-time', token: 'PXAT' }, { name: 'keepttl', type: 'pure-token', token: 'KEEPTTL' }] }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const db = ctx.db;
    if (argv.length === 3) {
      db.setString(key, argv[2]!);
      ctx.notify(NotifyKind.string, 'set', key);
      return reply.ok;
    }
    const o = parseExtendedOptions(argv, 3, 'set');
    const at = o.unit !== null ? expireAt(ctx, o.expire, o.unit, 'set') : undefined;
    let old: string | undefined;
    if (o.get) old = db.getString(key);
    if (o.nx || o.xx) {
      const exists = db.lookupWrite(key) !== undefined;
      if ((o.nx && exists) || (o.xx && !exists)) return o.get ? reply.bulkOrNil(old) : reply.nil;
    }
    // NX/XX looked the key up for writing already (its access counted once, as in Redis)
    db.setString(key, argv[2]!, o.keepTtl, false, !(o.nx || o.xx));
    ctx.notify(NotifyKind.string, 'set', key);
    if (at !== undefined) {
      db.setExpire(key, at);
      ctx.notify(NotifyKind.generic, 'expire', key);
    }
    if (ctx.propagation.active) propagateSet(ctx, argv, o, at);
    return o.get ? reply.bulkOrNil(old) : reply.ok;
  },
});

export const setnx = defineCommand({
  name: 'setnx',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'OW', 'INSERT')],
  docs: {
    summary: 'Sets the string value of a key only when the key does not exist yet.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    deprecatedSince: '2.6.12',
    replacedBy: '`SET` with the `NX` argument',
    arguments: [{ name: 'key', type: 'key' }, { name: 'value', type: 'string' }],
  },
  run(ctx, argv) {
    const db = ctx.db;
    if (db.lookupWrite(argv[1]!) !== undefined) return reply.zero;
    db.setString(argv[1]!, argv[2]!);
    ctx.notify(NotifyKind.string, 'set', argv[1]!);
    return reply.one;
  },
});

/**
 * SET's propagated form (Redis 7.2 setGenericCommand): a relative or second expiry becomes
 * `SET key value PXAT <ms>` (the other options were already decided), and GET, which
 * changes nothing, is dropped.
 */
function propagateSet(ctx: CommandContext, argv: string[], o: ExtendedOptions, at: number | bigint | undefined): void {
  if (at !== undefined) {
    if (o.unit !== 'pxat') ctx.propagation.replace(['SET', argv[1]!, argv[2]!, 'PXAT', String(at)]);
  } else if (o.get) {
    ctx.propagation.replace(argv.filter((a, i) => i < 3 || keyword(a) !== 'get'));
  }
}

function setWithExpire(ctx: CommandContext, argv: string[], unit: 'ex' | 'px', cmd: string): Reply {
  const at = expireAt(ctx, argv[2]!, unit, cmd);
  ctx.db.setString(argv[1]!, argv[3]!);
  ctx.notify(NotifyKind.string, 'set', argv[1]!);
  ctx.db.setExpire(argv[1]!, at);
  ctx.notify(NotifyKind.generic, 'expire', argv[1]!);
  // SETEX / PSETEX go out as SET with an absolute time, as Redis 7.2
  if (ctx.propagation.active) ctx.propagation.replace(['SET', argv[1]!, argv[3]!, 'PXAT', String(at)]);
  return reply.ok;
}

export const setex = defineCommand({
  name: 'setex',
  arity: 4,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'OW', 'UPDATE')],
  docs: {
    summary: 'Sets a string value together with a time to live in seconds, creating the key if needed.',
    since: '2.0.0',
    group: 'string',
    complexity: 'O(1)',
    deprecatedSince: '2.6.12',
    replacedBy: '`SET` with the `EX` argument',
    arguments: [{ name: 'key', type: 'key' }, { name: 'seconds', type: 'integer' }, { name: 'value', type: 'string' }],
  },
  run: (ctx, argv) => setWithExpire(ctx, argv, 'ex', 'setex'),
});

export const psetex = defineCommand({
  name: 'psetex',
  arity: 4,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'OW', 'UPDATE')],
  docs: {
    summary: 'Sets a string value together with a time to live in milliseconds, creating the key if needed.',
    since: '2.6.0',
    group: 'string',
    complexity: 'O(1)',
    deprecatedSince: '2.6.12',
    replacedBy: '`SET` with the `PX` argument',
    arguments: [{ name: 'key', type: 'key' }, { name: 'milliseconds', type: 'integer' }, { name: 'value', type: 'string' }],
  },
  run: (ctx, argv) => setWithExpire(ctx, argv, 'px', 'psetex'),
});

export const mget = defineCommand({
  name: 'mget',
  arity: -2,
  flags: ['readonly', 'fast'],
  categories: ['string'],
  keySpecs: [keys.rest(1, 1, 'RO', 'ACCESS')],
  tips: ['request_policy:multi_shard'],
  docs: { summary: 'Returns the string values of one or more keys.', since: '1.0.0', group: 'string', complexity: 'O(N) where N is the number of keys to retrieve.', arguments: [{ name: 'key', type: 'key', multiple: true }] },
  run(ctx, argv) {
    const db = ctx.db;
    const out: Reply[] = new Array(argv.length - 1);
    for (let i = 1; i < argv.length; i++) {
      const e = db.lookupRead(argv[i]!);
      // a key of another type reads as nil here, not WRONGTYPE
      out[i - 1] = e !== undefined && e.v.type === 'string' ? reply.bulk(e.v.value) : reply.nil;
    }
    return reply.array(out);
  },
});

export const mset = defineCommand({
  name: 'mset',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [keys.rest(1, 2, 'OW', 'UPDATE')],
  tips: ['request_policy:multi_shard', 'response_policy:all_succeeded'],
  docs: { summary: 'Sets the string values of one or more keys at once.', since: '1.0.1', group: 'string', complexity: 'O(N) where N is the number of keys to set.', arguments: [{ name: 'key_value', type: 'block', multiple: true, arguments: [{ name: 'key', type: 'key' }, { name: 'value', type: 'string' }] }] },
  run(ctx, argv) {
    if (argv.length % 2 === 0) return reply.error(errors.wrongArgs('mset'));
    const db = ctx.db;
    for (let i = 1; i < argv.length; i += 2) {
      db.setString(argv[i]!, argv[i + 1]!);
      ctx.notify(NotifyKind.string, 'set', argv[i]!);
    }
    return reply.ok;
  },
});

export const msetnx = defineCommand({
  name: 'msetnx',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [keys.rest(1, 2, 'OW', 'INSERT')],
  tips: ['request_policy:multi_shard', 'response_policy:agg_min'],
  docs: {
    summary: 'Sets the string values of several keys only when none of them exists yet.',
    since: '1.0.1',
    group: 'string',
    complexity: 'O(N) where N is the number of keys to set.',
    arguments: [{ name: 'key_value', type: 'block', multiple: true, arguments: [{ name: 'key', type: 'key' }, { name: 'value', type: 'string' }] }],
  },
  run(ctx, argv) {
    if (argv.length % 2 === 0) return reply.error(errors.wrongArgs('msetnx'));
    const db = ctx.db;
    for (let i = 1; i < argv.length; i += 2) if (db.lookupWrite(argv[i]!) !== undefined) return reply.zero;
    for (let i = 1; i < argv.length; i += 2) {
      db.setString(argv[i]!, argv[i + 1]!);
      ctx.notify(NotifyKind.string, 'set', argv[i]!);
    }
    return reply.one;
  },
});

export const getset = defineCommand({
  name: 'getset',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'UPDATE')],
  docs: {
    summary: 'Stores a new string value and returns the previous one.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    deprecatedSince: '6.2.0',
    replacedBy: '`SET` with the `!GET` argument',
    arguments: [{ name: 'key', type: 'key' }, { name: 'value', type: 'string' }],
  },
  run(ctx, argv) {
    const old = ctx.db.getString(argv[1]!);
    // a plain SET: the old TTL goes
    ctx.db.setString(argv[1]!, argv[2]!);
    ctx.notify(NotifyKind.string, 'set', argv[1]!);
    return reply.bulkOrNil(old);
  },
});

export const getdel = defineCommand({
  name: 'getdel',
  arity: 2,
  flags: ['write', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'DELETE')],
  docs: { summary: 'Returns the string value of a key and removes the key.', since: '6.2.0', group: 'string', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }] },
  run(ctx, argv) {
    const v = ctx.db.getString(argv[1]!);
    if (v === undefined) return reply.nil;
    if (ctx.db.delete(argv[1]!)) ctx.notify(NotifyKind.generic, 'del', argv[1]!);
    return reply.bulk(v);
  },
});

export const getex = defineCommand({
  name: 'getex',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['string'],
  keySpecs: [
    {
      notes: 'RW and UPDATE because it changes the TTL',
      flags: ['RW', 'ACCESS', 'UPDATE'],
      begin: { index: 1 },
      find: { lastKey: 0, step: 1, limit: 0 },
    },
  ],
  docs: {
    summary: 'Returns the string value of a key and optionally changes or removes its expiration.',
    since: '6.2.0',
    group: 'string',
    complexity: 'O(1)',
    arguments: [{ name: 'key', type: 'key' }, { name: 'expiration', type: 'oneof', optional: true, arguments: [{ name: 'seconds', type: 'integer', token: 'EX' }, { name: 'milliseconds', type: 'integer', token: 'PX' }, { name: 'unix-time-seconds', type: 'unix-time', token: 'EXAT' }, { name: 'unix-time-milliseconds', type: 'unix-time', token: 'PXAT' }, { name: 'persist', type: 'pure-token', token: 'PERSIST' }] }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const o = parseExtendedOptions(argv, 2, 'getex');
    const db = ctx.db;
    // Redis looks the key up before it validates the expiry value
    const v = db.getString(key);
    if (v === undefined) return reply.nil;
    if (o.unit !== null) {
      const at = expireAt(ctx, o.expire, o.unit, 'getex');
      const prop = ctx.propagation;
      if ((o.unit === 'exat' || o.unit === 'pxat') && db.isPast(at)) {
        db.delete(key);
        ctx.notify(NotifyKind.generic, 'del', key);
        if (prop.active) prop.replace([ctx.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
      } else {
        db.setExpire(key, at);
        ctx.notify(NotifyKind.generic, 'expire', key);
        // as Redis 7.2: every unit (PXAT too) goes out as an absolute PEXPIREAT
        if (prop.active) prop.replace(['PEXPIREAT', key, String(at)]);
      }
    } else if (o.persist) {
      if (db.persist(key)) {
        ctx.notify(NotifyKind.generic, 'persist', key);
        if (ctx.propagation.active) ctx.propagation.replace(['PERSIST', key]);
      }
    }
    return reply.bulk(v);
  },
});

export const append = defineCommand({
  name: 'append',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RW', 'INSERT')],
  docs: {
    summary: "Appends a string to the value of a key, creating the key if it doesn't exist.",
    since: '2.0.0',
    group: 'string',
    complexity: 'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
    arguments: [{ name: 'key', type: 'key' }, { name: 'value', type: 'string' }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const add = argv[2]!;
    const db = ctx.db;
    const e = db.lookupWrite(key);
    if (e === undefined) {
      db.setString(key, add);
      ctx.notify(NotifyKind.string, 'append', key);
      return reply.int(add.length);
    }
    if (e.v.type !== 'string') throw new CommandError(errors.wrongType);
    const len = e.v instanceof MutableString ? e.v.length : e.v.value.length;
    checkStringLength(ctx, len + add.length);
    // modified in place in Redis: the value becomes "raw" and keeps its TTL. A growable
    // buffer, not `cur + add`: repeated appends would build a V8 rope costing several
    // times the bytes it holds (which maxmemory accounting could not see) and re-read it.
    const m = writableString(ctx, key, len + add.length);
    m.writeString(len, add);
    commitString(ctx, key, m);
    ctx.notify(NotifyKind.string, 'append', key);
    return reply.int(m.length);
  },
});

export const strlen = defineCommand({
  name: 'strlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RO')],
  docs: { summary: 'Returns the length of a string value.', since: '2.2.0', group: 'string', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }] },
  run(ctx, argv) {
    const v = ctx.db.getString(argv[1]!);
    return reply.int(v === undefined ? 0 : v.length);
  },
});

/** Clamps a parsed 64-bit index to the safe-integer range (any string is far shorter). */
function clampIndex(v: number | bigint): number {
  if (typeof v === 'number') return v;
  return v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

function getrangeRun(ctx: CommandContext, argv: string[]): Reply {
  const start = exactLongLong(argv[2]!);
  const end = exactLongLong(argv[3]!);
  const v = ctx.db.getString(argv[1]!);
  if (v === undefined) return reply.emptyBulk;
  // both negative and crossed: empty, decided on the exact values before clamping
  if (start < 0 && end < 0 && start > end) return reply.emptyBulk;
  const r = byteRange(v.length, clampIndex(start), clampIndex(end));
  return r === null ? reply.emptyBulk : reply.bulk(v.slice(r[0], r[1] + 1));
}

const getrangeDocs = {
  since: '2.4.0',
  group: 'string',
  complexity:
    'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
};

export const getrange = defineCommand({
  name: 'getrange',
  arity: 4,
  flags: ['readonly'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: { summary: 'Returns a substring of the string stored at a key.', ...getrangeDocs, arguments: [{ name: 'key', type: 'key' }, { name: 'start', type: 'integer' }, { name: 'end', type: 'integer' }] },
  run: getrangeRun,
});

export const substr = defineCommand({
  name: 'substr',
  arity: 4,
  flags: ['readonly'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: {
    summary: 'Returns a substring of the string stored at a key (old name of GETRANGE).',
    ...getrangeDocs,
    since: '1.0.0',
    deprecatedSince: '2.0.0',
    replacedBy: '`GETRANGE`',
    arguments: [{ name: 'key', type: 'key' }, { name: 'start', type: 'integer' }, { name: 'end', type: 'integer' }],
  },
  run: getrangeRun,
});

export const setrange = defineCommand({
  name: 'setrange',
  arity: 4,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RW', 'UPDATE')],
  docs: {
    summary: "Overwrites part of a string value starting at an offset, creating the key if it doesn't exist.",
    since: '2.2.0',
    group: 'string',
    complexity: 'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
    arguments: [{ name: 'key', type: 'key' }, { name: 'offset', type: 'integer' }, { name: 'value', type: 'string' }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const value = argv[3]!;
    const offset = exactLongLong(argv[2]!);
    if (offset < 0) return reply.error(errors.offsetOutOfRange);
    const cur = ctx.db.getStringForWrite(key);
    if (value.length === 0) {
      // writing nothing: a missing key stays missing, an existing one is left untouched
      return reply.int(cur === undefined ? 0 : cur.length);
    }
    checkStringLength(ctx, BigInt(offset) + BigInt(value.length));
    const m = writableString(ctx, key, Number(offset) + value.length);
    m.writeString(Number(offset), value);
    commitString(ctx, key, m);
    ctx.notify(NotifyKind.string, 'setrange', key);
    return reply.int(m.length);
  },
});

/** INCR/DECR/INCRBY/DECRBY: exact 64-bit arithmetic, the TTL is kept. */
function incrBy(ctx: CommandContext, key: string, incr: number | bigint): Reply {
  const db = ctx.db;
  const cur = db.getIntegerOrStringForWrite(key);
  let v: number | bigint = 0;
  if (typeof cur === 'number') v = cur;
  else if (cur !== undefined) {
    const p = parseInteger(cur);
    if (p === null) return reply.error(errors.notInteger);
    v = p;
  }
  let r: number | bigint;
  if (typeof v === 'number' && typeof incr === 'number' && Number.isSafeInteger(v + incr)) {
    r = v + incr;
  } else {
    const b = BigInt(v) + BigInt(incr);
    if (b > LLONG_MAX || b < LLONG_MIN) return reply.error(errors.overflow);
    r = Number.isSafeInteger(Number(b)) ? Number(b) : b;
  }
  // changed in place after the command's own lookup (Redis's dbReplaceValue: no second touch)
  if (typeof r === 'number') db.setInteger(key, r);
  else db.setString(key, String(r), true, false, false);
  ctx.notify(NotifyKind.string, 'incrby', key);
  return reply.int(r);
}

const incrFamily = {
  arity: 2,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'UPDATE')],
} as const;

export const incr = defineCommand({
  name: 'incr',
  ...incrFamily,
  docs: { summary: "Adds one to the integer value of a key, starting from 0 if the key doesn't exist.", since: '1.0.0', group: 'string', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }] },
  run: (ctx, argv) => incrBy(ctx, argv[1]!, 1),
});

export const decr = defineCommand({
  name: 'decr',
  ...incrFamily,
  docs: { summary: "Subtracts one from the integer value of a key, starting from 0 if the key doesn't exist.", since: '1.0.0', group: 'string', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }] },
  run: (ctx, argv) => incrBy(ctx, argv[1]!, -1),
});

export const incrby = defineCommand({
  name: 'incrby',
  ...incrFamily,
  arity: 3,
  docs: { summary: "Adds an integer to the integer value of a key, starting from 0 if the key doesn't exist.", since: '1.0.0', group: 'string', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }, { name: 'increment', type: 'integer' }] },
  run: (ctx, argv) => incrBy(ctx, argv[1]!, exactLongLong(argv[2]!)),
});

export const decrby = defineCommand({
  name: 'decrby',
  ...incrFamily,
  arity: 3,
  docs: {
    summary: "Subtracts an integer from the integer value of a key, starting from 0 if the key doesn't exist.",
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arguments: [{ name: 'key', type: 'key' }, { name: 'decrement', type: 'integer' }],
  },
  run(ctx, argv) {
    const d = exactLongLong(argv[2]!);
    // -LLONG_MIN does not exist as a 64-bit value
    if (d === LLONG_MIN) return reply.error(errors.decrOverflow);
    return incrBy(ctx, argv[1]!, typeof d === 'number' ? -d : -d);
  },
});

export const incrbyfloat = defineCommand({
  name: 'incrbyfloat',
  ...incrFamily,
  arity: 3,
  docs: {
    summary: "Adds a floating point number to the numeric value of a key, starting from 0 if the key doesn't exist.",
    since: '2.6.0',
    group: 'string',
    complexity: 'O(1)',
    arguments: [{ name: 'key', type: 'key' }, { name: 'increment', type: 'double' }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const db = ctx.db;
    const cur = db.getStringForWrite(key);
    let v: LongDouble | null = { kind: 'finite', neg: false, m: 0n, e: 0 };
    if (cur !== undefined) v = parseLongDouble(cur);
    if (v === null) return reply.error(errors.notFloat);
    const inc = parseLongDouble(argv[2]!);
    if (inc === null) return reply.error(errors.notFloat);
    const sum = addLongDouble(v, inc);
    if (sum.kind !== 'finite') return reply.error(errors.incrFloatNaN);
    const text = formatLongDouble(sum);
    // Redis stores the result without trying the integer encoding (OBJECT ENCODING: embstr)
    db.set(key, { type: 'string', value: text, raw: false, notInt: true }, true, false);
    ctx.notify(NotifyKind.string, 'incrbyfloat', key);
    // as Redis: the result, not the increment, so float arithmetic is never redone
    if (ctx.propagation.active) ctx.propagation.replace(['SET', key, text, 'KEEPTTL']);
    return reply.bulk(text);
  },
});

export const stringCommands: CommandDefinition[] = [
  get,
  set,
  setnx,
  setex,
  psetex,
  mget,
  mset,
  msetnx,
  getset,
  getdel,
  getex,
  append,
  strlen,
  getrange,
  substr,
  setrange,
  incr,
  decr,
  incrby,
  decrby,
  incrbyfloat,
  lcsCommand,
];
