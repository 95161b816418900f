/**
 * One declarative config table drives the file parser, CONFIG GET/SET/REWRITE and
 * start-up validation. Each entry says how to parse a value and what it defaults to;
 * what a change does is registered by the module that owns the setting
 * (ConfigStore.onChange), not written here.
 */

/**
 * - bool: yes/no
 * - int: a 64-bit integer (Redis's string2ll rules)
 * - memory: bytes, with k/kb/m/mb/g/gb units (Redis's memtoull); `percent` also takes `N%`
 * - octal: an octal number (unixsocketperm)
 * - enum: one of `values` (or several space-separated with `multiEnum`)
 * - string: any string
 * - special: parsed by the entry's own `parse`
 */
export type ConfigKind = 'bool' | 'int' | 'memory' | 'octal' | 'enum' | 'string' | 'special';

export type ConfigFlag =
  /** only at start-up (file / command line); CONFIG SET refuses */
  | 'immutable'
  /** value is a secret: never logged, redacted in events */
  | 'sensitive'
  /** a credential CONFIG GET never shows: it answers `(redacted)` when set (gateway-upstream-pass) */
  | 'secret'
  /** CONFIG SET refused unless enable-protected-configs allows it */
  | 'protected'
  /** CONFIG SET refused with -LOADING while the dataset loads (Redis's DENY_LOADING_CONFIG) */
  | 'deny-loading'
  /** not shown by CONFIG GET with a pattern (still by exact name) */
  | 'hidden'
  /**
   * Redis's MULTI_ARG_CONFIG: a config line may carry several arguments, and a CONFIG SET
   * value is split on single spaces into arguments.
   */
  | 'multi-arg';

/**
 * - active: implemented, takes effect
 * - noeffect: accepted and stored so an existing redis.conf loads, but has no effect yet
 * - unsupported-security: a security directive whose layer has not landed; any value other
 *   than the default is refused (start-up is fatal, CONFIG SET fails), because pretending a
 *   protection is on is worse than not starting
 */
export type ConfigStatus = 'active' | 'noeffect' | 'unsupported-security';

/** How CONFIG REWRITE writes the value (Redis's rewrite helpers). */
export type RewriteStyle =
  /** `name value` as is (numbers, enums, bools) */
  | 'plain'
  /** `name "value"` escaped like sdscatrepr */
  | 'quoted'
  /** bytes as `Ngb`/`Nmb`/`Nkb` when exact */
  | 'memory'
  /** the entry writes its own lines (see `rewriteLines`) */
  | 'custom';

export interface SpecialParseContext {
  /** the current canonical value (for directives that merge, e.g. client-output-buffer-limit) */
  current: string;
  /** true while a config file / command line is loading (as opposed to CONFIG SET) */
  fromFile: boolean;
  /** true for the first line of this directive in the file being loaded (`save` resets then) */
  firstInFile: boolean;
}

export interface ConfigDef {
  name: string;
  aliases?: readonly string[];
  kind: ConfigKind;
  /** default as CONFIG GET shows it */
  default: string;
  /** computed default (e.g. `dir` is the working directory at start-up); overrides `default` */
  defaultFn?: () => string;
  /** bounds, inclusive; bigint so LLONG_MAX and ULLONG_MAX are exact */
  min?: bigint;
  max?: bigint;
  /** print the bounds error as unsigned (Redis does for unsigned C types) */
  unsigned?: boolean;
  /** memory kind: also accepts `N%` (stored as `N%`, Redis's PERCENT_CONFIG) */
  percent?: boolean;
  /** enum values, lower case, in Redis's order (the error message lists them) */
  values?: readonly string[];
  /** enum where several values may be combined (shutdown-on-sigterm: `nosave now`) */
  multiEnum?: boolean;
  /** string configs whose empty value means "unset" (Redis's EMPTY_STRING_IS_NULL) */
  emptyIsNull?: boolean;
  flags?: readonly ConfigFlag[];
  status: ConfigStatus;
  /** Redis version that introduced the directive when newer than the 7.0 oracle */
  since?: string;
  /**
   * For 'special' kinds: turn the argument list of a config line / CONFIG SET value into
   * the canonical string CONFIG GET shows, or return an error text.
   */
  parse?: (args: string[], ctx: SpecialParseContext) => string | { error: string };
  /**
   * For a directive accepted without effect ('noeffect'): the values whose silent no-op
   * would change what data is kept or who may write it (a replica's config starting a
   * writable master, a shutdown that should not save saving). Such a value is refused like
   * an unsupported security value: start-up is fatal (the line is named), CONFIG SET fails.
   * `why` ends the error text.
   */
  refuse?: { when: (value: string) => boolean; why: string };
  /** Extra validation of a canonical value; returns an error text or null. */
  validate?: (value: string) => string | null;
  /** REWRITE style; defaults from the kind */
  rewrite?: RewriteStyle;
  /**
   * For rewrite 'custom': the lines to write for `value`, each with whether it must be
   * written even when the file did not mention the directive; an empty list removes the
   * directive's lines from the file.
   */
  rewriteLines?: (value: string, def: ConfigDef) => { line: string; force: boolean }[];
}
