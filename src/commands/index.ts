/** The command table: every family's declarations, in one list. */
import type { CommandDefinition } from '../command-context/command-spec.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './string.js';
import { bitmapCommands } from './bitmap.js';
import { configCommands } from './config.js';
import { keyspaceCommands } from './keyspace.js';
import { infoCommands } from './info.js';
import { clientCommands } from './client.js';
import { commandIntrospectionCommands } from './command-introspection.js';
import { slowlogCommands } from './slowlog.js';
import { latencyCommands } from './latency.js';
import { serverCommands } from './lifecycle.js';
import { persistenceCommands } from './persistence.js';
import { hashCommands } from './hash.js';
import { aclCommands } from './acl.js';
import { securityCommands } from './auththrottle.js';
import { setCommands } from './set.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { zsetBlockingCommands } from './zset/blocking.js';
import { streamCommands } from './stream/index.js';
import { sortedSetCommands } from './zset/index.js';
import { listCommands } from './list.js';
import { transactionCommands } from './transactions.js';
import { pubsubCommands } from './pubsub.js';
import { dumpRestoreCommands } from './dump-restore.js';
import { waitCommands } from './wait.js';
import { migrateCommands } from './migrate.js';
import { memoryCommands } from './memory.js';
import { sortCommands } from './sort.js';
import { geoCommands } from './geo.js';
import { debugCommands } from './debug.js';
import { hyperloglogDebugCommands } from './hyperloglog-debug.js';
import { lolwutCommands } from './lolwut.js';
import { monitorCommands } from './monitor.js';
import { moduleCommands } from './module.js';
import { scriptingCommands } from './scripting.js';
import { functionCommands } from './functions.js';
import { replicationPrimaryCommands } from './replication-primary.js';
import { replicaofCommands } from './replicaof.js';
import { roleCommands } from './role.js';
import { clusterModeCommands } from './cluster-mode.js';

export const allCommands: CommandDefinition[] = [
  ...connectionCommands,
  ...stringCommands,
  ...bitmapCommands,
  ...configCommands,
  ...keyspaceCommands,
  ...infoCommands,
  ...clientCommands,
  ...commandIntrospectionCommands,
  ...slowlogCommands,
  ...latencyCommands,
  ...serverCommands,
  ...persistenceCommands,
  ...hashCommands,
  ...aclCommands,
  ...securityCommands,
  ...setCommands,
  ...hyperloglogCommands,
  ...zsetBlockingCommands,
  ...streamCommands,
  ...sortedSetCommands,
  ...listCommands,
  ...transactionCommands,
  ...pubsubCommands,
  ...dumpRestoreCommands,
  ...waitCommands,
  ...migrateCommands,
  ...memoryCommands,
  ...sortCommands,
  ...geoCommands,
  ...debugCommands,
  ...hyperloglogDebugCommands,
  ...lolwutCommands,
  ...monitorCommands,
  ...moduleCommands,
  ...scriptingCommands,
  ...functionCommands,
  ...replicationPrimaryCommands,
  ...replicaofCommands,
  ...roleCommands,
  ...clusterModeCommands,
];
