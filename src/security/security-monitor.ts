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
import { AuthThrottle, type CheckTicket, type ThrottleStage } from './auth-throttle.js';
import { isLoopbackAddress } from './protected-mode.js';
import { eventText, SecurityEvents, type EventFields } from './security-events.js';

/** Who did it and from where, as events carry it. */
export interface Actor {
  /** the client's id */
  id: number;
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
    this.events.onWriteError = (message) => this.logger.warning(message);
    this.spikes = new AuthSpikeDetector(() => ({
      globalThreshold: config.int('auth-spike-threshold'),
      sourceThreshold: config.int('auth-spike-source-threshold'),
      windowMs: config.int('auth-spike-window') * 1000,
    }));
    this.throttle = new AuthThrottle(
      () => ({
        enabled: config.bool('auth-throttle'),
        exemptLoopback: config.bool('auth-throttle-exempt-loopback'),
        freeFailures: config.int('auth-throttle-free-failures'),
        maxDelayMs: config.int('auth-throttle-max-delay'),
        checksPerMinute: config.int('auth-throttle-checks-per-minute'),
        maxWaitMs: config.int('auth-throttle-max-wait'),
        maxUnauthenticated: config.int('auth-throttle-max-unauthenticated'),
        windowMs: config.int('auth-spike-window') * 1000,
      }),
      clock,
    );
    this.throttle.onEngage = (source, stage, failures) => this.throttleEngaged(source, stage, failures);
    // the event file is opened (or refused) the moment the setting changes
    config.onChange('security-log-file', (v) => this.events.setFile(v));
  }

  /**
   * Before checking a password: a ticket to check it now, 'wait' (the check starts later,
   * through `start`, within the wait bound), or 'busy' (no budget, and `canWait` is false:
   * inside EXEC).
   */
  authGate(actor: Actor, canWait: boolean, start: (ticket: CheckTicket) => void): CheckTicket | 'wait' | 'busy' {
    if (this.throttle.exempt(actor.local)) return this.throttle.exemptTicket(actor.source);
    return this.throttle.request(actor.source, actor.id, canWait, start);
  }

  /** A successful login; `ticket` is the throttle's (null for a certificate). */
  authSucceeded(actor: Actor, user: string, mechanism: AuthMechanism, ticket: CheckTicket | null = null): void {
    this.authSuccesses++;
    if (ticket !== null) this.throttle.checked(ticket, true);
    this.throttle.released(actor.id);
    this.events.emit('auth-success', { ...actorFields(actor), user: eventText(user), mechanism });
  }

  /**
   * A failed authentication; returns how long to hold the failure reply back (ms). A
   * certificate (no ticket) feeds the events and spike alerts only.
   */
  authFailed(actor: Actor, user: string, mechanism: AuthMechanism, ticket: CheckTicket | null = null): number {
    this.authFailures++;
    const now = this.clock();
    this.events.emit('auth-failure', { ...actorFields(actor), user: eventText(user), mechanism });
    for (const r of this.spikes.recordFailure(actor.source, user, now)) this.reportSpike(r);
    return ticket === null ? 0 : this.throttle.checked(ticket, false);
  }

  /**
   * A new connection that is not logged in yet: false when its source already has as many
   * unauthenticated connections open as allowed (the connection is then refused).
   */
  admitUnauthenticated(actor: Actor): boolean {
    if (this.throttle.exempt(actor.local)) return true;
    return this.throttle.admit(actor.source, actor.id);
  }

  /** A connection closed: its waiting login (if any) and its place under the cap go. */
  connectionClosed(id: number): void {
    this.throttle.forget(id);
  }

  private throttleEngaged(source: string, stage: ThrottleStage, failures: number): void {
    const what =
      stage === 'delay'
        ? 'its failure replies are delayed'
        : stage === 'budget'
          ? 'its password checks wait for budget'
          : 'its new unauthenticated connections are refused';
    this.logger.warning(`Too many failed authentications from ${source} (${failures} in the window): ${what} (AUTHTHROTTLE LIST shows the state).`);
    this.events.emit('auth-throttled', { source, stage, failures });
  }

  aclDenied(actor: Actor, reason: string, object: string, context: string): void {
    this.events.emit('acl-denied', { ...actorFields(actor), reason, object: eventText(object), context });
  }

  /** A connection refused before any byte was read. */
  admissionRefused(addr: string, reason: AdmissionReason): void {
    this.admissionRefusals++;
    this.events.emit('admission-refused', { addr, reason });
  }

  /** A TLS connection refused in the handshake or the client-certificate check (no command ran). */
  tlsRefused(addr: string, reason: string): void {
    this.events.emit('tls-refused', { addr, reason: eventText(reason, 256) });
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
    this.throttle.tick();
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
