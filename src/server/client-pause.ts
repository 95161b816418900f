/**
 * CLIENT PAUSE / UNPAUSE. While a pause is on, a connection whose next command is
 * affected holds that command (and everything it sent after it) until the pause ends;
 * then held connections resume in the order they were held, as Redis's postponed clients.
 *
 * Affected commands, as Redis 7.2's processCommand decides:
 *  - ALL: every command that would run (one that fails lookup, arity or authentication is
 *    answered at once with its error);
 *  - WRITE: commands flagged `write` or `may_replicate` (EVAL, PUBLISH, PFCOUNT...), and
 *    EXEC when the transaction queued such a command; a script or function that declared
 *    its flags is judged by them instead (no-writes runs, scripting/script-command-flags.ts).
 * Replication links are never paused. The end is a single timer (no polling); UNPAUSE and
 * the timer resume the held connections on a later turn of the event loop, never inside
 * the command that ended the pause.
 */
import type { Command } from '../command-context/command-spec.js';
import type { CommandTable } from '../command-context/command-table.js';
import type { Client } from './client.js';

export type PauseMode = 'write' | 'all';

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the pause needs from a connection. */
export interface Resumable {
  /** runs the held command and whatever input followed it */
  resumeAfterPause(): void;
}

export class ClientPause {
  /** CLIENT PAUSE's mode (null: no CLIENT PAUSE) */
  mode: PauseMode | null = null;
  /**
   * FAILOVER's write pause (Redis's PAUSE_DURING_FAILOVER purpose), kept apart from CLIENT
   * PAUSE: CLIENT UNPAUSE does not end it, and it has no end time of its own.
   */
  private failoverHold = false;
  /** wall-clock end of the pause, ms */
  endsAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** connections holding a command, in the order they were held */
  private readonly held = new Set<Resumable>();
  /** told when no pause holds writes any more (replication's deferred GETACK) */
  private readonly endListeners: (() => void)[] = [];

  /**
   * `declaredWrites`: a script command's declared flags (true: writes, false: no-writes,
   * null: nothing declared)
   */
  constructor(
    private readonly commands: () => CommandTable,
    private readonly declaredWrites: (cmd: Command, argv: readonly string[]) => boolean | null = () => null,
  ) {}

  get active(): boolean {
    return this.mode !== null || this.failoverHold;
  }

  /** The stricter of CLIENT PAUSE's mode and FAILOVER's write pause. */
  private get effectiveMode(): PauseMode | null {
    return this.mode ?? (this.failoverHold ? 'write' : null);
  }

  /** FAILOVER: writes held while the target replica catches up, released when it ends. */
  setFailoverPause(on: boolean): void {
    this.failoverHold = on;
    if (!on) this.scheduleResume();
  }

  /** Number of connections currently held (INFO blocked_clients). */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Starts or extends a pause. As Redis, a later end time wins, and the stricter mode
   * stays until the pause ends (a client paused by ALL cannot be relaxed to WRITE).
   */
  pause(mode: PauseMode, durationMs: number, nowMs = Date.now()): void {
    const end = nowMs + durationMs;
    if (this.mode === null || mode === 'all') this.mode = mode;
    this.endsAt = Math.max(end, this.endsAt);
    this.arm();
  }

  unpause(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.mode = null;
    this.endsAt = 0;
    this.scheduleResume();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    // setTimeout takes at most 2^31-1 ms (a longer delay fires after 1 ms, in a loop):
    // a longer pause wakes up early and re-arms
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, this.endsAt - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (Date.now() < this.endsAt) {
        this.arm();
        return;
      }
      this.unpause();
    }, wait);
    // a pending pause must not keep a finished test process (or a closed server) alive
    this.timer.unref();
  }

  /** `fn` runs each time the last pause (CLIENT PAUSE or FAILOVER's) ends. */
  onEnd(fn: () => void): void {
    this.endListeners.push(fn);
  }

  private scheduleResume(): void {
    if (!this.active) for (const fn of this.endListeners) fn();
    if (this.held.size === 0) return;
    setImmediate(() => {
      const list = [...this.held];
      this.held.clear();
      // paused again before we got here (or another purpose still holds): each connection
      // re-checks its held command on resume and is held again if it still applies
      for (const c of list) c.resumeAfterPause();
    });
  }

  /** Records that `conn` holds a command until the pause ends. */
  hold(conn: Resumable): void {
    this.held.add(conn);
  }

  /** A closed connection no longer waits. */
  forget(conn: Resumable): void {
    this.held.delete(conn);
  }

  /** Stops the timer (server shutdown). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.mode = null;
    this.failoverHold = false;
    this.held.clear();
  }

  /** True if `argv` from `client` must wait for the pause to end. */
  holds(client: Client, argv: readonly string[]): boolean {
    const mode = this.effectiveMode;
    if (mode === null || client.role !== 'normal') return false;
    const cmd = this.resolve(argv);
    // commands that will fail their checks are answered right away, as in Redis
    if (cmd === undefined) return false;
    if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) return false;
    if (!client.authenticated && !cmd.noAuth) return false;
    if (client.multi !== null && cmd.noMulti) return false;
    if (mode === 'all') return true;
    if (this.writeLike(cmd, argv)) return true;
    if (cmd.fullName === 'exec' && client.multi !== null) {
      return client.multi.some((q) => {
        const c = this.resolve(q.argv);
        return c !== undefined && this.writeLike(c, q.argv);
      });
    }
    return false;
  }

  private writeLike(cmd: Command, argv: readonly string[]): boolean {
    const declared = this.declaredWrites(cmd, argv);
    if (declared !== null) return declared;
    return cmd.flags.includes('write') || cmd.flags.includes('may_replicate');
  }

  private resolve(argv: readonly string[]): Command | undefined {
    const top = this.commands().lookup(argv[0]!);
    if (top === undefined || top.subcommandMap === null || argv.length < 2) return top;
    return top.subcommandMap.get(argv[1]!.toLowerCase());
  }
}
