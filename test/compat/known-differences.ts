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
 * Known differences in command *replies* between the oracle (7.0.15) and Redis 7.2, which
 * Redoubt follows. Differential tests leave these inputs out of their byte-for-byte
 * comparisons (and check the 7.2 behaviour in their own tests instead).
 */
export interface KnownReplyDifference {
  /** the command and the argument shape concerned */
  case: string;
  redis70: string;
  redis72: string;
  reason: string;
}

export const knownReplyDifferences: KnownReplyDifference[] = [
  {
    case: 'OBJECT ENCODING <list key>',
    redis70: 'always "quicklist"',
    redis72: '"listpack" while small (list-max-listpack-size), "quicklist" beyond, back to "listpack" when shrunk below half the limit',
    reason: '7.2 stores small lists as a plain listpack (t_list.c listTypeTryConversion*). list-diff compares only that the reply is a bulk string; test/unit/list-data.test.ts checks the 7.2 model.',
  },
  {
    case: 'LPOS key element RANK -9223372036854775808',
    redis70: 'answers as if RANK were given (overflowing negation)',
    redis72: '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    reason: '7.2 parses RANK with getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX).',
  },
  {
    case: 'LREM key -9223372036854775808 element',
    redis70: 'removes like a negative count',
    redis72: '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    reason: '7.2 parses the count with getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX).',
  },
  {
    case: 'BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP with a timeout of inf or one whose milliseconds exceed LLONG_MAX (e.g. 1e400, 9223372036854776)',
    redis70: '-ERR timeout is negative (the overflowing conversion wraps)',
    redis72: '-ERR timeout is out of range',
    reason: "7.2's getTimeoutFromObjectOrReply checks the range before converting.",
  },
  {
    case: 'BLPOP key1 key2 … when several of its keys become ready in one transaction',
    redis70: 'served from the key signalled first',
    redis72: 'the command is re-executed, so it pops from its first non-empty key in argument order',
    reason: '7.2 serves blocked clients by re-running their command (blocked.c unblockClientOnKey).',
  },
];
