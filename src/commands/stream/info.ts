/** XINFO STREAM [FULL] / GROUPS / CONSUMERS / HELP. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { readLongLong } from '../../command-model/argument-reader.js';
import { optionWord } from '../keyspace-args.js';
import { helpReply } from '../object.js';
import { MAX_ID, MIN_ID } from '../../types/stream-id.js';
import { ConsumerGroup, counterReply, INVALID_ENTRIES_READ, StreamData } from '../../types/stream.js';
import type { CommandContext } from '../../command-context/context.js';
import { readStream, errArg, idReply, entryReply, subcommandSyntaxError, keyArg, groupArg, subKey } from './common.js';

function groupLagReply(s: StreamData, g: ConsumerGroup): Reply {
  const lag = s.lag(g);
  return lag === null ? reply.nil : reply.int(counterReply(lag));
}

function entriesReadReply(g: ConsumerGroup): Reply {
  return g.entriesRead === INVALID_ENTRIES_READ ? reply.nil : reply.int(counterReply(g.entriesRead));
}

/** A group's progress fields, in the order both XINFO STREAM FULL and XINFO GROUPS show them. */
function groupProgress(s: StreamData, g: ConsumerGroup): Reply[] {
  return [reply.bulk('last-delivered-id'), idReply(g.lastId), reply.bulk('entries-read'), entriesReadReply(g), reply.bulk('lag'), groupLagReply(s, g)];
}

function streamInfo(s: StreamData, argv: string[]): Reply {
  const opts = argv.length - 3;
  let full = false;
  let count = 10;
  if (opts !== 0) {
    if (opts !== 1 && opts !== 3) throw subcommandSyntaxError(argv);
    if (optionWord(argv[3]!) !== 'full') throw subcommandSyntaxError(argv);
    if (opts === 3) {
      if (optionWord(argv[4]!) !== 'count') throw subcommandSyntaxError(argv);
      count = readLongLong(argv[5]!);
      if (count < 0) count = 10;
    }
    full = true;
  }
  const head: Reply[] = [
    reply.bulk('length'),
    reply.int(s.length),
    reply.bulk('radix-tree-keys'),
    reply.int(s.nodes.size),
    reply.bulk('radix-tree-nodes'),
    reply.int(s.radixTreeNodes()),
    reply.bulk('last-generated-id'),
    idReply(s.lastId),
    reply.bulk('max-deleted-entry-id'),
    idReply(s.maxDeletedId),
    reply.bulk('entries-added'),
    reply.int(counterReply(s.entriesAdded)),
    reply.bulk('recorded-first-entry-id'),
    idReply(s.firstId),
  ];
  if (!full) {
    let first: Reply = reply.nil;
    let last: Reply = reply.nil;
    s.scan(MIN_ID, MAX_ID, false, (e) => ((first = entryReply(e)), false));
    s.scan(MIN_ID, MAX_ID, true, (e) => ((last = entryReply(e)), false));
    head.push(reply.bulk('groups'), reply.int(s.groups?.size ?? 0), reply.bulk('first-entry'), first, reply.bulk('last-entry'), last);
    return reply.map(head);
  }
  const entries: Reply[] = [];
  s.scan(MIN_ID, MAX_ID, false, (e) => {
    entries.push(entryReply(e));
    return count === 0 || entries.length < count;
  });
  const groups: Reply[] = [];
  for (const [name, g] of s.sortedGroups()) {
    const pel: Reply[] = [];
    for (const n of g.pel) {
      if (count !== 0 && pel.length >= count) break;
      pel.push(reply.array([idReply(n.id), reply.bulk(n.consumer.name), reply.int(n.deliveryTime), reply.int(n.deliveryCount)]));
    }
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const cpel: Reply[] = [];
      for (const n of c.pel) {
        if (count !== 0 && cpel.length >= count) break;
        cpel.push(reply.array([idReply(n.id), reply.int(n.deliveryTime), reply.int(n.deliveryCount)]));
      }
      consumers.push(
        reply.map([
          reply.bulk('name'),
          reply.bulk(c.name),
          reply.bulk('seen-time'),
          reply.int(c.seenTime),
          reply.bulk('active-time'),
          reply.int(c.activeTime),
          reply.bulk('pel-count'),
          reply.int(c.pel.size),
          reply.bulk('pending'),
          reply.array(cpel),
        ]),
      );
    }
    groups.push(
      reply.map([
        reply.bulk('name'),
        reply.bulk(name),
        ...groupProgress(s, g),
        reply.bulk('pel-count'),
        reply.int(g.pel.size),
        reply.bulk('pending'),
        reply.array(pel),
        reply.bulk('consumers'),
        reply.array(consumers),
      ]),
    );
  }
  head.push(reply.bulk('entries'), reply.array(entries), reply.bulk('groups'), reply.array(groups));
  return reply.map(head);
}

/** XINFO <sub> <key>: the stream, looked up before anything else ("no such key" otherwise). */
function infoStream(ctx: CommandContext, key: string): StreamData {
  const s = readStream(ctx, key);
  if (s === undefined) throw new CommandError(errors.noSuchKey);
  return s;
}

const xinfoStream = defineCommand({
  name: 'stream',
  arity: -3,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: subKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns information about a stream, or (FULL) its entries, groups and consumers.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [keyArg, { name: 'full-block', type: 'block', token: 'FULL', optional: true, arguments: [{ name: 'count', type: 'integer', token: 'COUNT', optional: true }] }],
  },
  run: (ctx, argv) => streamInfo(infoStream(ctx, argv[2]!), argv),
});

const xinfoGroups = defineCommand({
  name: 'groups',
  arity: 3,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: subKey('RO', 'ACCESS'),
  docs: { summary: 'Lists the consumer groups of a stream.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg] },
  run(ctx, argv) {
    const s = infoStream(ctx, argv[2]!);
    const out: Reply[] = [];
    for (const [name, g] of s.sortedGroups()) {
      out.push(
        reply.map([
          reply.bulk('name'),
          reply.bulk(name),
          reply.bulk('consumers'),
          reply.int(g.consumers.size),
          reply.bulk('pending'),
          reply.int(g.pel.size),
          ...groupProgress(s, g),
        ]),
      );
    }
    return reply.array(out);
  },
});

const xinfoConsumers = defineCommand({
  name: 'consumers',
  arity: 4,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: subKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: { summary: 'Lists the consumers of a consumer group.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg, groupArg] },
  run(ctx, argv) {
    const s = infoStream(ctx, argv[2]!);
    const g = s.group(argv[3]!);
    if (g === undefined) {
      return reply.error(errors.noGroupForKey(errArg(argv[3]!), errArg(argv[2]!)));
    }
    const now = ctx.now;
    const out: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const idle = now - c.seenTime;
      out.push(
        reply.map([
          reply.bulk('name'),
          reply.bulk(c.name),
          reply.bulk('pending'),
          reply.int(c.pel.size),
          reply.bulk('idle'),
          reply.int(idle < 0 ? 0 : idle),
          reply.bulk('inactive'),
          reply.int(c.activeTime !== -1 ? now - c.activeTime : -1),
        ]),
      );
    }
    return reply.array(out);
  },
});

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

const xinfoHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['stream'],
  docs: { summary: 'Lists the XINFO subcommands.', since: '5.0.0', group: 'stream', complexity: 'O(1)' },
  run: (_ctx, argv) => helpReply(argv[0]!, XINFO_HELP),
});

export const xinfo = defineCommand({
  name: 'xinfo',
  arity: -2,
  flags: [],
  docs: { summary: 'Introspection of streams, their consumer groups and consumers.', since: '5.0.0', group: 'stream', complexity: 'Depends on subcommand.' },
  subcommands: [xinfoConsumers, xinfoGroups, xinfoStream, xinfoHelp],
});
