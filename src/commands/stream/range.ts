/** XRANGE, XREVRANGE, XLEN and XDEL. */
import { defineCommand, type ArgumentDoc } from '../../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { readLongLong } from '../../command-model/argument-reader.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import type { StreamId } from '../../types/stream-id.js';
import type { CommandContext } from '../../command-context/context.js';
import { readStream, writeStream, dirty, idArg, intervalArg, entryReply, keyArg, idsArg, oneKey } from './common.js';

function xrangeGeneric(ctx: CommandContext, argv: string[], rev: boolean): Reply {
  const start = intervalArg(rev ? argv[3]! : argv[2]!, true);
  const end = intervalArg(rev ? argv[2]! : argv[3]!, false);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (optionWord(argv[j]!) === 'count' && j + 1 < argv.length) {
      count = readLongLong(argv[j + 1]!);
      if (count < 0) count = 0;
      j++;
    } else {
      return reply.error(errors.syntax);
    }
  }
  const s = readStream(ctx, argv[1]!);
  if (s === undefined) return reply.emptyArray;
  if (count === 0) return reply.nilArray;
  // a ReplyList: a range of any length can be answered (issue 17)
  const out = new ReplyList();
  s.scan(start, end, rev, (e) => {
    out.push(entryReply(e));
    return count < 0 || out.length < count;
  });
  return out.finish(Kind.Array);
}

const rangeArgs: readonly ArgumentDoc[] = [keyArg, { name: 'start', type: 'string' }, { name: 'end', type: 'string' }, { name: 'count', type: 'integer', token: 'COUNT', optional: true }];

export const xrange = defineCommand({
  name: 'xrange',
  arity: -4,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the stream entries whose IDs fall in a range, oldest first.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    arguments: rangeArgs,
  },
  run: (ctx, argv) => xrangeGeneric(ctx, argv, false),
});

export const xrevrange = defineCommand({
  name: 'xrevrange',
  arity: -4,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the stream entries whose IDs fall in a range, newest first.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    arguments: [keyArg, { name: 'end', type: 'string' }, { name: 'start', type: 'string' }, { name: 'count', type: 'integer', token: 'COUNT', optional: true }],
  },
  run: (ctx, argv) => xrangeGeneric(ctx, argv, true),
});

export const xlen = defineCommand({
  name: 'xlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many entries a stream holds.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg] },
  run(ctx, argv) {
    return reply.int(readStream(ctx, argv[1]!)?.length ?? 0);
  },
});

export const xdel = defineCommand({
  name: 'xdel',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: {
    summary: 'Deletes entries from a stream by ID and returns how many existed.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.',
    arguments: [keyArg, idsArg],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const s = writeStream(ctx, key);
    if (s === undefined) return reply.zero;
    const ids: StreamId[] = [];
    for (let j = 2; j < argv.length; j++) ids.push(idArg(argv[j]!, 0, true));
    const gone: StreamId[] = [];
    for (const id of ids) if (s.delete(id)) gone.push(id);
    s.afterDelete(gone);
    if (gone.length > 0) {
      ctx.keyModified(ctx.db, key);
      ctx.notify(NotifyKind.stream, 'xdel', key);
      dirty(ctx, gone.length - 1);
    }
    return reply.int(gone.length);
  },
});
