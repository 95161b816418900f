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
 */
import type { Database } from '../keyspace/database.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { ValueType } from '../keyspace/value-types.js';
import type { Reply } from '../protocol/reply.js';
import type { Client } from '../server/client.js';
import type { PubSubTarget, SubscriptionKind } from '../server/pubsub.js';
import type { TrackingOptions } from '../server/tracking.js';
import type { ServerStats } from '../server/stats.js';
import type { SlowLogEntry } from '../server/slowlog.js';
import type { LatencyEvent, CommandHistogram } from '../server/latency.js';
import type { Logger } from '../server/logger.js';
import type { AccessControl } from '../acl/access-control.js';
import type { SecurityMonitor, Actor } from '../security/security-monitor.js';
import type { Command } from './command-spec.js';
import type { CommandTable } from './command-table.js';
import type { CommandContext } from './context.js';

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
  serve?: () => Reply | null;
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
  /** the final snapshot SHUTDOWN writes (an error text or null); null without persistence */
  readonly snapshotOnShutdown: (() => string | null) | null;
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

/** Identity and security: ACL users, AUTH, security events. */
export interface SecurityService {
  readonly acl: AccessControl;
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
  readonly table: CommandTable;
  /** runs a command that passed every check (EXEC's queued commands) */
  call(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null;
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
}
