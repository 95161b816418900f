/**
 * DEBUG's server side (the command is commands/debug.ts): the testing knobs DEBUG sets
 * (`DebugKnobs`, read by the cron and, later, by the scripting layer) and the reloads.
 *
 * Invariants:
 *  - DEBUG RELOAD runs to completion inside the command, as in Redis: the RDB is saved,
 *    the databases emptied and the file read back synchronously, so no other client ever
 *    sees a half-loaded dataset.
 *  - DEBUG LOADAOF replays the AOF through the AOF loader with yielding turned off, so the
 *    whole replay runs in the microtasks right after the command, before any other client's
 *    input is read; the calling client waits for its reply as a blocked client. While it
 *    replays, nothing is propagated back into the AOF and MONITOR sees nothing (loading).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { PersistenceHost, RdbReplicationInfo } from '../persistence/persistence-host.js';
import type { PersistenceLayer } from '../persistence/persistence-layer.js';
import type { Connection } from './connection.js';
import type { CommandContext } from '../command-context/context.js';
import type { DebugService, ReloadOptions } from '../command-context/services.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { RdbReader } from '../persistence/rdb/rdb-reader.js';
import { loadLimitsFromConfig } from '../persistence/rdb/load-limits.js';
import { loadAof } from '../persistence/aof/aof-loader.js';
import { aofExecutor } from '../persistence/loading.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from './logger.js';

/**
 * The owner of enable-debug-command / enable-module-command: at start-up (both are
 * immutable) it says in the log what a non-default value unlocks.
 */
export function registerDebugSwitches(config: ConfigStore, logger: Logger): void {
  config.onChange('enable-debug-command', (v) => {
    if (v !== 'no') logger.warning(`enable-debug-command is '${v}': DEBUG can be run${v === 'local' ? ' from local connections' : ''} by users allowed @dangerous`);
    return null;
  });
  config.onChange('enable-module-command', (v) => {
    if (v !== 'no') logger.notice(`enable-module-command is '${v}': Redoubt loads no modules, so there is no MODULE LOAD to unlock (MODULE LIST answers an empty list)`);
    return null;
  });
}

/** The switches DEBUG turns; defaults are the server's normal behaviour. */
export class DebugKnobs {
  /** DEBUG SET-ACTIVE-EXPIRE: the cron's active expiry cycle runs */
  activeExpire = true;
  /** DEBUG PAUSE-CRON: the cron does nothing at all */
  cronPaused = false;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION (kept for the DUMP/RDB readers) */
  skipChecksumValidation = false;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript */
  disableDenyScripts = false;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD, bytes */
  quicklistPackedThreshold = 1 << 30;
  /** DEBUG AOF-FLUSH-SLEEP, µs */
  aofFlushSleepUs = 0;
  /** DEBUG REPLYBUFFER PEAK-RESET-TIME (ms, -1 = never) and RESIZING */
  replyBufferPeakResetTime = 5000;
  replyBufferResizing = true;
}

const RDB_LOAD_FAILED = errors.debugRdbLoadFailed;
const AOF_LOAD_FAILED = errors.debugAofLoadFailed;

/** Reads an RDB file into the databases synchronously; returns the bytes it spans. */
function loadRdbSync(server: DebugServiceHost, file: string, merge: boolean, keepExpired: boolean): number {
  // trackKeys false: a key already in the database is found there (below)
  const reader = RdbReader.openFile(file, { limits: loadLimitsFromConfig(server.config), databases: server.dbs.length, trackKeys: false });
  try {
    for (;;) {
      const rec = reader.next();
      if (rec === null) return reader.offset;
      if (rec.kind === 'eof') return reader.offset;
      if (rec.kind === 'function') {
        // as Redis's rdbFunctionLoad: a library already there is replaced under MERGE
        // (RDBFLAGS_ALLOW_DUP), an error otherwise
        const err = server.functions.restore([rec.code], merge ? 'replace' : 'append', { timeoutMs: 0 });
        if (err !== null) throw new Error(`Failed loading library, ${err}`);
        continue;
      }
      if (rec.kind !== 'key') continue;
      const db = server.dbs[rec.db]!;
      if (!keepExpired && rec.expireAt !== undefined && rec.expireAt <= server.clock.now()) continue;
      if (db.rawEntry(rec.key) !== undefined) {
        // as Redis: a key already there is replaced under MERGE, an error otherwise
        if (!merge) throw new Error(`Duplicate key '${JSON.stringify(rec.key).slice(1, -1)}' found in RDB file`);
        db.delete(rec.key);
      }
      db.add(rec.key, rec.value, rec.expireAt);
      const e = db.rawEntry(rec.key);
      if (e !== undefined) {
        if (rec.idleSeconds !== undefined) e.lru = server.now() - rec.idleSeconds * 1000;
        if (rec.lfuFreq !== undefined) e.lfu = rec.lfuFreq;
      }
    }
  } finally {
    reader.close();
  }
}

/** Redis's emptyData(-1, EMPTYDB_NO_FLAGS): the keys and the functions. */
function emptyAll(server: DebugServiceHost): void {
  server.persistence.rdb.cancel();
  for (const db of server.dbs) db.flush();
  server.functions.flush();
}

/** What DEBUG reaches in the server (server/server.ts): the loaders' host and the switches. */
export interface DebugServiceHost extends PersistenceHost {
  readonly persistence: PersistenceLayer;
  readonly replication: RdbReplicationInfo & { changeIds(): void };
  readonly connections: ReadonlyMap<number, Connection>;
  readonly debugKnobs: DebugKnobs;
}

export function debugService(server: DebugServiceHost): DebugService {
  return {
    knobs: server.debugKnobs,

    reload(opts: ReloadOptions): string | null {
      const file = path.join(server.config.get('dir'), server.config.get('dbfilename'));
      if (opts.save) {
        const err = server.persistence.rdb.saveNow();
        if (err !== null) return 'ERR';
      }
      if (opts.flush) emptyAll(server);
      try {
        if (!existsSync(file)) throw new Error(`${file}: No such file or directory`);
        loadRdbSync(server, file, opts.merge, false);
      } catch (e) {
        server.logger.warning(`DEBUG RELOAD: ${(e as Error).message}`);
        return RDB_LOAD_FAILED;
      }
      server.logger.notice('DB reloaded by DEBUG RELOAD');
      return null;
    },

    loadAof(ctx: CommandContext): Reply | null {
      const client = ctx.client;
      const conn = server.connections.get(client.id);
      // the reply comes after the replay: only a connected client outside EXEC can wait
      if (conn === undefined || client.inExec) return reply.error(errors.debugLoadAofNeedsConnection);
      server.persistence.aof.flush();
      emptyAll(server);
      const c = server.config;
      // the replay feeds neither the AOF nor the replication stream
      const resumeFeed = server.propagator.suspend();
      server.loading = true;
      client.blocked = true;
      const finish = (out: Reply): void => {
        resumeFeed();
        server.loading = false;
        // as Redis: what was loaded is not a change to propagate or save again
        server.stats.dirty = 0;
        client.blocked = false;
        if (server.connections.get(client.id) === conn) conn.unblocked(out);
      };
      loadAof({
        dir: c.get('dir'),
        dirname: c.get('appenddirname'),
        filename: c.get('appendfilename'),
        loadTruncated: c.bool('aof-load-truncated'),
        execute: aofExecutor(server),
        loadRdb: (src) => loadRdbSync(server, src.path, false, true),
        // no yielding: the replay finishes before any other client is served
        yieldEveryMs: Infinity,
        log: (level, message) => (level === 'warning' ? server.logger.warning(message) : server.logger.notice(message)),
      }).then(
        (r) => {
          if (r.status === 'not-exist') {
            server.logger.warning('DEBUG LOADAOF: no append only file to load');
            finish(reply.error(AOF_LOAD_FAILED));
            return;
          }
          server.logger.notice('Append Only File loaded by DEBUG LOADAOF');
          finish(reply.ok);
        },
        (e: unknown) => {
          server.logger.warning(`DEBUG LOADAOF: ${(e as Error).message}`);
          finish(reply.error(AOF_LOAD_FAILED));
        },
      );
      return null;
    },

    changeReplId(): void {
      server.logger.notice('Changing replication IDs after receiving DEBUG change-repl-id');
      server.replication.changeIds();
    },
  };
}
