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
  /** DEBUG / MODULE refused by enable-debug-command / enable-module-command (Redis's text) */
  protectedCommand: (option: 'enable-debug-command' | 'enable-module-command') =>
    `ERR ${option === 'enable-debug-command' ? 'DEBUG' : 'MODULE'} command not allowed. If the ${option} option is set to "local", ` +
    'you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  /** Redoubt's own: DEBUG LOADAOF answers after the replay, which a command inside EXEC cannot wait for */
  debugLoadAofNeedsConnection: 'ERR DEBUG LOADAOF cannot run inside MULTI/EXEC',
  /** MODULE LOAD / LOADEX with enable-module-command on: Redoubt loads no modules (Redis's text) */
  moduleLoadFailed: 'ERR Error loading the extension. Please check the server logs.',
  moduleUnloadNoSuch: 'ERR Error unloading module: no such module with that name',
  monitorDenyBlocking: "ERR MONITOR isn't allowed for DENY BLOCKING client",
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
  /** Redoubt: the V8 heap is above server/heap-guard.ts's share of its old-space limit (writes would crash the process) */
  oomHeap: 'OOM command not allowed when the heap is near its limit (used heap > 85% of the old-space limit).',
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

  // Command and subsystem texts, by name (Redis 7.2's wording).
  aclDeleteDefault: "ERR The 'default' user cannot be removed",
  aclSaveFailed: 'ERR There was an error trying to save the ACLs. Please check the server logs for more information',
  badDataFormat: 'ERR Bad data format',
  badUsername: "ERR Usernames can't contain spaces or null characters",
  bgrewriteaofFailed: 'ERR Can\'t execute an AOF background rewriting. Please check the server logs for more information.',
  bgrewriteaofInProgress: 'ERR Background append only file rewriting already in progress',
  bgsaveChildActive: "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
  bgsaveInProgress: 'ERR Background save already in progress',
  bitValueOneOrZero: 'ERR The bit argument must be 1 or 0.',
  bitfieldOverflow: 'ERR Invalid OVERFLOW type specified',
  bitfieldRoGetOnly: 'ERR BITFIELD_RO only supports the GET subcommand',
  bitfieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  bitopNotSingleSource: 'ERR BITOP NOT must be called with a single source key.',
  busyGroup: 'BUSYGROUP Consumer Group name already exists',
  /** another client's command while an EVAL script is suspended past busy-reply-threshold */
  busyScriptEval: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
  /** the same while a function (FCALL) runs */
  busyScriptFunction: 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.',
  busyKey: 'BUSYKEY Target key name already exists.',
  clientIdPositive: 'ERR client-id should be greater than 0',
  clientInvalidId: 'ERR Invalid client ID',
  clientMaxAge: 'ERR maxage is not an integer or out of range',
  clientNameChars: 'ERR Client names cannot contain spaces, newlines or special characters.',
  clientNoSuchClient: 'ERR No such client',
  clientPauseMode: 'ERR CLIENT PAUSE mode must be WRITE or ALL',
  clientUnblockReason: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  /** CLIENT TRACKING / CACHING (client-side caching, Redis's clientCommand texts) */
  trackingRedirectTwice: 'ERR A client can only redirect to a single other client',
  trackingRedirectMissing: 'ERR The client ID you want redirect to does not exist',
  trackingPrefixNeedsBcast: 'ERR PREFIX option requires BCAST mode to be enabled',
  trackingBcastSwitch: "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
  trackingOptWithBcast: 'ERR OPTIN and OPTOUT are not compatible with BCAST',
  trackingOptinAndOptout: "ERR You can't specify both OPTIN mode and OPTOUT mode",
  trackingOptSwitch: "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
  /** the prefixes as C strings (cut at a NUL), CR/LF as spaces (addReplyErrorFormat) */
  trackingPrefixOverlap: (prefix: string, other: string, existing: boolean) =>
    `ERR Prefix '${cString(prefix)}' overlaps with ${existing ? 'an existing' : 'another provided'} prefix '${cString(other)}'. Prefixes for a single client must not overlap.`.replace(/[\r\n]/g, ' '),
  cachingNotTracking: 'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
  cachingYesNeedsOptin: 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.',
  cachingNoNeedsOptout: 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.',
  configNoFile: 'ERR The server is running without a config file',
  countPositive: 'ERR count should be greater than 0',
  decrOverflow: 'ERR decrement would overflow',
  expireGtLt: 'ERR GT and LT options at the same time are not compatible',
  expireNxXxGtLt: 'ERR NX and XX, GT or LT options at the same time are not compatible',
  getkeysArity: 'ERR Invalid number of arguments specified for command',
  getkeysInvalidArgs: 'ERR Invalid arguments specified for command',
  getkeysNoKeys: 'ERR The command has no key arguments',
  getkeysUnknownCommand: 'ERR Invalid command specified',
  hashNotFloat: 'ERR hash value is not a float',
  hashNotInteger: 'ERR hash value is not an integer',
  helloProtoNotInteger: 'ERR Protocol version is not an integer or out of range',
  hincrByFloatNaN: 'ERR value is NaN or Infinity',
  hllWrongType: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  invalidCursor: 'ERR invalid cursor',
  lcsAllocFailed: 'ERR Insufficient memory, failed allocating transient memory for LCS',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsNeedsStrings: 'ERR The specified keys must contain string values',
  lcsTooLarge: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  limitNegative: "ERR LIMIT can't be negative",
  lposCountNegative: "ERR COUNT can't be negative",
  lposMaxlenNegative: "ERR MAXLEN can't be negative",
  lposRankZero: "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  luaReplyNotRepresentable: 'ERR reply cannot be represented in Lua',
  luaStackLimit: 'ERR reached lua stack limit',
  minMaxNotFloat: 'ERR min or max is not a float',
  minMaxNotLex: 'ERR min or max not valid string range item',
  noAuthHello:
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  noPermChannel: 'NOPERM No permissions to access a channel',
  noPermKey: 'NOPERM No permissions to access a key',
  noProto: 'NOPROTO unsupported protocol version',
  numkeysOverArgs: "ERR Number of keys can't be greater than number of args",
  numkeysPositive: 'ERR numkeys should be greater than 0',
  objectFreqNotLfu: 'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  objectIdleTimeLfu: 'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  offsetOutOfRange: 'ERR offset is out of range',
  randomCountRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  restoreFreq: 'ERR Invalid FREQ value, must be >= 0 and <= 255',
  restoreIdletime: 'ERR Invalid IDLETIME value, must be >= 0',
  restorePayload: 'ERR DUMP payload version or checksum are wrong',
  restoreTtl: 'ERR Invalid TTL value, must be >= 0',
  shutdownFailed: 'ERR Errors trying to SHUTDOWN. Check logs.',
  shutdownNotInProgress: 'ERR No shutdown in progress.',
  slowlogCount: 'ERR count should be greater than or equal to -1',
  ssubscribeDenyBlocking: "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
  streamElementsTooLarge: 'ERR Elements are too large to be stored',
  streamIntervalEnd: 'ERR invalid end ID for the interval',
  streamIntervalStart: 'ERR invalid start ID for the interval',
  streamInvalidId: 'ERR Invalid stream ID specified as stream command argument',
  swapdbFirst: 'ERR invalid first DB index',
  swapdbSecond: 'ERR invalid second DB index',
  timeoutNotInteger: 'ERR timeout is not an integer or out of range',
  timeoutOutOfRange: 'ERR timeout is out of range',
  notBusy: 'NOTBUSY No scripts in execution right now.',
  /** SCRIPT KILL / FUNCTION KILL after the script wrote */
  unkillable:
    'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
  /** the error a killed script fails with (luaPushError adds ERR; for functions too) */
  scriptKilled: 'Script killed by user with SCRIPT KILL...',
  unblocked: 'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  /** disconnectAllBlockedClients: a primary became a replica (REPLICAOF, FAILOVER) */
  unblockedRoleChange: 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
  waitOnReplica:
    'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
  waitAofOnReplica: 'ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.',
  waitAofAppendOnlyOff: 'ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.',
  migrateKeysNeedEmptyKey: 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string',
  migrateConnect: 'IOERR error or timeout connecting to the client',
  migrateIo: (phase: 'writing' | 'reading') => `IOERR error or timeout ${phase} to target instance`,
  migrateTargetError: (text: string) => `ERR Target instance replied with error: ${text}`,
  /** Redoubt's own: the exchange with the target cannot be waited for inside EXEC or a script */
  migrateInTransaction: 'ERR MIGRATE cannot be used inside MULTI/EXEC or scripts: the transfer would have to block the server',
  valueOutOfRange: 'ERR value is out of range',
  weightNotFloat: 'ERR weight value is not a float',
  xaddIdExhausted: 'ERR The stream has exhausted the last possible ID, unable to add more items',
  xaddIdTooSmall: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  xaddIdZero: 'ERR The ID specified in XADD must be greater than 0-0',
  xautoclaimMinIdle: 'ERR Invalid min-idle-time argument for XAUTOCLAIM',
  xclaimIdle: 'ERR Invalid IDLE option argument for XCLAIM',
  xclaimMinIdle: 'ERR Invalid min-idle-time argument for XCLAIM',
  xclaimRetryCount: 'ERR Invalid RETRYCOUNT option argument for XCLAIM',
  xclaimTime: 'ERR Invalid TIME option argument for XCLAIM',
  xgroupEntriesRead: 'ERR value for ENTRIESREAD must be positive or -1',
  xgroupNeedsKey: 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  xreadGroupOption: 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
  xreadNewOnlyInGroup: 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
  xreadNoack: 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
  xreadgroupDollar: 'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
  xreadgroupMissingGroup: 'ERR Missing GROUP option for XREADGROUP',
  xsetidBelowDeleted: 'ERR The ID specified in XSETID is smaller than current max_deleted_entry_id',
  xsetidBelowGivenDeleted: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
  xsetidBelowTop: 'ERR The ID specified in XSETID is smaller than the target stream top item',
  xsetidEntriesAdded: 'ERR entries_added must be positive',
  xsetidEntriesAddedSmall: 'ERR The entries_added specified in XSETID is smaller than the target stream length',
  xtrimLimitNeedsApprox: 'ERR syntax error, LIMIT cannot be used without the special ~ option',
  xtrimLimitNeedsStrategy: 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
  xtrimLimitNegative: 'ERR The LIMIT argument must be >= 0.',
  xtrimMaxlenAndMinid: 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
  xtrimMaxlenNegative: 'ERR The MAXLEN argument must be >= 0.',
  xtrimNeedsStrategy: 'ERR syntax error, XTRIM must be called with a trimming strategy',
  zaddGtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  zaddIncrSingle: 'ERR INCR option supports a single increment-element pair',
  zaddXxNx: 'ERR XX and NX options at the same time are not compatible',
  zrangeLimitNeedsBy: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  zrangeWithScoresByLex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  zsetScoreNaN: 'ERR resulting score is not a number (NaN)',
  hllInvalid: 'INVALIDOBJ Corrupted HLL object detected',
  rdbMisconf:
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
    'Commands that may modify the data set are disabled, because this instance is configured to report errors ' +
    'during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs ' +
    'for details about the RDB error.',
  aclNoFile:
    'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',

  // Texts with arguments. Callers pass user text already clipped where Redis clips it.
  /** a text from deeper code (a protocol parser, the ACL file loader) that carries no code of its own */
  plain: (text: string) => `ERR ${text}`,
  noGroupForKey: (group: string, key: string) => `NOGROUP No such consumer group '${group}' for key name '${key}'`,
  noKeyOrGroup: (key: string, group: string, suffix: string) => `NOGROUP No such key '${key}' or consumer group '${group}'${suffix}`,
  noPermCommand: (user: string, cmd: string) => `NOPERM User ${user} has no permissions to run the '${cmd}' command`,
  /** EXEC when a queued command is no longer allowed (Redis 7.2 execCommand) */
  execAclChanged: (why: string) =>
    'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
    `This command is no longer allowed for the following reason: ${why}`,
  aofMisconf: (errno: string) => `MISCONF Errors writing to the AOF file: ${errno}`,
  zsetNeedsInputKey: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
  aclUserNotFound: (name: string) => `ERR User '${name}' not found`,
  expireUnsupportedOption: (opt: string) => `ERR Unsupported option ${opt}`,
  clientSetinfoOption: (attr: string) => `ERR Unrecognized option '${attr}'`,
  clientAttrChars: (attr: string) => `ERR ${attr} cannot contain spaces, newlines or special characters.`,
  xclaimUnknownOption: (opt: string) => `ERR Unrecognized XCLAIM option '${opt}'`,
  aclUnmatchedParenthesis: (arg: string) => `ERR Unmatched parenthesis in acl selector starting at '${arg}'.`,
  aclSetuserModifier: (op: string, why: string) => `ERR Error in ACL SETUSER modifier '${op}': ${why}`,
  aclUnknownCategory: (name: string) => `ERR Unknown category '${name}'`,
  aclCommandNotFound: (name: string) => `ERR Command '${name}' not found`,
  aclGenpassBits: (max: number) =>
    `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${max}`,
  configSetUnknown: (name: string) => `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`,
  configSetFailed: (name: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`,
  configRewrite: (reason: string) => `ERR Rewriting config file: ${reason}`,
  /** a CONFIG SET reason (configSetFailed): oom-score-adj could not be written (server/oom-score.ts) */
  oomScoreAdjFailed: 'Failed to set current oom_score_adj. Check server logs.',
  clientUnknownType: (type: string) => `ERR Unknown client type '${type}'`,
  clientNoSuchUser: (name: string) => `ERR No such user '${name}'`,
  xreadUnbalanced: (cmd: string, xreadgroup: boolean) =>
    `ERR Unbalanced '${cmd}' list of streams: for each stream key an ID or '${xreadgroup ? '>' : '$'}' must be specified.`,
  helloOption: (opt: string) => `ERR Syntax error in HELLO option '${opt}'`,
  // ---- scripting (Redis 7.2's eval.c, script.c, script_lua.c) ----
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  evalNumkeysTooMany: "ERR Number of keys can't be greater than number of args",
  evalNumkeysNegative: "ERR Number of keys can't be negative",
  scriptFlushMode: 'ERR SCRIPT FLUSH only support SYNC|ASYNC option',
  scriptCompile: (luaError: string) => `ERR Error compiling script (new function): ${luaError}`,
  shebangInvalid: 'ERR Invalid script shebang',
  shebangInvalidEngine: 'ERR Invalid engine in script shebang',
  shebangUnexpectedEngine: (engine: string) => `ERR Unexpected engine in script shebang: ${engine}`,
  shebangUnexpectedFlag: (flag: string) => `ERR Unexpected flag in script shebang: ${flag}`,
  shebangUnknownOption: (option: string) => `ERR Unknown lua shebang option: ${option}`,
  scriptWriteOnRo: 'ERR Can not execute a script with write flag using *_ro command.',
  scriptMisconfRdb:
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
    "Writable scripts are blocked. Use 'no-writes' flag for read only scripts.",
  scriptMisconfAof: (error: string) =>
    "MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. " +
    `Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: ${error}`,
  scriptOomNoAllowOom: "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
  /** Redis 7.2's text when a script's error object is not a table */
  scriptRunFailed: (name: string, message: string) => `ERR Error running script ${name}, ${message.slice(0, 100)}`,
  /** what redis.call answers (inside the script) when the command cannot run there */
  scriptUnknownCommand: 'ERR Unknown Redis command called from script',
  /** the Lua debugger (SCRIPT DEBUG) */
  scriptDebugUsage: 'ERR Use SCRIPT DEBUG YES/SYNC/NO',
  scriptDebugInPipeline: 'ERR SCRIPT DEBUG must be called outside a pipeline',
  /** Redoubt's own: Redis's server is blocked during a SYNC session, so no SCRIPT KILL reaches it */
  scriptDebugUnkillable: 'UNKILLABLE The script is stopped in a Lua debugger session; end it from the debugging client (abort).',
  scriptDebugAborted: (name: string, line: number) => `ERR script aborted for user request script: ${name}, on @user_script:${line}.`,
  scriptDebugTimeout: (name: string, line: number) => `ERR timeout during Lua debugging with client closing connection script: ${name}, on @user_script:${line}.`,
  /** Redis's text when fork() fails for SCRIPT DEBUG YES; Redoubt never forks (scripting/lua-debugger.ts) */
  evalshaDebugging: 'ERR Please use EVAL instead of EVALSHA for debugging',
  scriptDebugNoFork: "ERR Fork() failed: can't run EVAL in debugging mode: Redoubt does not fork, so a debugging session whose changes are rolled back (SCRIPT DEBUG YES) is not available; use SCRIPT DEBUG SYNC (changes are kept)",
  scriptWrongArity: 'ERR Wrong number of args calling Redis command from script',
  scriptNoScriptCommand: 'ERR This Redis command is not allowed from script',
  scriptStaleCommand: 'ERR Can not execute the command on a stale replica',
  scriptWriteFromReadOnly: 'ERR Write commands are not allowed from read-only scripts.',
  scriptAclFailure: (why: string) => `ERR ACL failure in script: ${why}`,
  scriptAclCheckInvalid: 'Invalid command passed to redis.acl_check_cmd()',
  // the texts of the redis.* API (luaPushError adds ERR)
  luaWrongArgs: 'wrong number of arguments',
  luaWrongArgsOrType: 'wrong number or type of arguments',
  luaLogArgs: 'redis.log() requires two arguments or more.',
  luaLogLevelType: 'First argument must be a number (log level).',
  luaLogLevel: 'Invalid debug level.',
  luaSetrespArgs: 'redis.setresp() requires one argument.',
  luaSetrespVersion: 'RESP version must be 2 or 3.',
  luaSetReplArgs: 'redis.set_repl() requires one argument.',
  luaSetReplFlags: 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.',
  luaNoArguments: 'Please specify at least one argument for this redis lib call',
  luaArgumentType: 'Lua redis lib command arguments must be strings or integers',
  streamBlockFromScript: (cmd: string) => `ERR ${cmd} command is not allowed with BLOCK option from scripts`,
  // DEBUG and PFDEBUG (commands/debug.ts, hyperloglog-debug.ts, server/debug-service.ts)
  debugResp2Unsupported: 'ERR RESP2 is not supported by this command',
  debugProtocolType: 'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
  debugReloadOptions: 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.',
  debugMemoryValue: 'ERR argument must be a memory value bigger than 1 and smaller than 4gb',
  debugStringmatchFailed: 'ERR stringmatch self-test failed',
  debugOutOfRangeDb: 'ERR Out of range database',
  debugNotHashTable: 'ERR The value stored at the specified key is not represented using an hash table',
  debugNotSds: 'ERR Not an sds encoded string.',
  debugClientEvictionOff: 'ERR maxmemory-clients is disabled.',
  debugNotListpack: 'ERR Not a listpack encoded object.',
  debugNotQuicklist: 'ERR Not a quicklist encoded object.',
  pfdebugNoKey: 'ERR The specified key does not exist',
  pfdebugNotSparse: 'ERR HLL encoding is not sparse',
  pfdebugUnknownSubcommand: (sub: string) => `ERR Unknown PFDEBUG subcommand '${sub}'`,
  latencyNoSamples: (event: string) => `ERR No samples available for event '${event}'`,
  debugRdbLoadFailed: 'ERR Error trying to load the RDB dump, check server logs.',
  debugAofLoadFailed: 'ERR Error trying to load the AOF files, check server logs.',
  // FUNCTION / FCALL (functions.c)
  fnLoadUnknownOption: (opt: string) => `ERR Unknown option given: ${cString(opt)}`,
  fnListUnknownArgument: (arg: string) => `ERR Unknown argument ${cString(arg)}`,
  fnListNoLibraryName: 'ERR library name argument was not given',
  fnLibraryNotFound: 'ERR Library not found',
  fnFlushOption: 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option',
  fnRestorePolicy: 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
  fnNotFound: 'ERR Function not found',
  fnBadNumKeys: 'ERR Bad number of keys provided',
  fnNumKeysTooMany: "ERR Number of keys can't be greater than number of args",
  fnNumKeysNegative: "ERR Number of keys can't be negative",
  /** a library error text (LOAD, RESTORE), already Redis's wording, sent as addReplyErrorSds does */
  fnLibrary: (text: string) => `ERR ${text.replace(/[\r\n]+$/, '').replace(/[\r\n]/g, ' ')}`,
  // ---- replication, primary side (replication.c syncCommand / replconfCommand) ----
  noReplicas: 'NOREPLICAS Not enough good replicas to write.',
  psyncFailoverToMaster: "ERR PSYNC FAILOVER can't be sent to a master.",
  syncWhileFailingOver: "NOMASTERLINK Can't SYNC while failing over",
  psyncFailoverReplidMismatch: 'ERR PSYNC FAILOVER replid must match my replid.',
  failoverNotInProgress: 'ERR No failover in progress.',
  failoverTimeoutNotPositive: 'ERR FAILOVER timeout must be greater than 0',
  failoverAlreadyInProgress: 'ERR FAILOVER already in progress.',
  failoverOnReplica: 'ERR FAILOVER is not valid when server is a replica.',
  failoverNoReplicas: 'ERR FAILOVER requires connected replicas.',
  failoverForceNeedsTimeoutAndTarget: 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.',
  failoverTargetNotReplica: 'ERR FAILOVER target HOST and PORT is not a replica.',
  failoverTargetNotOnline: 'ERR FAILOVER target replica is not online.',
  replicaOfWhileFailingOver: 'ERR REPLICAOF not allowed while failing over.',
  syncWithoutMasterLink: "NOMASTERLINK Can't SYNC while not connected with my master",
  syncPendingOutput: 'ERR SYNC and PSYNC are invalid with pending output',
  filteredReplicaNeedsEof: 'ERR Filtered replica requires EOF capability',
  replconfIpTooLong: (n: number) => `ERR REPLCONF ip-address provided by replica instance is too long: ${n} bytes`,
  replconfRdbFilterUnsupported: (f: string) => `ERR Unsupported rdb-filter-only option: ${cString(f)}`,
  replconfUnknownOption: (o: string) => `ERR Unrecognized REPLCONF option: ${cString(o)}`,
  replicationBgsaveFailed: "ERR BGSAVE failed, replication can't continue",
  /** a client's write on a read-only replica (replica-read-only yes) */
  readOnlyReplica: "READONLY You can't write against a read only replica.",
  /** replica-serve-stale-data no while the link with the primary is down */
  masterDown: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  replicaOfInvalidPort: 'ERR Invalid master port',
  /** a script with the write flag (a shebang without no-writes) on a read-only replica */
  scriptOnReadOnlyReplica: 'READONLY Can not run script with write flag on readonly replica',
  scriptMasterDown: "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.",
  replicaOfNotForReplica: 'ERR Command is not valid when client is a replica.',
  // ---- gateway mode (issue 18): what a client hears about an upstream node ----
  gatewayUpstreamLost: 'ERR upstream connection lost: the command may or may not have run',
  gatewayUpstreamTimeout: 'ERR upstream did not answer in time: the command may or may not have run',
  gatewayUpstreamUnreachable: 'ERR upstream unreachable',
  gatewayUpstreamLoginRefused: "ERR upstream refused the gateway's login",
  gatewayUpstreamsDisagree: 'ERR upstream nodes answered differently',
  gatewayFailoverUnconfirmed: 'ERR upstream primary was failed over before its new primary confirmed having this command: it may or may not have run',
  /** Redis Cluster's texts (cluster.c getNodeByQuery, select): a gateway answers as a cluster would */
  gatewayCrossSlot: "CROSSSLOT Keys in request don't hash to the same slot",
  gatewaySlotNotServed: 'CLUSTERDOWN Hash slot not served',
  gatewaySelect: 'ERR SELECT is not allowed in cluster mode',
  gatewayTooManyRedirects: 'ERR upstream kept redirecting the command (MOVED/ASK): the cluster is being reconfigured, try again',
  gatewayUnsupported: (name: string) => `ERR '${name}' is not supported in gateway mode yet`,
  gatewayWait: (name: string) => `ERR '${name}' is not supported in gateway mode: a client's writes share upstream connections with other clients'`,
  // cluster commands on a server without cluster mode (cluster.c)
  clusterDisabled: 'ERR This instance has cluster support disabled',
  debugConfigRewriteFailed: (reason: string) => `ERR CONFIG-REWRITE-FORCE-ALL failed: ${reason}`,
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
