/**
 * What the audit knows about one server, whichever way it learned it (a config file or a
 * live connection). The checks read only this, so both sources are graded by one code path.
 */

export type Source = 'config' | 'live';

export interface UserFacts {
  name: string;
  /** the rule text as written (config) or as ACL LIST shows it (live), for evidence */
  rules: string;
  enabled: boolean;
  nopass: boolean;
  passwordCount: number;
  allKeys: boolean;
  keyPatterns: string[];
  /** rule tokens that touch commands, in order (+@all, -@dangerous, +get, allcommands…) */
  commandRules: string[];
}

export interface ServerFacts {
  source: Source;
  /** where it came from: a file path or host:port */
  origin: string;
  /** directive name (lowercase) → arguments of its last occurrence */
  directives: Map<string, string[]>;
  /** rename-command pairs (config only: a live server does not reveal them) */
  renames: Array<[string, string]>;
  users: UserFacts[];
  /** whether the user list is authoritative (false when ACL LIST could not be read) */
  usersKnown: boolean;
  /** live only */
  version?: string;
  redoubtVersion?: string;
  /** live only: dangerous command name → whether it exists under that name */
  commandPresent?: Map<string, boolean>;
  /** live only: dangerous commands the server has but not under their own names (rename-command) */
  hiddenCommands?: string[];
  /** live only: user → dangerous commands ACL DRYRUN says it may run */
  dryRun?: Map<string, string[]>;
  /** live only: result of the CVE-2022-0543 probe */
  luaPackageProbe?: 'exposed' | 'sandboxed' | 'unavailable';
  /** config only: files holding plaintext secrets, with their permission bits */
  secretFiles?: SecretFile[];
  /** notes about what could not be read */
  gaps: string[];
}

/** A config or ACL file that holds secrets in clear: where (line and directive), never what. */
export interface SecretFile {
  file: string;
  /** permission bits (st_mode & 0o777) */
  mode: number;
  /** "line 3: user app_cache >…" */
  secrets: string[];
  /** whether a `user` rule holds a password in clear (a #sha256 digest would do) */
  userPasswords: boolean;
}

/** Directives whose value is a secret in clear. */
export const SECRET_DIRECTIVES: ReadonlySet<string> = new Set(['requirepass', 'masterauth', 'tls-key-file-pass', 'tls-client-key-file-pass', 'gateway-upstream-pass', 'gateway-sentinel-pass']);

/** The commands the article calls dangerous, with their ACL categories in Redis 7.x. */
export const DANGEROUS_COMMANDS: ReadonlyArray<{ name: string; categories: readonly string[]; probe: string[] }> = [
  { name: 'flushall', categories: ['keyspace', 'write', 'slow', 'dangerous'], probe: ['flushall'] },
  { name: 'flushdb', categories: ['keyspace', 'write', 'slow', 'dangerous'], probe: ['flushdb'] },
  { name: 'config', categories: ['admin', 'slow', 'dangerous'], probe: ['config', 'get', 'maxmemory'] },
  { name: 'keys', categories: ['keyspace', 'read', 'slow', 'dangerous'], probe: ['keys', 'x'] },
  { name: 'debug', categories: ['admin', 'slow', 'dangerous'], probe: ['debug', 'help'] },
  { name: 'shutdown', categories: ['admin', 'slow', 'dangerous'], probe: ['shutdown'] },
];

/** Parses ACL rule tokens (as in a `user` line or ACL LIST) into the facts the checks need. */
export function userFromRules(name: string, tokens: readonly string[]): UserFacts {
  const u: UserFacts = {
    name,
    rules: redactRules(tokens),
    enabled: false,
    nopass: false,
    passwordCount: 0,
    allKeys: false,
    keyPatterns: [],
    commandRules: [],
  };
  applyRules(u, tokens);
  return u;
}

/** Rule text for evidence: passwords and their digests never reach a report. */
export function redactRules(tokens: readonly string[]): string {
  return tokens.map((t) => (/^[>#<!]/.test(t) ? t[0] + '…' : t)).join(' ');
}

export function applyRules(u: UserFacts, tokens: readonly string[]): void {
  let inSelector = false;
  for (const raw of tokens) {
    // Selectors "(~k +cmd)" grant extra, key-scoped permissions; the rule model grades the
    // root permissions only (the live audit's ACL DRYRUN sees selectors too).
    if (inSelector || raw.startsWith('(')) {
      inSelector = !raw.endsWith(')');
      continue;
    }
    const t = raw.toLowerCase();
    if (t === 'on') u.enabled = true;
    else if (t === 'off') u.enabled = false;
    else if (t === 'nopass') {
      u.nopass = true;
      u.passwordCount = 0;
    } else if (t === 'resetpass') {
      u.nopass = false;
      u.passwordCount = 0;
    } else if (raw.startsWith('>') || raw.startsWith('#')) {
      u.passwordCount++;
      u.nopass = false;
    } else if (raw.startsWith('<') || raw.startsWith('!')) {
      u.passwordCount = Math.max(0, u.passwordCount - 1);
    } else if (t === 'allkeys' || t === '~*') {
      u.allKeys = true;
      u.keyPatterns.push('*');
    } else if (t === 'resetkeys') {
      u.allKeys = false;
      u.keyPatterns = [];
    } else if (raw.startsWith('~') || raw.startsWith('%')) {
      const pattern = raw.slice(raw.indexOf('~') + 1);
      if (pattern === '*') u.allKeys = true;
      u.keyPatterns.push(pattern);
    } else if (t === 'reset') {
      Object.assign(u, userFromRules(u.name, []), { rules: u.rules });
    } else if (t === 'allcommands' || t === 'nocommands' || raw.startsWith('+') || raw.startsWith('-')) {
      if (t === 'nocommands' || t === '-@all') u.commandRules = [t];
      else u.commandRules.push(t);
    }
  }
}

/**
 * Whether the command rules let the user call `command` (with these categories) under its
 * name at all. A subcommand grant ("+config|get") counts: the name is then callable.
 */
export function rulesAllow(commandRules: readonly string[], command: string, categories: readonly string[]): boolean {
  let allowed = false;
  for (const r of commandRules) {
    if (r === 'allcommands' || r === '+@all') allowed = true;
    else if (r === 'nocommands' || r === '-@all') allowed = false;
    else if (r.startsWith('+@')) allowed = categories.includes(r.slice(2)) ? true : allowed;
    else if (r.startsWith('-@')) allowed = categories.includes(r.slice(2)) ? false : allowed;
    else if (r.startsWith('+')) allowed = r.slice(1).split('|')[0] === command ? true : allowed;
    else if (r.startsWith('-')) allowed = r.slice(1) === command ? false : allowed;
  }
  return allowed;
}

/** True when the user can run every command (+@all / allcommands) with nothing dangerous removed. */
export function hasFullCommands(u: UserFacts): boolean {
  return DANGEROUS_COMMANDS.every((c) => rulesAllow(u.commandRules, c.name, c.categories)) && rulesAllow(u.commandRules, 'get', ['read', 'string', 'fast']);
}

/** The dangerous commands these rules let the user call. */
export function dangerousAllowed(u: UserFacts): string[] {
  return DANGEROUS_COMMANDS.filter((c) => rulesAllow(u.commandRules, c.name, c.categories)).map((c) => c.name);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** A bind address without its "-" (optional) prefix. */
export function bareAddress(a: string): string {
  return a.startsWith('-') ? a.slice(1) : a;
}

export function isWildcard(a: string): boolean {
  const b = bareAddress(a);
  return b === '*' || b === '0.0.0.0' || b === '::' || b === '::*' || b === '[::]';
}

export function isLoopback(a: string): boolean {
  return LOOPBACK.test(bareAddress(a));
}
