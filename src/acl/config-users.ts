/**
 * `user <name> rules…` directives in redis.conf. Each line is checked when the config is
 * read, so a bad rule stops start-up with the file and line in the FATAL CONFIG FILE
 * ERROR block, and the lines are applied in order once the server exists (a `user
 * default` line resets the default user first, as Redis does).
 */
import { AclRuleError, applyRule, mergeSelectorArgs, ACL_RULE_MESSAGES } from './rule-parser.js';
import { User, isValidUsername, type AclContext } from './user.js';
import type { UserRegistry } from './users.js';

/** An operation as it may appear in an error: password operations are never echoed. */
export function printableOp(op: string): string {
  const c = op[0];
  return c === '>' || c === '<' ? `${c}(redacted)` : op;
}

/**
 * Checks one directive's arguments ([name, ...rules]); `seen` holds the names of earlier
 * directives. Returns null or the reason for the FATAL block.
 */
export function validateUserDirective(args: readonly string[], seen: ReadonlySet<string>, ctx: AclContext): string | null {
  if (args.length < 1) return 'wrong number of arguments';
  const name = args[0]!;
  if (seen.has(name)) return `Error in user declaration '${name}': ${ACL_RULE_MESSAGES.duplicateUser}`;
  if (!isValidUsername(name)) return `Error in user declaration '${name}': Spaces not allowed in ACL usernames`;
  const merged = mergeSelectorArgs(args.slice(1));
  if (!Array.isArray(merged)) return `Error in user declaration '${args[merged.unmatched + 1]!}': Unmatched parenthesis in acl selector`;
  const probe = User.create(name, ctx);
  for (const op of merged) {
    try {
      applyRule(probe, op, ctx);
    } catch (e) {
      if (e instanceof AclRuleError) return `Error in user declaration '${printableOp(op)}': ${e.message}`;
      throw e;
    }
  }
  return null;
}

/** Applies validated directives to the registry, in file order. */
export function applyUserDirectives(users: UserRegistry, directives: readonly (readonly string[])[]): string | null {
  for (const [name, ...rules] of directives) {
    const existing = users.get(name!);
    const err = users.setUser(name!, existing !== undefined ? ['reset', ...rules] : rules);
    if (err !== null) return `Error loading ACL rules for the user named '${name!}': ${err}`;
  }
  return null;
}
