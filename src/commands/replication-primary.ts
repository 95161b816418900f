/**
 * The commands a replica sends its primary (Redis 7.2 replication.c): PSYNC replid offset
 * and the old SYNC start a resynchronization, REPLCONF announces the replica and carries
 * its acknowledgements. Flags and categories as Redis's command table (so the ACL
 * `replication` surface matches: a replica user needs +psync +replconf, and +ping);
 * the work is the primary side's (replication/primary-side.ts).
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';

export const psync = defineCommand({
  name: 'psync',
  arity: -3,
  flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
  docs: {
    summary: 'An internal command used in replication.',
    since: '2.8.0',
    group: 'server',
    arguments: [
      { name: 'replicationid', type: 'string' },
      { name: 'offset', type: 'integer' },
    ],
  },
  run: (ctx, argv) => ctx.services.primary.sync(ctx, argv),
});

export const sync = defineCommand({
  name: 'sync',
  arity: 1,
  flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
  docs: { summary: 'An internal command used in replication.', since: '1.0.0', group: 'server' },
  run: (ctx, argv) => ctx.services.primary.sync(ctx, argv),
});

export const replconf = defineCommand({
  name: 'replconf',
  arity: -1,
  flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
  docs: { summary: 'An internal command for configuring the replication stream.', since: '3.0.0', group: 'server' },
  run: (ctx, argv) => ctx.services.primary.replconf(ctx, argv),
});

export const replicationPrimaryCommands: CommandDefinition[] = [psync, sync, replconf];
