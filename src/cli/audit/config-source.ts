/**
 * Reads a redis.conf or Redoubt config file into ServerFacts. Lines are tokenized with the
 * server's own redis.conf tokenizer, but not validated through the config store: the audit
 * must read directives Redoubt refuses (rename-command, tls-*, loadmodule, …).
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../../config/split-args.js';
import { SECRET_DIRECTIVES, type SecretFile, type ServerFacts, type UserFacts, applyRules, userFromRules } from './facts.js';

export class ConfigReadError extends Error {}

interface Line {
  file: string;
  line: number;
  args: string[];
}

function readLines(file: string, seen: Set<string>, out: Line[], gaps: string[]): void {
  const resolved = path.resolve(file);
  if (seen.has(resolved)) {
    gaps.push(`include loop at ${file}: skipped`);
    return;
  }
  seen.add(resolved);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'latin1');
  } catch (e) {
    throw new ConfigReadError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const args = splitArgs(trimmed);
    if (args === null || args.length === 0) {
      gaps.push(`${file}:${i + 1}: unbalanced quotes, line skipped`);
      continue;
    }
    args[0] = args[0]!.toLowerCase();
    if (args[0] === 'include' && args.length === 2) {
      const target = path.isAbsolute(args[1]!) ? args[1]! : path.resolve(path.dirname(resolved), args[1]!);
      if (fs.existsSync(target)) readLines(target, seen, out, gaps);
      else gaps.push(`${file}:${i + 1}: include ${args[1]} not found, not graded`);
      continue;
    }
    out.push({ file, line: i + 1, args });
  }
}

/** A fresh default user, as Redis creates it before requirepass or ACL rules apply. */
function defaultUser(): UserFacts {
  return userFromRules('default', ['on', 'nopass', '~*', '&*', '+@all']);
}

/** Where a config line holds a secret in clear, or null. */
function secretIn(args: readonly string[]): string | null {
  const name = args[0]!.toLowerCase();
  if (SECRET_DIRECTIVES.has(name) && args.length > 1 && args[1] !== '') return name;
  if (name === 'user' && args.length > 2 && args.slice(2).some((t) => t.startsWith('>') || t.startsWith('<'))) return `user ${args[1]!} >…`;
  return null;
}

/** Records the file's clear-text secrets (with its mode) when it has any. */
function noteSecrets(out: SecretFile[], file: string, found: Array<[number, string]>): void {
  if (found.length === 0) return;
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    return;
  }
  out.push({ file, mode, secrets: found.map(([line, what]) => `line ${line}: ${what}`), userPasswords: found.some(([, what]) => what.startsWith('user ')) });
}

function readAclFile(file: string, gaps: string[], secretFiles: SecretFile[]): UserFacts[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    gaps.push(`aclfile ${file} could not be read (${(e as Error).message}): users not graded`);
    return null;
  }
  const users: UserFacts[] = [];
  const secrets: Array<[number, string]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === '' || t.startsWith('#')) continue;
    const args = splitArgs(t);
    if (args === null || args.length < 2 || args[0]!.toLowerCase() !== 'user') {
      gaps.push(`aclfile ${file}: unreadable line skipped`);
      continue;
    }
    const secret = secretIn(args);
    if (secret !== null) secrets.push([i + 1, secret]);
    users.push(userFromRules(args[1]!, args.slice(2)));
  }
  noteSecrets(secretFiles, file, secrets);
  return users;
}

export function factsFromConfigFile(file: string): ServerFacts {
  const gaps: string[] = [];
  const lines: Line[] = [];
  readLines(file, new Set(), lines, gaps);
  const directives = new Map<string, string[]>();
  const renames: Array<[string, string]> = [];
  const userLines: Array<[string, string[]]> = [];
  const secretFiles: SecretFile[] = [];
  const secretsByFile = new Map<string, Array<[number, string]>>();
  for (const l of lines) {
    const secret = secretIn(l.args);
    if (secret !== null) secretsByFile.set(l.file, [...(secretsByFile.get(l.file) ?? []), [l.line, secret]]);
  }
  for (const [f, found] of secretsByFile) noteSecrets(secretFiles, f, found);
  for (const l of lines) {
    const [name, ...rest] = l.args as [string, ...string[]];
    if (name === 'rename-command' && rest.length === 2) renames.push([rest[0]!.toLowerCase(), rest[1]!]);
    else if (name === 'user' && rest.length >= 1) userLines.push([rest[0]!, rest.slice(1)]);
    // repeatable directives: every line counts
    else if (name === 'loadmodule' || name === 'gateway-sentinel') directives.set(name, [...(directives.get(name) ?? []), ...rest]);
    else directives.set(name, rest);
  }

  const def = defaultUser();
  const requirepass = directives.get('requirepass')?.[0];
  if (requirepass !== undefined && requirepass !== '') applyRules(def, ['resetpass', '>(requirepass)']);
  let users: UserFacts[] = [def];
  for (const [name, rules] of userLines) {
    // Redis resets a configured user before applying its rules, the default user included.
    const u = userFromRules(name, rules);
    users = users.filter((x) => x.name !== name);
    users.push(u);
  }
  const aclfile = directives.get('aclfile')?.[0];
  if (aclfile !== undefined && aclfile !== '') {
    const candidates = path.isAbsolute(aclfile) ? [aclfile] : [path.resolve(path.dirname(file), aclfile), path.resolve(aclfile)];
    const found = candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
    const fromFile = readAclFile(found, gaps, secretFiles);
    if (fromFile !== null) {
      // The file replaces every user; a default user it does not mention is created afresh.
      users = fromFile.some((u) => u.name === 'default') ? fromFile : [defaultUser(), ...fromFile];
    }
  }
  return {
    source: 'config',
    origin: file,
    directives,
    renames,
    users,
    usersKnown: !gaps.some((g) => g.startsWith('aclfile')),
    secretFiles,
    gaps,
  };
}
