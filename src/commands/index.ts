/** The command table: every family's declarations, in one list. */
import type { CommandDefinition } from './command-spec.js';
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
import { hashCommands } from './hashes.js';
import { transactionCommands } from './transactions.js';
import { pubsubCommands } from './pubsub.js';

export const allCommands: CommandDefinition[] = [...connectionCommands, ...stringCommands, ...bitmapCommands, ...configCommands, ...keyspaceCommands, ...infoCommands, ...clientCommands, ...commandIntrospectionCommands, ...slowlogCommands, ...latencyCommands, ...serverCommands, ...hashCommands, ...transactionCommands, ...pubsubCommands];
