/**
 * The TLS port's settings as a running service: builds the acceptor when the server starts
 * listening, rebuilds its context when a `tls-*` setting changes (CONFIG SET) or, with
 * tls-auto-reload, when the certificate files change on disk.
 *
 * Contract: invalid settings or files never replace a working context — a reload returns
 * the reason and the running context stays; at start-up they are fatal (TlsConfigError,
 * already logged). The `tls-*` settings are registered here, as one hook, so a CONFIG SET
 * of certificate and key together reloads once. Without a TLS port every reload is a no-op.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { ConfigName } from '../config/config-table.js';
import type { Logger } from '../server/logger.js';
import { TlsAcceptor, type TlsAcceptorEvents } from './tls-acceptor.js';
import { buildTlsSettings, tlsWatchedPaths } from './tls-config.js';

/** The TLS files or settings could not be loaded at start-up (already logged). */
export class TlsConfigError extends Error {}

/** Settings that shape the TLS context: any change rebuilds it. */
const CONTEXT_SETTINGS = [
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-auth-clients',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
] as const satisfies readonly ConfigName[];

export class TlsService {
  /** the TLS handshake side of the TLS port, once listening with `tls-port` */
  acceptor: TlsAcceptor | null = null;
  private lastPoll = 0;

  constructor(
    private readonly config: ConfigStore,
    private readonly logger: Logger,
  ) {
    // invalid files fail the CONFIG SET with Redis's text; the reason goes to the log
    config.onChange(CONTEXT_SETTINGS, () => {
      const err = this.reload();
      if (err === null) return null;
      logger.warning(err);
      return 'Unable to update TLS configuration. Check server logs.';
    });
  }

  private readonly get = (n: ConfigName): string => this.config.get(n);

  /** Builds the acceptor from the current settings; throws TlsConfigError (logged) when they cannot load. */
  start(events: TlsAcceptorEvents): TlsAcceptor {
    const settings = buildTlsSettings(this.get);
    if ('error' in settings) {
      this.logger.warning(settings.error);
      this.logger.warning('Failed to configure TLS. Check logs for more info.');
      throw new TlsConfigError(settings.error);
    }
    this.acceptor = new TlsAcceptor(settings, events);
    this.acceptor.markLoaded(tlsWatchedPaths(this.get));
    return this.acceptor;
  }

  /**
   * Rebuilds the TLS context from the current `tls-*` values (CONFIG SET, tls-auto-reload).
   * Invalid files leave the running context untouched and return the reason.
   */
  reload(): string | null {
    if (this.acceptor === null) return null;
    const settings = buildTlsSettings(this.get);
    if ('error' in settings) return settings.error;
    this.acceptor.configure(settings);
    this.acceptor.markLoaded(tlsWatchedPaths(this.get));
    return null;
  }

  /** tls-auto-reload (cron): at most once a second, reload when the certificate files changed on disk. */
  autoReload(): void {
    if (this.acceptor === null || !this.config.bool('tls-auto-reload')) return;
    const now = Date.now();
    if (now - this.lastPoll < 1000) return;
    this.lastPoll = now;
    if (!this.acceptor.filesChanged(tlsWatchedPaths(this.get))) return;
    const err = this.reload();
    if (err === null) this.logger.notice('TLS certificate files changed on disk: TLS configuration reloaded');
    else this.logger.warning(`TLS certificate files changed on disk but could not be loaded, keeping the previous configuration: ${err}`);
  }
}
