/**
 * MONITOR: from now on the client receives a line for every command any client runs
 * (server/monitor-feed.ts builds and sends them). @admin, so ACL users without it are
 * refused; inside a transaction it is refused as Redis refuses it for a client that
 * cannot block; a client already monitoring gets no reply at all, as in Redis.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';

export const monitor = defineCommand({
  name: 'monitor',
  arity: 1,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  docs: { summary: 'Streams every command the server runs, as it runs them.', since: '1.0.0', group: 'server' },
  run(ctx) {
    if (ctx.client.inExec) return reply.error(errors.monitorDenyBlocking);
    return ctx.services.monitorFeed.start(ctx.client) ? reply.ok : null;
  },
});

export const monitorCommands: CommandDefinition[] = [monitor];
