/** ZPOPMIN, ZPOPMAX and ZMPOP over the pop building blocks (pop.ts) BZPOPMIN & co. share. */
import { defineCommand, keys } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { parseZmpopArgs, zpopGeneric, type PopEnd } from './pop.js';
import { readPositiveLong } from '../../command-model/argument-reader.js';
import type { CommandContext } from '../../command-context/context.js';
import { oneKey, keyArg, group } from './spec-args.js';

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

export const zpopmin = defineCommand({
  name: 'zpopmin',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'ACCESS', 'DELETE'),
  docs: popDocs('min'),
  run: zpopMinMax('min'),
});

export const zpopmax = defineCommand({
  name: 'zpopmax',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RW', 'ACCESS', 'DELETE'),
  docs: popDocs('max'),
  run: zpopMinMax('max'),
});

export const zmpop = defineCommand({
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
