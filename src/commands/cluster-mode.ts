/**
 * READONLY and READWRITE: Redis Cluster's per-connection replica-read switches. Redoubt has
 * no cluster mode, so they answer as a Redis started without `cluster-enabled`: with the
 * "cluster support disabled" error. They exist so that ACL rules naming them (`+readonly`,
 * `-readwrite`) and COMMAND INFO/DOCS see the commands Redis has.
 */
import { defineCommand, type CommandDefinition } from '../command-model/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';

function switchCommand(name: 'readonly' | 'readwrite', summary: string): CommandDefinition {
  return defineCommand({
    name,
    arity: 1,
    flags: ['fast', 'loading', 'stale'],
    categories: ['connection'],
    docs: { summary, since: '3.0.0', group: 'cluster', complexity: 'O(1)' },
    run: () => reply.error(errors.clusterDisabled),
  });
}

export const clusterModeCommands: CommandDefinition[] = [
  switchCommand('readonly', 'Enables read-only queries for a connection to a Redis Cluster replica node.'),
  switchCommand('readwrite', 'Enables read-write queries for a connection to a Reids Cluster replica node.'),
];
