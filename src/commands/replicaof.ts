/**
 * REPLICAOF host port | NO ONE, and its deprecated name SLAVEOF (Redis 7.2
 * replicaofCommand), and FAILOVER (replication/failover.ts): checks in Redis's order and texts; following and promoting are the
 * replica side's (replication/replica-side.ts). As in Redis, allowed inside MULTI (the
 * queued writes after it then meet the read-only replica at EXEC) and while the link is
 * down with replica-serve-stale-data no (`stale`).
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import { readRangeLong } from '../command-model/argument-reader.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';

const args = [
  {
    name: 'args',
    type: 'oneof' as const,
    arguments: [
      {
        name: 'host-port',
        type: 'block' as const,
        arguments: [
          { name: 'host', type: 'string' as const },
          { name: 'port', type: 'integer' as const },
        ],
      },
      {
        name: 'no-one',
        type: 'block' as const,
        arguments: [
          { name: 'no', type: 'pure-token' as const, token: 'NO' },
          { name: 'one', type: 'pure-token' as const, token: 'ONE' },
        ],
      },
    ],
  },
];

function run(ctx: CommandContext, argv: string[]): Reply {
  const service = ctx.services.replicaOf;
  if (service.failingOver) return reply.error(errors.replicaOfWhileFailingOver);
  if (argv[1]!.toLowerCase() === 'no' && argv[2]!.toLowerCase() === 'one') {
    service.promote(ctx.client);
    return reply.ok;
  }
  // a replica of ours cannot make us follow someone else (we would flush it)
  if (ctx.client.role === 'replica') return reply.error(errors.replicaOfNotForReplica);
  const port = readRangeLong(argv[2]!, 0n, 65535n, errors.replicaOfInvalidPort);
  if (service.follow(argv[1]!, port, ctx.client) === 'already') return reply.simple('OK Already connected to specified master');
  return reply.ok;
}

export const replicaof = defineCommand({
  name: 'replicaof',
  arity: 3,
  flags: ['no_async_loading', 'admin', 'noscript', 'stale'],
  categories: ['dangerous'],
  docs: {
    summary: 'Configures a server as replica of another, or promotes it to a master.',
    since: '5.0.0',
    group: 'server',
    complexity: 'O(1)',
    arguments: args,
  },
  run,
});

export const slaveof = defineCommand({
  name: 'slaveof',
  arity: 3,
  flags: ['no_async_loading', 'admin', 'noscript', 'stale'],
  categories: ['dangerous'],
  docs: {
    summary: 'Sets a Redis server as a replica of another, or promotes it to being a master.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    deprecatedSince: '5.0.0',
    replacedBy: '`REPLICAOF`',
    arguments: args,
  },
  run,
});

export const failover = defineCommand({
  name: 'failover',
  arity: -1,
  flags: ['admin', 'noscript', 'stale'],
  categories: ['dangerous'],
  docs: {
    summary: 'Starts a coordinated failover from a server to one of its replicas.',
    since: '6.2.0',
    group: 'server',
    complexity: 'O(1)',
    arguments: [
      {
        name: 'target',
        type: 'block',
        token: 'TO',
        optional: true,
        arguments: [
          { name: 'host', type: 'string' },
          { name: 'port', type: 'integer' },
          { name: 'force', type: 'pure-token', token: 'FORCE', optional: true },
        ],
      },
      { name: 'abort', type: 'pure-token', token: 'ABORT', optional: true },
      { name: 'milliseconds', type: 'integer', token: 'TIMEOUT', optional: true },
    ],
  },
  run: (ctx, argv) => ctx.services.replicaOf.failover(argv, ctx.client),
});

export const replicaofCommands: CommandDefinition[] = [replicaof, slaveof, failover];
