/**
 * ROLE (Redis 7.2 roleCommand): this server's place in replication. A primary answers
 * `master <offset> [[ip port offset] …]`, one entry per online replica with the offset it
 * acknowledged (replication/primary-side.ts).
 */
import { defineCommand, type CommandDefinition } from '../command-model/command-spec.js';

export const role = defineCommand({
  name: 'role',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast'],
  categories: ['admin', 'dangerous'],
  docs: { summary: 'Returns the replication role.', since: '2.8.12', group: 'server', complexity: 'O(1)' },
  run: (ctx) => ctx.services.primary.roleReply(),
});

export const roleCommands: CommandDefinition[] = [role];
