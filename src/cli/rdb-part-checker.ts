/**
 * The RDB checker `redoubt check-aof` uses for an AOF's RDB base or preamble: the RDB
 * reader walks the RDB part (checksum included) and reports it like redis-check-rdb's
 * lines; the RESP tail after it is left to the AOF checker.
 */
import type { RdbChecker } from '../persistence/aof/aof-check.js';
import { RdbReader } from '../persistence/rdb/rdb-reader.js';
import { RdbFormatError } from '../persistence/rdb/rdb-error.js';

export const rdbPartChecker: RdbChecker = (data, name, out) => {
  out(`[offset 0] Checking RDB file ${name}`);
  let reader: RdbReader | null = null;
  let keys = 0;
  try {
    reader = RdbReader.fromBuffer(data);
    for (let rec = reader.next(); rec !== null; rec = reader.next()) {
      if (rec.kind === 'key') keys++;
      else if (rec.kind === 'eof') {
        out(`[offset ${reader.offset}] Checksum OK`);
        out(`[offset ${reader.offset}] \\o/ RDB looks OK! \\o/`);
        out(`[info] ${keys} keys read`);
        return { ok: true, length: reader.offset };
      }
    }
    out('--- RDB ERROR DETECTED ---');
    out(`[offset ${reader.offset}] Unexpected end of the RDB part (no EOF opcode)`);
    return { ok: false, length: reader.offset };
  } catch (e) {
    const offset = e instanceof RdbFormatError ? e.offset : (reader?.offset ?? 0);
    out('--- RDB ERROR DETECTED ---');
    out(`[offset ${offset}] ${(e as Error).message}`);
    return { ok: false, length: offset };
  }
};
