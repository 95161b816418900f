/**
 * The central dispatcher. Checks run in Redis's order — lookup, arity, transaction
 * restrictions, authentication, ACL — so handlers never re-check them. It also keeps
 * commandstats/errorstats and feeds the slow log and latency monitor.
 */
import { performance } from 'node:perf_hooks';
import { CommandError, errors } from '../errors.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandTable } from '../command-context/command-table.js';
import type { CommandContext } from '../command-context/context.js';
import type { Client } from '../server/client.js';
import { discardTransaction, exec } from './transactions.js';
import { internalErrorLog } from '../server/internal-error-log.js';
import { protectedActionAllowed } from '../security/protected-action.js';

/** EXEC's handler: a rejected EXEC aborts the transaction instead of flagging it. */
const execRun = exec.run;

/** Commands that run immediately even inside MULTI (the rest are queued). */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/**
 * Commands that may expire keys anywhere (Redis's CMD_TOUCHES_ARBITRARY_KEYS): the
 * deletions they cause are propagated one by one, not as a transaction.
 */
const TOUCHES_ARBITRARY_KEYS = new Set(['keys', 'scan', 'randomkey']);

/**
 * A script command's declared flags (scripting/script-command-flags.ts): a shebang's or a
 * function's flags replace EVAL's and FCALL's own write and stale flags, as Redis's
 * getCommandFlags; null when nothing is declared.
 */
type ScriptFlagsOf = (cmd: Command, argv: readonly string[]) => { readonly writes: boolean; readonly stale: boolean } | null;

function writes(flagsOf: ScriptFlagsOf, cmd: Command, argv: readonly string[]): boolean {
  if (cmd.isWrite) return true;
  return flagsOf(cmd, argv)?.writes ?? false;
}

function stale(flagsOf: ScriptFlagsOf, cmd: Command, argv: readonly string[]): boolean {
  const own = cmd.flags.includes('stale');
  if (!own) return false;
  return flagsOf(cmd, argv)?.stale ?? true;
}

/** A write, or an EXEC whose queued commands include one (Redis's is_write_command). */
function isWriteCall(flagsOf: ScriptFlagsOf, client: Client, cmd: Command, argv: readonly string[]): boolean {
  if (writes(flagsOf, cmd, argv)) return true;
  return cmd.run === execRun && client.multi !== null && client.multi.some((q) => writes(flagsOf, q.cmd, q.argv));
}

/** Without the `stale` flag, or an EXEC that queued such a command (is_denystale_command). */
function deniedWhenStale(flagsOf: ScriptFlagsOf, client: Client, cmd: Command, argv: readonly string[]): boolean {
  if (!stale(flagsOf, cmd, argv)) return true;
  return cmd.run === execRun && client.multi !== null && client.multi.some((q) => !stale(flagsOf, q.cmd, q.argv));
}

/** What a RESP2 client may run while subscribed. */
const PUBSUB_ALLOWED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/**
 * A command whose handler answers later (a script that paused past
 * busy-reply-threshold): the end of its call — statistics, the write feed's unit,
 * the slow log — runs when `complete` is given the reply.
 */
export class DeferredCall {
  private end: ((out: Reply | null) => Reply | null) | null = null;

  /** @internal set by the dispatcher once the handler returned */
  bind(end: (out: Reply | null) => Reply | null): void {
    this.end = end;
  }

  /** Ends the call with its reply; returns the reply to send. */
  complete(out: Reply | null): Reply | null {
    const end = this.end;
    this.end = null;
    return end !== null ? end(out) : out;
  }
}

export type AclChecker = (ctx: CommandContext, cmd: Command, argv: string[]) => Reply | null;

/**
 * What the dispatcher needs of the server: the checks' inputs (loading, MISCONF, OOM,
 * subscribers) and the bookkeeping around a call (write feed, statistics, snapshot hooks).
 * Implemented by server/server.ts; handlers never see it.
 */
export interface DispatchHost {
  readonly commands: CommandTable;
  /** the dataset is loading: commands without `loading` get -LOADING */
  readonly loading: boolean;
  /** the MISCONF refusal while the last save or AOF write failed, else null */
  readonly diskError: string | null;
  /** maxmemory checks are on (a limit is set, or accounting work is pending) */
  readonly memory: { readonly check: boolean };
  /** the heap near V8's limit (server/heap-guard.ts): sampled every few commands */
  readonly heapGuard: { countdown: number; readonly pressed: boolean; sample(): boolean };
  readonly pubsub: { readonly anySubscriber: boolean };
  /** client-side caching: the table's limit applies before each command (Redis's processCommand) */
  readonly tracking: { readonly active: boolean; enforceLimit(): void };
  /** a snapshot is running (keys a write may change in place are written first) */
  readonly keyWriteHook: object | null;
  readonly propagator: {
    readonly sink: object | null;
    begin(dirty: number, unwrapped: boolean): void;
    end(dbIndex: number, argv: readonly string[], dirty: number, self: boolean): void;
  };
  readonly stats: { readonly dirty: number; totalCommands: number };
  /**
   * Replication's refusals: min-replicas-to-write on a primary (`primary.refusesWrites`,
   * replication/primary-side.ts); on a replica (replication/replica-side.ts) `refuseWrites`
   * while following a primary with replica-read-only yes and `refuseStale` while its link
   * is down with replica-serve-stale-data no. Flag tests only, per command.
   */
  readonly replication: {
    readonly primary: { readonly refusesWrites: boolean };
    readonly refuseWrites: boolean;
    readonly refuseStale: boolean;
  };
  /** a script is paused past busy-reply-threshold (server/script-busy.ts) */
  readonly scripts: { readonly suspended: boolean; refusal(cmd: Command): string | null };
  /** a script command's declared flags, read only by the replication refusals above */
  readonly scriptFlags: ScriptFlagsOf;
  readonly logger: { warning(message: string): void };
  countError(r: Reply): void;
  /** MONITOR's feed: an EXEC refused by its checks is still shown (server/monitor-feed.ts) */
  readonly monitorFeed: { readonly active: boolean; execAborted(client: Client, argv: readonly string[]): void };
  memoryRefusal(client: Client, cmd: Command, argv: string[]): string | null;
  preserveKeys(dbIndex: number, cmd: Command, argv: string[]): void;
  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number, failed: boolean): void;
  /**
   * Gateway mode (gateway/gateway.ts): runs a command that passed every check, locally or
   * forwarded upstream. Null on a normal server: one test per command.
   */
  readonly gateway: { route(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null } | null;
}

export class Dispatcher {
  /** plugged in by the ACL layer; null = everything allowed */
  aclCheck: AclChecker | null = null;
  /** commands running now, nested ones (EXEC's) included: Redis's execution_nesting */
  private nesting = 0;

  /** A command's handler is running (Redis's CLIENT_EXECUTING_COMMAND). */
  get executing(): boolean {
    return this.nesting > 0;
  }
  /** set by `defer` while a handler runs */
  private deferral: DeferredCall | null = null;

  /**
   * Clock chaining (issue 17): a call's duration needs two clock readings, and on the VMs
   * Redoubt is benchmarked on a reading costs ~250 ns (a syscall, not the vDSO), as much as
   * a whole GET. A caller that did next to nothing since the last call ended (the
   * connection between two small pipelined commands: parse, encode) may hand that end
   * reading in as the next call's start. `nextStart` is consumed (reset) by the next
   * `call`; NaN = read the clock. What the chain adds to a command's time is the parse of
   * its request and the encoding of the previous reply, well under a microsecond: callers
   * only chain when both are small (connection.ts CHAIN_BYTES).
   */
  nextStart = NaN;
  /** performance.now() read at the end of the last call */
  lastEnd = 0;
  /** calls ended so far (a caller tells whether `lastEnd` is from a call it made) */
  callsEnded = 0;

  constructor(private readonly server: DispatchHost) {}

  /**
   * Runs one request and returns its reply (null = no reply, e.g. CLIENT REPLY OFF).
   * The caller refreshes the server's cached time first (once per batch of input).
   */
  dispatch(ctx: CommandContext, argv: string[]): Reply | null {
    const server = this.server;
    const client = ctx.client;
    const found = server.commands.lookup(argv[0]!);
    let cmd: Command | undefined = found;
    if (found !== undefined && found.subcommandMap !== null && argv.length >= 2) {
      cmd = found.subcommandMap.get(argv[1]!.toLowerCase());
      if (cmd === undefined) {
        return this.reject(ctx, null, errors.unknownSubcommand(argv[1]!, argv[0]!));
      }
    }
    if (cmd === undefined) {
      return this.reject(ctx, null, errors.unknownCommand(argv[0]!, argv.slice(1)));
    }
    // as Redis: the command counts as the client's last one (CLIENT LIST cmd=, ACL LOG
    // client-info) from the moment it is looked up, even if a check then rejects it
    client.lastCommand = cmd.fullName;
    if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) {
      return this.reject(ctx, cmd, errors.wrongArgs(cmd.fullName), argv);
    }
    if (client.multi !== null && cmd.noMulti) {
      return this.reject(ctx, cmd, errors.notInMulti, argv);
    }
    if (!client.authenticated && !cmd.noAuth) {
      return this.reject(ctx, cmd, errors.noAuth, argv);
    }
    // the primary's stream is obeyed as Redis's mustObeyClient: no ACL, memory, disk or
    // replica refusals (it carries what the primary already accepted)
    if (client.role === 'master') return this.dispatchFromMaster(ctx, cmd, argv);
    // DEBUG and MODULE stay refused unless their enable-*-command option allows them
    // (everywhere, or from a local connection). Redis checks this before the login; here it
    // comes after it, so a client that has not logged in learns nothing of the setting
    if (cmd.protectedBy !== null && !protectedActionAllowed(ctx.config.get(cmd.protectedBy), client)) {
      return this.reject(ctx, cmd, errors.protectedCommand(cmd.protectedBy), argv);
    }
    if (this.aclCheck !== null) {
      const denied = this.aclCheck(ctx, cmd, argv);
      if (denied !== null) {
        cmd.stats.rejectedCalls++;
        if (cmd.run === execRun && denied.k === Kind.Error) return this.abortExec(ctx, denied.s, argv);
        client.multiDirty = client.multi !== null;
        server.countError(denied);
        return denied;
      }
    }
    // maxmemory and the heap ceiling (oom-gate.ts, server/heap-guard.ts): a countdown and
    // two flag tests when neither is near; not while a script is paused (as Redis: the
    // busy refusal comes first then)
    const heap = server.heapGuard;
    if (--heap.countdown <= 0) heap.sample();
    if ((server.memory.check || heap.pressed) && !server.scripts.suspended) {
      const oom = server.memoryRefusal(client, cmd, argv);
      if (oom !== null) return this.reject(ctx, cmd, oom, argv);
    }
    // the last save or AOF write failed: writes (and PING) are refused until it works again
    if (server.diskError !== null && (cmd.isWrite || cmd.name === 'ping')) {
      return this.reject(ctx, cmd, server.diskError, argv);
    }
    // min-replicas-to-write (Redis's checkGoodReplicasStatus, next in processCommand)
    const repl = server.replication;
    if (repl.primary.refusesWrites && isWriteCall(server.scriptFlags, client, cmd, argv)) {
      return this.reject(ctx, cmd, errors.noReplicas, argv);
    }
    // a read-only replica refuses clients' writes (its primary's stream took another path above)
    if (repl.refuseWrites && isWriteCall(server.scriptFlags, client, cmd, argv)) {
      return this.reject(ctx, cmd, errors.readOnlyReplica, argv);
    }
    // RESP2 subscribers can only (un)subscribe, PING, QUIT or RESET: their connection
    // carries messages, and a reply to anything else could not be told apart from them.
    if (client.resp === 2 && server.pubsub.anySubscriber && client.inPubSub && !PUBSUB_ALLOWED.has(cmd.parent?.name ?? cmd.name)) {
      return this.reject(ctx, cmd, errors.pubsubContext(cmd.fullName), argv);
    }
    // as Redis: only `stale` commands (INFO, REPLICAOF…) while the link is down and
    // replica-serve-stale-data is no; an EXEC is judged by the commands it queued
    if (repl.refuseStale && deniedWhenStale(server.scriptFlags, client, cmd, argv)) {
      return this.reject(ctx, cmd, errors.masterDown, argv);
    }
    if (server.loading && !cmd.okLoading) {
      return this.reject(ctx, cmd, errors.loading, argv);
    }
    // a script is paused past busy-reply-threshold: only allow_busy commands run
    if (server.scripts.suspended) {
      const busy = server.scripts.refusal(cmd);
      if (busy !== null) return this.reject(ctx, cmd, busy);
    }
    // keys dropped to keep the tracking table under its limit are invalidated before this
    // command runs or is queued (their messages precede its reply)
    if (server.tracking.active) server.tracking.enforceLimit();
    if (client.multi !== null && !MULTI_IMMEDIATE.has(cmd.parent?.name ?? cmd.name)) {
      // as Redis, a doomed transaction keeps answering QUEUED without keeping the command
      if (!client.multiDirty && !client.watchDirty) {
        client.multi.push({ argv, cmd });
        // multi-mem, kept as commands are queued (client eviction counts it without a walk)
        let bytes = 8 * argv.length;
        for (let i = 0; i < argv.length; i++) bytes += argv[i]!.length;
        client.multiArgvBytes += bytes;
      }
      return reply.queued;
    }
    if (server.gateway !== null) return server.gateway.route(ctx, cmd, argv);
    return this.call(ctx, cmd, argv);
  }

  /**
   * A command from the primary (Client.role 'master'): still looked up, arity-checked and
   * queued inside MULTI, but exempt from the refusals a normal client gets.
   */
  private dispatchFromMaster(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const client = ctx.client;
    if (client.multi !== null && !MULTI_IMMEDIATE.has(cmd.parent?.name ?? cmd.name)) {
      client.multi.push({ argv, cmd });
      return reply.queued;
    }
    return this.call(ctx, cmd, argv);
  }

  /** Executes a command that passed every check (also used by EXEC for queued commands). */
  call(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const server = this.server;
    ctx.command = cmd;
    ctx.client.lastCommand = cmd.fullName;
    // a snapshot is running: the keys this command may change in place are written first
    if (server.keyWriteHook !== null && cmd.isWrite) server.preserveKeys(ctx.client.dbIndex, cmd, argv);
    // the write feed: one null check when no AOF listens (persistence/propagator.ts)
    const propagating = server.propagator.sink !== null;
    if (propagating) server.propagator.begin(server.stats.dirty, TOUCHES_ARBITRARY_KEYS.has(cmd.name));
    // a nested call (EXEC's, a script's redis.call) finds NaN and reads the clock
    const hinted = this.nextStart;
    this.nextStart = NaN;
    const start = hinted === hinted ? hinted : performance.now();
    let out: Reply | null;
    this.nesting++;
    try {
      out = cmd.run!(ctx, argv);
    } catch (e) {
      if (e instanceof CommandError) out = reply.error(e.reply);
      else {
        internalErrorLog(server.logger).report(`executing '${cmd.fullName}'`, e);
        out = reply.error(errors.internal);
      }
    } finally {
      this.nesting--;
    }
    const deferred = this.deferral;
    if (deferred !== null) {
      this.deferral = null;
      if (out === null) {
        deferred.bind((late) => this.endCall(ctx, cmd, argv, start, propagating, late));
        return null;
      }
    }
    return this.endCall(ctx, cmd, argv, start, propagating, out);
  }

  /**
   * Called by a handler that will answer later: the call's end waits for
   * `complete` on the returned object (the handler then returns null).
   */
  defer(): DeferredCall {
    const d = new DeferredCall();
    this.deferral = d;
    return d;
  }

  /** The end of a call: statistics, the write feed's unit, the slow log and latency. */
  private endCall(ctx: CommandContext, cmd: Command, argv: string[], start: number, propagating: boolean, out: Reply | null): Reply | null {
    const server = this.server;
    const end = performance.now();
    this.lastEnd = end;
    this.callsEnded++;
    const usec = Math.round((end - start) * 1000);
    cmd.stats.calls++;
    cmd.stats.usec += usec;
    server.stats.totalCommands++;
    ctx.client.commandsProcessed++;
    const failed = out !== null && out.k === Kind.Error;
    if (failed) {
      cmd.stats.failedCalls++;
      // a script's error that passes on a command's error was counted when it arose
      if (out!.k !== Kind.Error || out!.noStats !== true) server.countError(out!);
    }
    if (propagating) server.propagator.end(ctx.client.dbIndex, argv, server.stats.dirty, cmd.run !== execRun);
    server.afterCommand(ctx, cmd, argv, usec, failed);
    return out;
  }

  private reject(ctx: CommandContext, cmd: Command | null, message: string, argv: readonly string[] = []): Reply {
    if (cmd !== null) cmd.stats.rejectedCalls++;
    if (cmd !== null && cmd.run === execRun) return this.abortExec(ctx, message, argv);
    if (ctx.client.multi !== null) ctx.client.multiDirty = true;
    const r = reply.error(message);
    this.server.countError(r);
    return r;
  }

  /**
   * A rejected EXEC ends the transaction (even when there is none) and says why, as
   * Redis's execCommandAbort: the reason without its ERR code, other codes kept.
   */
  private abortExec(ctx: CommandContext, message: string, argv: readonly string[]): Reply {
    discardTransaction(ctx);
    if (this.server.monitorFeed.active) this.server.monitorFeed.execAborted(ctx.client, argv);
    const r = reply.error(errors.execAbortBecause(message));
    this.server.countError(r);
    return r;
  }
}
