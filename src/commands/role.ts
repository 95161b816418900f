/**
 * ROLE (Redis 7.2 roleCommand). On a replica: `slave`, the primary's host and port, the
 * link state (connect, connecting, handshake, sync, connected) and the offset applied
 * (-1 without a link), from the replica side. On a primary: `master`, master_repl_offset
 * and the online replicas as [ip, port, acknowledged offset] (none are listed here: the
 * primary side attaches its replicas).
 */
import { defineCommand, type CommandDefinition } from '../command-model/command-spec.js';
import { reply } from '../protocol/reply.js';

export const role = defineCommand({
  name: 'role',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'sentinel'],
  categories: ['admin', 'dangerous'],
  docs: { summary: 'Returns the replication role.', since: '2.8.12', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const service = ctx.services.replicaOf;
    return service.replicaRole() ?? reply.array([reply.bulk('master'), reply.int(service.offset), reply.emptyArray]);
  },
});

export const roleCommands: CommandDefinition[] = [role];
