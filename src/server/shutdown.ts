/**
 * Shutdown as Redis 7.2 sequences it (server.c: sigShutdownHandler, prepareForShutdown,
 * finishShutdown, abortShutdown).
 *
 * - SIGTERM / SIGINT only *schedule* a shutdown (Redis's shutdown_asap): the next cron
 *   tick carries it out with the flags `shutdown-on-sigterm` / `shutdown-on-sigint` give,
 *   so `SHUTDOWN ABORT` in between cancels it (and DEBUG PAUSE-CRON holds it). A second
 *   SIGINT while one is pending is "You insist... exiting now.": exit 1 at once, the
 *   running background save's temp file removed.
 * - A signal while the dataset loads shuts down without saving (a half-loaded dataset
 *   must not overwrite the file).
 * - `finish(flags)` is finishShutdown's checks, shared by SHUTDOWN and the signals: while
 *   the AOF was just switched on and its first rewrite is still running, the server will
 *   not exit (the AOF would be lost) unless FORCE; the final RDB save (save points without
 *   NOSAVE, or SAVE) failing keeps the server up unless FORCE. Either refusal is logged
 *   with Redis's lines and cancels the shutdown; the server keeps serving.
 *
 * - A signal's final save: Redis saves in the foreground and its signal handler still acts
 *   on a second SIGINT (the temp file removed, exit 1). Node sees a signal only between
 *   turns of the event loop, so that save is written a slice at a time into Redis's
 *   `temp-<pid>.rdb` while every client is held (CLIENT PAUSE ALL: nothing is served during
 *   it, as nothing is during Redis's); a failure releases them and cancels the shutdown.
 *   SHUTDOWN (the command) saves in the foreground, as before.
 *
 * Not here: Redis waits up to `shutdown-timeout` for lagging replicas before the final
 * steps (README, differences).
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from './logger.js';

export interface ShutdownFlags {
  save: boolean;
  nosave: boolean;
  now: boolean;
  force: boolean;
}

/** What the sequence needs of the server. */
export interface ShutdownHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly loading: boolean;
  readonly persistence: {
    readonly aof: { readonly rewriting: boolean; readonly writer: { readonly waitingForFirstRewrite: boolean } | null };
    readonly rdb: { hasSavePoints(): boolean; cancel(): void; finalSave(done: (error: string | null) => void): string | null };
  };
  /** clients are held during a signal's final save */
  readonly pause: { pause(mode: 'all', durationMs: number): void; unpause(): void };
  /** the final snapshot (an error text or null); null without persistence */
  readonly snapshotOnShutdown: (() => string | null) | null;
  /** closes everything and exits (server.shutdown) */
  shutdown(): Promise<void>;
}

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

/** `shutdown-on-sig*` as flags (`default` = none). */
export function signalFlags(value: string): ShutdownFlags {
  const words = value.split(' ');
  return { save: words.includes('save'), nosave: words.includes('nosave'), now: words.includes('now'), force: words.includes('force') };
}

export class ShutdownSequence {
  /** a signal scheduled a shutdown the cron has not carried out yet (Redis's shutdown_asap) */
  private requested: ShutdownSignal | null = null;
  /** a signal's final save is being written (finalSave) */
  private saving = false;

  constructor(private readonly host: ShutdownHost) {}

  get pending(): boolean {
    return this.requested !== null;
  }

  /**
   * The signal handler's part. Returns true when the process must exit(1) now (a second
   * SIGINT: the user insists).
   */
  signal(sig: ShutdownSignal): boolean {
    const log = this.host.logger;
    if ((this.requested !== null || this.saving) && sig === 'SIGINT') {
      log.warning('You insist... exiting now.');
      this.host.persistence.rdb.cancel();
      return true;
    }
    log.warning(this.host.loading ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${sig} scheduling shutdown...`);
    this.requested = sig;
    return false;
  }

  /** Once per cron tick: a scheduled shutdown is carried out (or fails, and is forgotten). */
  cron(): void {
    const sig = this.requested;
    if (sig === null) return;
    this.requested = null;
    const flags = this.host.loading
      ? { save: false, nosave: true, now: false, force: false }
      : signalFlags(this.host.config.get(sig === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint'));
    if (!this.host.loading && this.host.snapshotOnShutdown !== null && this.saveNeeded(flags)) {
      // the final save in slices, so a second SIGINT is still seen (header)
      if (!this.aofAllows(flags)) return;
      this.host.logger.notice('Saving the final RDB snapshot before exiting.');
      this.host.pause.pause('all', 2 ** 31 - 1);
      this.saving = true;
      const refused = this.host.persistence.rdb.finalSave((error) => this.finalSaved(error, flags));
      if (refused !== null) this.finalSaved(refused, flags);
      return;
    }
    if (this.finish(flags)) void this.host.shutdown();
  }

  private finalSaved(error: string | null, flags: ShutdownFlags): void {
    if (!this.saving) return;
    this.saving = false;
    if (error !== null) {
      if (!flags.force) {
        this.host.pause.unpause();
        this.host.logger.warning(`Error trying to save the DB, can't exit: ${error}`);
        this.failed();
        return;
      }
      this.host.logger.warning(`Error trying to save the DB. Exit anyway: ${error}`);
    }
    void this.host.shutdown();
  }

  /** SHUTDOWN ABORT: true when a scheduled shutdown was cancelled. */
  abort(): boolean {
    if (this.requested === null) return false;
    this.requested = null;
    this.host.logger.notice('Shutdown manually aborted.');
    return true;
  }

  /**
   * finishShutdown's checks and the final save; true when the server may now close and
   * exit. On false the reasons were logged and the server keeps running.
   */
  finish(flags: ShutdownFlags): boolean {
    const { logger: log } = this.host;
    if (!this.aofAllows(flags)) return false;
    if (this.saveNeeded(flags)) {
      const snapshot = this.host.snapshotOnShutdown;
      const err = snapshot === null ? 'no persistence layer is available to write a snapshot' : snapshot();
      if (err !== null) {
        if (!flags.force) {
          log.warning(`Error trying to save the DB, can't exit: ${err}`);
          return this.failed();
        }
        log.warning(`Error trying to save the DB. Exit anyway: ${err}`);
      }
    }
    return true;
  }

  /** The AOF's first rewrite still running refuses the exit unless FORCE (logged). */
  private aofAllows(flags: ShutdownFlags): boolean {
    const aof = this.host.persistence.aof;
    if (aof.rewriting && aof.writer?.waitingForFirstRewrite === true) {
      if (!flags.force) {
        this.host.logger.warning("Writing initial AOF, can't exit.");
        return this.failed();
      }
      this.host.logger.warning('Writing initial AOF. Exit anyway.');
    }
    return true;
  }

  /** SAVE, or save points without NOSAVE (never while loading). */
  private saveNeeded(flags: ShutdownFlags): boolean {
    const nosave = flags.nosave || this.host.loading;
    return flags.save || (this.host.persistence.rdb.hasSavePoints() && !nosave);
  }

  private failed(): false {
    this.host.logger.warning('Errors trying to shut down the server. Check the logs for more information.');
    this.requested = null;
    return false;
  }
}
