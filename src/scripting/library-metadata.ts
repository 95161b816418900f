/**
 * A FUNCTION library's first line (Redis 7's functionExtractLibMetaData):
 * `#!<engine> name=<library>`, split as sdssplitargs splits, `name=` case-insensitive
 * and given once. The code handed to the engine starts at that line's newline, so the
 * library's lines keep their numbers in error messages ("user_function:2: ...").
 * Texts are binary strings (one char per byte).
 */
import { splitArgs } from '../config/split-args.js';

export interface LibraryMetadata {
  /** the engine as written after `#!` ("lua", any case) */
  readonly engine: string;
  readonly name: string;
  /** the code after the shebang, from its newline on */
  readonly body: string;
}

export type MetadataResult = { readonly ok: true; readonly md: LibraryMetadata } | { readonly ok: false; readonly error: string };

/** Redis's functionsVerifyName: letters, digits and underscores, at least one. */
export function isValidFunctionName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

export function parseLibraryMetadata(code: string): MetadataResult {
  if (!code.startsWith('#!')) return { ok: false, error: 'Missing library metadata' };
  // Redis looks for the newline in a C string: a NUL before it ends the search
  const nl = code.indexOf('\n');
  const nul = code.indexOf('\0');
  if (nl === -1 || (nul !== -1 && nul < nl)) return { ok: false, error: 'Invalid library metadata' };
  const parts = splitArgs(code.slice(0, nl));
  if (parts === null || parts.length === 0) return { ok: false, error: 'Invalid library metadata' };
  const engine = parts[0]!.slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { ok: false, error: 'Invalid metadata value, name argument was given multiple times' };
      name = part.slice(5);
      continue;
    }
    return { ok: false, error: `Invalid metadata value given: ${cString(part)}` };
  }
  if (name === null) return { ok: false, error: 'Library name was not given' };
  return { ok: true, md: { engine, name, body: code.slice(nl) } };
}

/** %s formatting stops at a NUL byte. */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}
