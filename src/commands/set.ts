/**
 * Set commands (t_set.c). Argument checks run in Redis's order, error texts are Redis's,
 * an emptied set is deleted, and a *STORE with an empty result deletes its destination.
 *
 * Reply order is part of compatibility: Redis answers from the set's iteration order, which
 * depends on the encoding (sorted intset, insertion-ordered listpack). Result sets are
 * therefore built the way t_set.c builds them — SUNION/SDIFF start from an empty intset,
 * SINTERSTORE from the smallest input's kind — and receive members in the same order, so
 * their encoding and iteration order come out as Redis's.
 */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { LLONG_MAX } from '../protocol/number-format.js';
import { SetData, isIntMember, type SetLimits } from '../types/set.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { optionWord, parseScanCursor } from './keyspace-args.js';
import { EMPTY_SCAN, parseScanOptions, scanDocArguments } from './scan-args.js';
import type { CommandContext } from '../command-context/context.js';
import { exactLongLong, readPositiveLong, readRangeLong } from '../command-model/argument-reader.js';
import { MIN_ITEM_BYTES, repeatedPicks } from './random-picks.js';
import { BigSet } from '../types/big-map.js';

const LONG_MAX = 9223372036854775807n;

function limits(ctx: CommandContext): SetLimits {
  const cfg = ctx.config;
  return {
    intsetEntries: cfg.int('set-max-intset-entries'),
    listpackEntries: cfg.int('set-max-listpack-entries'),
    listpackValue: cfg.int('set-max-listpack-value'),
  };
}

/** The set at key for a read (hit/miss statistics), undefined if missing; WRONGTYPE otherwise. */
function readSet(ctx: CommandContext, key: string): SetData | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'set') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/** Same for a write path (no statistics). */
function writeSet(ctx: CommandContext, key: string): SetData | undefined {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'set') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/** After removing members: an empty set goes (with a "del" event), else the key was modified. */
function afterRemoval(ctx: CommandContext, key: string, s: SetData): void {
  if (s.size === 0) {
    ctx.db.delete(key);
    ctx.notify(NotifyKind.generic, 'del', key);
  } else {
    ctx.keyModified(ctx.db, key);
  }
}

/** Stores a computed result set at `dst` (dropping any TTL), or deletes `dst` when it is empty. */
function storeResult(ctx: CommandContext, dst: string, result: SetData, event: string): Reply {
  if (result.size > 0) {
    ctx.db.set(dst, { type: 'set', value: result });
    ctx.notify(NotifyKind.set, event, dst);
    return reply.int(result.size);
  }
  if (ctx.db.delete(dst)) ctx.notify(NotifyKind.generic, 'del', dst);
  return reply.zero;
}

/** A set or array reply of members; a ReplyList, so a set of any size can be answered (issue 17). */
function bulksOf(members: Iterable<string>, of: Kind.Array | Kind.Set): Reply {
  const out = new ReplyList();
  for (const m of members) out.push(reply.bulk(m));
  return out.finish(of);
}

/** Looks up every key for a read; missing keys are undefined, a non-set is WRONGTYPE. */
function lookupSets(ctx: CommandContext, names: readonly string[]): (SetData | undefined)[] {
  const out: (SetData | undefined)[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = readSet(ctx, names[i]!);
  return out;
}

const keyArg = { name: 'key', type: 'key' } as const;
const keysArg = { name: 'key', type: 'key', multiple: true } as const;
const memberArg = { name: 'member', type: 'string' } as const;
const membersArg = { name: 'member', type: 'string', multiple: true } as const;
const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];
const storeSpecs = (destFlags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...destFlags), keys.rest(2, 1, 'RO', 'ACCESS')];

export const sadd = defineCommand({
  name: 'sadd',
  arity: -3,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['set'],
  keySpecs: oneKey('RW', 'INSERT'),
  docs: {
    summary: 'Adds members to a set, creating the key when needed.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    arguments: [keyArg, membersArg],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    let s = writeSet(ctx, key);
    const lim = limits(ctx);
    const hint = argv.length - 2;
    const created = s === undefined;
    // Redis sizes the new set (or converts an existing one) from the argument count first.
    if (s === undefined) s = SetData.create(argv[2]!, hint, lim);
    else s.maybeConvert(hint, lim);
    let added = 0;
    for (let i = 2; i < argv.length; i++) if (s.add(argv[i]!, lim)) added++;
    if (created) ctx.db.set(key, { type: 'set', value: s });
    else if (added > 0) ctx.keyModified(ctx.db, key);
    if (added > 0) ctx.notify(NotifyKind.set, 'sadd', key);
    return reply.int(added);
  },
});

export const srem = defineCommand({
  name: 'srem',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['set'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: {
    summary: 'Removes members from a set; the key goes when its last member does.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) where N is the number of members to be removed.',
    arguments: [keyArg, membersArg],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const s = writeSet(ctx, key);
    if (s === undefined) return reply.zero;
    let deleted = 0;
    for (let i = 2; i < argv.length; i++) {
      if (s.delete(argv[i]!)) {
        deleted++;
        if (s.size === 0) break;
      }
    }
    if (deleted > 0) {
      ctx.notify(NotifyKind.set, 'srem', key);
      afterRemoval(ctx, key, s);
    }
    return reply.int(deleted);
  },
});

export const smove = defineCommand({
  name: 'smove',
  arity: 4,
  flags: ['write', 'fast'],
  categories: ['set'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'DELETE'), keys.one(2, 'RW', 'INSERT')],
  docs: {
    summary: 'Moves a member from one set to another.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1)',
    arguments: [
      { name: 'source', type: 'key' },
      { name: 'destination', type: 'key' },
      memberArg,
    ],
  },
  run(ctx, argv) {
    const srcKey = argv[1]!;
    const dstKey = argv[2]!;
    const member = argv[3]!;
    // both lookups first (lazy expiry of both), then the type checks, as Redis
    const src = ctx.db.lookupWrite(srcKey);
    const dst = ctx.db.lookupWrite(dstKey);
    if (src === undefined) return reply.zero;
    if (src.v.type !== 'set' || (dst !== undefined && dst.v.type !== 'set')) return reply.error(errors.wrongType);
    const srcSet = src.v.value;
    if (srcKey === dstKey) return srcSet.has(member) ? reply.one : reply.zero;
    if (!srcSet.delete(member)) return reply.zero;
    ctx.notify(NotifyKind.set, 'srem', srcKey);
    afterRemoval(ctx, srcKey, srcSet);
    const lim = limits(ctx);
    if (dst === undefined) {
      const created = SetData.create(member, 1, lim);
      created.add(member, lim);
      ctx.db.set(dstKey, { type: 'set', value: created });
      ctx.notify(NotifyKind.set, 'sadd', dstKey);
    } else {
      // Redis signals (WATCH, dirty) and notifies the destination only when the member
      // was added: a destination that already had it is left untouched (t_set.c)
      if ((dst.v.value as SetData).add(member, lim)) {
        ctx.keyModified(ctx.db, dstKey);
        ctx.notify(NotifyKind.set, 'sadd', dstKey);
      }
    }
    return reply.one;
  },
});

export const sismember = defineCommand({
  name: 'sismember',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['set'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Tells whether a value is a member of a set.', since: '1.0.0', group: 'set', complexity: 'O(1)', arguments: [keyArg, memberArg] },
  run(ctx, argv) {
    const s = readSet(ctx, argv[1]!);
    return s !== undefined && s.has(argv[2]!) ? reply.one : reply.zero;
  },
});

export const smismember = defineCommand({
  name: 'smismember',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['set'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Tells, for each of several values, whether it is a member of a set.',
    since: '6.2.0',
    group: 'set',
    complexity: 'O(N) where N is the number of elements being checked for membership',
    arguments: [keyArg, membersArg],
  },
  run(ctx, argv) {
    const s = readSet(ctx, argv[1]!);
    const out: Reply[] = new Array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) out[i - 2] = s !== undefined && s.has(argv[i]!) ? reply.one : reply.zero;
    return reply.array(out);
  },
});

export const scard = defineCommand({
  name: 'scard',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['set'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many members a set has.', since: '1.0.0', group: 'set', complexity: 'O(1)', arguments: [keyArg] },
  run(ctx, argv) {
    return reply.int(readSet(ctx, argv[1]!)?.size ?? 0);
  },
});

/** Redis switches SPOP to "build the remaining set" once the remainder is this many times smaller. */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** SPOP key count: Redis's three cases, each with the reply order Redis produces. */
function spopWithCount(ctx: CommandContext, key: string, countArg: string): Reply {
  const count = readPositiveLong(countArg);
  const s = writeSet(ctx, key);
  if (s === undefined || count === 0) return reply.set([]);
  const size = s.size;
  ctx.notify(NotifyKind.set, 'spop', key);
  if (count >= size) {
    // the whole set, answered the way SUNION of the one key answers it
    const all = unionOf([s], limits(ctx));
    ctx.db.delete(key);
    ctx.notify(NotifyKind.generic, 'del', key);
    // as Redis: the whole set went, a deletion (UNLINK under lazyfree-lazy-server-del)
    if (ctx.propagation.active) ctx.propagation.replace([ctx.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
    return bulksOf(all.members(), Kind.Set);
  }
  const remaining = size - count;
  const lim = limits(ctx);
  let popped: string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    if (s.encoding === 'listpack') {
      // one ordered pass over the listpack
      popped = s.orderedSample(count);
      for (const m of popped) s.delete(m);
    } else {
      popped = new Array(count);
      for (let i = 0; i < count; i++) {
        const m = s.random();
        s.delete(m);
        popped[i] = m;
      }
    }
    ctx.keyModified(ctx.db, key);
  } else {
    // Most of the set goes: pick the members that stay into a new set, answer with the rest.
    let kept: SetData;
    if (s.encoding === 'listpack') {
      kept = SetData.empty('listpack');
      for (const m of s.orderedSample(remaining)) {
        kept.add(m, lim);
        s.delete(m);
      }
    } else {
      kept = SetData.empty(s.encoding === 'hashtable' ? 'listpack' : 'intset');
      for (let i = 0; i < remaining; i++) {
        const m = s.random();
        kept.add(m, lim);
        s.delete(m);
      }
    }
    popped = [...s.members()];
    ctx.db.set(key, { type: 'set', value: kept }, true);
  }
  if (ctx.propagation.active) propagatePopped(ctx, key, popped);
  return bulksOf(popped, Kind.Set);
}

/** Redis propagates a counted SPOP as SREMs of at most this many members each. */
const SPOP_PROPAGATION_BATCH = 1024;

/** The members a counted SPOP took, as SREM commands (the random choice is not redone). */
function propagatePopped(ctx: CommandContext, key: string, popped: string[]): void {
  const prop = ctx.propagation;
  const db = ctx.client.dbIndex;
  for (let i = 0; i < popped.length; i += SPOP_PROPAGATION_BATCH) {
    prop.also(db, ['SREM', key, ...popped.slice(i, i + SPOP_PROPAGATION_BATCH)]);
  }
  prop.prevent();
}

export const spop = defineCommand({
  name: 'spop',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['set'],
  keySpecs: oneKey('RW', 'ACCESS', 'DELETE'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Removes and returns one or more random members of a set.',
    since: '1.0.0',
    group: 'set',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
    arguments: [keyArg, { name: 'count', type: 'integer', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length === 3) return spopWithCount(ctx, argv[1]!, argv[2]!);
    if (argv.length > 3) return reply.error(errors.syntax);
    const key = argv[1]!;
    const s = writeSet(ctx, key);
    if (s === undefined) return reply.nil;
    const m = s.random();
    s.delete(m);
    ctx.notify(NotifyKind.set, 'spop', key);
    afterRemoval(ctx, key, s);
    // the member drawn, named: replay must not draw again
    if (ctx.propagation.active) ctx.propagation.replace(['SREM', key, m]);
    return reply.bulk(m);
  },
});

/** Redis builds SRANDMEMBER's distinct picks by removal once the set is at most this many times the count. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

function srandmemberWithCount(ctx: CommandContext, key: string, countArg: string): Reply {
  // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)
  const l = exactLongLong(countArg);
  if (typeof l === 'bigint' && l < -LONG_MAX) {
    return reply.error(errors.randomCountRange);
  }
  const s = readSet(ctx, key);
  if (s === undefined) return reply.emptyArray;
  const unique = l >= 0;
  const abs = unique ? l : -l;
  if (abs === 0 || abs === 0n) return reply.emptyArray;
  const count = typeof abs === 'bigint' ? Number(abs) : abs;
  const size = s.size;
  if (!unique || count === 1) {
    // bounded whatever the count (random-picks.ts)
    const resp = ctx.client.resp;
    return repeatedPicks(abs, (n) => n, MIN_ITEM_BYTES, (w) => w.write(reply.bulk(s.random()), resp));
  }
  if (count >= size) return bulksOf(s.members(), Kind.Array);
  // a listpack is sampled in one ordered pass
  if (s.encoding === 'listpack') return bulksOf(s.orderedSample(count), Kind.Array);
  // BigSet: a count may pass 2^24 on a big set (issue 17)
  const picked = new BigSet<string>();
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    const all = [...s.members()];
    for (const m of all) picked.add(m);
    for (let i = all.length - 1; picked.size > count; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = all[j]!;
      all[j] = all[i]!;
      all[i] = t;
      picked.delete(t);
    }
  } else {
    while (picked.size < count) picked.add(s.random());
  }
  return bulksOf(picked, Kind.Array);
}

export const srandmember = defineCommand({
  name: 'srandmember',
  arity: -2,
  flags: ['readonly'],
  categories: ['set'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Returns one or more random members of a set without removing them.',
    since: '1.0.0',
    group: 'set',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
    arguments: [keyArg, { name: 'count', type: 'integer', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length === 3) return srandmemberWithCount(ctx, argv[1]!, argv[2]!);
    if (argv.length > 3) return reply.error(errors.syntax);
    const s = readSet(ctx, argv[1]!);
    return s === undefined ? reply.nil : reply.bulk(s.random());
  },
});

type InterMode = { kind: 'reply' } | { kind: 'card'; limit: number } | { kind: 'store'; dst: string };

/**
 * SINTER / SMEMBERS / SINTERCARD / SINTERSTORE: the smallest set is walked (a missing key
 * makes the result empty) and each member tested against the others.
 */
function intersect(ctx: CommandContext, names: readonly string[], mode: InterMode): Reply {
  const found = lookupSets(ctx, names);
  const sets: SetData[] = [];
  for (const s of found) {
    if (s === undefined) {
      if (mode.kind === 'store') return storeResult(ctx, mode.dst, SetData.empty('intset'), 'sinterstore');
      return mode.kind === 'card' ? reply.zero : reply.set([]);
    }
    sets.push(s);
  }
  // smallest first (Array.prototype.sort is stable, as glibc's merge-sort qsort is)
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  const lim = limits(ctx);
  let dst: SetData | null = null;
  if (mode.kind === 'store') dst = SetData.empty(first.encoding === 'intset' ? 'intset' : 'listpack');
  const out: Reply[] = [];
  let card = 0;
  let onlyIntegers = true;
  for (const m of first.members()) {
    let inAll = true;
    for (let j = 1; j < sets.length; j++) {
      const other = sets[j]!;
      if (other !== first && !other.has(m)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    if (mode.kind === 'card') {
      card++;
      if (mode.limit > 0 && card >= mode.limit) break;
    } else if (dst === null) {
      out.push(reply.bulk(m));
    } else {
      if (onlyIntegers && !isIntMember(m)) onlyIntegers = false;
      dst.add(m, lim);
    }
  }
  if (mode.kind === 'card') return reply.int(card);
  if (mode.kind === 'store') {
    if (dst!.size > 0 && onlyIntegers) dst!.convertToIntsetIfFits(lim);
    return storeResult(ctx, mode.dst, dst!, 'sinterstore');
  }
  return reply.set(out);
}

/** SUNION of sets already looked up: an intset that receives every member in key order. */
function unionOf(sets: readonly (SetData | undefined)[], lim: SetLimits): SetData {
  const dst = SetData.empty('intset');
  for (const s of sets) {
    if (s === undefined) continue;
    for (const m of s.members()) dst.add(m, lim);
  }
  return dst;
}

/**
 * SDIFF: Redis picks one of two algorithms by estimated work — walk the first set testing
 * the others, or copy the first set and remove the others' members — and the choice shows
 * in the result's encoding (the copy may outgrow a listpack), so it is made the same way.
 */
function differenceOf(sets: (SetData | undefined)[], lim: SetLimits): SetData {
  const dst = SetData.empty('intset');
  const first = sets[0];
  if (first === undefined) return dst;
  for (let j = 1; j < sets.length; j++) if (sets[j] === first) return dst;
  let algoOne = 0;
  let algoTwo = 0;
  for (const s of sets) {
    if (s === undefined) continue;
    algoOne += first.size;
    algoTwo += s.size;
  }
  algoOne = Math.floor(algoOne / 2);
  if (algoOne <= algoTwo) {
    const others = sets.slice(1).filter((s): s is SetData => s !== undefined);
    // larger sets first: a shared member is likely found sooner
    others.sort((a, b) => b.size - a.size);
    for (const m of first.members()) {
      let elsewhere = false;
      for (const o of others) {
        if (o.has(m)) {
          elsewhere = true;
          break;
        }
      }
      if (!elsewhere) dst.add(m, lim);
    }
    return dst;
  }
  for (const m of first.members()) dst.add(m, lim);
  for (let j = 1; j < sets.length && dst.size > 0; j++) {
    const s = sets[j];
    if (s === undefined) continue;
    for (const m of s.members()) dst.delete(m);
  }
  return dst;
}

function unionDiff(ctx: CommandContext, names: readonly string[], op: 'union' | 'diff', dstKey?: string): Reply {
  const sets = lookupSets(ctx, names);
  const lim = limits(ctx);
  const result = op === 'union' ? unionOf(sets, lim) : differenceOf(sets, lim);
  if (dstKey === undefined) return bulksOf(result.members(), Kind.Set);
  return storeResult(ctx, dstKey, result, op === 'union' ? 'sunionstore' : 'sdiffstore');
}

export const smembers = defineCommand({
  name: 'smembers',
  arity: 2,
  flags: ['readonly'],
  categories: ['set'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output_order'],
  docs: { summary: 'Returns every member of a set.', since: '1.0.0', group: 'set', complexity: 'O(N) where N is the set cardinality.', arguments: [keyArg] },
  run(ctx, argv) {
    const s = readSet(ctx, argv[1]!);
    return s === undefined ? reply.set([]) : bulksOf(s.members(), Kind.Set);
  },
});

const multiRead = {
  arity: -2,
  flags: ['readonly'],
  categories: ['set'],
  keySpecs: [keys.rest(1, 1, 'RO', 'ACCESS')],
  tips: ['nondeterministic_output_order'],
} as const;

export const sinter = defineCommand({
  name: 'sinter',
  ...multiRead,
  docs: {
    summary: 'Returns the members common to every given set.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    arguments: [keysArg],
  },
  run: (ctx, argv) => intersect(ctx, argv.slice(1), { kind: 'reply' }),
});

export const sintercard = defineCommand({
  name: 'sintercard',
  arity: -3,
  flags: ['readonly'],
  categories: ['set'],
  keySpecs: [keys.counted(1, 'RO', 'ACCESS')],
  docs: {
    summary: 'Counts the members common to every given set, optionally stopping at a limit.',
    since: '7.0.0',
    group: 'set',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    arguments: [{ name: 'numkeys', type: 'integer' }, keysArg, { name: 'limit', type: 'integer', token: 'LIMIT', optional: true }],
  },
  run(ctx, argv) {
    const numkeys = readRangeLong(argv[1]!, 1n, LLONG_MAX, errors.numkeysPositive);
    if (numkeys > argv.length - 2) return reply.error(errors.numkeysOverArgs);
    const n = Number(numkeys);
    let limit = 0;
    for (let j = 2 + n; j < argv.length; j++) {
      if (optionWord(argv[j]!) === 'limit' && j + 1 < argv.length) {
        limit = readRangeLong(argv[++j]!, 0n, LLONG_MAX, errors.limitNegative);
      } else {
        return reply.error(errors.syntax);
      }
    }
    return intersect(ctx, argv.slice(2, 2 + n), { kind: 'card', limit });
  },
});

export const sinterstore = defineCommand({
  name: 'sinterstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['set'],
  keySpecs: storeSpecs(['RW', 'UPDATE']),
  docs: {
    summary: 'Stores the members common to every given set in a destination key.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    arguments: [{ name: 'destination', type: 'key' }, keysArg],
  },
  run: (ctx, argv) => intersect(ctx, argv.slice(2), { kind: 'store', dst: argv[1]! }),
});

export const sunion = defineCommand({
  name: 'sunion',
  ...multiRead,
  docs: { summary: 'Returns the members of any of the given sets.', since: '1.0.0', group: 'set', complexity: 'O(N) where N is the total number of elements in all given sets.', arguments: [keysArg] },
  run: (ctx, argv) => unionDiff(ctx, argv.slice(1), 'union'),
});

export const sunionstore = defineCommand({
  name: 'sunionstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['set'],
  keySpecs: storeSpecs(['OW', 'UPDATE']),
  docs: {
    summary: 'Stores the members of any of the given sets in a destination key.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    arguments: [{ name: 'destination', type: 'key' }, keysArg],
  },
  run: (ctx, argv) => unionDiff(ctx, argv.slice(2), 'union', argv[1]!),
});

export const sdiff = defineCommand({
  name: 'sdiff',
  ...multiRead,
  docs: {
    summary: 'Returns the members of the first set that are in none of the others.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    arguments: [keysArg],
  },
  run: (ctx, argv) => unionDiff(ctx, argv.slice(1), 'diff'),
});

export const sdiffstore = defineCommand({
  name: 'sdiffstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['set'],
  keySpecs: storeSpecs(['OW', 'UPDATE']),
  docs: {
    summary: 'Stores the members of the first set that are in none of the others in a destination key.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    arguments: [{ name: 'destination', type: 'key' }, keysArg],
  },
  run: (ctx, argv) => unionDiff(ctx, argv.slice(2), 'diff', argv[1]!),
});


export const sscan = defineCommand({
  name: 'sscan',
  arity: -3,
  flags: ['readonly'],
  categories: ['set'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Iterates over the members of a set, a few at a time.',
    since: '2.8.0',
    group: 'set',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    arguments: [keyArg, ...scanDocArguments],
  },
  run(ctx, argv) {
    const cursor = parseScanCursor(argv[2]!);
    if (cursor === null) return reply.error(errors.invalidCursor);
    const s = readSet(ctx, argv[1]!);
    if (s === undefined) return EMPTY_SCAN;
    const { count, match } = parseScanOptions(argv, 3);
    const found: Reply[] = [];
    const visit = (m: string) => {
      if (match === null || match(m)) found.push(reply.bulk(m));
    };
    let next = 0;
    if (s.encoding !== 'hashtable') {
      // Redis answers an intset or listpack in one reply, whatever the cursor and COUNT.
      for (const m of s.members()) visit(m);
    } else {
      const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
      next = s.scan(start, count, visit);
    }
    return reply.array([reply.bulk(String(next)), reply.array(found)]);
  },
});

export const setCommands: CommandDefinition[] = [
  sadd,
  srem,
  smove,
  sismember,
  smismember,
  scard,
  spop,
  srandmember,
  smembers,
  sinter,
  sintercard,
  sinterstore,
  sunion,
  sunionstore,
  sdiff,
  sdiffstore,
  sscan,
];
