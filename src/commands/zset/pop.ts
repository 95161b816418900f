/**
 * ZPOPMIN/ZPOPMAX/ZMPOP as building blocks (genericZpopCommand): finding the first
 * non-empty key, popping with events and key deletion, and the reply shapes. The
 * blocking variants (BZPOPMIN/BZPOPMAX/BZMPOP) are meant to reuse these.
 */
import { reply, type Reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import type { SortedSet } from '../../types/sorted-set.js';
import { optionWord } from '../keyspace-args.js';
import { readRangeLong } from '../../command-model/argument-reader.js';
import { LLONG_MAX } from '../../protocol/number-format.js';
import { writeZset } from './common.js';
import type { CommandContext } from '../../command-context/context.js';

export type PopEnd = 'min' | 'max';

/**
 * Pops up to `count` members from one end of the (non-empty) sorted set at `key`, with
 * the zpopmin/zpopmax event, and deletes the key when emptied ("del" event).
 */
export function zpopFrom(ctx: CommandContext, key: string, z: SortedSet, where: PopEnd, count: number): [string, number][] {
  const n = Math.min(count, z.size);
  const out: [string, number][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = where === 'max' ? z.size - 1 : 0;
    const member = z.memberAt(r);
    out[i] = [member, z.scoreAt(r)];
    z.delete(member);
  }
  ctx.notify(NotifyKind.zset, where === 'max' ? 'zpopmax' : 'zpopmin', key);
  if (z.size === 0) {
    ctx.db.delete(key);
    ctx.notify(NotifyKind.generic, 'del', key);
  } else {
    ctx.keyModified(ctx.db, key);
  }
  return out;
}

/**
 * A pop from the first of several keys (ZMPOP, BZPOPMIN/MAX, BZMPOP) goes out as the plain
 * ZPOPMIN/ZPOPMAX of the key it took from, as Redis: with the count taken when the
 * command had one, so replay neither searches nor waits.
 */
export function propagateZpop(ctx: CommandContext, key: string, where: PopEnd, taken: number, withCount: boolean): void {
  const pop = where === 'max' ? 'ZPOPMAX' : 'ZPOPMIN';
  ctx.propagation.replace(withCount ? [pop, key, String(taken)] : [pop, key]);
}

/**
 * The first existing key among `keys` holding a sorted set (WRONGTYPE when the first
 * existing one holds something else), or null when none exists.
 */
export function firstZsetKey(ctx: CommandContext, keyList: readonly string[]): { key: string; z: SortedSet } | null {
  for (const key of keyList) {
    const z = writeZset(ctx, key);
    if (z !== undefined) return { key, z };
  }
  return null;
}

/** Reply shapes of genericZpopCommand. */
export interface PopShape {
  /** the key name is part of the reply (BZPOPMIN/MAX, ZMPOP, BZMPOP) */
  emitKey: boolean;
  /** member/score pairs as 2-element arrays (RESP3 ZPOPMIN with COUNT, ZMPOP, BZMPOP) */
  nested: boolean;
}

/** The reply for members popped from `key` in the given shape. */
export function zpopReply(key: string, popped: readonly [string, number][], shape: PopShape): Reply {
  const items: Reply[] = [];
  for (const [m, s] of popped) {
    if (shape.nested) items.push(reply.array([reply.bulk(m), reply.double(s)]));
    else items.push(reply.bulk(m), reply.double(s));
  }
  if (!shape.emitKey) return reply.array(items);
  if (shape.nested) return reply.array([reply.bulk(key), reply.array(items)]);
  return reply.array([reply.bulk(key), ...items]);
}

/**
 * genericZpopCommand: pops from the first existing key. `count` -1 means a plain single
 * pop. With no candidate the reply is a null array when `nilWhenEmpty` (ZMPOP), an
 * empty array otherwise.
 */
export function zpopGeneric(ctx: CommandContext, keyList: readonly string[], where: PopEnd, count: number, shape: PopShape, nilWhenEmpty: boolean): Reply {
  const found = firstZsetKey(ctx, keyList);
  if (found === null) return nilWhenEmpty ? reply.nilArray : reply.emptyArray;
  if (count === 0) return reply.emptyArray;
  const popped = zpopFrom(ctx, found.key, found.z, where, count === -1 ? 1 : count);
  if (shape.emitKey && ctx.propagation.active) propagateZpop(ctx, found.key, where, popped.length, true);
  return zpopReply(found.key, popped, shape);
}

/** ZMPOP/BZMPOP arguments after the numkeys index: the keys, MIN|MAX, COUNT. */
export function parseZmpopArgs(argv: string[], numkeysIdx: number): { keys: string[]; where: PopEnd; count: number } {
  const numkeys = readRangeLong(argv[numkeysIdx]!, 1n, LLONG_MAX, errors.numkeysPositive);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new CommandError(errors.syntax);
  const w = optionWord(argv[whereIdx]!);
  if (w !== 'min' && w !== 'max') throw new CommandError(errors.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && optionWord(argv[j]!) === 'count' && j + 1 < argv.length) {
      count = readRangeLong(argv[++j]!, 1n, LLONG_MAX, errors.countPositive);
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), where: w, count: count === -1 ? 1 : count };
}
