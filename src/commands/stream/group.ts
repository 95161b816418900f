/** XGROUP CREATE / SETID / DESTROY / CREATECONSUMER / DELCONSUMER / HELP. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { exactLongLong } from '../../command-model/argument-reader.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { helpReply } from '../object.js';
import { MIN_ID, type StreamId } from '../../types/stream-id.js';
import { ConsumerGroup, INVALID_ENTRIES_READ, StreamData, type Counter } from '../../types/stream.js';
import type { CommandContext } from '../../command-context/context.js';
import { BigMap } from '../../types/big-map.js';
import { writeStream, dirty, cstr, errArg, idArg, subcommandSyntaxError, createConsumer, keyArg, groupArg, consumerArg, subKey } from './common.js';

interface GroupTarget {
  s: StreamData | undefined;
  g: ConsumerGroup | undefined;
  mkstream: boolean;
  entriesRead: Counter;
}

/** The common part of xgroupCommand: options, key, group, in Redis's order. */
function xgroupTarget(ctx: CommandContext, argv: string[]): GroupTarget {
  const sub = optionWord(argv[1]!);
  let mkstream = false;
  let entriesRead: Counter = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.length; ) {
    const o = optionWord(argv[i]!);
    if (sub === 'create' && o === 'mkstream') {
      mkstream = true;
      i++;
    } else if ((sub === 'create' || sub === 'setid') && o === 'entriesread' && i + 1 < argv.length) {
      entriesRead = exactLongLong(argv[i + 1]!);
      if (entriesRead < 0 && entriesRead !== INVALID_ENTRIES_READ) throw new CommandError(errors.xgroupEntriesRead);
      i += 2;
    } else {
      throw subcommandSyntaxError(argv);
    }
  }
  const s = writeStream(ctx, argv[2]!);
  let g: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === undefined) {
      throw new CommandError(
        errors.xgroupNeedsKey,
      );
    }
    g = s.group(argv[3]!);
    if (g === undefined && sub !== 'create' && sub !== 'destroy') {
      throw new CommandError(errors.noGroupForKey(errArg(argv[3]!), errArg(argv[2]!)));
    }
  } else {
    g = s?.group(argv[3]!);
  }
  return { s, g, mkstream, entriesRead };
}

const xgroupCreate = defineCommand({
  name: 'create',
  arity: -5,
  flags: ['write', 'denyoom'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'INSERT'),
  docs: {
    summary: 'Creates a consumer group on a stream, optionally creating the stream.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [
      keyArg,
      groupArg,
      { name: 'id-selector', type: 'string' },
      { name: 'mkstream', type: 'pure-token', token: 'MKSTREAM', optional: true },
      { name: 'entries-read', type: 'integer', token: 'ENTRIESREAD', optional: true },
    ],
  },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (argv.length > 8) throw subcommandSyntaxError(argv);
    const key = argv[2]!;
    let id: StreamId;
    if (cstr(argv[4]!) === '$') id = t.s !== undefined ? t.s.lastId : MIN_ID;
    else id = idArg(argv[4]!, 0, true);
    let s = t.s;
    if (s === undefined) {
      s = new StreamData();
      ctx.db.set(key, { type: 'stream', value: s });
    }
    if (s.groups === null) s.groups = new BigMap();
    if (s.groups.has(argv[3]!)) return reply.error(errors.busyGroup);
    s.groups.set(argv[3]!, new ConsumerGroup(id, t.entriesRead));
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-create', key);
    return reply.ok;
  },
});

const xgroupSetid = defineCommand({
  name: 'setid',
  arity: -5,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'UPDATE'),
  docs: {
    summary: "Sets a consumer group's last delivered ID (and read counter).",
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [keyArg, groupArg, { name: 'id-selector', type: 'string' }, { name: 'entriesread', type: 'integer', token: 'ENTRIESREAD', optional: true }],
  },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntaxError(argv);
    const id = cstr(argv[4]!) === '$' ? t.s!.lastId : idArg(argv[4]!, 0, false);
    t.g!.lastId = id;
    t.g!.entriesRead = t.entriesRead;
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-setid', argv[2]!);
    return reply.ok;
  },
});

const xgroupDestroy = defineCommand({
  name: 'destroy',
  arity: 4,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'DELETE'),
  docs: { summary: 'Deletes a consumer group with its consumers and pending entries.', since: '5.0.0', group: 'stream', complexity: 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).', arguments: [keyArg, groupArg] },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (t.g === undefined) return reply.zero;
    t.s!.groups!.delete(argv[3]!);
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-destroy', argv[2]!);
    // not a change WATCH sees (Redis does not signal the key as modified), but XREADGROUP
    // clients blocked on the group must be re-run to learn it is gone (-NOGROUP)
    ctx.services.keyspace.blocking.signal(ctx.client.dbIndex, argv[2]!);
    return reply.one;
  },
});

const xgroupCreateConsumer = defineCommand({
  name: 'createconsumer',
  arity: 5,
  flags: ['write', 'denyoom'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'INSERT'),
  docs: { summary: 'Adds a consumer to a consumer group.', since: '6.2.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg, groupArg, consumerArg] },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (t.g!.consumers.has(argv[4]!)) return reply.zero;
    createConsumer(ctx, t.g!, argv[4]!, argv[2]!, null);
    return reply.one;
  },
});

const xgroupDelConsumer = defineCommand({
  name: 'delconsumer',
  arity: 5,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'DELETE'),
  docs: { summary: 'Removes a consumer from a consumer group, dropping its pending entries.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg, groupArg, consumerArg] },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    const c = t.g!.consumers.get(argv[4]!);
    if (c === undefined) return reply.zero;
    const pending = t.g!.deleteConsumer(c);
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-delconsumer', argv[2]!);
    return reply.int(pending);
  },
});

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

const xgroupHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['stream'],
  docs: { summary: 'Lists the XGROUP subcommands.', since: '5.0.0', group: 'stream', complexity: 'O(1)' },
  run: (_ctx, argv) => helpReply(argv[0]!, XGROUP_HELP),
});

export const xgroup = defineCommand({
  name: 'xgroup',
  arity: -2,
  flags: [],
  docs: { summary: 'Manages consumer groups of streams.', since: '5.0.0', group: 'stream', complexity: 'Depends on subcommand.' },
  subcommands: [xgroupCreate, xgroupSetid, xgroupDestroy, xgroupCreateConsumer, xgroupDelConsumer, xgroupHelp],
});
