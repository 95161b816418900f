/**
 * "May this call touch keys it does not name?" — Redis 7.2's
 * ACLUserCheckCmdWithUnrestrictedKeyAccess, which SORT/SORT_RO ask before a BY or GET
 * pattern makes them read keys derived from the data: some selector of the user must allow
 * the call as it stands (the command and the keys it names) AND grant read access to every
 * key, that is `allkeys`/`~*` or a `%R~*` (any pattern other than the literal `*` does not
 * count, however much it matches).
 */
import type { CommandEntry } from '../command-model/command-data.js';
import { extractKeys } from '../command-model/key-extraction.js';
import { selectorAllowsCommand, selectorAllowsKey } from './check.js';
import { KEY_READ, type Selector, type User } from './user.js';

function readsEveryKey(sel: Selector): boolean {
  if (sel.allKeys) return true;
  for (const p of sel.keyPatterns) if ((p.flags & KEY_READ) !== 0 && p.pattern === '*') return true;
  return false;
}

/** True when one of `user`'s selectors allows this call and may read any key. */
export function hasUnrestrictedKeyRead(user: User, cmd: CommandEntry, argv: readonly string[]): boolean {
  let keys: ReturnType<typeof extractKeys> | null = null;
  for (const sel of user.selectors) {
    if (!readsEveryKey(sel) || !selectorAllowsCommand(sel, cmd, argv)) continue;
    if (sel.allKeys) return true;
    keys ??= extractKeys(cmd, argv);
    if (keys.every((k) => selectorAllowsKey(sel, argv[k.index]!, k.flags))) return true;
  }
  return false;
}
