/**
 * The append-only file in the running server: opening it at start-up (after loading),
 * feeding it (the propagator's sink), flushing it before replies leave, rewriting it
 * (BGREWRITEAOF, auto-aof-rewrite-*) with a key-level copy-on-write snapshot instead of a
 * fork, and switching it on or off with CONFIG SET appendonly (Redis's startAppendOnly /
 * stopAppendOnly).
 *
 * A rewrite (Redis 7's multi-part AOF): the writer first opens a new incr file, so the old
 * base + old incr files + nothing else describe the dataset up to that instant; the
 * snapshot taken at the same instant becomes the new base; once it is on disk the manifest
 * names the new base and the new incr file only. A crash at any step leaves a manifest
 * that loads to the same data.
 */
import type { PersistenceHost } from './persistence-host.js';
import { AofWriter, type AppendFsync, type RewriteTicket } from './aof/aof-writer.js';
import { loadAof, AofLoadError } from './aof/aof-loader.js';
import { aofDirPath, baseFileName, binaryNameToPath, ensureAofDir, manifestWriteInFlight, manifestWritesSettled, resolveManifestForLoad, writeManifest, type AofLocation } from './aof/aof-files.js';
import { cloneManifest, type AofManifest } from './aof/aof-manifest.js';
import type { AofLog } from './aof/aof-fs.js';
import { BackgroundSnapshot, type SnapshotFileResult } from './snapshot-file.js';
import { aofCommandSnapshotEncoder, rdbSnapshotEncoder } from './snapshot-encoders.js';
import { aofExecutor, loadRdbInto, LoadError } from './loading.js';
import { RdbWriter } from './rdb/rdb-writer.js';
import { RespCommandBuilder } from './aof/resp-command-builder.js';
import { writeAllSync } from './durable-file.js';
import fs from 'node:fs';
import { errors } from '../errors.js';

export type RewriteOutcome = 'started' | 'scheduled' | 'in-progress' | { error: string };

export class AofPersistence {
  writer: AofWriter | null = null;
  private job: BackgroundSnapshot | null = null;
  private jobStartedMs = 0;

  /** CONFIG SET rdb-key-save-delay reaches a save already running (persistence-layer.ts). */
  setKeyDelay(us: number): void {
    this.job?.setKeyDelay(us);
  }
  /** BGREWRITEAOF while a BGSAVE runs: started when it ends */
  scheduled = false;
  /** rewrites done while the AOF is off (INFO aof_rewrites, aof_last_bgrewrite_status) */
  offlineRewrites = 0;
  offlineLastOk = true;
  lastRewriteDurationS = -1;
  /** outcome of the last flush: a change refreshes the MISCONF state */
  private lastFlushOk = true;
  /** set by the RDB side: true while a BGSAVE occupies the background slot */
  bgsaveRunning: () => boolean = () => false;

  constructor(private readonly server: PersistenceHost) {}

  private location(): AofLocation {
    const c = this.server.config;
    return { dir: c.get('dir'), dirname: c.get('appenddirname'), filename: c.get('appendfilename') };
  }

  private readonly log: AofLog = (level, message) => {
    if (level === 'warning') this.server.logger.warning(message);
    else if (level === 'notice') this.server.logger.notice(message);
    else this.server.logger.verbose(message);
  };

  get enabled(): boolean {
    return this.writer !== null;
  }

  get rewriting(): boolean {
    return this.job !== null || this.starting !== null;
  }

  get currentRewriteS(): number {
    return !this.rewriting ? -1 : Math.floor((Date.now() - this.jobStartedMs) / 1000);
  }

  /** Start-up with appendonly yes: loads the AOF (if any), then opens it for appending. */
  async loadAndOpen(): Promise<void> {
    const server = this.server;
    const loc = this.location();
    const started = Date.now();
    const layer = server.persistence;
    let manifest;
    try {
      manifest = resolveManifestForLoad(loc, undefined, this.log);
      const result = await loadAof({
        ...loc,
        manifest,
        loadTruncated: server.config.bool('aof-load-truncated'),
        execute: aofExecutor(server),
        loadRdb: async (src) => {
          const r = await loadRdbInto(server, src.path, src.name, true);
          layer.lastLoadKeysLoaded += r.keys;
          return r.bytes;
        },
        onProgress: (p) => {
          layer.loadingTotalBytes = p.bytesTotal;
          layer.loadingLoadedBytes = p.bytesDone;
          layer.maybeLogProgress(p.file, p.bytesDone, p.bytesTotal);
        },
        log: this.log,
      });
      if (result.status !== 'not-exist') server.logger.notice(`DB loaded from append only file: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
      manifest = result.manifest;
    } catch (e) {
      const msg = e instanceof AofLoadError || e instanceof Error ? e.message : String(e);
      if (!(e instanceof LoadError)) server.logger.warning(msg);
      throw e instanceof LoadError ? e : new LoadError(msg);
    }
    this.writer = AofWriter.open(this.writerOptions(), manifest, (p, format) => this.writeInitialBase(p, format));
    server.propagator.sink = this.writer;
  }

  private writerOptions() {
    const c = this.server.config;
    return { ...this.location(), fsync: c.get('appendfsync') as AppendFsync, useRdbPreamble: c.bool('aof-use-rdb-preamble'), timestampEnabled: c.bool('aof-timestamp-enabled'), log: this.log };
  }

  /** The base of an AOF created on an empty dataset: a valid empty RDB (or RESP) file. */
  private writeInitialBase(p: string, format: 'rdb' | 'aof'): void {
    const fd = fs.openSync(p, 'w', 0o600);
    try {
      if (format === 'rdb') {
        const w = new RdbWriter({ compression: true, checksum: this.server.config.bool('rdbchecksum') });
        writeAllSync(fd, Buffer.concat([w.header({ aofBase: true }), w.functions(this.server.functions.codes()), w.footer()]));
      } else {
        const out = new RespCommandBuilder();
        for (const code of this.server.functions.codes()) out.command(['FUNCTION', 'LOAD', code]);
        writeAllSync(fd, Buffer.from(out.view()));
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Before replies leave: the commands behind them go to the file (and disk, under always). */
  flush(): void {
    const w = this.writer;
    if (w === null) return;
    const started = performance.now();
    const ok = w.flush();
    // INFO debug eventloop_duration_aof_sum: time spent writing (and, under always, syncing)
    this.server.stats.aofDurationUsec += Math.round((performance.now() - started) * 1000);
    this.flushed(w, ok);
  }

  /**
   * appendfsync always, the reply barrier's group commit: write on the loop, fsync on the
   * thread pool (AofWriter.syncInBackground); `done(ok)` when the fsync completed.
   */
  syncInBackground(done: (ok: boolean) => void): 'started' | 'synced' | 'failed' {
    const w = this.writer;
    if (w === null) return 'synced';
    const started = performance.now();
    const r = w.syncInBackground((ok) => {
      if (!ok) this.flushed(w, false);
      done(ok);
    });
    this.server.stats.aofDurationUsec += Math.round((performance.now() - started) * 1000);
    this.flushed(w, r !== 'failed');
    return r;
  }

  /** A write's (or fsync's) outcome: the MISCONF state follows it; under always a failure is fatal. */
  private flushed(w: AofWriter, ok: boolean): void {
    if (ok !== this.lastFlushOk) {
      this.lastFlushOk = ok;
      this.server.refreshDiskError();
    }
    if (w.fatal) this.server.fatal(`Can't recover from AOF write error when the AOF fsync policy is 'always': ${w.lastError ?? 'unknown error'}. Exiting...`);
  }

  /** The MISCONF refusal while AOF writes fail. */
  refusal(): string | null {
    return this.writer === null ? null : this.writer.misconfError();
  }

  /**
   * BGREWRITEAOF. Inside EXEC the rewrite is scheduled for the cron instead: the
   * transaction's commands reach the AOF when EXEC ends, after the snapshot would already
   * hold their effects, and replaying both would apply them twice.
   */
  rewrite(inExec = false): RewriteOutcome {
    if (this.rewriting) return 'in-progress';
    if (this.bgsaveRunning() || inExec) {
      this.scheduled = true;
      return 'scheduled';
    }
    const err = this.startRewrite();
    return err === null ? 'started' : { error: errors.bgrewriteaofFailed };
  }

  /**
   * Starts a rewrite; returns an error text or null. The writer makes the manifest naming
   * the new incr file durable off the event loop first; the snapshot starts when it calls
   * back (the rewrite is in progress, for INFO and for other background jobs, from now on).
   */
  startRewrite(): string | null {
    const w = this.writer;
    if (w === null) return this.startOfflineRewrite();
    const token = {};
    this.starting = token;
    try {
      w.startRewriteInBackground((ticket, err) => {
        if (this.starting !== token) return;
        this.starting = null;
        if (ticket === null) {
          this.server.logger.warning(`Can't rewrite append only file in background: ${err?.message ?? 'unknown error'}`);
          return;
        }
        this.startSnapshot(w, ticket);
      });
    } catch (e) {
      if (this.starting === token) this.starting = null;
      this.server.logger.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
      return (e as Error).message;
    }
    this.server.stats.backgroundJobs++;
    this.jobStartedMs = Date.now();
    this.scheduled = false;
    return null;
  }

  /** CONFIG SET appendonly yes waits for a stopped writer's manifest write (enable) */
  private enableWhenManifestSettles = false;

  /** the rewrite whose manifest is being written (startRewrite), null when none */
  private starting: object | null = null;

  /** The snapshot of a rewrite, taken at the instant appends moved to the new incr file. */
  private startSnapshot(w: AofWriter, ticket: RewriteTicket): void {
    const encoder = ticket.format === 'rdb' ? rdbSnapshotEncoder(this.server, true) : aofCommandSnapshotEncoder(this.server);
    const job = new BackgroundSnapshot(this.server, encoder, ticket.tempPath, { sliceMs: 2, keyDelayUs: this.server.config.int('rdb-key-save-delay') }, (r) =>
      this.rewriteDone(job, r),
    );
    try {
      job.start();
    } catch (e) {
      w.abortRewrite();
      this.server.logger.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
      return;
    }
    this.job = job;
  }

  /**
   * BGREWRITEAOF with the AOF off, as Redis: the snapshot becomes a new base, the manifest
   * names it alone (no incr file: nothing is being appended), and the older files go.
   */
  private startOfflineRewrite(): string | null {
    const loc = this.location();
    let am: AofManifest;
    try {
      ensureAofDir(loc);
      am = cloneManifest(resolveManifestForLoad(loc, undefined, this.log));
    } catch (e) {
      this.server.logger.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
      return (e as Error).message;
    }
    const rdb = this.server.config.bool('aof-use-rdb-preamble');
    for (const f of [...(am.base !== null ? [am.base] : []), ...am.incr]) am.history.push({ ...f, type: 'h' });
    am.incr = [];
    am.currBaseSeq++;
    const name = baseFileName(loc, am.currBaseSeq, rdb);
    am.base = { name, seq: am.currBaseSeq, type: 'b' };
    const dirPath = aofDirPath(loc);
    const encoder = rdb ? rdbSnapshotEncoder(this.server, true) : aofCommandSnapshotEncoder(this.server);
    const opts = { sliceMs: 2, keyDelayUs: this.server.config.int('rdb-key-save-delay') };
    const job = new BackgroundSnapshot(this.server, encoder, binaryNameToPath(dirPath, name), opts, (r) => {
      if (this.job !== job) return;
      this.job = null;
      this.lastRewriteDurationS = Math.floor(r.durationMs / 1000);
      this.offlineRewrites++;
      try {
        if (r.error !== null) throw new Error(r.error);
        writeManifest(loc, am);
        for (const f of am.history) fs.rmSync(binaryNameToPath(dirPath, f.name), { force: true });
        am.history = [];
        writeManifest(loc, am);
        this.offlineLastOk = true;
        this.server.logger.notice(`Background AOF rewrite terminated with success (${r.keys} keys, ${r.bytes} bytes, ${r.durationMs} ms)`);
      } catch (e) {
        this.offlineLastOk = false;
        this.server.logger.warning(`Background AOF rewrite failed: ${(e as Error).message}`);
      }
    });
    try {
      job.start();
    } catch (e) {
      this.server.logger.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
      return (e as Error).message;
    }
    this.job = job;
    this.server.stats.backgroundJobs++;
    this.jobStartedMs = Date.now();
    this.scheduled = false;
    this.server.logger.notice('Background append only file rewriting started');
    return null;
  }

  private rewriteDone(job: BackgroundSnapshot, r: SnapshotFileResult): void {
    if (this.job !== job) return;
    this.lastRewriteDurationS = Math.floor(r.durationMs / 1000);
    const w = this.writer;
    if (w === null) {
      this.job = null;
      return;
    }
    if (r.error !== null) {
      this.job = null;
      this.server.logger.warning(`Background AOF rewrite failed: ${r.error}`);
      w.abortRewrite();
      return;
    }
    // the job stays in place (a rewrite in progress) until the new manifest is durable
    w.finishRewriteInBackground((err) => {
      if (this.job !== job) return;
      this.job = null;
      if (err !== null) this.server.logger.warning(`Background AOF rewrite failed: ${err.message}`);
      else this.server.logger.notice(`Background AOF rewrite terminated with success (${r.keys} keys, ${r.bytes} bytes, ${r.durationMs} ms)`);
    });
  }

  private cancelRewrite(): void {
    if (!this.rewriting) return;
    // Redis's killAppendOnlyChild text (its pid left out: the rewrite is a job of this process)
    this.server.logger.notice('Killing running AOF rewrite child');
    // a rewrite still writing its manifest, or installing its base, stops here too: the
    // writer's callbacks see the rewrite gone
    this.starting = null;
    const job = this.job;
    this.job = null;
    job?.cancel('cancelled');
    this.writer?.abortRewrite(false);
  }

  /** Once per cron tick: pending data out, a scheduled or automatic rewrite. */
  cron(): void {
    if (this.enableWhenManifestSettles && !manifestWriteInFlight(this.location())) {
      const err = this.enable();
      if (err !== null) this.server.logger.warning(err);
    }
    const w = this.writer;
    // (while the reply barrier's fsync runs under always, the barrier writes and syncs next)
    if (w !== null && !w.groupSyncRunning) this.flush();
    if (this.rewriting || this.bgsaveRunning()) return;
    if (this.scheduled) {
      this.startRewrite();
      return;
    }
    if (w === null) return;
    const c = this.server.config;
    if (w.shouldAutoRewrite(c.int('auto-aof-rewrite-percentage'), c.int('auto-aof-rewrite-min-size'))) {
      this.server.logger.notice(`Starting automatic rewriting of AOF on ${w.sizes.base > 0 ? Math.floor((w.sizes.current * 100) / w.sizes.base) - 100 : 100}% growth`);
      this.startRewrite();
    }
  }

  /** CONFIG SET appendonly yes at runtime: the AOF starts with a rewrite of the dataset. */
  enable(): string | null {
    if (this.writer !== null) return null;
    // a writer just closed (appendonly no) may still be writing a rewrite's manifest: its
    // rename could land over ours, so the AOF opens (reading the manifest) once it settles
    if (manifestWriteInFlight(this.location())) {
      this.enableWhenManifestSettles = true;
      this.server.logger.notice('AOF was enabled while a stopped rewrite was still writing its manifest: the AOF starts once that write ends.');
      return null;
    }
    this.enableWhenManifestSettles = false;
    try {
      const manifest = resolveManifestForLoad(this.location(), undefined, this.log);
      this.writer = AofWriter.openForEnable(this.writerOptions(), manifest);
    } catch (e) {
      return `Could not open the append only file: ${(e as Error).message}`;
    }
    this.server.propagator.sink = this.writer;
    // as Redis's startAppendOnly: a rewrite made while the AOF was off is stopped, and the
    // rewrite that starts the AOF takes its place
    if (this.job !== null) {
      const offline = this.job;
      this.job = null;
      offline.cancel('the AOF was switched on');
    }
    // Redis's startAppendOnly texts: the rewrite waits for the running save, or for the end
    // of the transaction that switched the AOF on
    if (this.bgsaveRunning()) {
      this.scheduled = true;
      this.server.logger.notice('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      return null;
    }
    if (this.server.current?.inExec === true) {
      this.scheduled = true;
      this.server.logger.notice('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
      return null;
    }
    const err = this.startRewrite();
    if (err !== null) {
      this.disable();
      return err;
    }
    return null;
  }

  /** Resolves once a closed writer's manifest write, if any, has landed or failed. */
  manifestSettled(): Promise<void> {
    return manifestWritesSettled(this.location());
  }

  /** CONFIG SET appendonly no, and shutdown: flush, fsync, close. Returns false if that failed. */
  disable(): boolean {
    this.enableWhenManifestSettles = false;
    const w = this.writer;
    if (w === null) return true;
    this.cancelRewrite();
    this.server.propagator.sink = null;
    this.writer = null;
    this.scheduled = false;
    return w.close();
  }

  setFsync(policy: AppendFsync): void {
    this.writer?.setFsyncPolicy(policy);
  }

  setUseRdbPreamble(on: boolean): void {
    this.writer?.setUseRdbPreamble(on);
  }
}
