/**
 * The TLS side of the TLS port: a `tls.Server` that never listens itself. The listener
 * layer accepts the raw TCP connection, runs the source checks that must happen before a
 * byte is read, and only then hands the socket over here for the handshake. A verified
 * connection comes back through `onSecure` and enters the same admission and Connection
 * path as plaintext ones.
 *
 * Reload: `configure()` swaps the secure context for connections accepted from then on;
 * open connections keep the session they negotiated, so rotating a certificate drops
 * nobody.
 */
import { statSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { TlsSessionCache } from './session-cache.js';
import type { TlsAuthClients, TlsSettings } from './tls-config.js';

/** A client that has not finished its handshake by then is disconnected (slowloris guard). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsAcceptorEvents {
  onSecure(socket: tls.TLSSocket): void;
  /** a handshake or certificate check failed (logged by the server, rate-limited there) */
  onReject(peer: string, reason: string): void;
}

export class TlsAcceptor {
  private readonly server: tls.Server;
  private authClients: TlsAuthClients = 'no';
  readonly sessions = new TlsSessionCache(20480, 300_000);
  private sessionCaching = true;
  /** file signature at the last (attempted) load, for tls-auto-reload */
  private watchedSignature = '';

  constructor(
    settings: TlsSettings,
    private readonly events: TlsAcceptorEvents,
    handshakeTimeoutMs = TLS_HANDSHAKE_TIMEOUT_MS,
  ) {
    this.server = new tls.Server({ handshakeTimeout: handshakeTimeoutMs });
    this.configure(settings);
    this.server.on('secureConnection', (s: tls.TLSSocket) => this.secured(s));
    this.server.on('tlsClientError', (err: Error, s: tls.TLSSocket) => {
      // A certificate that fails verification makes Node close the socket itself ("socket
      // hang up"); the verification error it recorded is the reason worth logging.
      const reason = s.authorizationError !== null && s.authorizationError !== undefined ? `client certificate rejected: ${String(s.authorizationError)}` : opensslReason(err);
      this.events.onReject(this.peers.get(rawOf(s)) ?? peerOf(s), reason);
      s.destroy();
    });
    this.server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      if (this.sessionCaching) this.sessions.set(id, data);
      done();
    });
    this.server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
      done(null, this.sessionCaching ? this.sessions.get(id) : null);
    });
  }

  /** Applies new settings to connections accepted from now on. Settings were validated by buildTlsSettings. */
  configure(settings: TlsSettings): void {
    this.server.setSecureContext(settings.context);
    this.authClients = settings.authClients;
    // `yes`: a client without a certificate fails inside the handshake, as with Redis;
    // `optional`: no certificate is fine, but a presented one must verify (checked in secured())
    // plain properties the server copies into each new TLSSocket (absent from the typings)
    const verify = this.server as tls.Server & { requestCert: boolean; rejectUnauthorized: boolean };
    verify.requestCert = settings.authClients !== 'no';
    verify.rejectUnauthorized = settings.authClients === 'yes';
    this.sessionCaching = settings.sessionCaching;
    this.sessions.maxSize = settings.sessionCacheSize;
    this.sessions.timeoutMs = settings.sessionCacheTimeoutSec * 1000;
    // sessions negotiated under the old certificate or CA must not be resumed under the new one
    this.sessions.clear();
  }

  /** peer "ip:port" per raw socket: a TLS socket that failed has lost its address by the time it is reported */
  private readonly peers = new WeakMap<net.Socket, string>();

  /** Starts the handshake on an admitted raw connection. */
  handle(raw: net.Socket): void {
    this.peers.set(raw, peerOf(raw));
    this.server.emit('connection', raw);
  }

  private secured(s: tls.TLSSocket): void {
    if (this.authClients !== 'no' && !s.authorized) {
      const presented = Object.keys(s.getPeerCertificate()).length > 0;
      if (this.authClients === 'yes' || presented) {
        this.events.onReject(peerOf(s), `client certificate rejected: ${String(s.authorizationError)}`);
        s.destroy();
        return;
      }
    }
    this.events.onSecure(s);
  }

  /**
   * tls-auto-reload: true when the watched files changed since the last load (or attempt).
   * A failed attempt is not retried until the files change again, so a half-written
   * rotation is logged once and picked up when the second file lands.
   */
  filesChanged(paths: string[]): boolean {
    const sig = fileSignature(paths);
    if (sig === this.watchedSignature) return false;
    this.watchedSignature = sig;
    return true;
  }

  /** Records the current state of the files as loaded (start-up, CONFIG SET). */
  markLoaded(paths: string[]): void {
    this.watchedSignature = fileSignature(paths);
  }
}

function fileSignature(paths: string[]): string {
  return paths
    .map((p) => {
      try {
        const st = statSync(p);
        return `${p}:${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${p}:missing`;
      }
    })
    .join('|');
}

/** OpenSSL's reason text ("peer did not return a certificate") rather than its multi-line dump. */
function opensslReason(err: Error): string {
  const reason = (err as Error & { reason?: unknown }).reason;
  return typeof reason === 'string' && reason !== '' ? reason : (err.message.split('\n')[0] ?? '');
}

/** The TCP socket under a server-side TLS socket (Node keeps it as `_parent`). */
function rawOf(s: tls.TLSSocket): net.Socket {
  return (s as tls.TLSSocket & { _parent?: net.Socket })._parent ?? s;
}

function peerOf(s: net.Socket): string {
  const a = s.remoteAddress;
  if (a === undefined) return '?';
  const h = a.startsWith('::ffff:') ? a.slice(7) : a;
  return `${h}:${s.remotePort ?? 0}`;
}
