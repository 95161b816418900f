/**
 * The registry: every command declared once, indexed by name (after renames) with
 * derived ACL categories and a dense id per command and subcommand.
 */
import { deriveCategories, type Command, type CommandDefinition, type CommandLookup } from './command-spec.js';

export class CommandTable implements CommandLookup {
  /** lookup by the name clients type (renamed commands appear under their new name) */
  private readonly byName = new Map<string, Command>();
  /** every command by original name, renamed or not (ACL rules follow the command) */
  private readonly byOriginal = new Map<string, Command>();
  /** all commands and subcommands by id */
  readonly all: Command[] = [];

  constructor(defs: readonly CommandDefinition[]) {
    for (const def of defs) {
      const cmd = this.build(def, null);
      if (this.byOriginal.has(cmd.name)) throw new Error(`duplicate command ${cmd.name}`);
      this.byName.set(cmd.name, cmd);
      this.byOriginal.set(cmd.name, cmd);
    }
  }

  private build(def: CommandDefinition, parent: Command | null): Command {
    const cmd: Command = {
      ...def,
      fullName: parent === null ? def.name : `${parent.name}|${def.name}`,
      parent,
      aclCategories: deriveCategories(def),
      subcommandMap: null,
      id: this.all.length,
      stats: { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 },
      noAuth: def.flags.includes('no_auth'),
      noMulti: def.flags.includes('no_multi'),
      isWrite: def.flags.includes('write'),
      okLoading: def.flags.includes('loading'),
      // Redis's CMD_PROTECTED commands: DEBUG and MODULE's, each behind its own switch
      protectedBy: !def.flags.includes('protected')
        ? null
        : (parent?.name ?? def.name) === 'debug'
          ? 'enable-debug-command'
          : 'enable-module-command',
    };
    this.all.push(cmd);
    if (def.subcommands !== undefined) {
      cmd.subcommandMap = new Map();
      for (const sub of def.subcommands) cmd.subcommandMap.set(sub.name, this.build(sub, cmd));
    }
    return cmd;
  }

  /**
   * Spellings clients actually send ("GET", "Get", "get") mapped to their command, so the
   * hot path does not lower-case every name and a known name costs one Map probe (clients
   * mostly send upper case, which the table of lower-case names never holds). Bounded:
   * random names cannot grow it; cleared by a rename.
   */
  private readonly spellings = new Map<string, Command>();

  /** Top-level command by the name a client sends (any case). */
  lookup(name: string): Command | undefined {
    const c = this.spellings.get(name);
    if (c !== undefined) return c;
    const found = this.byName.get(name) ?? this.byName.get(name.toLowerCase());
    if (found !== undefined && this.spellings.size < 4096) this.spellings.set(name, found);
    return found;
  }

  /** Top-level command by its original name, even if renamed or disabled. */
  original(name: string): Command | undefined {
    return this.byOriginal.get(name.toLowerCase());
  }

  /** A command or "container|sub" by full original name (ACL rules, COMMAND INFO). */
  byFullName(fullName: string): Command | undefined {
    const [top, sub] = fullName.toLowerCase().split('|', 2);
    const c = this.byOriginal.get(top!);
    if (c === undefined || sub === undefined) return c;
    return c.subcommandMap?.get(sub);
  }

  /**
   * rename-command: the command answers to `to` instead; an empty `to` disables it.
   * Returns false if the command does not exist or `to` is taken.
   */
  rename(from: string, to: string): boolean {
    const cmd = this.byName.get(from.toLowerCase());
    if (cmd === undefined) return false;
    const target = to.toLowerCase();
    if (target !== '' && this.byName.has(target)) return false;
    this.byName.delete(from.toLowerCase());
    this.spellings.clear();
    if (target !== '') this.byName.set(target, cmd);
    return true;
  }

  /** Name a command currently answers to (for COMMAND output after renames), or undefined if disabled. */
  publicName(cmd: Command): string | undefined {
    for (const [name, c] of this.byName) if (c === cmd) return name;
    return undefined;
  }

  /** Top-level commands clients can call, with the names they call them by. */
  visible(): [string, Command][] {
    return [...this.byName.entries()];
  }
}

/**
 * Checks `rename-command` lines in order against a scratch copy of the table (each
 * accepted line renames there, so later lines see earlier ones). Returns Redis's error
 * text for a bad line, or null.
 */
export function renameChecker(scratch: CommandTable): (from: string, to: string) => string | null {
  return (from, to) => {
    if (scratch.lookup(from) === undefined || from.includes('|')) return 'No such command in rename-command';
    if (to !== '' && scratch.lookup(to) !== undefined) return 'Target command name already exists';
    scratch.rename(from, to);
    return null;
  };
}
