/**
 * The AOF manifest: the list of files that make up a multi-part append-only file (Redis 7.0).
 *
 * One line per file, `file <name> seq <n> type <b|h|i>`: at most one base (the snapshot of
 * the last rewrite), history files (old base/incr files about to be deleted) and the incr
 * files (commands since the base), in replay order. Parsing follows Redis's
 * aofLoadManifestFromFile: same line splitting (sdssplitargs quoting), same checks and the
 * same error texts, so an operator's search for a message finds Redis's documentation.
 * File names are binary strings (latin1).
 */

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  base: AofFileInfo | null;
  /** previous bases/incr files waiting for deletion */
  history: AofFileInfo[];
  /** incr files in replay order (strictly increasing seq) */
  incr: AofFileInfo[];
  /** seq of the current base (0 when none yet): the next base gets this + 1 */
  currBaseSeq: number;
  /** seq of the last incr file (0 when none yet) */
  currIncrSeq: number;
}

/** A manifest Redis would refuse; `reason` is Redis's text. */
export class AofManifestError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line number, when a line is at fault */
    readonly lineNumber?: number,
    /** the offending line (trimmed), when a line is at fault */
    readonly line?: string,
  ) {
    super(lineNumber !== undefined ? `${reason} (manifest line ${lineNumber}: '${line ?? ''}')` : reason);
  }
}

export function emptyManifest(): AofManifest {
  return { base: null, history: [], incr: [], currBaseSeq: 0, currIncrSeq: 0 };
}

export function cloneManifest(m: AofManifest): AofManifest {
  return {
    base: m.base === null ? null : { ...m.base },
    history: m.history.map((f) => ({ ...f })),
    incr: m.incr.map((f) => ({ ...f })),
    currBaseSeq: m.currBaseSeq,
    currIncrSeq: m.currIncrSeq,
  };
}

/** Redis's fgets buffer for manifest lines is 1024 bytes plus the terminator. */
const MANIFEST_MAX_LINE = 1024;

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPrint = (c: number): boolean => c >= 0x20 && c <= 0x7e;
const hexVal = (c: string): number => {
  const v = parseInt(c, 16);
  return Number.isNaN(v) || c.length !== 1 ? -1 : v;
};

/**
 * Splits a line as Redis's sdssplitargs does: blanks separate arguments, "double quotes"
 * take \n \r \t \b \a \xHH escapes, 'single quotes' only \', and a closing quote must be
 * followed by a blank or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let cur = '';
    for (;;) {
      if (inq) {
        if (i >= n) return null;
        const ch = line[i]!;
        if (ch === '\\' && line[i + 1] === 'x' && i + 3 < n && hexVal(line[i + 2]!) >= 0 && hexVal(line[i + 3]!) >= 0) {
          cur += String.fromCharCode(hexVal(line[i + 2]!) * 16 + hexVal(line[i + 3]!));
          i += 4;
          continue;
        }
        if (ch === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
          i += 2;
          continue;
        }
        if (ch === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        }
        cur += ch;
        i++;
      } else if (insq) {
        if (i >= n) return null;
        const ch = line[i]!;
        if (ch === '\\' && line[i + 1] === "'") {
          cur += "'";
          i += 2;
          continue;
        }
        if (ch === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        }
        cur += ch;
        i++;
      } else {
        if (i >= n) break;
        const ch = line[i]!;
        const c = line.charCodeAt(i);
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0) break;
        if (ch === '"') inq = true;
        else if (ch === "'") insq = true;
        else cur += ch;
        i++;
      }
    }
    out.push(cur);
  }
}

/**
 * True when the name is written quoted: Redis's sdsneedsrepr cases, plus a single quote,
 * which Redis writes bare and then cannot read back (sdssplitargs takes it for a quote).
 */
export function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27 || c === 0x5c || c === 0x22 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x07 || c === 0x08 || !isPrint(c) || isSpace(c)) return true;
  }
  return false;
}

/** Redis's sdscatrepr: a double-quoted form that splitArgs reads back. */
export function quoteRepr(s: string): string {
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '\\' || ch === '"') r += '\\' + ch;
    else if (c === 0x0a) r += '\\n';
    else if (c === 0x0d) r += '\\r';
    else if (c === 0x09) r += '\\t';
    else if (c === 0x07) r += '\\a';
    else if (c === 0x08) r += '\\b';
    else if (isPrint(c)) r += ch;
    else r += '\\x' + c.toString(16).padStart(2, '0');
  }
  return r + '"';
}

export function formatManifestLine(f: AofFileInfo): string {
  return `file ${needsRepr(f.name) ? quoteRepr(f.name) : f.name} seq ${f.seq} type ${f.type}\n`;
}

/** The manifest text: base first, then history, then incr files (getAofManifestAsString). */
export function serializeManifest(m: AofManifest): string {
  let s = '';
  if (m.base !== null) s += formatManifestLine(m.base);
  for (const f of m.history) s += formatManifestLine(f);
  for (const f of m.incr) s += formatManifestLine(f);
  return s;
}

/** C atoll: optional blanks and sign, then digits; anything else stops it (0 when none). */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : v > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/** Parses manifest text (a binary string) with Redis's checks; throws AofManifestError. */
export function parseManifest(text: string): AofManifest {
  const am = emptyManifest();
  let maxSeq = 0;
  let pos = 0;
  let lineNum = 0;
  if (text.length === 0) throw new AofManifestError('Found an empty AOF manifest');
  while (pos < text.length) {
    // fgets: up to and including '\n', at most MANIFEST_MAX_LINE bytes
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 || nl - pos + 1 > MANIFEST_MAX_LINE ? Math.min(text.length, pos + MANIFEST_MAX_LINE) : nl + 1;
    const buf = text.slice(pos, end);
    pos = end;
    lineNum++;
    if (buf[0] === '#') continue;
    if (!buf.includes('\n')) throw new AofManifestError('The AOF manifest file contains too long line');
    const line = buf.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line.length === 0) throw new AofManifestError('Invalid AOF manifest file format', lineNum, line);
    const argv = splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new AofManifestError('Invalid AOF manifest file format', lineNum, line);
    let name: string | null = null;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv.length; i += 2) {
      const k = argv[i]!.toLowerCase();
      const v = argv[i + 1]!;
      if (k === 'file') {
        name = v;
        if (v.includes('/') || v.includes('\\')) throw new AofManifestError("File can't be a path, just a filename", lineNum, line);
      } else if (k === 'seq') {
        seq = atoll(v);
      } else if (k === 'type') {
        type = v.length > 0 ? v[0]! : '';
      }
    }
    if (name === null || seq === 0 || type === '') throw new AofManifestError('Invalid AOF manifest file format', lineNum, line);
    if (type === 'b') {
      if (am.base !== null) throw new AofManifestError('Found duplicate base file information', lineNum, line);
      am.base = { name, seq, type };
      am.currBaseSeq = seq;
    } else if (type === 'h') {
      am.history.push({ name, seq, type });
    } else if (type === 'i') {
      if (seq <= maxSeq) throw new AofManifestError('Found a non-monotonic sequence number', lineNum, line);
      am.incr.push({ name, seq, type });
      am.currIncrSeq = seq;
      maxSeq = seq;
    } else {
      throw new AofManifestError('Unknown AOF file type', lineNum, line);
    }
  }
  return am;
}
