/**
 * The server side of the command services (command-context/services.ts): each service is a
 * thin view over the server's registries, built once per server. Views read the server's
 * fields lazily (getters), so state replaced later (databases resized, persistence set up
 * after the services) is always the current one.
 */
import type { CommandServices, ScriptingService } from '../command-context/services.js';
import { clientBufferBytes } from '../keyspace/memory-accounting.js';
import { systemClock } from '../keyspace/clock.js';
import { infoText } from './info-report.js';
import type { InfoReportHost } from './info-report.js';
import type { DebugServiceHost } from './debug-service.js';
import type { AccessControl } from '../acl/access-control.js';
import type { Dispatcher } from '../commands/dispatcher.js';
import type { Replication } from '../replication/replication.js';
import type { PersistenceLayer } from '../persistence/persistence-layer.js';
import type { Database } from '../keyspace/database.js';
import type { SlowLog } from './slowlog.js';
import type { ClientPause } from './client-pause.js';
import type { BlockingRegistry } from './blocking.js';
import type { WatchRegistry } from './watch.js';
import type { MonitorFeed } from './monitor-feed.js';
import type { KeyspaceHooks } from './keyspace-hooks.js';
import type { AuthLogin } from './auth-login.js';
import type { ScriptBusyGate } from './script-busy.js';
import type { ShutdownSequence } from './shutdown.js';
import type { Connection } from './connection.js';
import { actorOf } from './auth-login.js';
import { WaitRegistry } from './wait-registry.js';
import { MigrateSockets } from './migrate-sockets.js';
import { debugService } from './debug-service.js';
import { memoryForEviction } from './memory-limits.js';
import { EvalScripts } from '../scripting/eval-scripts.js';
import { ScriptRunner } from '../scripting/script-runner.js';
import { redisLog } from '../scripting/redis-api.js';
import type { Client } from './client.js';
import { reply, Kind, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { internalErrorLog } from './internal-error-log.js';

/**
 * The services as the server holds them: handlers see EVAL's scripts through the narrow
 * EvalService, the server keeps the concrete EvalScripts (INFO memory, the start-up baseline).
 */
export type ServerCommandServices = CommandServices & { readonly scripting: ScriptingService & { readonly eval: EvalScripts } };

/** What the command services reach in the server (server/server.ts): INFO's and DEBUG's hosts, and the registries. */
export interface CommandServicesHost extends InfoReportHost, DebugServiceHost {
  readonly acl: AccessControl;
  readonly dispatcher: Dispatcher;
  readonly services: InfoReportHost['services'];
  readonly replication: Replication;
  readonly persistence: PersistenceLayer;
  readonly dbs: Database[];
  readonly connections: ReadonlyMap<number, Connection>;
  readonly slowlog: SlowLog;
  readonly pause: ClientPause;
  readonly blocking: BlockingRegistry;
  readonly watches: WatchRegistry;
  readonly monitorFeed: MonitorFeed;
  readonly keyspace: KeyspaceHooks;
  readonly login: AuthLogin;
  readonly scripts: ScriptBusyGate;
  readonly shutdownSequence: ShutdownSequence;
  /** the MISCONF refusal, or null */
  readonly diskError: string | null;
  countError(r: Reply): void;
  onClientReset(client: Client): void;
  shutdown(): Promise<void>;
}

export function commandServices(server: CommandServicesHost): ServerCommandServices {
  const scriptHost = {
    outOfMemory: (): boolean => server.evictor.maxmemory > 0 && memoryForEviction(server) > server.evictor.maxmemory,
    diskError: (): string | null => server.diskError,
    readOnlyReplica: (): boolean => server.replication.refuseWrites,
    runningStale: (): boolean => server.replication.refuseStale,
    notEnoughReplicas: (): boolean => server.replication.primary.refusesWrites,
  };
  // one math.random sequence for EVAL and FUNCTION, kept across flushes (Redis's rand.c)
  const evalScripts = new EvalScripts(scriptHost, { prng: server.functions.prng });
  const waits = new WaitRegistry({
    propagator: server.propagator,
    blocking: server.blocking,
    get current() {
      return server.current;
    },
    aof: () => server.persistence.aof.writer,
  });
  // replicas' acknowledgements count for WAIT / WAITAOF, and each ACK re-checks the waiters
  waits.attachReplicas(server.replication.primary);
  server.replication.waits = waits;
  // FCALL runs library functions through the same runner rules as EVAL, on the libraries' VM
  const functionRunner = new ScriptRunner(server.functions.vm, scriptHost);
  // lua-memory-limit: owned here, where both script VMs are built (push: a running VM too)
  server.config.onChange('lua-memory-limit', () => {
    const bytes = server.config.int('lua-memory-limit');
    evalScripts.setMemoryLimit(bytes);
    server.functions.setMemoryLimit(bytes);
    return null;
  });
  return {
    keyspace: {
      get dbs() {
        return server.dbs;
      },
      keyIsExpired: (dbIndex, key) => server.keyspace.keyIsExpired(dbIndex, key),
      lfuEnabled: () => server.keyspace.lfuEnabled(),
      addDirty: (n) => {
        server.stats.dirty += n;
      },
      get loading() {
        return server.loading;
      },
      get maxBulkLen() {
        return server.limits.parser.maxBulkLen;
      },
      watches: server.watches,
      blocking: server.blocking,
      memory: server.memory,
    },
    clients: {
      list: () => [...server.connections.values()].map((conn) => conn.client),
      byId: (id) => server.connections.get(id)?.client,
      // a client with no connection (AOF loading, scripts) still gets a registry entry
      pubsubTarget: (client) => server.connections.get(client.id) ?? { client, push: () => {} },
      bufferBytes: () => clientBufferBytes(server.connections.values()),
      implicitLoginAllowed: (client) => server.login.implicitLoginAllowed(client),
      reset: (client) => server.onClientReset(client),
      pause: (mode, ms) => server.pause.pause(mode, ms),
      unpause: () => server.pause.unpause(),
      replyLater: (client, work) => replyLater(server, client, work),
    },
    pubsub: server.pubsub,
    tracking: server.tracking,
    persistence: {
      get rdb() {
        return server.persistence.rdb;
      },
      get aof() {
        return server.persistence.aof;
      },
      finishShutdown: (flags) => server.shutdownSequence.finish(flags),
      abortShutdown: () => server.shutdownSequence.abort(),
      shutdown: () => void server.shutdown(),
    },
    monitor: {
      stats: server.stats,
      slowlog: server.slowlog,
      latency: server.latency,
      logger: server.logger,
      countError: (r) => server.countError(r),
      info: (args) => infoText(server, args),
      wallClock: () => server.clock.now(),
      get systemClock() {
        return server.clock === systemClock;
      },
    },
    security: {
      acl: server.acl,
      events: server.security,
      actorOf,
      authenticate: (ctx, user, password, commandName, finish) => server.login.authenticate(ctx, user, password, commandName, finish),
    },
    commands: {
      table: server.commands,
      call: (ctx, cmd, argv) => server.dispatcher.call(ctx, cmd, argv),
      defer: () => server.dispatcher.defer(),
      lateReplyTo: (client) => server.connections.get(client.id),
    },
    replication: waits,
    primary: server.replication.primary,
    replicaOf: {
      get isReplica() {
        return server.replication.isReplica;
      },
      follow: (host, port, by) => server.replication.replica!.replicaOf(host, port, by),
      promote: (by) => server.replication.replica!.noOne(by),
      replicaRole: () => server.replication.replica!.roleReply(),
      get offset() {
        return server.replication.state.offset;
      },
      get failingOver() {
        return server.replication.failoverState !== 'no-failover';
      },
      failover: (argv, by) => server.replication.failover.command(argv, by),
    },
    migrate: new MigrateSockets(),
    debug: debugService(server),
    monitorFeed: {
      start: (client) => {
        const conn = server.connections.get(client.id);
        return conn !== undefined && server.monitorFeed.add(conn);
      },
      get active() {
        return server.monitorFeed.active;
      },
      commandLine: (client, cmd, argv) => server.monitorFeed.commandLine(client, cmd, argv),
      scriptCommand: (dbIndex, cmd, argv) => server.monitorFeed.scriptCommand(dbIndex, cmd, argv),
    },
    functions: {
      libraries: server.functions,
      runner: functionRunner,
      loadHostFunction: (name, args) => (name === 'log' ? redisLog(server.logger, args) : { kind: 'none' }),
      // a function is only seen running by another client while it is paused past
      // busy-reply-threshold (FUNCTION STATS is noscript): the busy gate says which
      runningFunction: () => {
        const busy = server.scripts.running();
        const run = server.functions.current;
        return busy === null || busy.kind !== 'function' || run === null ? null : { name: run.name, argv: run.argv, durationMs: busy.durationMs };
      },
    },
    scripting: {
      eval: evalScripts,
      ...scriptHost,
    },
    scriptBusy: server.scripts,
  };
}

/** ClientRegistry.replyLater: the blocked-client path (as a throttled AUTH's reply). */
function replyLater(server: CommandServicesHost, client: Client, work: () => Promise<Reply>): boolean {
  const conn = server.connections.get(client.id);
  if (conn === undefined || conn.client !== client || client.inExec) return false;
  client.blocked = true;
  void work()
    .catch((e: unknown): Reply => {
      internalErrorLog(server.logger).report('finishing a deferred reply', e);
      return reply.error(errors.internal);
    })
    .then((out) => {
      // the client left meanwhile: nobody to answer
      if (server.connections.get(client.id) !== conn) return;
      client.blocked = false;
      if (out.k === Kind.Error) server.countError(out);
      conn.unblocked(out);
    });
  return true;
}
