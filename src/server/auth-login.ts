/**
 * Logging a client in: AUTH / HELLO AUTH through the AUTH throttle, the certificate login
 * of tls-auth-clients-user, and the implicit login as the default user.
 *
 * Contract:
 *  - a password is checked only with a ticket from the throttle (security/auth-throttle.ts):
 *    at once, or after a wait for the source's budget (at most 5 s) during which the client
 *    reads nothing more; inside EXEC (or without a connection) a login cannot wait and gets
 *    the budget error instead;
 *  - a failure is WRONGPASS whatever the cause (unknown user, disabled, wrong password),
 *    and its reply may be held back by the throttle's delay (the connection holds it and
 *    everything after it);
 *  - every outcome is a security event with the actor (client id, user, address, source);
 *  - a certificate whose identities name no usable user is an ACL LOG entry ("tls-cert")
 *    and the connection stays as it was;
 *  - the implicit login needs the default user on, nopass, not certificate-only, and its
 *    source networks to admit the client.
 */
import type { TLSSocket } from 'node:tls';
import { sourceAllowed, type AccessControl } from '../acl/access-control.js';
import type { CommandContext } from '../command-context/context.js';
import type { ConfigStore } from '../config/config-store.js';
import { errors } from '../errors.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import type { CheckTicket } from '../security/auth-throttle.js';
import { sourceOf, type Actor, type AuthMechanism, type SecurityMonitor } from '../security/security-monitor.js';
import { certificateIdentities } from '../tls/cert-identity.js';
import type { Client } from './client.js';
import type { Connection } from './connection.js';
import { internalErrorLog } from './internal-error-log.js';
import type { Logger } from './logger.js';

/** Who a client is, for security events. */
export function actorOf(client: Client): Actor {
  const { source, local } = sourceOf(client.addr, client.isUnix);
  return { id: client.id, user: client.user, addr: client.addr, source, local, tls: client.tls };
}

/** What a login touches besides ACL and the security monitor. */
export interface AuthLoginHost {
  readonly acl: AccessControl;
  readonly security: SecurityMonitor;
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly connections: ReadonlyMap<number, Connection>;
  /** the client whose command is executing (set while a waited login is checked) */
  current: Client | null;
  updateTime(): void;
  countError(r: Reply): void;
}

export class AuthLogin {
  constructor(private readonly host: AuthLoginHost) {}

  /**
   * Whether `client` is logged in as the default user without AUTH (a new connection,
   * RESET): the default user is on and nopass, and its Redoubt restrictions (source
   * networks, certificate-only) let this client in.
   */
  implicitLoginAllowed(client: Client): boolean {
    const d = this.host.acl.defaultUser;
    return d.enabled && d.nopass && !d.certRequired && sourceAllowed(d, client);
  }

  /**
   * tls-auth-clients-user: the client certificate's identity (CN, or a SAN URI/DNS/email
   * entry, as configured) that names an ACL user logs the connection in as that user.
   * A certificate whose identities name no usable user is logged (ACL LOG reason
   * "tls-cert") and the connection stays as it was (the default user).
   */
  certificateLogin(client: Client, socket: TLSSocket): void {
    const { acl, security } = this.host;
    const ids = certificateIdentities(socket.getPeerCertificate());
    const field = this.host.config.get('tls-auth-clients-user') as 'cn' | 'uri' | 'dns' | 'email';
    const candidates = ids[field];
    if (candidates.length === 0) return;
    const actor = actorOf(client);
    for (const name of candidates) {
      const u = acl.users.get(name);
      if (u !== undefined && u.enabled && sourceAllowed(u, client)) {
        client.aclUser = u;
        client.authenticated = true;
        security.authSucceeded(actor, name, 'certificate');
        return;
      }
    }
    const name = candidates[0]!;
    acl.recordDenial(client, 'tls-cert', 'toplevel', name, name);
    security.authFailed(actor, name, 'certificate');
  }

  /**
   * AUTH / HELLO AUTH, through the AUTH throttle. `finish` turns the login's outcome —
   * null on success (the client is now that user), or the WRONGPASS error, the same for an
   * unknown user, a disabled one and a wrong password — into the command's reply. Returns
   * that reply, or null when the check waits for the source's budget (at most 5 s; the
   * reply is then sent by afterWait). `commandName` is the command as the client
   * spelled it (ACL LOG's object).
   */
  authenticate(ctx: CommandContext, user: string, password: string, commandName: string, finish: (err: Reply | null) => Reply): Reply | null {
    const client = ctx.client;
    const actor = actorOf(client);
    const mechanism = commandName.toUpperCase() === 'HELLO' ? 'HELLO' : 'AUTH';
    const conn = this.host.connections.get(client.id);
    // a command inside EXEC cannot wait (nor one without a connection)
    const canWait = conn !== undefined && !client.inExec;
    const gate = this.host.security.authGate(actor, canWait, (ticket) => this.afterWait(conn!, user, password, commandName, mechanism, ticket, finish));
    if (gate === 'busy') return finish(reply.error(errors.authBudgetInTransaction));
    if (gate === 'wait') {
      // the client reads nothing more until its check ran (see afterWait)
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
    const { acl, security } = this.host;
    if (acl.authenticate(client, user, password, commandName)) {
      client.authThrottled = false;
      security.authSucceeded(actor, user, mechanism, ticket);
      return { err: null, delayMs: 0 };
    }
    const delayMs = security.authFailed(actor, user, mechanism, ticket);
    if (delayMs > 0 || ticket.waitedMs > 0) client.authThrottled = true;
    return { err: reply.error(errors.wrongPass), delayMs };
  }

  /**
   * A login that waited for the throttle's budget: checked now, answered through the
   * blocked-client path (a failure's reply held back like any other), then the client's
   * pipelined input goes on.
   */
  private afterWait(conn: Connection, user: string, password: string, commandName: string, mechanism: AuthMechanism, ticket: CheckTicket, finish: (err: Reply | null) => Reply): void {
    const h = this.host;
    const client = conn.client;
    if (h.connections.get(client.id) !== conn) return;
    client.blocked = false;
    h.updateTime();
    const previous = h.current;
    h.current = client;
    let out: Reply;
    let delayMs = 0;
    try {
      const r = this.checkPassword(client, actorOf(client), user, password, commandName, mechanism, ticket);
      delayMs = r.delayMs;
      out = finish(r.err);
    } catch (e) {
      internalErrorLog(h.logger).report('finishing a throttled login', e);
      out = reply.error(errors.internal);
    } finally {
      h.current = previous;
    }
    if (out.k === Kind.Error) h.countError(out);
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
}
