/**
 * Value syntaxes of redis.conf with Redis's exact acceptance rules and error texts:
 * integers (string2ll), memory sizes (memtoull), octal, percentages, and the special
 * directives whose values have their own grammar (save, client-output-buffer-limit,
 * notify-keyspace-events, oom-score-adj-values, latency-tracking-info-percentiles,
 * replicaof, bind).
 */
import type { SpecialParseContext } from './config-def.js';

export type Parsed = string | { error: string };

const ULLONG_MAX = 18446744073709551615n;
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, 64-bit range. */
export function parseLongLong(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  return v > LLONG_MAX || v < LLONG_MIN ? null : v;
}

/** Redis's memtoull: digits then an optional b/k/kb/m/mb/g/gb (any case); no sign. */
export function parseMemory(s: string): bigint | null {
  const m = /^([0-9]*)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (m === null) return null;
  // An empty digit run parses as 0 in Redis (strtoull of ""), e.g. "kb" → 0.
  let n = m[1] === '' ? 0n : BigInt(m[1]!);
  // strtoull saturates and the unit multiplication wraps modulo 2^64, as in Redis.
  if (n > ULLONG_MAX) n = ULLONG_MAX;
  const unit = (m[2] ?? 'b').toLowerCase();
  return (n * MEMORY_UNITS[unit]!) & ULLONG_MAX;
}

const MEMORY_UNITS: Record<string, bigint> = {
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/** Bytes as redis.conf writes them on REWRITE: the largest exact binary unit. */
export function formatMemory(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return String(bytes);
}

/**
 * Redis's sdscatrepr: always double-quoted, with \\ \" \n \r \t \a \b escaped and other
 * non-printable bytes as \xHH. CONFIG REWRITE and the command-line options use it.
 */
export function reprArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

// ---- save ----

/** `save <seconds> <changes> [...]`; `save ""` clears. In a file, the first line replaces the defaults, later lines append. */
export function parseSave(args: string[], ctx: SpecialParseContext): Parsed {
  const cleared = args.length === 1 && args[0] === '';
  const a = cleared ? [] : args;
  if (a.length % 2 === 1) return { error: 'Invalid save parameters' };
  for (let j = 0; j < a.length; j++) {
    // strtoll with an end-pointer check: optional sign, digits, nothing after
    const m = /^[\t\n\v\f\r ]*([+-]?[0-9]+)$/.exec(a[j]!);
    const v = m === null ? (a[j] === '' ? 0n : null) : BigInt(m[1]!);
    if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) return { error: 'Invalid save parameters' };
  }
  const pairs: string[] = [];
  for (let j = 0; j < a.length; j += 2) pairs.push(`${BigInt(a[j]!.trim())} ${BigInt(a[j + 1]!.trim())}`);
  const fresh = pairs.join(' ');
  // `save ""` empties the list wherever it appears (later lines append to the empty list)
  if (ctx.fromFile && !ctx.firstInFile && !cleared) return [ctx.current, fresh].filter((x) => x !== '').join(' ');
  return fresh;
}

// ---- client-output-buffer-limit ----

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/** Canonical value: `normal h s sec slave h s sec pubsub h s sec`; lines change only the classes they name. */
export function parseClientOutputBufferLimit(args: string[], ctx: SpecialParseContext): Parsed {
  if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const cur = ctx.current.split(' ');
  const values = new Map<string, string[]>();
  for (let i = 0; i < OBUF_CLASSES.length; i++) values.set(OBUF_CLASSES[i]!, cur.slice(i * 4 + 1, i * 4 + 4));
  const updates = new Map<string, string[]>();
  for (let j = 0; j < args.length; j += 4) {
    const cls = clientClass(args[j]!);
    if (cls === null) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = parseMemory(args[j + 1]!);
    const soft = parseMemory(args[j + 2]!);
    const secs = /^[\t\n\v\f\r ]*([+-]?[0-9]+)$/.exec(args[j + 3]!);
    if (hard === null || soft === null || secs === null || BigInt(secs[1]!) < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    updates.set(cls, [String(hard), String(soft), String(BigInt(secs[1]!))]);
  }
  for (const [k, v] of updates) values.set(k, v);
  return OBUF_CLASSES.map((c) => `${c} ${values.get(c)!.join(' ')}`).join(' ');
}

/** Redis's getClientTypeByName, without `master` (not allowed here). */
function clientClass(name: string): 'normal' | 'slave' | 'pubsub' | null {
  const n = name.toLowerCase();
  if (n === 'normal') return 'normal';
  if (n === 'slave' || n === 'replica') return 'slave';
  if (n === 'pubsub') return 'pubsub';
  return null;
}

export const OBUF_DEFAULT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

/** REWRITE lines: one per class, `slave` written as `replica`, forced when not at default. */
export function rewriteClientOutputBufferLimit(value: string): { line: string; force: boolean }[] {
  const cur = value.split(' ');
  const def = OBUF_DEFAULT.split(' ');
  const out: { line: string; force: boolean }[] = [];
  for (let i = 0; i < OBUF_CLASSES.length; i++) {
    const v = cur.slice(i * 4 + 1, i * 4 + 4);
    const d = def.slice(i * 4 + 1, i * 4 + 4);
    const name = OBUF_CLASSES[i] === 'slave' ? 'replica' : OBUF_CLASSES[i]!;
    out.push({
      line: `client-output-buffer-limit ${name} ${formatMemory(BigInt(v[0]!))} ${formatMemory(BigInt(v[1]!))} ${v[2]}`,
      force: v.join(' ') !== d.join(' '),
    });
  }
  return out;
}

// ---- notify-keyspace-events ----

const NOTIFY_BITS: Record<string, number> = {
  g: 1 << 2,
  $: 1 << 3,
  l: 1 << 4,
  s: 1 << 5,
  h: 1 << 6,
  z: 1 << 7,
  x: 1 << 8,
  e: 1 << 9,
  t: 1 << 10,
  m: 1 << 11,
  d: 1 << 12,
  n: 1 << 13,
  K: 1 << 0,
  E: 1 << 1,
};
/** 'A' is an alias for "g$lshzxetd" (not m, not n) */
const NOTIFY_ALL = ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd'].reduce((a, c) => a | NOTIFY_BITS[c]!, 0);

export function parseNotifyKeyspaceEvents(args: string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  let flags = 0;
  for (const c of args[0]!) {
    if (c === 'A') flags |= NOTIFY_ALL;
    else if (NOTIFY_BITS[c] !== undefined) flags |= NOTIFY_BITS[c]!;
    else return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  }
  const canonical = notifyFlagsToString(flags);
  parsedNotifyFlags.set(canonical, flags);
  return canonical;
}

/**
 * The canonical text can hide a class: with all of A set, Redis shows "A" even when `n`
 * is on too ("AKEn" reads back as "AKE") while still publishing `new` events. So the bits
 * last parsed for each canonical text are remembered for the owner's hook (keyspace-hooks.ts).
 */
const parsedNotifyFlags = new Map<string, number>();

/** The class bits of a canonical notify-keyspace-events value (what the keyspace tests). */
export function notifyFlagsOf(value: string): number {
  const parsed = parsedNotifyFlags.get(value);
  if (parsed !== undefined) return parsed;
  let flags = 0;
  for (const c of value) flags |= c === 'A' ? NOTIFY_ALL : (NOTIFY_BITS[c] ?? 0);
  return flags;
}

/** Canonical order as Redis prints it; `A` hides the classes it covers (and, as in Redis, `n`). */
function notifyFlagsToString(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s += 'A';
  else for (const c of ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd', 'n']) if (flags & NOTIFY_BITS[c]!) s += c;
  for (const c of ['K', 'E', 'm']) if (flags & NOTIFY_BITS[c]!) s += c;
  return s;
}

// ---- oom-score-adj-values ----

export function parseOomScoreAdjValues(args: string[]): Parsed {
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const out: string[] = [];
  for (const a of args) {
    const m = /^[\t\n\v\f\r ]*([+-]?[0-9]+)$/.exec(a);
    const v = m === null ? (a === '' ? 0n : null) : BigInt(m[1]!);
    if (v === null || v < -2000n || v > 2000n) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    out.push(String(v));
  }
  return out.join(' ');
}

// ---- latency-tracking-info-percentiles ----

export function parseLatencyPercentiles(args: string[]): Parsed {
  const a = args.length === 1 && args[0] === '' ? [] : args;
  const out: string[] = [];
  for (const s of a) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    const v = Number(s);
    if (v > 100 || v < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(formatPercentile(v));
  }
  return out.join(' ');
}

/** printf("%f") then trailing zeros (and a bare dot) removed, as Redis's trimDoubleString. */
function formatPercentile(v: number): string {
  const s = v.toFixed(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

// ---- replicaof / slaveof ----

export function parseReplicaOf(args: string[]): Parsed {
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if (args[0]!.toLowerCase() === 'no' && args[1]!.toLowerCase() === 'one') return '';
  const m = /^[\t\n\v\f\r ]*([+-]?[0-9]+)$/.exec(args[1]!);
  const port = m === null ? (args[1] === '' ? 0 : null) : Number(m[1]!);
  if (port === null || port < 0 || port > 65535) return { error: 'Invalid master port' };
  return `${args[0]} ${port}`;
}

// ---- bind ----

const BIND_MAX = 16;

export function parseBind(args: string[]): Parsed {
  if (args.length > BIND_MAX) return { error: 'Too many bind addresses specified.' };
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

/** The C library's message for an fs error, as Redis prints strerror(errno). */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    case 'EEXIST':
      return 'File exists';
    case 'EBADF':
      return 'Bad file descriptor';
    case 'EIO':
      return 'Input/output error';
    case 'EDQUOT':
      return 'Disk quota exceeded';
    case 'EFBIG':
      return 'File too large';
    default:
      return (e as Error).message;
  }
}


// ---- proc-title-template ----

export type ProcTitleVars = Record<'title' | 'listen-addr' | 'server-mode' | 'port' | 'tls-port' | 'unixsocket' | 'config-file', string>;

/**
 * Expands a proc-title-template as Redis's sdstemplate does: `{name}` variables, `{{` and
 * `}}` for literal braces, the result trimmed of spaces; null when the template is invalid.
 */
export function expandProcTitle(template: string, vars: ProcTitleVars): string | null {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      out += c;
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end === -1) return null;
      const name = template.slice(i + 1, end);
      if (!Object.prototype.hasOwnProperty.call(vars, name)) return null;
      out += vars[name as keyof ProcTitleVars];
      i = end;
    } else if (c === '}') {
      return null;
    } else out += c;
  }
  return out.replace(/^ +| +$/g, '');
}
