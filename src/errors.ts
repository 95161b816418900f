/**
 * The catalogue of error replies. Texts are Redis 7.2's so clients and tests that match
 * on them keep working. `CommandError` lets deep code (type checks, number parsing)
 * surface an error reply without every caller threading it back by hand.
 */
export class CommandError extends Error {
  constructor(public readonly reply: string) {
    super(reply);
  }
}

export const errors = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  /** Redoubt's own: a reply of repeated random picks past MAX_PICKS_REPLY_BYTES (commands/random-picks.ts) */
  randomPicksTooLarge: 'ERR value is out of range, a reply of repeated random picks is limited to 32 MiB',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  incrFloatNaN: 'ERR increment would produce NaN or Infinity',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  /** getRangeLongFromObjectOrReply's default (Redis's own wording, "must between") */
  rangeMustBetween: (min: bigint, max: bigint) => `ERR value is out of range, value must between ${min} and ${max}`,
  mustBePositive: 'ERR value is out of range, must be positive',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  wrongArgs: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  unknownCommand: (name: string, args: string[]) => `ERR unknown command '${clip(cString(name))}', with args beginning with: ${argsPreview(args)}`,
  /**
   * Redis's addReplySubcommandSyntaxError: a container's subcommand got the wrong number
   * of arguments. The subcommand is cut at 128 bytes (and at a NUL, as %s), the command
   * name upper-cased in ASCII only, and CR/LF become spaces.
   */
  subcommandSyntax: (argv: readonly string[]) =>
    `ERR unknown subcommand or wrong number of arguments for '${cString(argv[1]!).slice(0, 128)}'. Try ${cString(argv[0]!).replace(/[a-z]+/g, (m) => m.toUpperCase())} HELP.`.replace(/[\r\n]/g, ' '),
  unknownSubcommand: (sub: string, container: string) =>
    `ERR unknown subcommand '${clip(sub)}'. Try ${container.toUpperCase()} HELP.`,
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNoPassword:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  maxClients: 'ERR max number of clients reached',
  /** Redoubt's AUTH throttle: the per-source cap on connections not logged in yet (admission) */
  tooManyUnauthenticated: 'ERR too many unauthenticated connections from this address; authenticate or close some first',
  /** Redoubt's AUTH throttle: AUTH inside EXEC cannot wait for the source's password-check budget */
  authBudgetInTransaction: 'ERR too many password checks from this address right now; send AUTH outside MULTI/EXEC, where it waits its turn',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  timeout: 'ERR timeout is not a float or out of range',
  negativeTimeout: 'ERR timeout is negative',
  multiNested: 'ERR MULTI calls can not be nested',
  execNoMulti: 'ERR EXEC without MULTI',
  discardNoMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  sameObject: 'ERR source and destination objects are the same',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  notInMulti: 'ERR Command not allowed inside a transaction',
  loading: 'LOADING Redis is loading the dataset in memory',
  /** a handler threw something that is not a CommandError (logged; the connection stays) */
  internal: 'ERR internal error',
  pubsubContext: (cmd: string) =>
    `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  /** Redis's execCommandAbort: the reason without its ERR code, other codes kept */
  execAbortBecause: (reason: string) => `EXECABORT Transaction discarded because of: ${reason.startsWith('ERR ') ? reason.slice(4) : reason}`,
  sortScore: "ERR One or more scores can't be converted into double",
  /** SORT's BY/GET with a key pattern needs read access to every key (sort.c; an ERR, not a NOPERM) */
  sortByDenied: 'ERR BY option of SORT denied due to insufficient ACL permissions.',
  sortGetDenied: 'ERR GET option of SORT denied due to insufficient ACL permissions.',
  /** GEO (geo.c): the pair is printed with printf's %f */
  geoInvalidPair: (lon: string, lat: string) => `ERR invalid longitude,latitude pair ${lon},${lat}`,
  geoUnit: 'ERR unsupported unit provided. please use M, KM, FT, MI',
  geoNeedRadius: 'ERR need numeric radius',
  geoNegativeRadius: 'ERR radius cannot be negative',
  geoNeedWidth: 'ERR need numeric width',
  geoNeedHeight: 'ERR need numeric height',
  geoNegativeBox: 'ERR height or width cannot be negative',
  geoMemberDecode: 'ERR could not decode requested zset member',
  geoCountPositive: 'ERR COUNT must be > 0',
  geoAnyNeedsCount: 'ERR the ANY argument requires COUNT argument',
  geoStoreWith: (what: string) => `ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
  geoNeedFrom: (cmd: string) => `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${cmd}`,
  geoNeedBy: (cmd: string) => `ERR exactly one of BYRADIUS and BYBOX can be specified for ${cmd}`,
};

/** Redis formats user text with %s: it ends at the first NUL byte. */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

/**
 * The "with args beginning with:" list: each arg quoted and followed by a space, adding
 * args while the list is shorter than 128 bytes, the last one cut to what is left.
 */
function argsPreview(args: string[]): string {
  let out = '';
  for (let i = 0; i < args.length && out.length < 128; i++) {
    out += `'${cString(args[i]!).slice(0, 128 - out.length)}' `;
  }
  return out.replace(/[\r\n]/g, ' ');
}

/** Redis echoes at most 128 bytes of a user argument in an error, with CR/LF made spaces. */
export function clip(s: string): string {
  const cut = s.length > 128 ? s.slice(0, 128) : s;
  return cut.replace(/[\r\n]/g, ' ');
}
