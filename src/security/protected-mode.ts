/**
 * Protected mode: while the default user can be used without a password, only loopback
 * and unix-socket peers are served; anyone else gets Redis's DENIED reply and is closed
 * before a byte of theirs is read.
 */

/** Redis 7.2's reply, byte for byte (clients and scanners recognise it). */
export const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Set up an authentication password for the default user. ' +
  'NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

/** Loopback as Redis judges it: 127.0.0.0/8 and ::1 (IPv4-mapped forms included). */
export function isLoopbackAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

/**
 * Whether a new connection must be refused. `remoteAddress` is undefined for unix sockets.
 * `defaultUserOpen` is true while the default user is enabled and needs no password.
 */
export function protectedModeRefuses(enabled: boolean, defaultUserOpen: boolean, remoteAddress: string | undefined): boolean {
  if (!enabled || !defaultUserOpen) return false;
  if (remoteAddress === undefined) return false;
  return !isLoopbackAddress(remoteAddress);
}
