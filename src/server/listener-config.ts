/**
 * The owner of `port`, `tls-port` and `bind` at run time (CONFIG SET; the start-up
 * listeners are opened by Server.listen). Redis 7 rebinds on these; so does Redoubt, with
 * one difference that keeps the server reachable: the new listeners are opened first and
 * the old ones close only when that succeeded (Redis closes, then opens, and reopens the
 * old ones on failure). The error texts are Redis's.
 *
 * Nothing about who may connect lives on a listener: every socket, whichever listener
 * accepted it, goes through the same admission (source allowlist, protected mode, TLS
 * refusals, limits), so a rebound listener is guarded exactly as one opened at start-up.
 * After each change the "Security: listening on …" line is logged again (the start-up
 * banner's line, same words), with the warning when the server is now exposed beyond
 * loopback with protected mode off.
 *
 * `unixsocket` and `unixsocketperm` stay immutable, as in Redis 7.2.4.
 */
import { isIPv4, isIPv6, type AddressInfo, type Server as NetServer } from 'node:net';
import type { ConfigStore } from '../config/config-store.js';
import type { TlsAcceptorEvents } from '../tls/tls-acceptor.js';
import type { TlsService } from '../tls/tls-service.js';
import type { Listeners } from './listeners.js';
import type { Logger } from './logger.js';

/** redis-server's texts (config.c updatePort / applyTLSPort / applyBind) */
const PORT_FAILED = 'Unable to listen on this port. Check server logs.';
const TLS_FAILED = 'Unable to update TLS configuration. Check server logs.';
const BIND_FAILED = 'Failed to bind to specified addresses.';

export interface ListenerConfigHost {
  readonly config: ConfigStore;
  readonly network: Listeners;
  readonly tlsService: TlsService;
  readonly logger: Logger;
  /** what the TLS acceptor does with handshakes (the same as at start-up) */
  readonly tlsEvents: TlsAcceptorEvents;
}

export function registerListenerConfig(h: ListenerConfigHost): void {
  const { config, network } = h;
  const binds = (): string[] => config.get('bind').split(' ').filter((b) => b.length > 0);
  const backlog = (): number => config.int('tcp-backlog');

  const rebind = async (kind: 'tcp' | 'tls', port: number, failure: string): Promise<string | null> => {
    try {
      await network.rebindTcp(kind, binds(), port, backlog());
    } catch (e) {
      h.logger.warning(`Failed changing the ${kind} listeners: ${(e as Error).message}`);
      return failure;
    }
    return null;
  };
  const relog = (): void => {
    const servers = network.servers.map((l) => l.srv);
    h.logger.notice(listeningLine(servers, config));
    const warning = exposureWarning(servers, config);
    if (warning !== null) h.logger.warning(warning);
  };

  config.onChangeAsync('port', async (v) => {
    if (!network.active) return null;
    const e = await rebind('tcp', Number(v), PORT_FAILED);
    if (e === null) relog();
    return e;
  });

  config.onChangeAsync('tls-port', async (v) => {
    if (!network.active) return null;
    const port = Number(v);
    if (port !== 0 && h.tlsService.acceptor === null) {
      try {
        h.tlsService.start(h.tlsEvents);
      } catch {
        // TlsConfigError: already logged by the service
        return TLS_FAILED;
      }
    }
    const e = await rebind('tls', port, PORT_FAILED);
    if (e === null) relog();
    return e;
  });

  config.onChangeAsync('bind', async () => {
    if (!network.active) return null;
    const e = await rebind('tcp', config.int('port'), BIND_FAILED);
    if (e !== null) return e;
    const tlsPort = config.int('tls-port');
    if (tlsPort !== 0 && network.port('tls') !== 0) {
      const t = await rebind('tls', tlsPort, BIND_FAILED);
      // failed together, as Redis: CONFIG SET re-runs this hook with the old addresses
      if (t !== null) return t;
    }
    relog();
    return null;
  });
}

/** The banner's listening line, from the listeners as they are (start-up and every rebind). */
export function listeningLine(servers: readonly NetServer[], c: ConfigStore): string {
  const addrs = boundAddresses(servers).map((a) => (a.family === 'IPv6' || isIPv6(a.address) ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`));
  return `Security: listening on ${addrs.length > 0 ? addrs.join(', ') : 'no TCP address'} (bind ${c.get('bind')}; tcp port ${c.get('port')}, tls port ${c.get('tls-port')}${c.get('unixsocket') !== '' ? `, unix socket ${c.get('unixsocket')}` : ''})`;
}

/** The banner's warning when a listener is beyond loopback with protected mode off; else null. */
export function exposureWarning(servers: readonly NetServer[], c: ConfigStore): string | null {
  const exposed = boundAddresses(servers).some((a) => !(a.address === '::1' || (isIPv4(a.address) && a.address.startsWith('127.'))));
  if (!exposed || c.bool('protected-mode')) return null;
  return 'WARNING: protected mode is off and the server listens beyond loopback without a password: anyone who can reach it can run any command';
}

function boundAddresses(servers: readonly NetServer[]): AddressInfo[] {
  return servers.map((l) => l.address()).filter((a): a is AddressInfo => a !== null && typeof a === 'object');
}
