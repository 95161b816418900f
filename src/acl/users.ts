/**
 * The set of ACL users. `default` always exists and is never replaced as an object: ACL
 * LOAD and `user default …` copy new rules into it, so every connection that holds it
 * sees the change (Redis keeps one DefaultUser pointer the same way).
 */
import { applyRule, setUser, type AclWarn } from './rule-parser.js';
import { User, type AclContext } from './user.js';

export const DEFAULT_USER = 'default';

/** Redis's initial default user: on, nopass, all keys, all channels, all commands. */
export function createDefaultUser(ctx: AclContext): User {
  const u = User.create(DEFAULT_USER, ctx);
  for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) applyRule(u, rule, ctx);
  return u;
}

/** Byte order of user names (ACL LIST / USERS / SAVE list users as Redis's radix tree does). */
function byName(a: User, b: User): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class UserRegistry {
  private readonly users = new Map<string, User>();
  readonly defaultUser: User;

  constructor(readonly aclContext: AclContext) {
    this.defaultUser = createDefaultUser(aclContext);
    this.users.set(DEFAULT_USER, this.defaultUser);
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  has(name: string): boolean {
    return this.users.has(name);
  }

  get size(): number {
    return this.users.size;
  }

  /** Every user, sorted by name. */
  list(): User[] {
    return [...this.users.values()].sort(byName);
  }

  /**
   * ACL SETUSER: applies `rules` all-or-nothing to the named user, creating it (off, no
   * permissions) if needed. Returns null or the error reply text.
   */
  setUser(name: string, rules: readonly string[], warn?: AclWarn): string | null {
    const existing = this.users.get(name);
    const target = existing ?? User.create(name, this.aclContext);
    const err = setUser(target, rules, this.aclContext, warn);
    if (err !== null) return err;
    if (existing === undefined) this.users.set(name, target);
    return null;
  }

  /** Removes a user (never `default`); returns the removed user or undefined. */
  delete(name: string): User | undefined {
    if (name === DEFAULT_USER) return undefined;
    const u = this.users.get(name);
    if (u !== undefined) this.users.delete(name);
    return u;
  }

  /**
   * Replaces every user with those of `next` (a fully validated set, ACL LOAD). The
   * default user keeps its identity and takes `next`'s default rules (or the initial
   * ones when `next` has none). Returns the users that were dropped or replaced, whose
   * connections must be closed.
   */
  replaceAll(next: Map<string, User>): User[] {
    const gone = [...this.users.values()].filter((u) => u !== this.defaultUser);
    (next.get(DEFAULT_USER) ?? createDefaultUser(this.aclContext)).copyInto(this.defaultUser);
    this.users.clear();
    this.users.set(DEFAULT_USER, this.defaultUser);
    for (const [name, u] of next) if (name !== DEFAULT_USER) this.users.set(name, u);
    return gone;
  }
}
