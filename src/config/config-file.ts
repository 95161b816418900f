/**
 * redis.conf loading with redis-server's rules: lines are trimmed, `#` comments and blank
 * lines skipped, arguments split with the redis.conf quoting rules, directive names are
 * case-insensitive, `include` (glob patterns allowed, paths relative to the working
 * directory) loads another file in place, and a repeated directive replaces the earlier
 * value (`save` and `client-output-buffer-limit` merge as Redis does). The first bad line
 * stops the load with an error object that `formatFatalConfigError` prints exactly like
 * redis-server's `*** FATAL CONFIG FILE ERROR ***` block.
 */
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REDIS_COMPAT_VERSION } from '../version.js';
import type { ConfigStore } from './config-store.js';
import { unsupportedReason } from './config-store.js';
import { deprecatedDirectives, removedDirectives, securityOnlyDirectives } from './config-table.js';
import { strerror } from './config-values.js';
import { splitArgs } from './split-args.js';
import { checkSecurityLogPath } from '../security/security-events.js';

/** A bad line (or, with lineNumber null, a whole-config problem such as an unopenable logfile). */
export interface ConfigLineError {
  kind: 'line';
  /** file being read when the error happened (not printed: Redis does not print it) */
  file?: string;
  lineNumber: number | null;
  line: string | null;
  reason: string;
}

/** A config file that cannot be read: redis-server logs it as a line and exits 1. */
export interface ConfigOpenError {
  kind: 'open';
  path: string;
  reason: string;
}

export type ConfigLoadError = ConfigLineError | ConfigOpenError;

export interface LoadOptions {
  /** file the text came from (for error objects and nested includes) */
  file?: string;
  /** change the process working directory at `dir` lines, as redis-server does (main only) */
  chdir?: boolean;
  /** reads an included file as a binary string; defaults to the file system */
  readFile?: (path: string) => string;
}

/** The text redis-server parses: file contents, then stdin, then "\n" and the command-line options. */
export function combineConfigSources(fileText: string | null, stdinText: string | null, options: string): string {
  let text = fileText ?? '';
  if (stdinText !== null) text += stdinText;
  if (options.length > 0) text += '\n' + options;
  return text;
}

/** Reads a config file as binary (latin1) text, or returns the open error. */
export function readConfigFile(path: string): string | ConfigOpenError {
  try {
    return readFileSync(path).toString('latin1');
  } catch (e) {
    return { kind: 'open', path, reason: strerror(e) };
  }
}

/**
 * Loads config text into `store` (top level: also runs the end-of-load checks).
 * Returns null on success or the first error.
 */
export function loadConfigText(store: ConfigStore, text: string, opts: LoadOptions = {}): ConfigLoadError | null {
  store.beginLoad();
  const err = loadLines(store, text, opts);
  if (err !== null) return err;
  return finalChecks(store);
}

function loadLines(store: ConfigStore, text: string, opts: LoadOptions): ConfigLoadError | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = trimConfigLine(lines[i]!);
    if (line.length === 0 || line[0] === '#') continue;
    const fail = (reason: string): ConfigLineError => ({ kind: 'line', file: opts.file, lineNumber: i + 1, line, reason });
    const argv = splitArgs(line);
    if (argv === null) return fail('Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    const name = argv[0]!.toLowerCase();
    const args = argv.slice(1);

    const def = store.def(name);
    if (def !== undefined) {
      // A password on stderr/in logs would outlive the failed start: show the name only.
      const failDef = (def.flags ?? []).includes('sensitive') ? (r: string) => ({ ...fail(r), line: redacted(argv[0]!) }) : fail;
      // Multi-arg configs check their own argument count.
      if (!(def.flags ?? []).includes('multi-arg') && argv.length !== 2) return failDef('wrong number of arguments');
      let values = args;
      // As redis-server: a multi-argument directive given one non-empty argument has it split
      // like a line (`latency-tracking-info-percentiles "50 99 99.9"`, `--save "60 1"`);
      // an empty one stays "no argument" (`save ""`).
      if ((def.flags ?? []).includes('multi-arg') && args.length === 1 && args[0] !== '') {
        const split = splitArgs(args[0]!);
        if (split === null) return failDef('Unbalanced quotes in configuration line');
        values = split;
      }
      const err = store.setFromFile(def, values);
      if (err !== null) return failDef(err);
      const clash = exclusiveWith(store, def.name);
      if (clash !== null) return fail(clash);
      if (def.name === 'dir' && opts.chdir === true) {
        try {
          process.chdir(store.get('dir'));
        } catch (e) {
          return fail(strerror(e));
        }
      }
      continue;
    }
    if (deprecatedDirectives.has(name) && argv.length === 2) continue;
    const removed = removedDirectives.get(name);
    if (removed !== undefined) return fail(removed);

    if (name === 'include' && argv.length === 2) {
      const err = loadInclude(store, args[0]!, opts);
      if (err !== null) return err;
    } else if (name === 'user' && argv.length >= 2) {
      const err = store.addUserDirective(args);
      if (err !== null) return { ...fail(err), line: redacted(argv[0]!) };
    } else if (name === 'rename-command' && argv.length === 3) {
      const err = store.addRename(args[0]!, args[1]!);
      if (err !== null) return fail(err);
    } else if (securityOnlyDirectives.has(name) && argv.length >= 2) {
      // modules do not exist: honouring the line is impossible and ignoring it would
      // leave the server other than asked.
      return fail(unsupportedReason(name));
    } else if (name.includes('.')) {
      if (argv.length !== 2) return fail('Module config specified without value');
      // Redis aborts later when no module claims it; there are no modules here.
      return fail('Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting');
    } else if (name === 'sentinel') {
      if (argv.length !== 1) return fail('sentinel directive while not in sentinel mode');
      return fail('Sentinel mode is not supported by Redoubt');
    } else {
      return fail('Bad directive or wrong number of arguments');
    }
  }
  return null;
}

/** The echoed line of a refused secret-bearing directive (requirepass, masterauth, user rules). */
function redacted(directive: string): string {
  return `${directive} (redacted)`;
}

/** Redis's sdstrim(line, " \t\r\n"). */
function trimConfigLine(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isTrim(s.charCodeAt(a))) a++;
  while (b > a && isTrim(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function isTrim(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * `include path`: a pattern with * ? [ is globbed (sorted; no match is not an error, so an
 * empty conf.d works), a plain path must open. Included files are loaded as if pasted in
 * place, with their own line numbers.
 */
function loadInclude(store: ConfigStore, path: string, opts: LoadOptions): ConfigLoadError | null {
  const read = opts.readFile ?? ((p: string) => readFileSync(p).toString('latin1'));
  const files = /[*?[]/.test(path) ? globFiles(path) : [path];
  for (const f of files) {
    let text: string;
    try {
      text = read(f);
    } catch (e) {
      return { kind: 'open', path: f, reason: strerror(e) };
    }
    const err = loadLines(store, text, { ...opts, file: f });
    if (err !== null) return err;
  }
  return null;
}

/** glob(3) without flags: per path segment, `*` `?` `[...]`/`[!...]`, dot files only when the segment starts with a dot. */
export function globFiles(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s.length > 0 || i === 0);
  let bases = [absolute ? '/' : ''];
  for (let i = absolute ? 1 : 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(seg)) {
        const p = base === '' ? seg : join(base, seg);
        if (exists(p)) next.push(p);
        continue;
      }
      const re = segmentRegExp(seg);
      let names: string[];
      try {
        names = readdirSync(base === '' ? '.' : base);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (n.startsWith('.') && !seg.startsWith('.')) continue;
        if (!re.test(n)) continue;
        const p = base === '' ? n : join(base, n);
        if (!last && !isDir(p)) continue;
        next.push(p);
      }
    }
    bases = next;
  }
  return bases.filter((p) => p !== '' && p !== '/').sort();
}

function segmentRegExp(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, end);
      let neg = '';
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = '^';
        body = body.slice(1);
      }
      re += `[${neg}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 's');
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Directives that exclude each other (the second one read is the line named). */
type ConfigName = Parameters<ConfigStore['get']>[0];
const EXCLUSIVE: ReadonlyMap<string, readonly [ConfigName, ConfigName]> = new Map([
  ['gateway-upstream', ['gateway-upstream', 'gateway-sentinel']],
  ['gateway-sentinel', ['gateway-sentinel', 'gateway-upstream']],
]);

function exclusiveWith(store: ConfigStore, directive: string): string | null {
  const pair = EXCLUSIVE.get(directive);
  if (pair === undefined) return null;
  const [name, other] = pair;
  if (store.get(name) === '' || store.get(other) === '') return null;
  return `${name} and ${other} are mutually exclusive: name the cluster/standalone nodes with gateway-upstream, or a Sentinel set with gateway-sentinel`;
}

/** The gateway's Sentinel directives go together: sentinels and the master name they watch. */
function sentinelCheck(store: ConfigStore): string | null {
  const sentinels = store.get('gateway-sentinel') !== '';
  const master = store.get('gateway-sentinel-master') !== '';
  if (sentinels && !master) return 'gateway-sentinel needs gateway-sentinel-master <name>: the master name the sentinels monitor';
  if (master && !sentinels) return 'gateway-sentinel-master needs gateway-sentinel host:port: the sentinels to ask';
  if (!sentinels && (store.get('gateway-sentinel-user') !== '' || store.get('gateway-sentinel-pass') !== '')) {
    return 'gateway-sentinel-user/gateway-sentinel-pass need gateway-sentinel host:port';
  }
  return null;
}

/** Checks Redis runs once the whole config is read. */
function finalChecks(store: ConfigStore): ConfigLineError | null {
  const logfile = store.get('logfile');
  if (logfile !== '') {
    // Test now that the log file can be opened: the server cannot abort for it later.
    try {
      closeSync(openSync(logfile, 'a'));
    } catch (e) {
      return { kind: 'line', lineNumber: null, line: null, reason: `Can't open the log file: ${strerror(e)}` };
    }
  }
  // the security log likewise: a path that cannot be written must stop the start, not
  // lose every event silently (issue 15)
  const seclog = store.get('security-log-file');
  if (seclog !== '') {
    const reason = checkSecurityLogPath(seclog);
    if (reason !== null) return { kind: 'line', lineNumber: null, line: null, reason: `Can't open the security log file: ${reason}` };
  }
  if (store.bool('cluster-enabled') && store.get('replicaof') !== '') {
    return { kind: 'line', lineNumber: null, line: null, reason: 'replicaof directive not allowed in cluster mode' };
  }
  const sentinel = sentinelCheck(store);
  if (sentinel !== null) return { kind: 'line', lineNumber: null, line: null, reason: sentinel };
  return null;
}

/** redis-server's stderr block for a config error, byte for byte (Redis version as reported to clients). */
export function formatFatalConfigError(err: ConfigLineError): string {
  let out = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_COMPAT_VERSION}) ***\n`;
  if (err.lineNumber !== null && err.line !== null) {
    out += `Reading the configuration file, at line ${err.lineNumber}\n`;
    out += `>>> '${err.line}'\n`;
  }
  return out + `${err.reason}\n`;
}

/** The log message redis-server writes when a config file cannot be opened. */
export function formatOpenError(err: ConfigOpenError): string {
  return `Fatal error, can't open config file '${err.path}': ${err.reason}`;
}
