/**
 * The side channel of the security layers: every authentication, ACL denial, admission
 * refusal, configuration/ACL change and dangerous command is reported here, and turned
 * into security events, spike alerts and throttling decisions. The server owns one.
 *
 * Nothing here receives a secret: callers pass user names, addresses, command names and
 * (for config changes) values already redacted.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from '../server/logger.js';
import { AuthSpikeDetector, type SpikeReport } from './auth-spike.js';
import { AuthThrottle } from './auth-throttle.js';
import { isLoopbackAddress } from './protected-mode.js';
import { eventText, SecurityEvents, type EventFields } from './security-events.js';

/** Who did it and from where, as events carry it. */
export interface Actor {
  user: string;
  /** "ip:port" or "/path:0" */
  addr: string;
  /** the bare address throttling and spike detection key on */
  source: string;
  local: boolean;
  tls: boolean;
}

export type AuthMechanism = 'AUTH' | 'HELLO' | 'certificate';

export type AdmissionReason = 'protected-mode' | 'maxclients' | 'allowlist' | 'throttle';

export class SecurityMonitor {
  readonly events: SecurityEvents;
  readonly spikes: AuthSpikeDetector;
  readonly throttle: AuthThrottle;
  authSuccesses = 0;
  authFailures = 0;
  admissionRefusals = 0;

  constructor(
    private readonly config: ConfigStore,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {
    this.events = new SecurityEvents(clock);
    this.spikes = new AuthSpikeDetector(() => ({
      globalThreshold: config.int('auth-spike-threshold'),
      sourceThreshold: config.int('auth-spike-source-threshold'),
      windowMs: config.int('auth-spike-window') * 1000,
    }));
    this.throttle = new AuthThrottle(() => ({
      enabled: config.bool('auth-throttle'),
      freeFailures: config.int('auth-throttle-free-failures'),
      pairThreshold: config.int('auth-throttle-threshold'),
      sourceThreshold: config.int('auth-throttle-source-threshold'),
      blockMs: config.int('auth-throttle-block-time') * 1000,
      windowMs: config.int('auth-spike-window') * 1000,
      exemptLoopback: config.bool('auth-throttle-exempt-loopback'),
    }));
  }

  /**
   * Before checking a password: null to go on, or the seconds left of a block that
   * refuses this attempt outright.
   */
  authBlocked(actor: Actor, user: string, mechanism: AuthMechanism): number | null {
    if (this.throttle.exempt(actor.local)) return null;
    const now = this.clock();
    const v = this.throttle.check(actor.source, user, now);
    if (v.scope === null) return null;
    const seconds = Math.max(1, Math.ceil((v.blockedUntil - now) / 1000));
    this.events.emit('auth-throttled', { ...actorFields(actor), user: eventText(user), mechanism, scope: v.scope, retry_in_s: seconds });
    return seconds;
  }

  authSucceeded(actor: Actor, user: string, mechanism: AuthMechanism): void {
    this.authSuccesses++;
    if (!this.throttle.exempt(actor.local)) this.throttle.recordSuccess(actor.source, user);
    this.events.emit('auth-success', { ...actorFields(actor), user: eventText(user), mechanism });
  }

  /** A failed authentication; returns how long to hold the failure reply back (ms). */
  authFailed(actor: Actor, user: string, mechanism: AuthMechanism): number {
    this.authFailures++;
    const now = this.clock();
    this.events.emit('auth-failure', { ...actorFields(actor), user: eventText(user), mechanism });
    for (const r of this.spikes.recordFailure(actor.source, user, now)) this.reportSpike(r);
    if (this.throttle.exempt(actor.local)) return 0;
    const { delayMs, newBlocks } = this.throttle.recordFailure(actor.source, user, now);
    for (const scope of newBlocks) {
      const what = scope === 'source' ? `source ${actor.source}` : `user '${eventText(user)}' from ${actor.source}`;
      this.logger.warning(`Too many failed authentications: blocking ${what} for a while (AUTHTHROTTLE LIST shows blocks).`);
      this.events.emit('auth-throttled', { ...actorFields(actor), user: eventText(user), mechanism, scope, block_started: true });
    }
    return delayMs;
  }

  aclDenied(actor: Actor, reason: string, object: string, context: string): void {
    this.events.emit('acl-denied', { ...actorFields(actor), reason, object: eventText(object), context });
  }

  /** A connection refused before any byte was read. */
  admissionRefused(addr: string, reason: AdmissionReason): void {
    this.admissionRefusals++;
    this.events.emit('admission-refused', { addr, reason });
  }

  /** New connections from a blocked source are refused (unless exempt). */
  connectionBlocked(source: string, local: boolean): boolean {
    if (this.throttle.exempt(local)) return false;
    return this.throttle.sourceBlocked(source, this.clock());
  }

  configChanged(actor: Actor, changes: EventFields): void {
    this.events.emit('config-changed', { ...actorFields(actor), ...changes });
  }

  aclChanged(actor: Actor, operation: string, users: readonly string[]): void {
    this.events.emit('acl-changed', { ...actorFields(actor), operation, users: users.map((u) => eventText(u)).join(' ') });
  }

  dangerousCommand(actor: Actor, command: string): void {
    this.events.emit('dangerous-command', { ...actorFields(actor), command });
  }

  /** Cron: spike episodes that ended, throttle housekeeping, suppressed-event summary. */
  tick(): void {
    const now = this.clock();
    for (const r of this.spikes.tick(now)) this.reportSpike(r);
    this.throttle.tick(now);
    this.events.tick();
  }

  private reportSpike(r: SpikeReport): void {
    const where = r.scope === 'global' ? 'from all sources' : `from ${r.source!}`;
    const users = r.users.map((u) => `'${eventText(u, 64)}'`).join(', ');
    if (r.state === 'start') {
      this.logger.warning(
        `Spike of failed authentications ${where}: ${r.failures} in the last ${this.config.int('auth-spike-window')} s (users tried: ${users}). A scanner may be past the network perimeter.`,
      );
    } else {
      this.logger.warning(`The spike of failed authentications ${where} has ended (${r.failures} in the last window).`);
    }
    this.events.emit(r.state === 'start' ? 'auth-spike-start' : 'auth-spike-end', {
      scope: r.scope,
      source: r.source,
      failures: r.failures,
      users: r.users.map((u) => eventText(u, 64)).join(' '),
    });
  }
}

function actorFields(a: Actor): EventFields {
  return { user: eventText(a.user), addr: a.addr, tls: a.tls };
}

/** The bare address of "ip:port" / "[v6]:port" / "/path:0"; and whether it is local. */
export function sourceOf(addr: string, isUnix: boolean): { source: string; local: boolean } {
  if (isUnix) return { source: 'unix', local: true };
  const i = addr.lastIndexOf(':');
  let ip = i === -1 ? addr : addr.slice(0, i);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  return { source: ip, local: isLoopbackAddress(ip) };
}
