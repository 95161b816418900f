/**
 * The named services a command handler may use besides its database and client: the
 * narrow door between `commands/` and the server (see context.ts). Each interface lists
 * only what handlers call; the server side implements them (server/command-services.ts)
 * and nothing under `commands/` ever sees the `Server` itself.
 *
 * The same services serve a client's command, a command replayed from the AOF, a command
 * called from a script and, later, one applied from a replication stream: none of them
 * may assume a socket behind the client.
 *
 * Invariants: services are synchronous (blocking commands hand a request to
 * `keyspace.blocking` and return); none of them throws a CommandError; error texts stay
 * with the handlers (errors.ts).
 *
 * The CommandContext class is declared here too (context.ts re-exports it): the context
 * holds the services and services take the context, so the two share a file rather than
 * import each other.
 *
 * Layering (test/unit/architecture.test.ts): this file takes commands as CommandEntry
 * (command-data.ts, no handler) and names no class that imports the command model back —
 * ACL, EVAL's scripts, FUNCTION's registry and the script runner appear as the narrow
 * interfaces below, which those classes implement. What it still names from the layers
 * above are types only, of modules that do not import it: the Client and the ACL
 * User/UserRegistry/AclLog handlers act on, pub/sub and tracking shapes, the statistics,
 * slow log, latency and logger objects, security events and scripting's plain types.
 * Interfaces for Client and User are the next step; they change every handler that
 * passes a client or user on.
 */
import type { Database } from '../keyspace/database.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { ValueType } from '../keyspace/value-types.js';
import type { Reply } from '../protocol/reply.js';
import type { Client } from '../server/client.js';
import type { PubSubTarget, SubscriptionKind } from '../server/pubsub.js';
import type { TrackingOptions } from '../server/client-tracking.js';
import type { ServerStats } from '../server/stats.js';
import type { SlowLogEntry } from '../server/slowlog.js';
import type { LatencyEvent, CommandHistogram } from '../server/latency.js';
import type { Logger } from '../server/logger.js';
import type { User } from '../acl/user.js';
import type { UserRegistry } from '../acl/users.js';
import type { AclLog, AclDenialReason, AclLogContext } from '../acl/acl-log.js';
import type { PermissionResult } from '../acl/check.js';
import type { SecurityMonitor, Actor } from '../security/security-monitor.js';
import type { CommandEntry, CommandLookup } from '../command-model/command-data.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import type { ConfigStore } from '../config/config-store.js';
import type { HostFunctionResult } from '../scripting/lua-vm.js';
import type { LuaArg } from '../scripting/wire.js';
import type { ScriptCache } from '../scripting/script-cache.js';
import type {
  CompileOutcome,
  FunctionInfo,
  FunctionRun,
  LibraryInfo,
  LoadEnvironment,
  LoadOutcome,
  RestorePolicy,
  RunRequest,
  ScriptTarget,
} from '../scripting/script-types.js';

/**
 * The write feed's verbs (persistence/propagator.ts states the contract): by default an
 * executed write command is propagated as it was called; a handler may replace it, add
 * commands after it, prevent it, or force it when nothing counted as a change.
 */
export interface PropagationVerbs {
  /** false when nothing listens (no AOF): handlers skip building replacement argv */
  readonly active: boolean;
  replace(argv: readonly string[]): void;
  also(dbIndex: number, argv: readonly string[]): void;
  prevent(): void;
  force(): void;
  /**
   * Where finished calls' own entries go: bit 1 the AOF, bit 2 the replicas (a script's
   * redis.set_repl, whose REPL_* values are the same bits); whoever changes it restores it.
   */
  targets: number;
}

/** A request to wait for keys (BLPOP & co.); served or timed out by the blocking registry. */
export interface BlockRequest {
  /** the command's arguments (re-executed when a key becomes ready) */
  argv: string[];
  keys: readonly string[];
  /** the value type whose appearance at a key can serve the client */
  type: ValueType;
  /** absolute deadline in server time (ms), 0 = wait forever (see parseTimeout) */
  deadline: number;
  /** the reply on timeout / CLIENT UNBLOCK … TIMEOUT */
  timeoutReply: Reply;
  /** the reply when blocking is not allowed (inside EXEC); defaults to timeoutReply */
  deniedReply?: Reply;
  /** serve the client when a key is deleted or changes type (XREADGROUP) */
  unblockOnNoKey?: boolean;
  /**
   * How to try serving the client when a key is ready; by default the command is
   * re-executed with `argv` (7.2's way). A custom callback returns the reply, or null to
   * keep waiting (the client then queues again behind the others, with its deadline).
   */
  serve?: (readyKey: string) => Reply | null;
  /**
   * Computes the timeout reply when the wait ends by its deadline or CLIENT UNBLOCK …
   * TIMEOUT (WAIT answers the acknowledgements counted at that moment); overrides
   * `timeoutReply` then.
   */
  onTimeout?: () => Reply;
  /** Called once when the wait ends, however it ends (answered, timed out, disconnected). */
  onEnd?: () => void;
  /** false: CLIENT UNBLOCK leaves the client alone (MIGRATE, synchronous in Redis) */
  unblockable?: boolean;
}

/** Databases and the registries keyed by them (WATCH, blocked clients, memory). */
export interface KeyspaceService {
  readonly dbs: readonly Database[];
  /** stored but past its expiry time (Redis's keyIsExpired) */
  keyIsExpired(dbIndex: number, key: string): boolean;
  /** maxmemory-policy is an LFU one (OBJECT FREQ, RESTORE FREQ) */
  lfuEnabled(): boolean;
  /** counts changes Redis counts in server.dirty without signalling a key */
  addDirty(n: number): void;
  /** the largest bulk a client may send (proto-max-bulk-len): results may not grow past it */
  readonly maxBulkLen: number;
  /** the dataset is being loaded (AOF replay): ACL-free internal execution */
  readonly loading: boolean;
  readonly watches: WatchService;
  readonly blocking: BlockingService;
  readonly memory: MemoryAccounting;
}

export interface WatchService {
  watch(client: Client, db: Database, key: string, expiredNow: boolean): void;
  unwatchAll(client: Client): void;
  anyExpiredSinceWatch(client: Client, isExpired: (dbIndex: number, key: string) => boolean): boolean;
  touchAllInDb(emptied: Database, replacedWith: Database | null, isStored: (db: Database, key: string) => boolean, isExpired: (db: Database, key: string) => boolean): void;
}

export interface BlockingService {
  /** blocks the client (null = no reply yet) or answers at once (inside EXEC) */
  block(ctx: CommandContext, req: BlockRequest): Reply | null;
  /** CLIENT UNBLOCK: false when the client is not blocked on keys */
  unblock(clientId: number, withError: boolean): boolean;
  /** a key changed without being modified for WATCH (XGROUP DESTROY): its waiters are re-run */
  signal(dbIndex: number, key: string): void;
  /** SWAPDB: every key of the database may have changed */
  signalDatabase(dbIndex: number): void;
  /**
   * Answers a client blocked by `req` (WAIT, MIGRATE) now; false when that wait is over
   * already (timed out, unblocked, disconnected). A function answer runs as the client's
   * command: it may change keys (signalled, notified, propagated in its own unit).
   */
  resolve(req: BlockRequest, answer: Reply | (() => Reply)): boolean;
}

/**
 * WAIT / WAITAOF (server/wait-registry.ts): acknowledgements of the client's writes by
 * replicas (none until replication lands) and by the local AOF's fsync.
 */
export interface WaitService {
  /** this server replicates another one */
  readonly isReplica: boolean;
  readonly aofEnabled: boolean;
  /** WAIT: the reply now, or null when the client was blocked until `deadline` (0 = forever) */
  wait(ctx: CommandContext, numreplicas: number, deadline: number): Reply | null;
  /** WAITAOF, arguments checked: the reply now, or null when the client was blocked */
  waitAof(ctx: CommandContext, numlocal: number, numreplicas: number, deadline: number): Reply | null;
}

/** REPLICAOF / SLAVEOF, ROLE and HELLO's role (replication/replica-side.ts). */
export interface ReplicaOfService {
  /** this server follows a primary */
  readonly isReplica: boolean;
  /** REPLICAOF host port, arguments checked: 'already' when that primary is followed already */
  follow(host: string, port: number, by: Client): 'ok' | 'already';
  /** REPLICAOF NO ONE: promoted (nothing happens on a primary) */
  promote(by: Client): void;
  /** ROLE's replica form, or null on a primary */
  replicaRole(): Reply | null;
  /** master_repl_offset (ROLE's primary form) */
  readonly offset: number;
  /** a FAILOVER is under way (REPLICAOF is refused) */
  readonly failingOver: boolean;
  /** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (replication/failover.ts) */
  failover(argv: readonly string[], by: Client): Reply;
}

/** What MIGRATE sends to its target in one exchange (built when the connection is ready). */
export interface MigratePlan {
  /** the request bytes: [AUTH] [SELECT] RESTORE… */
  bytes: Buffer;
  /** reply lines before the RESTOREs' (AUTH's, SELECT's) */
  headerLines: number;
  restoreLines: number;
  /** the database the target has selected after this exchange succeeds */
  selectedDb: number;
}

/** Reply lines read (without CRLF), and the I/O failure that ended the exchange early. */
export interface MigrateOutcome {
  header: string[];
  restores: string[];
  ioError: 'connecting' | 'writing' | 'reading' | null;
}

export interface MigrateExchange {
  host: string;
  port: string;
  timeoutMs: number;
  /** the request, given the database the cached connection has selected (-1 unknown) */
  build(lastDb: number): MigratePlan;
  /** called once, always asynchronously */
  done(outcome: MigrateOutcome): void;
}

/** MIGRATE's cached connections to target instances (server/migrate-sockets.ts). */
export interface MigrateService {
  send(exchange: MigrateExchange): void;
  /** connections cached now (INFO `migrate_cached_sockets`) */
  readonly size: number;
}

/** The connected clients, as CLIENT, ACL and pub/sub commands need them. */
export interface ClientRegistry {
  /** every connected client (a copy: killing while iterating is safe) */
  list(): Client[];
  byId(id: number): Client | undefined;
  /** where pub/sub messages for this client go (its connection) */
  pubsubTarget(client: Client): PubSubTarget;
  /** query and output buffers of every client, bytes (MEMORY STATS) */
  bufferBytes(): number;
  /** logged in as the default user without AUTH (new connection, RESET) */
  implicitLoginAllowed(client: Client): boolean;
  /** RESET: per-client state other layers keep (WATCH, subscriptions) is dropped */
  reset(client: Client): void;
  pause(mode: 'all' | 'write', durationMs: number): void;
  unpause(): void;
  /**
   * Answers the current command when `work` settles (CONFIG SET of a listener): the client
   * reads nothing more until then, as a blocked client. False, and nothing done, when the
   * client cannot wait (inside EXEC, a script, no connection); the caller answers at once.
   */
  replyLater(client: Client, work: () => Promise<Reply>): boolean;
}

/** Subscriptions and messages (server/pubsub.ts). */
export interface PubSubService {
  readonly anySubscriber: boolean;
  readonly patternCount: number;
  subscribe(target: PubSubTarget, kind: SubscriptionKind, name: string): void;
  unsubscribe(client: Client, kind: SubscriptionKind, name: string): void;
  subscriptionsOf(client: Client, kind: SubscriptionKind): string[];
  countFor(client: Client, kind: SubscriptionKind): number;
  publish(channel: string, message: string): number;
  spublish(channel: string, message: string): number;
  activeChannels(shard: boolean, pattern: string | null): string[];
  subscriberCount(shard: boolean, channel: string): number;
}

/** Client-side caching (server/tracking.ts): CLIENT TRACKING and the flush commands. */
export interface TrackingService {
  /** CLIENT TRACKING ON, options already checked against the client's state */
  enable(client: Client, redirect: number, opts: TrackingOptions, prefixes: readonly string[]): void;
  disable(client: Client): void;
  /** the first of `prefixes` that overlaps one the client has, or a later given one */
  prefixOverlap(client: Client, prefixes: readonly string[]): { prefix: string; other: string; existing: boolean } | null;
  /** FLUSHDB/FLUSHALL: `run` empties databases; tracking clients get one "all keys" message */
  flush(run: () => void): void;
}

/** SAVE, BGSAVE, BGREWRITEAOF, FLUSHALL, SHUTDOWN. */
export interface PersistenceControl {
  readonly rdb: {
    readonly inProgress: boolean;
    readonly lastSave: number;
    saveNow(): string | null;
    bgsave(schedule: boolean): 'started' | 'scheduled' | 'in-progress' | 'aof-rewrite' | { error: string };
    cancel(): void;
    hasSavePoints(): boolean;
  };
  readonly aof: {
    rewrite(inExec: boolean): 'started' | 'scheduled' | 'in-progress' | { error: string };
  };
  /**
   * SHUTDOWN's checks and final save (server/shutdown.ts): true when the server may close;
   * false when it logged why not and keeps running
   */
  finishShutdown(flags: { save: boolean; nosave: boolean; now: boolean; force: boolean }): boolean;
  /** SHUTDOWN ABORT: true when a signal's scheduled shutdown was cancelled */
  abortShutdown(): boolean;
  shutdown(): void;
}

/** Statistics, slow log, latency monitor, logging. */
export interface MonitorService {
  readonly stats: ServerStats;
  readonly slowlog: { readonly entries: readonly SlowLogEntry[]; reset(): void };
  readonly latency: {
    readonly events: ReadonlyMap<string, LatencyEvent>;
    readonly histograms: readonly (CommandHistogram | undefined)[];
    reset(events: string[]): number;
    resetHistograms(): void;
  };
  readonly logger: Logger;
  /** errorstats: an error reply produced outside the dispatcher's own path (EXEC) */
  countError(r: Reply): void;
  /** the INFO text for the given section arguments */
  info(args: readonly string[]): string;
  /** the server's clock is the system's (TIME may use the high-resolution one) */
  readonly systemClock: boolean;
  /** the clock read now (not the cached command time), ms */
  wallClock(): number;
}

/** ACL as commands and scripts use it (acl/access-control.ts implements it). */
export interface AclService {
  readonly users: UserRegistry;
  readonly log: AclLog;
  /** the `default` user (new connections, RESET) */
  readonly defaultUser: User;
  /** may `user` run `cmd` with these arguments (redis.acl_check_cmd, ACL DRYRUN) */
  permission(user: User, cmd: CommandEntry, argv: readonly string[]): PermissionResult;
  /** an ACL LOG entry for a denial found outside the dispatcher's check (a script's redis.call) */
  recordDenial(client: Client, reason: AclDenialReason, context: AclLogContext, object: string, username: string): void;
  /** EXEC's re-check of a queued command: null when allowed, else the error reply */
  checkQueued(ctx: CommandContext, cmd: CommandEntry, argv: readonly string[]): Reply | null;
}

/** Identity and security: ACL users, AUTH, security events. */
export interface SecurityService {
  readonly acl: AclService;
  readonly events: SecurityMonitor;
  actorOf(client: Client): Actor;
  /**
   * AUTH / HELLO AUTH: `finish` receives null on success (the client is now that user) or
   * the error (WRONGPASS…) and makes the reply. The result is that reply, or null when the
   * check waits for the AUTH throttle's budget and the reply is sent later.
   */
  authenticate(ctx: CommandContext, user: string, password: string, commandName: string, finish: (err: Reply | null) => Reply): Reply | null;
}

/** The command table and re-entry into execution (EXEC, and later scripts). */
export interface CommandRegistry {
  readonly table: CommandLookup;
  /** runs a command that passed every check (EXEC's queued commands) */
  call(ctx: CommandContext, cmd: CommandEntry, argv: string[]): Reply | null;
  /**
   * The running command answers later (EXEC whose script paused): its call's end waits
   * for `complete`, which returns the reply to send; the handler returns null.
   */
  defer(): { complete(out: Reply | null): Reply | null };
  /** where a late reply to `client` goes (its connection), if it has one */
  lateReplyTo(client: Client): { unblocked(r: Reply | null): void } | undefined;
}

export interface ReloadOptions {
  /** save the RDB first (not with NOSAVE) */
  save: boolean;
  /** empty the databases first (not with NOFLUSH) */
  flush: boolean;
  /** MERGE: a key already present is replaced instead of failing the load */
  merge: boolean;
}

/** The testing switches DEBUG turns (server/debug-service.ts DebugKnobs). */
export interface DebugKnobValues {
  activeExpire: boolean;
  cronPaused: boolean;
  skipChecksumValidation: boolean;
  disableDenyScripts: boolean;
  quicklistPackedThreshold: number;
  aofFlushSleepUs: number;
  replyBufferPeakResetTime: number;
  replyBufferResizing: boolean;
}

/** DEBUG's server side: knobs, RELOAD and LOADAOF. */
export interface DebugService {
  readonly knobs: DebugKnobValues;
  /** DEBUG RELOAD: null on success, else the error reply text */
  reload(opts: ReloadOptions): string | null;
  /** DEBUG LOADAOF: the reply, or null when it is sent once the replay is over */
  loadAof(ctx: CommandContext): Reply | null;
  changeReplId(): void;
}

/**
 * MONITOR's server side (server/monitor-feed.ts). The scripting layer feeds it too: EVAL,
 * EVALSHA and FCALL are `skip_monitor`, so they show their own line through `commandLine`
 * before the script runs (as Redis's evalCommand does), and every redis.call through
 * `scriptCommand`, which Redis shows as `[<db> lua]`.
 */
export interface MonitorFeedService {
  /** MONITOR: the client now receives every command; false when it already does */
  start(client: Client): boolean;
  /** any monitor connected (callers may skip building arguments otherwise) */
  readonly active: boolean;
  /** shows a command's line whatever its flags (secrets redacted) */
  commandLine(client: Client, cmd: CommandEntry, argv: readonly string[]): void;
  /** shows a command a script ran, as `[<db> lua]` (secrets redacted) */
  scriptCommand(dbIndex: number, cmd: CommandEntry, argv: readonly string[]): void;
}

/** What the engine asks while a script runs (the gate answers; see server/script-busy.ts). */
export interface ScriptControl {
  /** the kill text when SCRIPT KILL / FUNCTION KILL stopped the script, else null */
  interrupt(): string | null;
  /** true: pause now so the event loop can turn (past busy-reply-threshold) */
  pause(): boolean;
  /** the script ran a write command: SCRIPT KILL answers UNKILLABLE from now on */
  markWrite(): void;
}

/**
 * A script stopped in the Lua debugger (SCRIPT DEBUG SYNC, scripting/lua-debugger.ts):
 * the debugging client's commands go to it until it goes on.
 */
export interface ScriptDebugStop {
  /** the debugger's log so far (an array of status lines), emptied */
  take(): Reply;
  /** the session's last log, ending with "<endsession>" */
  end(): Reply;
  /** a debugger command: 'stay' (the log answers), 'resume', or the script's reply (abort) */
  command(argv: string[]): 'stay' | 'resume' | Reply;
  /** the debugging client went away: the script goes on without stopping */
  detach(): void;
}

/** One script call the gate can run in slices: EVAL (kind 'eval') or FCALL ('function'). */
export interface ScriptJob {
  readonly kind: 'eval' | 'function';
  /** sha1 or function name, for the slow-script log line */
  readonly name: string;
  /** the run is debugged (its steps may be 'debug': stopped in the debugger) */
  readonly debug: ScriptDebugStop | null;
  /** starts the script: its reply when it finished, 'paused', or 'debug' */
  start(control: ScriptControl): Reply | 'paused' | 'debug';
  /** goes on after a pause or a debugger stop */
  resume(): Reply | 'paused' | 'debug';
  /** the server stops (SHUTDOWN NOSAVE) while the script is paused */
  abandon(): void;
}

/** Scripts and the busy state (Redis's script.c run context). */
export interface ScriptsService {
  /**
   * Runs a script call. Returns its reply, or null when the script paused past
   * busy-reply-threshold: the reply is sent later and the client reads nothing
   * more until then; meanwhile other clients get -BUSY (except the commands
   * Redis allows while busy).
   */
  execute(ctx: CommandContext, job: ScriptJob): Reply | null;
  /** SCRIPT KILL ('eval') / FUNCTION KILL ('function') */
  kill(kind: 'eval' | 'function'): Reply;
  /** the -BUSY text while a script is paused (SHUTDOWN without NOSAVE), else null */
  busyError(): string | null;
  /** the script being run (FUNCTION STATS' running_script), or null */
  running(): { readonly kind: 'eval' | 'function'; readonly name: string; readonly durationMs: number } | null;
  /** the wall-clock time the running script started, µs since the epoch (TIME inside a script) */
  startedAtUs(): number;
}

/** A function being executed (FUNCTION STATS's running_script). */
export interface RunningFunction {
  readonly name: string;
  /** the FCALL / FCALL_RO command as called */
  readonly argv: readonly string[];
  readonly durationMs: number;
}

/** Runs a compiled script for a caller (scripting/script-runner.ts ScriptRunner). */
export interface ScriptRunnerService {
  /** the caller's reply, or null when the script paused past busy-reply-threshold (it answers later) */
  run(caller: CommandContext, target: ScriptTarget, req: RunRequest): Reply | null;
}

/** The FUNCTION registry as FUNCTION and FCALL use it (scripting/function-libraries.ts FunctionLibraries). */
export interface FunctionRegistry {
  /** the FCALL under way (FUNCTION STATS shows it; the next FCALL replaces it) */
  current: FunctionRun | null;
  readonly libraries: ReadonlyMap<string, LibraryInfo>;
  readonly libraryCount: number;
  readonly functionCount: number;
  lookup(name: string): FunctionInfo | undefined;
  /** every library's code (FUNCTION DUMP) */
  codes(): string[];
  load(code: string, replace: boolean, env: LoadEnvironment): LoadOutcome;
  delete(name: string): boolean;
  flush(): void;
  /** FUNCTION RESTORE: null on success, else the error text */
  restore(codes: readonly string[], policy: RestorePolicy, env: LoadEnvironment): string | null;
}

/** EVAL's VM, script cache and runner as EVAL and SCRIPT use them (scripting/eval-scripts.ts EvalScripts). */
export interface EvalService {
  readonly cache: ScriptCache;
  readonly runner: ScriptRunnerService;
  /** compiles (or finds) a script; `fromEval` scripts may be evicted, SCRIPT LOAD's may not */
  load(body: string, fromEval: boolean): CompileOutcome;
  /** SCRIPT FLUSH: empties the cache and rebuilds the VM */
  flush(): void;
}

/** FUNCTION libraries and the function being run (scripting/function-libraries.ts). */
export interface FunctionService {
  readonly libraries: FunctionRegistry;
  /** runs library functions (FCALL), over the libraries' VM */
  readonly runner: ScriptRunnerService;
  /** redis.log and the other host functions a library may call while it loads */
  readonly loadHostFunction?: (name: string, args: readonly LuaArg[]) => HostFunctionResult;
  /** the function running now, or null */
  runningFunction(): RunningFunction | null;
}

/** Scripting (EVAL, SCRIPT) and what the script runner asks of the server. */
export interface ScriptingService {
  /** EVAL's VM, script cache and runner */
  readonly eval: EvalService;
  /** maxmemory is set and used memory is over it (Redis's pre_command_oom_state) */
  outOfMemory(): boolean;
  /** the MISCONF refusal in force (a failed save or AOF write), else null */
  diskError(): string | null;
  /** a read-only replica: a script's writes are refused (-READONLY) */
  readOnlyReplica(): boolean;
  /** a replica's link is down with replica-serve-stale-data no (-MASTERDOWN) */
  runningStale(): boolean;
  /** a primary with fewer good replicas than min-replicas-to-write (-NOREPLICAS) */
  notEnoughReplicas(): boolean;
}

/**
 * Replication's primary side (replication/primary-side.ts): PSYNC / SYNC, REPLCONF and
 * ROLE's master form. PSYNC and SYNC answer null once the client became a replica (its
 * sync is under way and it gets no replies from then on).
 */
export interface PrimaryService {
  sync(ctx: CommandContext, argv: string[]): Reply | null;
  replconf(ctx: CommandContext, argv: string[]): Reply | null;
  roleReply(): Reply;
}

export interface CommandServices {
  readonly keyspace: KeyspaceService;
  readonly clients: ClientRegistry;
  readonly pubsub: PubSubService;
  readonly tracking: TrackingService;
  readonly persistence: PersistenceControl;
  readonly monitor: MonitorService;
  readonly security: SecurityService;
  readonly commands: CommandRegistry;
  readonly replication: WaitService;
  readonly primary: PrimaryService;
  readonly replicaOf: ReplicaOfService;
  readonly migrate: MigrateService;
  readonly debug: DebugService;
  readonly monitorFeed: MonitorFeedService;
  readonly scripting: ScriptingService;
  /** running scripts in slices past busy-reply-threshold, BUSY, SCRIPT/FUNCTION KILL */
  readonly scriptBusy: ScriptsService;
  readonly functions: FunctionService;
}

/** What the server provides to build contexts (implemented by server/server.ts). */
export interface CommandHost {
  readonly dbs: readonly Database[];
  readonly config: ConfigStore;
  readonly propagator: PropagationVerbs;
  readonly services: CommandServices;
  /** the cached time of the current command, ms */
  now(): number;
  keyModified(db: Database, key: string): void;
  notifyKeyspaceEvent(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void;
}

export class CommandContext {
  /** the command being executed (set by the dispatcher) */
  command!: CommandEntry;
  readonly config: ConfigStore;
  readonly propagation: PropagationVerbs;
  readonly services: CommandServices;

  constructor(
    private readonly host: CommandHost,
    readonly client: Client,
  ) {
    this.config = host.config;
    this.propagation = host.propagator;
    this.services = host.services;
  }

  /**
   * A context for another client of the same server: a script's own client, which
   * runs the script's redis.call commands in its own database and protocol.
   */
  forClient(client: Client): CommandContext {
    return new CommandContext(this.host, client);
  }

  get db(): Database {
    return this.host.dbs[this.client.dbIndex]!;
  }

  /** cached time of this command, ms */
  get now(): number {
    return this.host.now();
  }

  /**
   * A keyspace event (keyspace-events.ts) for `key` in the selected database, or in
   * `dbIndex` when the command works on another one (MOVE, COPY … DB).
   */
  notify(kind: NotifyKindBit, event: string, key: string, dbIndex: number = this.client.dbIndex): void {
    this.host.notifyKeyspaceEvent(kind, event, key, dbIndex);
  }

  /** Redis's signalModifiedKey: WATCH, blocked clients, memory accounting, dirty. */
  keyModified(db: Database, key: string): void {
    this.host.keyModified(db, key);
  }
}
