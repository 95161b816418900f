/**
 * The persistence layer's state and decisions: RDB snapshots (SAVE, BGSAVE, `save`
 * schedules, LASTSAVE, the MISCONF refusal), and the figures INFO persistence reports.
 * The append-only file lives in aof-manager.ts; start-up loading in loading.ts.
 *
 * Redis runs one child at a time (a BGSAVE or an AOF rewrite); Redoubt keeps that rule for
 * its background snapshots, with the same replies, so scripts that poll INFO behave alike.
 */
import { errors } from '../errors.js';
import path from 'node:path';
import type { PersistenceHost } from './persistence-host.js';
import { BackgroundSnapshot, saveSnapshotSync, type SnapshotFileResult } from './snapshot-file.js';
import type { SnapshotEncoder } from './snapshot.js';

/** Redis retries a failed automatic BGSAVE after this many seconds (CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY_S = 5;

/** Makes the encoder of an RDB image (rdb/ codec); `aofBase` marks an AOF preamble. */
export type RdbEncoderFactory = (server: PersistenceHost, aofBase: boolean) => SnapshotEncoder;

export type BgsaveOutcome = 'started' | 'scheduled' | 'in-progress' | 'aof-rewrite' | { error: string };

export class RdbPersistence {
  /** unix seconds of the last successful save (LASTSAVE) */
  lastSave: number;
  lastBgsaveOk = true;
  /** unix seconds of the last BGSAVE attempt (retry delay after a failure) */
  private lastBgsaveTry = 0;
  lastBgsaveDurationS = -1;
  private job: BackgroundSnapshot | null = null;
  /** a signal's final save in progress (finalSave) */
  private finalJob: BackgroundSnapshot | null = null;
  private jobStartedMs = 0;

  /** CONFIG SET rdb-key-save-delay reaches a save already running (persistence-layer.ts). */
  setKeyDelay(us: number): void {
    this.job?.setKeyDelay(us);
  }
  /** server.stats.dirty when the running save began: what a success may subtract */
  private dirtyAtStart = 0;
  /** BGSAVE SCHEDULE while an AOF rewrite runs */
  scheduled = false;
  saves = 0;
  /** set by the AOF layer: true while an AOF rewrite occupies the background slot */
  aofRewriteRunning: () => boolean = () => false;
  /**
   * Set by replication: true while a diskless sync's snapshot occupies the background
   * slot (Redis's RDB child with a socket target): BGSAVE and the save points wait.
   */
  replicationSnapshotRunning: () => boolean = () => false;
  /** Told when a background save ends (null: success), for replicas waiting for the file. */
  onBackgroundDone: ((error: string | null) => void) | null = null;

  constructor(
    private readonly server: PersistenceHost,
    private readonly encoderFor: RdbEncoderFactory,
  ) {
    this.lastSave = Math.floor(server.clock.now() / 1000);
  }

  /** dir + dbfilename */
  get path(): string {
    return path.join(this.server.config.get('dir'), this.server.config.get('dbfilename'));
  }

  get inProgress(): boolean {
    return this.job !== null || this.replicationSnapshotRunning();
  }

  /** keys the running BGSAVE has written so far */
  get currentKeys(): number {
    return this.job === null ? 0 : this.job.keys;
  }

  /** seconds the running BGSAVE has taken so far, -1 when none */
  get currentDurationS(): number {
    return this.job === null ? -1 : Math.floor((Date.now() - this.jobStartedMs) / 1000);
  }

  /** SAVE (and SHUTDOWN, FLUSHALL): the whole image now. Returns an error text or null. */
  saveNow(): string | null {
    const dirty = this.server.stats.dirty;
    const r = saveSnapshotSync(this.server, this.encoderFor(this.server, false), this.path);
    if (r.error !== null) {
      // as Redis's rdbSave: a failed foreground save (SAVE, SHUTDOWN) is reported to its
      // caller and leaves rdb_last_bgsave_status alone, so it never turns on MISCONF
      this.server.logger.warning(`Failed saving the DB: ${r.error}`);
      return r.error;
    }
    this.server.logger.notice('DB saved on disk');
    this.succeeded(dirty);
    return null;
  }

  /**
   * The final save of a shutdown a signal scheduled (shutdown.ts): Redis saves in the
   * foreground, and its signal handler still sees a second SIGINT, removes `temp-<pid>.rdb`
   * and exits. Here the save is written a slice at a time into that same temp file (the
   * caller holds every client meanwhile), so the event loop still sees the signal. `done`
   * gets null or the error text; returns an error text when the save could not start.
   */
  finalSave(done: (error: string | null) => void): string | null {
    this.cancel();
    const dirty = this.server.stats.dirty;
    const job = new BackgroundSnapshot(
      this.server,
      this.encoderFor(this.server, false),
      this.path,
      { sliceMs: 20, keyDelayUs: this.server.config.int('rdb-key-save-delay'), tempPath: path.join(path.dirname(this.path), `temp-${process.pid}.rdb`) },
      (r) => {
        if (this.finalJob !== job) return; // cancelled
        this.finalJob = null;
        if (r.error !== null) {
          this.server.logger.warning(`Failed saving the DB: ${r.error}`);
        } else {
          this.server.logger.notice('DB saved on disk');
          this.succeeded(dirty);
        }
        done(r.error);
      },
    );
    try {
      job.start();
    } catch (e) {
      const msg = (e as Error).message;
      this.server.logger.warning(`Failed saving the DB: ${msg}`);
      return msg;
    }
    this.finalJob = job;
    return null;
  }

  /** BGSAVE [SCHEDULE]. */
  bgsave(schedule: boolean): BgsaveOutcome {
    if (this.inProgress) return 'in-progress';
    if (this.aofRewriteRunning()) {
      if (!schedule) return 'aof-rewrite';
      this.scheduled = true;
      return 'scheduled';
    }
    const err = this.startBackground();
    return err === null ? 'started' : { error: err };
  }

  /** Starts a background save; returns an error text when it could not start. */
  startBackground(): string | null {
    this.lastBgsaveTry = Math.floor(this.server.clock.now() / 1000);
    this.dirtyAtStart = this.server.stats.dirty;
    const job = new BackgroundSnapshot(
      this.server,
      this.encoderFor(this.server, false),
      this.path,
      { sliceMs: 2, keyDelayUs: this.server.config.int('rdb-key-save-delay') },
      (r) => this.finished(r),
    );
    try {
      job.start();
    } catch (e) {
      const msg = (e as Error).message;
      this.server.logger.warning(`Can't save in background: ${msg}`);
      this.lastBgsaveOk = false;
      this.updateDiskError();
      return msg;
    }
    this.job = job;
    this.server.stats.backgroundJobs++;
    this.jobStartedMs = Date.now();
    this.scheduled = false;
    this.server.logger.notice('Background saving started');
    return null;
  }

  /** Stops a running BGSAVE (or a final save) without a result (SHUTDOWN, FLUSHALL, a second SIGINT). */
  cancel(): void {
    const final = this.finalJob;
    if (final !== null) {
      this.finalJob = null;
      final.cancel('cancelled');
    }
    if (this.job === null) return;
    const job = this.job;
    this.job = null;
    job.cancel('cancelled');
    this.server.logger.warning('Background saving terminated by the server');
    this.onBackgroundDone?.('cancelled');
  }

  private finished(r: SnapshotFileResult): void {
    if (this.job === null) return; // cancelled
    this.job = null;
    this.lastBgsaveDurationS = Math.floor(r.durationMs / 1000);
    if (r.error === null) {
      this.server.logger.notice(`Background saving terminated with success (${r.keys} keys, ${r.bytes} bytes, ${r.durationMs} ms)`);
      this.succeeded(this.dirtyAtStart);
    } else {
      this.server.logger.warning(`Background saving error: ${r.error}`);
      this.lastBgsaveOk = false;
      this.updateDiskError();
    }
    this.onBackgroundDone?.(r.error);
  }

  /** A save of the image taken at dirty count `dirtyAtStart` succeeded. */
  private succeeded(dirtyAtStart: number): void {
    this.server.stats.dirty -= Math.min(dirtyAtStart, this.server.stats.dirty);
    this.lastSave = Math.floor(this.server.clock.now() / 1000);
    this.lastBgsaveOk = true;
    this.saves++;
    this.updateDiskError();
  }

  /** `save <seconds> <changes>` points, as parsed pairs. */
  private savePoints(): [number, number][] {
    const v = this.server.config.get('save');
    if (v === '') return [];
    const p = v.split(' ').map(Number);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < p.length; i += 2) out.push([p[i]!, p[i + 1]!]);
    return out;
  }

  hasSavePoints(): boolean {
    return this.server.config.get('save') !== '';
  }

  /** Once per cron tick: a scheduled BGSAVE, or a save point that is due. */
  cron(): void {
    if (this.inProgress || this.aofRewriteRunning()) return;
    if (this.scheduled) {
      this.startBackground();
      return;
    }
    const now = Math.floor(this.server.clock.now() / 1000);
    const dirty = this.server.stats.dirty;
    for (const [seconds, changes] of this.savePoints()) {
      if (dirty >= changes && now - this.lastSave > seconds && (this.lastBgsaveOk || now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY_S)) {
        this.server.logger.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.startBackground();
        return;
      }
    }
  }

  /** stop-writes-on-bgsave-error: refuse writes while the last save failed (and saving is configured). */
  updateDiskError(): void {
    const refuse = !this.lastBgsaveOk && this.hasSavePoints() && this.server.config.bool('stop-writes-on-bgsave-error');
    this.rdbRefusal = refuse ? errors.rdbMisconf : null;
    this.server.refreshDiskError();
  }

  /** the RDB part of server.diskError */
  rdbRefusal: string | null = null;
}
