/**
 * The RDB codec's public surface (what SAVE/BGSAVE, start-up loading, AOF preambles and
 * DUMP/RESTORE build on). Everything else in this directory is an implementation detail.
 *
 * Loading as Redis does (rdbLoadRio), for a caller of RdbReader:
 * - a 'key' record whose expireAt is already past is dropped (counted as expired) unless
 *   the file is an AOF preamble (aux aof-base = 1), as a master does;
 * - an 'empty-key' record is logged and skipped ("rdbLoadObject skipping empty key");
 * - idleSeconds / lfuFreq restore the LRU clock or LFU counter (objectSetLRUOrLFU);
 * - after the 'eof' record, `reader.offset` is the end of the RDB part (where an AOF's
 *   commands begin after an RDB preamble);
 * - any RdbFormatError aborts the whole load: records returned before it (the checksum is
 *   only known at the end) must not be kept.
 */
export { RdbWriter, type RdbWriterOptions, type RdbAuxFields } from './rdb-writer.js';
export { RdbReader, type RdbReaderOptions, type RdbRecord } from './rdb-reader.js';
export { RdbFormatError } from './rdb-error.js';
export { DEFAULT_LOAD_LIMITS, loadLimitsFromConfig, type RdbLoadLimits } from './load-limits.js';
export { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from './dump-payload.js';
export { checkRdbFile, type CheckRdbOptions } from './check-rdb.js';
export { Crc64, crc64 } from './crc64.js';
export { RDB_WRITE_VERSION, RDB_MAX_READ_VERSION } from './rdb-constants.js';
