/**
 * Listening sockets: plaintext TCP on `port` and TLS on `tls-port`, each on every `bind`
 * address, plus the `unixsocket`. A `-` before an address makes it optional: when the
 * machine does not have it (no IPv6, an interface that is down) it is skipped with a
 * warning. Any other failure names the address, closes what was opened and fails the
 * start, in redis-server's log words.
 *
 * This module only opens and closes sockets; what happens to a connection (source
 * allowlist, TLS handshake, admission) is the server's business, reached through
 * `onConnection`.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { Logger } from './logger.js';

export type ListenerKind = 'tcp' | 'tls' | 'unix';

export interface ListenPlan {
  binds: string[];
  /** 0 disables plaintext TCP unless `ephemeralTcp` */
  port: number;
  /** 0 disables TLS unless `ephemeralTls` */
  tlsPort: number;
  /** '' for none */
  unixsocket: string;
  /** file mode for the unix socket; 0 leaves the umask's */
  unixsocketperm: number;
  backlog: number;
  /** tests: port 0 means "any free port" instead of "off" */
  ephemeralTcp?: boolean;
  ephemeralTls?: boolean;
}

export class ListenError extends Error {
  constructor(
    readonly port: number,
    readonly reason: string,
    readonly kind: ListenerKind = 'tcp',
    /** the system error's code (EADDRINUSE…), when there was one */
    readonly code = '',
  ) {
    super(kind === 'unix' ? `Failed opening Unix socket: ${reason}` : `Failed listening on port ${port} (${kind}): ${reason}`);
  }
}

/** Errors that mean "this machine has no such address / family": an optional bind is skipped. */
const UNAVAILABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EPFNOSUPPORT', 'ENOPROTOOPT']);

export class Listeners {
  readonly servers: { kind: ListenerKind; srv: net.Server }[] = [];
  /** the unix socket path we created (removed again on close) */
  private unixPath: string | null = null;
  /** open() succeeded and close() has not run: CONFIG SET may rebind */
  active = false;
  /** rebinds run one at a time (two CONFIG SETs must not interleave their sockets) */
  private rebinding: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    private readonly onConnection: (socket: net.Socket, kind: ListenerKind) => void,
  ) {}

  /** Opens everything the plan asks for; on failure closes what was opened and throws ListenError. */
  async open(plan: ListenPlan): Promise<void> {
    try {
      if (plan.port !== 0 || plan.ephemeralTcp === true) await this.openTcp('tcp', plan.binds, plan.port, plan.backlog);
      if (plan.tlsPort !== 0 || plan.ephemeralTls === true) await this.openTcp('tls', plan.binds, plan.tlsPort, plan.backlog);
      if (plan.unixsocket !== '') await this.openUnix(plan.unixsocket, plan.unixsocketperm, plan.backlog);
      this.active = true;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private async openTcp(kind: 'tcp' | 'tls', binds: string[], port: number, backlog: number): Promise<void> {
    let bound = 0;
    let firstPort = port;
    for (const raw of binds) {
      const optional = raw.startsWith('-');
      const addr = optional ? raw.slice(1) : raw;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      try {
        const srv = await this.listenTcp(kind, host, firstPort, backlog);
        // After the first address took an ephemeral port (tests), the others reuse it.
        if (bound === 0) firstPort = portOf(srv);
        bound++;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        // as redis-server: a name that does not resolve is getaddrinfo's reason alone, a bind failure is `bind: reason`
        const step = isResolveError(e) ? '' : 'bind: ';
        this.logger.warning(`Warning: Could not create server TCP listening socket ${addr}:${port}: ${step}${describeListenError(e)}`);
        if (optional && UNAVAILABLE.has(code)) continue;
        this.logger.warning(`Failed listening on port ${port} (${kind}), aborting.`);
        // stderr gets this line alone: a name that did not resolve is named there too
        throw new ListenError(port, isResolveError(e) ? `${addr}: ${describeListenError(e)}` : describeListenError(e), kind);
      }
    }
    if (bound === 0) {
      this.logger.warning(`Failed listening on port ${port} (${kind}), aborting.`);
      throw new ListenError(port, 'no address could be bound', kind);
    }
  }

  /**
   * CONFIG SET port / tls-port / bind: moves the `kind` listeners to `binds` × `port`
   * (port 0: none). New sockets are opened first; the old ones close only when every
   * required address is bound, and an endpoint already listening is kept as it is (so
   * adding an address to the same port does not collide with itself). Closing a listener
   * stops accepting only: established connections stay. On failure everything opened
   * here is closed again and the old listeners keep serving; throws ListenError.
   */
  rebindTcp(kind: 'tcp' | 'tls', binds: string[], port: number, backlog: number): Promise<void> {
    const run = this.rebinding.then(() => this.rebindNow(kind, binds, port, backlog));
    this.rebinding = run.catch(() => undefined);
    return run;
  }

  private async rebindNow(kind: 'tcp' | 'tls', binds: string[], port: number, backlog: number): Promise<void> {
    const old = this.servers.filter((s) => s.kind === kind).map((l) => l.srv);
    const keep = new Set<net.Server>();
    try {
      await this.openMissing(kind, binds, port, backlog, old, keep);
    } catch (e) {
      // A wildcard and a specific address on one port collide with our own listener
      // (bind 127.0.0.1 → *): then Redis's order — close the leaving ones, open, and
      // reopen the old endpoints if that fails too.
      const leaving = old.filter((srv) => !keep.has(srv) && portOf(srv) === port);
      if (!(e instanceof ListenError) || e.code !== 'EADDRINUSE' || leaving.length === 0) throw e;
      const endpoints = leaving.map((srv) => hostOf(srv));
      this.drop(leaving);
      keep.clear();
      try {
        await this.openMissing(kind, binds, port, backlog, old, keep);
      } catch (e2) {
        for (const host of endpoints) {
          try {
            await this.listenTcp(kind, host, port, backlog);
          } catch (e3) {
            this.logger.warning(`Could not reopen the previous listener ${host}:${port}: ${describeListenError(e3)}`);
          }
        }
        throw e2;
      }
    }
    this.drop(old.filter((srv) => !keep.has(srv)));
  }

  /**
   * Opens every endpoint of `binds` × `port` that none of `old` already serves (those are
   * added to `keep`). On failure closes what it opened and throws ListenError.
   */
  private async openMissing(kind: 'tcp' | 'tls', binds: string[], port: number, backlog: number, old: readonly net.Server[], keep: Set<net.Server>): Promise<void> {
    const opened: net.Server[] = [];
    try {
      for (const raw of port === 0 ? [] : binds) {
        const optional = raw.startsWith('-');
        const addr = optional ? raw.slice(1) : raw;
        const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
        const same = old.find((srv) => srv.listening && isEndpoint(srv, host, port));
        if (same !== undefined) {
          keep.add(same);
          continue;
        }
        try {
          opened.push(await this.listenTcp(kind, host, port, backlog));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          const step = isResolveError(e) ? '' : 'bind: ';
          this.logger.warning(`Warning: Could not create server TCP listening socket ${addr}:${port}: ${step}${describeListenError(e)}`);
          if (optional && UNAVAILABLE.has(code)) continue;
          throw new ListenError(port, describeListenError(e), kind, code);
        }
      }
      if (port !== 0 && keep.size + opened.length === 0) throw new ListenError(port, 'no address could be bound', kind);
    } catch (e) {
      this.drop(opened);
      throw e;
    }
  }

  /** Stops accepting on these listeners and forgets them (their connections stay). */
  private drop(list: readonly net.Server[]): void {
    for (const srv of list) {
      const i = this.servers.findIndex((l) => l.srv === srv);
      if (i >= 0) this.servers.splice(i, 1);
      srv.close();
    }
  }

  private listenTcp(kind: 'tcp' | 'tls', host: string, port: number, backlog: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      // pauseOnConnect: nothing is read from a socket before the server admitted it
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.onConnection(s, kind));
      const onError = (e: Error) => reject(e);
      srv.once('error', onError);
      srv.listen({ host, port, exclusive: true, ipv6Only: host.includes(':'), backlog }, () => {
        srv.off('error', onError);
        srv.on('error', (e) => this.logger.warning(`Listener error: ${e.message}`));
        this.servers.push({ kind, srv });
        resolve(srv);
      });
    });
  }

  private openUnix(path: string, perm: number, backlog: number): Promise<void> {
    // A stale socket file from an earlier run is removed, as redis-server does; anything
    // that is not a socket is left alone (a typo must not delete a regular file).
    try {
      if (lstatSync(path).isSocket()) unlinkSync(path);
    } catch {
      // absent: nothing to remove
    }
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ pauseOnConnect: true }, (s) => this.onConnection(s, 'unix'));
      srv.once('error', (e) => {
        const reason = describeListenError(e);
        this.logger.warning(`Failed opening Unix socket: ${reason}`);
        reject(new ListenError(0, reason, 'unix'));
      });
      srv.once('listening', () => {
        srv.removeAllListeners('error');
        srv.on('error', (e) => this.logger.warning(`Listener error: ${e.message}`));
        this.servers.push({ kind: 'unix', srv });
        this.unixPath = path;
        resolve();
      });
      listenUnixRestricted(srv, path, perm, backlog);
      if (perm !== 0 && srv.listening) {
        // the exact mode (the umask can only take bits away); no connection can have been
        // accepted yet: the socket was created with at most these bits
        try {
          chmodSync(path, perm);
        } catch (e) {
          this.logger.warning(`Failed setting the unix socket permissions: ${describeListenError(e)}`);
        }
      }
    });
  }

  /** Port of the first listener of a kind (the real one when it was ephemeral); 0 when none. */
  port(kind: 'tcp' | 'tls'): number {
    const l = this.servers.find((s) => s.kind === kind);
    return l === undefined ? 0 : portOf(l.srv);
  }

  host(kind: 'tcp' | 'tls'): string {
    const l = this.servers.find((s) => s.kind === kind);
    const a = l?.srv.address();
    return a !== null && a !== undefined && typeof a === 'object' ? a.address : '';
  }

  /** Every TCP/TLS listening address ("ip:port" / "[ip]:port") of a kind. */
  addresses(kind: 'tcp' | 'tls'): string[] {
    const out: string[] = [];
    for (const { kind: k, srv } of this.servers) {
      const a = srv.address();
      if (k !== kind || a === null || typeof a !== 'object') continue;
      out.push(a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);
    }
    return out;
  }

  async close(): Promise<void> {
    this.active = false;
    const all = this.servers.splice(0);
    await Promise.all(all.map(({ srv }) => new Promise<void>((r) => srv.close(() => r()))));
    if (this.unixPath !== null) {
      try {
        unlinkSync(this.unixPath);
      } catch {
        // already gone
      }
      this.unixPath = null;
    }
  }
}

function portOf(srv: net.Server): number {
  const a = srv.address();
  return a !== null && typeof a === 'object' ? a.port : 0;
}

function hostOf(srv: net.Server): string {
  const a = srv.address();
  return a !== null && typeof a === 'object' ? a.address : '';
}

/** The listener is bound to exactly this address and port. */
function isEndpoint(srv: net.Server, host: string, port: number): boolean {
  const a = srv.address();
  return a !== null && typeof a === 'object' && a.port === port && a.address === host;
}

/** The address could not be resolved (getaddrinfo failed): no socket was bound. */
function isResolveError(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).syscall === 'getaddrinfo';
}

/**
 * The reason as redis-server words it (strerror / gai_strerror texts), never Node's
 * `getaddrinfo ENOTFOUND host`: the log line already names the address.
 */
export function describeListenError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (isResolveError(e)) {
    // Node folds EAI_NONAME and EAI_NODATA into ENOTFOUND
    if (err.code === 'ENOTFOUND') return 'Name or service not known';
    if (err.code === 'EAI_AGAIN') return 'Temporary failure in name resolution';
    if (err.code === 'EAI_FAIL') return 'Non-recoverable failure in name resolution';
    return `Name resolution failed (${err.code ?? 'unknown'})`;
  }
  switch (err.code) {
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    case 'EACCES':
      return 'Permission denied';
    case 'EAFNOSUPPORT':
      return 'Address family not supported by protocol';
    case 'ENOENT':
      return 'No such file or directory';
    case 'ENOTDIR':
      return 'Not a directory';
    default:
      return err.message;
  }
}

/**
 * CVE-2023-45145: the socket must never exist, listening, with more permissions than
 * `unixsocketperm` allows. Node cannot run bind, chmod, listen as Redis does (its fix): for
 * a path, `server.listen()` creates the pipe handle, binds and listens synchronously inside
 * the call (lib/net.js setupListenHandle; errors are only reported later, through
 * 'error'). So the umask is narrowed to `~perm` for exactly that call: bind() creates the
 * socket file with mode 0777 & ~umask, i.e. at most `perm`, before any other uid could
 * connect. The previous umask is restored before any other JavaScript runs. perm 0 (unset)
 * keeps the process umask, as Redis does. A file that a libuv worker thread happens to
 * create during this call gets at most fewer permission bits, never more.
 */
function listenUnixRestricted(srv: net.Server, path: string, perm: number, backlog: number): void {
  if (perm === 0) {
    srv.listen({ path, backlog });
    return;
  }
  const previous = process.umask(~perm & 0o777);
  try {
    srv.listen({ path, backlog });
  } finally {
    process.umask(previous);
  }
}
