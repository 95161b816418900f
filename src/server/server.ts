/**
 * The server: owns configuration, databases, the command table, connected clients,
 * statistics and the listeners. `startServer()` is what tests and main.ts call.
 */
import net from 'node:net';
import { ConfigStore } from '../config/config-store.js';
import { configTable, type ConfigName } from '../config/config-table.js';
import { CommandTable, renameChecker } from '../command-model/command-table.js';
import { Dispatcher } from '../commands/dispatcher.js';
import { extractKeyNames } from '../command-model/key-extraction.js';
import { allCommands } from '../commands/index.js';
import type { Command } from '../command-model/command-spec.js';
import type { CommandContext, CommandHost } from '../command-model/context.js';
import type { CommandServices } from '../command-model/services.js';
import { commandServices } from './command-services.js';
import { Database, type KeyspaceHost } from '../keyspace/database.js';
import { systemClock, type Clock } from '../keyspace/clock.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import type { ParserLimits } from '../protocol/request-parser.js';
import { Client } from './client.js';
import { AccessControl, sourceAllowed } from '../acl/access-control.js';
import { certificateIdentities } from '../tls/cert-identity.js';
import type { TLSSocket } from 'node:tls';
import type { AclDenialReason } from '../acl/acl-log.js';
import { loadAclFile } from '../acl/acl-file.js';
import { applyUserDirectives, validateUserDirective } from '../acl/config-users.js';
import type { AclContext } from '../acl/user.js';
import { clientInfoLine } from '../commands/client.js';
import { SecurityMonitor, sourceOf, type Actor, type AuthMechanism } from '../security/security-monitor.js';
import type { CheckTicket } from '../security/auth-throttle.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { PROTECTED_MODE_DENIED, protectedModeRefuses } from '../security/protected-mode.js';
import { Connection } from './connection.js';
import { Logger, silentSink, type LogSink } from './logger.js';
import { connectSyslog, SyslogOutput, syslogOptions } from './syslog-output.js';
import { ServerStats } from './stats.js';
import { SlowLog } from './slowlog.js';
import { LatencyMonitor } from './latency.js';
import { ClientPause } from './client-pause.js';
import { Listeners, type ListenerKind } from './listeners.js';
import { SourceAllowlist } from '../security/source-allowlist.js';
import { TlsAcceptor } from '../tls/tls-acceptor.js';
import { buildTlsSettings, tlsWatchedPaths } from '../tls/tls-config.js';

export { ListenError } from './listeners.js';
import { BlockingRegistry } from './blocking.js';
import { WatchRegistry } from './watch.js';
import { PubSubRegistry } from './pubsub.js';
import { parseOutputLimits, type OutputLimits } from './output-limits.js';
import { OBUF_DEFAULT } from '../config/config-values.js';
import { Propagator } from '../persistence/propagator.js';
import { FunctionLibraries } from '../scripting/function-libraries.js';
import { PersistenceLayer } from '../persistence/persistence-layer.js';
import { clientBufferBytes, MemoryAccounting } from '../keyspace/memory-accounting.js';
import { Evictor } from '../keyspace/eviction.js';
import { evictionHost, memoryGate } from '../keyspace/eviction-gate.js';
import type { Entry } from '../keyspace/value-types.js';
import { internalErrorLog } from './internal-error-log.js';

export interface ServerOptions {
  /** config directives as (name, args) pairs, applied after defaults, like config-file lines */
  config?: ReadonlyArray<readonly [string, ...string[]]>;
  /** an already loaded store (main.ts loads files itself to report errors redis-style) */
  store?: ConfigStore;
  clock?: Clock;
  /** defaults to silent in tests; main.ts passes stdout or the logfile */
  logSink?: LogSink;
  /**
   * syslog-enabled: the output main.ts already started for its first log lines; without
   * it the server starts its own when the store says syslog-enabled yes.
   */
  syslog?: SyslogOutput;
  /**
   * Test convenience: listen on this TCP port, where 0 means an ephemeral port (unlike the
   * `port` directive, where 0 disables TCP). The bound port is then what CONFIG GET port shows.
   */
  port?: number;
  /** Test convenience: start the metrics endpoint on this port (0 = ephemeral). */
  metricsPort?: number;
  /** Test convenience like `port`, for `tls-port`: 0 means an ephemeral TLS port. */
  tlsPort?: number;
  /** false: resolve once listening, while the dataset still loads (tests of -LOADING) */
  awaitLoading?: boolean;
}

export interface RunningServer {
  server: Server;
  /** first TCP listener's address */
  port: number;
  host: string;
  /** first TLS listener's port, 0 without TLS */
  tlsPort: number;
  /** settles when start-up loading is over (rejects with the LoadError when it failed) */
  loaded: Promise<void>;
  close(): Promise<void>;
}

export class Server implements KeyspaceHost, CommandHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  /** syslog-enabled yes: the logger child the log and the security events go to */
  syslog: SyslogOutput | null = null;
  /** shutdown() closes the syslog output itself, after its last log line */
  private syslogClosedLater = false;
  readonly clock: Clock;
  readonly commands: CommandTable;
  readonly dispatcher: Dispatcher = new Dispatcher(this);
  /** what command handlers see of the server (command-model/services.ts) */
  readonly services: CommandServices;
  readonly stats = new ServerStats();
  /** FUNCTION libraries (FUNCTION LOAD, FCALL, RDB/AOF) */
  readonly functions = new FunctionLibraries();
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly pause = new ClientPause(() => this.commands);
  readonly acl: AccessControl;
  readonly security: SecurityMonitor;
  /** Command.id → 1 for commands in @dangerous (their successful runs become security events) */
  private dangerous: Uint8Array = new Uint8Array(0);
  /** clients blocked on keys (BLPOP & co.) */
  readonly blocking: BlockingRegistry = new BlockingRegistry(this);
  /** WATCHed keys (transactions) */
  readonly watches = new WatchRegistry();
  /** channel and pattern subscriptions */
  readonly pubsub = new PubSubRegistry();
  /** the write feed to the append-only file (persistence/propagator.ts) */
  readonly propagator = new Propagator();
  /** RDB snapshots, the AOF, start-up loading (persistence/persistence-layer.ts) */
  readonly persistence: PersistenceLayer;
  /**
   * An unrecoverable persistence failure (an AOF write under appendfsync always): main.ts
   * exits the process, as redis-server does; in-process servers shut down.
   */
  onFatal: ((message: string) => void) | null = null;
  /** used_memory as accounted for maxmemory (keyspace/memory-accounting.ts) */
  readonly memory = new MemoryAccounting(() => this.dbs);
  /** maxmemory eviction (keyspace/eviction.ts), configured by the maxmemory* apply hooks */
  readonly evictor = new Evictor(evictionHost(this));
  /** notify-keyspace-events as class bits (kept by the config entry's apply hook) */
  notifyFlags = 0;
  /** client-output-buffer-limit, parsed (kept by the config entry's apply hook) */
  outputLimits: OutputLimits = parseOutputLimits(OBUF_DEFAULT);
  /** executable INFO server reports; defaults to the running script */
  executable = '';
  /** process memory in use once the server was built (INFO used_memory_startup) */
  startupMemory = 0;
  dbs: Database[] = [];
  readonly connections = new Map<number, Connection>();
  /** listening sockets (TCP, TLS, unix): see listeners.ts */
  readonly network: Listeners;
  /** the TLS handshake side of the TLS port, once listening with `tls-port` */
  tls: TlsAcceptor | null = null;
  /** `source-allowlist`, kept current by its apply hook */
  allowlist = new SourceAllowlist();
  readonly parserLimits: ParserLimits = { maxBulkLen: 512 * 1024 * 1024, maxMultibulkLen: 1024 * 1024, maxInlineLen: 64 * 1024 };
  queryBufferLimit = 1024 * 1024 * 1024;
  readonly startedAt: number;
  readonly runId: string;
  private cachedNow: number;
  private nextClientId = 1;
  private cronTimer: NodeJS.Timeout | null = null;
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

  /** Before replies leave: the AOF gets the commands behind them first. */
  flushWriteFeed(): void {
    if (this.persistence.aof.writer !== null) this.persistence.aof.flush();
  }

  /** Commands are waiting in the AOF buffer (replies must not leave before them). */
  writeFeedPending(): boolean {
    const w = this.persistence.aof.writer;
    return w !== null && w.bufferLength > 0;
  }

  private feedWaiters = new Set<Connection>();
  private feedFlushScheduled = false;

  /**
   * Holds a connection's replies until the AOF buffer is written, once for every
   * connection served in this turn of the event loop (setImmediate runs after the I/O
   * callbacks of the turn): one write and, under `always`, one fsync per turn, not per client.
   */
  afterWriteFeed(conn: Connection): void {
    this.feedWaiters.add(conn);
    if (this.feedFlushScheduled) return;
    this.feedFlushScheduled = true;
    setImmediate(() => {
      this.feedFlushScheduled = false;
      this.flushWriteFeed();
      const waiting = [...this.feedWaiters];
      this.feedWaiters.clear();
      for (const c of waiting) c.flush();
    });
  }

  constructor(opts: ServerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.cachedNow = this.clock.now();
    this.startedAt = this.cachedNow;
    this.runId = randomHex(40);
    this.logger = new Logger(opts.logSink ?? silentSink);
    this.network = new Listeners(this.logger, (s, kind) => this.onRawConnection(s, kind));
    this.config = opts.store ?? new ConfigStore(configTable);
    this.commands = new CommandTable(allCommands);
    this.security = new SecurityMonitor(this.config, this.logger, () => this.clock.now());
    this.dangerous = new Uint8Array(this.commands.all.length + 1);
    for (const c of this.commands.all) if (c.aclCategories.includes('dangerous')) this.dangerous[c.id] = 1;
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
      denied: (client, reason, object, context) => {
        this.countAclDenial(reason);
        if (reason !== 'auth' && reason !== 'tls-cert') this.security.aclDenied(this.actorOf(client), reason, object, context);
      },
    });
    this.config.userValidator ??= (args, seen) => validateUserDirective(args, seen, aclContext);
    this.config.renameValidator ??= renameChecker(new CommandTable(allCommands));
    if (opts.config !== undefined) {
      for (const [name, ...args] of opts.config) {
        const err = this.setConfigFromArgs(name, args);
        if (err !== null) throw new Error(`config '${name}': ${err}`);
      }
    }
    if (this.config.bool('syslog-enabled')) {
      this.syslog = opts.syslog ?? new SyslogOutput(syslogOptions(this.config, () => this.clock.now(), (m) => this.logger.warning(m)));
      connectSyslog(this.syslog, this.logger, this.security.events);
      this.logger.notice(
        `Syslog output: the log and the security events also go to '${this.config.get('syslog-socket')}' ` +
          `(ident ${this.config.get('syslog-ident')}, facility ${this.config.get('syslog-facility')})`,
      );
    }
    // rename-command lines were checked as they were read; apply them to the live table
    for (const [from, to] of this.config.renames) this.commands.rename(from, to);
    this.resizeDatabases(this.config.int('databases'));
    this.persistence = new PersistenceLayer(this);
    this.snapshotOnShutdown = () => this.persistence.shutdownSave();
    this.services = commandServices(this);
    this.applyAll();
    this.loadUsersAtStartup();
    this.dispatcher.aclCheck = (ctx, cmd, argv) => this.acl.check(ctx, cmd, argv);
    const mu = process.memoryUsage();
    this.startupMemory = mu.heapUsed + mu.external;
    this.memory.startup = this.startupMemory;
  }

  /**
   * Users from `user` directives, then from the aclfile; both at once is refused, as Redis
   * refuses it. Throws a StartupError whose message is the log line.
   */
  private loadUsersAtStartup(): void {
    const aclfile = this.config.get('aclfile');
    if (aclfile !== '' && this.config.userDirectives.length > 0) {
      throw new StartupError(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. ' +
          'This setup is very likely to lead to configuration errors and security holes, please define either an ACL file ' +
          'or declare users directly in your redis.conf, but not both.',
      );
    }
    const err = applyUserDirectives(this.acl.users, this.config.userDirectives);
    if (err !== null) throw new StartupError(`${err}. Critical error while loading ACLs. Exiting.`);
    if (aclfile !== '') {
      const res = loadAclFile(aclfile, this.acl.users.aclContext);
      if (!res.ok) throw new StartupError(`Aborting Redis startup because of ACL errors: ${res.error}`);
      this.acl.users.replaceAll(res.users);
    }
    for (const u of this.acl.users.list()) {
      if (!u.enabled && u.name !== 'default') {
        this.logger.notice(`The user '${u.name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
      }
    }
  }

  private countAclDenial(reason: AclDenialReason): void {
    if (reason === 'auth' || reason === 'tls-cert') this.stats.aclDeniedAuth++;
    else if (reason === 'command') this.stats.aclDeniedCmd++;
    else if (reason === 'key') this.stats.aclDeniedKey++;
    else this.stats.aclDeniedChannel++;
  }

  /** Validates and stores a directive given as config-file arguments. */
  setConfigFromArgs(name: string, args: string[]): string | null {
    if (name.toLowerCase() === 'user') return this.config.addUserDirective(args);
    if (name.toLowerCase() === 'rename-command') return args.length === 2 ? this.config.addRename(args[0]!, args[1]!) : 'wrong number of arguments';
    const def = this.config.def(name);
    if (def === undefined) return 'Bad directive or wrong number of arguments';
    if (!(def.flags ?? []).includes('multi-arg') && args.length !== 1) return 'wrong number of arguments';
    // same path as a config-file line: validation and the unsupported-security refusal
    return this.config.setFromFile(def, args);
  }

  /** Runs every entry's apply hook once (start-up); a refusal stops the start (logged, exit 1). */
  private applyAll(): void {
    for (const def of this.config.table) {
      if (def.apply !== undefined) {
        const err = def.apply(this, this.config.valueOf(def));
        if (err !== null) throw new StartupError(`config '${def.name}': ${err}`);
      }
    }
  }

  resizeDatabases(n: number): void {
    while (this.dbs.length < n) this.dbs.push(new Database(this.dbs.length, this));
  }

  // ---- KeyspaceHost ----
  now(): number {
    return this.cachedNow;
  }
  updateTime(): void {
    this.cachedNow = this.clock.now();
  }
  keyModified(db: Database, key: string): void {
    this.memory.changed(db, key, db.storedEntry(key));
    if (this.watches.watching) this.watches.touched(db, key, db.stores(key));
    this.stats.dirty++;
    if (this.blocking.size > 0) this.blocking.signal(db.index, key);
  }
  /**
   * Before a write command runs during a snapshot: its keys may be changed in place (a
   * list push mutates the stored list), so the snapshot writes them first.
   */
  preserveKeys(dbIndex: number, cmd: Command, argv: string[]): void {
    const hook = this.keyWriteHook;
    const db = this.dbs[dbIndex];
    if (hook === null || db === undefined) return;
    for (const key of extractKeyNames(cmd, argv)) hook(db, key);
  }
  keyExpired(db: Database, key: string): void {
    if (this.watches.watching) this.watches.touched(db, key, db.stores(key));
    if (this.blocking.size > 0) this.blocking.signal(db.index, key);
    if (this.propagator.sink !== null) this.propagator.deletion(db.index, key, this.config.bool('lazyfree-lazy-expire'));
  }
  /** Stored but past its expiry time (Redis's keyIsExpired), by database index. */
  keyIsExpired(dbIndex: number, key: string): boolean {
    const at = this.dbs[dbIndex]?.getExpire(key);
    return at !== undefined && at <= this.now();
  }
  /**
   * A command reports a keyspace event (see keyspace-events.ts): published, when its class
   * is enabled by notify-keyspace-events, to __keyspace@<db>__:<key> (K, the event as
   * message) and __keyevent@<db>__:<event> (E, the key as message), in that order.
   */
  notifyKeyspaceEvent(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void {
    const flags = this.notifyFlags;
    if ((flags & kind) === 0) return;
    if (flags & NOTIFY_KEYSPACE) this.pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (flags & NOTIFY_KEYEVENT) this.pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key);
  }
  noTouch(): boolean {
    return this.current !== null && this.current.noTouch;
  }
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
  entryFreed(e: Entry): void {
    this.memory.freed(e);
  }
  /** cached from maxmemory-policy by its apply hook (read on every key lookup) */
  lfuPolicy = false;
  lfuEnabled(): boolean {
    return this.lfuPolicy;
  }
  lfuLogFactor(): number {
    return this.config.def('lfu-log-factor') === undefined ? 10 : this.config.int('lfu-log-factor');
  }
  lfuDecayTime(): number {
    return this.config.def('lfu-decay-time') === undefined ? 1 : this.config.int('lfu-decay-time');
  }

  /** maxmemory (keyspace/eviction-gate.ts): the OOM refusal for this command, or null */
  memoryRefusal(client: Client, cmd: Command): string | null {
    return memoryGate(this, client, cmd);
  }

  // ---- statistics ----
  countError(r: Reply): void {
    if (r.k !== Kind.Error) return;
    this.stats.countError(r.s);
  }

  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number, failed: boolean): void {
    this.memory.afterCommand(ctx.db, cmd, argv);
    this.slowlog.maybeRecord(this, ctx.client, cmd, argv, usec);
    if (this.dangerous[cmd.id] === 1 && !failed) this.security.dangerousCommand(this.actorOf(ctx.client), cmd.fullName);
    if (this.latency.threshold !== 0 && usec >= this.latency.threshold * 1000) {
      this.latency.maybeRecord(this, cmd.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000));
    }
    this.latency.recordCommand(cmd.id, usec);
    this.stats.commandDurationUsec += usec;
    // keys a command made ready are served once it (or the whole EXEC) completed
    if (!ctx.client.inExec && this.blocking.hasReady) this.blocking.handleReady();
  }

  // ---- connections ----
  /**
   * A listener accepted a socket (paused: nothing read yet). The source allowlist is
   * checked here, before any byte of the peer is read and before a TLS handshake costs
   * anything; TLS sockets then go through the handshake and come back to acceptSocket.
   */
  private onRawConnection(socket: net.Socket, kind: ListenerKind): void {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    if (kind !== 'unix') {
      // reset before we saw it: no address to judge (and never to be taken for a unix peer)
      if (socket.remoteAddress === undefined) {
        socket.destroy();
        return;
      }
      if (!this.admitSource(socket)) return;
    }
    if (kind === 'tls') {
      if (this.tls === null) socket.destroy();
      else this.tls.handle(socket);
      return;
    }
    this.acceptSocket(socket, kind);
  }

  private lastAllowlistLog = 0;
  private allowlistLogSuppressed = 0;

  /** The source allowlist: a refused peer is closed without a reply, counted and logged (rate-limited). */
  private admitSource(socket: net.Socket): boolean {
    if (this.allowlist.allows(socket.remoteAddress)) return true;
    this.stats.rejectedConnections++;
    this.stats.rejectedConnectionsAllowlist++;
    this.security.admissionRefused(formatAddr(socket.remoteAddress ?? '?', socket.remotePort ?? 0), 'allowlist');
    socket.on('error', () => {});
    socket.destroy();
    const now = Date.now();
    if (now - this.lastAllowlistLog < 10_000) {
      this.allowlistLogSuppressed++;
    } else {
      const more = this.allowlistLogSuppressed > 0 ? ` (${this.allowlistLogSuppressed} more refused since the last report)` : '';
      this.lastAllowlistLog = now;
      this.allowlistLogSuppressed = 0;
      this.logger.warning(`Connection from ${formatAddr(socket.remoteAddress ?? '?', socket.remotePort ?? 0)} refused: source address not in source-allowlist${more}`);
    }
    return false;
  }

  /** per refusal reason: when it was last logged and how many were left out since */
  private readonly tlsRejectLog = new Map<string, { at: number; suppressed: number }>();

  /**
   * A failed TLS handshake or client-certificate check (issue 15: an mTLS refusal must be
   * visible). Counted (INFO tls_rejected_connections, redoubt_tls_handshake_failures_total),
   * a `tls-refused` security event (itself rate-limited by the event stream), and a WARNING
   * line in Redis's words — at most one per reason per 10 s, the ones left out counted in
   * the next line for that reason, so a flood of bad handshakes cannot flood the log while
   * a different kind of refusal is still seen at once. Reasons are OpenSSL's and Node's
   * fixed texts; the map is cleared if it ever grows past 64 of them.
   */
  private tlsRejected(peer: string, reason: string): void {
    this.stats.tlsRejectedConnections++;
    this.security.tlsRefused(peer, reason);
    const now = Date.now();
    const last = this.tlsRejectLog.get(reason);
    if (last !== undefined && now - last.at < 10_000) {
      last.suppressed++;
      return;
    }
    const more = last !== undefined && last.suppressed > 0 ? ` (${last.suppressed} more refused for this reason since the last report)` : '';
    if (this.tlsRejectLog.size >= 64) this.tlsRejectLog.clear();
    this.tlsRejectLog.set(reason, { at: now, suppressed: 0 });
    this.logger.warning(`Error accepting a client connection: ${reason} (addr=${peer})${more}`);
  }

  acceptSocket(socket: net.Socket, kind: ListenerKind = 'tcp'): void {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    // A TCP socket without a peer address was reset before we saw it and must not be
    // mistaken for a (trusted) unix-socket peer.
    const isUnix = kind === 'unix';
    if (!isUnix && socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const maxclients = this.config.int('maxclients');
    const id = this.nextClientId++;
    const unixPath = this.config.get('unixsocket');
    const addr = isUnix ? `${unixPath}:0` : formatAddr(socket.remoteAddress!, socket.remotePort!);
    const laddr = isUnix ? `${unixPath}:0` : formatAddr(socket.localAddress!, socket.localPort!);
    if (this.connections.size >= maxclients) {
      this.stats.rejectedConnections++;
      this.security.admissionRefused(addr, 'maxclients');
      refuse(socket, `-${errors.maxClients}\r\n`);
      return;
    }
    if (protectedModeRefuses(this.config.bool('protected-mode'), this.defaultUserNeedsNoAuth(), socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      this.security.admissionRefused(addr, 'protected-mode');
      this.logger.verbose(`Protected mode refused a connection from ${addr}`);
      refuse(socket, PROTECTED_MODE_DENIED);
      return;
    }
    socket.setNoDelay(true);
    const keepalive = this.config.int('tcp-keepalive');
    if (keepalive > 0 && !isUnix) socket.setKeepAlive(true, keepalive * 1000);
    this.updateTime(); // the cached time may be stale between commands: ages count from now
    const client = new Client(id, addr, laddr, id + 7, this.now(), this.acl.defaultUser, isUnix);
    client.tls = kind === 'tls';
    client.authenticated = this.implicitLoginAllowed(client);
    if (client.tls && this.config.get('tls-auth-clients-user') !== 'off') this.certificateLogin(client, socket as TLSSocket);
    // the AUTH throttle's cap on unauthenticated connections per source: refused before
    // the client has sent anything, so no password is ever refused by it
    if (!client.authenticated && !this.security.admitUnauthenticated(this.actorOf(client))) {
      this.stats.rejectedConnections++;
      this.security.admissionRefused(addr, 'throttle');
      refuse(socket, `-${errors.tooManyUnauthenticated}\r\n`);
      return;
    }
    const conn = new Connection(this, client, socket);
    this.connections.set(id, conn);
    this.stats.totalConnections++;
    // listeners accept paused (pauseOnConnect): reading starts once admitted
    socket.resume();
  }

  /**
   * tls-auth-clients-user: the client certificate's identity (CN, or a SAN URI/DNS/email
   * entry, as configured) that names an ACL user logs the connection in as that user.
   * A certificate whose identities name no usable user is logged (ACL LOG reason
   * "tls-cert") and the connection stays as it was (the default user).
   */
  private certificateLogin(client: Client, socket: TLSSocket): void {
    const ids = certificateIdentities(socket.getPeerCertificate());
    const field = this.config.get('tls-auth-clients-user') as 'cn' | 'uri' | 'dns' | 'email';
    const candidates = ids[field];
    if (candidates.length === 0) return;
    const actor = this.actorOf(client);
    for (const name of candidates) {
      const u = this.acl.users.get(name);
      if (u !== undefined && u.enabled && sourceAllowed(u, client)) {
        client.aclUser = u;
        client.authenticated = true;
        this.security.authSucceeded(actor, name, 'certificate');
        return;
      }
    }
    const name = candidates[0]!;
    this.acl.recordDenial(client, 'tls-cert', 'toplevel', name, name);
    this.security.authFailed(actor, name, 'certificate');
  }

  /**
   * Whether `client` is logged in as the default user without AUTH (a new connection,
   * RESET): the default user is on and nopass, and its Redoubt restrictions (source
   * networks, certificate-only) let this client in.
   */
  implicitLoginAllowed(client: Client): boolean {
    const d = this.acl.defaultUser;
    return d.enabled && d.nopass && !d.certRequired && sourceAllowed(d, client);
  }

  /** A new connection may run commands without AUTH (default user on and nopass). */
  defaultUserNeedsNoAuth(): boolean {
    return this.acl.defaultUserNeedsNoAuth();
  }

  /** CLIENT KILL USER: does the ACL user exist? */
  userExists(name: string): boolean {
    return this.acl.users.has(name);
  }

  /**
   * AUTH / HELLO AUTH, through the AUTH throttle. `finish` turns the login's outcome —
   * null on success (the client is now that user), or the WRONGPASS error, the same for an
   * unknown user, a disabled one and a wrong password — into the command's reply. Returns
   * that reply, or null when the check waits for the source's budget (at most 5 s; the
   * reply is then sent by authAfterWait). `commandName` is the command as the client
   * spelled it (ACL LOG's object).
   */
  authenticate(ctx: CommandContext, user: string, password: string, commandName: string, finish: (err: Reply | null) => Reply): Reply | null {
    const client = ctx.client;
    const actor = this.actorOf(client);
    const mechanism = commandName.toUpperCase() === 'HELLO' ? 'HELLO' : 'AUTH';
    const conn = this.connections.get(client.id);
    // a command inside EXEC cannot wait (nor one without a connection)
    const canWait = conn !== undefined && !client.inExec;
    const gate = this.security.authGate(actor, canWait, (ticket) => this.authAfterWait(conn!, user, password, commandName, mechanism, ticket, finish));
    if (gate === 'busy') return finish(reply.error(errors.authBudgetInTransaction));
    if (gate === 'wait') {
      // the client reads nothing more until its check ran (see authAfterWait)
      client.blocked = true;
      client.authThrottled = true;
      return null;
    }
    const { err, delayMs } = this.checkPassword(client, actor, user, password, commandName, mechanism, gate);
    // the connection holds this reply, and everything after it, so long (inside EXEC the
    // longest hold of its logins)
    if (delayMs > client.replyDelayMs) client.replyDelayMs = delayMs;
    return finish(err);
  }

  /** Checks a password the throttle let through: null on success, else WRONGPASS and the reply's delay. */
  private checkPassword(
    client: Client,
    actor: Actor,
    user: string,
    password: string,
    commandName: string,
    mechanism: AuthMechanism,
    ticket: CheckTicket,
  ): { err: Reply | null; delayMs: number } {
    if (this.acl.authenticate(client, user, password, commandName)) {
      client.authThrottled = false;
      this.security.authSucceeded(actor, user, mechanism, ticket);
      return { err: null, delayMs: 0 };
    }
    const delayMs = this.security.authFailed(actor, user, mechanism, ticket);
    if (delayMs > 0 || ticket.waitedMs > 0) client.authThrottled = true;
    return { err: reply.error(errors.wrongPass), delayMs };
  }

  /**
   * A login that waited for the throttle's budget: checked now, answered through the
   * blocked-client path (a failure's reply held back like any other), then the client's
   * pipelined input goes on.
   */
  private authAfterWait(conn: Connection, user: string, password: string, commandName: string, mechanism: AuthMechanism, ticket: CheckTicket, finish: (err: Reply | null) => Reply): void {
    const client = conn.client;
    if (this.connections.get(client.id) !== conn) return;
    client.blocked = false;
    this.updateTime();
    const previous = this.current;
    this.current = client;
    let out: Reply;
    let delayMs = 0;
    try {
      const r = this.checkPassword(client, this.actorOf(client), user, password, commandName, mechanism, ticket);
      delayMs = r.delayMs;
      out = finish(r.err);
    } catch (e) {
      internalErrorLog(this.logger).report('finishing a throttled login', e);
      out = reply.error(errors.internal);
    } finally {
      this.current = previous;
    }
    if (out.k === Kind.Error) this.countError(out);
    if (delayMs <= 0) {
      conn.unblocked(out);
      return;
    }
    client.blocked = true;
    setTimeout(() => {
      client.blocked = false;
      conn.unblocked(out);
    }, delayMs).unref();
  }

  /** Who a client is, for security events. */
  actorOf(client: Client): Actor {
    const { source, local } = sourceOf(client.addr, client.isUnix);
    return { id: client.id, user: client.user, addr: client.addr, source, local, tls: client.tls };
  }

  private lastAttackLog = 0;

  /** Logs a cross-protocol attempt (POST / Host:), at most once a minute as Redis does. */
  crossProtocolAttack(client: Client): void {
    this.stats.crossProtocolAttacks++;
    const now = Date.now();
    if (now - this.lastAttackLog < 60_000) return;
    this.lastAttackLog = now;
    this.logger.warning(
      `Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redoubt (from ${client.addr}). ` +
        'This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your server. Connection aborted.',
    );
  }

  /** RESET: layers with per-client state (pub/sub, WATCH, tracking) hook in here. */
  onClientReset(client: Client): void {
    client.watchDirty = false;
    this.watches.unwatchAll(client);
    this.pubsub.clientGone(client);
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn.client.id);
    this.watches.unwatchAll(conn.client);
    this.pubsub.clientGone(conn.client);
    this.pause.forget(conn);
    this.blocking.forget(conn.client);
    this.security.connectionClosed(conn.client.id);
  }

  clientById(id: number): Connection | undefined {
    return this.connections.get(id);
  }

  // ---- lifecycle ----
  /** The Prometheus endpoint, once started. */
  metrics: { port: number; close(): Promise<void> } | null = null;

  /** Starts the metrics endpoint on `port` (main.ts when metrics-port is set; tests with 0 = ephemeral). */
  async startMetrics(port: number): Promise<void> {
    this.metrics = await startMetricsServer(this, this.config.get('metrics-bind'), port);
  }

  /**
   * Opens the listeners the config asks for (see listeners.ts). `ephemeral` / `ephemeralTls`
   * (tests) make port 0 mean "any free port"; the bound port is then what CONFIG GET shows.
   */
  async listen(ephemeral = false, ephemeralTls = false): Promise<void> {
    const c = this.config;
    const tlsPort = c.int('tls-port');
    if (tlsPort !== 0 || ephemeralTls) {
      const settings = buildTlsSettings((n) => c.get(n));
      if ('error' in settings) {
        this.logger.warning(settings.error);
        this.logger.warning('Failed to configure TLS. Check logs for more info.');
        throw new TlsConfigError(settings.error);
      }
      this.tls = new TlsAcceptor(settings, {
        onSecure: (s) => this.acceptSocket(s, 'tls'),
        onReject: (peer, reason) => this.tlsRejected(peer, reason),
      });
      this.tls.markLoaded(tlsWatchedPaths((n) => c.get(n)));
    }
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
    if (ephemeral) this.config.store(this.config.def('port')!, String(this.boundPort()));
    if (ephemeralTls) this.config.store(this.config.def('tls-port')!, String(this.network.port('tls')));
    this.startCron();
  }

  /**
   * Rebuilds the TLS context from the current `tls-*` values (CONFIG SET, tls-auto-reload).
   * Invalid files leave the running context untouched and return the reason.
   */
  reloadTls(): string | null {
    if (this.tls === null) return null;
    const get = (n: ConfigName) => this.config.get(n);
    const settings = buildTlsSettings(get);
    if ('error' in settings) return settings.error;
    this.tls.configure(settings);
    this.tls.markLoaded(tlsWatchedPaths(get));
    return null;
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

  /** `hz` as Redis uses it: clamped to 1..500 (the config accepts 0). */
  effectiveHz(): number {
    return Math.min(500, Math.max(1, this.config.int('hz')));
  }

  private startCron(): void {
    const tick = () => {
      try {
        this.cron();
      } catch (e) {
        // background work must never take the server down; the next tick tries again
        this.logger.warning(`Internal error in the server cron: ${(e as Error).stack ?? String(e)}`);
      }
      this.cronTimer = setTimeout(tick, Math.floor(1000 / this.effectiveHz()));
      this.cronTimer.unref();
    };
    this.cronTimer = setTimeout(tick, 100);
    this.cronTimer.unref();
  }

  /** Background work each tick: active expiry (bounded CPU share) and idle-client timeouts. */
  cron(): void {
    this.updateTime();
    this.security.tick();
    // as Redis: no active expiry while the dataset loads (the AOF replays its own deletions)
    if (!this.loading) this.activeExpire();
    this.persistence.cron();
    this.refreshDiskError();
    // keys that expiry changed may serve clients waiting for a key to go (XREADGROUP)
    if (this.blocking.hasReady) this.blocking.handleReady();
    this.stats.sample(Date.now());
    this.memory.clients = clientBufferBytes(this.connections.values());
    this.memory.settle();
    this.autoReloadTls();
    const timeout = this.config.int('timeout');
    if (timeout > 0) {
      const limit = this.now() - timeout * 1000;
      for (const conn of [...this.connections.values()]) {
        const c = conn.client;
        // as Redis, clients waiting (blocked, paused) or subscribed are not idle
        if (c.lastInteraction < limit && !c.blocked && !c.postponed && !c.inPubSub) {
          this.logger.verbose('Closing idle client');
          conn.close();
        }
      }
    }
  }

  private lastTlsPoll = 0;

  /** tls-auto-reload: at most once a second, reload when the certificate files changed on disk. */
  private autoReloadTls(): void {
    if (this.tls === null || !this.config.bool('tls-auto-reload')) return;
    const now = Date.now();
    if (now - this.lastTlsPoll < 1000) return;
    this.lastTlsPoll = now;
    if (!this.tls.filesChanged(tlsWatchedPaths((n) => this.config.get(n)))) return;
    const err = this.reloadTls();
    if (err === null) this.logger.notice('TLS certificate files changed on disk: TLS configuration reloaded');
    else this.logger.warning(`TLS certificate files changed on disk but could not be loaded, keeping the previous configuration: ${err}`);
  }

  /**
   * Redis's slow cycle: per tick at most 25% of the tick's time, sampling keys with a TTL
   * and continuing on a database while more than a tenth of samples were expired.
   */
  private activeExpire(): void {
    const hz = this.effectiveHz();
    const budgetMs = Math.max(1, (1000 / hz) * 0.25);
    const effort = this.config.int('active-expire-effort');
    const perLoop = 20 + 5 * (effort - 1);
    const start = Date.now();
    for (const db of this.dbs) {
      for (;;) {
        const [checked, expired] = db.activeExpireStep(perLoop);
        if (checked === 0 || expired * 10 <= checked) break;
        if (Date.now() - start >= budgetMs) return;
      }
      if (Date.now() - start >= budgetMs) return;
    }
  }

  /** Stops accepting, disconnects clients and stops timers. */
  async close(): Promise<void> {
    this.shuttingDown = true;
    if (this.cronTimer !== null) clearTimeout(this.cronTimer);
    this.evictor.stop();
    this.security.events.close();
    if (!this.syslogClosedLater) this.syslog?.close();
    this.security.throttle.stop();
    if (this.metrics !== null) await this.metrics.close();
    this.pause.stop();
    // the AOF's last commands reach the disk before the process may exit
    this.persistence.close();
    const closing = this.network.close();
    for (const conn of [...this.connections.values()]) {
      conn.flush();
      conn.close();
    }
    await closing;
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

/** The TLS files or settings could not be loaded at start-up (already logged). */
export class TlsConfigError extends Error {}

/** The K and E bits of notify-keyspace-events: which of the two channels get events. */
const NOTIFY_KEYSPACE = 1 << 0;
const NOTIFY_KEYEVENT = 1 << 1;

/**
 * Sends a last reply to a refused connection and closes it once written. The peer's
 * bytes are never read (a refused client gets no parsing at all).
 */
function refuse(socket: net.Socket, message: string): void {
  socket.on('error', () => {});
  socket.end(message, () => socket.destroy());
}

function formatAddr(host: string, port: number): string {
  const h = host.startsWith('::ffff:') ? host.slice(7) : host;
  return `${h}:${port}`;
}

function randomHex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** Starts a server with the given directives (tests use `port 0`). */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const server = new Server(opts);
  if (opts.port !== undefined) server.config.store(server.config.def('port')!, String(opts.port));
  if (opts.tlsPort !== undefined) server.config.store(server.config.def('tls-port')!, String(opts.tlsPort));
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
