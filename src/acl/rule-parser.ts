/**
 * ACL SETUSER rules (Redis 7.2 grammar). `applyRule` applies one token and throws an
 * AclRuleError carrying Redis's message; `setUser` applies a whole argument list
 * all-or-nothing on a staging copy, merging selectors that span several arguments
 * ("(~key*" "+get)") the way ACL SETUSER does, and returns Redis's full error text.
 */
import { ACL_CATEGORIES, type AclCategory } from '../command-model/command-data.js';
import { splitArgs } from '../config/split-args.js';
import { hashPassword, isValidPasswordHash } from './password.js';
import { formatCidr, parseCidr } from '../security/source-allowlist.js';
import { KEY_ALL, KEY_READ, KEY_WRITE, Selector, User, lookupAclCommand, type AclContext } from './user.js';
import { errors } from '../errors.js';

/** Redis's messages for a rejected modifier (ACLSetUserStringError), by cause. */
export const ACL_RULE_MESSAGES = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keysAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicateUser: 'Duplicate user found. A user can only be defined once in config files',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
  badSource: "The source must be 'any' or an IPv4/IPv6 address or CIDR block (source:10.0.0.0/8)",
} as const;
export type AclRuleErrorKind = keyof typeof ACL_RULE_MESSAGES;

export class AclRuleError extends Error {
  constructor(readonly kind: AclRuleErrorKind) {
    super(ACL_RULE_MESSAGES[kind]);
  }
}

/** Called for the deprecated `+cmd|firstarg` form (Redis logs a warning); never given passwords. */
export type AclWarn = (message: string) => void;

function categoryByName(name: string): AclCategory | undefined {
  const lower = name.toLowerCase();
  return ACL_CATEGORIES.find((c) => c === lower);
}

/** Redis ACLStringHasSpaces: isspace() or NUL anywhere. */
function hasSpaces(s: string): boolean {
  return /[\t\n\v\f\r \0]/.test(s);
}

/** Apply one selector rule (keys, channels, commands) to `sel`. Throws AclRuleError. */
export function applySelectorRule(sel: Selector, op: string, ctx: AclContext, warn?: AclWarn): void {
  const lower = op.toLowerCase();
  if (lower === 'allkeys' || op === '~*') {
    sel.allKeys = true;
    sel.keyPatterns = [];
  } else if (lower === 'resetkeys') {
    sel.resetKeys();
  } else if (lower === 'allchannels' || op === '&*') {
    sel.allChannels = true;
    sel.channels = [];
  } else if (lower === 'resetchannels') {
    sel.resetChannels();
  } else if (lower === 'allcommands' || lower === '+@all') {
    sel.allowAllCommands();
  } else if (lower === 'nocommands' || lower === '-@all') {
    sel.denyAllCommands();
  } else if (op[0] === '~' || op[0] === '%') {
    addKeyPattern(sel, op);
  } else if (op[0] === '&') {
    if (sel.allChannels) throw new AclRuleError('channelsAfterAll');
    const pat = op.slice(1);
    if (hasSpaces(pat)) throw new AclRuleError('syntax');
    if (!sel.channels.includes(pat)) sel.channels.push(pat);
  } else if (op[0] === '+' && op[1] !== '@') {
    allowCommand(sel, op.slice(1), ctx, warn);
  } else if (op[0] === '-' && op[1] !== '@') {
    const cmd = lookupAclCommand(ctx.table, op.slice(1));
    if (cmd === undefined) throw new AclRuleError('unknown');
    sel.changeCommand(cmd, false);
    sel.recordCommandRule(cmd.fullName, false);
  } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
    const cat = categoryByName(op.slice(2));
    if (cat === undefined) throw new AclRuleError('unknown');
    const allow = op[0] === '+';
    sel.changeCategory(ctx.table, cat, allow);
    sel.recordCommandRule('@' + cat, allow);
  } else {
    throw new AclRuleError('syntax');
  }
}

/** `~pat`, `%R~pat`, `%W~pat`, `%RW~pat` (a '%' prefix without '~' means an empty pattern, as Redis). */
function addKeyPattern(sel: Selector, op: string): void {
  // Checked before the pattern is parsed, as Redis: "allkeys %X~y" reports allkeys, not syntax.
  if (sel.allKeys) throw new AclRuleError('keysAfterAll');
  let flags = 0;
  let offset = 1;
  if (op[0] === '%') {
    for (; offset < op.length; offset++) {
      const ch = op[offset]!;
      const up = ch.toUpperCase();
      if (up === 'R' && (flags & KEY_READ) === 0) flags |= KEY_READ;
      else if (up === 'W' && (flags & KEY_WRITE) === 0) flags |= KEY_WRITE;
      else if (ch === '~') {
        offset++;
        break;
      } else throw new AclRuleError('syntax');
    }
    if (flags === 0) throw new AclRuleError('syntax');
  } else {
    flags = KEY_ALL;
  }
  const pattern = op.slice(offset);
  if (hasSpaces(pattern)) throw new AclRuleError('syntax');
  const existing = sel.keyPatterns.find((p) => p.pattern === pattern);
  if (existing === undefined) sel.keyPatterns.push({ pattern, flags });
  else existing.flags |= flags;
}

/** `+cmd`, `+cmd|sub`, and the deprecated `+cmd|firstarg`. */
function allowCommand(sel: Selector, name: string, ctx: AclContext, warn?: AclWarn): void {
  const bar = name.lastIndexOf('|');
  if (bar === -1) {
    const cmd = lookupAclCommand(ctx.table, name);
    if (cmd === undefined) throw new AclRuleError('unknown');
    sel.changeCommand(cmd, true);
    sel.recordCommandRule(cmd.fullName, true);
    return;
  }
  const head = name.slice(0, bar);
  const sub = name.slice(bar + 1);
  const cmd = lookupAclCommand(ctx.table, head);
  if (cmd === undefined) throw new AclRuleError('unknown');
  if (cmd.parent !== null) throw new AclRuleError('subcommandFirstArg');
  if (sub.length === 0) throw new AclRuleError('syntax');
  if (cmd.subcommandMap !== null) {
    const subcmd = lookupAclCommand(ctx.table, name);
    if (subcmd === undefined) throw new AclRuleError('unknown');
    sel.changeCommand(subcmd, true);
  } else {
    warn?.(
      `Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +${name})`,
    );
    sel.addFirstArg(cmd.id, sub);
  }
  sel.recordCommandRule(name, true);
}

/** Apply one ACL SETUSER token to `user` (in place). Throws AclRuleError. */
export function applyRule(user: User, op: string, ctx: AclContext, warn?: AclWarn): void {
  if (op.length === 0) return; // Redis: an empty modifier is a no-op
  const lower = op.toLowerCase();
  switch (lower) {
    case 'on':
      user.enabled = true;
      return;
    case 'off':
      user.enabled = false;
      return;
    case 'skip-sanitize-payload':
      user.sanitize = 'skip';
      return;
    case 'sanitize-payload':
      user.sanitize = 'sanitize';
      return;
    case 'nopass':
      user.nopass = true;
      user.passwords = [];
      return;
    case 'resetpass':
      user.nopass = false;
      user.passwords = [];
      return;
    case 'clearselectors':
      user.selectors = [user.root];
      return;
    case 'tls-cert-required':
      user.certRequired = true;
      return;
    case 'tls-cert-optional':
      user.certRequired = false;
      return;
    case 'reset':
      user.nopass = false;
      user.passwords = [];
      user.root.resetKeys();
      user.root.resetChannels();
      if (ctx.pubsubDefault === 'allchannels') user.root.allChannels = true;
      user.enabled = false;
      user.sanitize = 'sanitize';
      user.selectors = [user.root];
      user.root.denyAllCommands();
      user.sources = [];
      user.certRequired = false;
      return;
  }
  if (lower.startsWith(SOURCE_PREFIX)) {
    applySourceRule(user, op.slice(SOURCE_PREFIX.length));
    return;
  }
  const c = op[0];
  if (c === '>' || c === '#') {
    const digest = c === '>' ? hashPassword(op.slice(1)) : op.slice(1);
    if (c === '#' && !isValidPasswordHash(digest)) throw new AclRuleError('badHash');
    if (!user.passwords.includes(digest)) user.passwords.push(digest);
    user.nopass = false;
    return;
  }
  if (c === '<' || c === '!') {
    const digest = c === '<' ? hashPassword(op.slice(1)) : op.slice(1);
    if (c === '!' && !isValidPasswordHash(digest)) throw new AclRuleError('badHash');
    const at = user.passwords.indexOf(digest);
    if (at === -1) throw new AclRuleError('noSuchPassword');
    user.passwords.splice(at, 1);
    return;
  }
  if (c === '(' && op[op.length - 1] === ')') {
    user.selectors.push(selectorFromOpSet(op, ctx, warn));
    return;
  }
  applySelectorRule(user.root, op, ctx, warn);
}

/**
 * Redoubt's source restriction: `source:<cidr>` (IPv4/IPv6, a bare address is a /32 or
 * /128) adds a network the user may log in from, `source:any` removes the restriction.
 * No Redis rule contains ':' in its keyword, so the prefix cannot collide with one.
 */
const SOURCE_PREFIX = 'source:';

function applySourceRule(user: User, arg: string): void {
  if (arg.toLowerCase() === 'any') {
    user.sources = [];
    return;
  }
  const block = parseCidr(arg);
  if ('error' in block) throw new AclRuleError('badSource');
  const text = formatCidr(block);
  if (!user.sources.includes(text)) user.sources.push(text);
}

/** "(rule rule ...)" → a new selector; the inner text is split with config-file quoting. */
function selectorFromOpSet(op: string, ctx: AclContext, warn?: AclWarn): Selector {
  const sel = Selector.create(false, ctx);
  // Redis treats unbalanced quotes inside the parentheses as an empty rule list.
  const rules = splitArgs(op.slice(1, -1)) ?? [];
  for (const r of rules) applySelectorRule(sel, r, ctx, warn);
  return sel;
}

/**
 * Join arguments of a selector written across several arguments: "(~a" "+get)" becomes
 * "(~a +get)". Returns the index of the argument that opened an unclosed selector instead.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let acc = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!;
    const last = op.length > 0 ? op[op.length - 1] : '';
    if (open === -1 && op[0] === '(' && last !== ')') {
      open = j;
      acc = op;
      continue;
    }
    if (open !== -1) {
      acc += ' ' + op;
      if (last === ')') {
        open = -1;
        out.push(acc);
      }
      continue;
    }
    out.push(op);
  }
  if (open !== -1) return { unmatched: open };
  return out;
}

function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/**
 * ACL SETUSER's rule application: every rule is applied to a copy of `user`, and only if
 * all succeed is the copy written back into `user` (same object, so connections holding
 * it see the change). Returns null on success or the error reply text (with "ERR ").
 */
export function setUser(user: User, args: readonly string[], ctx: AclContext, warn?: AclWarn): string | null {
  const merged = mergeSelectorArgs(args);
  if (!Array.isArray(merged)) return errors.aclUnmatchedParenthesis(args[merged.unmatched]!);
  const staged = user.clone();
  for (const op of merged) {
    try {
      applyRule(staged, op, ctx, warn);
    } catch (e) {
      // Redis formats the modifier with %s, so the echo ends at a NUL byte
      if (e instanceof AclRuleError) return errors.aclSetuserModifier(cString(op), e.message);
      throw e;
    }
  }
  staged.copyInto(user);
  return null;
}
