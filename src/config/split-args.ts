/**
 * Split a line into arguments with the quoting rules of redis.conf and inline requests:
 * whitespace separates; "double quotes" understand \n \r \t \b \a \\ \" and \xHH;
 * 'single quotes' understand only \'. A closing quote must be followed by whitespace or
 * the end of the line. Returns null on unbalanced quotes (the caller words the error).
 * Input and output are binary strings (one char per byte).
 */
import { reprArg } from './config-values.js';

export function splitArgs(input: string): string[] | null {
  // C strings end at NUL: Redis never sees what follows one.
  const nul = input.indexOf('\0');
  const line = nul === -1 ? input : input.slice(0, nul);
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (inDouble) {
        if (i >= n) return null;
        const c = line[i]!;
        if (c === '\\' && i + 3 < n && line[i + 1] === 'x' && isHex(line[i + 2]!) && isHex(line[i + 3]!)) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (inSingle) {
        if (i >= n) return null;
        const c = line[i]!;
        if (c === '\\' && i + 1 < n && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const c = line[i]!;
        const code = line.charCodeAt(i);
        // An unquoted word ends only at space, \n, \r or \t (\v and \f belong to it).
        if (code === 32 || code === 10 || code === 13 || code === 9) done = true;
        else if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else cur += c;
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/**
 * Quote a value the way CONFIG REWRITE / ACL SAVE need it to read back identically: as is
 * when it is one plain printable word, else quoted and escaped as sdscatrepr (reprArg).
 */
export function quoteArg(s: string): string {
  if (s.length > 0 && /^[\x21-\x7e]+$/.test(s) && !/["'\\]/.test(s)) return s;
  return reprArg(s);
}
