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
    command: 'zrank',
    field: 'arity',
    redis70: 3,
    redis72: -3,
    reason: '7.2 added the optional WITHSCORE argument to ZRANK.',
  },
  {
    command: 'zrevrank',
    field: 'arity',
    redis70: 3,
    redis72: -3,
    reason: '7.2 added the optional WITHSCORE argument to ZREVRANK.',
  },
  {
    command: 'latency|reset',
    field: 'tips',
    redis70: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    redis72: ['request_policy:all_nodes', 'response_policy:agg_sum'],
    reason: 'LATENCY RESET returns a count, so 7.2 aggregates it with agg_sum across nodes.',
  },
];
