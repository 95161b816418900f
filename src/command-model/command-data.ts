/**
 * The command table's vocabulary, as data: flags, ACL categories, key specs, docs, and a
 * command's declaration and table entry without its handler. One declaration per command
 * drives dispatch, arity, ACL categories, key extraction and COMMAND INFO/DOCS/LIST/GETKEYS.
 * The flag and key-spec names are Redis's own, so the table can be compared with a live
 * redis-server.
 *
 * This file imports nothing: everything that reads commands without running them (ACL,
 * key extraction, memory accounting, the slow log, client tracking, the command context
 * and its services) takes its types from here, and only the dispatcher's side sees the
 * handler (command-spec.ts adds it). That is what keeps the command model below the
 * layers that use it, for types as well as values.
 */

/** Command flags, listed in the order Redis prints them in COMMAND INFO. */
export const COMMAND_FLAGS = [
  'write',
  'readonly',
  'denyoom',
  'module',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'asking',
  'fast',
  'no_auth',
  'may_replicate',
  'sentinel',
  'only_sentinel',
  'no_mandatory_keys',
  'protected',
  'module_getkeys',
  'module_no_cluster',
  'no_async_loading',
  'no_multi',
  'movablekeys',
  'allow_busy',
] as const;
export type CommandFlag = (typeof COMMAND_FLAGS)[number];

/** ACL categories in the order Redis lists them (ACL CAT, COMMAND INFO). */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;
export type AclCategory = (typeof ACL_CATEGORIES)[number];

/**
 * Categories a declaration may list; the rest are derived from flags (see deriveCategories).
 * `admin` is listed only by commands Redis puts in @admin without the admin flag (LASTSAVE).
 */
export type ExplicitCategory = Exclude<AclCategory, 'read' | 'write' | 'fast' | 'slow' | 'blocking' | 'pubsub'> | 'dangerous';

export const KEY_SPEC_FLAGS = [
  'RW',
  'RO',
  'OW',
  'RM',
  'ACCESS',
  'UPDATE',
  'INSERT',
  'DELETE',
  'NOT_KEY',
  'INCOMPLETE',
  'VARIABLE_FLAGS',
] as const;
export type KeySpecFlag = (typeof KEY_SPEC_FLAGS)[number];

export type BeginSearch = { index: number } | { keyword: string; startFrom: number } | { unknown: true };
export type FindKeys =
  | { lastKey: number; step: number; limit: number }
  | { keynumIdx: number; firstKey: number; step: number }
  | { unknown: true };

export interface KeySpec {
  flags: readonly KeySpecFlag[];
  begin: BeginSearch;
  find: FindKeys;
  notes?: string;
}

export interface CommandDocs {
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  /** Argument names as shown by COMMAND DOCS (simplified: name, type, flags). */
  arguments?: readonly ArgumentDoc[];
  deprecatedSince?: string;
  replacedBy?: string;
}

export interface ArgumentDoc {
  name: string;
  type: 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  arguments?: readonly ArgumentDoc[];
}

/** A custom key extractor for commands whose keys the specs cannot express fully (e.g. SORT). */
export type KeyExtractor = (argv: string[]) => number[];

/**
 * A command as declared, without its handler: what ACL, key extraction and COMMAND
 * INFO/DOCS read. command-spec.ts's CommandDefinition is this plus the handler.
 */
export interface CommandDeclaration {
  /** lower case; for subcommands the part after the container, e.g. "get" of CONFIG GET */
  name: string;
  arity: number;
  flags: readonly CommandFlag[];
  categories?: readonly ExplicitCategory[];
  keySpecs?: readonly KeySpec[];
  tips?: readonly string[];
  docs: CommandDocs;
  getKeys?: KeyExtractor;
  subcommands?: readonly CommandDeclaration[];
}

/**
 * A registered command, without its handler: the declaration plus derived data and live
 * statistics. Every entry at run time is the command table's Command (command-spec.ts).
 */
export interface CommandEntry extends CommandDeclaration {
  /** "config|get" for subcommands, "get" for plain commands */
  fullName: string;
  parent: CommandEntry | null;
  aclCategories: readonly AclCategory[];
  subcommandMap: Map<string, CommandEntry> | null;
  /** dense id for ACL bitmaps */
  id: number;
  stats: CommandStats;
  /** flags the dispatcher tests on every call, precomputed */
  noAuth: boolean;
  noMulti: boolean;
  /** flag `write`: may change the keyspace (snapshot copy-on-write, propagation) */
  isWrite: boolean;
  /** flag `loading`: allowed while the dataset is being loaded */
  okLoading: boolean;
  /** flag `protected`: the enable-*-command option that must allow it (DEBUG, MODULE) */
  protectedBy: 'enable-debug-command' | 'enable-module-command' | null;
}

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

/** The command table as its readers see it (command-table.ts implements it). */
export interface CommandLookup {
  /** every command and subcommand, by id */
  readonly all: readonly CommandEntry[];
  /** top-level command by the name a client sends (any case) */
  lookup(name: string): CommandEntry | undefined;
  /** top-level command by its original name, even if renamed or disabled */
  original(name: string): CommandEntry | undefined;
  /** a command or "container|sub" by full original name */
  byFullName(fullName: string): CommandEntry | undefined;
  /** the name clients use for `cmd` now (after renames), undefined when disabled */
  publicName(cmd: CommandEntry): string | undefined;
  /** top-level commands clients can call, with the names they call them by */
  visible(): [string, CommandEntry][];
}

/** Redis's implicit categories: derived from flags so a declaration never hand-lists them. */
export function deriveCategories(def: CommandDeclaration): AclCategory[] {
  const set = new Set<AclCategory>(def.categories ?? []);
  const flags = new Set(def.flags);
  if (flags.has('write')) set.add('write');
  if (flags.has('readonly') && !set.has('scripting')) set.add('read');
  if (flags.has('admin')) {
    set.add('admin');
    set.add('dangerous');
  }
  if (flags.has('pubsub')) set.add('pubsub');
  if (flags.has('fast')) set.add('fast');
  if (flags.has('blocking')) set.add('blocking');
  if (!flags.has('fast')) set.add('slow');
  return ACL_CATEGORIES.filter((c) => set.has(c));
}

/** Common key specs, named for what they mean. */
export const keys = {
  /** one key at `index`, e.g. GET key */
  one(index: number, ...flags: KeySpecFlag[]): KeySpec {
    return { flags, begin: { index }, find: { lastKey: 0, step: 1, limit: 0 } };
  },
  /** keys from `index` to the end, every `step` args (MGET, MSET, DEL) */
  rest(index: number, step: number, ...flags: KeySpecFlag[]): KeySpec {
    return { flags, begin: { index }, find: { lastKey: -1, step, limit: 0 } };
  },
  /** keys from `index` to the end minus `fromEnd` (e.g. BLPOP key... timeout: lastKey -2) */
  range(index: number, lastKey: number, step: number, ...flags: KeySpecFlag[]): KeySpec {
    return { flags, begin: { index }, find: { lastKey, step, limit: 0 } };
  },
  /** `numkeys` at `index`, then that many keys (ZUNION, SINTERCARD, LMPOP) */
  counted(index: number, ...flags: KeySpecFlag[]): KeySpec {
    return { flags, begin: { index }, find: { keynumIdx: 0, firstKey: 1, step: 1 } };
  },
};
