/**
 * DUMP payloads (cluster.c's createDumpPayload / verifyDumpPayload): one value in RDB form,
 * then the RDB version (2 bytes, little-endian) and a CRC-64 of everything before it
 * (8 bytes, little-endian). Redoubt writes version 10 so Redis 7.0 accepts its payloads,
 * and accepts payloads up to version 11 (Redis 7.2).
 */
import type { Value } from '../../keyspace/value-types.js';
import { ByteSink } from './byte-sink.js';
import { ByteSource } from './byte-source.js';
import { Crc64 } from './crc64.js';
import { DEFAULT_LOAD_LIMITS, type RdbLoadLimits } from './load-limits.js';
import { RDB_MAX_READ_VERSION, RDB_WRITE_VERSION } from './rdb-constants.js';
import { RdbFormatError } from './rdb-error.js';
import { decodeValue, isKnownObjectType } from './value-decoder.js';
import { encodeValue } from './value-encoder.js';

/** The DUMP payload of a value, as bytes. */
export function createDumpPayload(v: Value, compression = true): Buffer {
  const sink = new ByteSink(compression, 64);
  encodeValue(sink, v);
  return endPayload(sink);
}

/**
 * Ends a payload whose records `sink` holds (a key's value, or FUNCTION DUMP's libraries):
 * the footer, then the bytes.
 */
export function endPayload(sink: ByteSink): Buffer {
  sink.room(10);
  sink.buf.writeUInt16LE(RDB_WRITE_VERSION, sink.pos);
  sink.pos += 2;
  const crc = new Crc64().update(sink.buf, 0, sink.pos);
  sink.bytes(crc.digestBytes());
  return sink.take();
}

/** A verified payload's records, without the footer. */
export function payloadBody(payload: Buffer): Buffer {
  return payload.subarray(0, payload.length - 10);
}

/**
 * verifyDumpPayload: long enough, a version this server reads, and a matching CRC — the
 * CRC unless `skipChecksum` (DEBUG SET-SKIP-CHECKSUM-VALIDATION 1, as in Redis).
 */
export function verifyDumpPayload(payload: Uint8Array, skipChecksum = false): boolean {
  const n = payload.length;
  if (n < 10) return false;
  const version = payload[n - 10]! | (payload[n - 9]! << 8);
  if (version > RDB_MAX_READ_VERSION) return false;
  if (skipChecksum) return true;
  return new Crc64().update(payload, 0, n - 8).matches(payload, n - 8);
}

/**
 * Decodes a verified payload's value (bytes after the value, before the footer, are
 * ignored, as Redis's loader does). Null for an empty aggregate (RESTORE refuses it);
 * an RdbFormatError for anything malformed.
 */
export function decodeDumpPayload(payload: Buffer, limits: RdbLoadLimits = DEFAULT_LOAD_LIMITS): Value | null {
  const src = ByteSource.fromBuffer(payloadBody(payload), false);
  const type = src.u8();
  if (!isKnownObjectType(type)) throw new RdbFormatError(`unknown object type ${type}`, 0);
  return decodeValue(type, src, limits);
}
