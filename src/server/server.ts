/**
 * The composition root: builds the server's parts, wires them to each other and owns the
 * lifecycle (listen, close, shutdown). `startServer()` is what tests and main.ts call.
 *
 * Each concern lives in the module that owns it, with its contract in its header:
 * admission (admission.ts), logins (auth-login.ts), the keyspace's hooks
 * (keyspace-hooks.ts), the cron and active expiry (cron.ts), command statistics
 * (command-stats.ts), per-client limits (client-limits.ts), the server side of eviction
 * (memory-limits.ts; the OOM refusal is commands/oom-gate.ts), TLS (tls/tls-service.ts),
 * the write feed's hold on replies (persistence/reply-barrier.ts), INFO figures other
 * layers own (info-registry.ts). Settings are registered with the config store by their
 * owners (config-store.ts states the push/pull rule); no setting is copied from here into
 * another module's fields. What stays here is shared state — the
 * databases, the connections, the current client, the cached time, loading and MISCONF —
 * and the few methods the parts call back into.
 */
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ConfigStore } from '../config/config-store.js';
import { configTable } from '../config/config-table.js';
import { CommandTable, renameChecker } from '../command-context/command-table.js';
import { Dispatcher } from '../commands/dispatcher.js';
import { ScriptBusyGate, scriptBusyHost } from './script-busy.js';
import { allCommands } from '../commands/index.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandContext, CommandHost } from '../command-context/context.js';
import { commandServices, type ServerCommandServices } from './command-services.js';
import { declaredFlags, type DeclaredFlags } from '../scripting/script-command-flags.js';
import { Database } from '../keyspace/database.js';
import { systemClock, type Clock } from '../keyspace/clock.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import type { Reply } from '../protocol/reply.js';
import type { Client } from './client.js';
import { AccessControl } from '../acl/access-control.js';
import { validateUserDirective } from '../acl/config-users.js';
import { loadStartupUsers } from '../acl/startup-users.js';
import type { AclContext } from '../acl/user.js';
import { clientInfoLine } from './client-info.js';
import { SecurityMonitor } from '../security/security-monitor.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { Connection } from './connection.js';
import { Logger, silentSink } from './logger.js';
import { startSyslog, type SyslogOutput } from './syslog-output.js';
import { ServerStats } from './stats.js';
import { SlowLog } from './slowlog.js';
import { LatencyMonitor } from './latency.js';
import { ClientPause } from './client-pause.js';
import { Listeners } from './listeners.js';
import { registerListenerConfig } from './listener-config.js';
import { TlsService } from '../tls/tls-service.js';
import type { TlsAcceptor, TlsAcceptorEvents } from '../tls/tls-acceptor.js';
import { BlockingRegistry } from './blocking.js';
import { WatchRegistry } from './watch.js';
import { PubSubRegistry } from './pubsub.js';
import { TrackingTable, trackingHost } from './tracking.js';
import { ClientLimits } from './client-limits.js';
import { InfoRegistry } from './info-registry.js';
import { Propagator } from '../persistence/propagator.js';
import { FunctionLibraries } from '../scripting/function-libraries.js';
import { PersistenceLayer } from '../persistence/persistence-layer.js';
import { MemoryAccounting } from '../keyspace/memory-accounting.js';
import { Evictor } from '../keyspace/eviction.js';
import { evictionHost, registerMemoryLimits } from './memory-limits.js';
import { memoryGate } from '../commands/oom-gate.js';
import { Admission } from './admission.js';
import { AuthLogin } from './auth-login.js';
import { KeyspaceHooks } from './keyspace-hooks.js';
import { ServerCron } from './cron.js';
import { ShutdownSequence } from './shutdown.js';
import { CommandStats } from './command-stats.js';
import { HeapGuard } from './heap-guard.js';
import { MonitorFeed } from './monitor-feed.js';
import { DebugKnobs, registerDebugSwitches } from './debug-service.js';
import { Replication } from '../replication/replication.js';
import { Gateway } from '../gateway/gateway.js';
import { firstFullCollection } from './live-heap.js';
import type { RunningServerOf, ServerOptions } from './server-options.js';

export { ListenError } from './listeners.js';
export { TlsConfigError } from '../tls/tls-service.js';
export type { ServerOptions } from './server-options.js';
export type RunningServer = RunningServerOf<Server>;

export class Server implements CommandHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  /** syslog-enabled yes: the logger child the log and the security events go to */
  syslog: SyslogOutput | null = null;
  /** shutdown() closes the syslog output itself, after its last log line */
  private syslogClosedLater = false;
  readonly clock: Clock;
  readonly commands: CommandTable;
  readonly dispatcher: Dispatcher = new Dispatcher(this);
  /** what command handlers see of the server (command-context/services.ts) */
  readonly services: ServerCommandServices;
  readonly stats = new ServerStats();
  /** FUNCTION libraries (FUNCTION LOAD, FCALL, RDB/AOF) */
  readonly functions = new FunctionLibraries();
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly scriptFlags = (cmd: Command, argv: readonly string[]): DeclaredFlags | null => declaredFlags({ cache: () => this.services.scripting.eval.cache, flagsOf: (n) => this.functions.flagsOf(n) }, cmd, argv);
  readonly pause = new ClientPause(() => this.commands, (cmd, argv) => this.scriptFlags(cmd, argv)?.writes ?? null);
  readonly acl: AccessControl;
  readonly security: SecurityMonitor;
  /** what is counted and recorded after each command (command-stats.ts) */
  readonly commandStats: CommandStats;
  /** whether an accepted socket becomes a client (admission.ts) */
  readonly admission: Admission;
  /** AUTH / HELLO AUTH, certificate and implicit logins (auth-login.ts) */
  readonly login: AuthLogin;
  /** what happens around a key when the databases change it (keyspace-hooks.ts) */
  readonly keyspace: KeyspaceHooks;
  /** background work hz times a second (cron.ts) */
  readonly cron: ServerCron;
  /** the TLS port's context and its reloads (tls/tls-service.ts) */
  readonly tlsService: TlsService;
  /** parser caps, query and output buffer limits (client-limits.ts) */
  readonly limits: ClientLimits;
  /** figures other layers show in INFO, registered by their owners (info-registry.ts) */
  readonly info = new InfoRegistry();
  /** clients blocked on keys (BLPOP & co.) */
  readonly blocking: BlockingRegistry = new BlockingRegistry(this);
  /** a script paused past busy-reply-threshold: BUSY, SCRIPT KILL (server/script-busy.ts) */
  readonly scripts: ScriptBusyGate = new ScriptBusyGate(scriptBusyHost(this));
  /** WATCHed keys (transactions) */
  readonly watches = new WatchRegistry();
  /** channel and pattern subscriptions */
  readonly pubsub = new PubSubRegistry();
  /** client-side caching: tracked keys, BCAST prefixes, invalidation messages */
  readonly tracking = new TrackingTable(trackingHost(this));
  /** MONITOR clients and their feed (monitor-feed.ts) */
  readonly monitorFeed: MonitorFeed = new MonitorFeed(this);
  /** the testing switches DEBUG turns (debug-service.ts) */
  readonly debugKnobs = new DebugKnobs();
  /** the write feed to the append-only file (persistence/propagator.ts) */
  readonly propagator = new Propagator();
  /** PSYNC2 identity, backlog, the primary and replica sides (replication/replication.ts) */
  readonly replication: Replication;
  /** gateway mode: keyed commands forwarded to upstream nodes (gateway/gateway.ts); null otherwise */
  gateway: Gateway | null = null;
  /** RDB snapshots, the AOF, start-up loading (persistence/persistence-layer.ts) */
  readonly persistence: PersistenceLayer;
  /**
   * An unrecoverable persistence failure (an AOF write under appendfsync always): main.ts
   * exits the process, as redis-server does; in-process servers shut down.
   */
  onFatal: ((message: string) => void) | null = null;
  /** used_memory as accounted for maxmemory (keyspace/memory-accounting.ts) */
  readonly memory = new MemoryAccounting(() => this.dbs, () => this.tracking.memoryBytes);
  /** writes refused before V8's heap limit (server/heap-guard.ts), sampled by the dispatcher and cron */
  readonly heapGuard = new HeapGuard();
  /** maxmemory eviction (keyspace/eviction.ts), configured by the maxmemory* hooks */
  readonly evictor = new Evictor(evictionHost(this));
  /** executable INFO server reports; defaults to the running script */
  executable = '';
  dbs: Database[] = [];
  readonly connections = new Map<number, Connection>();
  /** listening sockets (TCP, TLS, unix): see listeners.ts */
  readonly network: Listeners;
  readonly startedAt: number;
  readonly runId: string;
  private cachedNow: number;
  /** the client whose command is executing (NO-TOUCH, events) */
  current: Client | null = null;
  /** set while shutting down so late connections are refused */
  shuttingDown = false;
  /** listeners call this once a shutdown finished (main.ts exits the process) */
  onShutdown: (() => void) | null = null;
  /** last steps of a shutdown before the final log line (main.ts removes the pid file) */
  readonly shutdownHooks: (() => void)[] = [];
  /**
   * Set by the persistence layer: writes the final snapshot for SHUTDOWN, returning an
   * error text or null. Null while Redoubt has no persistence.
   */
  snapshotOnShutdown: (() => string | null) | null = null;
  /** signals scheduled for the cron, SHUTDOWN's checks, SHUTDOWN ABORT (shutdown.ts) */
  readonly shutdownSequence = new ShutdownSequence(this);
  /** true while the dataset is loaded at start-up: commands without the `loading` flag get -LOADING */
  loading = false;
  /**
   * The MISCONF refusal while the last background save (stop-writes-on-bgsave-error) or
   * an AOF write failed; null when writes are accepted. Kept by the persistence layer.
   */
  diskError: string | null = null;
  /** a running snapshot's copy-on-write hooks (persistence/snapshot.ts); null otherwise */
  keyWriteHook: ((db: Database, key: string) => void) | null = null;
  bulkWriteHook: ((db: Database) => void) | null = null;
  metrics: { port: number; close(): Promise<void> } | null = null; // the Prometheus endpoint, once started

  constructor(opts: ServerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.cachedNow = this.clock.now();
    this.startedAt = this.cachedNow;
    this.runId = randomBytes(20).toString('hex');
    this.logger = new Logger(opts.logSink ?? silentSink);
    this.config = opts.store ?? new ConfigStore(configTable);
    this.commands = new CommandTable(allCommands);
    // owners register the settings they act on (ConfigStore.onChange); applyAll runs them below
    this.logger.registerConfig(this.config);
    this.slowlog.registerConfig(this.config);
    this.latency.registerConfig(this.config);
    this.limits = new ClientLimits(this);
    this.tlsService = new TlsService(this.config, this.logger);
    this.keyspace = new KeyspaceHooks(this);
    this.security = new SecurityMonitor(this.config, this.logger, () => this.clock.now());
    this.commandStats = new CommandStats(this);
    const config = this.config;
    const aclContext: AclContext = {
      table: this.commands,
      get pubsubDefault() {
        return config.get('acl-pubsub-default') === 'allchannels' ? 'allchannels' : 'resetchannels';
      },
    };
    this.acl = new AccessControl({
      aclContext,
      acllogMaxLen: () => this.config.int('acllog-max-len'),
      wallClock: () => this.now(),
      clientInfo: (c) => clientInfoLine(this.now(), c, null),
      commandName: (cmd) => {
        const top = this.commands.publicName(cmd.parent ?? cmd) ?? (cmd.parent ?? cmd).name;
        return cmd.parent === null ? top : `${top}|${cmd.name}`;
      },
      denied: (client, reason, object, context) => this.commandStats.countAclDenial(client, reason, object, context),
    });
    this.acl.registerConfig(this.config);
    registerMemoryLimits(this);
    registerDebugSwitches(this.config, this.logger);
    this.login = new AuthLogin(this);
    this.admission = new Admission(this);
    this.network = new Listeners(this.logger, (s, kind) => this.admission.onRawConnection(s, kind));
    registerListenerConfig(this);
    this.cron = new ServerCron(this);
    this.config.userValidator ??= (args, seen) => validateUserDirective(args, seen, aclContext);
    this.config.renameValidator ??= renameChecker(new CommandTable(allCommands));
    if (opts.config !== undefined) {
      for (const [name, ...args] of opts.config) {
        const err = this.config.setDirective(name, args);
        if (err !== null) throw new Error(`config '${name}': ${err}`);
      }
    }
    this.syslog = startSyslog(this.config, this.logger, this.security.events, opts.syslog, () => this.clock.now());
    // rename-command lines were checked as they were read; apply them to the live table
    for (const [from, to] of this.config.renames) this.commands.rename(from, to);
    this.resizeDatabases(this.config.int('databases'));
    this.persistence = new PersistenceLayer(this);
    this.replication = new Replication(this);
    this.replication.attach(this);
    this.snapshotOnShutdown = () => this.persistence.shutdownSave();
    this.services = commandServices(this);
    // every registered hook once (start-up); a refusal stops the start (logged, exit 1)
    const refused = this.config.applyAll();
    if (refused !== null) throw new StartupError(`config '${refused.def.name}': ${refused.error}`);
    const usersFailed = loadStartupUsers(this.acl.users, this.config.get('aclfile'), this.config.userDirectives, (m) => this.logger.notice(m));
    if (usersFailed !== null) throw new StartupError(usersFailed);
    this.dispatcher.aclCheck = (ctx, cmd, argv) => this.acl.check(ctx, cmd, argv);
    this.gateway = Gateway.fromConfig(this);
    firstFullCollection();
    const mu = process.memoryUsage();
    // the Lua VMs' linear memory is outside V8's heap and, as Redis's Lua heap, not used_memory
    this.memory.baseline = mu.heapUsed + mu.external - this.services.scripting.eval.vm.linearMemoryBytes() - this.functions.linearMemoryBytes();
  }

  resizeDatabases(n: number): void {
    while (this.dbs.length < n) this.dbs.push(new Database(this.dbs.length, this.keyspace));
  }

  /** Recomputes the MISCONF state from the persistence layer (after a save or AOF write outcome). */
  refreshDiskError(): void {
    this.diskError = this.persistence.diskError();
  }

  /** An unrecoverable persistence error: logged, then the process (or server) stops. */
  fatal(message: string): void {
    this.logger.warning(message);
    if (this.onFatal !== null) this.onFatal(message);
    else void this.close();
  }

  // ---- time, and what the dispatcher and command contexts call back into ----
  now(): number {
    return this.cachedNow;
  }
  updateTime(): void {
    this.cachedNow = this.clock.now();
  }
  /** Sets the cached time (a paused script's slices keep its start time). */
  setCachedTime(ms: number): void {
    this.cachedNow = ms;
  }
  keyModified(db: Database, key: string): void {
    this.keyspace.keyModified(db, key);
  }
  notifyKeyspaceEvent(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void {
    this.keyspace.notifyKeyspaceEvent(kind, event, key, dbIndex);
  }
  preserveKeys(dbIndex: number, cmd: Command, argv: string[]): void {
    this.keyspace.preserveKeys(dbIndex, cmd, argv);
  }
  /** maxmemory (commands/oom-gate.ts): the OOM refusal for this command, or null */
  memoryRefusal(client: Client, cmd: Command, argv: string[]): string | null {
    return memoryGate(this, client, cmd, argv);
  }
  countError(r: Reply): void {
    this.commandStats.countError(r);
  }
  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number, failed: boolean): void {
    // MONITOR shows a command once it ran, before the clients it unblocked are served
    if (this.monitorFeed.active) this.monitorFeed.commandRan(ctx.client, cmd, argv);
    this.commandStats.afterCommand(ctx, cmd, argv, usec, failed);
  }

  // ---- connections ----
  /** An admitted client (admission.ts): its connection starts serving it. */
  open(client: Client, socket: net.Socket): void {
    this.connections.set(client.id, new Connection(this, client, socket));
  }

  /** RESET: layers with per-client state (pub/sub, WATCH, tracking) hook in here. */
  onClientReset(client: Client): void {
    client.watchDirty = false;
    this.watches.unwatchAll(client);
    this.pubsub.clientGone(client);
    this.tracking.disable(client);
    this.monitorFeed.remove(client);
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn.client.id);
    this.memory.clientGone(conn.client);
    this.watches.unwatchAll(conn.client);
    this.pubsub.clientGone(conn.client);
    this.tracking.disable(conn.client);
    this.monitorFeed.remove(conn.client);
    this.pause.forget(conn);
    this.blocking.forget(conn.client);
    conn.client.debugger?.gone(false);
    this.gateway?.clientGone(conn.client);
    this.security.connectionClosed(conn.client.id);
  }

  clientById(id: number): Connection | undefined {
    return this.connections.get(id);
  }

  // ---- lifecycle ----
  /** Starts the metrics endpoint on `port` (main.ts when metrics-port is set; tests with 0 = ephemeral). */
  async startMetrics(port: number): Promise<void> {
    this.metrics = await startMetricsServer(this, this.config.get('metrics-bind'), port);
  }

  /** what the TLS acceptor does with a finished or refused handshake (admission.ts) */
  get tlsEvents(): TlsAcceptorEvents {
    return this.admission.tlsEvents;
  }

  /** the TLS handshake side of the TLS port, once listening with `tls-port` */
  get tls(): TlsAcceptor | null {
    return this.tlsService.acceptor;
  }

  /**
   * Opens the listeners the config asks for (see listeners.ts). `ephemeral` / `ephemeralTls`
   * (tests) make port 0 mean "any free port"; the bound port is then what CONFIG GET shows.
   */
  async listen(ephemeral = false, ephemeralTls = false): Promise<void> {
    const c = this.config;
    const tlsPort = c.int('tls-port');
    if (tlsPort !== 0 || ephemeralTls) this.tlsService.start(this.tlsEvents);
    await this.network.open({
      binds: c.get('bind').split(' ').filter((b) => b.length > 0),
      port: c.int('port'),
      tlsPort,
      unixsocket: c.get('unixsocket'),
      unixsocketperm: parseInt(c.get('unixsocketperm'), 8),
      backlog: c.int('tcp-backlog'),
      ephemeralTcp: ephemeral,
      ephemeralTls,
    });
    if (ephemeral) this.config.store('port', String(this.boundPort()));
    if (ephemeralTls) this.config.store('tls-port', String(this.network.port('tls')));
    this.cron.start();
  }

  /** Every open listener socket (TCP, TLS, unix). */
  get listeners(): net.Server[] {
    return this.network.servers.map((l) => l.srv);
  }

  /** Port of the first plaintext TCP listener (the real one when configured with port 0). */
  boundPort(): number {
    return this.network.port('tcp');
  }

  boundHost(): string {
    return this.network.host('tcp');
  }

  /** Stops accepting, disconnects clients and stops timers. */
  async close(): Promise<void> {
    this.shuttingDown = true;
    this.cron.stop();
    this.scripts.stop();
    this.evictor.stop();
    this.replication.close();
    this.gateway?.close();
    this.security.events.close();
    if (!this.syslogClosedLater) this.syslog?.close();
    this.security.throttle.stop();
    if (this.metrics !== null) await this.metrics.close();
    this.pause.stop();
    // the AOF's last commands reach the disk before the process may exit
    const persisted = this.persistence.close();
    const closing = this.network.close();
    for (const conn of [...this.connections.values()]) {
      conn.flush();
      conn.close();
    }
    await Promise.all([closing, persisted]);
  }

  /** SHUTDOWN / SIGTERM: close everything, then let main.ts exit. */
  async shutdown(): Promise<void> {
    this.logger.warning('User requested shutdown...');
    this.syslogClosedLater = true;
    await this.close();
    for (const hook of this.shutdownHooks) hook();
    this.logger.warning('Redoubt is now ready to exit, bye bye...');
    this.syslog?.close();
    this.onShutdown?.();
  }
}

/** A start-up failure redis-server reports with one WARNING log line and exit code 1. */
export class StartupError extends Error {}

/** Starts a server with the given directives (tests use `port 0`). */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const server = new Server(opts);
  if (opts.port !== undefined) server.config.store('port', String(opts.port));
  if (opts.tlsPort !== undefined) server.config.store('tls-port', String(opts.tlsPort));
  await server.listen(opts.port === 0, opts.tlsPort === 0);
  const loaded = server.persistence.load();
  if (opts.awaitLoading !== false) {
    try {
      await loaded;
    } catch (e) {
      await server.close();
      throw e;
    }
  } else loaded.catch(() => {});
  if (opts.metricsPort !== undefined) await server.startMetrics(opts.metricsPort);
  return {
    server,
    port: server.boundPort(),
    host: server.boundHost(),
    tlsPort: server.network.port('tls'),
    loaded,
    close: () => server.close(),
  };
}
