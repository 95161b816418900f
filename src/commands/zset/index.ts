/**
 * Sorted set commands (t_zset.c). Argument checks run in Redis's order (option parsing,
 * then ranges, then the key lookup), error texts are Redis 7.2's, emptied sets are
 * deleted and keyspace events carry Redis's names. Encodings follow Redis 7.2: a new set
 * starts as listpack unless the command's size hint (ZADD's pair count, ZRANGESTORE's
 * rank range) or its first member already exceeds zset-max-listpack-*; a listpack turns
 * into a skiplist when a member or the length outgrows the limits, never back; computed
 * destinations (ZUNIONSTORE & co.) are built as skiplists and converted to listpack
 * when small enough.
 *
 * Shared pieces live in zset-common.ts (lookups, zsetAdd, the ZUNION-family input reader)
 * and zset-pop.ts (the ZPOP building blocks the blocking variants are meant to reuse).
 */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../../command-model/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { formatDouble, LLONG_MAX } from '../../protocol/number-format.js';
import { createZset, limits, PLAIN, readZset, readZsetLikeInput, writeZset, zsetAdd, type AddFlags, type ZsetLikeInput } from './common.js';
import { parseZmpopArgs, zpopGeneric, type PopEnd } from './pop.js';
import { SortedSet, scoreGteMin, scoreLteMax, lexGteMin, lexLteMax, type ScoreRange, type LexRange } from '../../types/sorted-set.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord, parseScanCursor } from '../keyspace-args.js';
import { parseScanOptions } from '../scan-args.js';
import { parseLexRange, parseScoreRange } from './args.js';
import { exactLongLong, readDouble, readLongLong, readPositiveLong, readRangeLong } from '../../command-model/argument-reader.js';
import { format17g } from './format.js';
import type { CommandContext } from '../../command-model/context.js';
import { MIN_ITEM_BYTES, repeatedPicks } from '../random-picks.js';

const LONG_MAX = 9223372036854775807n;

const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];
const keyArg = { name: 'key', type: 'key' } as const;
const memberArg = { name: 'member', type: 'string' } as const;
const group = 'sorted-set';

// ---- ZADD / ZINCRBY ----

function zaddGeneric(ctx: CommandContext, argv: string[], incrCommand: boolean): Reply {
  const f: AddFlags = { ...PLAIN, incr: incrCommand };
  let ch = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const o = optionWord(argv[i]!);
    if (o === 'nx') f.nx = true;
    else if (o === 'xx') f.xx = true;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') f.incr = true;
    else if (o === 'gt') f.gt = true;
    else if (o === 'lt') f.lt = true;
    else break;
  }
  const rest = argv.length - i;
  if (rest % 2 !== 0 || rest === 0) return reply.error(errors.syntax);
  const elements = rest / 2;
  if (f.nx && f.xx) return reply.error(errors.zaddXxNx);
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) {
    return reply.error(errors.zaddGtLtNx);
  }
  if (f.incr && elements > 1) return reply.error(errors.zaddIncrSingle);
  const scores = new Array<number>(elements);
  for (let j = 0; j < elements; j++) scores[j] = readDouble(argv[i + j * 2]!);
  const key = argv[1]!;
  let z = writeZset(ctx, key);
  let added = 0;
  let updated = 0;
  let processed = 0;
  const out = { score: 0 };
  let created = false;
  if (z === undefined) {
    if (f.xx) return f.incr ? reply.nil : reply.zero;
    z = createZset(ctx, elements, argv[i + 1]!.length);
    created = true;
  } else if (z.listpack && elements > limits(ctx).entries) {
    z.listpack = false;
  }
  let failed = false;
  for (let j = 0; j < elements; j++) {
    const r = zsetAdd(ctx, z, scores[j]!, argv[i + 1 + j * 2]!, f, out);
    if (r === 'nan') {
      failed = true;
      break;
    }
    if (r === 'added') added++;
    else if (r === 'updated') updated++;
    if (r !== 'nop') processed++;
  }
  if (created && z.size > 0) ctx.db.set(key, { type: 'zset', value: z });
  if (added > 0 || updated > 0) {
    if (!created) ctx.keyModified(ctx.db, key);
    ctx.notify(NotifyKind.zset, f.incr ? 'zincr' : 'zadd', key);
  }
  if (failed) return reply.error(errors.zsetScoreNaN);
  if (f.incr) return processed > 0 ? reply.double(out.score) : reply.nil;
  return reply.int(ch ? added + updated : added);
}

const zadd = defineCommand({
  name: 'zadd',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: {
    summary: 'Adds members with scores to a sorted set, or changes the scores of existing ones, creating the key when needed.',
    since: '1.2.0',
    group,
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    arguments: [
      keyArg,
      { name: 'condition', type: 'oneof', optional: true, arguments: [{ name: 'nx', type: 'pure-token', token: 'NX' }, { name: 'xx', type: 'pure-token', token: 'XX' }] },
      { name: 'comparison', type: 'oneof', optional: true, arguments: [{ name: 'gt', type: 'pure-token', token: 'GT' }, { name: 'lt', type: 'pure-token', token: 'LT' }] },
      { name: 'change', type: 'pure-token', token: 'CH', optional: true },
      { name: 'increment', type: 'pure-token', token: 'INCR', optional: true },
      { name: 'score_member', type: 'block', multiple: true, arguments: [{ name: 'score', type: 'double' }, memberArg] },
    ],
  },
  run: (ctx, argv) => zaddGeneric(ctx, argv, false),
});

const zincrby = defineCommand({
  name: 'zincrby',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'ACCESS', 'UPDATE'),
  docs: {
    summary: 'Adds an increment to the score of a member, starting from 0 when it is missing.',
    since: '1.2.0',
    group,
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.',
    arguments: [keyArg, { name: 'increment', type: 'integer' }, memberArg],
  },
  run: (ctx, argv) => zaddGeneric(ctx, argv, true),
});

// ---- simple reads ----

const zcard = defineCommand({
  name: 'zcard',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many members a sorted set has.', since: '1.2.0', group, complexity: 'O(1)', arguments: [keyArg] },
  run: (ctx, argv) => reply.int(readZset(ctx, argv[1]!)?.size ?? 0),
});

const zscore = defineCommand({
  name: 'zscore',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the score of a member of a sorted set.', since: '1.2.0', group, complexity: 'O(1)', arguments: [keyArg, memberArg] },
  run(ctx, argv) {
    const s = readZset(ctx, argv[1]!)?.score(argv[2]!);
    return s === undefined ? reply.nil : reply.double(s);
  },
});

const zmscore = defineCommand({
  name: 'zmscore',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the scores of several members of a sorted set.',
    since: '6.2.0',
    group,
    complexity: 'O(N) where N is the number of members being requested.',
    arguments: [keyArg, { name: 'member', type: 'string', multiple: true }],
  },
  run(ctx, argv) {
    const z = readZset(ctx, argv[1]!);
    const out: Reply[] = new Array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const s = z?.score(argv[j]!);
      out[j - 2] = s === undefined ? reply.nil : reply.double(s);
    }
    return reply.array(out);
  },
});

const zcount = defineCommand({
  name: 'zcount',
  arity: 4,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Counts the members whose score lies in an interval.',
    since: '2.0.0',
    group,
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arguments: [keyArg, { name: 'min', type: 'double' }, { name: 'max', type: 'double' }],
  },
  run(ctx, argv) {
    const r = parseScoreRange(argv[2]!, argv[3]!);
    if (r === null) return reply.error(errors.minMaxNotFloat);
    const z = readZset(ctx, argv[1]!);
    return reply.int(z === undefined ? 0 : z.countInScore(r));
  },
});

const zlexcount = defineCommand({
  name: 'zlexcount',
  arity: 4,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Counts the members between two lexicographic bounds.',
    since: '2.8.9',
    group,
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arguments: [keyArg, { name: 'min', type: 'string' }, { name: 'max', type: 'string' }],
  },
  run(ctx, argv) {
    const r = parseLexRange(argv[2]!, argv[3]!);
    if (r === null) return reply.error(errors.minMaxNotLex);
    const z = readZset(ctx, argv[1]!);
    return reply.int(z === undefined ? 0 : z.countInLex(r));
  },
});

function rankCommand(reverse: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (argv.length > 4) return reply.error(errors.wrongArgs(ctx.command.fullName));
    let withScore = false;
    if (argv.length === 4) {
      if (optionWord(argv[3]!) !== 'withscore') return reply.error(errors.syntax);
      withScore = true;
    }
    const z = readZset(ctx, argv[1]!);
    const rank = z === undefined ? -1 : z.rank(argv[2]!, reverse);
    if (rank < 0) return withScore ? reply.nilArray : reply.nil;
    if (!withScore) return reply.int(rank);
    return reply.array([reply.int(rank), reply.double(z!.score(argv[2]!)!)]);
  };
}

const rankArgs = [keyArg, memberArg, { name: 'withscore', type: 'pure-token', token: 'WITHSCORE', optional: true }] as const;

const zrank = defineCommand({
  name: 'zrank',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the position of a member in a sorted set, lowest score first, optionally with its score.', since: '2.0.0', group, complexity: 'O(log(N))', arguments: rankArgs },
  run: rankCommand(false),
});

const zrevrank = defineCommand({
  name: 'zrevrank',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the position of a member in a sorted set, highest score first, optionally with its score.', since: '2.0.0', group, complexity: 'O(log(N))', arguments: rankArgs },
  run: rankCommand(true),
});

// ---- ZRANGE family ----

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/** Where a range goes: to the client, or into a destination sorted set (ZRANGESTORE). */
interface RangeSink {
  /** `hint` is the result size when known in advance, -1 otherwise */
  begin(hint: number): void;
  emit(member: string, score: number): void;
  finish(): Reply;
}

class ClientSink implements RangeSink {
  private readonly out: Reply[] = [];
  constructor(
    private readonly withScores: boolean,
    private readonly resp3: boolean,
  ) {}
  begin(): void {}
  emit(member: string, score: number): void {
    if (!this.withScores) this.out.push(reply.bulk(member));
    else if (this.resp3) this.out.push(reply.array([reply.bulk(member), reply.double(score)]));
    else this.out.push(reply.bulk(member), reply.double(score));
  }
  finish(): Reply {
    return reply.array(this.out);
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
const withScoresArg = { name: 'withscores', type: 'pure-token', token: 'WITHSCORES', optional: true } as const;
const rangeComplexity = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const readRange = { flags: ['readonly'], categories: ['sortedset'], keySpecs: oneKey('RO', 'ACCESS') } as const;

const zrange = defineCommand({
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

const zrangestore = defineCommand({
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

const zrevrange = defineCommand({
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

const zrangebyscore = defineCommand({
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

const zrevrangebyscore = defineCommand({
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

const zrangebylex = defineCommand({
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

const zrevrangebylex = defineCommand({
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

// ---- removal ----

/** After removing members from `z` at `key`: delete an emptied key, announce the change. */
function afterRemoval(ctx: CommandContext, key: string, z: SortedSet, event: string): void {
  ctx.notify(NotifyKind.zset, event, key);
  if (z.size === 0) {
    ctx.db.delete(key);
    ctx.notify(NotifyKind.generic, 'del', key);
  } else {
    ctx.keyModified(ctx.db, key);
  }
}

const zrem = defineCommand({
  name: 'zrem',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: {
    summary: 'Removes members from a sorted set; the key goes when its last member does.',
    since: '1.2.0',
    group,
    complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
    arguments: [keyArg, { name: 'member', type: 'string', multiple: true }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const z = writeZset(ctx, key);
    if (z === undefined) return reply.zero;
    let deleted = 0;
    for (let j = 2; j < argv.length; j++) {
      if (z.delete(argv[j]!)) deleted++;
      if (z.size === 0) break;
    }
    if (deleted > 0) afterRemoval(ctx, key, z, 'zrem');
    return reply.int(deleted);
  },
});

function zremrangeGeneric(ctx: CommandContext, argv: string[], type: 'rank' | 'score' | 'lex'): Reply {
  let start = 0;
  let end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (type === 'rank') {
    start = readLongLong(argv[2]!);
    end = readLongLong(argv[3]!);
  } else if (type === 'score') {
    sr = parseScoreRange(argv[2]!, argv[3]!);
    if (sr === null) return reply.error(errors.minMaxNotFloat);
  } else {
    lr = parseLexRange(argv[2]!, argv[3]!);
    if (lr === null) return reply.error(errors.minMaxNotLex);
  }
  const key = argv[1]!;
  const z = writeZset(ctx, key);
  if (z === undefined) return reply.zero;
  if (type === 'score') {
    start = z.firstInScore(sr!);
    if (start < 0) return reply.zero;
    end = z.lastInScore(sr!);
  } else if (type === 'lex') {
    // from the first member in range, as long as members stay below max; a listpack checks
    // the range against its ends first (zzlDeleteRangeByLex), a skiplist does not
    start = z.listpack ? z.firstInLex(lr!) : z.lexDeleteStart(lr!);
    if (start < 0 || start >= z.size) return reply.zero;
    end = start - 1;
    z.walk(start, false, (m) => {
      if (!lexLteMax(m, lr!)) return false;
      end++;
      return true;
    });
    if (end < start) return reply.zero;
  } else {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return reply.zero;
    if (end >= llen) end = llen - 1;
  }
  const deleted = z.deleteRangeByRank(start, end);
  if (deleted > 0) afterRemoval(ctx, key, z, `zremrangeby${type}`);
  return reply.int(deleted);
}

const zremrangeDocs = (summary: string, a: string, b: string, t: 'integer' | 'double' | 'string') => ({
  summary,
  since: t === 'string' ? '2.8.9' : t === 'integer' ? '2.0.0' : '1.2.0',
  group,
  complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  arguments: [keyArg, { name: a, type: t }, { name: b, type: t }],
});
const remRange = { arity: 4, flags: ['write'], categories: ['sortedset'], keySpecs: oneKey('RW', 'DELETE') } as const;

const zremrangebyrank = defineCommand({
  name: 'zremrangebyrank',
  ...remRange,
  docs: zremrangeDocs('Removes the members between two ranks.', 'start', 'stop', 'integer'),
  run: (ctx, argv) => zremrangeGeneric(ctx, argv, 'rank'),
});

const zremrangebyscore = defineCommand({
  name: 'zremrangebyscore',
  ...remRange,
  docs: zremrangeDocs('Removes the members whose score lies in an interval.', 'min', 'max', 'double'),
  run: (ctx, argv) => zremrangeGeneric(ctx, argv, 'score'),
});

const zremrangebylex = defineCommand({
  name: 'zremrangebylex',
  ...remRange,
  docs: zremrangeDocs('Removes the members between two lexicographic bounds.', 'min', 'max', 'string'),
  run: (ctx, argv) => zremrangeGeneric(ctx, argv, 'lex'),
});

// ---- ZPOPMIN / ZPOPMAX / ZMPOP ----

function zpopMinMax(where: PopEnd) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (argv.length > 3) return reply.error(errors.syntax);
    let count = -1;
    if (argv.length === 3) count = readPositiveLong(argv[2]!);
    const nested = ctx.client.resp === 3 && count !== -1;
    return zpopGeneric(ctx, [argv[1]!], where, count, { emitKey: false, nested }, false);
  };
}

const popDocs = (where: PopEnd) => ({
  summary: `Removes and returns the members with the ${where === 'min' ? 'lowest' : 'highest'} scores.`,
  since: '5.0.0',
  group,
  complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
  arguments: [keyArg, { name: 'count', type: 'integer', optional: true }],
} as const);

const zpopmin = defineCommand({
  name: 'zpopmin',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'ACCESS', 'DELETE'),
  docs: popDocs('min'),
  run: zpopMinMax('min'),
});

const zpopmax = defineCommand({
  name: 'zpopmax',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'ACCESS', 'DELETE'),
  docs: popDocs('max'),
  run: zpopMinMax('max'),
});

const zmpop = defineCommand({
  name: 'zmpop',
  arity: -4,
  flags: ['write'],
  categories: ['sortedset'],
  keySpecs: [keys.counted(1, 'RW', 'ACCESS', 'DELETE')],
  docs: {
    summary: 'Removes and returns members with the lowest or highest scores from the first non-empty sorted set among several keys.',
    since: '7.0.0',
    group,
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    arguments: [
      { name: 'numkeys', type: 'integer' },
      { name: 'key', type: 'key', multiple: true },
      { name: 'where', type: 'oneof', arguments: [{ name: 'min', type: 'pure-token', token: 'MIN' }, { name: 'max', type: 'pure-token', token: 'MAX' }] },
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
    ],
  },
  run(ctx, argv) {
    const a = parseZmpopArgs(argv, 1);
    return zpopGeneric(ctx, a.keys, a.where, a.count, { emitKey: true, nested: true }, true);
  },
});

// ---- ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD ----

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

function aggregate(target: number, val: number, how: Aggregate): number {
  if (how === 'sum') {
    const s = target + val;
    return Number.isNaN(s) ? 0 : s; // +inf + -inf: Redis keeps 0
  }
  if (how === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

interface Source {
  input: ZsetLikeInput | undefined;
  weight: number;
}

/** zunionInterDiffGenericCommand; `numkeysIdx` is 1 for the plain forms, 2 for STORE. */
function zsetOperation(ctx: CommandContext, argv: string[], dst: string | null, numkeysIdx: number, op: SetOp, cardinalityOnly: boolean): Reply {
  const setnum = readLongLong(argv[numkeysIdx]!);
  if (setnum < 1) return reply.error(errors.zsetNeedsInputKey(ctx.command.fullName));
  if (setnum > argv.length - (numkeysIdx + 1)) return reply.error(errors.syntax);
  const src: Source[] = new Array(setnum);
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) src[i] = { input: readZsetLikeInput(ctx, argv[j]!), weight: 1 };
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const o = optionWord(argv[j]!);
    if (op !== 'diff' && !cardinalityOnly && remaining >= setnum + 1 && o === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) src[i]!.weight = readDouble(argv[j]!, errors.weightNotFloat);
    } else if (op !== 'diff' && !cardinalityOnly && remaining >= 2 && o === 'aggregate') {
      const a = optionWord(argv[j + 1]!);
      if (a !== 'sum' && a !== 'min' && a !== 'max') return reply.error(errors.syntax);
      how = a;
      j += 2;
    } else if (dst === null && !cardinalityOnly && o === 'withscores') {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && o === 'limit') {
      limit = readRangeLong(argv[j + 1]!, 0n, LLONG_MAX, errors.limitNegative);
      j += 2;
    } else {
      return reply.error(errors.syntax);
    }
  }
  // smallest first (a stable sort, like the C library's merge sort for qsort)
  if (op !== 'diff') src.sort((a, b) => (a.input?.size ?? 0) - (b.input?.size ?? 0));

  if (cardinalityOnly) return reply.int(intersectCount(src, limit));

  const result = new SortedSet();
  result.listpack = false;
  if (op === 'inter') {
    const first = src[0]!;
    if (first.input !== undefined && first.input.size > 0) {
      first.input.forEachReverse((member, s0) => {
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < src.length; k++) {
          const other = src[k]!;
          const v = other.input === first.input ? s0 : other.input?.score(member);
          if (v === undefined) return;
          score = aggregate(score, v * other.weight, how);
        }
        result.set(member, score);
      });
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (s.input === undefined) continue;
      s.input.forEachReverse((member, v) => {
        let score = s.weight * v;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(member);
        acc.set(member, cur === undefined ? score : aggregate(cur, score, how));
      });
    }
    for (const [m, s] of acc) result.set(m, s);
  } else {
    const first = src[0]!;
    if (first.input !== undefined && first.input.size > 0) {
      first.input.forEachReverse((member, s0) => {
        for (let k = 1; k < src.length; k++) {
          const other = src[k]!.input;
          if (other === first.input || other?.score(member) !== undefined) return;
        }
        result.set(member, s0);
      });
    }
  }

  if (dst !== null) {
    if (result.size > 0) {
      const lim = limits(ctx);
      if (result.size <= lim.entries && result.maxMemberLength() <= lim.value) result.convertToListpack();
      ctx.db.set(dst, { type: 'zset', value: result });
      ctx.notify(NotifyKind.zset, `z${op}store`, dst);
      return reply.int(result.size);
    }
    if (ctx.db.delete(dst)) ctx.notify(NotifyKind.generic, 'del', dst);
    return reply.zero;
  }
  const sink = new ClientSink(withScores, ctx.client.resp === 3);
  for (const [m, s] of result.entries()) sink.emit(m, s);
  return sink.finish();
}

function intersectCount(src: Source[], limit: number): number {
  const first = src[0]!;
  if (first.input === undefined || first.input.size === 0) return 0;
  let count = 0;
  let done = false;
  first.input.forEachReverse((member) => {
    if (done) return;
    for (let k = 1; k < src.length; k++) {
      const other = src[k]!.input;
      if (other !== first.input && other?.score(member) === undefined) return;
    }
    count++;
    if (limit > 0 && count >= limit) done = true;
  });
  return count;
}

const numkeysArg = { name: 'numkeys', type: 'integer' } as const;
const keysArg = { name: 'key', type: 'key', multiple: true } as const;
const weightsArg = { name: 'weight', type: 'integer', token: 'WEIGHTS', optional: true, multiple: true } as const;
const aggregateArg = {
  name: 'aggregate',
  type: 'oneof',
  token: 'AGGREGATE',
  optional: true,
  arguments: [{ name: 'sum', type: 'pure-token', token: 'SUM' }, { name: 'min', type: 'pure-token', token: 'MIN' }, { name: 'max', type: 'pure-token', token: 'MAX' }],
} as const;
const interComplexity = 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const unionComplexity = 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const diffComplexity = 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';
const readOp = { arity: -3, flags: ['readonly'], categories: ['sortedset'], keySpecs: [keys.counted(1, 'RO', 'ACCESS')] } as const;
const storeOp = {
  arity: -4,
  flags: ['write', 'denyoom'],
  categories: ['sortedset'],
  keySpecs: [keys.one(1, 'OW', 'UPDATE'), keys.counted(2, 'RO', 'ACCESS')],
} as const;

const zunion = defineCommand({
  name: 'zunion',
  ...readOp,
  docs: { summary: 'Returns the union of sorted sets, scores aggregated.', since: '6.2.0', group, complexity: unionComplexity, arguments: [numkeysArg, keysArg, weightsArg, aggregateArg, withScoresArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'union', false),
});

const zinter = defineCommand({
  name: 'zinter',
  ...readOp,
  docs: { summary: 'Returns the intersection of sorted sets, scores aggregated.', since: '6.2.0', group, complexity: interComplexity, arguments: [numkeysArg, keysArg, weightsArg, aggregateArg, withScoresArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'inter', false),
});

const zdiff = defineCommand({
  name: 'zdiff',
  ...readOp,
  docs: { summary: 'Returns the members of the first sorted set that are in none of the others.', since: '6.2.0', group, complexity: diffComplexity, arguments: [numkeysArg, keysArg, withScoresArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'diff', false),
});

const zintercard = defineCommand({
  name: 'zintercard',
  ...readOp,
  docs: {
    summary: 'Counts the members of the intersection of sorted sets, optionally stopping at a limit.',
    since: '7.0.0',
    group,
    complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
    arguments: [numkeysArg, keysArg, { name: 'limit', type: 'integer', token: 'LIMIT', optional: true }],
  },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'inter', true),
});

const destArg = { name: 'destination', type: 'key' } as const;

const zunionstore = defineCommand({
  name: 'zunionstore',
  ...storeOp,
  docs: { summary: 'Stores the union of sorted sets, scores aggregated, into a key.', since: '2.0.0', group, complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', arguments: [destArg, numkeysArg, keysArg, weightsArg, aggregateArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, argv[1]!, 2, 'union', false),
});

const zinterstore = defineCommand({
  name: 'zinterstore',
  ...storeOp,
  docs: { summary: 'Stores the intersection of sorted sets, scores aggregated, into a key.', since: '2.0.0', group, complexity: interComplexity, arguments: [destArg, numkeysArg, keysArg, weightsArg, aggregateArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, argv[1]!, 2, 'inter', false),
});

const zdiffstore = defineCommand({
  name: 'zdiffstore',
  ...storeOp,
  docs: { summary: 'Stores the members of the first sorted set that are in none of the others into a key.', since: '6.2.0', group, complexity: diffComplexity, arguments: [destArg, numkeysArg, keysArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, argv[1]!, 2, 'diff', false),
});

// ---- ZRANDMEMBER ----

function randomMembers(ctx: CommandContext, key: string, l: number | bigint, withScores: boolean): Reply {
  const z = readZset(ctx, key);
  if (z === undefined) return reply.emptyArray;
  const unique = l >= 0;
  const count = unique ? l : -l;
  if (count === 0 || count === 0n) return reply.emptyArray;
  const resp3 = ctx.client.resp === 3;
  if (!unique || count === 1 || count === 1n) {
    // Repetition allowed: bounded whatever the count (random-picks.ts). A score is at least
    // 4 bytes (RESP3 `,0\r\n`).
    const resp = resp3 ? 3 : 2;
    if (!withScores) return repeatedPicks(count, (n) => n, MIN_ITEM_BYTES, (w) => w.write(reply.bulk(z.memberAt(z.randomRank())), resp));
    return repeatedPicks(count, (n) => (resp3 ? n : 2 * n), MIN_ITEM_BYTES + 4, (w) => {
      const r = z.randomRank();
      const pair = [reply.bulk(z.memberAt(r)), reply.double(z.scoreAt(r))];
      if (resp3) w.write(reply.array(pair), 3);
      else for (const item of pair) w.write(item, 2);
    });
  }
  const sink = new ClientSink(withScores, resp3);
  const size = z.size;
  if (count >= size) {
    // the whole set, from the highest score down (Redis's iterator order)
    z.forEachReverse((m, s) => sink.emit(m, s));
    return sink.finish();
  }
  const n = Number(count);
  // distinct ranks; a listpack answers them in its own (ascending) order, a skiplist in pick order
  const picked = new Set<number>();
  if (n * 3 > size) {
    const all: number[] = Array.from({ length: size }, (_, i) => i);
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = all[j]!;
      all[j] = all[i]!;
      all[i] = t;
    }
    for (let i = 0; i < n; i++) picked.add(all[i]!);
  } else {
    while (picked.size < n) picked.add(Math.floor(Math.random() * size));
  }
  const ranks = [...picked];
  if (z.listpack) ranks.sort((a, b) => a - b);
  for (const r of ranks) sink.emit(z.memberAt(r), z.scoreAt(r));
  return sink.finish();
}

const zrandmember = defineCommand({
  name: 'zrandmember',
  arity: -2,
  flags: ['readonly'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Returns one or more random members of a sorted set, optionally with their scores.',
    since: '6.2.0',
    group,
    complexity: 'O(N) where N is the number of elements returned',
    arguments: [
      keyArg,
      { name: 'options', type: 'block', optional: true, arguments: [{ name: 'count', type: 'integer' }, { name: 'withscores', type: 'pure-token', token: 'WITHSCORES', optional: true }] },
    ],
  },
  run(ctx, argv) {
    if (argv.length >= 3) {
      const l = exactLongLong(argv[2]!);
      if (typeof l === 'bigint' && l < -LONG_MAX) {
        return reply.error(errors.randomCountRange);
      }
      if (argv.length > 4 || (argv.length === 4 && optionWord(argv[3]!) !== 'withscores')) return reply.error(errors.syntax);
      const withScores = argv.length === 4;
      if (withScores && (l < -(LONG_MAX / 2n) || l > LONG_MAX / 2n)) return reply.error(errors.valueOutOfRange);
      return randomMembers(ctx, argv[1]!, l, withScores);
    }
    const z = readZset(ctx, argv[1]!);
    return z === undefined ? reply.nil : reply.bulk(z.memberAt(z.randomRank()));
  },
});

// ---- ZSCAN ----

const EMPTY_SCAN = reply.array([reply.bulk('0'), reply.emptyArray]);

const zscan = defineCommand({
  name: 'zscan',
  arity: -3,
  flags: ['readonly'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Iterates over the members and scores of a sorted set, a few at a time.',
    since: '2.8.0',
    group,
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    arguments: [
      keyArg,
      { name: 'cursor', type: 'integer' },
      { name: 'pattern', type: 'pattern', token: 'MATCH', optional: true },
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
    ],
  },
  run(ctx, argv) {
    const cursor = parseScanCursor(argv[2]!);
    if (cursor === null) return reply.error(errors.invalidCursor);
    const z = readZset(ctx, argv[1]!);
    if (z === undefined) return EMPTY_SCAN;
    const { count, match } = parseScanOptions(argv, 3);
    const found: Reply[] = [];
    let next = 0;
    if (z.listpack) {
      // One reply for a listpack, scores as the listpack stores them (d2string's text).
      for (const [m, s] of z.entries()) if (match === null || match(m)) found.push(reply.bulk(m), reply.bulk(formatDouble(s)));
    } else {
      // Cursors are insertion sequence numbers; scores are printed with "%.17Lg" there.
      const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
      const members: string[] = [];
      next = z.scan(start, count, members);
      for (const m of members) if (match === null || match(m)) found.push(reply.bulk(m), reply.bulk(format17g(z.score(m)!)));
    }
    return reply.array([reply.bulk(String(next)), reply.array(found)]);
  },
});

export const sortedSetCommands: CommandDefinition[] = [
  zadd,
  zincrby,
  zcard,
  zscore,
  zmscore,
  zcount,
  zlexcount,
  zrank,
  zrevrank,
  zrange,
  zrangestore,
  zrevrange,
  zrangebyscore,
  zrevrangebyscore,
  zrangebylex,
  zrevrangebylex,
  zrem,
  zremrangebyrank,
  zremrangebyscore,
  zremrangebylex,
  zpopmin,
  zpopmax,
  zmpop,
  zunion,
  zinter,
  zdiff,
  zintercard,
  zunionstore,
  zinterstore,
  zdiffstore,
  zrandmember,
  zscan,
];
