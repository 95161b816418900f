/**
 * Known differences between the COMMAND INFO of Debian's redis-server 7.0.15 (the local
 * oracle) and Redis 7.2, which Redoubt reproduces. Each entry names one field of one
 * command, the value 7.0 shows, the value 7.2 (and so Redoubt) shows, and why.
 * Sources: Redis 7.2's src/commands/*.json and commands.def.
 *
 * The differential test fails when a mismatch is not listed here, and also when a listed
 * difference no longer holds (Redoubt then shows something other than the 7.2 value, or
 * the oracle something other than the 7.0 value), so the list cannot go stale silently.
 *
 * Fields: 'exists' (the command is known at all), 'arity', 'flags', 'range' ([first, last,
 * step]), 'categories', 'tips' (sorted), 'keyspecs', 'subcommands' (names).
 */
export type InfoField = 'exists' | 'arity' | 'flags' | 'range' | 'categories' | 'tips' | 'keyspecs' | 'subcommands';

export interface KnownDifference {
  command: string;
  field: InfoField;
  redis70: unknown;
  redis72: unknown;
  reason: string;
}

export const knownDifferences: KnownDifference[] = [
  {
    command: 'client|setinfo',
    field: 'exists',
    redis70: false,
    redis72: true,
    reason: 'CLIENT SETINFO was added in Redis 7.2.0.',
  },
  {
    command: 'client|no-touch',
    field: 'exists',
    redis70: false,
    redis72: true,
    reason: 'CLIENT NO-TOUCH was added in Redis 7.2.0.',
  },
  {
    command: 'client|setname',
    field: 'tips',
    redis70: [],
    redis72: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    reason: '7.2 added request/response policy tips to CLIENT SETNAME (as for the new CLIENT SETINFO).',
  },
  {
    command: 'command|getkeys',
    field: 'arity',
    redis70: -4,
    redis72: -3,
    reason: '7.2 accepts a command without arguments (COMMAND GETKEYS <command>), arity -4 became -3.',
  },
  {
    command: 'command|getkeysandflags',
    field: 'arity',
    redis70: -4,
    redis72: -3,
    reason: 'Same change as COMMAND GETKEYS in 7.2.',
  },
  {
    command: 'latency|reset',
    field: 'tips',
    redis70: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    redis72: ['request_policy:all_nodes', 'response_policy:agg_sum'],
    reason: 'LATENCY RESET returns a count, so 7.2 aggregates it with agg_sum across nodes.',
  },
];

/**
 * ACL reply texts that changed between Redis 7.0 (the local oracle) and 7.2 (what
 * Redoubt reproduces). Sources: Redis 7.2's src/acl.c (getAclErrorMessage, used by both
 * the NOPERM error of a denied command and ACL DRYRUN) and src/server.c.
 * - A denied command: 7.0 "-NOPERM this user has no permissions to run the '<cmd>' command",
 *   7.2 "-NOPERM User <user> has no permissions to run the '<cmd>' command".
 * - A denied key / channel: 7.0 "-NOPERM this user has no permissions to access one of the
 *   keys|channels used as arguments", 7.2 "-NOPERM No permissions to access a key|channel".
 * - ACL DRYRUN (verbose form): 7.0 "This user has no permissions to run the '<cmd>' command"
 *   / "... to access the '<name>' key|channel", 7.2 "User <user> has no permissions to ...".
 * - ACL LOG entries: 7.2 added entry-id, timestamp-created and timestamp-last-updated after
 *   client-info (10 fields instead of 7). Applied to a reply whose values are already
 *   masked (`<masked>`), since the added values are volatile anyway.
 *
 * - HELLO before authentication: 7.2's NOAUTH text spells the option "HELLO <proto> AUTH
 *   <user> <pass>" where 7.0 wrote "HELLO AUTH <user> <pass>".
 *
 * `user` is the user the 7.2 text names: the connection's user for a denied command, the
 * DRYRUN argument for DRYRUN.
 */
export function normalizeOracleAclReply(argv: readonly string[], raw: string, user: string): string {
  const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
  let m = /^-NOPERM this user has no permissions to run the '(.*)' command\r\n$/.exec(raw);
  if (m !== null) return `-NOPERM User ${user} has no permissions to run the '${m[1]!}' command\r\n`;
  if (raw === '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n') return '-NOPERM No permissions to access a key\r\n';
  if (raw === '-NOPERM this user has no permissions to access one of the channels used as arguments\r\n') return '-NOPERM No permissions to access a channel\r\n';
  if (raw.startsWith('-NOAUTH HELLO must be called')) return raw.replace('otherwise the HELLO AUTH <user>', 'otherwise the HELLO <proto> AUTH <user>');
  const isDryrun = argv[0]?.toUpperCase() === 'ACL' && argv[1]?.toUpperCase() === 'DRYRUN';
  if (isDryrun) {
    m = /^\$\d+\r\nThis user has no permissions to (run the '.*' command|access the '.*' (?:key|channel))\r\n$/s.exec(raw);
    if (m !== null) return bulk(`User ${user} has no permissions to ${m[1]!}`);
  }
  const isLog = argv[0]?.toUpperCase() === 'ACL' && argv[1]?.toUpperCase() === 'LOG';
  if (isLog && raw.includes('$11\r\nclient-info\r\n$<masked>\r\n')) {
    return raw
      .replaceAll('*14\r\n$5\r\ncount', '*20\r\n$5\r\ncount')
      .replaceAll(
        '$11\r\nclient-info\r\n$<masked>\r\n',
        '$11\r\nclient-info\r\n$<masked>\r\n$8\r\nentry-id\r\n:<masked>\r\n$17\r\ntimestamp-created\r\n:<masked>\r\n$22\r\ntimestamp-last-updated\r\n:<masked>\r\n',
      );
  }
  return raw;
}
