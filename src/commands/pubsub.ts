/**
 * Pub/Sub commands (pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
 * SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB.
 *
 * A (un)subscribe command answers with one reply per channel (a push in RESP3), not with
 * one array; the handler hands them over pre-encoded for the connection's protocol, so
 * inside EXEC they also appear as Redis writes them. The RESP2 subscribed-mode
 * restriction is the dispatcher's; messages travel through server.pubsub.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { errors } from '../errors.js';
import { reply, type Reply } from '../protocol/reply.js';
import { encodeReply } from '../protocol/reply-writer.js';
import { helpReply } from './command-introspection.js';
import type { CommandContext } from '../command-context/context.js';
import type { PubSubTarget, SubscriptionKind } from '../server/pubsub.js';

const WORDS: Record<SubscriptionKind, { sub: Reply; unsub: Reply }> = {
  channel: { sub: reply.bulk('subscribe'), unsub: reply.bulk('unsubscribe') },
  pattern: { sub: reply.bulk('psubscribe'), unsub: reply.bulk('punsubscribe') },
  shard: { sub: reply.bulk('ssubscribe'), unsub: reply.bulk('sunsubscribe') },
};

/** A connection with no socket (never in practice) still gets a registry entry. */
function targetOf(ctx: CommandContext): PubSubTarget {
  return ctx.services.clients.pubsubTarget(ctx.client);
}

/**
 * Several replies as one pre-encoded reply, in the client's protocol. Confirmations are
 * pushes in Redis: CLIENT REPLY OFF/SKIP does not silence them, so they then travel the
 * out-of-band path (written right after this command's, suppressed, reply).
 */
function replies(ctx: CommandContext, items: Reply[]): Reply | null {
  const c = ctx.client;
  if ((c.replyMode === 'off' || c.skipNext) && !c.inExec) {
    const target = targetOf(ctx);
    for (const r of items) target.push(r);
    // OFF: nothing to emit; SKIP: a reply for the connection to drop (it ends the skip)
    return c.replyMode === 'off' ? null : reply.ok;
  }
  if (items.length === 1) return items[0]!;
  const resp = ctx.client.resp;
  return reply.raw(Buffer.concat(items.map((r) => encodeReply(r, resp))));
}

function confirmation(ctx: CommandContext, word: Reply, name: string | null, kind: SubscriptionKind): Reply {
  return reply.push([word, name === null ? reply.nil : reply.bulk(name), reply.int(ctx.services.pubsub.countFor(ctx.client, kind))]);
}

function subscribeGeneric(ctx: CommandContext, argv: string[], kind: SubscriptionKind): Reply | null {
  const target = targetOf(ctx);
  const out: Reply[] = [];
  for (let i = 1; i < argv.length; i++) {
    ctx.services.pubsub.subscribe(target, kind, argv[i]!);
    out.push(confirmation(ctx, WORDS[kind].sub, argv[i]!, kind));
  }
  return replies(ctx, out);
}

function unsubscribeGeneric(ctx: CommandContext, argv: string[], kind: SubscriptionKind): Reply | null {
  const ps = ctx.services.pubsub;
  const names = argv.length > 1 ? argv.slice(1) : ps.subscriptionsOf(ctx.client, kind);
  const out: Reply[] = [];
  for (const name of names) {
    ps.unsubscribe(ctx.client, kind, name);
    out.push(confirmation(ctx, WORDS[kind].unsub, name, kind));
  }
  // unsubscribing from everything while subscribed to nothing still gets one answer
  if (out.length === 0) out.push(confirmation(ctx, WORDS[kind].unsub, null, kind));
  return replies(ctx, out);
}

const channelsArg = { name: 'channel', type: 'string', multiple: true } as const;
const optChannelsArg = { name: 'channel', type: 'string', optional: true, multiple: true } as const;
const SUB_FLAGS = ['pubsub', 'noscript', 'loading', 'stale'] as const;

export const subscribe = defineCommand({
  name: 'subscribe',
  arity: -2,
  flags: SUB_FLAGS,
  docs: { summary: 'Starts listening to messages published to channels.', since: '2.0.0', group: 'pubsub', complexity: 'O(N) where N is the number of channels to subscribe to.', arguments: [channelsArg] },
  run: (ctx, argv) => subscribeGeneric(ctx, argv, 'channel'),
});

export const unsubscribe = defineCommand({
  name: 'unsubscribe',
  arity: -1,
  flags: SUB_FLAGS,
  docs: { summary: 'Stops listening to channels (all of them when none is named).', since: '2.0.0', group: 'pubsub', complexity: 'O(N) where N is the number of channels to unsubscribe.', arguments: [optChannelsArg] },
  run: (ctx, argv) => unsubscribeGeneric(ctx, argv, 'channel'),
});

export const psubscribe = defineCommand({
  name: 'psubscribe',
  arity: -2,
  flags: SUB_FLAGS,
  docs: {
    summary: 'Starts listening to messages published to channels matching glob patterns.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of patterns to subscribe to.',
    arguments: [{ name: 'pattern', type: 'pattern', multiple: true }],
  },
  run: (ctx, argv) => subscribeGeneric(ctx, argv, 'pattern'),
});

export const punsubscribe = defineCommand({
  name: 'punsubscribe',
  arity: -1,
  flags: SUB_FLAGS,
  docs: {
    summary: 'Stops listening to patterns (all of them when none is named).',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of patterns to unsubscribe.',
    arguments: [{ name: 'pattern', type: 'pattern', optional: true, multiple: true }],
  },
  run: (ctx, argv) => unsubscribeGeneric(ctx, argv, 'pattern'),
});

export const ssubscribe = defineCommand({
  name: 'ssubscribe',
  arity: -2,
  flags: SUB_FLAGS,
  keySpecs: [keys.rest(1, 1, 'NOT_KEY')],
  docs: {
    summary: 'Starts listening to messages published to shard channels.',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of shard channels to subscribe to.',
    arguments: [{ name: 'shardchannel', type: 'string', multiple: true }],
  },
  run(ctx, argv) {
    // Unlike SUBSCRIBE, not even EXEC may make a client a shard subscriber.
    if (ctx.client.inExec) return reply.error(errors.ssubscribeDenyBlocking);
    return subscribeGeneric(ctx, argv, 'shard');
  },
});

export const sunsubscribe = defineCommand({
  name: 'sunsubscribe',
  arity: -1,
  flags: SUB_FLAGS,
  keySpecs: [keys.rest(1, 1, 'NOT_KEY')],
  docs: {
    summary: 'Stops listening to shard channels (all of them when none is named).',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of shard channels to unsubscribe.',
    arguments: [{ name: 'shardchannel', type: 'string', optional: true, multiple: true }],
  },
  run: (ctx, argv) => unsubscribeGeneric(ctx, argv, 'shard'),
});

export const publish = defineCommand({
  name: 'publish',
  arity: 3,
  // may_replicate (hidden in COMMAND INFO): refused in read-only scripts, as Redis
  flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
  docs: {
    summary: 'Sends a message to a channel and answers how many subscribers got it.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    arguments: [
      { name: 'channel', type: 'string' },
      { name: 'message', type: 'string' },
    ],
  },
  run: (ctx, argv) => reply.int(ctx.services.pubsub.publish(argv[1]!, argv[2]!)),
});

export const spublish = defineCommand({
  name: 'spublish',
  arity: 3,
  // may_replicate (hidden in COMMAND INFO): refused in read-only scripts, as Redis
  flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
  keySpecs: [keys.one(1, 'NOT_KEY')],
  docs: {
    summary: 'Sends a message to a shard channel and answers how many subscribers got it.',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
    arguments: [
      { name: 'shardchannel', type: 'string' },
      { name: 'message', type: 'string' },
    ],
  },
  run: (ctx, argv) => reply.int(ctx.services.pubsub.spublish(argv[1]!, argv[2]!)),
});

/** PUBSUB's own argument-count error for subcommands with a fixed shape. */
function subcommandSyntaxError(argv: string[]): Reply {
  return reply.error(errors.subcommandSyntax(argv));
}

const INTROSPECT_FLAGS = ['pubsub', 'loading', 'stale'] as const;

const channels = defineCommand({
  name: 'channels',
  arity: -2,
  flags: INTROSPECT_FLAGS,
  docs: {
    summary: 'Lists the channels that have subscribers, optionally matching a pattern.',
    since: '2.8.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
    arguments: [{ name: 'pattern', type: 'pattern', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length > 3) return subcommandSyntaxError(argv);
    return reply.bulks(ctx.services.pubsub.activeChannels(false, argv.length === 3 ? argv[2]! : null));
  },
});

const numsub = defineCommand({
  name: 'numsub',
  arity: -2,
  flags: INTROSPECT_FLAGS,
  docs: {
    summary: 'Counts the subscribers of each named channel (pattern subscriptions excluded).',
    since: '2.8.0',
    group: 'pubsub',
    complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
    arguments: [optChannelsArg],
  },
  run: (ctx, argv) => countPerChannel(ctx, argv, false),
});

const numpat = defineCommand({
  name: 'numpat',
  arity: 2,
  flags: INTROSPECT_FLAGS,
  docs: { summary: 'Counts the distinct patterns that have subscribers.', since: '2.8.0', group: 'pubsub', complexity: 'O(1)' },
  run: (ctx) => reply.int(ctx.services.pubsub.patternCount),
});

const shardchannels = defineCommand({
  name: 'shardchannels',
  arity: -2,
  flags: INTROSPECT_FLAGS,
  docs: {
    summary: 'Lists the shard channels that have subscribers, optionally matching a pattern.',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
    arguments: [{ name: 'pattern', type: 'pattern', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length > 3) return subcommandSyntaxError(argv);
    return reply.bulks(ctx.services.pubsub.activeChannels(true, argv.length === 3 ? argv[2]! : null));
  },
});

const shardnumsub = defineCommand({
  name: 'shardnumsub',
  arity: -2,
  flags: INTROSPECT_FLAGS,
  docs: {
    summary: 'Counts the subscribers of each named shard channel.',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
    arguments: [{ name: 'shardchannel', type: 'string', optional: true, multiple: true }],
  },
  run: (ctx, argv) => countPerChannel(ctx, argv, true),
});

function countPerChannel(ctx: CommandContext, argv: string[], shard: boolean): Reply {
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(reply.bulk(argv[i]!), reply.int(ctx.services.pubsub.subscriberCount(shard, argv[i]!)));
  return reply.array(out);
}

const HELP_LINES = [
  'CHANNELS [<pattern>]',
  "    The channels that have at least one subscriber, those matching <pattern> (default: '*').",
  'NUMPAT',
  '    The number of distinct patterns with subscribers.',
  'NUMSUB [<channel> ...]',
  '    The number of subscribers of each channel, pattern subscriptions not',
  '    counted (default: no channels).',
  "SHARDCHANNELS [<pattern>]",
  "    The shard channels that have at least one subscriber, those matching <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    The number of subscribers of each shard channel.',
];

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Shows the PUBSUB subcommands.', since: '6.2.0', group: 'pubsub', complexity: 'O(1)' },
  run: () => helpReply('PUBSUB', HELP_LINES),
});

export const pubsub = defineCommand({
  name: 'pubsub',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for Pub/Sub introspection commands.', since: '2.8.0', group: 'pubsub', complexity: 'Depends on subcommand.' },
  subcommands: [channels, help, numpat, numsub, shardchannels, shardnumsub],
});

export const pubsubCommands: CommandDefinition[] = [subscribe, unsubscribe, psubscribe, punsubscribe, ssubscribe, sunsubscribe, publish, spublish, pubsub];
