/**
 * The server: owns configuration, databases, the command table, connected clients,
 * statistics and the listeners. `startServer()` is what tests and main.ts call.
 */
import net from 'node:net';
import { ConfigStore } from '../config/config-store.js';
import { configTable } from '../config/config-table.js';
import { CommandTable } from '../commands/command-table.js';
import { Dispatcher } from '../commands/dispatcher.js';
import { allCommands } from '../commands/index.js';
import type { Command } from '../commands/command-spec.js';
import type { CommandContext } from '../commands/context.js';
import { Database, type KeyspaceHost } from '../keyspace/database.js';
import { systemClock, type Clock } from '../keyspace/clock.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import type { ParserLimits } from '../protocol/request-parser.js';
import { Client } from './client.js';
import { PROTECTED_MODE_DENIED, protectedModeRefuses } from '../security/protected-mode.js';
import { Connection } from './connection.js';
import { Logger, silentSink, type LogSink } from './logger.js';
import { ServerStats } from './stats.js';
import { SlowLog } from './slowlog.js';
import { LatencyMonitor } from './latency.js';
import { ClientPause } from './client-pause.js';
import { WatchRegistry } from './watch.js';
import { PubSubRegistry } from './pubsub.js';
import { parseOutputLimits, type OutputLimits } from './output-limits.js';
import { OBUF_DEFAULT } from '../config/config-values.js';

export interface ServerOptions {
  /** config directives as (name, args) pairs, applied after defaults, like config-file lines */
  config?: ReadonlyArray<readonly [string, ...string[]]>;
  /** an already loaded store (main.ts loads files itself to report errors redis-style) */
  store?: ConfigStore;
  clock?: Clock;
  /** defaults to silent in tests; main.ts passes stdout or the logfile */
  logSink?: LogSink;
  /**
   * Test convenience: listen on this TCP port, where 0 means an ephemeral port (unlike the
   * `port` directive, where 0 disables TCP). The bound port is then what CONFIG GET port shows.
   */
  port?: number;
}

export interface RunningServer {
  server: Server;
  /** first TCP listener's address */
  port: number;
  host: string;
  close(): Promise<void>;
}

export class Server implements KeyspaceHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly commands: CommandTable;
  readonly dispatcher = new Dispatcher();
  readonly stats = new ServerStats();
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly pause = new ClientPause(() => this.commands);
  /** WATCHed keys (transactions) */
  readonly watches = new WatchRegistry();
  /** channel and pattern subscriptions */
  readonly pubsub = new PubSubRegistry();
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
  readonly listeners: net.Server[] = [];
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

  constructor(opts: ServerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.cachedNow = this.clock.now();
    this.startedAt = this.cachedNow;
    this.runId = randomHex(40);
    this.logger = new Logger(opts.logSink ?? silentSink);
    this.config = opts.store ?? new ConfigStore(configTable);
    this.commands = new CommandTable(allCommands);
    if (opts.config !== undefined) {
      for (const [name, ...args] of opts.config) {
        const err = this.setConfigFromArgs(name, args);
        if (err !== null) throw new Error(`config '${name}': ${err}`);
      }
    }
    this.resizeDatabases(this.config.int('databases'));
    this.applyAll();
    const mu = process.memoryUsage();
    this.startupMemory = mu.heapUsed + mu.external;
  }

  /** Validates and stores a directive given as config-file arguments. */
  setConfigFromArgs(name: string, args: string[]): string | null {
    const def = this.config.def(name);
    if (def === undefined) return 'Bad directive or wrong number of arguments';
    if (!(def.flags ?? []).includes('multi-arg') && args.length !== 1) return 'wrong number of arguments';
    // same path as a config-file line: validation and the unsupported-security refusal
    return this.config.setFromFile(def, args);
  }

  /** Runs every entry's apply hook once (start-up). */
  private applyAll(): void {
    for (const def of this.config.table) {
      if (def.apply !== undefined) {
        const err = def.apply(this, this.config.get(def.name));
        if (err !== null) throw new Error(`config '${def.name}': ${err}`);
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
    if (this.watches.watching) this.watches.touched(db, key, db.stores(key));
    this.stats.dirty++;
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

  // ---- statistics ----
  countError(r: Reply): void {
    if (r.k !== Kind.Error) return;
    this.stats.countError(r.s);
  }

  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number): void {
    this.slowlog.maybeRecord(this, ctx.client, cmd, argv, usec);
    if (this.latency.threshold !== 0 && usec >= this.latency.threshold * 1000) {
      this.latency.maybeRecord(this, cmd.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000));
    }
    this.latency.recordCommand(cmd.id, usec);
    this.stats.commandDurationUsec += usec;
  }

  // ---- connections ----
  acceptSocket(socket: net.Socket): void {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    // Only TCP listeners exist so far; a TCP socket without a peer address was reset
    // before we saw it and must not be mistaken for a (trusted) unix-socket peer.
    const isUnix = false;
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const maxclients = this.config.int('maxclients');
    const id = this.nextClientId++;
    const addr = isUnix ? `${socket.localAddress ?? ''}:0` : formatAddr(socket.remoteAddress!, socket.remotePort!);
    const laddr = isUnix ? `${socket.localAddress ?? ''}:0` : formatAddr(socket.localAddress!, socket.localPort!);
    if (this.connections.size >= maxclients) {
      this.stats.rejectedConnections++;
      refuse(socket, '-ERR max number of clients reached\r\n');
      return;
    }
    if (protectedModeRefuses(this.config.bool('protected-mode'), this.defaultUserNeedsNoAuth(), socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      this.logger.verbose(`Protected mode refused a connection from ${addr}`);
      refuse(socket, PROTECTED_MODE_DENIED);
      return;
    }
    socket.setNoDelay(true);
    const keepalive = this.config.int('tcp-keepalive');
    if (keepalive > 0 && !isUnix) socket.setKeepAlive(true, keepalive * 1000);
    this.updateTime(); // the cached time may be stale between commands: ages count from now
    const client = new Client(id, addr, laddr, id + 7, this.now(), this.defaultUserNeedsNoAuth(), isUnix);
    const conn = new Connection(this, client, socket);
    this.connections.set(id, conn);
    this.stats.totalConnections++;
  }

  /** Until the ACL layer lands, the default user is `nopass`: connections start authenticated. */
  defaultUserNeedsNoAuth(): boolean {
    return true;
  }

  defaultUserHasPassword(): boolean {
    return false;
  }

  /** CLIENT KILL USER: does the ACL user exist? (only `default` until the ACL layer lands) */
  userExists(name: string): boolean {
    return name === 'default';
  }

  /**
   * AUTH / HELLO AUTH. Returns null on success (the client is now that user) or the error
   * reply. Until the ACL layer lands only `default` exists, and it is `nopass`, which
   * accepts any password, as in Redis.
   */
  authenticate(ctx: CommandContext, user: string, _password: string, _mechanism: 'auth' | 'hello'): Reply | null {
    if (user !== 'default') return reply.error(errors.wrongPass);
    ctx.client.user = user;
    ctx.client.authenticated = true;
    return null;
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
  onClientReset(ctx: CommandContext): void {
    ctx.client.watchDirty = false;
    this.watches.unwatchAll(ctx.client);
    this.pubsub.clientGone(ctx.client);
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn.client.id);
    this.watches.unwatchAll(conn.client);
    this.pubsub.clientGone(conn.client);
    this.pause.forget(conn);
  }

  clientById(id: number): Connection | undefined {
    return this.connections.get(id);
  }

  // ---- lifecycle ----
  async listen(ephemeral = false): Promise<void> {
    const port = this.config.int('port');
    const binds = this.config.get('bind').split(' ').filter((b) => b.length > 0);
    if (port !== 0 || ephemeral) {
      let bound = 0;
      for (const raw of binds) {
        const optional = raw.startsWith('-');
        const host = optional ? raw.slice(1) : raw;
        try {
          await this.listenOne(host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host, port);
          bound++;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
          this.logger.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: bind: ${describeListenError(e)}`);
          this.logger.warning(`Failed listening on port ${port} (tcp), aborting.`);
          await this.closeListeners();
          throw new ListenError(port, describeListenError(e));
        }
      }
      if (bound === 0) throw new ListenError(port, 'no address could be bound');
      if (ephemeral) this.config.store(this.config.def('port')!, String(this.boundPort()));
    }
    this.startCron();
  }

  private listenOne(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (s) => this.acceptSocket(s));
      const onError = (e: Error) => reject(e);
      srv.once('error', onError);
      // After the first listener took an ephemeral port (port 0 in tests), the others reuse it.
      const actualPort = this.listeners.length === 0 ? port : this.boundPort();
      srv.listen({ host, port: actualPort, exclusive: true, ipv6Only: host.includes(':'), backlog: this.config.int('tcp-backlog') }, () => {
        srv.off('error', onError);
        srv.on('error', (e) => this.logger.warning(`Listener error: ${e.message}`));
        this.listeners.push(srv);
        resolve();
      });
    });
  }

  /** Port of the first TCP listener (the real one when configured with port 0). */
  boundPort(): number {
    const a = this.listeners[0]?.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  boundHost(): string {
    const a = this.listeners[0]?.address();
    return a !== null && typeof a === 'object' ? a.address : '';
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
    this.activeExpire();
    this.stats.sample(Date.now());
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

  private async closeListeners(): Promise<void> {
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }

  /** Stops accepting, disconnects clients and stops timers. */
  async close(): Promise<void> {
    this.shuttingDown = true;
    if (this.cronTimer !== null) clearTimeout(this.cronTimer);
    this.pause.stop();
    const closing = this.closeListeners();
    for (const conn of [...this.connections.values()]) {
      conn.flush();
      conn.close();
    }
    await closing;
  }

  /** SHUTDOWN / SIGTERM: close everything, then let main.ts exit. */
  async shutdown(): Promise<void> {
    this.logger.warning('User requested shutdown...');
    await this.close();
    for (const hook of this.shutdownHooks) hook();
    this.logger.warning('Redoubt is now ready to exit, bye bye...');
    this.onShutdown?.();
  }
}

export class ListenError extends Error {
  constructor(
    readonly port: number,
    readonly reason: string,
  ) {
    super(`Failed listening on port ${port} (tcp): ${reason}`);
  }
}

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

function describeListenError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') return 'Address already in use';
  if (err.code === 'EADDRNOTAVAIL') return 'Cannot assign requested address';
  if (err.code === 'EACCES') return 'Permission denied';
  return err.message;
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
  await server.listen(opts.port === 0);
  return {
    server,
    port: server.boundPort(),
    host: server.boundHost(),
    close: () => server.close(),
  };
}
