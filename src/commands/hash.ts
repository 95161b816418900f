/**
 * Hash commands (t_hash.c). Argument checks run in Redis's order (count/increment parsing
 * before the key lookup where Redis does so), error texts are Redis's, and an emptied hash
 * is deleted. The listpack → hashtable encoding switch is tracked as Redis makes it: on
 * every field write, when a field or value exceeds hash-max-listpack-value or the hash
 * grows beyond hash-max-listpack-entries; it never switches back.
 */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { parseInteger, LLONG_MAX, LLONG_MIN } from '../protocol/number-format.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../types/long-double.js';
import { HashData } from '../types/hash.js';
import { optionWord, parseScanCursor } from './keyspace-args.js';
import { EMPTY_SCAN, parseScanOptions, scanDocArguments } from './scan-args.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import type { CommandContext } from '../command-context/context.js';
import { exactLongLong } from '../command-model/argument-reader.js';
import { MIN_ITEM_BYTES, repeatedPicks } from './random-picks.js';
import { BigSet } from '../types/big-map.js';
import { ChunkedArray } from '../types/chunked-array.js';

const LONG_MAX = 9223372036854775807n;

/** The hash at key for a read (hit/miss statistics), undefined if missing; WRONGTYPE otherwise. */
function readHash(ctx: CommandContext, key: string): HashData | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'hash') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/** Same for a write path (no statistics). */
function writeHash(ctx: CommandContext, key: string): HashData | undefined {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'hash') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/**
 * Stores one field as Redis's hashTypeSet does, switching a listpack to a hashtable when
 * the field or value is too long for it or the hash grew beyond the entry limit.
 */
function setField(ctx: CommandContext, h: HashData, field: string, value: string): boolean {
  const added = h.set(field, value);
  if (h.listpack) {
    const cfg = ctx.config;
    listpackCheck(h, field, value, cfg.int('hash-max-listpack-value'), cfg.int('hash-max-listpack-entries'));
  }
  return added;
}

/** The conversion test of setField with the two limits already read (HSET reads them once per command). */
function listpackCheck(h: HashData, field: string, value: string, maxValue: number, maxEntries: number): void {
  if (field.length > maxValue || value.length > maxValue || h.size > maxEntries) h.listpack = false;
}

/**
 * After writing into `h`: a hash that did not exist yet becomes the key's value; an
 * existing one was changed in place, which is announced (WATCH, dirty counter).
 */
function commit(ctx: CommandContext, key: string, h: HashData, created: boolean): void {
  if (created) ctx.db.set(key, { type: 'hash', value: h });
  else ctx.keyModified(ctx.db, key);
}

const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];
const keyArg = { name: 'key', type: 'key' } as const;
const fieldArg = { name: 'field', type: 'string' } as const;
const fieldsArg = { name: 'field', type: 'string', multiple: true } as const;
const pairsArg = { name: 'data', type: 'block', multiple: true, arguments: [fieldArg, { name: 'value', type: 'string' }] } as const;

function hsetGeneric(ctx: CommandContext, argv: string[]): number {
  if (argv.length % 2 === 1) throw new CommandError(errors.wrongArgs(ctx.command.fullName));
  const key = argv[1]!;
  let h = writeHash(ctx, key);
  const created = h === undefined;
  if (h === undefined) h = new HashData();
  // Redis 7.2 sizes the hash for the pairs given (duplicates included): more pairs than
  // hash-max-listpack-entries in one command make it a hashtable up front
  const maxEntries = ctx.config.int('hash-max-listpack-entries');
  if (h.listpack && (argv.length - 2) / 2 > maxEntries) h.listpack = false;
  const maxValue = h.listpack ? ctx.config.int('hash-max-listpack-value') : 0;
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    const field = argv[i]!;
    const value = argv[i + 1]!;
    if (h.set(field, value)) added++;
    if (h.listpack) listpackCheck(h, field, value, maxValue, maxEntries);
  }
  commit(ctx, key, h, created);
  ctx.notify(NotifyKind.hash, 'hset', key);
  return added;
}

export const hset = defineCommand({
  name: 'hset',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: {
    summary: 'Creates or changes fields of a hash, creating the key when needed.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    arguments: [keyArg, pairsArg],
  },
  run: (ctx, argv) => reply.int(hsetGeneric(ctx, argv)),
});

export const hmset = defineCommand({
  name: 'hmset',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: {
    summary: 'Sets several fields of a hash (older form of HSET).',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) where N is the number of fields being set.',
    deprecatedSince: '4.0.0',
    replacedBy: '`HSET` with multiple field-value pairs',
    arguments: [keyArg, pairsArg],
  },
  run(ctx, argv) {
    hsetGeneric(ctx, argv);
    return reply.ok;
  },
});

export const hsetnx = defineCommand({
  name: 'hsetnx',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RW', 'INSERT'),
  docs: {
    summary: 'Sets a hash field only when that field does not exist yet.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arguments: [keyArg, fieldArg, { name: 'value', type: 'string' }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    let h = writeHash(ctx, key);
    if (h !== undefined && h.has(argv[2]!)) return reply.zero;
    const created = h === undefined;
    if (h === undefined) h = new HashData();
    setField(ctx, h, argv[2]!, argv[3]!);
    commit(ctx, key, h, created);
    ctx.notify(NotifyKind.hash, 'hset', key);
    return reply.one;
  },
});

export const hget = defineCommand({
  name: 'hget',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the value of one field of a hash.', since: '2.0.0', group: 'hash', complexity: 'O(1)', arguments: [keyArg, fieldArg] },
  run(ctx, argv) {
    const h = readHash(ctx, argv[1]!);
    return reply.bulkOrNil(h?.get(argv[2]!));
  },
});

export const hmget = defineCommand({
  name: 'hmget',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the values of several fields of a hash.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) where N is the number of fields being requested.',
    arguments: [keyArg, fieldsArg],
  },
  run(ctx, argv) {
    const h = readHash(ctx, argv[1]!);
    const out: Reply[] = new Array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) out[i - 2] = reply.bulkOrNil(h?.get(argv[i]!));
    return reply.array(out);
  },
});

export const hdel = defineCommand({
  name: 'hdel',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: {
    summary: 'Removes fields from a hash; the key goes when its last field does.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) where N is the number of fields to be removed.',
    arguments: [keyArg, fieldsArg],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const h = writeHash(ctx, key);
    if (h === undefined) return reply.zero;
    let deleted = 0;
    for (let i = 2; i < argv.length; i++) {
      if (h.delete(argv[i]!)) {
        deleted++;
        if (h.size === 0) break;
      }
    }
    if (deleted > 0) {
      ctx.notify(NotifyKind.hash, 'hdel', key);
      if (h.size === 0) {
        ctx.db.delete(key);
        ctx.notify(NotifyKind.generic, 'del', key);
      } else ctx.keyModified(ctx.db, key);
    }
    return reply.int(deleted);
  },
});

export const hexists = defineCommand({
  name: 'hexists',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Tells whether a field exists in a hash.', since: '2.0.0', group: 'hash', complexity: 'O(1)', arguments: [keyArg, fieldArg] },
  run(ctx, argv) {
    const h = readHash(ctx, argv[1]!);
    return h !== undefined && h.has(argv[2]!) ? reply.one : reply.zero;
  },
});

export const hlen = defineCommand({
  name: 'hlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many fields a hash has.', since: '2.0.0', group: 'hash', complexity: 'O(1)', arguments: [keyArg] },
  run(ctx, argv) {
    return reply.int(readHash(ctx, argv[1]!)?.size ?? 0);
  },
});

export const hstrlen = defineCommand({
  name: 'hstrlen',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns the byte length of the value of a hash field.', since: '3.2.0', group: 'hash', complexity: 'O(1)', arguments: [keyArg, fieldArg] },
  run(ctx, argv) {
    return reply.int(readHash(ctx, argv[1]!)?.get(argv[2]!)?.length ?? 0);
  },
});

type Part = 'keys' | 'vals' | 'all';

/** HKEYS / HVALS / HGETALL: the whole hash in its iteration order; HGETALL is a map in RESP3. */
function getAll(ctx: CommandContext, key: string, part: Part): Reply {
  const h = readHash(ctx, key);
  if (h === undefined) return part === 'all' ? reply.map([]) : reply.emptyArray;
  // a ReplyList: a hash of any size can be answered (issue 17)
  const out = new ReplyList();
  for (const [f, v] of h.entries()) {
    if (part !== 'vals') out.push(reply.bulk(f));
    if (part !== 'keys') out.push(reply.bulk(v));
  }
  return out.finish(part === 'all' ? Kind.Map : Kind.Array);
}

const wholeHash = {
  arity: 2,
  flags: ['readonly'],
  categories: ['hash'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output_order'],
} as const;

export const hkeys = defineCommand({
  name: 'hkeys',
  ...wholeHash,
  docs: { summary: 'Returns every field name of a hash.', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the size of the hash.', arguments: [keyArg] },
  run: (ctx, argv) => getAll(ctx, argv[1]!, 'keys'),
});

export const hvals = defineCommand({
  name: 'hvals',
  ...wholeHash,
  docs: { summary: 'Returns every value of a hash.', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the size of the hash.', arguments: [keyArg] },
  run: (ctx, argv) => getAll(ctx, argv[1]!, 'vals'),
});

export const hgetall = defineCommand({
  name: 'hgetall',
  ...wholeHash,
  docs: { summary: 'Returns every field and value of a hash.', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the size of the hash.', arguments: [keyArg] },
  run: (ctx, argv) => getAll(ctx, argv[1]!, 'all'),
});

export const hincrby = defineCommand({
  name: 'hincrby',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RW', 'ACCESS', 'UPDATE'),
  docs: {
    summary: 'Adds an integer to the integer value of a hash field, starting from 0 when the field is missing.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arguments: [keyArg, fieldArg, { name: 'increment', type: 'integer' }],
  },
  run(ctx, argv) {
    const incr = exactLongLong(argv[3]!);
    const key = argv[1]!;
    const field = argv[2]!;
    let h = writeHash(ctx, key);
    let cur: number | bigint = 0;
    const old = h?.get(field);
    if (old !== undefined) {
      const p = parseInteger(old);
      if (p === null) return reply.error(errors.hashNotInteger);
      cur = p;
    }
    let r: number | bigint;
    if (typeof cur === 'number' && typeof incr === 'number' && Number.isSafeInteger(cur + incr)) {
      r = cur + incr;
    } else {
      const b = BigInt(cur) + BigInt(incr);
      if (b > LLONG_MAX || b < LLONG_MIN) return reply.error(errors.overflow);
      r = Number.isSafeInteger(Number(b)) ? Number(b) : b;
    }
    const created = h === undefined;
    if (h === undefined) h = new HashData();
    setField(ctx, h, field, String(r));
    commit(ctx, key, h, created);
    ctx.notify(NotifyKind.hash, 'hincrby', key);
    return reply.int(r);
  },
});

export const hincrbyfloat = defineCommand({
  name: 'hincrbyfloat',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['hash'],
  keySpecs: oneKey('RW', 'ACCESS', 'UPDATE'),
  docs: {
    summary: 'Adds a floating point number to the value of a hash field, starting from 0 when the field is missing.',
    since: '2.6.0',
    group: 'hash',
    complexity: 'O(1)',
    arguments: [keyArg, fieldArg, { name: 'increment', type: 'double' }],
  },
  run(ctx, argv) {
    // Redis computes in long double: the same exact emulation as INCRBYFLOAT
    const inc = parseLongDouble(argv[3]!);
    if (inc === null) return reply.error(errors.notFloat);
    if (inc.kind !== 'finite') return reply.error(errors.hincrByFloatNaN);
    const key = argv[1]!;
    const field = argv[2]!;
    let h = writeHash(ctx, key);
    const old = h?.get(field);
    let cur = parseLongDouble('0')!;
    if (old !== undefined) {
      const p = parseLongDouble(old);
      if (p === null) return reply.error(errors.hashNotFloat);
      cur = p;
    }
    const sum = addLongDouble(cur, inc);
    if (sum.kind !== 'finite') return reply.error(errors.incrFloatNaN);
    const text = formatLongDouble(sum);
    const created = h === undefined;
    if (h === undefined) h = new HashData();
    setField(ctx, h, field, text);
    commit(ctx, key, h, created);
    ctx.notify(NotifyKind.hash, 'hincrbyfloat', key);
    // as Redis: the resulting value, so the float arithmetic is never redone on replay
    if (ctx.propagation.active) ctx.propagation.replace(['HSET', key, field, text]);
    return reply.bulk(text);
  },
});

/**
 * HRANDFIELD key count [WITHVALUES]: Redis's four cases. A negative count repeats picks;
 * a positive one returns distinct fields, the whole hash (in iteration order) when the
 * count reaches its size. RESP3 pairs each field with its value in a 2-element array.
 */
function randomFields(ctx: CommandContext, key: string, l: number | bigint, withValues: boolean): Reply {
  const h = readHash(ctx, key);
  if (h === undefined) return reply.emptyArray;
  const resp3 = ctx.client.resp === 3;
  const size = h.size;
  const unique = l >= 0;
  const count = unique ? l : -l;
  if (count === 0 || count === 0n) return reply.emptyArray;
  // a ReplyList: a count of any size can be answered (issue 17)
  const out = new ReplyList();
  const push = (f: string) => {
    if (!withValues) out.push(reply.bulk(f));
    else if (resp3) out.push(reply.array([reply.bulk(f), reply.bulk(h.get(f)!)]));
    else {
      out.push(reply.bulk(f));
      out.push(reply.bulk(h.get(f)!));
    }
  };
  if (!unique || count === 1) {
    // Repetition allowed: bounded whatever the count (random-picks.ts). RESP2 flattens the
    // pairs, RESP3 nests them.
    if (!withValues) return repeatedPicks(count, (n) => n, MIN_ITEM_BYTES, (w) => w.write(reply.bulk(h.randomField()), resp3 ? 3 : 2));
    return repeatedPicks(count, (n) => (resp3 ? n : 2 * n), 2 * MIN_ITEM_BYTES, (w) => {
      const f = h.randomField();
      const pair = [reply.bulk(f), reply.bulk(h.get(f)!)];
      if (resp3) w.write(reply.array(pair), 3);
      else for (const r of pair) w.write(r, 2);
    });
  }
  if (count >= size) {
    for (const f of h.fields()) push(f);
    return out.finish(Kind.Array);
  }
  const n = Number(count);
  // BigSet: a count may pass 2^24 on a big hash (issue 17)
  const picked = new BigSet<string>();
  if (n * 3 > size) {
    // Many of them: drop random fields until `n` remain (Redis's CASE 3).
    // a ChunkedArray: no 112.8M-element ceiling (issue 17)
    const all = new ChunkedArray<string>();
    for (const f of h.fields()) {
      picked.add(f);
      all.push(f);
    }
    for (let i = all.length - 1; picked.size > n; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = all.get(j)!;
      all.set(j, all.get(i)!);
      all.set(i, t);
      picked.delete(t);
    }
  } else {
    while (picked.size < n) picked.add(h.randomField());
  }
  for (const f of picked) push(f);
  return out.finish(Kind.Array);
}

export const hrandfield = defineCommand({
  name: 'hrandfield',
  arity: -2,
  flags: ['readonly'],
  categories: ['hash'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Returns one or more random fields of a hash, optionally with their values.',
    since: '6.2.0',
    group: 'hash',
    complexity: 'O(N) where N is the number of fields returned',
    arguments: [
      keyArg,
      {
        name: 'options',
        type: 'block',
        optional: true,
        arguments: [
          { name: 'count', type: 'integer' },
          { name: 'withvalues', type: 'pure-token', token: 'WITHVALUES', optional: true },
        ],
      },
    ],
  },
  run(ctx, argv) {
    if (argv.length >= 3) {
      // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)
      const l = exactLongLong(argv[2]!);
      if (typeof l === 'bigint' && l < -LONG_MAX) {
        return reply.error(errors.randomCountRange);
      }
      if (argv.length > 4 || (argv.length === 4 && optionWord(argv[3]!) !== 'withvalues')) return reply.error(errors.syntax);
      const withValues = argv.length === 4;
      // the doubled reply length must still fit a long
      if (withValues && (l < -(LONG_MAX / 2n) || l > LONG_MAX / 2n)) return reply.error(errors.valueOutOfRange);
      return randomFields(ctx, argv[1]!, l, withValues);
    }
    const h = readHash(ctx, argv[1]!);
    return h === undefined ? reply.nil : reply.bulk(h.randomField());
  },
});


export const hscan = defineCommand({
  name: 'hscan',
  arity: -3,
  flags: ['readonly'],
  categories: ['hash'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Iterates over the fields and values of a hash, a few at a time.',
    since: '2.8.0',
    group: 'hash',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    arguments: [keyArg, ...scanDocArguments],
  },
  run(ctx, argv) {
    const cursor = parseScanCursor(argv[2]!);
    if (cursor === null) return reply.error(errors.invalidCursor);
    const h = readHash(ctx, argv[1]!);
    if (h === undefined) return EMPTY_SCAN;
    const { count, match } = parseScanOptions(argv, 3);
    const found: Reply[] = [];
    const visit = (f: string, v: string) => {
      if (match === null || match(f)) found.push(reply.bulk(f), reply.bulk(v));
    };
    let next = 0;
    if (h.listpack) {
      // Redis answers a listpack-encoded hash in one reply, whatever the cursor and COUNT.
      for (const [f, v] of h.entries()) visit(f, v);
    } else {
      // Cursors are insertion sequence numbers; one beyond every sequence ends the scan.
      const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
      next = h.scan(start, count, visit);
    }
    return reply.array([reply.bulk(String(next)), reply.array(found)]);
  },
});

export const hashCommands: CommandDefinition[] = [
  hset,
  hsetnx,
  hget,
  hmget,
  hmset,
  hdel,
  hexists,
  hlen,
  hstrlen,
  hkeys,
  hvals,
  hgetall,
  hincrby,
  hincrbyfloat,
  hrandfield,
  hscan,
];
