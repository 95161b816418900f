/**
 * The ACL file (`aclfile`): parsing for ACL LOAD / start-up, and writing for ACL SAVE.
 *
 * Loading follows Redis 7.2's ACLLoadFromFile: every line must be `user <name> rules…`
 * (blank lines allowed; a line is split on single spaces, as ACL SAVE writes it); each
 * problem adds a message and, if there is any, nothing is applied and the whole message
 * list is the error. Writing goes to a temporary file in the same directory, is fsynced,
 * renamed over the old file and the directory fsynced, so a crash leaves either the old
 * or the new file, never a torn one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { strerror } from '../config/config-values.js';
import { aclListLine } from './describe.js';
import { AclRuleError, applyRule, mergeSelectorArgs, ACL_RULE_MESSAGES } from './rule-parser.js';
import { User, isValidUsername, type AclContext } from './user.js';

export type AclFileResult = { ok: true; users: Map<string, User> } | { ok: false; error: string };

/** Parses an ACL file's text; `file` is the name errors mention (the aclfile setting). */
export function parseAclFile(text: string, file: string, ctx: AclContext): AclFileResult {
  let errors = '';
  const users = new Map<string, User>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = trim(lines[i]!, ' \t\r\n');
    if (line.length === 0) continue;
    const argv = line.split(' ');
    if (argv[0] !== 'user' || argv.length < 2) {
      errors += `${file}:${lineNo} should start with user keyword followed by the username. `;
      continue;
    }
    const name = argv[1]!;
    if (!isValidUsername(name)) {
      errors += `'${file}:${lineNo}: username '${name}' contains invalid characters. `;
      continue;
    }
    if (users.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${lineNo}. `;
      continue;
    }
    const user = User.create(name, ctx);
    users.set(name, user);
    const merged = mergeSelectorArgs(argv.slice(2));
    if (!Array.isArray(merged)) {
      // Redis writes this one without the trailing space the other messages have
      errors += `${file}:${lineNo}: Unmatched parenthesis in selector definition.`;
      continue;
    }
    let reportedOther = false;
    for (const raw of merged) {
      const op = trim(raw, '\t\r\n');
      try {
        applyRule(user, op, ctx);
      } catch (e) {
        if (!(e instanceof AclRuleError)) throw e;
        if (e.kind === 'unknown') {
          // a command name is no secret: say which operation failed
          errors += `${file}:${lineNo}: Error in applying operation '${op}': ${ACL_RULE_MESSAGES.unknown}. `;
        } else if (!reportedOther) {
          // other rules may carry passwords: only the first message, without the operation
          errors += `${file}:${lineNo}: ${e.message}. `;
          reportedOther = true;
        }
      }
    }
  }
  if (errors.length > 0) {
    return { ok: false, error: errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed' };
  }
  return { ok: true, users };
}

/** Reads and parses the ACL file; an unreadable file is an error in Redis's words. */
export function loadAclFile(path: string, ctx: AclContext): AclFileResult {
  let text: string;
  try {
    text = readFileSync(path).toString('latin1');
  } catch (e) {
    return { ok: false, error: `Error loading ACLs, opening file '${path}': ${strerror(e)}` };
  }
  return parseAclFile(text, path, ctx);
}

/** The file ACL SAVE writes: one ACL LIST line per user, sorted by name. */
export function aclFileContent(users: readonly User[]): string {
  let out = '';
  for (const u of users) out += aclListLine(u) + '\n';
  return out;
}

/**
 * Writes `content` to `path` crash-safely (temp file, fsync, rename, directory fsync).
 * Returns null or a reason for the log.
 */
export function writeFileAtomically(path: string, content: string, mode = 0o600): string | null {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w', mode);
    const buf = Buffer.from(content, 'latin1');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== -1) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may not exist
    }
    return strerror(e);
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    return `Syncing ACL directory: ${strerror(e)}`;
  }
  return null;
}

function trim(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

