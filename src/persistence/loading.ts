/**
 * Start-up loading, as redis-server decides it: with `appendonly yes` the AOF (its
 * manifest's base and incr files; an RDB base or preamble goes through the RDB reader),
 * otherwise `dir/dbfilename` when it exists. The server already listens and answers
 * -LOADING meanwhile; the work is cut into slices between which the event loop runs, and a
 * progress line is logged every few seconds on big files.
 *
 * A file that cannot be read completely is never half-loaded silently: loading stops with
 * an error that names the file, the byte offset and the reason, and the server does not
 * start (redis-server exits the same way), leaving the file as it was for inspection with
 * `redoubt check-rdb` / `redoubt check-aof`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import v8 from 'node:v8';
import type { PersistenceHost } from './persistence-host.js';
import { duplicatedKey, RdbReader } from './rdb/rdb-reader.js';
import { RdbFormatError } from './rdb/rdb-error.js';
import { loadLimitsFromConfig } from './rdb/load-limits.js';
import { Client } from '../server/client.js';
import { CommandContext } from '../command-context/context.js';
import { errors } from '../errors.js';
import { fullCollection } from '../server/live-heap.js';
import { Kind, type Reply } from '../protocol/reply.js';

/** Loading failed: the message names the file, offset and reason (already logged). */
export class LoadError extends Error {}

/** Work between two turns of the event loop (ms). */
const SLICE_MS = 20;
/** Seconds between two progress lines. */
const PROGRESS_EVERY_S = 2;

export interface RdbLoadOutcome {
  keys: number;
  expired: number;
  /** bytes the RDB spans (through its checksum) */
  bytes: number;
  /** the replication aux fields (repl-id, repl-offset, repl-stream-db), when the image has them */
  replication?: { replid: string; offset: number; streamDb: number };
}

/**
 * Loads an RDB file (or the RDB part at the start of an AOF file) into the databases.
 * `aofPreamble`: keys already expired are loaded too (the AOF that follows may still
 * refer to them; Redis does the same), otherwise they are skipped and counted.
 */
export async function loadRdbInto(server: PersistenceHost, file: string | Buffer, shownName: string, aofPreamble: boolean): Promise<RdbLoadOutcome> {
  const layer = server.persistence;
  const started = performance.now();
  // a Buffer: a replica's diskless load (the payload received from the primary's socket)
  const fromFile = typeof file === 'string';
  let reader: RdbReader;
  try {
    // trackKeys false: every key goes into a database emptied before the load, so a key read
    // twice is found there (as Redis's rdbLoad finds it), without a set of every key
    const opts = { limits: loadLimitsFromConfig(server.config), databases: server.dbs.length, trackKeys: false };
    reader = fromFile ? RdbReader.openFile(file, opts) : RdbReader.fromBuffer(file, opts);
  } catch (e) {
    throw fail(server, shownName, e, fromFile);
  }
  const baseLoaded = layer.loadingLoadedBytes;
  const out: RdbLoadOutcome = { keys: 0, expired: 0, bytes: 0 };
  // key-load-delay (µs per key): Redis's testing knob to watch a slow load (-LOADING)
  const keyDelayUs = server.config.int('key-load-delay');
  let sliceStart = performance.now();
  let lastProgress = Date.now();
  try {
    for (let n = 0; ; n++) {
      const rec = reader.next();
      if (rec === null) break;
      if (rec.kind === 'aux') {
        if (rec.key === 'redis-ver') server.logger.notice(`Loading RDB produced by version ${rec.value}`);
        else if (rec.key === 'ctime') server.logger.notice(`RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - Number(rec.value))} seconds`);
        else if (rec.key === 'used-mem') server.logger.notice(`RDB memory usage when created ${(Number(rec.value) / (1024 * 1024)).toFixed(2)} Mb`);
        else if (rec.key === 'repl-id' || rec.key === 'repl-offset' || rec.key === 'repl-stream-db') {
          const rsi = (out.replication ??= { replid: '', offset: -1, streamDb: 0 });
          if (rec.key === 'repl-id') rsi.replid = rec.value;
          else if (rec.key === 'repl-offset') rsi.offset = Number(rec.value);
          else rsi.streamDb = Number(rec.value);
        }
        continue;
      }
      if (rec.kind === 'function') {
        // as Redis's rdbLoad: a library that cannot be created fails the whole load
        const err = server.functions.restore([rec.code], 'append', { timeoutMs: 0 });
        if (err !== null) throw new RdbFormatError(`Failed loading library, ${err}`, rec.offset);
        continue;
      }
      if (rec.kind === 'empty-key') {
        server.logger.warning(`rdbLoadObject skipping empty key: ${printable(rec.key)}`);
        continue;
      }
      if (rec.kind === 'eof') {
        out.bytes = reader.offset;
        break;
      }
      if (rec.kind !== 'key') continue;
      const db = server.dbs[rec.db]!;
      if (!aofPreamble && rec.expireAt !== undefined && rec.expireAt <= server.clock.now()) {
        out.expired++;
        continue;
      }
      if (db.rawEntry(rec.key) !== undefined) throw new RdbFormatError(duplicatedKey(rec.key, rec.db), rec.offset);
      db.add(rec.key, rec.value, rec.expireAt);
      const e = db.rawEntry(rec.key);
      if (e !== undefined) {
        if (rec.idleSeconds !== undefined) e.lru = server.now() - rec.idleSeconds * 1000;
        if (rec.lfuFreq !== undefined) e.lfu = rec.lfuFreq;
      }
      out.keys++;
      if (keyDelayUs > 0) await new Promise((r) => setTimeout(r, Math.ceil(keyDelayUs / 1000)));
      if ((n & 255) === 0 && performance.now() - sliceStart >= SLICE_MS) {
        layer.loadingLoadedBytes = baseLoaded + reader.offset;
        if (Date.now() - lastProgress >= PROGRESS_EVERY_S * 1000) {
          lastProgress = Date.now();
          logProgress(server, shownName, reader.offset, reader.size, out.keys);
        }
        await yieldToLoop();
        server.updateTime();
        sliceStart = performance.now();
      }
    }
  } catch (e) {
    throw fail(server, shownName, e, fromFile);
  } finally {
    reader.close();
  }
  layer.loadingLoadedBytes = baseLoaded + out.bytes;
  if (!aofPreamble) {
    server.logger.notice(`Done loading RDB, keys loaded: ${out.keys}, keys expired: ${out.expired}.`);
    if (fromFile) server.logger.notice(`DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
  }
  return out;
}

function logProgress(server: PersistenceHost, name: string, done: number, total: number, keys: number): void {
  const mb = (n: number): string => (n / (1024 * 1024)).toFixed(1);
  const perc = total > 0 ? Math.floor((done / total) * 100) : 100;
  server.logger.notice(`Loading ${name}: ${perc}% (${mb(done)} MB of ${mb(total)} MB), ${keys} keys so far`);
}

function fail(server: PersistenceHost, name: string, e: unknown, fromFile: boolean): LoadError {
  let msg: string;
  if (e instanceof RdbFormatError) msg = `Bad RDB file ${name}: ${e.message}`;
  else msg = `Error loading ${name}: ${(e as Error).message}`;
  server.logger.warning(msg);
  if (fromFile) server.logger.warning(`The file was left untouched and nothing was loaded partially into service: inspect it with 'redoubt check-rdb ${name}'.`);
  return new LoadError(msg);
}

/** A key shown in a log line: printable ASCII kept, other bytes escaped. */
function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** A load that leaves at least this many keys ends with a full collection (collectAfterLoad). */
export const COLLECT_AFTER_LOAD_KEYS = 10_000;

/**
 * After a big load (start-up, a replica's full sync): one full collection, so the garbage
 * the load left — decoded records, the key tables the databases outgrew, file buffers —
 * goes now and V8 gives its pages back, instead of whenever the next major GC comes (on an
 * idle server, never: a 5M-key reload left RSS at 1.40 GiB against 1.00 GiB for the same
 * keys written by clients; issue 17). At start-up it runs before the server leaves the
 * loading state; it costs one mark-compact of the loaded heap (the log line gives the time).
 */
export function collectAfterLoad(server: PersistenceHost): void {
  let keys = 0;
  for (const db of server.dbs) keys += db.size;
  if (keys < COLLECT_AFTER_LOAD_KEYS) return;
  const before = v8.getHeapStatistics().used_heap_size;
  const started = performance.now();
  fullCollection();
  const after = v8.getHeapStatistics().used_heap_size;
  const mb = (n: number): string => (n / (1024 * 1024)).toFixed(1);
  server.logger.notice(`Heap after loading: ${mb(after)} MB in use, ${mb(Math.max(0, before - after))} MB of loading garbage collected in ${(performance.now() - started).toFixed(0)} ms`);
}

/** The RDB dump named by dir + dbfilename, loaded if it exists (appendonly no). */
export async function loadRdbAtStart(server: PersistenceHost): Promise<void> {
  const file = path.join(server.config.get('dir'), server.config.get('dbfilename'));
  if (!existsSync(file)) return;
  const layer = server.persistence;
  layer.beginLoading(fileSize(file));
  const r = await loadRdbInto(server, file, server.config.get('dbfilename'), false);
  layer.lastLoadKeysLoaded = r.keys;
  layer.lastLoadKeysExpired = r.expired;
  // a replica continues the history its own image belongs to (Redis's rsi at start-up)
  if (r.replication !== undefined) server.replication.restoreFromRdb(r.replication);
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The AOF client: replays one command from the AOF with full powers (no ACL, no auth:
 * Redis's AOF client has no user either) and no reply. Returns null or the error text.
 */
export function aofExecutor(server: PersistenceHost): (argv: string[]) => string | null | Promise<string | null> {
  const client = new Client(-1, 'aof:0', 'aof:0', -1, server.now(), server.acl.defaultUser, true);
  client.authenticated = true;
  const ctx = new CommandContext(server, client);
  const errorText = (r: Reply | null): string | null => (r !== null && r.k === Kind.Error ? r.s : null);
  // A script past busy-reply-threshold pauses here too (as Redis's hook processes
  // events while loading): other clients get -LOADING meanwhile, and the file goes on
  // once the script's reply arrives.
  let waiting: ((r: Reply | null) => void) | null = null;
  client.scriptContinuation = {
    resumeAfterScript: (r) => {
      const w = waiting;
      waiting = null;
      w?.(r);
    },
  };
  return (argv) => {
    const found = server.commands.lookup(argv[0]!);
    let cmd = found;
    if (found !== undefined && found.subcommandMap !== null && argv.length >= 2) cmd = found.subcommandMap.get(argv[1]!.toLowerCase());
    if (cmd === undefined || cmd.run === undefined) return `Unknown command '${printable(argv[0]!)}' reading the append only file`;
    if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) return errors.wrongArgs(cmd.fullName);
    server.current = client;
    let r: Reply | null;
    try {
      r = server.dispatcher.call(ctx, cmd, argv);
    } finally {
      server.current = null;
    }
    if (r === null && server.scripts.busyError() !== null) {
      return new Promise<string | null>((resolve) => {
        waiting = (late) => resolve(errorText(late));
      });
    }
    return errorText(r);
  };
}
