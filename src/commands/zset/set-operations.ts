/** ZUNION / ZINTER / ZDIFF, their STORE forms and ZINTERCARD (zunionInterDiffGenericCommand). */
import { defineCommand, keys } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { LLONG_MAX } from '../../protocol/number-format.js';
import { limits, readZsetLikeInput, type ZsetLikeInput } from './common.js';
import { SortedSet } from '../../types/sorted-set.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { readDouble, readLongLong, readRangeLong } from '../../command-model/argument-reader.js';
import type { CommandContext } from '../../command-context/context.js';
import { group } from './spec-args.js';
import { ClientSink, withScoresArg } from './range.js';
import { BigMap } from '../../types/big-map.js';

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
    // BigMap: a union may pass 2^24 members (issue 17)
    const acc = new BigMap<string, number>();
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

export const zunion = defineCommand({
  name: 'zunion',
  ...readOp,
  docs: { summary: 'Returns the union of sorted sets, scores aggregated.', since: '6.2.0', group, complexity: unionComplexity, arguments: [numkeysArg, keysArg, weightsArg, aggregateArg, withScoresArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'union', false),
});

export const zinter = defineCommand({
  name: 'zinter',
  ...readOp,
  docs: { summary: 'Returns the intersection of sorted sets, scores aggregated.', since: '6.2.0', group, complexity: interComplexity, arguments: [numkeysArg, keysArg, weightsArg, aggregateArg, withScoresArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'inter', false),
});

export const zdiff = defineCommand({
  name: 'zdiff',
  ...readOp,
  docs: { summary: 'Returns the members of the first sorted set that are in none of the others.', since: '6.2.0', group, complexity: diffComplexity, arguments: [numkeysArg, keysArg, withScoresArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, null, 1, 'diff', false),
});

export const zintercard = defineCommand({
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

export const zunionstore = defineCommand({
  name: 'zunionstore',
  ...storeOp,
  docs: { summary: 'Stores the union of sorted sets, scores aggregated, into a key.', since: '2.0.0', group, complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', arguments: [destArg, numkeysArg, keysArg, weightsArg, aggregateArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, argv[1]!, 2, 'union', false),
});

export const zinterstore = defineCommand({
  name: 'zinterstore',
  ...storeOp,
  docs: { summary: 'Stores the intersection of sorted sets, scores aggregated, into a key.', since: '2.0.0', group, complexity: interComplexity, arguments: [destArg, numkeysArg, keysArg, weightsArg, aggregateArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, argv[1]!, 2, 'inter', false),
});

export const zdiffstore = defineCommand({
  name: 'zdiffstore',
  ...storeOp,
  docs: { summary: 'Stores the members of the first sorted set that are in none of the others into a key.', since: '6.2.0', group, complexity: diffComplexity, arguments: [destArg, numkeysArg, keysArg] },
  run: (ctx, argv) => zsetOperation(ctx, argv, argv[1]!, 2, 'diff', false),
});
