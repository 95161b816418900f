/** ZREM and ZREMRANGEBYRANK / BYSCORE / BYLEX; an emptied set is deleted. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { writeZset } from './common.js';
import { SortedSet, lexLteMax, type ScoreRange, type LexRange } from '../../types/sorted-set.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { parseLexRange, parseScoreRange } from './args.js';
import { readLongLong } from '../../command-model/argument-reader.js';
import type { CommandContext } from '../../command-context/context.js';
import { oneKey, keyArg, group } from './spec-args.js';

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

export const zrem = defineCommand({
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

export const zremrangebyrank = defineCommand({
  name: 'zremrangebyrank',
  ...remRange,
  docs: zremrangeDocs('Removes the members between two ranks.', 'start', 'stop', 'integer'),
  run: (ctx, argv) => zremrangeGeneric(ctx, argv, 'rank'),
});

export const zremrangebyscore = defineCommand({
  name: 'zremrangebyscore',
  ...remRange,
  docs: zremrangeDocs('Removes the members whose score lies in an interval.', 'min', 'max', 'double'),
  run: (ctx, argv) => zremrangeGeneric(ctx, argv, 'score'),
});

export const zremrangebylex = defineCommand({
  name: 'zremrangebylex',
  ...remRange,
  docs: zremrangeDocs('Removes the members between two lexicographic bounds.', 'min', 'max', 'string'),
  run: (ctx, argv) => zremrangeGeneric(ctx, argv, 'lex'),
});
