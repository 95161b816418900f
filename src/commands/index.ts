/** The command table: every family's declarations, in one list. */
import type { CommandDefinition } from './command-spec.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './strings.js';

export const allCommands: CommandDefinition[] = [...connectionCommands, ...stringCommands];
