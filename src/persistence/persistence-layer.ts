/**
 * The persistence layer as the server sees it: RDB snapshots (persistence.ts), and the
 * hooks the server calls — once per cron tick, before replies leave (the AOF must be
 * written first), at shutdown — plus INFO persistence.
 */
import type { PersistenceHost } from './persistence-host.js';
import { RdbPersistence } from './persistence.js';
import { AofPersistence } from './aof-manager.js';
import { ReplyBarrier } from './reply-barrier.js';
import { rdbSnapshotEncoder } from './snapshot-encoders.js';
import { collectAfterLoad, loadRdbAtStart } from './loading.js';
import type { InfoFields } from '../server/info-registry.js';

export class PersistenceLayer {
  readonly rdb: RdbPersistence;
  readonly aof: AofPersistence;
  /** replies wait for the AOF write of the commands behind them (reply-barrier.ts) */
  readonly replies: ReplyBarrier;
  /** start-up loading figures (INFO persistence loading_*) */
  loadingStartedAt = 0;
  loadingTotalBytes = 0;
  loadingLoadedBytes = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;

  private lastProgressLog = 0;
  /** false until start-up loading is over: config hooks then act on the running server */
  started = false;

  constructor(private readonly server: PersistenceHost) {
    this.rdb = new RdbPersistence(server, rdbSnapshotEncoder);
    this.aof = new AofPersistence(server);
    this.replies = new ReplyBarrier(this.aof);
    // one background snapshot at a time, as Redis runs one child at a time
    this.rdb.aofRewriteRunning = () => this.aof.rewriting;
    this.aof.bgsaveRunning = () => this.rdb.inProgress;
    this.registerConfig();
    server.info.register('persistence', () => this.infoFields());
  }

  /** The settings whose change the snapshot and AOF machinery act on at once. */
  private registerConfig(): void {
    const config = this.server.config;
    config.onChange(['save', 'stop-writes-on-bgsave-error'], () => {
      this.rdb.updateDiskError();
      return null;
    });
    // CONFIG SET appendonly: yes starts the AOF with a rewrite of the dataset, no closes it
    // (Redis's startAppendOnly / stopAppendOnly). At start-up the loader opens it instead.
    config.onChange('appendonly', (v) => {
      if (!this.started) return null;
      if (v === 'yes') return this.aof.enable();
      this.aof.disable();
      return null;
    });
    config.onChange('rdb-key-save-delay', (v) => {
      this.rdb.setKeyDelay(Number(v));
      this.aof.setKeyDelay(Number(v));
      return null;
    });
    config.onChange('appendfsync', (v) => {
      this.aof.setFsync(v as 'everysec' | 'always' | 'no');
      return null;
    });
    config.onChange('aof-use-rdb-preamble', (v) => {
      this.aof.setUseRdbPreamble(v === 'yes');
      return null;
    });
    config.onChange('aof-timestamp-enabled', (v) => {
      this.aof.writer?.setTimestampEnabled(v === 'yes');
      return null;
    });
  }

  /**
   * Start-up: the AOF when appendonly is yes (then opened for appending), else the RDB
   * file. Throws LoadError (already logged) when a file cannot be loaded completely.
   */
  async load(): Promise<void> {
    const s = this.server;
    s.loading = true;
    this.loadingStartedAt = Date.now();
    try {
      if (s.config.bool('appendonly')) await this.aof.loadAndOpen();
      else await loadRdbAtStart(s);
      collectAfterLoad(s);
    } finally {
      s.loading = false;
      this.started = true;
      // as Redis: what was loaded is not a change to save again
      s.stats.dirty = 0;
    }
  }

  beginLoading(totalBytes: number): void {
    this.loadingTotalBytes = totalBytes;
    this.loadingLoadedBytes = 0;
  }

  /** A progress line at most every two seconds while big files load. */
  maybeLogProgress(file: string, done: number, total: number): void {
    const now = Date.now();
    if (now - this.lastProgressLog < 2000 || now - this.loadingStartedAt < 2000) return;
    this.lastProgressLog = now;
    const mb = (n: number): string => (n / (1024 * 1024)).toFixed(1);
    this.server.logger.notice(`Loading ${file}: ${total > 0 ? Math.floor((done / total) * 100) : 100}% (${mb(done)} MB of ${mb(total)} MB)`);
  }

  cron(): void {
    if (this.server.loading) return;
    this.aof.cron();
    this.rdb.cron();
  }

  /** The MISCONF refusal in force, or null. */
  diskError(): string | null {
    return this.aof.refusal() ?? this.rdb.rdbRefusal;
  }

  /**
   * SHUTDOWN's save: a running BGSAVE is dropped (its image is older) and the dataset is
   * written now. Returns an error text or null (the server then stays up unless FORCE).
   */
  shutdownSave(): string | null {
    this.rdb.cancel();
    this.server.logger.notice('Saving the final RDB snapshot before exiting.');
    return this.rdb.saveNow();
  }

  /**
   * The server closes: background work stops; the AOF is written, fsynced and closed.
   * Resolves once a rewrite's manifest write left in flight has landed, so a server
   * started next on the same directory reads the manifest that stays.
   */
  close(): Promise<void> {
    this.rdb.cancel();
    if (this.aof.enabled) {
      this.server.logger.notice('Calling fsync() on the AOF file.');
      this.aof.disable();
    }
    return this.aof.manifestSettled();
  }

  /** INFO persistence: Redis 7.2's fields in its order (no fork: the copy-on-write figures are 0). */
  private infoFields(): InfoFields {
    const s = this.server;
    const rdb = this.rdb;
    const aofInfo = this.aof.writer?.info() ?? null;
    const fields: InfoFields = [
      ['loading', s.loading ? 1 : 0],
      ['async_loading', 0],
      ['current_cow_peak', 0],
      ['current_cow_size', 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', '0.00'],
      ['current_save_keys_processed', rdb.currentKeys],
      ['current_save_keys_total', rdb.inProgress ? this.totalKeys() : 0],
      ['rdb_changes_since_last_save', s.stats.dirty],
      ['rdb_bgsave_in_progress', rdb.inProgress ? 1 : 0],
      ['rdb_last_save_time', rdb.lastSave],
      ['rdb_last_bgsave_status', rdb.lastBgsaveOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', rdb.lastBgsaveDurationS],
      ['rdb_current_bgsave_time_sec', rdb.currentDurationS],
      ['rdb_saves', rdb.saves],
      ['rdb_last_cow_size', 0],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
      ['aof_enabled', aofInfo !== null ? 1 : 0],
      ['aof_rewrite_in_progress', this.aof.rewriting ? 1 : 0],
      ['aof_rewrite_scheduled', this.aof.scheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.aof.lastRewriteDurationS],
      ['aof_current_rewrite_time_sec', this.aof.currentRewriteS],
      ['aof_last_bgrewrite_status', aofInfo?.aof_last_bgrewrite_status ?? (this.aof.offlineLastOk ? 'ok' : 'err')],
      ['aof_rewrites', (aofInfo?.aof_rewrites ?? 0) + this.aof.offlineRewrites],
      ['aof_rewrites_consecutive_failures', aofInfo?.aof_rewrites_consecutive_failures ?? 0],
      ['aof_last_write_status', aofInfo?.aof_last_write_status ?? 'ok'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (aofInfo !== null) {
      fields.push(
        ['aof_current_size', aofInfo.aof_current_size],
        ['aof_base_size', aofInfo.aof_base_size],
        ['aof_pending_rewrite', this.aof.scheduled ? 1 : 0],
        ['aof_buffer_length', aofInfo.aof_buffer_length],
        ['aof_pending_bio_fsync', aofInfo.aof_pending_bio_fsync],
        ['aof_delayed_fsync', aofInfo.aof_delayed_fsync],
      );
    }
    if (s.loading) {
      const elapsed = Math.max(0, Math.floor((Date.now() - this.loadingStartedAt) / 1000));
      const perc = this.loadingTotalBytes > 0 ? (this.loadingLoadedBytes / this.loadingTotalBytes) * 100 : 0;
      const eta = perc > 0 ? Math.floor((elapsed * (100 - perc)) / perc) : 1;
      fields.push(
        ['loading_start_time', Math.floor(this.loadingStartedAt / 1000)],
        ['loading_total_bytes', this.loadingTotalBytes],
        ['loading_rdb_used_mem', 0],
        ['loading_loaded_bytes', this.loadingLoadedBytes],
        ['loading_loaded_perc', perc.toFixed(2)],
        ['loading_eta_seconds', eta],
      );
    }
    return fields;
  }

  private totalKeys(): number {
    let n = 0;
    for (const db of this.server.dbs) n += db.size;
    return n;
  }
}
