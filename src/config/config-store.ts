/**
 * Current configuration values, keyed by canonical name, parsed and validated through
 * the declarative table. Values are kept as the canonical strings CONFIG GET shows;
 * typed accessors parse on demand and cache (hot paths read a few of them per command).
 *
 * Names: `get`/`int`/`bool` take a `ConfigName` (the union derived from the table), so a
 * misspelt name in code fails to compile. Names that come from outside (CONFIG GET/SET, a
 * config file, the command line) are resolved with `def()`, aliases included, and read
 * with `valueOf(def)`.
 *
 * Push or pull — one rule:
 * - Pull is the default. Code reads a setting where it uses it, through the typed
 *   accessors; a CONFIG SET is then seen by the next read with nothing kept in step, and
 *   a read costs a map lookup (numbers are cached; the cache is dropped on every set).
 * - Push (a hook registered with `onChange`, run once at start-up and after each CONFIG
 *   SET that changes the value) only when the owner must act on the change at the moment
 *   it is made, or keeps the value in a derived form: start or stop work (appendonly, TLS
 *   reload, eviction below a lowered maxmemory), rebuild live state (the source allowlist,
 *   output limits, the log file), a parsed structure (notify-keyspace-events as bits) or a
 *   field read on every command or inside a tight loop (slow log threshold, eviction
 *   sampling). A hook may refuse a value that live state cannot take by returning the
 *   error text; CONFIG SET then restores the previous values.
 * A hook is a trigger, not a second source of truth: other code still pulls the value
 * from the store (the hook's own work may pull it too), and a copy an owner keeps
 * (`evictor.maxmemory`, `slowlog.threshold`) is written by that hook and nothing else.
 *
 * Hooks are registered by the module that owns the setting, when it is built (Dragonfly's
 * RegisterMutable is the model): the table says how a value is parsed and shown, the owner
 * says what a change does. Nothing else writes into an owner's fields. Start-up runs every
 * registered hook once, in table order (`applyAll`); CONFIG SET runs each distinct hook
 * once however many of its names changed (one TLS reload for cert and key together).
 *
 * An owner whose change can only complete asynchronously (opening a listening socket:
 * Node binds after a DNS step, so the outcome is known only later) registers with
 * `onChangeAsync`. CONFIG SET then runs those hooks after the synchronous ones and answers
 * when they settled, restoring the previous values (and re-running the hooks that ran)
 * when one refuses. `applyAll` does not run them: their owner builds the start-up state
 * itself from the store (the listeners are opened by Server.listen).
 */
import type { ConfigDef, SpecialParseContext } from './config-def.js';
import { parseLongLong, parseMemory } from './config-values.js';
import type { ConfigName } from './config-table.js';

export type ConfigResult = string | { error: string };

const LLONG_MAX = 9223372036854775807n;

/** Where a value comes from: a config file / command line line, or CONFIG SET. */
export type ConfigSource = 'file' | 'set';

/**
 * What an owner does when a setting changes: act on the new canonical value, or refuse it
 * with an error text (CONFIG SET then fails and restores the previous values).
 */
export type ApplyHook = (value: string) => string | null;

/** An owner's hook whose outcome is known later: resolves to null or the refusal's text; never rejects. */
export type AsyncApplyHook = (value: string) => Promise<string | null>;

export class ConfigStore {
  private readonly defs = new Map<string, ConfigDef>();
  /** canonical name → the hooks its owners registered, in registration order */
  private readonly hooks = new Map<string, ApplyHook[]>();
  /** canonical name → the asynchronous hooks its owners registered */
  private readonly asyncHooks = new Map<string, AsyncApplyHook[]>();
  private readonly values = new Map<string, string>();
  private readonly defaults = new Map<string, string>();
  private readonly intCache = new Map<string, number>();
  /** names given in a config file or on the command line (for the no-effect notice) */
  readonly explicitlySet = new Set<string>();
  /** directives already seen in the load in progress (`save` resets on its first line) */
  private seenInLoad = new Set<string>();
  /** the config file given at start-up, absolute (CONFIG REWRITE target), or null */
  configFile: string | null = null;
  /** `user <name> rules…` directives, in order, as [name, ...rules] (applied by the ACL layer) */
  readonly userDirectives: string[][] = [];
  /**
   * Checks a user directive's rules while the file is read (set by whoever knows the
   * command table); without one, the directive is checked when the server applies it.
   */
  userValidator: ((args: readonly string[], seen: ReadonlySet<string>) => string | null) | null = null;
  /** `rename-command <name> <new-name>` lines, in order (applied to the command table) */
  readonly renames: [string, string][] = [];
  /** Checks a rename against the command table as renamed so far; set like userValidator. */
  renameValidator: ((from: string, to: string) => string | null) | null = null;

  constructor(readonly table: readonly ConfigDef[]) {
    for (const def of table) {
      this.defs.set(def.name, def);
      for (const a of def.aliases ?? []) this.defs.set(a, def);
      const d = def.defaultFn !== undefined ? def.defaultFn() : def.default;
      this.defaults.set(def.name, d);
      this.values.set(def.name, d);
    }
  }

  def(name: string): ConfigDef | undefined {
    return this.defs.get(name) ?? this.defs.get(name.toLowerCase());
  }

  get(name: ConfigName): string {
    const def = this.def(name);
    if (def === undefined) throw new Error(`unknown config ${name}`);
    return this.values.get(def.name)!;
  }

  /** The value of a definition found by a name from outside (CONFIG GET/SET, a config file). */
  valueOf(def: ConfigDef): string {
    return this.values.get(def.name)!;
  }

  /** Numeric value; cached because the dispatcher and cron read some on every call. */
  int(name: ConfigName): number {
    const cached = this.intCache.get(name);
    if (cached !== undefined) return cached;
    const n = Number(this.get(name));
    this.intCache.set(name, n);
    return n;
  }

  bool(name: ConfigName): boolean {
    return this.get(name) === 'yes';
  }

  /** The default CONFIG GET shows for `def` before anything set it. */
  defaultOf(def: ConfigDef): string {
    return this.defaults.get(def.name)!;
  }

  /** Every name CONFIG GET can match: canonical names with their aliases right after, in table order. */
  allNames(): [string, ConfigDef][] {
    const out: [string, ConfigDef][] = [];
    for (const def of this.table) {
      out.push([def.name, def]);
      for (const a of def.aliases ?? []) out.push([a, def]);
    }
    return out;
  }

  /** Canonical names, in table order (REWRITE). */
  names(): string[] {
    return this.table.map((d) => d.name);
  }

  /** A `user` directive: validated, then kept for the ACL layer. Returns an error text or null. */
  addUserDirective(args: readonly string[]): string | null {
    if (args.length < 1) return 'wrong number of arguments';
    if (this.userValidator !== null) {
      const err = this.userValidator(args, new Set(this.userDirectives.map((d) => d[0]!)));
      if (err !== null) return err;
    }
    this.userDirectives.push([...args]);
    return null;
  }

  /** A `rename-command` line: checked, then kept for the command table. Returns an error text or null. */
  addRename(from: string, to: string): string | null {
    const err = this.renameValidator?.(from, to) ?? null;
    if (err !== null) return err;
    this.renames.push([from, to]);
    return null;
  }

  /** Starts loading a config file (+ command line): per-load state such as `save`'s first line. */
  beginLoad(): void {
    this.seenInLoad = new Set();
  }

  /**
   * Parses a value for `def` from arguments (a config line's arguments, or a CONFIG SET
   * value already split for multi-arg configs). Returns the canonical string or an error
   * text worded as Redis words it.
   */
  parse(def: ConfigDef, args: string[], source: ConfigSource = 'set'): ConfigResult {
    let value: string;
    if (def.kind === 'special') {
      const ctx: SpecialParseContext = {
        current: this.values.get(def.name)!,
        fromFile: source === 'file',
        firstInFile: !this.seenInLoad.has(def.name),
      };
      const r = def.parse === undefined ? args.join(' ') : def.parse(args, ctx);
      if (typeof r !== 'string') return r;
      value = r;
    } else if (def.kind === 'enum') {
      const r = parseEnum(def, args);
      if (typeof r !== 'string') return r;
      value = r;
    } else {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const r = parseScalar(def, args[0]!);
      if (typeof r !== 'string') return r;
      value = r;
    }
    if (def.validate !== undefined) {
      const err = def.validate(value);
      if (err !== null) return { error: err };
    }
    return value;
  }

  /**
   * A config-file / command-line directive: parse, refuse unsupported security values,
   * store and remember it was set explicitly. Returns an error text or null.
   */
  setFromFile(def: ConfigDef, args: string[]): string | null {
    const v = this.parse(def, args, 'file');
    if (typeof v !== 'string') return v.error;
    const refusal = this.refusal(def, v);
    if (refusal !== null) return refusal;
    this.seenInLoad.add(def.name);
    this.store(def, v);
    this.explicitlySet.add(def.name);
    return null;
  }

  /**
   * A directive given as config-file arguments (ServerOptions.config): `user` and
   * `rename-command` lines are kept for their layers, anything else goes the way of a
   * config-file line (validation, the unsupported-security refusal). Returns an error text or null.
   */
  setDirective(name: string, args: string[]): string | null {
    if (name.toLowerCase() === 'user') return this.addUserDirective(args);
    if (name.toLowerCase() === 'rename-command') return args.length === 2 ? this.addRename(args[0]!, args[1]!) : 'wrong number of arguments';
    const def = this.def(name);
    if (def === undefined) return 'Bad directive or wrong number of arguments';
    if (!(def.flags ?? []).includes('multi-arg') && args.length !== 1) return 'wrong number of arguments';
    return this.setFromFile(def, args);
  }

  /**
   * Why `value` cannot be accepted for a security directive whose layer has not landed,
   * or null when it can (its default is harmless: `tls-port 0`, `requirepass ""`).
   */
  refusal(def: ConfigDef, value: string): string | null {
    if (def.refuse !== undefined && def.refuse.when(value)) return refusedValueReason(def, value);
    if (def.status !== 'unsupported-security' || value === this.defaultOf(def)) return null;
    return unsupportedReason(def.name);
  }

  /**
   * An owner registers what a change of `names` does (push; see the header for when).
   * One hook registered for several names runs once per CONFIG SET that changes any of them.
   */
  onChange(names: ConfigName | readonly ConfigName[], hook: ApplyHook): void {
    for (const name of typeof names === 'string' ? [names] : names) {
      const def = this.def(name);
      if (def === undefined) throw new Error(`unknown config ${name}`);
      const list = this.hooks.get(def.name);
      if (list === undefined) this.hooks.set(def.name, [hook]);
      else list.push(hook);
    }
  }

  /** The hooks registered for `def` (empty: nothing is pushed, readers pull). */
  hooksOf(def: ConfigDef): readonly ApplyHook[] {
    return this.hooks.get(def.name) ?? NO_HOOKS;
  }

  /** Registers an owner's asynchronous hook (see the header: CONFIG SET only). */
  onChangeAsync(names: ConfigName | readonly ConfigName[], hook: AsyncApplyHook): void {
    for (const name of typeof names === 'string' ? [names] : names) {
      const def = this.def(name);
      if (def === undefined) throw new Error(`unknown config ${name}`);
      const list = this.asyncHooks.get(def.name);
      if (list === undefined) this.asyncHooks.set(def.name, [hook]);
      else list.push(hook);
    }
  }

  asyncHooksOf(def: ConfigDef): readonly AsyncApplyHook[] {
    return this.asyncHooks.get(def.name) ?? NO_ASYNC_HOOKS;
  }

  /** Runs `def`'s hooks with its current value; the first refusal stops and is returned. */
  runHooks(def: ConfigDef): string | null {
    for (const hook of this.hooksOf(def)) {
      const err = hook(this.valueOf(def));
      if (err !== null) return err;
    }
    return null;
  }

  /** Start-up: every registered hook once per entry, in table order. Returns the first refusal. */
  applyAll(): { def: ConfigDef; error: string } | null {
    for (const def of this.table) {
      const error = this.runHooks(def);
      if (error !== null) return { def, error };
    }
    return null;
  }

  /**
   * Stores an already parsed canonical value (no hooks run; the caller runs them). Code
   * names the setting (a ConfigName, so a misspelt one fails to compile); a name from
   * outside is resolved with `def()` first.
   */
  store(setting: ConfigDef | ConfigName, value: string): void {
    const def = typeof setting === 'string' ? this.def(setting) : setting;
    if (def === undefined) throw new Error(`unknown config ${String(setting)}`);
    this.values.set(def.name, value);
    this.intCache.clear();
  }
}

const NO_HOOKS: readonly ApplyHook[] = [];
const NO_ASYNC_HOOKS: readonly AsyncApplyHook[] = [];

/** The reason given when a security directive cannot be honoured yet. */
export function unsupportedReason(name: string): string {
  return `'${name}' is not supported yet by Redoubt: refusing to start rather than run without it`;
}

/** The reason a value of a directive without effect is refused (`ConfigDef.refuse`). */
export function refusedValueReason(def: ConfigDef, value: string): string {
  return `'${def.name} ${value}' is refused: ${def.refuse?.why ?? 'it would change what data is kept'} (only the default is accepted, without effect)`;
}

function parseScalar(def: ConfigDef, raw: string): ConfigResult {
  switch (def.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v !== 'yes' && v !== 'no') return { error: "argument must be 'yes' or 'no'" };
      return v;
    }
    case 'string':
      return raw;
    case 'octal': {
      if (!/^[0-7]+$/.test(raw)) return { error: "argument couldn't be parsed as an octal number" };
      const n = BigInt('0o' + raw);
      const bad = boundsError(def, n);
      return bad ?? n.toString(8);
    }
    case 'int':
    case 'memory': {
      let n: bigint | null = null;
      if (def.kind === 'memory') n = parseMemory(raw);
      if (n === null && def.percent === true && raw.length > 1 && raw.endsWith('%')) {
        const p = parseLongLong(raw.slice(0, -1));
        if (p !== null && p >= 0n) {
          // Redis keeps a percentage as a negative number: bounds apply to that
          if (def.min !== undefined && -p < def.min) return { error: `percentage argument must be less or equal to ${-def.min}` };
          return p === 0n ? '0' : `${p}%`;
        }
      }
      if (n === null && def.kind === 'int') n = parseLongLong(raw);
      if (n === null) {
        if (def.kind === 'memory') return { error: def.percent === true ? 'argument must be a memory or percent value' : 'argument must be a memory value' };
        return { error: "argument couldn't be parsed into an integer" };
      }
      // A memory value is unsigned 64-bit; a signed C config sees it as two's complement.
      if (def.kind === 'memory' && def.unsigned !== true && n > LLONG_MAX) n -= 1n << 64n;
      const bad = boundsError(def, n);
      if (bad !== null) return bad;
      // a negative value of a percent config is a percentage (Redis stores them so)
      return def.percent === true && n < 0n ? `${-n}%` : String(n);
    }
    default:
      return raw;
  }
}

function boundsError(def: ConfigDef, n: bigint): { error: string } | null {
  let v = n;
  // Unsigned C types see a negative input as a huge number (and say so in the message).
  if (def.unsigned === true && v < 0n) v += 1n << 64n;
  if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
    const fmt = (b: bigint | undefined) => (def.kind === 'octal' ? (b ?? 0n).toString(8) : String(b ?? 0n));
    return { error: `argument must be between ${fmt(def.min)} and ${fmt(def.max)} inclusive` };
  }
  return null;
}

/** Enums: case-insensitive; multi-value enums (flags) combine, `default` alone means none. */
function parseEnum(def: ConfigDef, args: string[]): ConfigResult {
  const allowed = def.values ?? [];
  const err = { error: `argument(s) must be one of the following: ${allowed.join(', ')}` };
  if (args.length === 0 || (def.multiEnum !== true && args.length !== 1)) {
    return def.multiEnum === true ? err : { error: 'wrong number of arguments' };
  }
  const picked = new Set<string>();
  for (const a of args) {
    const v = a.toLowerCase();
    if (!allowed.includes(v)) return err;
    picked.add(v);
  }
  if (def.multiEnum === true && picked.size > 1) picked.delete(def.default);
  return allowed.filter((v) => picked.has(v)).join(' ');
}
