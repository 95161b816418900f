/**
 * Admission: whether an accepted socket becomes a client, checked in this order before a
 * byte of the peer is read:
 *  1. shutting down → closed;
 *  2. a TCP/TLS socket without a peer address (reset before we saw it) → closed, never
 *     taken for a trusted unix-socket peer;
 *  3. source-allowlist (TCP and TLS, before a handshake costs anything) → closed without a
 *     reply, counted, a security event, and a WARNING at most every 10 s with the number
 *     left out;
 *  4. TLS: the handshake (tls-acceptor.ts); a failed one is counted, a `tls-refused` event,
 *     and a WARNING at most once per reason per 10 s;
 *  5. maxclients → Redis's error reply, then closed;
 *  6. protected mode (protected-mode.ts) → Redis's DENIED reply, then closed;
 *  7. the client is built, logged in implicitly (default user) or by its certificate
 *     (tls-auth-clients-user), and an unauthenticated one must fit the AUTH throttle's cap
 *     on unauthenticated connections per source → refused with its error;
 *  8. admitted: the connection is opened and reading starts.
 * Every refusal after (2) counts in rejected_connections and is an `admission-refused`
 * security event. A refused peer's bytes are never read. `source-allowlist` is registered
 * here: the allowlist is rebuilt whole on every change.
 */
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AccessControl } from '../acl/access-control.js';
import type { ConfigStore } from '../config/config-store.js';
import { errors } from '../errors.js';
import { PROTECTED_MODE_DENIED, protectedModeRefuses } from '../security/protected-mode.js';
import type { SecurityMonitor } from '../security/security-monitor.js';
import { SourceAllowlist } from '../security/source-allowlist.js';
import type { TlsAcceptor } from '../tls/tls-acceptor.js';
import { actorOf, type AuthLogin } from './auth-login.js';
import { Client } from './client.js';
import type { ListenerKind } from './listeners.js';
import type { TlsAcceptorEvents } from '../tls/tls-acceptor.js';
import type { Logger } from './logger.js';
import type { ServerStats } from './stats.js';

/** What admission reads and where an admitted client goes. */
export interface AdmissionHost {
  readonly config: ConfigStore;
  readonly stats: ServerStats;
  readonly security: SecurityMonitor;
  readonly logger: Logger;
  readonly acl: AccessControl;
  readonly login: AuthLogin;
  readonly shuttingDown: boolean;
  /** connected clients (maxclients) */
  readonly connections: { readonly size: number };
  /** the TLS port's acceptor, null without TLS */
  readonly tls: TlsAcceptor | null;
  updateTime(): void;
  now(): number;
  /** an admitted client: its connection is opened and registered */
  open(client: Client, socket: net.Socket): void;
}

export class Admission {
  /** `source-allowlist`, rebuilt by its hook */
  private allowlist = new SourceAllowlist();
  private nextClientId = 1;
  private lastAllowlistLog = 0;
  private allowlistLogSuppressed = 0;
  /** per TLS refusal reason: when it was last logged and how many were left out since */
  private readonly tlsRejectLog = new Map<string, { at: number; suppressed: number }>();
  private lastAttackLog = 0;

  /** A client id for a connection this server opened itself (the replica's master client). */
  allocateClientId(): number {
    return this.nextClientId++;
  }

  constructor(private readonly host: AdmissionHost) {
    host.config.onChange('source-allowlist', (v) => {
      this.allowlist = new SourceAllowlist(v);
      return null;
    });
  }

  /**
   * A listener accepted a socket (paused: nothing read yet). The source allowlist is
   * checked here, before any byte of the peer is read and before a TLS handshake costs
   * anything; TLS sockets then go through the handshake and come back to acceptSocket.
   */
  onRawConnection(socket: net.Socket, kind: ListenerKind): void {
    if (this.host.shuttingDown) {
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
      const tls = this.host.tls;
      if (tls === null) socket.destroy();
      else tls.handle(socket);
      return;
    }
    this.acceptSocket(socket, kind);
  }

  /** The source allowlist: a refused peer is closed without a reply, counted and logged (rate-limited). */
  private admitSource(socket: net.Socket): boolean {
    if (this.allowlist.allows(socket.remoteAddress)) return true;
    const { stats, security, logger } = this.host;
    stats.rejectedConnections++;
    stats.rejectedConnectionsAllowlist++;
    security.admissionRefused(formatAddr(socket.remoteAddress ?? '?', socket.remotePort ?? 0), 'allowlist');
    socket.on('error', () => {});
    socket.destroy();
    const now = Date.now();
    if (now - this.lastAllowlistLog < 10_000) {
      this.allowlistLogSuppressed++;
    } else {
      const more = this.allowlistLogSuppressed > 0 ? ` (${this.allowlistLogSuppressed} more refused since the last report)` : '';
      this.lastAllowlistLog = now;
      this.allowlistLogSuppressed = 0;
      logger.warning(`Connection from ${formatAddr(socket.remoteAddress ?? '?', socket.remotePort ?? 0)} refused: source address not in source-allowlist${more}`);
    }
    return false;
  }

  /**
   * A failed TLS handshake or client-certificate check (issue 15: an mTLS refusal must be
   * visible). Counted (INFO tls_rejected_connections, redoubt_tls_handshake_failures_total),
   * a `tls-refused` security event (itself rate-limited by the event stream), and a WARNING
   * line in Redis's words — at most one per reason per 10 s, the ones left out counted in
   * the next line for that reason, so a flood of bad handshakes cannot flood the log while
   * a different kind of refusal is still seen at once. Reasons are OpenSSL's and Node's
   * fixed texts; the map is cleared if it ever grows past 64 of them.
   */
  tlsRejected(peer: string, reason: string): void {
    this.host.stats.tlsRejectedConnections++;
    this.host.security.tlsRefused(peer, reason);
    const now = Date.now();
    const last = this.tlsRejectLog.get(reason);
    if (last !== undefined && now - last.at < 10_000) {
      last.suppressed++;
      return;
    }
    const more = last !== undefined && last.suppressed > 0 ? ` (${last.suppressed} more refused for this reason since the last report)` : '';
    if (this.tlsRejectLog.size >= 64) this.tlsRejectLog.clear();
    this.tlsRejectLog.set(reason, { at: now, suppressed: 0 });
    this.host.logger.warning(`Error accepting a client connection: ${reason} (addr=${peer})${more}`);
  }

  /** what the TLS acceptor does with a finished or refused handshake (start-up and CONFIG SET tls-port) */
  readonly tlsEvents: TlsAcceptorEvents = {
    onSecure: (s) => this.acceptSocket(s, 'tls'),
    onReject: (peer, reason) => this.tlsRejected(peer, reason),
  };

  acceptSocket(socket: net.Socket, kind: ListenerKind = 'tcp'): void {
    const h = this.host;
    if (h.shuttingDown) {
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
    const { config, stats, security } = h;
    const maxclients = config.int('maxclients');
    const id = this.nextClientId++;
    const unixPath = config.get('unixsocket');
    const addr = isUnix ? `${unixPath}:0` : formatAddr(socket.remoteAddress!, socket.remotePort!);
    const laddr = isUnix ? `${unixPath}:0` : formatAddr(socket.localAddress!, socket.localPort!);
    if (h.connections.size >= maxclients) {
      stats.rejectedConnections++;
      security.admissionRefused(addr, 'maxclients');
      refuse(socket, `-${errors.maxClients}\r\n`);
      return;
    }
    if (protectedModeRefuses(config.bool('protected-mode'), h.acl.defaultUserNeedsNoAuth(), socket.remoteAddress)) {
      stats.rejectedConnections++;
      security.admissionRefused(addr, 'protected-mode');
      h.logger.verbose(`Protected mode refused a connection from ${addr}`);
      refuse(socket, PROTECTED_MODE_DENIED);
      return;
    }
    socket.setNoDelay(true);
    const keepalive = config.int('tcp-keepalive');
    if (keepalive > 0 && !isUnix) socket.setKeepAlive(true, keepalive * 1000);
    h.updateTime(); // the cached time may be stale between commands: ages count from now
    const client = new Client(id, addr, laddr, id + 7, h.now(), h.acl.defaultUser, isUnix);
    client.tls = kind === 'tls';
    client.authenticated = h.login.implicitLoginAllowed(client);
    if (client.tls && config.get('tls-auth-clients-user') !== 'off') h.login.certificateLogin(client, socket as TLSSocket);
    // the AUTH throttle's cap on unauthenticated connections per source: refused before
    // the client has sent anything, so no password is ever refused by it
    if (!client.authenticated && !security.admitUnauthenticated(actorOf(client))) {
      stats.rejectedConnections++;
      security.admissionRefused(addr, 'throttle');
      refuse(socket, `-${errors.tooManyUnauthenticated}\r\n`);
      return;
    }
    h.open(client, socket);
    stats.totalConnections++;
    // listeners accept paused (pauseOnConnect): reading starts once admitted
    socket.resume();
  }

  /** Logs a cross-protocol attempt (POST / Host:), at most once a minute as Redis does. */
  crossProtocolAttack(client: Client): void {
    this.host.stats.crossProtocolAttacks++;
    const now = Date.now();
    if (now - this.lastAttackLog < 60_000) return;
    this.lastAttackLog = now;
    this.host.logger.warning(
      `Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redoubt (from ${client.addr}). ` +
        'This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your server. Connection aborted.',
    );
  }
}

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
