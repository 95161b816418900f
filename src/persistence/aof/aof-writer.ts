/**
 * The AOF writer: receives the propagated write feed, buffers it as RESP commands, and
 * writes the buffer to the current incr file when the server calls flush() — before the
 * replies of a batch go out, so an acknowledged write has at least reached the OS.
 *
 * fsync policies (appendfsync): `always` fsyncs inside flush() before it returns, so an
 * acknowledged write is on disk; `everysec` starts an asynchronous fsync (libuv's thread
 * pool, never the event loop) at most once a second and never two at a time, plus a timer
 * that syncs data written just before the writes stopped; `no` leaves it to the OS.
 *
 * A failed or short write is not silent: the unwritten bytes stay buffered and are retried
 * by the next flush(), `lastWriteStatus` turns 'err' (the server refuses writes as Redis's
 * MISCONF-style "-MISCONF Errors writing to the AOF file" while it is), and the error is
 * logged. Under `always` a failure is also flagged `fatal`: Redis exits there, because the
 * data of replies already built cannot be guaranteed on disk.
 *
 * Rewrites without fork: startRewrite() rotates to a new incr file (seq + 1) so that the
 * files before it plus a snapshot taken at that instant describe the dataset; the server
 * writes the snapshot to the returned temp path (RDB or RESP, see aof-rewrite-encoder.ts);
 * finishRewrite() renames it into place as the new base, turns the older base/incr files
 * into history in the manifest (written atomically) and deletes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PropagationSink } from '../propagator.js';
import { cloneManifest, type AofManifest } from './aof-manifest.js';
import { nodeAofFs, silentLog, strerror, type AofFs, type AofLog } from './aof-fs.js';
import {
  aofDirPath,
  baseFileName,
  binaryNameToPath,
  ensureAofDir,
  openPrivate,
  fileSizeOrNull,
  incrFileName,
  tempIncrFileName,
  tempRewriteName,
  writeManifest,
  writeManifestAsync,
  type AofLocation,
} from './aof-files.js';
import { RespCommandBuilder } from './resp-command-builder.js';
import { GroupSyncPolicy, type GroupSyncMode } from './group-sync-policy.js';
import { errors } from '../../errors.js';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface AofWriterOptions extends AofLocation {
  fsync: AppendFsync;
  /** aof-use-rdb-preamble: the next rewrite's base is an RDB file (.base.rdb) */
  useRdbPreamble: boolean;
  /** aof-timestamp-enabled: a `#TS:<unix seconds>` annotation when the second changes */
  timestampEnabled?: boolean;
  fs?: AofFs;
  log?: AofLog;
  /** wall clock in ms (tests pass a fake one) */
  now?: () => number;
  /** appendfsync always: where group commits fsync (group-sync-policy.ts; default adaptive) */
  groupSync?: GroupSyncMode;
}

/** What the server writes during a rewrite and where. */
export interface RewriteTicket {
  /** write the new base here (created by the caller, 0600), then call finishRewrite() */
  tempPath: string;
  /** 'rdb': an RDB snapshot (aof-use-rdb-preamble yes); 'aof': RESP commands */
  format: 'rdb' | 'aof';
}

/** Writes the initial base of an empty dataset (a valid empty RDB or RESP file) to `path`. */
export type InitialBaseWriter = (path: string, format: 'rdb' | 'aof') => void;

/** The persistence fields of INFO that come from the AOF. */
export interface AofInfo {
  aof_rewrite_in_progress: 0 | 1;
  /** seconds the last rewrite took, -1 before the first */
  aof_last_rewrite_time_sec: number;
  /** seconds the rewrite in progress has run, -1 when none */
  aof_current_rewrite_time_sec: number;
  aof_last_bgrewrite_status: 'ok' | 'err';
  aof_rewrites: number;
  aof_rewrites_consecutive_failures: number;
  aof_last_write_status: 'ok' | 'err';
  aof_current_size: number;
  aof_base_size: number;
  aof_buffer_length: number;
  aof_pending_bio_fsync: 0 | 1;
  aof_delayed_fsync: number;
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Redis's AOF_REWRITE_LIMITE_THRESHOLD / _MAX_MINUTES: back-off after failed rewrites. */
const REWRITE_LIMIT_THRESHOLD = 3;
const REWRITE_LIMIT_MAX_MINUTES = 60;

export class AofWriter implements PropagationSink {
  private readonly fs: AofFs;
  private readonly log: AofLog;
  private readonly now: () => number;
  private readonly loc: AofLocation;
  private readonly dirPath: string;
  private fsyncPolicy: AppendFsync;
  private useRdbPreamble: boolean;
  private timestampEnabled: boolean;
  /** the unix second of the last #TS annotation written */
  private lastTimestamp = 0;

  private manifest: AofManifest;
  private fd: number;
  /** the database the last written command ran in (-1: a SELECT is due) */
  private selectedDb = -1;
  private readonly pending = new RespCommandBuilder();

  /** aof_current_size: base + incr files */
  private currentSize = 0;
  /** size of the current incr file */
  private lastIncrSize = 0;
  /** aof_base_size: the size right after the last rewrite (or the base at start-up) */
  private rewriteBaseSize = 0;
  /** aof_current_size when the last fsync began */
  private fsyncOffset = 0;
  private lastFsyncMs: number;
  private fsyncInFlight = false;
  private delayedFsync = 0;
  private timer: NodeJS.Timeout | null = null;

  private writeOk = true;
  private bgFsyncOk = true;
  /** set when a write or fsync failed under appendfsync always (Redis exits there) */
  fatal = false;
  /** the last write/fsync error text, for logs and INFO */
  lastError: string | null = null;
  /** strerror() text of the last write (or background fsync) error: Redis's aof_last_write_errno */
  private lastErrno = '';
  private lastErrorLogMs = -Infinity;

  private rewrite: { ticket: RewriteTicket; waitRewrite: boolean } | null = null;
  /** AOF being switched on at runtime: writes go to a temp incr file outside the manifest */
  private waitRewrite = false;
  private rewrites = 0;
  private rewriteStartMs = 0;
  private lastRewriteTimeSec = -1;
  private consecutiveFailures = 0;
  private lastBgrewriteOk = true;
  private nextRewriteDelayMin = 0;
  private nextRewriteTime = 0;
  private closed = false;

  private constructor(opts: AofWriterOptions, manifest: AofManifest, fd: number, waitRewrite: boolean) {
    this.fs = opts.fs ?? nodeAofFs;
    this.log = opts.log ?? silentLog;
    this.now = opts.now ?? Date.now;
    this.loc = { dir: opts.dir, dirname: opts.dirname, filename: opts.filename };
    this.dirPath = aofDirPath(this.loc);
    this.fsyncPolicy = opts.fsync;
    this.useRdbPreamble = opts.useRdbPreamble;
    this.timestampEnabled = opts.timestampEnabled === true;
    this.manifest = manifest;
    this.fd = fd;
    this.waitRewrite = waitRewrite;
    this.lastFsyncMs = this.now();
    this.groupSyncPolicy = new GroupSyncPolicy(opts.groupSync ?? 'adaptive');
    this.armTimer();
  }

  /**
   * Start-up with `appendonly yes`, after loading (aofOpenIfNeededOnServerStart): creates
   * the directory, writes a base when the manifest lists no file at all (an empty
   * dataset; `writeInitialBase` writes it, else an empty RESP base is made), opens the last
   * incr file for appending or creates one, persists the manifest and deletes history files.
   */
  static open(opts: AofWriterOptions, manifest: AofManifest, writeInitialBase?: InitialBaseWriter): AofWriter {
    const fsys = opts.fs ?? nodeAofFs;
    const log = opts.log ?? silentLog;
    const loc: AofLocation = opts;
    const dirPath = aofDirPath(loc);
    ensureAofDir(loc, fsys);
    const am = cloneManifest(manifest);
    const hadIncr = am.incr.length > 0;
    if (am.base === null && !hadIncr) {
      const rdb = opts.useRdbPreamble && writeInitialBase !== undefined;
      const name = newBaseName(am, loc, rdb);
      const p = binaryNameToPath(dirPath, name);
      if (writeInitialBase !== undefined) {
        writeInitialBase(p, rdb ? 'rdb' : 'aof');
      } else {
        const fd = openPrivate(fsys, p, 'w');
        try {
          fsys.fsyncSync(fd);
        } finally {
          fsys.closeSync(fd);
        }
      }
      log('notice', `Creating AOF base file ${name} on server start`);
    }
    const incrName = am.incr.length > 0 ? am.incr[am.incr.length - 1]!.name : newIncrName(am, loc);
    const fd = openPrivate(fsys, binaryNameToPath(dirPath, incrName), 'a');
    try {
      writeManifest(loc, am, fsys);
    } catch (e) {
      fsys.closeSync(fd);
      throw e;
    }
    log('notice', `${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incrName} on server start`);
    removeStaleTemps(fsys, dirPath, loc, log);
    const w = new AofWriter(opts, am, fd, false);
    w.recomputeSizes();
    w.rewriteBaseSize = am.base !== null ? (fileSizeOrNull(binaryNameToPath(dirPath, am.base.name), fsys) ?? 0) : 0;
    w.deleteHistory();
    return w;
  }

  /**
   * `CONFIG SET appendonly yes` at runtime (startAppendOnly): the manifest is left alone
   * and writes collect in a temp incr file until the first rewrite completes; the caller
   * must start that rewrite right away (startRewrite()) and snapshot the dataset.
   */
  static openForEnable(opts: AofWriterOptions, manifest: AofManifest): AofWriter {
    const fsys = opts.fs ?? nodeAofFs;
    ensureAofDir(opts, fsys);
    const fd = openPrivate(fsys, binaryNameToPath(aofDirPath(opts), tempIncrFileName(opts)), 'w');
    return new AofWriter(opts, cloneManifest(manifest), fd, true);
  }

  // ---- the write feed ----

  append(dbIndex: number, argv: readonly string[]): void {
    this.appendedCommands++;
    if (this.timestampEnabled) {
      const sec = Math.floor(this.now() / 1000);
      if (sec > this.lastTimestamp) {
        this.lastTimestamp = sec;
        this.pending.raw(`#TS:${sec}\r\n`);
      }
    }
    if (dbIndex !== this.selectedDb && dbIndex >= 0) {
      this.pending.command(['SELECT', String(dbIndex)]);
      this.selectedDb = dbIndex;
    }
    this.pending.command(argv);
  }

  /**
   * Commands appended (one per append() call, as the write feed counts them) that no
   * completed fsync covers yet: the feed's offset minus this is what WAITAOF counts as
   * fsynced locally (Redis's fsynced_reploff). Under `no` nothing is ever counted synced.
   */
  get unsyncedCommands(): number {
    return this.appendedCommands - this.syncedCommands;
  }

  /** Called when an fsync covered more commands (WAITAOF waiters are looked at again). */
  onDurable: (() => void) | null = null;

  private appendedCommands = 0;
  private syncedCommands = 0;

  /** Every command appended so far is on disk (written and covered by an fsync). */
  private markSynced(upTo: number): void {
    if (upTo <= this.syncedCommands) return;
    this.syncedCommands = upTo;
    if (this.onDurable !== null) this.onDurable();
  }

  /** Bytes appended but not yet written (aof_buffer_length). */
  get bufferLength(): number {
    return this.pending.length;
  }

  /** Commands appended so far (one per append() call; monotonic). */
  get appended(): number {
    return this.appendedCommands;
  }

  /**
   * Writes the pending commands to the current incr file, then under `always` fsyncs
   * whatever written data no fsync covers yet (a background one still running included)
   * before it returns. Returns false when the data could not be written (or synced, under
   * `always`); the bytes stay buffered for the next call and the write status turns 'err'.
   */
  flush(): boolean {
    if (this.closed) return false;
    const wrote = this.pending.length > 0;
    if (wrote && !this.writePending()) return false;
    if (this.fsyncPolicy === 'always') {
      if (this.fsyncOffset !== this.currentSize && !this.syncNow()) return false;
      this.markSynced(this.appendedCommands);
      return wrote ? true : this.writeOk;
    }
    this.maybeBackgroundFsync();
    return wrote ? true : this.writeOk;
  }

  /**
   * appendfsync always, from the server's reply path (reply-barrier.ts): writes the pending
   * commands, then fsyncs on libuv's thread pool so the event loop goes on serving while the
   * disk works. `done(true)` runs once that fsync completed: every command appended before
   * this call is then on disk. While fsyncs are fast (group-sync-policy.ts) the fsync runs
   * here on the loop instead, as Redis's does, and the answer is 'synced'.
   * 'synced': nothing written is unsynced now (done is not called);
   * 'failed': the write failed (done is not called). While an everysec fsync still runs
   * (the policy just changed) this is flush() on the loop. A failed fsync is fatal as in
   * flush(). A file closed or rotated while the fsync ran was fsynced synchronously before
   * (close(), startRewrite()), so an error on it is not one.
   */
  syncInBackground(done: (ok: boolean) => void): 'started' | 'synced' | 'failed' {
    if (this.closed) return 'failed';
    if (this.fsyncInFlight) return this.flush() ? 'synced' : 'failed';
    if (this.pending.length > 0 && !this.writePending()) return 'failed';
    const targetCommands = this.appendedCommands;
    if (this.fsyncOffset === this.currentSize) {
      this.markSynced(targetCommands);
      return 'synced';
    }
    if (this.groupSyncPolicy.syncOnLoop()) {
      const started = performance.now();
      if (!this.syncNow()) return 'failed';
      this.groupSyncPolicy.loopSynced(performance.now() - started);
      this.markSynced(targetCommands);
      return 'synced';
    }
    const target = this.currentSize;
    const fd = this.fd;
    this.fsyncInFlight = true;
    this.groupSync = true;
    this.fs.fsync(fd, (err) => {
      this.fsyncInFlight = false;
      this.groupSync = false;
      const current = fd === this.fd && !this.closed;
      if (err && current) {
        this.alwaysSyncFailed(err);
        done(false);
        return;
      }
      if (current && target > this.fsyncOffset) this.fsyncOffset = target;
      this.lastFsyncMs = this.now();
      this.markSynced(targetCommands);
      done(true);
    });
    return 'started';
  }

  private readonly groupSyncPolicy: GroupSyncPolicy;

  private groupSync = false;
  /** a syncInBackground() fsync runs (the reply barrier releases its batch when it ends) */
  get groupSyncRunning(): boolean {
    return this.groupSync;
  }

  /** fsyncs the current file on the loop (appendfsync always); false: failed (fatal). */
  private syncNow(): boolean {
    try {
      this.fs.fsyncSync(this.fd);
    } catch (e) {
      this.alwaysSyncFailed(e);
      return false;
    }
    this.fsyncOffset = this.currentSize;
    this.lastFsyncMs = this.now();
    return true;
  }

  private alwaysSyncFailed(e: unknown): void {
    this.lastErrno = strerror(e);
    this.lastError = `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e)}`;
    this.log('warning', this.lastError);
    this.writeOk = false;
    this.fatal = true;
  }

  /** Writes the whole pending buffer; false (after the failure handling) when it could not. */
  private writePending(): boolean {
    const data = this.pending.view();
    let written = 0;
    let failure: string | null = null;
    try {
      while (written < data.length) {
        const n = this.fs.writeSync(this.fd, data, written, data.length - written);
        if (n <= 0) break;
        written += n;
      }
      if (written < data.length) {
        failure = `Short write while writing to the AOF file: (nwritten=${written}, expected=${data.length})`;
        this.lastErrno = strerror({ code: 'ENOSPC' });
      }
    } catch (e) {
      failure = `Error writing to the AOF file: ${strerror(e)}`;
      this.lastErrno = strerror(e);
    }
    if (failure !== null) {
      if (written > 0) {
        // Undo a partial command so a restart does not see a torn tail (as Redis); when
        // that fails the partial bytes are accounted for and only the rest is retried.
        try {
          this.fs.ftruncateSync(this.fd, this.lastIncrSize);
          written = 0;
        } catch (e) {
          failure += `; could not remove the short write from the append-only file (ftruncate: ${errText(e)})`;
        }
      }
      this.currentSize += written;
      this.lastIncrSize += written;
      this.pending.consume(written);
      this.writeFailed(failure);
      return false;
    }
    if (!this.writeOk) this.log('warning', 'AOF write error looks solved, Redis can write again.');
    this.writeOk = true;
    this.currentSize += written;
    this.lastIncrSize += written;
    this.pending.reset();
    return true;
  }

  private writeFailed(text: string): void {
    this.writeOk = false;
    this.lastError = text;
    if (this.fsyncPolicy === 'always') this.fatal = true;
    const t = this.now();
    // one log line per 30 s at most, as AOF_WRITE_LOG_ERROR_RATE
    if (t - this.lastErrorLogMs > 30_000) {
      this.lastErrorLogMs = t;
      this.log('warning', text);
    }
  }

  /** everysec: an asynchronous fsync when a second has passed and data is unsynced. */
  private maybeBackgroundFsync(): void {
    // (called with nothing left to write: every appended command is in the file)
    if (this.fsyncOffset === this.currentSize) {
      // nothing unsynced: what was appended is on disk already (Redis updates
      // fsynced_reploff_pending here too), except under `no`, which never syncs
      if (this.fsyncPolicy !== 'no' && !this.fsyncInFlight) this.markSynced(this.appendedCommands);
      return;
    }
    if (this.fsyncPolicy !== 'everysec') return;
    const t = this.now();
    if (t - this.lastFsyncMs < 1000) return;
    if (this.fsyncInFlight) {
      this.delayedFsync++;
      return;
    }
    this.lastFsyncMs = t;
    const target = this.currentSize;
    const targetCommands = this.appendedCommands;
    const fd = this.fd;
    this.fsyncInFlight = true;
    this.fs.fsync(fd, (err) => {
      this.fsyncInFlight = false;
      if (err) {
        this.bgFsyncOk = false;
        this.lastErrno = strerror(err);
        this.lastError = `Error during background AOF fsync: ${strerror(err)}`;
        this.log('warning', this.lastError);
        return;
      }
      if (!this.bgFsyncOk) this.log('warning', 'AOF background fsync error looks solved.');
      this.bgFsyncOk = true;
      if (fd === this.fd && target > this.fsyncOffset) this.fsyncOffset = target;
      // fsync(fd) covers what was written to that file, even if it was rotated since
      this.markSynced(targetCommands);
    });
  }

  private armTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    // everysec: the deferred fsync; every policy: retrying a failed write (as serverCron)
    this.timer = setInterval(() => {
      if (!this.closed) this.flush();
    }, 250);
    this.timer.unref();
  }

  setFsyncPolicy(p: AppendFsync): void {
    if (p === this.fsyncPolicy) return;
    this.fsyncPolicy = p;
    this.armTimer();
  }

  get fsyncPolicyInUse(): AppendFsync {
    return this.fsyncPolicy;
  }

  setUseRdbPreamble(on: boolean): void {
    this.useRdbPreamble = on;
  }

  setTimestampEnabled(on: boolean): void {
    this.timestampEnabled = on;
  }

  /**
   * aof_last_write_status: 'err' while the last write failed or the last background
   * fsync failed (Redis refuses write commands then).
   */
  get lastWriteStatus(): 'ok' | 'err' {
    return this.writeOk && this.bgFsyncOk ? 'ok' : 'err';
  }

  /**
   * The error reply for write commands while the AOF cannot be written (Redis's
   * writeCommandsDeniedByDiskError / DISK_ERROR_TYPE_AOF), or null when writes are fine.
   */
  misconfError(): string | null {
    return this.lastWriteStatus === 'ok' ? null : errors.aofMisconf(this.lastErrno);
  }

  get currentManifest(): AofManifest {
    return cloneManifest(this.manifest);
  }

  get sizes(): { current: number; base: number; lastIncr: number } {
    return { current: this.currentSize, base: this.rewriteBaseSize, lastIncr: this.lastIncrSize };
  }

  get rewriteInProgress(): boolean {
    return this.rewrite !== null;
  }

  /** True while switching AOF on at runtime: the first rewrite has not completed yet. */
  get waitingForFirstRewrite(): boolean {
    return this.waitRewrite;
  }

  info(): AofInfo {
    return {
      aof_rewrite_in_progress: this.rewrite !== null ? 1 : 0,
      aof_last_rewrite_time_sec: this.lastRewriteTimeSec,
      aof_current_rewrite_time_sec: this.rewrite !== null ? Math.floor((this.now() - this.rewriteStartMs) / 1000) : -1,
      aof_last_bgrewrite_status: this.lastBgrewriteOk ? 'ok' : 'err',
      aof_rewrites: this.rewrites,
      aof_rewrites_consecutive_failures: this.consecutiveFailures,
      aof_last_write_status: this.lastWriteStatus,
      aof_current_size: this.currentSize,
      aof_base_size: this.rewriteBaseSize,
      aof_buffer_length: this.pending.length,
      aof_pending_bio_fsync: this.fsyncInFlight ? 1 : 0,
      aof_delayed_fsync: this.delayedFsync,
    };
  }

  /**
   * auto-aof-rewrite-percentage / -min-size (serverCron): the AOF outgrew its size after
   * the last rewrite by `percentage` % and is above `minSize` bytes; after 3 consecutive
   * failed rewrites the automatic ones back off (1, 2, 4 … 60 minutes) as Redis does.
   */
  shouldAutoRewrite(percentage: number, minSize: number): boolean {
    if (this.rewrite !== null || this.waitRewrite || percentage <= 0 || this.currentSize <= minSize) return false;
    const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
    const growth = Math.floor((this.currentSize * 100) / base) - 100;
    if (growth < percentage) return false;
    return !this.rewriteLimited();
  }

  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < REWRITE_LIMIT_THRESHOLD) {
      this.nextRewriteDelayMin = 0;
      this.nextRewriteTime = 0;
      return false;
    }
    const t = this.now();
    if (this.nextRewriteTime !== 0) {
      if (t < this.nextRewriteTime) return true;
      this.nextRewriteTime = 0;
      return false;
    }
    this.nextRewriteDelayMin = Math.min(this.nextRewriteDelayMin === 0 ? 1 : this.nextRewriteDelayMin * 2, REWRITE_LIMIT_MAX_MINUTES);
    this.nextRewriteTime = t + this.nextRewriteDelayMin * 60_000;
    this.log('warning', `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextRewriteDelayMin} minutes`);
    return true;
  }

  // ---- rewrite ----

  /**
   * Begins a rewrite: flushes, then sends further appends to a new incr file (persisted in
   * the manifest before the switch, so a crash at any point leaves a loadable set). The
   * caller must snapshot the dataset as of this call and write it to `tempPath`.
   * Throws (leaving everything as it was) when the new file or the manifest cannot be written.
   */
  startRewrite(): RewriteTicket {
    if (this.closed) throw new Error('the AOF is closed');
    if (this.rewrite !== null) throw new Error('Background append only file rewriting already in progress');
    ensureAofDir(this.loc, this.fs);
    // Commands still buffered predate the snapshot: written to the new incr file they would
    // be replayed on top of a base that already contains their effect.
    if (!this.flush() || this.pending.length > 0) {
      this.lastBgrewriteOk = false;
      throw new Error(`Can't rewrite the AOF while it can't be written: ${this.lastError ?? 'write error'}`);
    }
    const ticket: RewriteTicket = { tempPath: path.join(this.dirPath, tempRewriteName()), format: this.useRdbPreamble ? 'rdb' : 'aof' };
    if (!this.waitRewrite) {
      const am = cloneManifest(this.manifest);
      const name = newIncrName(am, this.loc);
      const p = binaryNameToPath(this.dirPath, name);
      const fd = openPrivate(this.fs, p, 'w');
      try {
        writeManifest(this.loc, am, this.fs);
      } catch (e) {
        this.fs.closeSync(fd);
        try {
          this.fs.unlinkSync(p);
        } catch {
          // the new file is not referenced anywhere: leaving it is harmless
        }
        this.lastBgrewriteOk = false;
        throw e;
      }
      this.log('notice', `Creating AOF incr file ${name} on background rewrite`);
      this.retireFd(this.fd);
      this.fd = fd;
      this.manifest = am;
      this.lastIncrSize = 0;
      this.fsyncOffset = this.currentSize;
    } else {
      // Switching AOF on: the snapshot about to be taken covers everything so far, so the
      // temp incr file restarts empty (after an aborted attempt it holds older commands).
      const fd = openPrivate(this.fs, binaryNameToPath(this.dirPath, tempIncrFileName(this.loc)), 'w');
      this.fs.closeSync(this.fd);
      this.fd = fd;
      this.currentSize = 0;
      this.lastIncrSize = 0;
      this.fsyncOffset = 0;
    }
    // the new file (or the temp incr) starts with a SELECT of its own
    this.selectedDb = -1;
    this.rewrites++;
    this.rewrite = { ticket, waitRewrite: this.waitRewrite };
    this.rewriteStartMs = this.now();
    this.log('notice', 'Background append only file rewriting started');
    return ticket;
  }

  /**
   * startRewrite with the manifest written off the event loop (issue 17 goal 6: its two
   * fsyncs held the loop 15–85 ms on a busy disk). What can be told at once throws as in
   * startRewrite. Appends go on to the current incr file while the manifest naming the new
   * one is made durable; then, on the loop, the buffered commands are written to the old
   * file, appends move to the new one and `ready(ticket, null)` runs: the caller takes the
   * snapshot at that same instant, so the files before the switch plus the snapshot still
   * describe the dataset. No byte reaches the new file before a manifest naming it is
   * durable. `ready(null, err)`: the rewrite did not start (it counts as failed), or the AOF
   * was closed meanwhile. Switching the AOF on (waitRewrite) writes no manifest: synchronous.
   */
  startRewriteInBackground(ready: (ticket: RewriteTicket | null, err: Error | null) => void): void {
    if (this.waitRewrite) {
      const ticket = this.startRewrite();
      ready(ticket, null);
      return;
    }
    if (this.closed) throw new Error('the AOF is closed');
    if (this.rewrite !== null) throw new Error('Background append only file rewriting already in progress');
    ensureAofDir(this.loc, this.fs);
    // (the buffered commands are written at the switch, below)
    if (!this.writeOk) {
      this.lastBgrewriteOk = false;
      throw new Error(`Can't rewrite the AOF while it can't be written: ${this.lastError ?? 'write error'}`);
    }
    const ticket: RewriteTicket = { tempPath: path.join(this.dirPath, tempRewriteName()), format: this.useRdbPreamble ? 'rdb' : 'aof' };
    const am = cloneManifest(this.manifest);
    const name = newIncrName(am, this.loc);
    const fd = openPrivate(this.fs, binaryNameToPath(this.dirPath, name), 'w');
    const rw = { ticket, waitRewrite: false };
    this.rewrite = rw;
    this.rewrites++;
    this.rewriteStartMs = this.now();
    writeManifestAsync(
      this.loc,
      am,
      (err, renamed) => {
        if (this.closed) {
          this.fs.close(fd, () => {});
          ready(null, new Error('the AOF was closed'));
          return;
        }
        if (err !== null && !renamed) {
          // the new file stays, empty and unreferenced (the next rewrite reuses its name)
          this.fs.close(fd, () => {});
          if (this.rewrite === rw) this.failRewrite(`Can't persist the AOF manifest: ${errText(err)}`);
          ready(null, err);
          return;
        }
        if (err !== null) this.log('warning', `Fail to fsync the AOF directory after writing the manifest: ${errText(err)}`);
        // commands buffered until now predate the snapshot: they go to the old file. When
        // that write fails they stay buffered for the old file, and the durable manifest's
        // extra incr file stays empty, which loads the same
        if (!this.flush() || this.pending.length > 0 || this.rewrite !== rw) {
          this.fs.close(fd, () => {});
          if (this.rewrite === rw) this.failRewrite(`Can't rewrite the AOF while it can't be written: ${this.lastError ?? 'write error'}`);
          ready(null, new Error(this.lastError ?? 'the rewrite was stopped'));
          return;
        }
        this.log('notice', `Creating AOF incr file ${name} on background rewrite`);
        this.retireFd(this.fd);
        this.fd = fd;
        this.manifest = am;
        this.lastIncrSize = 0;
        this.fsyncOffset = this.currentSize;
        // the new file starts with a SELECT of its own
        this.selectedDb = -1;
        this.log('notice', 'Background append only file rewriting started');
        ready(ticket, null);
      },
      this.fs,
    );
  }

  /**
   * finishRewrite off the event loop: the rename of the new base and the manifest write
   * (with its fsyncs) run on libuv's thread pool while appends go on to the current incr
   * file, which both the old and the new manifest list. `done(null)` once the new manifest
   * is durable and in force (then the history files are unlinked); `done(err)`: the old
   * manifest stays in force and the rewrite counts as failed. The rewrite stays in progress
   * until `done`. Switching the AOF on (waitRewrite) renames its temp incr file: synchronous.
   */
  finishRewriteInBackground(done: (err: Error | null) => void): void {
    const rw = this.rewrite;
    if (rw === null) throw new Error('no AOF rewrite in progress');
    if (rw.waitRewrite) {
      try {
        this.finishRewrite();
      } catch (e) {
        done(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      done(null);
      return;
    }
    const am = cloneManifest(this.manifest);
    const baseName = newBaseName(am, this.loc, rw.ticket.format === 'rdb');
    const basePath = binaryNameToPath(this.dirPath, baseName);
    // every incr file but the one being appended to is covered by the new base; one
    // manifest write without the history entries (see finishRewrite)
    const keep = am.incr.pop()!;
    for (const f of am.incr.reverse()) am.history.unshift({ ...f, type: 'h' });
    am.incr = [keep];
    const retired = am.history;
    am.history = [];
    const failed = (e: Error, unlinkBase: boolean): void => {
      if (unlinkBase) this.fs.unlink(basePath, () => {});
      if (this.rewrite === rw) this.failRewrite(`Error installing the rewritten AOF: ${errText(e)}`);
      done(e);
    };
    this.fs.rename(rw.ticket.tempPath, basePath, (renameErr) => {
      if (renameErr !== null) {
        failed(renameErr, false);
        return;
      }
      if (this.rewrite !== rw) {
        // closed meanwhile: the old manifest stays; the renamed base is referenced by nothing
        this.fs.unlink(basePath, () => {});
        done(new Error('the rewrite was stopped'));
        return;
      }
      writeManifestAsync(
        this.loc,
        am,
        (err, renamed) => {
          if (err !== null && !renamed) {
            failed(err, true);
            return;
          }
          if (err !== null) this.log('warning', `Fail to fsync the AOF directory after writing the manifest: ${errText(err)}`);
          // the new manifest is what a reader finds now: the retired files go in any case
          this.unlinkInBackground(retired);
          if (this.closed || this.rewrite !== rw) {
            done(new Error('the AOF was closed'));
            return;
          }
          this.installRewritten(am, basePath);
          done(null);
        },
        this.fs,
      );
    });
  }

  /** fsync (unless `always` already did) and close a file we stop appending to, off the loop. */
  private retireFd(fd: number): void {
    this.fs.fsync(fd, (err) => {
      if (err) this.log('warning', `Fail to fsync the AOF file on rotation: ${err.message}`);
      this.fs.close(fd, () => {});
    });
  }

  /**
   * Completes the rewrite whose snapshot is now complete and fsynced at the ticket's temp
   * path: renames it to the next base name, records the incr files opened since the
   * rewrite began as the only incr files (older ones and the old base become history),
   * writes the manifest atomically, then deletes the history files.
   * Throws when the rename or the manifest write fails (the rewrite then counts as failed
   * and the previous manifest stays in force).
   */
  finishRewrite(): void {
    const rw = this.rewrite;
    if (rw === null) throw new Error('no AOF rewrite in progress');
    const am = cloneManifest(this.manifest);
    const baseName = newBaseName(am, this.loc, rw.ticket.format === 'rdb');
    const basePath = binaryNameToPath(this.dirPath, baseName);
    let incrPath: string | null = null;
    let retired: AofManifest['history'] = [];
    try {
      this.fs.renameSync(rw.ticket.tempPath, basePath);
      if (rw.waitRewrite) {
        this.flush();
        const incrName = newIncrName(am, this.loc);
        incrPath = binaryNameToPath(this.dirPath, incrName);
        this.fs.renameSync(binaryNameToPath(this.dirPath, tempIncrFileName(this.loc)), incrPath);
      }
      // every incr file but the one being appended to is covered by the new base
      const keep = am.incr.pop()!;
      for (const f of am.incr.reverse()) am.history.unshift({ ...f, type: 'h' });
      am.incr = [keep];
      // Redis persists this manifest with the history listed, then again without it once
      // the unlinks are queued; one write without it is the same on disk (the files are
      // unlinked right after) and spares the loop two fsyncs (issue 17 goal 6)
      retired = am.history;
      am.history = [];
      writeManifest(this.loc, am, this.fs);
    } catch (e) {
      for (const p of [basePath, incrPath]) {
        if (p === null) continue;
        try {
          this.fs.unlinkSync(p);
        } catch {
          // nothing references it
        }
      }
      this.failRewrite(`Error installing the rewritten AOF: ${errText(e)}`);
      throw e;
    }
    this.unlinkInBackground(retired);
    this.installRewritten(am, basePath);
  }

  /** The new manifest is in force (finishRewrite, finishRewriteInBackground): the writer follows it. */
  private installRewritten(am: AofManifest, basePath: string): void {
    this.manifest = am;
    this.endRewriteClock();
    this.rewrite = null;
    this.waitRewrite = false;
    this.selectedDb = -1;
    this.currentSize = (fileSizeOrNull(basePath, this.fs) ?? 0) + this.lastIncrSize;
    this.rewriteBaseSize = this.currentSize;
    this.fsyncOffset = Math.min(this.fsyncOffset, this.currentSize);
    this.lastBgrewriteOk = true;
    this.consecutiveFailures = 0;
    this.log('notice', 'Background AOF rewrite finished successfully');
  }

  /**
   * The snapshot failed or was cancelled: the temp base is removed; the incr file opened by
   * startRewrite stays in the manifest (nothing is lost, the next rewrite covers it).
   * `failed` false is a deliberate cancel (not counted as an error, as SIGUSR1 in Redis).
   */
  abortRewrite(failed = true): void {
    const rw = this.rewrite;
    if (rw === null) return;
    this.endRewriteClock();
    this.rewrite = null;
    try {
      this.fs.unlinkSync(rw.ticket.tempPath);
    } catch {
      // it may never have been created
    }
    if (failed) this.failRewrite('Background AOF rewrite terminated with error');
  }

  private failRewrite(text: string): void {
    this.endRewriteClock();
    this.rewrite = null;
    this.lastBgrewriteOk = false;
    this.consecutiveFailures++;
    this.log('warning', text);
  }

  private endRewriteClock(): void {
    if (this.rewrite !== null) this.lastRewriteTimeSec = Math.floor((this.now() - this.rewriteStartMs) / 1000);
  }

  /** Start-up: deletes the history files, then persists the manifest without them. */
  private deleteHistory(): void {
    const history = this.manifest.history;
    if (history.length === 0) return;
    for (const f of history) {
      this.log('notice', `Removing the history file ${f.name} in the background`);
      try {
        this.fs.unlinkSync(binaryNameToPath(this.dirPath, f.name));
      } catch (e) {
        this.unlinkFailed(f.name, e as NodeJS.ErrnoException);
      }
    }
    this.dropHistory();
  }

  /**
   * After a rewrite: the files the manifest no longer lists are unlinked off the event loop,
   * as Redis unlinks them in a background thread (freeing a 55 MB incr file's blocks took
   * 40 ms on the loop; issue 17 goal 6). A crash before an unlink completes leaves that file
   * unreferenced, as in Redis.
   */
  private unlinkInBackground(files: AofManifest['history']): void {
    for (const f of files) {
      this.log('notice', `Removing the history file ${f.name} in the background`);
      this.fs.unlink(binaryNameToPath(this.dirPath, f.name), (err) => {
        if (err !== null) this.unlinkFailed(f.name, err);
      });
    }
  }

  private unlinkFailed(name: string, e: NodeJS.ErrnoException): void {
    if (e.code !== 'ENOENT') this.log('warning', `Can't remove the history file ${name}: ${errText(e)}`);
  }

  /** Persists the manifest without its history entries. */
  private dropHistory(): void {
    const am = cloneManifest(this.manifest);
    am.history = [];
    try {
      writeManifest(this.loc, am, this.fs);
      this.manifest = am;
    } catch (e) {
      // the files are gone; the manifest still lists them as history, which loading ignores
      this.log('warning', `Can't persist the AOF manifest after removing history files: ${errText(e)}`);
    }
  }

  private recomputeSizes(): void {
    let total = 0;
    const files = [...(this.manifest.base !== null ? [this.manifest.base] : []), ...this.manifest.incr];
    for (const f of files) total += fileSizeOrNull(binaryNameToPath(this.dirPath, f.name), this.fs) ?? 0;
    this.currentSize = total;
    const last = this.manifest.incr[this.manifest.incr.length - 1];
    this.lastIncrSize = last !== undefined ? (fileSizeOrNull(binaryNameToPath(this.dirPath, last.name), this.fs) ?? 0) : 0;
    this.fsyncOffset = total;
  }

  /**
   * `appendonly no` or shutdown (stopAppendOnly): writes what is pending, fsyncs, closes.
   * Returns false when the final write or fsync failed. A rewrite in progress is aborted.
   */
  close(): boolean {
    if (this.closed) return true;
    let ok = this.flush();
    try {
      this.fs.fsyncSync(this.fd);
    } catch (e) {
      ok = false;
      this.log('warning', `Fail to fsync the AOF file: ${errText(e)}`);
    }
    if (this.rewrite !== null) this.abortRewrite(false);
    if (this.waitRewrite) {
      try {
        this.fs.unlinkSync(binaryNameToPath(this.dirPath, tempIncrFileName(this.loc)));
      } catch {
        // already gone
      }
    }
    this.fs.closeSync(this.fd);
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return ok;
  }
}

/**
 * Temp files a crash left behind in the AOF directory (a rewrite's unfinished base, the
 * runtime-enable incr file, a manifest never renamed): nothing references them.
 */
function removeStaleTemps(fsys: AofFs, dirPath: string, loc: AofLocation, log: AofLog): void {
  let names: string[];
  try {
    names = fs.readdirSync(dirPath);
  } catch {
    return;
  }
  const incrTemp = Buffer.from(tempIncrFileName(loc), 'latin1').toString('utf8');
  for (const n of names) {
    if (!/^temp-rewriteaof-bg-\d+\.aof$/.test(n) && n !== incrTemp) continue;
    try {
      fsys.unlinkSync(path.join(dirPath, n));
      log('notice', `Removed the stale temp file ${n} left in the AOF directory`);
    } catch {
      // harmless if it stays
    }
  }
}

/** The next base's name; the current base (if any) becomes history (getNewBaseFileNameAndMarkPreAsHistory). */
function newBaseName(am: AofManifest, loc: AofLocation, rdb: boolean): string {
  if (am.base !== null) am.history.unshift({ ...am.base, type: 'h' });
  am.currBaseSeq++;
  const name = baseFileName(loc, am.currBaseSeq, rdb);
  am.base = { name, seq: am.currBaseSeq, type: 'b' };
  return name;
}

/** Adds the next incr file to the manifest and returns its name (getNewIncrAofName). */
function newIncrName(am: AofManifest, loc: AofLocation): string {
  am.currIncrSeq++;
  const name = incrFileName(loc, am.currIncrSeq);
  am.incr.push({ name, seq: am.currIncrSeq, type: 'i' });
  return name;
}
