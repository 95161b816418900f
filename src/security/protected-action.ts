/**
 * enable-debug-command / enable-module-command / enable-protected-configs: `yes` allows
 * the action everywhere, `local` only from a local connection — the unix socket, or a TCP
 * peer whose address is 127.x.x.x or ::1, as Redis's connIsLocal decides — `no` never.
 */
import type { Client } from '../server/client.js';

export function protectedActionAllowed(mode: string, client: Client): boolean {
  if (mode === 'yes') return true;
  if (mode !== 'local') return false;
  if (client.isUnix) return true;
  let host = client.addr.slice(0, client.addr.lastIndexOf(':'));
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return host.startsWith('127.') || host === '::1';
}
