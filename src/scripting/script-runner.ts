/**
 * The script-running core shared by EVAL and FCALL: runs a compiled chunk for a caller
 * with the script's flags and turns the outcome into the reply the caller gets
 * (Redis 7.2's scriptPrepareForRun + luaCallFunction + scriptResetRun).
 *
 * Contract:
 *  - `run(caller, target, request)` returns the caller's reply (null when the script
 *    paused past busy-reply-threshold: the busy gate, server/script-busy.ts, resumes
 *    it between turns of the event loop and sends the reply) and never throws for
 *    anything a script does; a poisoned Lua instance answers an error and is rebuilt.
 *  - Before the script runs, the flag rules are applied (`prepare`): a script that may
 *    write is refused while writes fail (MISCONF), under *_RO commands, and under OOM
 *    unless it declared allow-oom; no-writes makes the run read-only.
 *  - While it runs, `current` is the run's state (ScriptRun): the caller, the script's
 *    own client and context (the caller's database and user, RESP 2 until
 *    redis.setresp), the read-only / allow-oom / write-dirty flags the redis.call
 *    bridge (script-bridge.ts) checks, and the replication mode of redis.set_repl.
 *    Runs do not nest (a script cannot run EVAL: it is a noscript command).
 *  - The script's writes reach the write feed as the commands it ran (effects
 *    replication); the calling command itself is never propagated (`prevent`), so the
 *    propagator wraps two or more writes in MULTI/EXEC (persistence/propagator.ts).
 *  - The Lua call starts in exactly one place, `invoke`; the busy gate's control
 *    answers the count hook (SCRIPT KILL, pauses); `interrupt` is an extra
 *    "go on?" question asked after the gate's.
 */
import type { CommandContext } from '../command-context/services.js';
import { errors } from '../errors.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import { Client } from '../server/client.js';
import { errorInfo, luaValueToReply, type ScriptResp } from './lua-value.js';
import type { LuaChunk, LuaVm, RunOptions, RunResult, RunStep, HostFunctionResult } from './lua-vm.js';
import type { ScriptControl, ScriptDebugStop, ScriptJob, ScriptRunnerService } from '../command-context/services.js';
import { REPL_ALL, type RunRequest, type ScriptTarget } from './script-types.js';
import type { ScriptRun } from './script-run.js';
import type { LuaArg } from './wire.js';
import type { ScriptFlags } from './shebang.js';
import { admitScriptCall, callFromScript, runScriptCall } from './script-bridge.js';
import type { LuaDebugSession } from './lua-debugger.js';
import { redisApiCall, EVAL_API_FUNCTIONS } from './redis-api.js';

/** What the runner needs of the server beyond the caller's context. */
export interface ScriptHost {
  /** maxmemory is set and memory was over it when the command started (pre_command_oom_state) */
  outOfMemory(): boolean;
  /** the MISCONF refusal in force (a failed save or AOF write), else null */
  diskError(): string | null;
  /** this server follows a primary with replica-read-only yes: scripts may not write */
  readOnlyReplica(): boolean;
  /** a replica whose link is down with replica-serve-stale-data no (Redis's running_stale) */
  runningStale(): boolean;
  /** a primary with fewer good replicas than min-replicas-to-write (checkGoodReplicasStatus) */
  notEnoughReplicas(): boolean;
}

export { REPL_AOF, REPL_REPLICA, REPL_ALL, type RunRequest, type ScriptTarget } from './script-types.js';
export type { ScriptRun } from './script-run.js';

export class ScriptRunner implements ScriptRunnerService {
  /** the run under way, null between scripts */
  current: ScriptRun | null = null;
  /**
   * Asked by the count hook while a script runs (null: go on; a text: stop the script
   * with that error). Null here: scripts run to completion.
   */
  interrupt: ((run: ScriptRun) => string | null) | null = null;
  /** redis.<name> functions this runner's VM has besides call/pcall */
  static readonly hostFunctions: readonly string[] = EVAL_API_FUNCTIONS;
  private client: Client | null = null;
  private clientCtx: CommandContext | null = null;
  /** the busy gate's answers for the run under way (server/script-busy.ts) */
  private control: ScriptControl | null = null;
  /** bound once: a run allocates no closures for the VM */
  private readonly redisCallFn = (argv: string[]): Reply => {
    const run = this.current!;
    // stepping in the debugger: the command and its reply are logged
    const r = run.debug !== null && run.debug.stepping ? this.debugCall(run, run.debug, argv) : callFromScript(run, argv);
    if (run.writeDirty) this.control?.markWrite();
    return r;
  };
  private readonly hostFn = (name: string, args: readonly LuaArg[]): HostFunctionResult => {
    const run = this.current!;
    return redisApiCall(run, name, args) ?? this.extraApi?.(run, name, args) ?? { kind: 'none' };
  };
  private readonly respFn = (): ScriptResp => this.current?.resp ?? 2;
  private readonly interruptFn = (): string | null =>
    this.control?.interrupt() ?? (this.interrupt === null || this.current === null ? null : this.interrupt(this.current));
  private readonly pauseFn = (): boolean => this.control?.pause() ?? false;
  private readonly runOptions: { -readonly [K in keyof RunOptions]: RunOptions[K] } = {
    redisCall: this.redisCallFn,
    hostFunction: this.hostFn,
    resp: this.respFn,
    interrupt: this.interruptFn,
    pause: this.pauseFn,
  };
  /** the one job object the gate drives (runs never nest) */
  private readonly jobObj = new RunnerJob(this);

  constructor(
    readonly vm: LuaVm,
    private readonly host: ScriptHost,
    /** other redis.<name> functions of this VM (FUNCTION's register_function) */
    private readonly extraApi: ((run: ScriptRun, name: string, args: readonly LuaArg[]) => HostFunctionResult) | null = null,
  ) {}

  /**
   * Runs `target` for `caller`: the caller's reply, or null when the script paused
   * past busy-reply-threshold (it answers later; server/script-busy.ts runs it in
   * slices while other clients get -BUSY).
   */
  run(caller: CommandContext, target: ScriptTarget, req: RunRequest): Reply | null {
    const oom = this.host.outOfMemory();
    const refused = this.prepare(target.flags, req.readOnlyCommand, oom, caller.services.keyspace.loading);
    if (refused !== null) return reply.error(refused);
    const f = target.flags;
    const run: ScriptRun = {
      caller,
      ctx: this.scriptContext(caller),
      target,
      mode: req.mode,
      readOnly: req.readOnlyCommand || (!f.compat && f.noWrites),
      allowOom: !f.compat && f.allowOom,
      oomAtStart: oom,
      writeDirty: false,
      resp: 2,
      repl: REPL_ALL,
      debug: req.debug ?? null,
    };
    return caller.services.scriptBusy.execute(caller, this.jobObj.prepare(run, req));
  }

  /** Starts the prepared run for the busy gate (RunnerJob.start). */
  startJob(run: ScriptRun, req: RunRequest, control: ScriptControl): Reply | 'paused' | 'debug' {
    this.current = run;
    this.control = control;
    return this.settle(run, () => this.invoke(run, req));
  }

  /** Goes on after a pause (RunnerJob.resume). */
  resumeJob(run: ScriptRun): Reply | 'paused' | 'debug' {
    this.current = run;
    run.debug?.sync();
    return this.settle(run, () => this.vm.resume());
  }

  /**
   * A debugger command while the run is stopped (RunnerJob.debugCommand): 'stay'
   * (the session's log answers it), 'resume', or the script's reply (abort).
   */
  debugCommandJob(run: ScriptRun, argv: string[]): 'stay' | 'resume' | Reply {
    const d = run.debug!;
    const verdict = d.command(argv, (a) => {
      this.debugCall(run, d, a);
    });
    if (verdict !== 'abort') return verdict;
    return this.stopDebugged(run, errors.scriptDebugAborted(run.target.name, d.line));
  }

  /** A command logged as the debugger shows it (`<redis>`, then `<reply>` or `<error>`). */
  private debugCall(run: ScriptRun, d: LuaDebugSession, argv: string[]): Reply {
    d.logCommand(argv);
    const admitted = admitScriptCall(run, argv);
    if ('k' in admitted) {
      d.logRefusal(admitted.k === Kind.Error ? admitted.s : '');
      return admitted;
    }
    const r = runScriptCall(run, admitted, argv);
    d.logReply(r, run.resp);
    if (run.writeDirty) this.control?.markWrite();
    return r;
  }

  /** Ends a run stopped in the debugger with `text` (abort, or a timeout nobody can answer). */
  private stopDebugged(run: ScriptRun, text: string): Reply {
    this.vm.abandon();
    this.current = null;
    this.control = null;
    run.caller.propagation.prevent();
    return reply.error(text);
  }

  /** The server stops while the run is paused (RunnerJob.abandon). */
  abandonJob(): void {
    this.vm.abandon();
    this.current = null;
    this.control = null;
  }

  private settle(run: ScriptRun, f: () => RunStep): Reply | 'paused' | 'debug' {
    let step: RunStep;
    try {
      step = f();
    } catch (e) {
      this.current = null;
      this.control = null;
      throw e;
    }
    if (step.kind === 'paused') return 'paused';
    if (step.kind === 'debug') {
      const d = run.debug!;
      // a timeout after the debugging client left: nobody can answer (as Redis)
      if (d.detached) return this.stopDebugged(run, errors.scriptDebugTimeout(run.target.name, step.line));
      d.stopped(step.line, step.reason);
      return 'debug';
    }
    return this.finish(run, step);
  }

  /** The script ended: the calling command (EVAL, FCALL) is never propagated itself, its effects are. */
  private finish(run: ScriptRun, result: RunResult): Reply {
    this.current = null;
    this.control = null;
    run.caller.propagation.prevent();
    return this.toReply(run, result);
  }

  /**
   * The one call into Lua (see the header). The gate's control answers the count
   * hook (kill, pause) and learns when the script writes (SCRIPT KILL's UNKILLABLE).
   */
  protected invoke(run: ScriptRun, req: RunRequest): RunStep {
    // one options object for every run (runs do not nest): a call allocates none
    const opts = this.runOptions;
    opts.keys = req.keys;
    opts.args = req.args;
    opts.mode = req.mode;
    opts.debug = run.debug === null ? undefined : debugHooks(run.debug, this.vm);
    return this.vm.start(run.target.chunk, opts);
  }

  /**
   * Redis's scriptPrepareForRun: the refusals that depend on the script's flags.
   * Scripts without a shebang are checked per command instead (script-bridge.ts).
   */
  private prepare(f: ScriptFlags, ro: boolean, oom: boolean, obeyClient: boolean): string | null {
    // as Redis, a script without a shebang is refused while stale, whatever it would run;
    // one with flags only without allow-stale (the dispatcher refused most such calls already)
    if (f.compat) return this.host.runningStale() ? errors.masterDown : null;
    if (this.host.runningStale() && !f.allowStale) return errors.scriptMasterDown;
    if (obeyClient) return null;
    if (!f.noWrites) {
      if (this.host.readOnlyReplica()) return errors.scriptOnReadOnlyReplica;
      const disk = this.host.diskError();
      if (disk !== null) {
        const aofPrefix = errors.aofMisconf('');
        return disk.startsWith(aofPrefix) ? errors.scriptMisconfAof(disk.slice(aofPrefix.length)) : errors.scriptMisconfRdb;
      }
      if (ro) return errors.scriptWriteOnRo;
      if (this.host.notEnoughReplicas()) return errors.noReplicas;
    }
    if (oom && !f.allowOom && !f.noWrites) return errors.scriptOomNoAllowOom;
    return null;
  }

  /** The script's client, reset for this run: the caller's database and user, RESP 2. */
  private scriptContext(caller: CommandContext): CommandContext {
    let c = this.client;
    if (c === null) {
      c = new Client(0, 'script:0', 'script:0', -1, caller.now, caller.client.aclUser, true);
      c.inScript = true;
      this.client = c;
    }
    c.dbIndex = caller.client.dbIndex;
    c.aclUser = caller.client.aclUser;
    c.authenticated = true;
    c.resp = 2;
    // blocking commands answer at once inside scripts (Redis's CLIENT_DENY_BLOCKING)
    c.inExec = true;
    // one context for the script client: every caller's context shares the server's host
    this.clientCtx ??= caller.forClient(c);
    return this.clientCtx;
  }

  /** luaCallFunction's reply: the converted result, or the decorated error. */
  private toReply(run: ScriptRun, r: RunResult): Reply {
    const name = run.target.name;
    if (r.kind === 'ok') return luaValueToReply(r.value, run.resp);
    if (r.kind === 'fatal') return reply.error(errors.scriptRunFailed(name, r.message));
    const info = errorInfo(r.error);
    if (typeof r.error === 'string' || (r.error !== null && typeof r.error === 'object' && r.error.type !== 'error-object')) {
      // not a table: Redis reports the value itself (e.g. "not enough memory")
      return reply.error(errors.scriptRunFailed(name, info.message ?? 'execution failure'));
    }
    let text = info.message ?? '';
    if (info.source !== null && info.line !== null) text += ` script: ${name}, on ${info.source}:${info.line}.`;
    // as addReplyErrorSds: trailing CR/LF cut, the others become spaces; a command's
    // error passed on was counted in errorstats when the command failed
    const line = text.replace(/[\r\n]+$/, '').replace(/[\r\n]/g, ' ');
    return info.fromReply ? reply.errorNoStats(line) : reply.error(line);
  }
}

/** The engine's view of a debugger session. */
function debugHooks(d: LuaDebugSession, vm: LuaVm): NonNullable<RunOptions['debug']> {
  d.vm = vm;
  return {
    log: (text, trim) => (trim ? d.addTrimmed(text) : d.add(text)),
    timeout: () => d.timedOut(),
  };
}

/** The job the busy gate drives for a ScriptRunner: one object, reused by every run. */
class RunnerJob implements ScriptJob {
  kind: 'eval' | 'function' = 'eval';
  name = '';
  private run: ScriptRun | null = null;
  private req: RunRequest | null = null;

  constructor(private readonly runner: ScriptRunner) {}

  prepare(run: ScriptRun, req: RunRequest): this {
    this.run = run;
    this.req = req;
    this.kind = req.mode;
    this.name = run.target.name;
    return this;
  }

  start(control: ScriptControl): Reply | 'paused' | 'debug' {
    return this.runner.startJob(this.run!, this.req!, control);
  }

  resume(): Reply | 'paused' | 'debug' {
    return this.runner.resumeJob(this.run!);
  }

  get debug(): ScriptDebugStop | null {
    const d = this.run?.debug;
    if (d === null || d === undefined) return null;
    return {
      take: () => d.take(),
      end: () => d.end(),
      command: (argv) => this.runner.debugCommandJob(this.run!, argv),
      detach: () => d.detach(),
    };
  }

  abandon(): void {
    this.runner.abandonJob();
  }
}
