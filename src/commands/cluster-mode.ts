/**
 * READONLY, READWRITE and CLUSTER: Redis Cluster's commands. Redoubt has no cluster mode,
 * so they answer as a Redis started without `cluster-enabled`: with the "cluster support
 * disabled" error (CLUSTER HELP included, as Redis's clusterCommand refuses before looking
 * at the subcommand). They exist so that ACL rules naming them (`+readonly`,
 * `-cluster|reset`), COMMAND INFO/DOCS/LIST, arity and unknown-subcommand errors and the
 * script rule (CLUSTER RESET is `noscript`) are those of Redis 7.2.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
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

type Flag = CommandDefinition['flags'][number];
const ADMIN: readonly Flag[] = ['admin', 'no_async_loading', 'stale'];

/** One CLUSTER subcommand: [name, arity, flags, since, summary]. */
const CLUSTER_SUBCOMMANDS: readonly (readonly [string, number, readonly Flag[], string, string])[] = [
  ['addslots', -3, ADMIN, '3.0.0', 'Assigns new hash slots to a node.'],
  ['addslotsrange', -4, ADMIN, '7.0.0', 'Assigns new hash slot ranges to a node.'],
  ['bumpepoch', 2, ADMIN, '3.0.0', 'Advances the cluster config epoch.'],
  ['count-failure-reports', 3, ['admin', 'stale'], '3.0.0', 'Returns the number of active failure reports active for a node.'],
  ['countkeysinslot', 3, ['stale'], '3.0.0', 'Returns the number of keys in a hash slot.'],
  ['delslots', -3, ADMIN, '3.0.0', 'Sets hash slots as unbound for a node.'],
  ['delslotsrange', -4, ADMIN, '7.0.0', 'Sets hash slot ranges as unbound for a node.'],
  ['failover', -2, ADMIN, '3.0.0', 'Forces a replica to perform a manual failover of its master.'],
  ['flushslots', 2, ADMIN, '3.0.0', "Deletes all slots information from a node."],
  ['forget', 3, ADMIN, '3.0.0', 'Removes a node from the nodes table.'],
  ['getkeysinslot', 4, ['stale'], '3.0.0', 'Returns the key names in a hash slot.'],
  ['help', 2, ['loading', 'stale'], '5.0.0', 'Returns helpful text about the different subcommands.'],
  ['info', 2, ['stale'], '3.0.0', 'Returns information about the state of a node.'],
  ['keyslot', 3, ['stale'], '3.0.0', 'Returns the hash slot for a key.'],
  ['links', 2, ['stale'], '7.0.0', 'Returns a list of all TCP links to and from peer nodes.'],
  ['meet', -4, ADMIN, '3.0.0', 'Forces a node to handshake with another node.'],
  ['myid', 2, ['stale'], '3.0.0', 'Returns the ID of a node.'],
  ['myshardid', 2, ['stale'], '7.2.0', 'Returns the shard ID of a node.'],
  ['nodes', 2, ['stale'], '3.0.0', 'Returns the cluster configuration for a node.'],
  ['replicas', 3, ['admin', 'stale'], '5.0.0', 'Lists the replica nodes of a master node.'],
  ['replicate', 3, ADMIN, '3.0.0', 'Configure a node as replica of a master node.'],
  ['reset', -2, ['admin', 'noscript', 'stale'], '3.0.0', 'Resets a node.'],
  ['saveconfig', 2, ADMIN, '3.0.0', 'Forces a node to save the cluster configuration to disk.'],
  ['set-config-epoch', 3, ADMIN, '3.0.0', 'Sets the configuration epoch for a new node.'],
  ['setslot', -4, ADMIN, '3.0.0', 'Binds a hash slot to a node.'],
  ['shards', 2, ['loading', 'stale'], '7.0.0', 'Returns the mapping of cluster slots to shards.'],
  ['slaves', 3, ['admin', 'stale'], '3.0.0', 'Lists the replica nodes of a master node.'],
  ['slots', 2, ['loading', 'stale'], '3.0.0', 'Returns the mapping of cluster slots to nodes.'],
];

/** Subcommands whose 7.2 spec carries the NONDETERMINISTIC_OUTPUT tip. */
const NONDETERMINISTIC = new Set(['bumpepoch', 'count-failure-reports', 'getkeysinslot', 'info', 'links', 'myshardid', 'nodes', 'replicas', 'shards', 'slaves', 'slots']);

const clusterCommand = defineCommand({
  name: 'cluster',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for Redis Cluster commands.', since: '3.0.0', group: 'cluster', complexity: 'Depends on subcommand.' },
  subcommands: CLUSTER_SUBCOMMANDS.map(([name, arity, flags, since, summary]) =>
    defineCommand({
      name,
      arity,
      flags,
      ...(NONDETERMINISTIC.has(name) ? { tips: ['nondeterministic_output'] } : {}),
      docs: { summary, since, group: 'cluster', complexity: 'O(1)' },
      run: () => reply.error(errors.clusterDisabled),
    }),
  ),
});

export const clusterModeCommands: CommandDefinition[] = [
  clusterCommand,
  switchCommand('readonly', 'Enables read-only queries for a connection to a Redis Cluster replica node.'),
  switchCommand('readwrite', 'Enables read-write queries for a connection to a Reids Cluster replica node.'),
];
