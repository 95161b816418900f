/**
 * List commands (t_list.c of Redis 7.2). Argument checks run in Redis's order (indexes
 * and counts parsed before or after the key lookup exactly where Redis does so), error
 * texts are Redis's, an emptied list is deleted, and keyspace events carry Redis's names.
 * The listpack/quicklist encoding is modelled by ListData with 7.2's conversion points:
 * "growing" checks before elements are added, "shrinking" checks after they are removed.
 *
 * Blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) first try to serve at
 * once; otherwise they wait through the blocking registry (server/blocking.ts), which
 * re-executes them when one of their keys receives a list.
 */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { readLongLong, readPositiveLong, readRangeLong } from '../command-model/argument-reader.js';
import { ListData } from '../types/list.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { parseTimeout } from '../command-model/timeout-argument.js';
import type { CommandContext } from '../command-context/context.js';

const LONG_MAX = 9223372036854775807n;

type Where = 'head' | 'tail';

function readList(ctx: CommandContext, key: string): ListData | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'list') throw new CommandError(errors.wrongType);
  return e.v.value;
}

function writeList(ctx: CommandContext, key: string): ListData | undefined {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'list') throw new CommandError(errors.wrongType);
  return e.v.value;
}

function fill(ctx: CommandContext): number {
  return ctx.config.int('list-max-listpack-size');
}

function whereArg(s: string): Where {
  const w = s.toLowerCase();
  if (w === 'left') return 'head';
  if (w === 'right') return 'tail';
  throw new CommandError(errors.syntax);
}

/** Sum of raw lengths of argv[from..] (what 7.2 adds to lpBytes when testing for conversion). */
function rawBytes(argv: string[], from: number, to = argv.length - 1): number {
  let n = 0;
  for (let i = from; i <= to; i++) n += argv[i]!.length;
  return n;
}

/**
 * listElementsRemoved: the pop event, then either the key's deletion (and "del") or the
 * shrinking conversion check; the key is announced as modified either way.
 */
function elementsRemoved(ctx: CommandContext, key: string, where: Where, l: ListData): void {
  ctx.notify(NotifyKind.list, where === 'head' ? 'lpop' : 'rpop', key);
  if (l.length === 0) {
    ctx.db.delete(key);
    ctx.notify(NotifyKind.generic, 'del', key);
  } else {
    l.afterShrink(fill(ctx));
    ctx.keyModified(ctx.db, key);
  }
}

/** Pops up to `count` elements from one end, in pop order. */
function popRange(l: ListData, where: Where, count: number): Reply {
  const n = Math.min(count, l.length);
  const out: Reply[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = reply.bulk((where === 'head' ? l.popHead() : l.popTail())!);
  return reply.array(out);
}

const keyArg = { name: 'key', type: 'key' } as const;
const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];

// ---- push ----

function pushGeneric(ctx: CommandContext, argv: string[], where: Where, onlyExisting: boolean): Reply {
  const key = argv[1]!;
  let l = writeList(ctx, key);
  const created = l === undefined;
  if (l === undefined) {
    if (onlyExisting) return reply.zero;
    l = new ListData();
  }
  const f = fill(ctx);
  l.beforeGrow(f, rawBytes(argv, 2), argv.length - 2);
  if (where === 'head') for (let i = 2; i < argv.length; i++) l.pushHead(argv[i]!, f);
  else for (let i = 2; i < argv.length; i++) l.pushTail(argv[i]!, f);
  if (created) ctx.db.set(key, { type: 'list', value: l });
  else ctx.keyModified(ctx.db, key);
  ctx.notify(NotifyKind.list, where === 'head' ? 'lpush' : 'rpush', key);
  return reply.int(l.length);
}

const pushSpec = {
  flags: ['write', 'denyoom', 'fast'],
  categories: ['list'],
  keySpecs: oneKey('RW', 'INSERT'),
  arity: -3,
} as const;
const elementsArg = { name: 'element', type: 'string', multiple: true } as const;

export const lpush = defineCommand({
  name: 'lpush',
  ...pushSpec,
  docs: { summary: 'Prepends elements to a list, creating it when needed.', since: '1.0.0', group: 'list', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', arguments: [keyArg, elementsArg] },
  run: (ctx, argv) => pushGeneric(ctx, argv, 'head', false),
});

export const rpush = defineCommand({
  name: 'rpush',
  ...pushSpec,
  docs: { summary: 'Appends elements to a list, creating it when needed.', since: '1.0.0', group: 'list', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', arguments: [keyArg, elementsArg] },
  run: (ctx, argv) => pushGeneric(ctx, argv, 'tail', false),
});

export const lpushx = defineCommand({
  name: 'lpushx',
  ...pushSpec,
  docs: { summary: 'Prepends elements to a list only when the list exists.', since: '2.2.0', group: 'list', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', arguments: [keyArg, elementsArg] },
  run: (ctx, argv) => pushGeneric(ctx, argv, 'head', true),
});

export const rpushx = defineCommand({
  name: 'rpushx',
  ...pushSpec,
  docs: { summary: 'Appends elements to a list only when the list exists.', since: '2.2.0', group: 'list', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', arguments: [keyArg, elementsArg] },
  run: (ctx, argv) => pushGeneric(ctx, argv, 'tail', true),
});

// ---- pop ----

function popGeneric(ctx: CommandContext, argv: string[], where: Where): Reply {
  if (argv.length > 3) return reply.error(errors.wrongArgs(ctx.command.fullName));
  const hasCount = argv.length === 3;
  const count = hasCount ? readPositiveLong(argv[2]!) : 0;
  const key = argv[1]!;
  const l = writeList(ctx, key);
  if (l === undefined) return hasCount ? reply.nilArray : reply.nil;
  if (hasCount && count === 0) return reply.emptyArray;
  let out: Reply;
  if (!hasCount) out = reply.bulk((where === 'head' ? l.popHead() : l.popTail())!);
  else out = popRange(l, where, count);
  elementsRemoved(ctx, key, where, l);
  return out;
}

const popSpec = { arity: -2, flags: ['write', 'fast'], categories: ['list'], keySpecs: oneKey('RW', 'ACCESS', 'DELETE') } as const;
const countArg = { name: 'count', type: 'integer', optional: true } as const;

export const lpop = defineCommand({
  name: 'lpop',
  ...popSpec,
  docs: { summary: 'Removes and returns the first elements of a list; the key goes with its last element.', since: '1.0.0', group: 'list', complexity: 'O(N) where N is the number of elements returned', arguments: [keyArg, countArg] },
  run: (ctx, argv) => popGeneric(ctx, argv, 'head'),
});

export const rpop = defineCommand({
  name: 'rpop',
  ...popSpec,
  docs: { summary: 'Removes and returns the last elements of a list; the key goes with its last element.', since: '1.0.0', group: 'list', complexity: 'O(N) where N is the number of elements returned', arguments: [keyArg, countArg] },
  run: (ctx, argv) => popGeneric(ctx, argv, 'tail'),
});

// ---- reads ----

export const llen = defineCommand({
  name: 'llen',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['list'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many elements a list has.', since: '1.0.0', group: 'list', complexity: 'O(1)', arguments: [keyArg] },
  run: (ctx, argv) => reply.int(readList(ctx, argv[1]!)?.length ?? 0),
});

export const lindex = defineCommand({
  name: 'lindex',
  arity: 3,
  flags: ['readonly'],
  categories: ['list'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the element at an index of a list (negative indexes count from the end).', since: '1.0.0', group: 'list', complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', arguments: [keyArg, { name: 'index', type: 'integer' }] },
  run(ctx, argv) {
    const l = readList(ctx, argv[1]!);
    if (l === undefined) return reply.nil;
    const i = l.resolve(readLongLong(argv[2]!));
    return i === -1 ? reply.nil : reply.bulk(l.at(i));
  },
});

/** Converts LRANGE/LTRIM indexes as Redis: [start, end] clamped, or null for an empty range. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

export const lrange = defineCommand({
  name: 'lrange',
  arity: 4,
  flags: ['readonly'],
  categories: ['list'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns a range of elements of a list (inclusive, negative indexes count from the end).', since: '1.0.0', group: 'list', complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', arguments: [keyArg, { name: 'start', type: 'integer' }, { name: 'stop', type: 'integer' }] },
  run(ctx, argv) {
    const start = readLongLong(argv[2]!);
    const end = readLongLong(argv[3]!);
    const l = readList(ctx, argv[1]!);
    if (l === undefined) return reply.emptyArray;
    const r = clampRange(start, end, l.length);
    if (r === null) return reply.emptyArray;
    // element by element into a ReplyList: a range of any length can be answered (issue 17)
    const out = new ReplyList();
    for (let i = r[0]; i <= r[1]; i++) out.push(reply.bulk(l.at(i)));
    return out.finish(Kind.Array);
  },
});

export const lpos = defineCommand({
  name: 'lpos',
  arity: -3,
  flags: ['readonly'],
  categories: ['list'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the positions of an element in a list: the first, the Nth match (RANK), several (COUNT), scanning at most MAXLEN elements.',
    since: '6.0.6',
    group: 'list',
    complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
    arguments: [
      keyArg,
      { name: 'element', type: 'string' },
      { name: 'rank', type: 'integer', token: 'RANK', optional: true },
      { name: 'num-matches', type: 'integer', token: 'COUNT', optional: true },
      { name: 'len', type: 'integer', token: 'MAXLEN', optional: true },
    ],
  },
  run(ctx, argv) {
    const ele = argv[2]!;
    let rank = 1;
    let count = -1;
    let maxlen = 0;
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j]!.toLowerCase();
      const more = j < argv.length - 1;
      if (opt === 'rank' && more) {
        rank = readRangeLong(argv[++j]!, -LONG_MAX, LONG_MAX);
        if (rank === 0) {
          return reply.error(errors.lposRankZero);
        }
      } else if (opt === 'count' && more) {
        count = readPositiveLong(argv[++j]!, errors.lposCountNegative);
      } else if (opt === 'maxlen' && more) {
        maxlen = readPositiveLong(argv[++j]!, errors.lposMaxlenNegative);
      } else {
        return reply.error(errors.syntax);
      }
    }
    const fromTail = rank < 0;
    if (fromTail) rank = -rank;
    const l = readList(ctx, argv[1]!);
    if (l === undefined) return count !== -1 ? reply.emptyArray : reply.nil;
    const len = l.length;
    const found: Reply[] = [];
    let matches = 0;
    let single = -1;
    const limit = maxlen === 0 ? len : Math.min(len, maxlen);
    for (let index = 0; index < limit; index++) {
      const pos = fromTail ? len - index - 1 : index;
      if (l.at(pos) !== ele) continue;
      matches++;
      if (matches < rank) continue;
      if (count === -1) {
        single = pos;
        break;
      }
      found.push(reply.int(pos));
      if (count !== 0 && matches - rank + 1 >= count) break;
    }
    if (count !== -1) return reply.array(found);
    return single === -1 ? reply.nil : reply.int(single);
  },
});

// ---- in-place writes ----

export const lset = defineCommand({
  name: 'lset',
  arity: 4,
  flags: ['write', 'denyoom'],
  categories: ['list'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: { summary: 'Replaces the element at an index of a list.', since: '1.0.0', group: 'list', complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', arguments: [keyArg, { name: 'index', type: 'integer' }, { name: 'element', type: 'string' }] },
  run(ctx, argv) {
    const key = argv[1]!;
    const l = writeList(ctx, key);
    if (l === undefined) return reply.error(errors.noSuchKey);
    const index = readLongLong(argv[2]!);
    const f = fill(ctx);
    // as 7.2, the growing check runs before the index is known to be valid
    l.beforeGrow(f, argv[3]!.length, 1);
    const i = l.resolve(index);
    if (i === -1) return reply.error(errors.outOfRange);
    l.set(i, argv[3]!);
    l.afterShrink(f);
    ctx.keyModified(ctx.db, key);
    ctx.notify(NotifyKind.list, 'lset', key);
    return reply.ok;
  },
});

export const ltrim = defineCommand({
  name: 'ltrim',
  arity: 4,
  flags: ['write'],
  categories: ['list'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: { summary: 'Keeps only a range of elements of a list, deleting the rest.', since: '1.0.0', group: 'list', complexity: 'O(N) where N is the number of elements to be removed by the operation.', arguments: [keyArg, { name: 'start', type: 'integer' }, { name: 'stop', type: 'integer' }] },
  run(ctx, argv) {
    const start = readLongLong(argv[2]!);
    const end = readLongLong(argv[3]!);
    const key = argv[1]!;
    const l = writeList(ctx, key);
    if (l === undefined) return reply.ok;
    const len = l.length;
    const r = clampRange(start, end, len);
    const left = r === null ? len : r[0];
    const right = r === null ? 0 : len - r[1] - 1;
    l.trim(left, right);
    ctx.notify(NotifyKind.list, 'ltrim', key);
    if (l.length === 0) {
      ctx.db.delete(key);
      ctx.notify(NotifyKind.generic, 'del', key);
    } else {
      l.afterShrink(fill(ctx));
      ctx.keyModified(ctx.db, key);
    }
    return reply.ok;
  },
});

export const lrem = defineCommand({
  name: 'lrem',
  arity: 4,
  flags: ['write'],
  categories: ['list'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: { summary: 'Removes occurrences of an element from a list: the first N (N > 0), the last N (N < 0) or all (0).', since: '1.0.0', group: 'list', complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.', arguments: [keyArg, { name: 'count', type: 'integer' }, { name: 'element', type: 'string' }] },
  run(ctx, argv) {
    let toRemove = readRangeLong(argv[2]!, -LONG_MAX, LONG_MAX);
    const ele = argv[3]!;
    const key = argv[1]!;
    const l = writeList(ctx, key);
    if (l === undefined) return reply.zero;
    const positions: number[] = [];
    const len = l.length;
    if (toRemove < 0) {
      toRemove = -toRemove;
      for (let i = len - 1; i >= 0; i--) {
        if (l.at(i) === ele) {
          positions.push(i);
          if (positions.length === toRemove) break;
        }
      }
      positions.reverse();
    } else {
      for (let i = 0; i < len; i++) {
        if (l.at(i) === ele) {
          positions.push(i);
          if (positions.length === toRemove) break;
        }
      }
    }
    if (positions.length > 0) {
      l.removePositions(positions);
      ctx.notify(NotifyKind.list, 'lrem', key);
      if (l.length === 0) {
        ctx.db.delete(key);
        ctx.notify(NotifyKind.generic, 'del', key);
      } else {
        l.afterShrink(fill(ctx));
        ctx.keyModified(ctx.db, key);
      }
    }
    return reply.int(positions.length);
  },
});

export const linsert = defineCommand({
  name: 'linsert',
  arity: 5,
  flags: ['write', 'denyoom'],
  categories: ['list'],
  keySpecs: oneKey('RW', 'INSERT'),
  docs: {
    summary: 'Inserts an element before or after the first occurrence of a pivot element in a list.',
    since: '2.2.0',
    group: 'list',
    complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).',
    arguments: [
      keyArg,
      { name: 'where', type: 'oneof', arguments: [{ name: 'before', type: 'pure-token', token: 'BEFORE' }, { name: 'after', type: 'pure-token', token: 'AFTER' }] },
      { name: 'pivot', type: 'string' },
      { name: 'element', type: 'string' },
    ],
  },
  run(ctx, argv) {
    const w = argv[2]!.toLowerCase();
    let after: boolean;
    if (w === 'after') after = true;
    else if (w === 'before') after = false;
    else return reply.error(errors.syntax);
    const key = argv[1]!;
    const l = writeList(ctx, key);
    if (l === undefined) return reply.zero;
    const f = fill(ctx);
    // 7.2 converts before searching, whether or not the pivot is found
    l.beforeGrow(f, argv[4]!.length, 1);
    const pivot = argv[3]!;
    const len = l.length;
    let at = -1;
    for (let i = 0; i < len; i++) {
      if (l.at(i) === pivot) {
        at = i;
        break;
      }
    }
    if (at === -1) return reply.int(-1);
    l.insert(after ? at + 1 : at, argv[4]!, f, after);
    ctx.keyModified(ctx.db, key);
    ctx.notify(NotifyKind.list, 'linsert', key);
    return reply.int(l.length);
  },
});

// ---- moves ----

/** lmoveGenericCommand: nil when the source is missing; WRONGTYPE for either key. */
function moveGeneric(ctx: CommandContext, src: string, dst: string, from: Where, to: Where): Reply {
  const sl = writeList(ctx, src);
  if (sl === undefined) return reply.nil;
  let dl = writeList(ctx, dst);
  const value = (from === 'head' ? sl.popHead() : sl.popTail())!;
  const created = dl === undefined;
  if (dl === undefined) dl = new ListData();
  const f = fill(ctx);
  dl.beforeGrow(f, value.length, 1);
  if (to === 'head') dl.pushHead(value, f);
  else dl.pushTail(value, f);
  if (created) ctx.db.set(dst, { type: 'list', value: dl });
  else ctx.keyModified(ctx.db, dst);
  // Redis's lmoveHandlePush signals the destination without counting it in server.dirty:
  // a move counts one change, the pop's (INFO rdb_changes_since_last_save)
  ctx.services.keyspace.addDirty(-1);
  ctx.notify(NotifyKind.list, to === 'head' ? 'lpush' : 'rpush', dst);
  elementsRemoved(ctx, src, from, sl);
  return reply.bulk(value);
}

const moveKeySpecs: KeySpec[] = [keys.one(1, 'RW', 'ACCESS', 'DELETE'), keys.one(2, 'RW', 'INSERT')];
const directionArg = (name: string) =>
  ({ name, type: 'oneof', arguments: [{ name: 'left', type: 'pure-token', token: 'LEFT' }, { name: 'right', type: 'pure-token', token: 'RIGHT' }] }) as const;

export const lmove = defineCommand({
  name: 'lmove',
  arity: 5,
  flags: ['write', 'denyoom'],
  categories: ['list'],
  keySpecs: moveKeySpecs,
  docs: { summary: 'Pops an element from one end of a list and pushes it onto an end of another (or the same) list.', since: '6.2.0', group: 'list', complexity: 'O(1)', arguments: [{ name: 'source', type: 'key' }, { name: 'destination', type: 'key' }, directionArg('wherefrom'), directionArg('whereto')] },
  run(ctx, argv) {
    const from = whereArg(argv[3]!);
    const to = whereArg(argv[4]!);
    return moveGeneric(ctx, argv[1]!, argv[2]!, from, to);
  },
});

export const rpoplpush = defineCommand({
  name: 'rpoplpush',
  arity: 3,
  flags: ['write', 'denyoom'],
  categories: ['list'],
  keySpecs: moveKeySpecs,
  docs: { summary: 'Pops the last element of a list and pushes it onto the head of another (or the same) list.', since: '1.2.0', group: 'list', complexity: 'O(1)', deprecatedSince: '6.2.0', replacedBy: '`LMOVE` with the `RIGHT` and `LEFT` arguments', arguments: [{ name: 'source', type: 'key' }, { name: 'destination', type: 'key' }] },
  run: (ctx, argv) => moveGeneric(ctx, argv[1]!, argv[2]!, 'tail', 'head'),
});

// ---- multi-key pops ----

interface MpopArgs {
  keys: string[];
  where: Where;
  count: number;
}

/** LMPOP/BLMPOP argument parsing: numkeys, keys, LEFT|RIGHT, [COUNT n]. */
function parseMpop(argv: string[], numkeysIdx: number): MpopArgs {
  const numkeys = readRangeLong(argv[numkeysIdx]!, 1n, LONG_MAX, errors.numkeysPositive);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new CommandError(errors.syntax);
  const where = whereArg(argv[whereIdx]!);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = j < argv.length - 1;
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && more) {
      count = readRangeLong(argv[++j]!, 1n, LONG_MAX, errors.countPositive);
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), where, count: count === -1 ? 1 : count };
}

/** The first non-empty list among `keys`, popped: [key, [elements]] (or [key, element] for single pops). */
function popFirst(ctx: CommandContext, keyList: readonly string[], where: Where, count: number): Reply | null {
  for (const key of keyList) {
    const l = writeList(ctx, key);
    if (l === undefined || l.length === 0) continue;
    // as Redis: a pop from the first non-empty list goes out as the plain pop it was
    // (B)LPOP/BRPOP as [LR]POP key, (B)LMPOP as [LR]POP key <count taken>
    if (ctx.propagation.active) {
      const pop = where === 'head' ? 'LPOP' : 'RPOP';
      ctx.propagation.replace(count === -1 ? [pop, key] : [pop, key, String(Math.min(count, l.length))]);
    }
    let out: Reply;
    if (count === -1) out = reply.array([reply.bulk(key), reply.bulk((where === 'head' ? l.popHead() : l.popTail())!)]);
    else out = reply.array([reply.bulk(key), popRange(l, where, count)]);
    elementsRemoved(ctx, key, where, l);
    return out;
  }
  return null;
}

export const lmpop = defineCommand({
  name: 'lmpop',
  arity: -4,
  flags: ['write'],
  categories: ['list'],
  keySpecs: [keys.counted(1, 'RW', 'ACCESS', 'DELETE')],
  docs: {
    summary: 'Pops elements from the first non-empty list of several, from its head or tail.',
    since: '7.0.0',
    group: 'list',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    arguments: [{ name: 'numkeys', type: 'integer' }, { name: 'key', type: 'key', multiple: true }, directionArg('where'), { name: 'count', type: 'integer', token: 'COUNT', optional: true }],
  },
  run(ctx, argv) {
    const a = parseMpop(argv, 1);
    return popFirst(ctx, a.keys, a.where, a.count) ?? reply.nilArray;
  },
});

// ---- blocking ----

function blockingPop(ctx: CommandContext, argv: string[], keyList: string[], where: Where, timeoutIdx: number, count: number): Reply | null {
  const deadline = parseTimeout(argv[timeoutIdx]!, ctx.now, 'seconds');
  const served = popFirst(ctx, keyList, where, count);
  if (served !== null) return served;
  return ctx.services.keyspace.blocking.block(ctx, { argv, keys: keyList, type: 'list', deadline, timeoutReply: reply.nilArray });
}

const blockingPopSpec = {
  arity: -3,
  // not noscript (Redis 7.2 removed it; 7.0 had it): in a script they answer at once
  flags: ['write', 'blocking'],
  categories: ['list'],
  keySpecs: [keys.range(1, -2, 1, 'RW', 'ACCESS', 'DELETE')],
} as const;
const timeoutArg = { name: 'timeout', type: 'double' } as const;

export const blpop = defineCommand({
  name: 'blpop',
  ...blockingPopSpec,
  docs: { summary: 'Pops the first element of the first non-empty list among several, waiting for one when all are empty.', since: '2.0.0', group: 'list', complexity: 'O(N) where N is the number of provided keys.', arguments: [{ name: 'key', type: 'key', multiple: true }, timeoutArg] },
  run: (ctx, argv) => blockingPop(ctx, argv, argv.slice(1, -1), 'head', argv.length - 1, -1),
});

export const brpop = defineCommand({
  name: 'brpop',
  ...blockingPopSpec,
  docs: { summary: 'Pops the last element of the first non-empty list among several, waiting for one when all are empty.', since: '2.0.0', group: 'list', complexity: 'O(N) where N is the number of provided keys.', arguments: [{ name: 'key', type: 'key', multiple: true }, timeoutArg] },
  run: (ctx, argv) => blockingPop(ctx, argv, argv.slice(1, -1), 'tail', argv.length - 1, -1),
});

function blockingMove(ctx: CommandContext, argv: string[], from: Where, to: Where, deadline: number): Reply | null {
  const src = argv[1]!;
  if (writeList(ctx, src) !== undefined) {
    // the move that happened, without the wait (BRPOPLPUSH as RPOPLPUSH, BLMOVE as LMOVE)
    if (ctx.propagation.active) {
      ctx.propagation.replace(argv.length === 4 ? ['RPOPLPUSH', src, argv[2]!] : ['LMOVE', src, argv[2]!, argv[3]!, argv[4]!]);
    }
    return moveGeneric(ctx, src, argv[2]!, from, to);
  }
  return ctx.services.keyspace.blocking.block(ctx, { argv, keys: [src], type: 'list', deadline, timeoutReply: reply.nilArray, deniedReply: reply.nil });
}

export const blmove = defineCommand({
  name: 'blmove',
  arity: 6,
  flags: ['write', 'denyoom', 'blocking'],
  categories: ['list'],
  keySpecs: moveKeySpecs,
  docs: { summary: 'Moves an element from one list to another like LMOVE, waiting for one when the source is empty.', since: '6.2.0', group: 'list', complexity: 'O(1)', arguments: [{ name: 'source', type: 'key' }, { name: 'destination', type: 'key' }, directionArg('wherefrom'), directionArg('whereto'), timeoutArg] },
  run(ctx, argv) {
    const from = whereArg(argv[3]!);
    const to = whereArg(argv[4]!);
    const deadline = parseTimeout(argv[5]!, ctx.now, 'seconds');
    return blockingMove(ctx, argv, from, to, deadline);
  },
});

export const brpoplpush = defineCommand({
  name: 'brpoplpush',
  arity: 4,
  flags: ['write', 'denyoom', 'blocking'],
  categories: ['list'],
  keySpecs: moveKeySpecs,
  docs: { summary: 'Moves the last element of a list to the head of another, waiting for one when the source is empty.', since: '2.2.0', group: 'list', complexity: 'O(1)', deprecatedSince: '6.2.0', replacedBy: '`BLMOVE` with the `RIGHT` and `LEFT` arguments', arguments: [{ name: 'source', type: 'key' }, { name: 'destination', type: 'key' }, timeoutArg] },
  run(ctx, argv) {
    const deadline = parseTimeout(argv[3]!, ctx.now, 'seconds');
    return blockingMove(ctx, argv, 'tail', 'head', deadline);
  },
});

export const blmpop = defineCommand({
  name: 'blmpop',
  arity: -5,
  flags: ['write', 'blocking'],
  categories: ['list'],
  keySpecs: [keys.counted(2, 'RW', 'ACCESS', 'DELETE')],
  docs: {
    summary: 'Pops elements from the first non-empty list of several like LMPOP, waiting for one when all are empty.',
    since: '7.0.0',
    group: 'list',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    arguments: [timeoutArg, { name: 'numkeys', type: 'integer' }, { name: 'key', type: 'key', multiple: true }, directionArg('where'), { name: 'count', type: 'integer', token: 'COUNT', optional: true }],
  },
  run(ctx, argv) {
    const a = parseMpop(argv, 2);
    return blockingPop(ctx, argv, a.keys, a.where, 1, a.count);
  },
});

export const listCommands: CommandDefinition[] = [
  lpush,
  rpush,
  lpushx,
  rpushx,
  lpop,
  rpop,
  llen,
  lindex,
  lset,
  lrange,
  ltrim,
  lrem,
  linsert,
  lpos,
  lmove,
  rpoplpush,
  lmpop,
  blpop,
  brpop,
  blmove,
  brpoplpush,
  blmpop,
];
