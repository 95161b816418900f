/**
 * A long script on one thread (Redis 7.2's script.c run context, issue 12).
 *
 * Redis runs a script synchronously; past `busy-reply-threshold` its count hook
 * processes events while blocked, so other clients get -BUSY and SCRIPT KILL can
 * arrive. Node cannot process events inside a synchronous call, so the engine
 * pauses the script instead (a coroutine yield from the count hook) and the gate
 * lets the event loop turn, then resumes it (setImmediate: after the turn's I/O).
 *
 * Invariants while a script is paused ("suspended"):
 *  - no other client's command runs: the dispatcher asks `refusal` and answers
 *    -BUSY, except the commands flagged `allow_busy` (AUTH, HELLO, MULTI, WATCH,
 *    SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN, …), none of which touches keys;
 *  - nothing timed changes the keyspace: the server cron (active expiry, AOF
 *    rewrite steps, idle timeouts), background eviction and blocked clients'
 *    timeouts wait (they test `suspended`);
 *  - the script's own client reads nothing more (its pipelined commands wait, as
 *    behind a blocking command) and its command's end — statistics, the write
 *    feed's unit, the slow log — waits too (Dispatcher.defer), so the script's
 *    writes stay one unit however many slices it took;
 *  - the server's cached time is the script's start time in every slice.
 * Before the threshold nothing pauses: the script runs to its end in one go, as
 * in Redis (where the server is blocked meanwhile). A script run inside EXEC or
 * without a connection (AOF loading) never pauses either.
 */
import { performance } from 'node:perf_hooks';
import { errors } from '../errors.js';
import { reply, type Reply } from '../protocol/reply.js';
import type { Command } from '../command-model/command-spec.js';
import type { CommandContext } from '../command-model/context.js';
import type { ScriptControl, ScriptJob, ScriptsService } from '../command-model/services.js';
import type { DeferredCall } from '../commands/dispatcher.js';
import type { Client } from './client.js';
import { internalErrorLog } from './internal-error-log.js';
import type { Server } from './server.js';

/** How long a slice of a suspended script runs before the loop turns again, ms. */
const SLICE_MS = 5;

/** What the gate needs of the server. */
export interface ScriptBusyHost {
  /** busy-reply-threshold (alias lua-time-limit), ms */
  threshold(): number;
  readonly logger: { warning(message: string): void; notice(message: string): void };
  /** the live connection of a client (to send a late reply), if any */
  connectionOf(client: Client): { unblocked(r: Reply | null): void } | undefined;
  /** Dispatcher.defer: the current command's end waits for its late reply */
  deferCall(): DeferredCall;
  /** the server's cached time, ms */
  now(): number;
  /** a slice starts: `client` is the one whose command runs, the cached time is `time` */
  enterSlice(client: Client, time: number): void;
  exitSlice(): void;
}

interface RunningScript {
  readonly job: ScriptJob;
  readonly client: Client;
  readonly conn: { unblocked(r: Reply | null): void } | undefined;
  readonly threshold: number;
  readonly startedAt: number;
  /** the cached time when the command started (frozen for the script) */
  readonly time: number;
  sliceStart: number;
  /** past the threshold (Redis's SCRIPT_TIMEDOUT) */
  timedOut: boolean;
  /** paused: the event loop is turning */
  suspended: boolean;
  /** SCRIPT KILL / FUNCTION KILL accepted */
  killed: boolean;
  /** a write command ran (Redis's SCRIPT_WRITE_DIRTY) */
  wrote: boolean;
  deferred: DeferredCall | null;
}

function busyText(kind: 'eval' | 'function'): string {
  return kind === 'eval' ? errors.busyScriptEval : errors.busyScriptFunction;
}

export class ScriptBusyGate implements ScriptsService {
  private cur: RunningScript | null = null;
  private timer: NodeJS.Immediate | null = null;

  constructor(private readonly host: ScriptBusyHost) {}

  /** A script is paused: other clients' commands must not run, timers must not write. */
  get suspended(): boolean {
    return this.cur !== null && this.cur.suspended;
  }

  /** The -BUSY text for a command from another client while suspended, or null (it may run). */
  refusal(cmd: Command): string | null {
    const cur = this.cur;
    if (cur === null || !cur.suspended || cmd.flags.includes('allow_busy')) return null;
    return busyText(cur.job.kind);
  }

  busyError(): string | null {
    const cur = this.cur;
    return cur !== null && cur.suspended ? busyText(cur.job.kind) : null;
  }

  running(): { readonly kind: 'eval' | 'function'; readonly name: string; readonly durationMs: number } | null {
    const cur = this.cur;
    if (cur === null) return null;
    return { kind: cur.job.kind, name: cur.job.name, durationMs: Math.floor(performance.now() - cur.startedAt) };
  }

  execute(ctx: CommandContext, job: ScriptJob): Reply | null {
    // a script cannot start while one is paused (EVAL is not allowed while busy),
    // nor from inside a script (EVAL is `noscript`); refuse rather than interleave
    if (this.cur !== null) return reply.error(busyText(this.cur.job.kind));
    const client = ctx.client;
    const now = performance.now();
    const s: RunningScript = {
      job,
      client,
      conn: client.inExec ? undefined : this.host.connectionOf(client),
      threshold: this.host.threshold(),
      startedAt: now,
      time: this.host.now(),
      sliceStart: now,
      timedOut: false,
      suspended: false,
      killed: false,
      wrote: false,
      deferred: null,
    };
    const control: ScriptControl = {
      interrupt: () => this.interrupt(s),
      pause: () => this.wantPause(s),
      markWrite: () => {
        s.wrote = true;
      },
    };
    this.cur = s;
    let out: Reply | 'paused';
    try {
      out = job.start(control);
    } catch (e) {
      this.cur = null;
      throw e;
    }
    if (out !== 'paused') {
      this.cur = null;
      return out;
    }
    s.suspended = true;
    s.deferred = this.host.deferCall();
    // the client's pipelined input waits behind the script (Connection.processInput)
    client.blocked = true;
    this.schedule(s);
    return null;
  }

  kill(kind: 'eval' | 'function'): Reply {
    const s = this.cur;
    if (s === null) return reply.error(errors.notBusy);
    if (s.wrote) return reply.error(errors.unkillable);
    if (kind === 'eval' && s.job.kind !== 'eval') return reply.error(errors.busyScriptFunction);
    if (kind === 'function' && s.job.kind === 'eval') return reply.error(errors.busyScriptEval);
    s.killed = true;
    return reply.ok;
  }

  /** The server stops (SHUTDOWN NOSAVE): the paused script is dropped, never resumed. */
  stop(): void {
    if (this.timer !== null) clearImmediate(this.timer);
    this.timer = null;
    const s = this.cur;
    this.cur = null;
    if (s === null) return;
    s.client.blocked = false;
    try {
      s.job.abandon();
    } catch (e) {
      internalErrorLog(this.host.logger).report('abandoning a paused script', e);
    }
  }

  private interrupt(s: RunningScript): string | null {
    if (!s.killed) return null;
    this.host.logger.notice('Lua script killed by user with SCRIPT KILL.');
    return errors.scriptKilled;
  }

  /** Asked by the count hook: pause once past the threshold, then every SLICE_MS. */
  private wantPause(s: RunningScript): boolean {
    if (s.conn === undefined) return false;
    const now = performance.now();
    if (!s.timedOut) {
      const elapsed = now - s.startedAt;
      if (elapsed < s.threshold) return false;
      s.timedOut = true;
      this.host.logger.warning(
        `Slow script detected: still in execution after ${Math.floor(elapsed)} milliseconds. ` +
          `You can try killing the script using the ${s.job.kind === 'eval' ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${s.job.name}.`,
      );
      return true;
    }
    return now - s.sliceStart >= SLICE_MS;
  }

  private schedule(s: RunningScript): void {
    this.timer = setImmediate(() => {
      this.timer = null;
      if (this.cur === s) this.slice(s);
    });
  }

  /** Runs the script until its next pause or its end; at the end the reply goes out. */
  private slice(s: RunningScript): void {
    s.suspended = false;
    s.sliceStart = performance.now();
    this.host.enterSlice(s.client, s.time);
    let out: Reply | null;
    try {
      const step = s.job.resume();
      if (step === 'paused') {
        s.suspended = true;
        this.schedule(s);
        return;
      }
      this.cur = null;
      s.client.blocked = false;
      out = s.deferred !== null ? s.deferred.complete(step) : step;
    } catch (e) {
      // the job guards the engine; this is a bug in the glue: the client gets an
      // error, the server goes on
      this.cur = null;
      s.client.blocked = false;
      internalErrorLog(this.host.logger).report('resuming a script', e);
      out = s.deferred !== null ? s.deferred.complete(reply.error(errors.internal)) : reply.error(errors.internal);
    } finally {
      this.host.exitSlice();
    }
    s.conn?.unblocked(out);
  }
}

/** The gate's view of the server (built once; reads the server's fields lazily). */
export function scriptBusyHost(server: Server): ScriptBusyHost {
  return {
    threshold: () => server.config.int('busy-reply-threshold'),
    get logger() {
      return server.logger;
    },
    connectionOf: (client) => server.connections.get(client.id),
    deferCall: () => server.dispatcher.defer(),
    now: () => server.now(),
    enterSlice: (client, time) => {
      server.current = client;
      server.setCachedTime(time);
    },
    exitSlice: () => {
      server.current = null;
    },
  };
}
