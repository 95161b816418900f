/**
 * DEBUG: Redis 7.2's testing and introspection subcommands, behind enable-debug-command
 * (the dispatcher refuses it, with Redis's text, unless the option allows this client;
 * the command is @admin @dangerous, and a successful run is a security event).
 *
 * Implemented for real: DIGEST, DIGEST-VALUE (Redis's digests, same hex), OBJECT, SLEEP
 * (the whole server sleeps, as Redis's does), RELOAD [MERGE] [NOFLUSH] [NOSAVE], LOADAOF,
 * POPULATE, PROTOCOL (every RESP3 type), SET-ACTIVE-EXPIRE, PAUSE-CRON, LOG, ERROR,
 * CHANGE-REPL-ID, HTSTATS / HTSTATS-KEY (table size and element count), STRINGMATCH-TEST,
 * LISTPACK / QUICKLIST (the structure goes to the log), SDSLEN, STRUCTSIZE, CLIENT-EVICTION.
 * SET-SKIP-CHECKSUM-VALIDATION is read by RESTORE (the payload's CRC is not checked).
 * Knobs stored for layers to come: SET-DISABLE-DENY-SCRIPTS (scripting), and accepted with
 * no model to act on: QUICKLIST-PACKED-THRESHOLD (the list model has no plain nodes),
 * AOF-FLUSH-SLEEP, REPLYBUFFER (no reply-buffer resizing), DROP-CLUSTER-PACKET-FILTER (no
 * cluster), REPLICATE (no replicas to feed), LEAK (nothing to leak on purpose).
 * Never: SEGFAULT, PANIC, ASSERT, OOM, RESTART, CRASH-AND-RECOVER, MALLCTL — crashing or
 * restarting the process on request is not offered; they answer the unknown-subcommand error.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { datasetDigest, keyDigest } from '../keyspace/dataset-digest.js';
import { objectEncoding, objectRefcount } from '../keyspace/object-encoding.js';
import { ByteSink } from '../persistence/rdb/byte-sink.js';
import { encodeValue } from '../persistence/rdb/value-encoder.js';
import { parseMemory, strerror } from '../config/config-values.js';
import { readLongLong, readPositiveLong } from '../command-model/argument-reader.js';
import { globMatch } from '../keyspace/glob.js';
import { helpReply } from './command-introspection.js';
import { aclListLine } from '../acl/describe.js';
import { rewriteConfigFile } from '../config/config-rewrite.js';
import type { Value } from '../keyspace/value-types.js';

const HELP_LINES = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Store how long an AOF flush should sleep (kept for the AOF layer).',
  'CHANGE-REPL-ID',
  '    Give the server a new replication ID.',
  'CLIENT-EVICTION',
  '    Show the client eviction state.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE, but writes every setting, its default too.',
  'DIGEST',
  '    The digest of the whole dataset (40 zeros when it is empty).',
  'DIGEST-VALUE <key> [<key> ...]',
  '    The digest of each value (40 zeros for a missing key).',
  'ERROR <string>',
  '    Reply with <string> as an error.',
  'HTSTATS <dbid> [full]',
  '    Hash table figures of the database <dbid>.',
  'HTSTATS-KEY <key> [full]',
  '    Hash table figures of the value at <key> (hash tables only).',
  'LEAK <string>',
  '    Accepted and ignored (there is nothing to leak on purpose).',
  'LISTPACK <key>',
  '    Log the listpack of the value at <key>.',
  'LOADAOF',
  '    Flush the AOF, empty the dataset and load it back from the AOF.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Internal details of the value at <key>.',
  'PAUSE-CRON <0|1>',
  '    Stop (1) or restart (0) the background cycle.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys "<prefix>:<n>" (prefix "key"), values "value:<n>", padded',
  '    or cut to <size> bytes when given. Existing keys are left alone.',
  'PROTOCOL <type>',
  '    Reply with a value of <type>: string|integer|double|bignum|null|array|set|map|',
  '    attrib|push|verbatim|true|false.',
  'QUICKLIST <key> [<0|1>]',
  '    Log the quicklist of the value at <key>.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Set the size from which a list element gets a node of its own.',
  'RELOAD [MERGE] [NOFLUSH] [NOSAVE]',
  '    Save the RDB, empty the dataset and load the RDB back. MERGE replaces keys already',
  '    present, NOFLUSH keeps the dataset, NOSAVE loads the file as it is.',
  'REPLYBUFFER PEAK-RESET-TIME <never|reset|<ms>>',
  'REPLYBUFFER RESIZING <0|1>',
  '    Reply buffer settings (stored).',
  'SDSLEN <key>',
  '    Lengths of the key and of its string value.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Turn the active expiry cycle off (0) or on (1).',
  'SET-DISABLE-DENY-SCRIPTS <0|1>',
  '    Let scripts call commands flagged noscript (1) or not (0).',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Skip (1) the checksum check of RDB files and DUMP payloads.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds> (decimals allowed).',
  'STRINGMATCH-TEST',
  '    Run a quick self-test of the glob matcher.',
  'STRUCTSIZE',
  '    Sizes of internal structures.',
];

/** C's atoi: leading blanks, an optional sign, then digits; anything else stops it (0 when none). */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number.parseInt(m[1]!, 10) | 0;
}

/** C's strtod on the prefix: "0.5s" is 0.5, "abc" 0. */
function strtod(s: string): number {
  const d = Number.parseFloat(s.trim());
  return Number.isNaN(d) ? 0 : d;
}

/** Redis's LRU clock of an access time: seconds, 24 bits. */
function lruClock(ms: number): number {
  return Math.floor(ms / 1000) & 0xffffff;
}

function serializedLength(v: Value, key: string): number {
  const sink = new ByteSink(true);
  encodeValue(sink, v, key);
  return sink.pos;
}

/** The quicklist figures DEBUG OBJECT appends for a quicklist-encoded list. */
function quicklistExtra(ctx: CommandContext, v: Value): string {
  if (v.type !== 'list' || v.value.listpack) return '';
  const nodes = v.value.nodeCounts();
  const n = Math.max(1, nodes.length);
  const fill = ctx.config.int('list-max-listpack-size');
  const compressed = ctx.config.int('list-compress-depth') !== 0 ? 1 : 0;
  let bytes = 0;
  for (let i = 0; i < v.value.length; i++) bytes += v.value.at(i).length;
  return ` ql_nodes:${nodes.length} ql_avg_node:${(v.value.length / n).toFixed(2)} ql_listpack_max:${fill} ql_compressed:${compressed} ql_uncompressed_size:${bytes}`;
}

function debugObject(ctx: CommandContext, key: string): Reply {
  const e = ctx.db.rawEntry(key);
  if (e === undefined) return reply.error(errors.noSuchKey);
  const v = e.v;
  const refcount = objectRefcount(v, !ctx.services.keyspace.lfuEnabled());
  const idle = Math.max(0, Math.floor((ctx.now - e.lru) / 1000));
  return reply.simple(
    `Value at:0x${(0x7f0000000000 + e.seq * 16).toString(16)} refcount:${refcount} encoding:${objectEncoding(v)} ` +
      `serializedlength:${serializedLength(v, key)} lru:${lruClock(e.lru)} lru_seconds_idle:${idle}${quicklistExtra(ctx, v)}`,
  );
}

const ATTRIB_TEXT = 'Some real reply following the attribute';
const PUSH_TEXT = 'Some real reply following the push reply';

function bulkBytes(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

function protocolReply(ctx: CommandContext, name: string): Reply {
  const resp3 = ctx.client.resp === 3;
  switch (name.toLowerCase()) {
    case 'string':
      return reply.bulk('Hello World');
    case 'integer':
      return reply.int(12345);
    case 'double':
      return reply.double(3.141);
    case 'bignum':
      return reply.bigNumber('1234567999999999999999999999999999999');
    case 'null':
      return reply.nil;
    case 'array':
      return reply.array([reply.int(0), reply.int(1), reply.int(2)]);
    case 'set':
      return reply.set([reply.int(0), reply.int(1), reply.int(2)]);
    case 'map':
      return reply.map([reply.int(0), reply.bool(false), reply.int(1), reply.bool(true), reply.int(2), reply.bool(false)]);
    case 'attrib':
      // an attribute is not a reply of its own: a real reply follows it (RESP2 gets only that)
      if (!resp3) return reply.bulk(ATTRIB_TEXT);
      return reply.raw(Buffer.from(`|1\r\n${bulkBytes('key-popularity')}*2\r\n${bulkBytes('key:123')}:90\r\n${bulkBytes(ATTRIB_TEXT)}`, 'latin1'));
    case 'push':
      if (!resp3) return reply.error(errors.debugResp2Unsupported);
      return reply.raw(Buffer.from(`>2\r\n${bulkBytes('server-cpu-usage')}:42\r\n${bulkBytes(PUSH_TEXT)}`, 'latin1'));
    case 'true':
      return reply.bool(true);
    case 'false':
      return reply.bool(false);
    case 'verbatim':
      return reply.verbatim('This is a verbatim\nstring', 'txt');
    default:
      return reply.error(errors.debugProtocolType);
  }
}

function populate(ctx: CommandContext, argv: string[]): Reply {
  const count = readPositiveLong(argv[2]!);
  const size = argv.length === 5 ? readPositiveLong(argv[4]!) : 0;
  const prefix = argv.length >= 4 ? argv[3]! : 'key';
  const db = ctx.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    // as Redis's lookupKeyWrite: an expired key is reclaimed and then created afresh
    if (db.lookupWrite(key) !== undefined) continue;
    let value = `value:${j}`;
    if (size > 0) value = size <= value.length ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
    db.add(key, { type: 'string', value, raw: size > 0 });
    ctx.keyModified(db, key);
  }
  return reply.ok;
}

function reload(ctx: CommandContext, argv: string[]): Reply {
  const opts = { save: true, flush: true, merge: false };
  for (let j = 2; j < argv.length; j++) {
    const o = argv[j]!.toLowerCase();
    if (o === 'merge') opts.merge = true;
    else if (o === 'noflush') opts.flush = false;
    else if (o === 'nosave') opts.save = false;
    else return reply.error(errors.debugReloadOptions);
  }
  const err = ctx.services.debug.reload(opts);
  return err === null ? reply.ok : reply.error(err);
}

/** Stops the whole process for `ms` (Redis's nanosleep in the main thread). */
function sleepSync(ms: number): void {
  if (!(ms > 0)) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A hash table's size as Redis's dict would have it: a power of two ≥ its elements, at least 4. */
function tableSize(n: number): number {
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

function htStats(n: number): string {
  if (n === 0) return 'Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n';
  return `Hash table 0 stats (main hash table):\n table size: ${tableSize(n)}\n number of elements: ${n}\n`;
}

/** A quick check of the glob matcher on fixed cases (Redis fuzzes its own; crashing is the failure). */
function stringmatchTest(): boolean {
  const cases: [string, string, boolean][] = [
    ['*', 'abc', true],
    ['a*b?c', 'axxbyc', true],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['\\*', '*', true],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(64), false],
  ];
  return cases.every(([p, s, want]) => globMatch(p, s) === want);
}

function run(ctx: CommandContext, argv: string[]): Reply | null {
  const sub = argv[1]!.toLowerCase();
  const argc = argv.length;
  const knobs = ctx.services.debug.knobs;
  const log = ctx.services.monitor.logger;
  switch (sub) {
    case 'help':
      if (argc === 2) return helpReply('DEBUG', HELP_LINES);
      break;
    case 'digest':
      if (argc === 2) return reply.simple(datasetDigest(ctx.services.keyspace.dbs));
      break;
    case 'digest-value': {
      const out: Reply[] = [];
      for (let j = 2; j < argc; j++) out.push(reply.simple(keyDigest(ctx.db, argv[j]!)));
      return reply.array(out);
    }
    case 'object':
      if (argc === 3) return debugObject(ctx, argv[2]!);
      break;
    case 'protocol':
      if (argc === 3) return protocolReply(ctx, argv[2]!);
      break;
    case 'sleep':
      if (argc === 3) {
        // as Redis: whole microseconds, the server does nothing meanwhile
        sleepSync(Math.trunc(strtod(argv[2]!) * 1e6) / 1000);
        return reply.ok;
      }
      break;
    case 'reload':
      return reload(ctx, argv);
    case 'loadaof':
      return ctx.services.debug.loadAof(ctx);
    case 'populate':
      if (argc >= 3 && argc <= 5) return populate(ctx, argv);
      break;
    case 'set-active-expire':
      if (argc === 3) {
        knobs.activeExpire = atoi(argv[2]!) !== 0;
        return reply.ok;
      }
      break;
    case 'pause-cron':
      if (argc === 3) {
        knobs.cronPaused = atoi(argv[2]!) !== 0;
        return reply.ok;
      }
      break;
    case 'set-skip-checksum-validation':
      if (argc === 3) {
        knobs.skipChecksumValidation = atoi(argv[2]!) !== 0;
        return reply.ok;
      }
      break;
    case 'set-disable-deny-scripts':
      if (argc === 3) {
        knobs.disableDenyScripts = atoi(argv[2]!) !== 0;
        return reply.ok;
      }
      break;
    case 'aof-flush-sleep':
      if (argc === 3) {
        knobs.aofFlushSleepUs = atoi(argv[2]!);
        return reply.ok;
      }
      break;
    case 'quicklist-packed-threshold':
      if (argc === 3) {
        const sz = parseMemory(argv[2]!);
        if (sz === null || sz > (1n << 32n) - (1n << 20n)) return reply.error(errors.debugMemoryValue);
        knobs.quicklistPackedThreshold = sz === 0n ? 1 << 30 : Number(sz);
        return reply.ok;
      }
      break;
    case 'replybuffer':
      if (argc === 4) return replyBuffer(ctx, argv);
      break;
    case 'log':
      if (argc === 3) {
        log.warning(`DEBUG LOG: ${argv[2]!}`);
        return reply.ok;
      }
      break;
    case 'leak':
      if (argc === 3) return reply.ok;
      break;
    case 'error':
      if (argc === 3) return reply.error(argv[2]!.replace(/[\r\n]/g, ' '));
      break;
    case 'change-repl-id':
      if (argc === 2) {
        ctx.services.debug.changeReplId();
        return reply.ok;
      }
      break;
    case 'replicate':
      // no replicas to feed
      if (argc >= 3) return reply.ok;
      break;
    case 'drop-cluster-packet-filter':
      if (argc === 3) {
        readLongLong(argv[2]!);
        return reply.ok;
      }
      break;
    case 'structsize':
      if (argc === 2) return reply.bulk('bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ');
      break;
    case 'stringmatch-test':
      if (argc === 2) return stringmatchTest() ? reply.simple('Apparently Redis did not crash: test passed') : reply.error(errors.debugStringmatchFailed);
      break;
    case 'htstats':
      if (argc >= 3) {
        const id = readLongLong(argv[2]!);
        const db = ctx.services.keyspace.dbs[id];
        if (db === undefined || id < 0) return reply.error(errors.debugOutOfRangeDb);
        return reply.verbatim(`[Dictionary HT]\n${htStats(db.size)}[Expires HT]\n${htStats(db.expiresCount)}`);
      }
      break;
    case 'htstats-key':
      if (argc >= 3) {
        const e = ctx.db.lookupRead(argv[2]!, true);
        if (e === undefined) return reply.error(errors.noSuchKey);
        const v = e.v;
        const n = v.type === 'hash' && !v.value.listpack ? v.value.size : v.type === 'set' && v.value.encoding === 'hashtable' ? v.value.size : v.type === 'zset' && !v.value.listpack ? v.value.size : -1;
        if (n < 0) return reply.error(errors.debugNotHashTable);
        return reply.verbatim(htStats(n));
      }
      break;
    case 'listpack':
    case 'quicklist':
      if (argc === 3 || (sub === 'quicklist' && argc === 4)) return structureToLog(ctx, argv[2]!, sub);
      break;
    case 'sdslen':
      if (argc === 3) {
        const e = ctx.db.rawEntry(argv[2]!);
        if (e === undefined) return reply.error(errors.noSuchKey);
        if (e.v.type !== 'string' || objectEncoding(e.v) === 'int') return reply.error(errors.debugNotSds);
        const k = argv[2]!.length;
        const n = e.v.value.length;
        return reply.simple(`key_sds_len:${k}, key_sds_avail:0, key_zmalloc: ${k + 3}, val_sds_len:${n}, val_sds_avail:0, val_zmalloc: ${n + 3}`);
      }
      break;
    case 'config-rewrite-force-all':
      if (argc === 2) return rewriteForceAll(ctx);
      break;
    case 'client-eviction':
      if (argc === 2) {
        if (ctx.config.get('maxmemory-clients') === '0') return reply.error(errors.debugClientEvictionOff);
        return reply.verbatim(`clients: ${ctx.services.clients.list().length}, tot-mem: ${ctx.services.clients.bufferBytes()}\n`);
      }
      break;
  }
  return reply.error(errors.subcommandSyntax(argv));
}

/** CONFIG REWRITE's work with every setting written, defaults included (the suite reloads the file). */
function rewriteForceAll(ctx: CommandContext): Reply {
  const config = ctx.config;
  const file = config.configFile;
  if (file === null) return reply.error(errors.configNoFile);
  try {
    const userLines = config.get('aclfile') !== '' ? [] : ctx.services.security.acl.users.list().map(aclListLine);
    rewriteConfigFile(config, file, userLines, true);
  } catch (e) {
    return reply.error(errors.debugConfigRewriteFailed(strerror(e)));
  }
  return reply.ok;
}

function replyBuffer(ctx: CommandContext, argv: string[]): Reply {
  const knobs = ctx.services.debug.knobs;
  const what = argv[2]!.toLowerCase();
  const v = argv[3]!;
  if (what === 'peak-reset-time') {
    if (v.toLowerCase() === 'never') knobs.replyBufferPeakResetTime = -1;
    else if (v.toLowerCase() === 'reset') knobs.replyBufferPeakResetTime = 5000;
    else knobs.replyBufferPeakResetTime = readLongLong(v);
  } else if (what === 'resizing') {
    knobs.replyBufferResizing = atoi(v) !== 0;
  } else {
    return reply.error(errors.subcommandSyntax(argv));
  }
  return reply.ok;
}

/** LISTPACK / QUICKLIST: Redis prints the structure on stdout; Redoubt writes a summary to the log. */
function structureToLog(ctx: CommandContext, key: string, sub: 'listpack' | 'quicklist'): Reply {
  const e = ctx.db.lookupRead(key, true);
  if (e === undefined) return reply.error(errors.noSuchKey);
  const enc = objectEncoding(e.v);
  if (sub === 'listpack') {
    if (enc !== 'listpack') return reply.error(errors.debugNotListpack);
    ctx.services.monitor.logger.notice(`DEBUG LISTPACK: '${JSON.stringify(key).slice(1, -1)}' is a listpack of ${elementCount(e.v)} elements`);
    return reply.simple('Listpack structure printed on stdout');
  }
  if (enc !== 'quicklist' || e.v.type !== 'list') return reply.error(errors.debugNotQuicklist);
  ctx.services.monitor.logger.notice(`DEBUG QUICKLIST: '${JSON.stringify(key).slice(1, -1)}' node sizes ${e.v.value.nodeCounts().join(',')}`);
  return reply.simple('Quicklist structure printed on stdout');
}

function elementCount(v: Value): number {
  switch (v.type) {
    case 'list':
      return v.value.length;
    case 'hash':
      return v.value.size * 2;
    case 'zset':
      return v.value.size * 2;
    case 'set':
      return v.value.size;
    default:
      return 1;
  }
}

export const debug = defineCommand({
  name: 'debug',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale', 'protected'],
  docs: { summary: 'Testing and introspection subcommands (needs enable-debug-command).', since: '1.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  run,
});

export const debugCommands: CommandDefinition[] = [debug];
