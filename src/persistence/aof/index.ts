/**
 * The append-only file (Redis 7.0's multi-part layout): the public surface, and how the
 * server wires it.
 *
 * Start-up (appendonly yes):
 *   const r = await loadAof({ dir, dirname, filename, loadTruncated, execute, loadRdb, onProgress, log });
 *     // execute(argv) runs one command as the AOF client (SELECT included) and returns null
 *     // or an error text (fatal); loadRdb hands a REDIS… base to the RDB reader; onProgress
 *     // feeds the -LOADING state and log lines. Throws AofLoadError (file + offset) or
 *     // AofManifestError. r.status 'not-exist' / 'empty' → nothing loaded.
 *   const aof = AofWriter.open({ dir, dirname, filename, fsync, useRdbPreamble, log }, r.manifest, writeEmptyBase?);
 *   server.propagator.sink = aof;               // append(dbIndex, argv) per propagated command
 * Each batch of commands: aof.flush() before the replies are written; false → the data is
 *   not in the OS (aof.fatal under `always`: Redis exits there); aof.misconfError() is the
 *   reply for write commands while aof.lastWriteStatus is 'err'.
 * BGREWRITEAOF / auto rewrite (aof.shouldAutoRewrite(percentage, minSize) from the cron):
 *   const t = aof.startRewrite();               // rotation to a new incr file, then snapshot now
 *   t.format === 'rdb' ? write an RDB to t.tempPath : new AofRewriteFileWriter(t.tempPath)
 *     (.selectDb(i), .key(k, value, expireAt), .close())
 *   aof.finishRewrite() on success, aof.abortRewrite() on failure. The server uses the
 *   forms that write the manifest off the event loop: aof.startRewriteInBackground(ready)
 *   (the snapshot starts in `ready`, once appends moved to the new file) and
 *   aof.finishRewriteInBackground(done).
 * CONFIG SET appendonly yes: AofWriter.openForEnable(opts, readManifest(opts)) then a rewrite
 *   at once; appendonly no / shutdown: aof.close(). appendfsync / aof-use-rdb-preamble /
 *   aof-timestamp-enabled: aof.setFsyncPolicy(), aof.setUseRdbPreamble(), aof.setTimestampEnabled(). INFO persistence: aof.info().
 * `redoubt check-aof`: src/cli/check-aof.ts (checkAof here).
 */
export { AofWriter, type AofInfo, type AofWriterOptions, type AppendFsync, type InitialBaseWriter, type RewriteTicket } from './aof-writer.js';
export {
  AofLoadError,
  loadAof,
  type AofLoadErrorKind,
  type AofLoadOptions,
  type AofLoadProgress,
  type AofLoadResult,
  type AofLoadStatus,
  type RdbPreambleLoader,
  type RdbPreambleSource,
} from './aof-loader.js';
export { AofManifestError, emptyManifest, parseManifest, serializeManifest, type AofFileInfo, type AofFileType, type AofManifest } from './aof-manifest.js';
export { aofDirPath, readManifest, resolveManifestForLoad, writeManifest, type AofLocation } from './aof-files.js';
export { AOF_REWRITE_ITEMS_PER_CMD, AofRewriteFileWriter, rewriteKey, rewriteSelect } from './aof-rewrite-encoder.js';
export { checkAof, type CheckAofOptions, type RdbChecker } from './aof-check.js';
export { type AofFs, type AofLog, type AofLogLevel, nodeAofFs } from './aof-fs.js';
export { RespCommandBuilder, encodeCommand } from './resp-command-builder.js';
export { RespCommandParser, RespFormatError, type ParsedCommand } from './resp-command-parser.js';
