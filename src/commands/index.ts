/** The command table: every family's declarations, in one list. */
import type { CommandDefinition } from '../command-model/command-spec.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './strings.js';
import { bitmapCommands } from './bitmaps.js';
import { configCommands } from './config-command.js';
import { keyspaceCommands } from './keyspace.js';
import { infoCommands } from './info.js';
import { clientCommands } from './client.js';
import { commandIntrospectionCommands } from './command-introspection.js';
import { slowlogCommands } from './slowlog-command.js';
import { latencyCommands } from './latency-command.js';
import { serverCommands } from './server-commands.js';
import { persistenceCommands } from './persistence-commands.js';
import { hashCommands } from './hashes.js';
import { aclCommands } from './acl-command.js';
import { securityCommands } from './security-commands.js';
import { setCommands } from './sets.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { zsetBlockingCommands } from './zset-blocking.js';
import { streamCommands } from './streams.js';
import { sortedSetCommands } from './sorted-sets.js';
import { listCommands } from './lists.js';
import { transactionCommands } from './transactions.js';
import { pubsubCommands } from './pubsub.js';
import { dumpRestoreCommands } from './dump-restore.js';
import { memoryCommands } from './memory-command.js';
import { sortCommands } from './sort.js';
import { geoCommands } from './geo.js';
import { scriptingCommands } from './scripting.js';
import { functionCommands } from './functions.js';

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
  ...memoryCommands,
  ...sortCommands,
  ...geoCommands,
  ...scriptingCommands,
  ...functionCommands,
];
