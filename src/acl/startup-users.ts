/**
 * The users a server starts with: `user` directives from the config, or the aclfile —
 * both at once is refused, as Redis refuses it. Returns the fatal log line (the server
 * then does not start) or null; disabled users other than default get a notice, since a
 * missing `on` is a common configuration error.
 */
import { loadAclFile } from './acl-file.js';
import { applyUserDirectives } from './config-users.js';
import type { UserRegistry } from './users.js';

export function loadStartupUsers(users: UserRegistry, aclfile: string, directives: readonly (readonly string[])[], notice: (message: string) => void): string | null {
  if (aclfile !== '' && directives.length > 0) {
    return (
      'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. ' +
      'This setup is very likely to lead to configuration errors and security holes, please define either an ACL file ' +
      'or declare users directly in your redis.conf, but not both.'
    );
  }
  const err = applyUserDirectives(users, directives);
  if (err !== null) return `${err}. Critical error while loading ACLs. Exiting.`;
  if (aclfile !== '') {
    const res = loadAclFile(aclfile, users.aclContext);
    if (!res.ok) return `Aborting Redis startup because of ACL errors: ${res.error}`;
    users.replaceAll(res.users);
  }
  for (const u of users.list()) {
    if (!u.enabled && u.name !== 'default') {
      notice(`The user '${u.name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
    }
  }
  return null;
}
