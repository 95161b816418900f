/**
 * The RDB codec's public surface (what SAVE/BGSAVE, start-up loading, AOF preambles and
 * DUMP/RESTORE build on). Everything else in this directory is an implementation detail.
 */
export { RdbWriter, type RdbWriterOptions, type RdbAuxFields } from './rdb-writer.js';
export { RdbReader, type RdbReaderOptions, type RdbRecord } from './rdb-reader.js';
export { RdbFormatError } from './rdb-error.js';
export { DEFAULT_LOAD_LIMITS, loadLimitsFromConfig, type RdbLoadLimits } from './load-limits.js';
export { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from './dump-payload.js';
export { checkRdbFile, type CheckRdbOptions } from './check-rdb.js';
export { Crc64, crc64 } from './crc64.js';
export { RDB_WRITE_VERSION, RDB_MAX_READ_VERSION } from './rdb-constants.js';
