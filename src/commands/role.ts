/**
 * ROLE (Redis 7.2 roleCommand): this server's place in replication.
 *  - On a replica: `slave`, the primary's host and port, the link state (connect,
 *    connecting, handshake, sync, connected) and the offset applied (-1 without a link),
 *    from the replica side (replication/replica-side.ts).
 *  - On a primary: `master <offset> [[ip port offset] …]`, one entry per online replica
 *    with the offset it acknowledged (replication/primary-side.ts).
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';

export const role = defineCommand({
  name: 'role',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'sentinel'],
  categories: ['admin', 'dangerous'],
  docs: { summary: 'Returns the replication role.', since: '2.8.12', group: 'server', complexity: 'O(1)' },
  run: (ctx) => ctx.services.replicaOf.replicaRole() ?? ctx.services.primary.roleReply(),
});

export const roleCommands: CommandDefinition[] = [role];
