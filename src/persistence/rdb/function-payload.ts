/**
 * FUNCTION DUMP / RESTORE payloads (Redis 7's functionDumpCommand / functionRestoreCommand):
 * each library as the RDB writes it — RDB_OPCODE_FUNCTION2 then its whole code as an RDB
 * string — then the RDB version (2 bytes, little-endian) and a CRC-64 of everything
 * before it (8 bytes, little-endian), as a key's DUMP payload ends. Redoubt writes
 * version 10 so Redis 7.0 accepts its payloads, and reads payloads up to version 11.
 */
import { ByteSink } from './byte-sink.js';
import { ByteSource } from './byte-source.js';
import { RdbOpcode } from './rdb-constants.js';
import { RdbFormatError } from './rdb-error.js';
import { endPayload, payloadBody, verifyDumpPayload } from './dump-payload.js';

/** The payload of these libraries' codes. */
export function createFunctionsPayload(codes: readonly string[], compression = true): Buffer {
  const sink = new ByteSink(compression, 256);
  for (const code of codes) {
    sink.u8(RdbOpcode.FUNCTION2);
    sink.string(code);
  }
  return endPayload(sink);
}

export type FunctionsPayload = { readonly ok: true; readonly codes: string[] } | { readonly ok: false; readonly error: string };

/**
 * The libraries' codes of a payload, or Redis's error for it: a wrong version or CRC,
 * a record that is not a function, the pre-GA format, an unreadable string.
 */
export function readFunctionsPayload(payload: Buffer): FunctionsPayload {
  if (!verifyDumpPayload(payload)) return { ok: false, error: 'DUMP payload version or checksum are wrong' };
  const src = ByteSource.fromBuffer(payloadBody(payload), false);
  const codes: string[] = [];
  try {
    while (src.remaining > 0) {
      const type = src.u8();
      if (type === RdbOpcode.FUNCTION_PRE_GA) return { ok: false, error: 'Pre-GA function format not supported' };
      if (type !== RdbOpcode.FUNCTION2) return { ok: false, error: 'given type is not a function' };
      codes.push(src.string('library code'));
    }
  } catch (e) {
    if (e instanceof RdbFormatError) return { ok: false, error: 'Failed loading library payload' };
    throw e;
  }
  return { ok: true, codes };
}
