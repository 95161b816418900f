/**
 * The ZRANGE family (zrangeGenericCommand): ZRANGE [BYSCORE|BYLEX] [REV] [LIMIT], ZRANGESTORE
 * and the older ZREVRANGE / Z[REV]RANGEBYSCORE / Z[REV]RANGEBYLEX, through one result sink.
 */
import { defineCommand, keys } from '../../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { createZset, PLAIN, readZset, zsetAdd } from './common.js';
import { SortedSet, scoreGteMin, scoreLteMax, lexGteMin, lexLteMax, type ScoreRange, type LexRange } from '../../types/sorted-set.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { parseLexRange, parseScoreRange } from './args.js';
import { readLongLong } from '../../command-model/argument-reader.js';
import type { CommandContext } from '../../command-context/context.js';
import { oneKey, keyArg, group } from './spec-args.js';

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/** Where a range goes: to the client, or into a destination sorted set (ZRANGESTORE). */
interface RangeSink {
  /** `hint` is the result size when known in advance, -1 otherwise */
  begin(hint: number): void;
  emit(member: string, score: number): void;
  finish(): Reply;
}

/** Replies into a ReplyList: a range of any length can be answered (issue 17). */
export class ClientSink implements RangeSink {
  private readonly out = new ReplyList();
  constructor(
    private readonly withScores: boolean,
    private readonly resp3: boolean,
  ) {}
  begin(): void {}
  emit(member: string, score: number): void {
    if (!this.withScores) this.out.push(reply.bulk(member));
    else if (this.resp3) this.out.push(reply.array([reply.bulk(member), reply.double(score)]));
    else {
      this.out.push(reply.bulk(member));
      this.out.push(reply.double(score));
    }
  }
  finish(): Reply {
    return this.out.finish(Kind.Array);
  }
}

class StoreSink implements RangeSink {
  private z: SortedSet | null = null;
  private count = 0;
  constructor(
    private readonly ctx: CommandContext,
    private readonly dst: string,
  ) {}
  begin(hint: number): void {
    // The size hint picks the encoding up front as zsetTypeCreate does. An unknown size
    // (BYSCORE/BYLEX) counts as 0: Redis 7.2's code passed -1 here, which made every such
    // destination a skiplist from the start, a bug redis#13148 fixed; Redoubt follows the
    // fix (which is also what the 7.0 oracle does).
    this.z = createZset(this.ctx, hint >= 0 ? hint : 0, 0);
  }
  emit(member: string, score: number): void {
    zsetAdd(this.ctx, this.z!, score, member, PLAIN, { score: 0 });
    this.count++;
  }
  finish(): Reply {
    const ctx = this.ctx;
    if (this.count > 0) {
      ctx.db.set(this.dst, { type: 'zset', value: this.z! });
      ctx.notify(NotifyKind.zset, 'zrangestore', this.dst);
      return reply.int(this.count);
    }
    if (ctx.db.delete(this.dst)) ctx.notify(NotifyKind.generic, 'del', this.dst);
    return reply.zero;
  }
}

function rangeByRank(sink: RangeSink, z: SortedSet, start: number, end: number, reverse: boolean): void {
  const llen = z.size;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    sink.begin(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  let n = end - start + 1;
  sink.begin(n);
  z.walk(reverse ? llen - 1 - start : start, reverse, (m, s) => {
    sink.emit(m, s);
    return --n > 0;
  });
}

/**
 * Emits from the range's first entry (rank `first`, -1 for none), skipping `offset`
 * entries without checking them (by rank, not one by one), then at most `limit` entries
 * (negative: no limit) while `inRange` holds.
 */
function emitRange(sink: RangeSink, z: SortedSet, first: number, offset: number, limit: number, reverse: boolean, inRange: (m: string, s: number) => boolean): void {
  if (first < 0) return;
  const start = first + (reverse ? -offset : offset);
  if (start < 0 || start >= z.size || limit === 0) return;
  z.walk(start, reverse, (m, s) => {
    if (!inRange(m, s)) return false;
    sink.emit(m, s);
    return --limit !== 0;
  });
}

function rangeByScore(sink: RangeSink, z: SortedSet, r: ScoreRange, offset: number, limit: number, reverse: boolean): void {
  sink.begin(-1);
  // a negative offset walks off the end in Redis's loop: nothing is returned
  if (offset < 0) return;
  const first = reverse ? z.lastInScore(r) : z.firstInScore(r);
  emitRange(sink, z, first, offset, limit, reverse, reverse ? (_, s) => scoreGteMin(s, r) : (_, s) => scoreLteMax(s, r));
}

function rangeByLex(sink: RangeSink, z: SortedSet, r: LexRange, offset: number, limit: number, reverse: boolean): void {
  sink.begin(-1);
  if (offset < 0) return;
  const first = reverse ? z.lastInLex(r) : z.firstInLex(r);
  emitRange(sink, z, first, offset, limit, reverse, reverse ? (m) => lexGteMin(m, r) : (m) => lexLteMax(m, r));
}

/**
 * zrangeGenericCommand: ZRANGE, ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX].
 * `at` is the index of the source key; `dst` is set for ZRANGESTORE.
 */
function zrangeGeneric(ctx: CommandContext, argv: string[], at: number, dst: string | null, type: RangeType, dir: Direction): Reply {
  let minIdx = at + 1;
  let maxIdx = at + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = optionWord(argv[j]!);
    if (dst === null && o === 'withscores') withScores = true;
    else if (o === 'limit' && left >= 2) {
      offset = readLongLong(argv[j + 1]!);
      limit = readLongLong(argv[j + 2]!);
      j += 2;
    } else if (dir === 'auto' && o === 'rev') dir = 'reverse';
    else if (type === 'auto' && o === 'bylex') type = 'lex';
    else if (type === 'auto' && o === 'byscore') type = 'score';
    else return reply.error(errors.syntax);
  }
  if (dir === 'auto') dir = 'forward';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') return reply.error(errors.zrangeLimitNeedsBy);
  if (withScores && type === 'lex') return reply.error(errors.zrangeWithScoresByLex);
  const reverse = dir === 'reverse';
  if (reverse && type !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx];
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (type === 'rank') {
    start = readLongLong(argv[minIdx]!);
    end = readLongLong(argv[maxIdx]!);
  } else if (type === 'score') {
    scoreRange = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
    if (scoreRange === null) return reply.error(errors.minMaxNotFloat);
  } else {
    lexRange = parseLexRange(argv[minIdx]!, argv[maxIdx]!);
    if (lexRange === null) return reply.error(errors.minMaxNotLex);
  }
  const sink: RangeSink = dst === null ? new ClientSink(withScores, ctx.client.resp === 3) : new StoreSink(ctx, dst);
  const z = readZset(ctx, argv[at]!);
  if (z === undefined) {
    if (dst === null) return reply.emptyArray;
    sink.begin(-1);
    return sink.finish();
  }
  if (type === 'rank') rangeByRank(sink, z, start, end, reverse);
  else if (type === 'score') rangeByScore(sink, z, scoreRange!, offset, limit, reverse);
  else rangeByLex(sink, z, lexRange!, offset, limit, reverse);
  return sink.finish();
}

const limitArg = { name: 'limit', type: 'block', token: 'LIMIT', optional: true, arguments: [{ name: 'offset', type: 'integer' }, { name: 'count', type: 'integer' }] } as const;
export const withScoresArg = { name: 'withscores', type: 'pure-token', token: 'WITHSCORES', optional: true } as const;
const rangeComplexity = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const readRange = { flags: ['readonly'], categories: ['sortedset'], keySpecs: oneKey('RO', 'ACCESS') } as const;

export const zrange = defineCommand({
  name: 'zrange',
  arity: -4,
  ...readRange,
  docs: {
    summary: 'Returns members of a sorted set by rank, score or lexicographic range, optionally reversed and limited.',
    since: '1.2.0',
    group,
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
    arguments: [
      keyArg,
      { name: 'start', type: 'string' },
      { name: 'stop', type: 'string' },
      { name: 'sortby', type: 'oneof', optional: true, arguments: [{ name: 'byscore', type: 'pure-token', token: 'BYSCORE' }, { name: 'bylex', type: 'pure-token', token: 'BYLEX' }] },
      { name: 'rev', type: 'pure-token', token: 'REV', optional: true },
      limitArg,
      withScoresArg,
    ],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'auto', 'auto'),
});

export const zrangestore = defineCommand({
  name: 'zrangestore',
  arity: -5,
  flags: ['write', 'denyoom'],
  categories: ['sortedset'],
  keySpecs: [keys.one(1, 'OW', 'UPDATE'), keys.one(2, 'RO', 'ACCESS')],
  docs: {
    summary: 'Stores a range of a sorted set (by rank, score or lexicographic order) into another key.',
    since: '6.2.0',
    group,
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    arguments: [
      { name: 'dst', type: 'key' },
      { name: 'src', type: 'key' },
      { name: 'min', type: 'string' },
      { name: 'max', type: 'string' },
      { name: 'sortby', type: 'oneof', optional: true, arguments: [{ name: 'byscore', type: 'pure-token', token: 'BYSCORE' }, { name: 'bylex', type: 'pure-token', token: 'BYLEX' }] },
      { name: 'rev', type: 'pure-token', token: 'REV', optional: true },
      limitArg,
    ],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 2, argv[1]!, 'auto', 'auto'),
});

export const zrevrange = defineCommand({
  name: 'zrevrange',
  arity: -4,
  ...readRange,
  docs: {
    summary: 'Returns members of a sorted set by rank, highest score first.',
    since: '1.2.0',
    group,
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
    deprecatedSince: '6.2.0',
    replacedBy: '`ZRANGE` with the `REV` argument',
    arguments: [keyArg, { name: 'start', type: 'integer' }, { name: 'stop', type: 'integer' }, withScoresArg],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'rank', 'reverse'),
});

export const zrangebyscore = defineCommand({
  name: 'zrangebyscore',
  arity: -4,
  ...readRange,
  docs: {
    summary: 'Returns members of a sorted set whose score lies in an interval, lowest first.',
    since: '1.0.5',
    group,
    complexity: rangeComplexity,
    deprecatedSince: '6.2.0',
    replacedBy: '`ZRANGE` with the `BYSCORE` argument',
    arguments: [keyArg, { name: 'min', type: 'double' }, { name: 'max', type: 'double' }, withScoresArg, limitArg],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'score', 'forward'),
});

export const zrevrangebyscore = defineCommand({
  name: 'zrevrangebyscore',
  arity: -4,
  ...readRange,
  docs: {
    summary: 'Returns members of a sorted set whose score lies in an interval, highest first.',
    since: '2.2.0',
    group,
    complexity: rangeComplexity,
    deprecatedSince: '6.2.0',
    replacedBy: '`ZRANGE` with the `REV` and `BYSCORE` arguments',
    arguments: [keyArg, { name: 'max', type: 'double' }, { name: 'min', type: 'double' }, withScoresArg, limitArg],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'score', 'reverse'),
});

export const zrangebylex = defineCommand({
  name: 'zrangebylex',
  arity: -4,
  ...readRange,
  docs: {
    summary: 'Returns members of a sorted set between two lexicographic bounds, in ascending order.',
    since: '2.8.9',
    group,
    complexity: rangeComplexity,
    deprecatedSince: '6.2.0',
    replacedBy: '`ZRANGE` with the `BYLEX` argument',
    arguments: [keyArg, { name: 'min', type: 'string' }, { name: 'max', type: 'string' }, limitArg],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'lex', 'forward'),
});

export const zrevrangebylex = defineCommand({
  name: 'zrevrangebylex',
  arity: -4,
  ...readRange,
  docs: {
    summary: 'Returns members of a sorted set between two lexicographic bounds, in descending order.',
    since: '2.8.9',
    group,
    complexity: rangeComplexity,
    deprecatedSince: '6.2.0',
    replacedBy: '`ZRANGE` with the `REV` and `BYLEX` arguments',
    arguments: [keyArg, { name: 'max', type: 'string' }, { name: 'min', type: 'string' }, limitArg],
  },
  run: (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'lex', 'reverse'),
});
