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
 * during AOF loading pauses too (as Redis's hook processes events there as well):
 * its reply goes to the client's ScriptContinuation, which goes on with the
 * transaction or the file; while loading, other clients get -LOADING first (the
 * dispatcher's order, as Redis's processCommand). Without a connection or a
 * continuation the script runs to its end.
 */
import { performance } from 'node:perf_hooks';
import { errors } from '../errors.js';
import { reply, type Reply } from '../protocol/reply.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import type { ScriptControl, ScriptJob, ScriptsService } from '../command-context/services.js';
import type { DeferredCall } from '../commands/dispatcher.js';
import type { Client, ClientDebugger, ScriptContinuation } from './client.js';
import type { ScriptDebugStop } from '../command-context/services.js';
import { internalErrorLog } from './internal-error-log.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from './logger.js';

/** How long a slice of a suspended script runs before the loop turns again, ms. */
const SLICE_MS = 5;

/** What the gate needs of the server. */
export interface ScriptBusyHost {
  /** busy-reply-threshold (alias lua-time-limit), ms */
  threshold(): number;
  readonly logger: { warning(message: string): void; notice(message: string): void };
  /** the live connection of a client (to send a late reply), if any */
  connectionOf(client: Client): LateReply | undefined;
  /** Dispatcher.defer: the current command's end waits for its late reply */
  deferCall(): DeferredCall;
  /** the server's cached time, ms */
  now(): number;
  /** a slice starts: `client` is the one whose command runs, the cached time is `time` */
  enterSlice(client: Client, time: number): void;
  exitSlice(): void;
}

function busyText(kind: 'eval' | 'function'): string {
  return kind === 'eval' ? errors.busyScriptEval : errors.busyScriptFunction;
}

/** A connection as the gate uses it: the late reply; for the Lua debugger, its log and its input. */
type LateReply = {
  unblocked(r: Reply | null): void;
  push(r: Reply): void;
  /** reads the input that waited (the debugger waits for a command again) */
  resumeInput(): void;
};

/**
 * Runs never nest (EVAL and FCALL are `noscript`, and refused while a script is
 * paused), so the run's state lives in the gate's fields and a run allocates
 * nothing here unless it pauses.
 */
export class ScriptBusyGate implements ScriptsService {
  private job: ScriptJob | null = null;
  private client: Client | null = null;
  /** where the late reply goes; undefined: this run never pauses (EXEC, no connection) */
  private conn: LateReply | undefined = undefined;
  /** or what goes on after the script (EXEC, AOF loading): it gets the late reply */
  private cont: ScriptContinuation | null = null;
  private threshold = 0;
  private startedAt = 0;
  /** the cached time when the command started (frozen for the script) */
  private time = 0;
  private sliceStart = 0;
  /** past the threshold (Redis's SCRIPT_TIMEDOUT) */
  private timedOut = false;
  /** paused: the event loop is turning */
  private paused = false;
  /** SCRIPT KILL / FUNCTION KILL accepted */
  private killed = false;
  /** a write command ran (Redis's SCRIPT_WRITE_DIRTY) */
  private wrote = false;
  private deferred: DeferredCall | null = null;
  /** counts runs, so a resume scheduled for an ended run does nothing */
  private generation = 0;
  private timer: NodeJS.Immediate | null = null;
  private readonly control: ScriptControl = {
    interrupt: () => this.interrupt(),
    pause: () => this.wantPause(),
    markWrite: () => {
      this.wrote = true;
    },
  };

  constructor(private readonly host: ScriptBusyHost) {}

  /** A script is paused: other clients' commands must not run, timers must not write. */
  get suspended(): boolean {
    return this.paused;
  }

  /** The -BUSY text for a command from another client while suspended, or null (it may run). */
  refusal(cmd: Command): string | null {
    const job = this.job;
    if (job === null || !this.paused || cmd.flags.includes('allow_busy')) return null;
    return busyText(job.kind);
  }

  busyError(): string | null {
    return this.job !== null && this.paused ? busyText(this.job.kind) : null;
  }

  running(): { readonly kind: 'eval' | 'function'; readonly name: string; readonly durationMs: number } | null {
    const job = this.job;
    if (job === null) return null;
    return { kind: job.kind, name: job.name, durationMs: Math.floor(performance.now() - this.startedAt) };
  }

  startedAtUs(): number {
    return Math.floor((performance.timeOrigin + this.startedAt) * 1000);
  }

  execute(ctx: CommandContext, job: ScriptJob): Reply | null {
    // a script cannot start while one runs or is paused (EVAL is `noscript` and not
    // allowed while busy); refuse rather than interleave
    if (this.job !== null) return reply.error(busyText(this.job.kind));
    this.job = job;
    this.client = ctx.client;
    this.conn = undefined;
    this.cont = null;
    this.threshold = this.host.threshold();
    this.startedAt = performance.now();
    this.time = this.host.now();
    this.timedOut = false;
    this.paused = false;
    this.killed = false;
    this.wrote = false;
    this.deferred = null;
    this.generation++;
    let out: Reply | 'paused' | 'debug';
    try {
      out = job.start(this.control);
    } catch (e) {
      this.end();
      throw e;
    }
    if (out !== 'paused' && out !== 'debug') {
      this.end();
      return out;
    }
    this.paused = true;
    this.deferred = this.host.deferCall();
    // the client's pipelined input waits behind the script (Connection.processInput)
    ctx.client.blocked = true;
    if (out === 'debug') this.debugStop(job.debug!);
    else this.schedule();
    return null;
  }

  // ---- the Lua debugger (SCRIPT DEBUG SYNC, scripting/lua-debugger.ts) ----------
  //
  // A debugged script stops (a 'debug' step) and stays suspended, as paused, until
  // its client sends a debugger command: the connection hands that client's input to
  // `debugger` while `waiting`; 'resume' schedules a slice as after a pause. Other
  // clients meanwhile get -BUSY. The session's end sends "<endsession>", the reply,
  // and closes the connection, as Redis does.

  /** the script stopped in the debugger and waits for a command */
  private debugWaiting = false;
  private readonly clientDebugger: ClientDebugger = ((gate: ScriptBusyGate): ClientDebugger => ({
    get waiting(): boolean {
      return gate.debugWaiting;
    },
    input: (argv) => gate.debugInput(argv),
    gone: (now) => gate.debugGone(now),
  }))(this);

  private debugStop(d: ScriptDebugStop): void {
    const client = this.client!;
    this.conn ??= this.host.connectionOf(client);
    const conn = this.conn;
    if (conn === undefined) {
      // nobody to talk to: the script goes on without stops
      d.detach();
      this.schedule();
      return;
    }
    this.debugWaiting = true;
    client.debugger = this.clientDebugger;
    conn.push(d.take());
    conn.resumeInput();
  }

  private debugInput(argv: string[]): Reply[] {
    const d = this.job?.debug ?? null;
    if (d === null || !this.debugWaiting) return [];
    const verdict = d.command(argv);
    if (verdict === 'stay') return [d.take()];
    if (verdict === 'resume') {
      this.debugWaiting = false;
      this.schedule();
      return [];
    }
    // abort: the script ended with its error reply
    const client = this.client!;
    const deferred = this.deferred;
    this.debugWaiting = false;
    this.end();
    client.blocked = false;
    client.debugger = null;
    client.closeAfterReply = true;
    const out = deferred !== null ? deferred.complete(verdict) : verdict;
    return out === null ? [d.end()] : [d.end(), out];
  }

  private debugGone(now: boolean): void {
    const d = this.job?.debug ?? null;
    if (this.client !== null) this.client.debugger = null;
    if (d === null) return;
    d.detach();
    if (!this.debugWaiting) return;
    this.debugWaiting = false;
    if (now) this.slice();
    else this.schedule();
  }

  kill(kind: 'eval' | 'function'): Reply {
    const job = this.job;
    if (job === null) return reply.error(errors.notBusy);
    if (this.wrote) return reply.error(errors.unkillable);
    // a script in a Lua debugger session runs only as its debugging client says
    if (job.debug !== null) return reply.error(errors.scriptDebugUnkillable);
    if (kind === 'eval' && job.kind !== 'eval') return reply.error(errors.busyScriptFunction);
    if (kind === 'function' && job.kind === 'eval') return reply.error(errors.busyScriptEval);
    this.killed = true;
    return reply.ok;
  }

  /** The server stops (SHUTDOWN NOSAVE): the paused script is dropped, never resumed. */
  stop(): void {
    if (this.timer !== null) clearImmediate(this.timer);
    this.timer = null;
    const job = this.job;
    const client = this.client;
    this.end();
    this.debugWaiting = false;
    if (job === null) return;
    if (client !== null) {
      client.blocked = false;
      client.debugger = null;
    }
    try {
      job.abandon();
    } catch (e) {
      internalErrorLog(this.host.logger).report('abandoning a paused script', e);
    }
  }

  private end(): void {
    this.job = null;
    this.client = null;
    this.conn = undefined;
    this.cont = null;
    this.paused = false;
    this.deferred = null;
  }

  private interrupt(): string | null {
    if (!this.killed) return null;
    this.host.logger.notice('Lua script killed by user with SCRIPT KILL.');
    return errors.scriptKilled;
  }

  /** Asked by the count hook: pause once past the threshold, then every SLICE_MS. */
  private wantPause(): boolean {
    const now = performance.now();
    if (this.timedOut) return (this.conn !== undefined || this.cont !== null) && now - this.sliceStart >= SLICE_MS;
    const elapsed = now - this.startedAt;
    if (elapsed < this.threshold) return false;
    this.timedOut = true;
    const job = this.job!;
    this.host.logger.warning(
      `Slow script detected: still in execution after ${Math.floor(elapsed)} milliseconds. ` +
        `You can try killing the script using the ${job.kind === 'eval' ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${job.name}.`,
    );
    // EXEC and AOF loading go on after the script (their continuation); otherwise the
    // late reply goes to the connection; with neither the script runs to its end
    const client = this.client!;
    this.cont = client.scriptContinuation;
    if (this.cont !== null) return true;
    this.conn = client.inExec ? undefined : this.host.connectionOf(client);
    return this.conn !== undefined;
  }

  private schedule(): void {
    const generation = this.generation;
    this.timer = setImmediate(() => {
      this.timer = null;
      if (this.job !== null && this.generation === generation) this.slice();
    });
  }

  /** Runs the script until its next pause or its end; at the end the reply goes out. */
  private slice(): void {
    const job = this.job!;
    const client = this.client!;
    const conn = this.conn;
    const cont = this.cont;
    const time = this.time;
    const deferred = this.deferred;
    const debug = job.debug;
    this.paused = false;
    this.sliceStart = performance.now();
    this.host.enterSlice(client, this.time);
    let out: Reply | null;
    try {
      const step = job.resume();
      if (step === 'paused') {
        this.paused = true;
        this.schedule();
        return;
      }
      if (step === 'debug') {
        this.paused = true;
        // the log goes out now, not as this client's own command's output
        this.host.exitSlice();
        this.debugStop(debug!);
        return;
      }
      this.end();
      client.blocked = false;
      out = deferred !== null ? deferred.complete(step) : step;
    } catch (e) {
      // the job guards the engine; this is a bug in the glue: the client gets an
      // error, the server goes on
      this.end();
      client.blocked = false;
      internalErrorLog(this.host.logger).report('resuming a script', e);
      out = deferred !== null ? deferred.complete(reply.error(errors.internal)) : reply.error(errors.internal);
    } finally {
      this.host.exitSlice();
    }
    if (cont === null) {
      if (debug !== null) {
        // the session ends: its last log, the reply, and the connection closes
        client.debugger = null;
        client.closeAfterReply = true;
        conn?.push(debug.end());
      }
      conn?.unblocked(out);
      return;
    }
    // the transaction or the load goes on as the same client, at the same cached time
    this.host.enterSlice(client, time);
    try {
      cont.resumeAfterScript(out);
    } catch (e) {
      internalErrorLog(this.host.logger).report('going on after a script', e);
    } finally {
      this.host.exitSlice();
    }
  }
}

/** What scriptBusyHost builds the gate's host from (server/server.ts). */
export interface ScriptBusyServer {
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly connections: ReadonlyMap<number, LateReply>;
  readonly dispatcher: { defer(): DeferredCall };
  current: Client | null;
  now(): number;
  setCachedTime(ms: number): void;
}

/** The gate's view of the server (built once; reads the server's fields lazily). */
export function scriptBusyHost(server: ScriptBusyServer): ScriptBusyHost {
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
