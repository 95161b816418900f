/**
 * Descriptions of users in Redis 7.2's formats: the rule string of ACL LIST (which is
 * also what ACL SAVE writes, and which parses back to the same user) and the fields of
 * ACL GETUSER. Commands are described as Redis 7.2 does: "+@all" or "-@all" (depending on
 * the reserved future-commands bit) followed by the compacted rules actually applied.
 */
import { KEY_ALL, KEY_READ, KEY_WRITE, type KeyPattern, type Selector, type User } from './user.js';

function patternString(p: KeyPattern): string {
  if (p.flags === KEY_ALL) return '~' + p.pattern;
  if (p.flags === KEY_READ) return '%R~' + p.pattern;
  if (p.flags === KEY_WRITE) return '%W~' + p.pattern;
  throw new Error('invalid key pattern flags');
}

/** The command part of a selector: "+@all -@dangerous", "-@all +get". */
export function describeCommands(sel: Selector): string {
  const start = sel.futureCommands ? '+@all' : '-@all';
  return sel.commandRules.length === 0 ? start : `${start} ${sel.commandRules.join(' ')}`;
}

/** Key patterns as GETUSER shows them: "~*" or "~a %R~b" ("" for none). */
export function describeKeys(sel: Selector): string {
  if (sel.allKeys) return '~*';
  return sel.keyPatterns.map(patternString).join(' ');
}

/** Channel patterns as GETUSER shows them: "&*" or "&a &b" ("" for none). */
export function describeChannels(sel: Selector): string {
  if (sel.allChannels) return '&*';
  return sel.channels.map((c) => '&' + c).join(' ');
}

/** One selector as a rule list: keys, channels (with "resetchannels" unless all), commands. */
export function describeSelector(sel: Selector): string {
  const parts: string[] = [];
  if (sel.allKeys) parts.push('~*');
  else for (const p of sel.keyPatterns) parts.push(patternString(p));
  if (sel.allChannels) parts.push('&*');
  else {
    parts.push('resetchannels');
    for (const c of sel.channels) parts.push('&' + c);
  }
  parts.push(describeCommands(sel));
  return parts.join(' ');
}

/** User flags in Redis's order (on, off, nopass, skip-sanitize-payload, sanitize-payload). */
export function userFlags(user: User): string[] {
  const flags = [user.enabled ? 'on' : 'off'];
  if (user.nopass) flags.push('nopass');
  if (user.sanitize === 'skip') flags.push('skip-sanitize-payload');
  else flags.push('sanitize-payload');
  if (user.certRequired) flags.push('tls-cert-required');
  return flags;
}

/** The rules of a user as ACL LIST prints them after "user <name> ". */
export function describeUser(user: User): string {
  let out = userFlags(user).join(' ') + ' ';
  for (const p of user.passwords) out += '#' + p + ' ';
  for (const src of user.sources) out += 'source:' + src + ' ';
  out += describeSelector(user.root);
  for (let i = 1; i < user.selectors.length; i++) out += ` (${describeSelector(user.selectors[i]!)})`;
  return out;
}

/** One line of ACL LIST. */
export function aclListLine(user: User): string {
  return `user ${user.name} ${describeUser(user)}`;
}

export interface SelectorDescription {
  commands: string;
  keys: string;
  channels: string;
}

/** ACL GETUSER's reply, fields in Redis's order: flags, passwords, commands, keys, channels, selectors. */
export interface UserDescription extends SelectorDescription {
  flags: string[];
  passwords: string[];
  selectors: SelectorDescription[];
  /** Redoubt's source restriction (GETUSER shows it only when set, so replies stay Redis's otherwise) */
  sources?: string[];
}

function selectorDescription(sel: Selector): SelectorDescription {
  return { commands: describeCommands(sel), keys: describeKeys(sel), channels: describeChannels(sel) };
}

export function getUserDescription(user: User): UserDescription {
  return {
    flags: userFlags(user),
    passwords: [...user.passwords],
    ...selectorDescription(user.root),
    selectors: user.selectors.slice(1).map(selectorDescription),
    ...(user.sources.length > 0 ? { sources: [...user.sources] } : {}),
  };
}
