/**
 * Script flags: the `#!lua flags=…` first line of an EVAL script (Redis 7.2's
 * evalExtractShebangFlags) and the same flags on functions. A script without a
 * shebang runs in compatibility mode (`compat`): no declared flags, Redis's pre-7.0
 * rules (writes allowed, OOM and disk checks made per command inside the script).
 */
import { errors } from '../errors.js';

export interface ScriptFlags {
  /** no shebang: Redis's backward-compatible EVAL mode */
  readonly compat: boolean;
  readonly noWrites: boolean;
  readonly allowOom: boolean;
  readonly allowStale: boolean;
  readonly noCluster: boolean;
  readonly allowCrossSlot: boolean;
}

export const COMPAT_FLAGS: ScriptFlags = Object.freeze({
  compat: true,
  noWrites: false,
  allowOom: false,
  allowStale: false,
  noCluster: false,
  allowCrossSlot: false,
});

/** The flag names scripts and functions may declare, with the field each sets. */
export const SCRIPT_FLAG_NAMES: ReadonlyMap<string, keyof Omit<ScriptFlags, 'compat'>> = new Map([
  ['no-writes', 'noWrites'],
  ['allow-oom', 'allowOom'],
  ['allow-stale', 'allowStale'],
  ['no-cluster', 'noCluster'],
  ['allow-cross-slot-keys', 'allowCrossSlot'],
]);

export type ShebangResult =
  /** `bodyStart`: where the Lua code starts (the shebang's newline is kept, so line numbers hold) */
  | { readonly ok: true; readonly flags: ScriptFlags; readonly bodyStart: number }
  | { readonly ok: false; readonly error: string };

/**
 * Splits a line into arguments as Redis's sdssplitargs: blanks separate, "…" with
 * backslash escapes and '…' quote; a closing quote must be followed by a blank or the
 * end. Returns null for unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  const blank = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0';
  for (;;) {
    while (i < n && blank(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    for (;;) {
      const c = line[i];
      if (inDq) {
        if (c === undefined) return null;
        if (c === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            cur += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          cur += map[e] ?? e;
          i += 2;
          continue;
        }
        if (c === '"') {
          if (i + 1 < n && !blank(line[i + 1])) return null;
          inDq = false;
          i++;
          break;
        }
        cur += c;
        i++;
      } else if (inSq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          cur += "'";
          i += 2;
          continue;
        }
        if (c === "'") {
          if (i + 1 < n && !blank(line[i + 1])) return null;
          inSq = false;
          i++;
          break;
        }
        cur += c;
        i++;
      } else {
        if (c === undefined || blank(c)) break;
        if (c === '"') inDq = true;
        else if (c === "'") inSq = true;
        else cur += c;
        i++;
      }
    }
    out.push(cur);
  }
}

/** Parses a comma-separated flag list ("no-writes,allow-oom"); an unknown name is an error. */
export function parseFlagList(list: string, base: ScriptFlags): { flags: ScriptFlags } | { unknown: string } {
  const flags: { -readonly [K in keyof ScriptFlags]: ScriptFlags[K] } = { ...base };
  // sdssplitlen of an empty string gives no elements; otherwise every piece counts
  if (list.length === 0) return { flags };
  for (const name of list.split(',')) {
    const field = SCRIPT_FLAG_NAMES.get(name);
    if (field === undefined) return { unknown: name };
    flags[field] = true;
  }
  return { flags };
}

/** Reads the shebang of a script body (a binary string), as Redis 7.2. */
export function parseShebang(body: string): ShebangResult {
  if (!body.startsWith('#!')) return { ok: true, flags: COMPAT_FLAGS, bodyStart: 0 };
  const end = body.indexOf('\n');
  if (end === -1) return { ok: false, error: errors.shebangInvalid };
  // %s formatting stops at a NUL, as Redis's C strings do
  const line = body.slice(0, end);
  const parts = splitArgs(line);
  if (parts === null || parts.length === 0) return { ok: false, error: errors.shebangInvalidEngine };
  if (parts[0] !== '#!lua') return { ok: false, error: errors.shebangUnexpectedEngine(cstr(parts[0]!)) };
  let flags: ScriptFlags = { ...COMPAT_FLAGS, compat: false };
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { ok: false, error: errors.shebangUnknownOption(cstr(part)) };
    const r = parseFlagList(part.slice(6), flags);
    if ('unknown' in r) return { ok: false, error: errors.shebangUnexpectedFlag(cstr(r.unknown)) };
    flags = r.flags;
  }
  return { ok: true, flags, bodyStart: end };
}

function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}
