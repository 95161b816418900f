/**
 * The ACL data model (Redis 7.2 semantics): a User owns flags, password digests and a
 * list of selectors, the first of which is the root selector that plain rules edit.
 * A Selector is a command bitmap over `Command.id` plus key and channel patterns, and
 * remembers the command rules applied to it (compacted as Redis 7.2 does) so ACL LIST
 * and GETUSER can describe it as the sequence the operator wrote.
 *
 * Everything here is pure data + small primitives; token parsing lives in rule-parser.ts,
 * descriptions in describe.ts and permission checks in check.ts.
 */
import type { AclCategory, CommandEntry, CommandLookup } from '../command-model/command-data.js';

/** Key pattern permissions (Redis ACL_READ_PERMISSION / ACL_WRITE_PERMISSION). */
export const KEY_READ = 1;
export const KEY_WRITE = 2;
export const KEY_ALL = KEY_READ | KEY_WRITE;

export interface KeyPattern {
  pattern: string;
  /** KEY_READ, KEY_WRITE or KEY_ALL */
  flags: number;
}

/** What the rules need to know about the server. */
export interface AclContext {
  table: CommandLookup;
  /** acl-pubsub-default: new selectors (and `reset`) start with all channels allowed or none */
  pubsubDefault: 'allchannels' | 'resetchannels';
}

/** Commands of each category, computed once per table (category rules walk them). */
const categoryIndex = new WeakMap<CommandLookup, Map<AclCategory, CommandEntry[]>>();

export function commandsInCategory(table: CommandLookup, cat: AclCategory): readonly CommandEntry[] {
  let idx = categoryIndex.get(table);
  if (idx === undefined) {
    idx = new Map();
    for (const cmd of table.all) {
      for (const c of cmd.aclCategories) {
        let list = idx.get(c);
        if (list === undefined) idx.set(c, (list = []));
        list.push(cmd);
      }
    }
    categoryIndex.set(table, idx);
  }
  return idx.get(cat) ?? [];
}

/**
 * A command by the name an ACL rule gives it: "get", "config|get". More than one '|'
 * or an unknown part finds nothing, as Redis's lookup. Rules follow original names, so
 * a renamed command keeps its rules.
 */
export function lookupAclCommand(table: CommandLookup, name: string): CommandEntry | undefined {
  if (name.length === 0) return undefined;
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const top = table.original(parts[0]!);
  if (top === undefined || parts.length === 1) return top;
  return top.subcommandMap?.get(parts[1]!.toLowerCase());
}

export class Selector {
  readonly root: boolean;
  allKeys = false;
  allChannels = false;
  /** set by +@all / allcommands, cleared by any command or category removal */
  allCommands = false;
  /**
   * Redis's reserved "future commands" bit: set only by +@all, cleared only by -@all.
   * Decides whether the description starts with +@all or -@all.
   */
  futureCommands = false;
  /** one bit per Command.id (subcommands have their own ids) */
  bits: Uint32Array;
  /** deprecated `+cmd|firstarg` allowances, by command id (lower-cased first args) */
  firstArgs: Map<number, string[]> | null = null;
  keyPatterns: KeyPattern[] = [];
  channels: string[] = [];
  /** compacted rules since the last +@all/-@all, e.g. ["-@dangerous", "+info"] */
  commandRules: string[] = [];

  constructor(root: boolean, commandCount: number, allChannels: boolean) {
    this.root = root;
    this.bits = new Uint32Array(Math.max(1, Math.ceil(commandCount / 32)));
    this.allChannels = allChannels;
  }

  static create(root: boolean, ctx: AclContext): Selector {
    return new Selector(root, ctx.table.all.length, ctx.pubsubDefault === 'allchannels');
  }

  clone(): Selector {
    const s = new Selector(this.root, 0, this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.futureCommands = this.futureCommands;
    s.bits = this.bits.slice();
    if (this.firstArgs !== null) {
      s.firstArgs = new Map();
      for (const [id, args] of this.firstArgs) s.firstArgs.set(id, [...args]);
    }
    s.keyPatterns = this.keyPatterns.map((p) => ({ pattern: p.pattern, flags: p.flags }));
    s.channels = [...this.channels];
    s.commandRules = [...this.commandRules];
    return s;
  }

  hasCommandBit(id: number): boolean {
    return ((this.bits[id >>> 5]! >>> (id & 31)) & 1) === 1;
  }

  setCommandBit(id: number, allow: boolean): void {
    const w = id >>> 5;
    if (w >= this.bits.length) return;
    if (allow) this.bits[w]! |= 1 << (id & 31);
    else {
      this.bits[w]! &= ~(1 << (id & 31));
      this.allCommands = false;
    }
  }

  /** +@all / allcommands */
  allowAllCommands(): void {
    this.bits.fill(0xffffffff);
    this.allCommands = true;
    this.futureCommands = true;
    this.firstArgs = null;
    this.commandRules = [];
  }

  /** -@all / nocommands */
  denyAllCommands(): void {
    this.bits.fill(0);
    this.allCommands = false;
    this.futureCommands = false;
    this.firstArgs = null;
    this.commandRules = [];
  }

  /** Allow or deny a command; a container takes all its subcommands along. */
  changeCommand(cmd: CommandEntry, allow: boolean): void {
    this.setCommandBit(cmd.id, allow);
    if (this.firstArgs !== null && this.firstArgs.delete(cmd.id) && this.firstArgs.size === 0) this.firstArgs = null;
    if (cmd.subcommandMap !== null) for (const sub of cmd.subcommandMap.values()) this.setCommandBit(sub.id, allow);
  }

  changeCategory(table: CommandLookup, cat: AclCategory, allow: boolean): void {
    for (const cmd of commandsInCategory(table, cat)) this.changeCommand(cmd, allow);
  }

  addFirstArg(id: number, arg: string): void {
    if (this.firstArgs === null) this.firstArgs = new Map();
    let list = this.firstArgs.get(id);
    if (list === undefined) this.firstArgs.set(id, (list = []));
    const lower = arg.toLowerCase();
    if (!list.includes(lower)) list.push(lower);
  }

  /**
   * Record a command rule ("get", "config|get", "select|0", "@read") for the description:
   * an earlier rule for the same name, or for a subcommand/first-arg of it, is dropped
   * first, so the list stays a minimal replayable sequence (Redis ACLUpdateCommandRules).
   */
  recordCommandRule(rule: string, allow: boolean): void {
    const r = rule.toLowerCase();
    const prefix = r + '|';
    this.commandRules = this.commandRules.filter((e) => {
      const name = e.slice(1);
      return name !== r && !name.startsWith(prefix);
    });
    this.commandRules.push((allow ? '+' : '-') + r);
  }

  resetKeys(): void {
    this.allKeys = false;
    this.keyPatterns = [];
  }

  resetChannels(): void {
    this.allChannels = false;
    this.channels = [];
  }
}

/** True if `name` may be a user name: no isspace() character and no NUL (the empty name is allowed, as Redis). */
export function isValidUsername(name: string): boolean {
  return !/[\t\n\v\f\r \0]/.test(name);
}

/** Redis 7.2 keeps exactly one of the two flags set: ACLCreateUser starts every user with sanitize-payload. */
export type SanitizePayload = 'sanitize' | 'skip';

export class User {
  readonly name: string;
  /** Redis keeps "on" and "off" as two flags; exactly one is ever set, so a boolean suffices */
  enabled = false;
  nopass = false;
  /** a fresh user (the default user included) has sanitize-payload, as in 7.2 (7.0 had neither) */
  sanitize: SanitizePayload = 'sanitize';
  /** SHA-256 hex digests, in the order they were added, without duplicates */
  passwords: string[] = [];
  /** selectors[0] is the root selector */
  selectors: Selector[];
  /**
   * Redoubt extension: source networks (canonical CIDR text) this user may log in from;
   * empty = anywhere. Rule `source:<cidr>` adds one, `source:any` clears them.
   */
  sources: string[] = [];
  /** Redoubt extension (`tls-cert-required`): only certificate login, never a password */
  certRequired = false;

  constructor(name: string, root: Selector) {
    this.name = name;
    this.selectors = [root];
  }

  /** A new user as ACL SETUSER creates it: off, no passwords, no permissions. */
  static create(name: string, ctx: AclContext): User {
    return new User(name, Selector.create(true, ctx));
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  clone(name = this.name): User {
    const u = new User(name, this.root.clone());
    this.copyInto(u);
    return u;
  }

  /** Overwrite `target`'s settings with this user's (target keeps its identity and name). */
  copyInto(target: User): void {
    target.enabled = this.enabled;
    target.nopass = this.nopass;
    target.sanitize = this.sanitize;
    target.passwords = [...this.passwords];
    target.selectors = this.selectors.map((s) => s.clone());
    target.sources = [...this.sources];
    target.certRequired = this.certRequired;
  }
}
