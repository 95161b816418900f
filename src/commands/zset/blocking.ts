/**
 * BZPOPMIN / BZPOPMAX / BZMPOP: the blocking forms of ZPOPMIN/ZPOPMAX/ZMPOP
 * (blockingGenericZpopCommand). They pop at once when a sorted set among the keys has
 * members; otherwise the client waits (src/server/blocking.ts) and is served, by
 * re-running the command, when one of its keys receives a sorted set. On timeout, and
 * inside EXEC, the reply is a null array.
 */
import { defineCommand, keys, type CommandDefinition } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { parseTimeout } from '../../command-model/timeout-argument.js';
import { firstZsetKey, parseZmpopArgs, propagateZpop, zpopFrom, zpopReply, type PopEnd } from './pop.js';
import type { CommandContext } from '../../command-context/context.js';

/** Pops from the first key holding a sorted set, or blocks on all of them. */
function blockingZpop(ctx: CommandContext, argv: string[], keyList: string[], where: PopEnd, count: number, deadline: number, nested: boolean): Reply | null {
  const found = firstZsetKey(ctx, keyList);
  if (found !== null) {
    const popped = zpopFrom(ctx, found.key, found.z, where, count);
    if (ctx.propagation.active) propagateZpop(ctx, found.key, where, popped.length, nested);
    return zpopReply(found.key, popped, { emitKey: true, nested });
  }
  return ctx.services.keyspace.blocking.block(ctx, { argv, keys: keyList, type: 'zset', deadline, timeoutReply: reply.nilArray });
}

function bzpop(where: PopEnd) {
  return (ctx: CommandContext, argv: string[]): Reply | null => {
    // the timeout is checked before any key is looked at, as Redis does
    const deadline = parseTimeout(argv[argv.length - 1]!, ctx.now, 'seconds');
    return blockingZpop(ctx, argv, argv.slice(1, -1), where, 1, deadline, false);
  };
}

const bzpopSpec = {
  arity: -3,
  // 7.2: no noscript (in a script they answer at once, never block)
  flags: ['write', 'blocking', 'fast'],
  categories: ['sortedset'],
  keySpecs: [keys.range(1, -2, 1, 'RW', 'ACCESS', 'DELETE')],
} as const;

const bzpopArgs = [
  { name: 'key', type: 'key', multiple: true },
  { name: 'timeout', type: 'double' },
] as const;

const bzpopmin = defineCommand({
  name: 'bzpopmin',
  ...bzpopSpec,
  docs: {
    summary: 'Pops the member with the lowest score from the first non-empty sorted set among several, waiting for one when all are empty.',
    since: '5.0.0',
    group: 'sorted-set',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arguments: [...bzpopArgs],
  },
  run: bzpop('min'),
});

const bzpopmax = defineCommand({
  name: 'bzpopmax',
  ...bzpopSpec,
  docs: {
    summary: 'Pops the member with the highest score from the first non-empty sorted set among several, waiting for one when all are empty.',
    since: '5.0.0',
    group: 'sorted-set',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arguments: [...bzpopArgs],
  },
  run: bzpop('max'),
});

const bzmpop = defineCommand({
  name: 'bzmpop',
  arity: -5,
  flags: ['write', 'blocking'],
  categories: ['sortedset'],
  keySpecs: [keys.counted(2, 'RW', 'ACCESS', 'DELETE')],
  docs: {
    summary: 'Pops members with the lowest or highest scores from the first non-empty sorted set among several, waiting for one when all are empty.',
    since: '7.0.0',
    group: 'sorted-set',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    arguments: [
      { name: 'timeout', type: 'double' },
      { name: 'numkeys', type: 'integer' },
      { name: 'key', type: 'key', multiple: true },
      { name: 'where', type: 'oneof', arguments: [{ name: 'min', type: 'pure-token', token: 'MIN' }, { name: 'max', type: 'pure-token', token: 'MAX' }] },
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
    ],
  },
  run(ctx, argv) {
    // numkeys, MIN|MAX and COUNT are parsed before the timeout (zmpopGenericCommand)
    const a = parseZmpopArgs(argv, 2);
    const deadline = parseTimeout(argv[1]!, ctx.now, 'seconds');
    return blockingZpop(ctx, argv, a.keys, a.where, a.count, deadline, true);
  },
});

export const zsetBlockingCommands: CommandDefinition[] = [bzpopmin, bzpopmax, bzmpop];
