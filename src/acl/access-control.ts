/**
 * The ACL layer as the server uses it: the user registry, ACL LOG, authentication and
 * the permission check the dispatcher calls before every command.
 *
 * - Authentication answers the same for an unknown user, a disabled user and a wrong
 *   password, and does the same work (one SHA-256, every stored digest compared) in each
 *   case, so neither the reply nor its timing tells which names exist.
 * - The check has a fast path for unrestricted users (one selector with all commands,
 *   keys and channels: the default user out of the box), so the common case costs a few
 *   property reads.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { CommandEntry } from '../command-model/command-data.js';
import type { AclService, CommandContext } from '../command-context/services.js';
import { reply, type Reply } from '../protocol/reply.js';
import type { Client } from '../server/client.js';
import { AclLog, type AclDenialReason, type AclLogContext } from './acl-log.js';
import { checkPermission, type ChannelRef, type PermissionResult } from './check.js';
import { hashPassword, passwordMatches } from './password.js';
import { applyRule } from './rule-parser.js';
import type { AclContext, User } from './user.js';
import { UserRegistry } from './users.js';
import { SourceAllowlist } from '../security/source-allowlist.js';
import { sourceOf } from '../security/security-monitor.js';
import { errors } from '../errors.js';

/** What the ACL layer needs from the server (kept narrow so it is testable alone). */
export interface AclHost {
  aclContext: AclContext;
  acllogMaxLen(): number;
  /** wall-clock ms for ACL LOG timestamps */
  wallClock(): number;
  clientInfo(client: Client): string;
  /** the name a command is called by now (after rename-command), as ACL LOG shows it */
  commandName(cmd: CommandEntry): string;
  /** counters and security events for a denial (never given a password) */
  denied(client: Client, reason: AclDenialReason, object: string, context: AclLogContext): void;
}

/** Redis 7.2's NOPERM texts (getAclErrorMessage). */
export function nopermMessage(user: User, cmd: CommandEntry, denial: PermissionResult): string {
  if (denial.ok) return '';
  if (denial.reason === 'key') return errors.noPermKey;
  if (denial.reason === 'channel') return errors.noPermChannel;
  return errors.noPermCommand(user.name, cmd.fullName);
}

/** EXEC's text when a queued command is no longer allowed (Redis 7.2 execCommand). */
export function execDeniedMessage(denial: PermissionResult): string {
  let why = 'no permission';
  if (!denial.ok) {
    if (denial.reason === 'command') why = 'no permission to execute the command or subcommand';
    else if (denial.reason === 'key') why = 'no permission to touch the specified keys';
    else why = 'no permission to access one of the channels used as arguments';
  }
  return errors.execAclChanged(why);
}

const PUBLISH_CHANNEL: readonly ChannelRef[] = [{ index: 1, pattern: false }];

/**
 * The channel arguments Redis checks: what PUBLISH/SPUBLISH publish to and what
 * [S|P]SUBSCRIBE subscribe to. Unsubscribing and PUBSUB introspection are never checked.
 */
export function channelRefs(cmd: CommandEntry, argv: readonly string[]): readonly ChannelRef[] | undefined {
  switch (cmd.fullName) {
    case 'publish':
    case 'spublish':
      return PUBLISH_CHANNEL;
    case 'subscribe':
    case 'ssubscribe':
    case 'psubscribe': {
      const pattern = cmd.fullName === 'psubscribe';
      const refs: ChannelRef[] = [];
      for (let i = 1; i < argv.length; i++) refs.push({ index: i, pattern });
      return refs;
    }
    default:
      return undefined;
  }
}

/** Whether `client` connects from a network `user` may log in from. */
export function sourceAllowed(user: User, client: Client): boolean {
  if (user.sources.length === 0 || client.isUnix) return true;
  return new SourceAllowlist(user.sources.join(' ')).allows(sourceOf(client.addr, false).source);
}

const PERMITTED: PermissionResult = { ok: true };

function isUnrestricted(u: User): boolean {
  if (u.selectors.length !== 1) return false;
  const r = u.root;
  return r.allCommands && r.allKeys && r.allChannels;
}

/** A digest no password hashes to: compared against when the user does not exist. */
const NO_SUCH_USER_DIGESTS = ['0'.repeat(64)];

export class AccessControl implements AclService {
  readonly users: UserRegistry;
  readonly log: AclLog;

  constructor(private readonly host: AclHost) {
    this.users = new UserRegistry(host.aclContext);
    this.log = new AclLog(() => host.acllogMaxLen());
  }

  /**
   * The settings ACL owns, pushed because they change live state: requirepass rewrites the
   * default user, a lowered acllog-max-len trims the log at once.
   */
  registerConfig(config: ConfigStore): void {
    config.onChange('requirepass', (v) => {
      this.setDefaultUserPassword(v === '' ? null : v);
      return null;
    });
    config.onChange('acllog-max-len', () => {
      this.log.trim();
      return null;
    });
  }

  /** requirepass: the default user's only password, or nopass for null (Redis ACLUpdateDefaultUserPassword). */
  setDefaultUserPassword(password: string | null): void {
    const d = this.users.defaultUser;
    applyRule(d, 'resetpass', this.host.aclContext);
    applyRule(d, password === null ? 'nopass' : '>' + password, this.host.aclContext);
  }

  get defaultUser(): User {
    return this.users.defaultUser;
  }

  /** May a new connection run commands without AUTH? (default user on and nopass) */
  defaultUserNeedsNoAuth(): boolean {
    const d = this.users.defaultUser;
    return d.enabled && d.nopass;
  }

  /**
   * Checks a username/password pair. On success the client is logged in as that user;
   * on failure the attempt goes to ACL LOG (reason auth, the attempted name, the command
   * as the client spelled it) and the counters.
   */
  authenticate(client: Client, username: string, password: string, commandName: string): boolean {
    const u = this.users.get(username);
    let ok: boolean;
    if (u === undefined) {
      passwordMatches(NO_SUCH_USER_DIGESTS, password);
      ok = false;
    } else if (u.nopass) {
      // nopass accepts any password; hash anyway so timing does not reveal the flag
      hashPassword(password);
      ok = u.enabled;
    } else {
      ok = passwordMatches(u.passwords, password) && u.enabled;
    }
    // Redoubt's extensions: a certificate-only user never logs in with a password, and a
    // source-restricted one only from its networks (unix-socket clients are local)
    if (ok && (u!.certRequired || !sourceAllowed(u!, client))) ok = false;
    if (ok) {
      client.aclUser = u!;
      client.authenticated = true;
      return true;
    }
    this.recordDenial(client, 'auth', client.multi !== null ? 'multi' : 'toplevel', commandName, username);
    return false;
  }

  /** Logs a denial to ACL LOG (unless acllog-max-len is 0) and counts it. */
  recordDenial(client: Client, reason: AclDenialReason, context: AclLogContext, object: string, username: string): void {
    this.host.denied(client, reason, object, context);
    if (this.host.acllogMaxLen() === 0) {
      this.log.trim();
      return;
    }
    this.log.add(reason, context, object, username, this.host.clientInfo(client), this.host.wallClock());
  }

  /** The permission check of `user` for a call (no logging). */
  permission(user: User, cmd: CommandEntry, argv: readonly string[]): PermissionResult {
    // every command, key and channel: nothing to look at (redis.call asks on every call)
    if (isUnrestricted(user)) return PERMITTED;
    return checkPermission(user, cmd, argv, channelRefs(cmd, argv));
  }

  /**
   * The dispatcher's check: null when allowed, else the NOPERM reply (the denial is
   * logged with context "multi" when the command was being queued).
   */
  check(ctx: CommandContext, cmd: CommandEntry, argv: readonly string[]): Reply | null {
    const client = ctx.client;
    const user = client.aclUser;
    if (isUnrestricted(user)) return null;
    const res = this.permission(user, cmd, argv);
    if (res.ok) return null;
    this.recordDenial(client, res.reason, client.multi !== null ? 'multi' : 'toplevel', denialObject(this.host.commandName(cmd), res), user.name);
    return reply.error(nopermMessage(user, cmd, res));
  }

  /** EXEC's re-check of one queued command: null when still allowed, else its error reply. */
  checkQueued(ctx: CommandContext, cmd: CommandEntry, argv: readonly string[]): Reply | null {
    const user = ctx.client.aclUser;
    if (isUnrestricted(user)) return null;
    const res = this.permission(user, cmd, argv);
    if (res.ok) return null;
    this.recordDenial(ctx.client, res.reason, 'multi', denialObject(this.host.commandName(cmd), res), user.name);
    return reply.error(execDeniedMessage(res));
  }
}

/** What ACL LOG names as the object of a denial: the command, key or channel. */
export function denialObject(commandName: string, res: PermissionResult): string {
  if (res.ok) return '';
  if (res.reason === 'key') return res.key;
  if (res.reason === 'channel') return res.channel;
  return commandName;
}
