/**
 * COMMAND and its subcommands: the command table described to clients, in Redis 7.2's
 * reply shapes (COMMAND INFO's 10-element entries, COMMAND DOCS maps, GETKEYS...).
 *
 * Everything is derived from the one declaration of each command: arity, flags, the
 * derived ACL categories, tips, key specs, and (first, last, step) plus `movablekeys`
 * computed from the key specs as Redis does. Renamed commands are listed and looked up
 * under the name clients call them by; disabled ones (renamed to "") do not appear.
 */
import { COMMAND_FLAGS, defineCommand, type ArgumentDoc, type CommandEntry, type CommandLookup, type CommandDefinition, type CommandFlag, type KeySpec, type KeySpecFlag } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { compileGlob } from '../keyspace/glob.js';
import { commandHasKeys, extractKeys, legacyKeyRange } from '../command-model/key-extraction.js';

/** Flags COMMAND INFO shows, in Redis's order; the others are internal and hidden on purpose. */
const HIDDEN_FLAGS: ReadonlySet<CommandFlag> = new Set<CommandFlag>([
  'may_replicate',
  'sentinel',
  'only_sentinel',
  'protected',
  'module_getkeys',
  'module_no_cluster',
]);
const SHOWN_FLAGS: readonly CommandFlag[] = COMMAND_FLAGS.filter((f) => !HIDDEN_FLAGS.has(f));

/** Key-spec flag names as Redis spells them in replies, in its order. */
const KEY_FLAG_NAMES: readonly [KeySpecFlag, string][] = [
  ['RO', 'RO'],
  ['RW', 'RW'],
  ['OW', 'OW'],
  ['RM', 'RM'],
  ['ACCESS', 'access'],
  ['UPDATE', 'update'],
  ['INSERT', 'insert'],
  ['DELETE', 'delete'],
  ['NOT_KEY', 'not_key'],
  ['INCOMPLETE', 'incomplete'],
  ['VARIABLE_FLAGS', 'variable_flags'],
];

/** `HELP` output in Redis's layout: a title line, the entries, then HELP itself; all simple strings. */
export function helpReply(container: string, lines: readonly string[]): Reply {
  const out: Reply[] = [reply.simple(`${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const l of lines) out.push(reply.simple(l));
  out.push(reply.simple('HELP'), reply.simple('    Print this help.'));
  return reply.array(out);
}

/** Names of commands as clients currently call them (after rename-command). */
export class PublicNames {
  private readonly names = new Map<CommandEntry, string>();
  constructor(readonly table: CommandLookup) {
    for (const [name, cmd] of table.visible()) this.names.set(cmd, name);
  }
  /** "get", "config|get", or undefined when the command (or its container) is disabled */
  of(cmd: CommandEntry): string | undefined {
    if (cmd.parent === null) return this.names.get(cmd);
    const p = this.of(cmd.parent);
    return p === undefined ? undefined : `${p}|${cmd.name}`;
  }
}

/**
 * A command or subcommand by the name a client uses: "get", "CONFIG|GET". Like Redis's
 * lookupCommandBySds: more than one '|' or an unknown part finds nothing.
 */
export function lookupByPublicName(table: CommandLookup, name: string): CommandEntry | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const top = table.lookup(parts[0]!);
  if (top === undefined || parts.length === 1) return top;
  return top.subcommandMap?.get(parts[1]!.toLowerCase());
}

function flagSet(cmd: CommandEntry): Reply {
  const movable = cmd.flags.includes('movablekeys') || legacyKeyRange(cmd.keySpecs).movable;
  const out: Reply[] = [];
  for (const f of SHOWN_FLAGS) {
    if (f === 'movablekeys' ? movable : cmd.flags.includes(f)) out.push(reply.simple(f));
  }
  return reply.set(out);
}

export function keyFlagSet(flags: readonly KeySpecFlag[]): Reply {
  const out: Reply[] = [];
  for (const [f, name] of KEY_FLAG_NAMES) if (flags.includes(f)) out.push(reply.simple(name));
  return reply.set(out);
}

function keySpecReply(spec: KeySpec): Reply {
  const items: Reply[] = [];
  if (spec.notes !== undefined) items.push(reply.bulk('notes'), reply.bulk(spec.notes));
  items.push(reply.bulk('flags'), keyFlagSet(spec.flags));
  items.push(reply.bulk('begin_search'));
  const b = spec.begin;
  if ('index' in b) {
    items.push(reply.map([reply.bulk('type'), reply.bulk('index'), reply.bulk('spec'), reply.map([reply.bulk('index'), reply.int(b.index)])]));
  } else if ('keyword' in b) {
    items.push(
      reply.map([
        reply.bulk('type'),
        reply.bulk('keyword'),
        reply.bulk('spec'),
        reply.map([reply.bulk('keyword'), reply.bulk(b.keyword), reply.bulk('startfrom'), reply.int(b.startFrom)]),
      ]),
    );
  } else {
    items.push(reply.map([reply.bulk('type'), reply.bulk('unknown'), reply.bulk('spec'), reply.map([])]));
  }
  items.push(reply.bulk('find_keys'));
  const f = spec.find;
  if ('lastKey' in f) {
    items.push(
      reply.map([
        reply.bulk('type'),
        reply.bulk('range'),
        reply.bulk('spec'),
        reply.map([reply.bulk('lastkey'), reply.int(f.lastKey), reply.bulk('keystep'), reply.int(f.step), reply.bulk('limit'), reply.int(f.limit)]),
      ]),
    );
  } else if ('keynumIdx' in f) {
    items.push(
      reply.map([
        reply.bulk('type'),
        reply.bulk('keynum'),
        reply.bulk('spec'),
        reply.map([reply.bulk('keynumidx'), reply.int(f.keynumIdx), reply.bulk('firstkey'), reply.int(f.firstKey), reply.bulk('keystep'), reply.int(f.step)]),
      ]),
    );
  } else {
    items.push(reply.map([reply.bulk('type'), reply.bulk('unknown'), reply.bulk('spec'), reply.map([])]));
  }
  return reply.map(items);
}

/** One COMMAND INFO entry: name, arity, flags, first, last, step, categories, tips, key specs, subcommands. */
export function commandInfoReply(cmd: CommandEntry, names: PublicNames): Reply {
  const range = legacyKeyRange(cmd.keySpecs);
  const subs = cmd.subcommands === undefined ? reply.set([]) : reply.array(subcommandsOf(cmd).map((s) => commandInfoReply(s, names)));
  return reply.array([
    reply.bulk(names.of(cmd) ?? cmd.fullName),
    reply.int(cmd.arity),
    flagSet(cmd),
    reply.int(range.first),
    reply.int(range.last),
    reply.int(range.step),
    reply.set(cmd.aclCategories.map((c) => reply.simple(`@${c}`))),
    reply.set((cmd.tips ?? []).map((t) => reply.bulk(t))),
    reply.set((cmd.keySpecs ?? []).map(keySpecReply)),
    subs,
  ]);
}

function subcommandsOf(cmd: CommandEntry): CommandEntry[] {
  return cmd.subcommandMap === null ? [] : [...cmd.subcommandMap.values()];
}

function argFlags(a: ArgumentDoc): Reply | null {
  const f: Reply[] = [];
  if (a.optional === true) f.push(reply.simple('optional'));
  if (a.multiple === true) f.push(reply.simple('multiple'));
  return f.length === 0 ? null : reply.set(f);
}

/**
 * Argument docs as COMMAND DOCS shows them. Key arguments get a key_spec_index: the nth key
 * argument (depth first) refers to the nth key spec, which is how the Redis table pairs them.
 */
function argumentsReply(args: readonly ArgumentDoc[], keyCounter: { n: number }): Reply {
  return reply.array(
    args.map((a) => {
      const items: Reply[] = [reply.bulk('name'), reply.bulk(a.name), reply.bulk('type'), reply.bulk(a.type)];
      const nested = a.type === 'oneof' || a.type === 'block';
      if (!nested) items.push(reply.bulk('display_text'), reply.bulk(a.name));
      if (a.type === 'key') items.push(reply.bulk('key_spec_index'), reply.int(keyCounter.n++));
      if (a.token !== undefined) items.push(reply.bulk('token'), reply.bulk(a.token));
      const flags = argFlags(a);
      if (flags !== null) items.push(reply.bulk('flags'), flags);
      if (nested) items.push(reply.bulk('arguments'), argumentsReply(a.arguments ?? [], keyCounter));
      return reply.map(items);
    }),
  );
}

/** One COMMAND DOCS value (the map after the name). */
export function commandDocsReply(cmd: CommandEntry, names: PublicNames): Reply {
  const d = cmd.docs;
  const items: Reply[] = [];
  items.push(reply.bulk('summary'), reply.bulk(d.summary));
  items.push(reply.bulk('since'), reply.bulk(d.since));
  items.push(reply.bulk('group'), reply.bulk(d.group));
  if (d.complexity !== undefined) items.push(reply.bulk('complexity'), reply.bulk(d.complexity));
  if (d.deprecatedSince !== undefined) {
    items.push(reply.bulk('doc_flags'), reply.set([reply.simple('deprecated')]));
    items.push(reply.bulk('deprecated_since'), reply.bulk(d.deprecatedSince));
  }
  if (d.replacedBy !== undefined) items.push(reply.bulk('replaced_by'), reply.bulk(d.replacedBy));
  if (d.arguments !== undefined && d.arguments.length > 0) items.push(reply.bulk('arguments'), argumentsReply(d.arguments, { n: 0 }));
  if (cmd.subcommands !== undefined) {
    const subs: Reply[] = [];
    for (const s of subcommandsOf(cmd)) subs.push(reply.bulk(names.of(s) ?? s.fullName), commandDocsReply(s, names));
    items.push(reply.bulk('subcommands'), reply.map(subs));
  }
  return reply.map(items);
}

// ---- COMMAND subcommands ----

function visibleCommands(table: CommandLookup): CommandEntry[] {
  return table.visible().map(([, c]) => c);
}

const countCmd = defineCommand({
  name: 'count',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  docs: { summary: 'Counts the commands this server knows.', since: '2.8.13', group: 'server', complexity: 'O(1)' },
  run: (ctx) => reply.int(ctx.services.commands.table.visible().length),
});

const infoCmd = defineCommand({
  name: 'info',
  arity: -2,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  tips: ['nondeterministic_output_order'],
  docs: {
    summary: 'Describes one, several or all commands.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the number of commands to look up',
    arguments: [{ name: 'command-name', type: 'string', optional: true, multiple: true }],
  },
  run(ctx, argv) {
    const table = ctx.services.commands.table;
    const names = new PublicNames(table);
    if (argv.length === 2) return reply.array(visibleCommands(table).map((c) => commandInfoReply(c, names)));
    const out: Reply[] = [];
    for (let i = 2; i < argv.length; i++) {
      const c = lookupByPublicName(table, argv[i]!);
      out.push(c === undefined ? reply.nil : commandInfoReply(c, names));
    }
    return reply.array(out);
  },
});

const docsCmd = defineCommand({
  name: 'docs',
  arity: -2,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  tips: ['nondeterministic_output_order'],
  docs: {
    summary: 'Returns the documentation of one, several or all commands.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of commands to look up',
    arguments: [{ name: 'command-name', type: 'string', optional: true, multiple: true }],
  },
  run(ctx, argv) {
    const table = ctx.services.commands.table;
    const names = new PublicNames(table);
    const out: Reply[] = [];
    if (argv.length === 2) {
      for (const c of visibleCommands(table)) out.push(reply.bulk(names.of(c) ?? c.fullName), commandDocsReply(c, names));
    } else {
      for (let i = 2; i < argv.length; i++) {
        const c = lookupByPublicName(table, argv[i]!);
        if (c === undefined) continue;
        out.push(reply.bulk(names.of(c) ?? c.fullName), commandDocsReply(c, names));
      }
    }
    return reply.map(out);
  },
});

const listCmd = defineCommand({
  name: 'list',
  arity: -2,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  tips: ['nondeterministic_output_order'],
  docs: {
    summary: 'Lists command names, optionally filtered.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the total number of commands',
    arguments: [
      {
        name: 'filterby',
        type: 'oneof',
        token: 'FILTERBY',
        optional: true,
        arguments: [
          { name: 'module-name', type: 'string', token: 'MODULE' },
          { name: 'category', type: 'string', token: 'ACLCAT' },
          { name: 'pattern', type: 'pattern', token: 'PATTERN' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    let filter: ((c: CommandEntry, name: string) => boolean) | null = null;
    for (let i = 2; i < argv.length; i++) {
      // FILTERBY must be the last option, with exactly its two arguments
      if (argv[i]!.toLowerCase() === 'filterby' && argv.length - 1 - i === 2) {
        const type = argv[i + 1]!.toLowerCase();
        const arg = argv[i + 2]!;
        if (type === 'module') filter = () => false; // no modules can be loaded
        else if (type === 'aclcat') {
          const cat = arg.toLowerCase();
          filter = (c) => (c.aclCategories as readonly string[]).includes(cat);
        } else if (type === 'pattern') {
          const match = compileGlob(arg, true); // once per call, not once per command name
          filter = (_c, name) => match(name);
        } else return reply.error(errors.syntax);
        i += 2;
      } else {
        return reply.error(errors.syntax);
      }
    }
    const names = new PublicNames(ctx.services.commands.table);
    const out: Reply[] = [];
    const visit = (c: CommandEntry) => {
      const name = names.of(c) ?? c.fullName;
      if (filter === null || filter(c, name)) out.push(reply.bulk(name));
      for (const s of subcommandsOf(c)) visit(s);
    };
    for (const c of visibleCommands(ctx.services.commands.table)) visit(c);
    return reply.array(out);
  },
});

/**
 * The command a GETKEYS request names: like Redis's lookupCommand, a container given
 * with more arguments resolves to its subcommand (or nothing if that is unknown).
 */
function lookupForGetKeys(table: CommandLookup, argv: readonly string[]): CommandEntry | undefined {
  const top = table.lookup(argv[0]!);
  if (top === undefined || top.subcommandMap === null || argv.length === 1) return top;
  return top.subcommandMap.get(argv[1]!.toLowerCase());
}

function getKeys(ctx: CommandContext, argv: string[], withFlags: boolean): Reply {
  const target = argv.slice(2);
  const cmd = lookupForGetKeys(ctx.services.commands.table, target);
  if (cmd === undefined) return reply.error(errors.getkeysUnknownCommand);
  if (!commandHasKeys(cmd)) return reply.error(errors.getkeysNoKeys);
  if ((cmd.arity > 0 && cmd.arity !== target.length) || target.length < -cmd.arity) {
    return reply.error(errors.getkeysArity);
  }
  const keys = extractKeys(cmd, target);
  if (keys.length === 0) {
    return cmd.flags.includes('no_mandatory_keys') ? reply.emptyArray : reply.error(errors.getkeysInvalidArgs);
  }
  return reply.array(keys.map((k) => (withFlags ? reply.array([reply.bulk(target[k.index]!), keyFlagSet(k.flags)]) : reply.bulk(target[k.index]!))));
}

const getkeysCmd = defineCommand({
  name: 'getkeys',
  arity: -3,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  docs: {
    summary: 'Extracts the key names from a full command line.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the number of arguments to the command',
    arguments: [
      { name: 'command', type: 'string' },
      { name: 'arg', type: 'string', optional: true, multiple: true },
    ],
  },
  run: (ctx, argv) => getKeys(ctx, argv, false),
});

const getkeysandflagsCmd = defineCommand({
  name: 'getkeysandflags',
  arity: -3,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  docs: {
    summary: 'Extracts the key names, with how each is accessed, from a full command line.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of arguments to the command',
    arguments: [
      { name: 'command', type: 'string' },
      { name: 'arg', type: 'string', optional: true, multiple: true },
    ],
  },
  run: (ctx, argv) => getKeys(ctx, argv, true),
});

const HELP_LINES = [
  '(no subcommand)',
  '    Describe every command of this server.',
  'COUNT',
  '    Number of commands this server knows.',
  'LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <pattern>)]',
  '    Names of all commands, or of those matching the filter.',
  'INFO [<command-name> ...]',
  '    Describe the named commands (all commands when none is named).',
  'DOCS [<command-name> ...]',
  '    Documentation of the named commands (all commands when none is named).',
  'GETKEYS <full-command>',
  '    The key names in a full command line.',
  'GETKEYSANDFLAGS <full-command>',
  '    The key names in a full command line, with how each key is accessed.',
];

const helpCmd = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  docs: { summary: 'Shows the COMMAND subcommands.', since: '5.0.0', group: 'server', complexity: 'O(1)' },
  run: () => helpReply('COMMAND', HELP_LINES),
});

export const command = defineCommand({
  name: 'command',
  arity: -1,
  flags: ['loading', 'stale'],
  categories: ['connection'],
  tips: ['nondeterministic_output_order'],
  docs: { summary: 'Describes every command of the server.', since: '2.8.13', group: 'server', complexity: 'O(N) where N is the total number of commands' },
  run(ctx) {
    const names = new PublicNames(ctx.services.commands.table);
    return reply.array(visibleCommands(ctx.services.commands.table).map((c) => commandInfoReply(c, names)));
  },
  subcommands: [countCmd, docsCmd, getkeysCmd, getkeysandflagsCmd, helpCmd, infoCmd, listCmd],
});

export const commandIntrospectionCommands: CommandDefinition[] = [command];
