/**
 * `oom-score-adj` and `oom-score-adj-values`: the process's /proc/self/oom_score_adj follows
 * the class of its role, as Redis 7.2's setOOMScoreAdj does.
 *
 * - `no`: untouched; a server that had adjusted it puts back the score it found before its
 *   first adjustment (so CONFIG SET back to `no` restores what the operator had set).
 * - `yes` / `relative`: the role's value is added to that base; `absolute`: the value as is.
 *   The result is clamped to the kernel's [-1000, 1000].
 * - The class is the primary's (first value) or, while following a primary, the replica's
 *   (second). Redis gives its forked background child (BGSAVE, AOF rewrite) the third value;
 *   Redoubt's background saves run inside the server process, with no child, so the third
 *   value is accepted, shown and rewritten but applies to nothing.
 * - A failed read or write (no /proc, or lowering the score without CAP_SYS_RESOURCE) is
 *   logged as Redis logs it, and CONFIG SET fails with Redis's reason and rolls back.
 *
 * Contract: `apply` is re-run by the config hook (either setting) and by replication when
 * the role changes (`roleChanged`); it is cheap and only touches /proc when enabled or when
 * restoring.
 */
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import type { ConfigStore } from '../config/config-store.js';
import { errors } from '../errors.js';
import type { Logger } from './logger.js';

export interface OomScoreHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  /** true while this server follows a primary (the replica class) */
  isReplica(): boolean;
}

export class OomScoreAdj {
  /** a score was written by this server; `base` is what it found before */
  private adjusted = false;
  private base = 0;

  constructor(
    private readonly host: OomScoreHost,
    /** the file written (tests point it elsewhere) */
    private readonly path = '/proc/self/oom_score_adj',
  ) {
    host.config.onChange(['oom-score-adj', 'oom-score-adj-values'], () => (this.apply() ? null : errors.oomScoreAdjFailed));
  }

  /** The role changed (REPLICAOF, a promotion): the score follows its class. */
  roleChanged(): void {
    this.apply();
  }

  /** Writes the score the settings and the role give; false (logged) when /proc refused. */
  apply(): boolean {
    const mode = this.host.config.get('oom-score-adj');
    let val: number;
    if (mode !== 'no') {
      if (!this.adjusted) {
        this.adjusted = true;
        let text: string;
        try {
          text = readFileSync(this.path, 'latin1');
        } catch (e) {
          this.host.logger.warning(`Unable to read oom_score_adj: ${reason(e)}`);
          return false;
        }
        this.base = Number.parseInt(text, 10) || 0;
      }
      const values = this.host.config.get('oom-score-adj-values').split(' ').map(Number);
      val = values[this.host.isReplica() ? 1 : 0] ?? 0;
      if (mode !== 'absolute') val += this.base;
      val = Math.max(-1000, Math.min(1000, val));
    } else if (this.adjusted) {
      this.adjusted = false;
      val = this.base;
    } else {
      return true;
    }
    try {
      // as Redis: an existing file opened for writing only (never created)
      const fd = openSync(this.path, constants.O_WRONLY);
      try {
        writeSync(fd, `${val}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      this.host.logger.warning(`Unable to write oom_score_adj: ${reason(e)}`);
      return false;
    }
    return true;
  }
}

/** The system's reason, as Node words it ("EACCES: permission denied, open '…'"). */
function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
