/**
 * `redoubt check-rdb`: reads a whole RDB file with RdbReader and reports the way
 * redis-check-rdb does — offset-prefixed progress lines, then "RDB looks OK" with key
 * counts, or an error block naming the offset, the reason and what was being read.
 * Returns the exit status (0 OK, 1 error).
 */
import { RdbReader } from './rdb-reader.js';
import { RdbFormatError } from './rdb-error.js';
import { rdbTypeName } from './rdb-constants.js';

export interface CheckRdbOptions {
  /** current time in ms, for the "already expired" count */
  now?: number;
  /** number of databases allowed (default 16) */
  databases?: number;
}

/** A key or field shown in a report: printable ASCII kept, other bytes escaped. */
function printable(s: string): string {
  let out = '';
  for (let i = 0; i < s.length && i < 128; i++) {
    const c = s.charCodeAt(i);
    out += c >= 32 && c < 127 && c !== 92 ? s[i] : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s.length > 128 ? `${out}...` : out;
}

export function checkRdbFile(path: string, write: (line: string) => void, opts: CheckRdbOptions = {}): number {
  const now = opts.now ?? Date.now();
  let keys = 0;
  let expires = 0;
  let expired = 0;
  let empty = 0;
  const counts = () => {
    write(`[info] ${keys} keys read`);
    write(`[info] ${expires} expires`);
    write(`[info] ${expired} already expired`);
    if (empty > 0) write(`[info] ${empty} empty keys (skipped by a loader)`);
  };
  write(`[offset 0] Checking RDB file ${path}`);
  let reader: RdbReader;
  try {
    reader = RdbReader.openFile(path, { databases: opts.databases });
  } catch (e) {
    write('--- RDB ERROR DETECTED ---');
    if (e instanceof RdbFormatError) write(`[offset ${e.offset}] ${e.reason}`);
    else write(`[offset 0] ${(e as Error).message}`);
    counts();
    return 1;
  }
  try {
    for (let rec = reader.next(); rec !== null; rec = reader.next()) {
      const at = reader.offset;
      switch (rec.kind) {
        case 'aux':
          write(`[offset ${at}] AUX FIELD ${printable(rec.key)} = '${printable(rec.value)}'`);
          break;
        case 'select-db':
          write(`[offset ${at}] Selecting DB ID ${rec.db}`);
          break;
        case 'resize-db':
          break;
        case 'function':
          write(`[offset ${at}] Function library of ${rec.code.length} bytes`);
          break;
        case 'key':
          keys++;
          if (rec.expireAt !== undefined) {
            expires++;
            if (rec.expireAt < now) expired++;
          }
          break;
        case 'empty-key':
          empty++;
          write(`[offset ${at}] Empty ${rdbTypeName(rec.rdbType)} key '${printable(rec.key)}' (a loader skips it)`);
          break;
        case 'eof':
          if (rec.checksum === 'verified') write(`[offset ${at}] Checksum OK`);
          else write(`[offset ${at}] RDB file was saved with checksum disabled: no check performed.`);
          write(`[offset ${at}] \\o/ RDB looks OK! \\o/`);
          counts();
          return 0;
      }
    }
    return 0;
  } catch (e) {
    write('--- RDB ERROR DETECTED ---');
    if (e instanceof RdbFormatError) write(`[offset ${e.offset}] ${e.reason}`);
    else write(`[offset ${reader.offset}] ${(e as Error).message}`);
    const ctx = reader.context;
    write(`[additional info] While doing: ${ctx.doing}`);
    if (ctx.key !== undefined) write(`[additional info] Reading key '${printable(ctx.key)}'`);
    if (ctx.type !== undefined) write(`[additional info] Reading type ${ctx.type} (${rdbTypeName(ctx.type)})`);
    counts();
    return 1;
  } finally {
    reader.close();
  }
}
