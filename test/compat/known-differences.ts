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
  ...(['blpop', 'brpop', 'blmove', 'brpoplpush'] as const).map((command) => ({
    command,
    field: 'flags' as const,
    redis70: command === 'blmove' || command === 'brpoplpush' ? ['write', 'denyoom', 'noscript', 'blocking'] : ['write', 'noscript', 'blocking'],
    redis72: command === 'blmove' || command === 'brpoplpush' ? ['write', 'denyoom', 'blocking'] : ['write', 'blocking'],
    reason: '7.2 lets scripts call blocking list commands (they answer at once, never block): the noscript flag is gone.',
  })),
  ...(['bzpopmin', 'bzpopmax'] as const).map((command) => ({
    command,
    field: 'flags' as const,
    redis70: ['write', 'noscript', 'blocking', 'fast'],
    redis72: ['write', 'blocking', 'fast'],
    reason: '7.2 lets scripts call BZPOPMIN/BZPOPMAX (they answer at once, never block): the noscript flag is gone.',
  })),
  {
    command: 'cluster|myshardid',
    field: 'exists',
    redis70: false,
    redis72: true,
    reason: 'CLUSTER MYSHARDID was added in Redis 7.2.0.',
  },
  ...(['cluster|shards', 'cluster|slots'] as const).map((command) => ({
    command,
    field: 'flags' as const,
    redis70: ['stale'],
    redis72: ['loading', 'stale'],
    reason: '7.2 lets CLUSTER SHARDS / SLOTS run while loading (cluster-shards.json, cluster-slots.json: LOADING, STALE).',
  })),
  {
    command: 'waitaof',
    field: 'exists',
    redis70: false,
    redis72: true,
    reason: 'WAITAOF was added in Redis 7.2.0.',
  },
  {
    command: 'wait',
    field: 'flags',
    redis70: ['noscript'],
    redis72: [],
    reason: '7.2 dropped NOSCRIPT from WAIT (wait.json has no flags): in a script it answers the count without blocking.',
  },
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
 * Set encodings that differ between the 7.0 oracle and Redis 7.2 (and so Redoubt), as
 * OBJECT ENCODING shows them. The set differential test accepts exactly the pairs marked
 * `anyReply`; the others are covered by Redoubt's own tests and kept out of its random
 * sequences. Because of the first entry, the differential test also compares replies built
 * from such sets (SMEMBERS, SUNION…, SSCAN) as unordered collections: 7.0 iterates its
 * hashtable where 7.2 iterates the listpack in insertion order.
 */
export interface SetEncodingDifference {
  redis70: string;
  redis72: string;
  when: string;
  reason: string;
  anyReply: boolean;
}

export const knownSetEncodingDifferences: SetEncodingDifference[] = [
  {
    redis70: 'hashtable',
    redis72: 'listpack',
    when: 'a set with a non-integer member, at most set-max-listpack-entries (128) members of at most set-max-listpack-value (64) bytes; also SPOP with a count that leaves a hashtable with few members',
    reason: '7.2 added the listpack encoding for small sets; 7.0 has only intset and hashtable (and no set-max-listpack-* configs).',
    anyReply: true,
  },
  {
    redis70: 'intset',
    redis72: 'hashtable',
    when: 'SADD creating a set with more member arguments (duplicates included) than set-max-intset-entries, though fewer distinct integers',
    reason: '7.2 picks the encoding of a new or growing set from the SADD argument count before adding (setTypeCreate/setTypeMaybeConvert size hint).',
    anyReply: false,
  },
];

/** Whether OBJECT ENCODING of a set may say `redoubt` where the 7.0 oracle says `oracle`. */
export function isAcceptedSetEncodingDifference(oracle: string, redoubt: string): boolean {
  return knownSetEncodingDifferences.some((d) => d.anyReply && d.redis70 === oracle && d.redis72 === redoubt);
}

/**
 * Known differences in command *replies* between the 7.0.15 oracle and Redis 7.2 (which
 * Redoubt follows), for the differential tests that compare replies. Each names the
 * command, what differs, and how the test neutralises it; the 7.2 behaviour itself is
 * asserted by integration tests.
 */
export interface KnownReplyDifference {
  command: string;
  /** a reply field present only in 7.2 (dropped from Redoubt's reply before comparing) */
  field72?: string;
  difference: string;
  handling: string;
}

export const knownReplyDifferences: KnownReplyDifference[] = [
  {
    command: 'xinfo|consumers',
    field72: 'inactive',
    difference: "7.2 adds 'inactive' (ms since the consumer last got an entry, -1 if never) after 'idle'.",
    handling: "dropped from Redoubt's reply; 'idle' is masked on both sides (time-dependent).",
  },
  {
    command: 'xinfo|stream',
    field72: 'active-time',
    difference: "XINFO STREAM FULL: 7.2 adds 'active-time' to each consumer, after 'seen-time'.",
    handling: "dropped from Redoubt's reply; 'seen-time' and delivery times are masked on both sides.",
  },
  {
    command: 'xreadgroup',
    difference: '7.2 creates the consumer (and refreshes its seen-time) even when nothing is read; 7.0 only when an entry is delivered.',
    handling: 'random sequences create the consumer explicitly (XGROUP CREATECONSUMER) before each XREADGROUP.',
  },
  {
    command: 'xclaim',
    difference: '7.2 creates the consumer even when nothing is claimed; 7.0 only on the first claimed entry (the same holds for XAUTOCLAIM).',
    handling: 'random sequences create the consumer explicitly before each XCLAIM/XAUTOCLAIM.',
  },
  {
    command: 'xadd',
    difference:
      "XADD <ms>-* when the stream's last ID is <ms>-18446744073709551615: 7.2 answers 'The ID specified in XADD is equal or smaller than the target stream top item'; 7.0 leaves errno unset on that path and answers 'Elements are too large to be stored'.",
    handling: 'the comparison accepts that pair of errors for an XADD with an <ms>-* ID.',
  },
  {
    command: 'xsetid',
    difference: "7.2 refuses an ID below the stream's max-deleted-entry-id ('smaller than current max_deleted_entry_id') before comparing with the top item; 7.0 reports the top item first.",
    handling: 'the fixed cases use IDs for which both checks agree.',
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
 * - User flags: 7.2's ACLCreateUser gives every new user (default included) sanitize-payload,
 *   so ACL LIST / GETUSER always show it or skip-sanitize-payload; 7.0 showed neither until a
 *   `reset` or an explicit flag.
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
  const sub = argv[0]?.toUpperCase() === 'ACL' ? argv[1]?.toUpperCase() : undefined;
  if (sub === 'LIST') {
    return raw.replace(/\$(\d+)\r\n(user \S+ (?:on|off)(?: nopass)?)(?! nopass| sanitize-payload| skip-sanitize-payload)/g, (_all, n: string, head: string) =>
      `$${Number(n) + ' sanitize-payload'.length}\r\n${head} sanitize-payload`,
    );
  }
  if (sub === 'GETUSER') {
    return raw.replace(/\$5\r\nflags\r\n([*~])(\d+)\r\n((?:\$\d+\r\n(?:on|off|nopass)\r\n)*)(?!\$\d+\r\n(?:on|off|nopass|sanitize-payload|skip-sanitize-payload)\r\n)/, (_all, kind: string, n: string, flags: string) =>
      `$5\r\nflags\r\n${kind}${Number(n) + 1}\r\n${flags}$16\r\nsanitize-payload\r\n`,
    );
  }
  const isLog = sub === 'LOG';
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

/**
 * Known differences between the REPLIES of redis-server 7.0.15 (the oracle) and Redis
 * 7.2, which Redoubt reproduces. The differential tests normalize exactly these and
 * nothing else.
 */
export interface KnownZsetReplyDifference {
  what: string;
  redis70: string;
  redis72: string;
  reason: string;
  /** how the differential tests handle it */
  handling: string;
}

export const knownZsetReplyDifferences: KnownZsetReplyDifference[] = [
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

/**
 * Known differences in command *replies* between the oracle (7.0.15) and Redis 7.2, which
 * Redoubt follows. Differential tests leave these inputs out of their byte-for-byte
 * comparisons (and check the 7.2 behaviour in their own tests instead).
 */
export interface KnownListReplyDifference {
  /** the command and the argument shape concerned */
  case: string;
  redis70: string;
  redis72: string;
  reason: string;
}

export const knownListReplyDifferences: KnownListReplyDifference[] = [
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

/**
 * Known differences in the CLASS of an answer (error or not, and the error's first word)
 * between the 7.0.15 oracle and Redis 7.2 (which Redoubt follows), for the
 * `commands-class` fuzz target (test/fuzz/targets/command-class-target.ts). Each entry
 * describes the inputs concerned (`matches`), the class each version answers with, and
 * why; a mismatch is accepted only for a matching input with exactly these classes. The
 * states may differ afterwards, so the target stops comparing that input there.
 * A class is "(reply)" for any non-error reply, else the error's first word.
 */
export interface KnownClassDifference {
  command: string;
  when: string;
  /** the class 7.0 answers with, or "*": what the command answers otherwise (any class) */
  redis70: string;
  /** the class 7.2 answers with, or "*" as above */
  redis72: string;
  reason: string;
  matches(argv: readonly string[]): boolean;
  /** a sequence (from the fuzz fixtures) whose last command shows the difference; tested, so the entry cannot go stale */
  example: string[][];
}

const isName = (argv: readonly string[], ...names: string[]) => names.includes(argv[0]!.toLowerCase());
const LLONG_MIN = '-9223372036854775808';

export const knownClassDifferences: KnownClassDifference[] = [
  {
    command: 'zrank, zrevrank',
    when: 'ZRANK/ZREVRANK with more than two arguments (WITHSCORE or anything else)',
    redis70: 'ERR',
    redis72: '*',
    reason:
      "7.2 added WITHSCORE and changed the arity from 3 to -3 (knownDifferences, knownZsetReplyDifferences): 7.0 answers 'wrong number of arguments' before any other check, 7.2 goes on to the ACL key check, the type check and the syntax check.",
    matches: (argv) => isName(argv, 'zrank', 'zrevrank') && argv.length >= 4,
    example: [['zrank', 'app:zset', 'a', 'WITHSCORE']],
  },
  {
    command: 'command|getkeys, command|getkeysandflags',
    when: 'COMMAND GETKEYS|GETKEYSANDFLAGS <command> with no arguments for it',
    redis70: 'ERR',
    redis72: '*',
    reason: "7.2 changed the arity from -4 to -3 (knownDifferences): 7.0 answers 'wrong number of arguments' at once, also inside MULTI where 7.2 queues the command.",
    matches: (argv) => argv.length === 3 && isName(argv, 'command') && ['getkeys', 'getkeysandflags'].includes(argv[1]!.toLowerCase()),
    example: [['multi'], ['command', 'getkeysandflags', 'get']],
  },
  {
    command: 'lpos',
    when: 'LPOS key element … RANK -9223372036854775808',
    redis70: '*',
    redis72: 'ERR',
    reason: '7.2 refuses RANK outside ±LLONG_MAX; 7.0 takes it and answers as for any rank (a result, or WRONGTYPE…); see knownListReplyDifferences.',
    matches: (argv) => isName(argv, 'lpos') && argv.some((a, i) => a.toLowerCase() === 'rank' && argv[i + 1] === LLONG_MIN),
    example: [['lpos', 'app:list', 'a', 'RANK', LLONG_MIN]],
  },
  {
    command: 'lrem',
    when: 'LREM key -9223372036854775808 element',
    redis70: '*',
    redis72: 'ERR',
    reason: '7.2 parses the count within ±LLONG_MAX before looking the key up; 7.0 takes it and answers as for any count (a result, or WRONGTYPE); see knownListReplyDifferences.',
    matches: (argv) => isName(argv, 'lrem') && argv[2] === LLONG_MIN,
    example: [['lrem', 'app:hash', LLONG_MIN, 'a']],
  },
];

/** The entry that explains `redis70Class` (oracle) vs `redis72Class` (Redoubt) for `argv`, if any. */
export function knownClassDifference(argv: readonly string[], redis70Class: string, redis72Class: string): KnownClassDifference | undefined {
  return knownClassDifferences.find(
    (d) => (d.redis70 === '*' || d.redis70 === redis70Class) && (d.redis72 === '*' || d.redis72 === redis72Class) && d.matches(argv),
  );
}
