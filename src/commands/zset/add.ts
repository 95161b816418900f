/** ZADD and ZINCRBY (zaddGenericCommand): NX/XX/GT/LT/CH/INCR over zsetAdd. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { createZset, limits, PLAIN, writeZset, zsetAdd, type AddFlags } from './common.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { readDouble } from '../../command-model/argument-reader.js';
import type { CommandContext } from '../../command-context/context.js';
import { oneKey, keyArg, memberArg, group } from './spec-args.js';

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

export const zadd = defineCommand({
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

export const zincrby = defineCommand({
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
