/**
 * A command with its handler: the command-data.ts vocabulary plus `run`, which takes the
 * command context. Command families declare themselves here (defineCommand); the
 * dispatcher and the command table hold Commands. Readers that never run a command take
 * the handler-free types of command-data.ts instead, so they sit below the context.
 */
import type { Reply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';
import type { CommandDeclaration, CommandEntry } from '../command-model/command-data.js';

export * from '../command-model/command-data.js';

export type Handler = (ctx: CommandContext, argv: string[]) => Reply | null;

export interface CommandDefinition extends CommandDeclaration {
  run?: Handler;
  subcommands?: readonly CommandDefinition[];
}

/** A registered command: the table's entry (command-data.ts) with its handler. */
export interface Command extends CommandDefinition, CommandEntry {
  subcommands?: readonly CommandDefinition[];
  parent: Command | null;
  subcommandMap: Map<string, Command> | null;
}

export function defineCommand(def: CommandDefinition): CommandDefinition {
  return def;
}

