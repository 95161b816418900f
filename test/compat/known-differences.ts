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

/**
 * Known differences between the REPLIES of redis-server 7.0.15 (the oracle) and Redis
 * 7.2, which Redoubt reproduces. The differential tests normalize exactly these and
 * nothing else.
 */
export interface KnownReplyDifference {
  what: string;
  redis70: string;
  redis72: string;
  reason: string;
  /** how the differential tests handle it */
  handling: string;
}

export const knownReplyDifferences: KnownReplyDifference[] = [
  {
    what: 'double replies (ZSCORE, ZINCRBY, ZMSCORE, WITHSCORES, ZPOP*, ZMPOP, ZRANDMEMBER, ZRANK WITHSCORE), RESP2 bulk and RESP3 ","',
    redis70: '"%.17g" (integers below 2^52 as integers): 0.1 → "0.10000000000000001", 1.5e-7 → "1.4999999999999999e-07"',
    redis72: "d2string: integers within ±2^62 as integers, else fpconv_dtoa's shortest round-trip digits: 0.1 → \"0.1\", 1.5e-7 → \"1.5e-7\"",
    reason: 'Redis 7.2 switched addReplyDouble and d2string to fpconv (grisu) for speed.',
    handling: 'sameDoubleText(): a differing string/double leaf is accepted when the oracle text parses as a double and Redoubt prints formatDouble() of exactly that double.',
  },
  {
    what: 'ZSCAN of a listpack-encoded sorted set (scores as the listpack stores them)',
    redis70: '"%.17g" text stored by 7.0\'s d2string',
    redis72: "7.2's d2string text (shortest round-trip); skiplist-encoded sets still print \"%.17Lg\" in both",
    reason: 'The listpack stores the score text produced by d2string, which changed in 7.2.',
    handling: 'sameDoubleText(), as above.',
  },
  {
    what: 'ZADD with more score/member pairs than zset-max-listpack-entries (duplicates included)',
    redis70: 'listpack until the distinct members exceed the limit',
    redis72: 'skiplist from the start (zsetTypeCreate / zsetTypeMaybeConvert size hint, redis#12185)',
    reason: '7.2 picks the encoding from the number of pairs given.',
    handling: 'random sequences never send more pairs than the limit; the integration test asserts 7.2\'s encoding.',
  },
  {
    what: 'ZRANK / ZREVRANK with WITHSCORE',
    redis70: 'wrong number of arguments',
    redis72: '[rank, score] or a null array',
    reason: 'WITHSCORE was added in 7.2.',
    handling: 'not sent to the oracle; covered by the integration test.',
  },
];

/** Parses a double reply text as Redis prints it ("inf", "-inf", "nan" included). */
export function parseDoubleText(s: string): number | null {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/**
 * True when `mine` (Redoubt, 7.2 formatting) and `theirs` (7.0 oracle) are the same
 * double printed under the two versions' rules; `format72` is Redoubt's formatDouble.
 */
export function sameDoubleText(mine: string, theirs: string, format72: (d: number) => string): boolean {
  const d = parseDoubleText(theirs);
  return d !== null && !Number.isNaN(d) && format72(d) === mine;
}
