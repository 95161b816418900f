/**
 * Stream commands (t_stream.c): XADD XRANGE XREVRANGE XLEN XDEL XTRIM XREAD XREADGROUP
 * XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO XSETID.
 *
 * Arguments are checked in Redis's order (option parsing before the key lookup where
 * Redis does so), error texts are Redis 7.2's, and times (auto IDs, delivery and idle
 * times, seen/active times) come from `ctx.now`, the cached time of the command.
 *
 * XREAD/XREADGROUP are split into parsing (`parseStreamRead`) and serving
 * (`serveStreamRead`, which answers null when nothing is there yet), so waiting for data
 * can be layered on top; until then BLOCK answers as Redis does when a client may not
 * block (inside MULTI): the null reply at once.
 */
import { defineCommand, keys, type ArgumentDoc, type CommandDefinition, type KeySpec } from '../../command-model/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { LLONG_MAX, parseInteger } from '../../protocol/number-format.js';
import { exactLongLong, readLongLong } from '../../command-model/argument-reader.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { helpReply } from '../object.js';
import {
  compareIds,
  decrId,
  formatId,
  incrId,
  isZeroId,
  MAX_ID,
  MIN_ID,
  parseStreamId,
  u64Incr,
  U64_MAX,
  type StreamId,
  type U64,
} from '../../types/stream-id.js';
import {
  Consumer,
  ConsumerGroup,
  counterAdd,
  counterReply,
  INVALID_ENTRIES_READ,
  StreamData,
  type Counter,
  type Nack,
  type StreamEntry,
  type TrimArgs,
} from '../../types/stream.js';
import type { CommandContext } from '../../command-model/context.js';
import { BigMap } from '../../types/big-map.js';
const LISTPACK_MAX_SIZE = 1 << 30;

// ---- helpers ----

function readStream(ctx: CommandContext, key: string): StreamData | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'stream') throw new CommandError(errors.wrongType);
  return e.v.value;
}

function writeStream(ctx: CommandContext, key: string): StreamData | undefined {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'stream') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/** A change Redis counts in server.dirty without signalling the key (no WATCH abort). */
function dirty(ctx: CommandContext, n = 1): void {
  ctx.services.keyspace.addDirty(n);
}

/** C-string view of an argument (Redis compares option texts with strcmp). */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

/**
 * User text inside an error built with addReplyErrorFormat("...'%s'..."): `%s` stops at a
 * NUL byte, and CR/LF become spaces (the message never ends with them here: a quote follows).
 */
function errArg(s: string): string {
  return cstr(s).replace(/[\r\n]/g, ' ');
}

function idArg(arg: string, missingSeq: U64, strict: boolean): StreamId {
  const p = parseStreamId(arg, missingSeq, strict);
  if (p === null) throw new CommandError(errors.streamInvalidId);
  return p.id;
}

/** A range bound: `(` makes it exclusive (then `-`/`+` are refused), as streamParseIntervalIDOrReply. */
function intervalArg(arg: string, start: boolean): StreamId {
  const exclusive = arg.length > 1 && arg.charCodeAt(0) === 40;
  if (!exclusive) return idArg(arg, start ? 0 : U64_MAX, false);
  const id = idArg(arg.slice(1), start ? 0 : U64_MAX, true);
  const moved = start ? incrId(id) : decrId(id);
  if (moved === null) throw new CommandError(start ? errors.streamIntervalStart : errors.streamIntervalEnd);
  return moved;
}

function idReply(id: StreamId): Reply {
  return reply.bulk(formatId(id));
}

function entryReply(e: StreamEntry): Reply {
  return reply.array([idReply(e.id), reply.bulks(e.fv)]);
}

const IN_XREADGROUP = ' in XREADGROUP with GROUP option';

function noGroupError(key: string, group: string, suffix = ''): CommandError {
  return new CommandError(errors.noKeyOrGroup(errArg(key), errArg(group), suffix));
}

/** addReplySubcommandSyntaxError */
function subcommandSyntaxError(argv: string[]): CommandError {
  return new CommandError(errors.subcommandSyntax(argv));
}

function nodeLimits(ctx: CommandContext): [number, number] {
  return [ctx.config.int('stream-node-max-bytes'), ctx.config.int('stream-node-max-entries')];
}

/**
 * Adds a consumer to a group. One created implicitly (XREADGROUP, XCLAIM, XAUTOCLAIM,
 * whose own propagation does not carry it) is propagated as XGROUP CREATECONSUMER, as
 * Redis 7.2's streamPropagateConsumerCreation.
 */
function createConsumer(ctx: CommandContext, g: ConsumerGroup, name: string, key: string, implicitIn: string | null): Consumer {
  const c = new Consumer(name, ctx.now);
  g.consumers.set(name, c);
  dirty(ctx);
  ctx.notify(NotifyKind.stream, 'xgroup-createconsumer', key);
  if (implicitIn !== null && ctx.propagation.active) {
    ctx.propagation.also(ctx.client.dbIndex, ['XGROUP', 'CREATECONSUMER', key, implicitIn, name]);
  }
  return c;
}

// ---- propagation (Redis's streamPropagateXCLAIM / streamPropagateGroupID) ----

/**
 * A pending entry's state as one XCLAIM that sets it exactly on replay: owner, delivery
 * time and count, and the group's last ID; for an entry no longer in the stream the same
 * command removes it from the PEL.
 */
function propagateClaim(ctx: CommandContext, key: string, group: string, g: ConsumerGroup, nack: Nack): void {
  ctx.propagation.also(ctx.client.dbIndex, [
    'XCLAIM', key, group, nack.consumer.name, '0', formatId(nack.id),
    'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount),
    'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId),
  ]);
}

/** The group's last delivered ID and read counter, as XGROUP SETID … ENTRIESREAD. */
function propagateGroupId(ctx: CommandContext, key: string, group: string, g: ConsumerGroup): void {
  ctx.propagation.also(ctx.client.dbIndex, ['XGROUP', 'SETID', key, group, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/**
 * The trimming part of a propagated XADD/XTRIM. An approximate trim depends on how
 * entries happen to be packed in nodes; it goes out as the exact trim that leaves the same
 * stream (Redis's streamRewriteApproxSpecifier / streamRewriteTrimArgument): MAXLEN the
 * length now, MINID the first ID now. LIMIT, which only bounds approximate work, is
 * dropped so a replay through any client accepts the command.
 */
function exactTrim(s: StreamData, trim: TrimArgs): string[] {
  if (trim.strategy === 'maxlen') return ['MAXLEN', '=', String(trim.approx ? s.length : trim.maxlen)];
  const first = !trim.approx ? trim.minid : s.length === 0 ? MAX_ID : s.firstId;
  return ['MINID', '=', formatId(first)];
}

const keyArg = { name: 'key', type: 'key' } as const;
const groupArg = { name: 'group', type: 'string' } as const;
const consumerArg = { name: 'consumer', type: 'string' } as const;
const idsArg = { name: 'id', type: 'string', multiple: true } as const;
const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];
const subKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(2, ...flags)];

// ---- XADD / XTRIM ----

interface AddTrimArgs {
  trim: TrimArgs | null;
  /** index of the ID argument (XADD) */
  idPos: number;
  id: StreamId | null;
  seqGiven: boolean;
  noMkstream: boolean;
}

/** streamParseAddOrTrimArgsOrReply */
function parseAddTrim(argv: string[], xadd: boolean, nodeMaxEntries: number): AddTrimArgs {
  const out: AddTrimArgs = { trim: null, idPos: argv.length, id: null, seqGiven: true, noMkstream: false };
  let approx = false;
  let limit = 0;
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const raw = argv[i]!;
    // the common case first: XADD key * field value…
    if (xadd && (raw === '*' || cstr(raw) === '*')) break;
    const opt = optionWord(raw);
    if ((opt === 'maxlen' || opt === 'minid') && more > 0) {
      if (out.trim !== null) throw new CommandError(errors.xtrimMaxlenAndMinid);
      approx = false;
      const next = cstr(argv[i + 1]!);
      if (more >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      if (opt === 'maxlen') {
        const maxlen = readLongLong(argv[i + 1]!);
        if (maxlen < 0) throw new CommandError(errors.xtrimMaxlenNegative);
        out.trim = { strategy: 'maxlen', maxlen, minid: MIN_ID, approx, limit: 0 };
      } else {
        const minid = idArg(argv[i + 1]!, 0, true);
        out.trim = { strategy: 'minid', maxlen: 0, minid, approx, limit: 0 };
      }
      i++;
    } else if (opt === 'limit' && more > 0) {
      limit = readLongLong(argv[i + 1]!);
      if (limit < 0) throw new CommandError(errors.xtrimLimitNegative);
      limitGiven = true;
      i++;
    } else if (xadd && opt === 'nomkstream') {
      out.noMkstream = true;
    } else if (xadd) {
      const p = parseStreamId(raw, 0, true, true);
      if (p === null) throw new CommandError(errors.streamInvalidId);
      out.id = p.id;
      out.seqGiven = p.seqGiven;
      break;
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  out.idPos = i;
  if (limit !== 0 && out.trim === null) throw new CommandError(errors.xtrimLimitNeedsStrategy);
  if (!xadd && out.trim === null) throw new CommandError(errors.xtrimNeedsStrategy);
  if (out.trim !== null) {
    if (limitGiven) {
      if (!approx) throw new CommandError(errors.xtrimLimitNeedsApprox);
      out.trim.limit = limit;
    } else if (approx) {
      // the default bound on trimming work: 100 nodes' worth
      let l = 100 * nodeMaxEntries;
      if (l <= 0) l = 10000;
      if (l > 1000000) l = 1000000;
      out.trim.limit = l;
    }
  } else if (limitGiven && !approx) {
    // LIMIT 0 without a strategy passes the first check; Redis then refuses it for want of ~
    throw new CommandError(errors.xtrimLimitNeedsApprox);
  }
  return out;
}

/** The ID XADD will use, or an error text (streamAppendItem's checks). */
function nextAddId(ctx: CommandContext, s: StreamData, args: AddTrimArgs): StreamId | string {
  const last = s.lastId;
  let id: StreamId;
  if (args.id !== null) {
    if (args.seqGiven) id = args.id;
    else if (args.id.ms === last.ms) {
      if (last.seq === U64_MAX) return errors.xaddIdTooSmall;
      id = { ms: last.ms, seq: u64Incr(last.seq) };
    } else id = args.id;
  } else {
    const now = ctx.now;
    id = now > last.ms ? { ms: now, seq: 0 } : incrId(last)!;
  }
  return compareIds(id, last) <= 0 ? errors.xaddIdTooSmall : id;
}

export const xadd = defineCommand({
  name: 'xadd',
  arity: -5,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['stream'],
  keySpecs: [{ ...keys.one(1, 'RW', 'UPDATE'), notes: 'UPDATE instead of INSERT because of the optional trimming feature' }],
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Appends an entry to a stream, creating the stream when needed, and optionally trims it.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.',
    arguments: [
      keyArg,
      { name: 'nomkstream', type: 'pure-token', token: 'NOMKSTREAM', optional: true },
      { name: 'trim', type: 'block', optional: true, arguments: [{ name: 'strategy', type: 'string' }, { name: 'threshold', type: 'string' }] },
      { name: 'id-selector', type: 'string' },
      { name: 'data', type: 'block', multiple: true, arguments: [{ name: 'field', type: 'string' }, { name: 'value', type: 'string' }] },
    ],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const args = parseAddTrim(argv, true, nodeLimits(ctx)[1]);
    const fieldPos = args.idPos + 1;
    const nfv = argv.length - fieldPos;
    if (nfv < 2 || nfv % 2 === 1) return reply.error(errors.wrongArgs('xadd'));
    if (args.id !== null && args.seqGiven && isZeroId(args.id)) return reply.error(errors.xaddIdZero);
    let s = writeStream(ctx, key);
    const created = s === undefined;
    if (s === undefined) {
      if (args.noMkstream) return reply.nil;
      s = new StreamData();
    }
    if (s.lastId.ms === U64_MAX && s.lastId.seq === U64_MAX) {
      return reply.error(errors.xaddIdExhausted);
    }
    const id = nextAddId(ctx, s, args);
    if (typeof id === 'string') return reply.error(id);
    const fv = argv.slice(fieldPos);
    let total = 0;
    for (const x of fv) total += x.length;
    if (total > LISTPACK_MAX_SIZE) return reply.error(errors.streamElementsTooLarge);
    const [maxBytes, maxEntries] = nodeLimits(ctx);
    s.append(id, fv, maxBytes, maxEntries);
    if (created) ctx.db.set(key, { type: 'stream', value: s });
    ctx.notify(NotifyKind.stream, 'xadd', key);
    if (args.trim !== null && s.trim(args.trim) > 0) ctx.notify(NotifyKind.stream, 'xtrim', key);
    if (!created) ctx.keyModified(ctx.db, key);
    // an ID the server chose (`*`, `ms-*`) or an approximate trim goes out as what happened
    if (ctx.propagation.active && (args.id === null || !args.seqGiven || args.trim?.approx === true)) {
      const out = ['XADD', key];
      if (args.noMkstream) out.push('NOMKSTREAM');
      if (args.trim !== null) out.push(...exactTrim(s, args.trim));
      out.push(formatId(id), ...fv);
      ctx.propagation.replace(out);
    }
    return idReply(id);
  },
});

export const xtrim = defineCommand({
  name: 'xtrim',
  arity: -4,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'DELETE'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Removes the oldest entries of a stream, by count (MAXLEN) or by ID (MINID).',
    since: '6.2.0',
    group: 'stream',
    complexity: 'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.',
    arguments: [keyArg, { name: 'trim', type: 'block', arguments: [{ name: 'strategy', type: 'string' }, { name: 'threshold', type: 'string' }] }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const args = parseAddTrim(argv, false, nodeLimits(ctx)[1]);
    const s = writeStream(ctx, key);
    if (s === undefined) return reply.zero;
    const removed = s.trim(args.trim!);
    if (removed > 0) {
      ctx.notify(NotifyKind.stream, 'xtrim', key);
      ctx.keyModified(ctx.db, key);
      ctx.services.keyspace.addDirty(removed - 1);
      if (ctx.propagation.active && args.trim!.approx) ctx.propagation.replace(['XTRIM', key, ...exactTrim(s, args.trim!)]);
    }
    return reply.int(removed);
  },
});

// ---- XRANGE / XREVRANGE / XLEN / XDEL ----

function xrangeGeneric(ctx: CommandContext, argv: string[], rev: boolean): Reply {
  const start = intervalArg(rev ? argv[3]! : argv[2]!, true);
  const end = intervalArg(rev ? argv[2]! : argv[3]!, false);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (optionWord(argv[j]!) === 'count' && j + 1 < argv.length) {
      count = readLongLong(argv[j + 1]!);
      if (count < 0) count = 0;
      j++;
    } else {
      return reply.error(errors.syntax);
    }
  }
  const s = readStream(ctx, argv[1]!);
  if (s === undefined) return reply.emptyArray;
  if (count === 0) return reply.nilArray;
  const out: Reply[] = [];
  s.scan(start, end, rev, (e) => {
    out.push(entryReply(e));
    return count < 0 || out.length < count;
  });
  return reply.array(out);
}

const rangeArgs: readonly ArgumentDoc[] = [keyArg, { name: 'start', type: 'string' }, { name: 'end', type: 'string' }, { name: 'count', type: 'integer', token: 'COUNT', optional: true }];

export const xrange = defineCommand({
  name: 'xrange',
  arity: -4,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the stream entries whose IDs fall in a range, oldest first.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    arguments: rangeArgs,
  },
  run: (ctx, argv) => xrangeGeneric(ctx, argv, false),
});

export const xrevrange = defineCommand({
  name: 'xrevrange',
  arity: -4,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the stream entries whose IDs fall in a range, newest first.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    arguments: [keyArg, { name: 'end', type: 'string' }, { name: 'start', type: 'string' }, { name: 'count', type: 'integer', token: 'COUNT', optional: true }],
  },
  run: (ctx, argv) => xrangeGeneric(ctx, argv, true),
});

export const xlen = defineCommand({
  name: 'xlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many entries a stream holds.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg] },
  run(ctx, argv) {
    return reply.int(readStream(ctx, argv[1]!)?.length ?? 0);
  },
});

export const xdel = defineCommand({
  name: 'xdel',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'DELETE'),
  docs: {
    summary: 'Deletes entries from a stream by ID and returns how many existed.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.',
    arguments: [keyArg, idsArg],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const s = writeStream(ctx, key);
    if (s === undefined) return reply.zero;
    const ids: StreamId[] = [];
    for (let j = 2; j < argv.length; j++) ids.push(idArg(argv[j]!, 0, true));
    const gone: StreamId[] = [];
    for (const id of ids) if (s.delete(id)) gone.push(id);
    s.afterDelete(gone);
    if (gone.length > 0) {
      ctx.keyModified(ctx.db, key);
      ctx.notify(NotifyKind.stream, 'xdel', key);
      dirty(ctx, gone.length - 1);
    }
    return reply.int(gone.length);
  },
});

// ---- XREAD / XREADGROUP ----

/** A parsed XREAD/XREADGROUP: what a blocked client would wait with. */
export interface StreamReadRequest {
  group: { name: string; consumer: string; noack: boolean } | null;
  /** 0 = no limit */
  count: number;
  /** BLOCK timeout in ms (0 = forever), or -1 without BLOCK */
  timeout: number;
  keys: string[];
  /** per key: read entries after this ID; MAX_ID stands for `>` (as in Redis) */
  ids: StreamId[];
}

/**
 * Parses XREAD/XREADGROUP and resolves `$` and the groups, with Redis's checks and error
 * order. Throws CommandError on an error reply.
 */
export function parseStreamRead(ctx: CommandContext, argv: string[], xreadgroup: boolean): StreamReadRequest {
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let groupName: string | null = null;
  let consumerName = '';
  let noack = false;
  const name = xreadgroup ? 'xreadgroup' : 'xread';
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = optionWord(argv[i]!);
    if (o === 'block' && more > 0) {
      i++;
      const t = parseInteger(argv[i]!);
      if (t === null) throw new CommandError(errors.timeoutNotInteger);
      if (t < 0) throw new CommandError(errors.negativeTimeout);
      if (t > 0 && BigInt(t) > LLONG_MAX - BigInt(ctx.now)) throw new CommandError(errors.timeoutOutOfRange);
      timeout = Number(t);
    } else if (o === 'count' && more > 0) {
      i++;
      count = readLongLong(argv[i]!);
      if (count < 0) count = 0;
    } else if (o === 'streams' && more > 0) {
      streamsArg = i + 1;
      streamsCount = argv.length - streamsArg;
      if (streamsCount % 2 !== 0) {
        throw new CommandError(errors.xreadUnbalanced(name, xreadgroup));
      }
      streamsCount /= 2;
      break;
    } else if (o === 'group' && more >= 2) {
      if (!xreadgroup) throw new CommandError(errors.xreadGroupOption);
      groupName = argv[i + 1]!;
      consumerName = argv[i + 2]!;
      i += 2;
    } else if (o === 'noack') {
      if (!xreadgroup) throw new CommandError(errors.xreadNoack);
      noack = true;
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  if (streamsArg === 0) throw new CommandError(errors.syntax);
  if (xreadgroup && groupName === null) throw new CommandError(errors.xreadgroupMissingGroup);
  const keyList = argv.slice(streamsArg, streamsArg + streamsCount);
  const ids: StreamId[] = [];
  for (let k = 0; k < streamsCount; k++) {
    const key = keyList[k]!;
    const s = readStream(ctx, key);
    if (groupName !== null && (s === undefined || s.group(groupName) === undefined)) {
      throw noGroupError(key, groupName, IN_XREADGROUP);
    }
    const arg = argv[streamsArg + streamsCount + k]!;
    const text = cstr(arg);
    if (text === '$') {
      if (xreadgroup) {
        throw new CommandError(
          errors.xreadgroupDollar,
        );
      }
      ids.push(s !== undefined ? s.lastId : MIN_ID);
    } else if (text === '>') {
      if (!xreadgroup) throw new CommandError(errors.xreadNewOnlyInGroup);
      ids.push(MAX_ID);
    } else {
      ids.push(idArg(arg, 0, true));
    }
  }
  return { group: groupName === null ? null : { name: groupName, consumer: consumerName, noack }, count, timeout, keys: keyList, ids };
}

/**
 * Serves a parsed read synchronously, or returns null when no stream has anything for it
 * (the point where a blocking read would wait). Consumers are created and seen-times
 * updated even then, as Redis does before blocking.
 */
export function serveStreamRead(ctx: CommandContext, req: StreamReadRequest): Reply | null {
  const served: Reply[] = [];
  const resp3 = ctx.client.resp === 3;
  const now = ctx.now;
  for (let i = 0; i < req.keys.length; i++) {
    const key = req.keys[i]!;
    const s = readStream(ctx, key);
    if (s === undefined) continue;
    let gt = req.ids[i]!;
    let serve = false;
    let history = false;
    let group: ConsumerGroup | undefined;
    let consumer: Consumer | undefined;
    if (req.group !== null) {
      group = s.group(req.group.name);
      if (group === undefined) throw noGroupError(key, req.group.name, IN_XREADGROUP);
      if (gt.ms !== U64_MAX || gt.seq !== U64_MAX) {
        serve = true;
        history = true;
      } else if (s.length > 0) {
        const maxId = s.edgeId(false)!;
        if (compareIds(maxId, group.lastId) > 0) {
          serve = true;
          gt = group.lastId;
        }
      }
      consumer = group.consumers.get(req.group.consumer) ?? createConsumer(ctx, group, req.group.consumer, key, req.group.name);
      consumer.seenTime = now;
    } else if (s.length > 0) {
      const maxId = s.edgeId(false)!;
      if (compareIds(maxId, gt) > 0) serve = true;
    }
    if (!serve) continue;
    const start = incrId(gt) ?? MIN_ID;
    let entries: Reply;
    const propagating = group !== undefined && ctx.propagation.active;
    const lastBefore = group?.lastId;
    const claims: Nack[] | null = propagating ? [] : null;
    if (history) entries = consumerHistory(s, consumer!, start, req.count, now, claims);
    else entries = deliver(s, start, req.count, group, consumer, req.group?.noack ?? false, now, claims);
    if (propagating) {
      // what the read changed, as XCLAIMs of the entries now pending and the group's new
      // last ID (7.2 propagates it whenever it moved); the read itself is not replayed
      for (const n of claims!) propagateClaim(ctx, key, req.group!.name, group!, n);
      if (group!.lastId !== lastBefore) propagateGroupId(ctx, key, req.group!.name, group!);
    }
    if (resp3) served.push(reply.bulk(key), entries);
    else served.push(reply.array([reply.bulk(key), entries]));
    if (group !== undefined) dirty(ctx);
  }
  if (req.group !== null && ctx.propagation.active) ctx.propagation.prevent();
  if (served.length === 0) return null;
  return resp3 ? reply.map(served) : reply.array(served);
}

/** streamReplyWithRange from `start` on, for XREAD or (with a group) for new entries of XREADGROUP. */
function deliver(s: StreamData, start: StreamId, count: number, group: ConsumerGroup | undefined, consumer: Consumer | undefined, noack: boolean, now: number, claims: Nack[] | null): Reply {
  const out: Reply[] = [];
  s.scan(start, MAX_ID, false, (e) => {
    if (group !== undefined) {
      if (compareIds(e.id, group.lastId) > 0) {
        if (group.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(e.id, null)) group.entriesRead = counterAdd(group.entriesRead, 1);
        else if (s.entriesAdded > 0) group.entriesRead = s.estimateDistance(e.id);
        group.lastId = e.id;
      }
      if (!noack) {
        const c = consumer!;
        const nack = group.pel.get(e.id);
        if (nack === undefined) {
          const n: Nack = { id: e.id, consumer: c, deliveryTime: now, deliveryCount: 1 };
          group.pel.insert(n);
          c.pel.insert(n);
          claims?.push(n);
        } else {
          nack.consumer.pel.remove(e.id);
          nack.consumer = c;
          nack.deliveryTime = now;
          nack.deliveryCount = 1;
          c.pel.insert(nack);
          claims?.push(nack);
        }
        c.activeTime = now;
      }
    }
    out.push(entryReply(e));
    return count === 0 || out.length < count;
  });
  return reply.array(out);
}

/** XREADGROUP with an explicit ID: the consumer's own pending entries from `start`. */
function consumerHistory(s: StreamData, c: Consumer, start: StreamId, count: number, now: number, claims: Nack[] | null): Reply {
  const out: Reply[] = [];
  const pel = c.pel;
  for (let i = pel.lowerBound(start); i < pel.size && (count === 0 || out.length < count); i++) {
    const nack = pel.at(i);
    const e = s.get(nack.id);
    if (e === undefined) {
      out.push(reply.array([idReply(nack.id), reply.nilArray]));
    } else {
      out.push(entryReply(e));
      nack.deliveryTime = now;
      nack.deliveryCount++;
      // redelivery changes the delivery time and count: carried as an XCLAIM too
      claims?.push(nack);
    }
  }
  return reply.array(out);
}

function streamRead(ctx: CommandContext, argv: string[], xreadgroup: boolean): Reply | null {
  const req = parseStreamRead(ctx, argv, xreadgroup);
  const now = serveStreamRead(ctx, req);
  if (now !== null || req.timeout === -1) return now ?? reply.nilArray;
  // BLOCK with nothing to read: wait for an XADD to one of the streams. The request keeps
  // the IDs resolved now (`$` = the last ID at the time of the call), so serving re-uses
  // them instead of re-running the command. XREADGROUP clients are also served when a key
  // goes away, changes type or loses the group, with Redis's error.
  const deadline = req.timeout === 0 ? 0 : ctx.now + req.timeout;
  return ctx.services.keyspace.blocking.block(ctx, {
    argv,
    keys: req.keys,
    type: 'stream',
    deadline,
    timeoutReply: reply.nilArray,
    unblockOnNoKey: req.group !== null,
    serve: () => {
      try {
        // 7.2 re-executes the command: each key in order is looked up again, so a key of
        // another type answers -WRONGTYPE and a missing key or group (DEL, FLUSHALL,
        // XGROUP DESTROY) -NOGROUP, as the first run would have
        if (req.group !== null) {
          for (const key of req.keys) {
            const s = readStream(ctx, key);
            if (s === undefined || s.group(req.group.name) === undefined) throw noGroupError(key, req.group.name, IN_XREADGROUP);
          }
        }
        return serveStreamRead(ctx, req);
      } catch (e) {
        if (e instanceof CommandError) return reply.error(e.reply);
        throw e;
      }
    },
  });
}

const streamsKeySpec = (startFrom: number): KeySpec[] => [
  { flags: ['RO', 'ACCESS'], begin: { keyword: 'STREAMS', startFrom }, find: { lastKey: -1, step: 1, limit: 2 } },
];

export const xread = defineCommand({
  name: 'xread',
  arity: -4,
  flags: ['readonly', 'blocking', 'movablekeys'],
  categories: ['stream'],
  keySpecs: streamsKeySpec(1),
  docs: {
    summary: 'Returns the entries added to one or more streams after given IDs.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.',
    arguments: [
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
      { name: 'milliseconds', type: 'integer', token: 'BLOCK', optional: true },
      { name: 'streams', type: 'block', token: 'STREAMS', arguments: [{ name: 'key', type: 'key', multiple: true }, { name: 'id', type: 'string', multiple: true }] },
    ],
  },
  run: (ctx, argv) => streamRead(ctx, argv, false),
});

export const xreadgroup = defineCommand({
  name: 'xreadgroup',
  arity: -7,
  flags: ['write', 'blocking', 'movablekeys'],
  categories: ['stream'],
  keySpecs: streamsKeySpec(4),
  docs: {
    summary: 'Reads stream entries on behalf of a consumer of a group, new ones or its pending ones.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.',
    arguments: [
      { name: 'group-block', type: 'block', token: 'GROUP', arguments: [groupArg, consumerArg] },
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
      { name: 'milliseconds', type: 'integer', token: 'BLOCK', optional: true },
      { name: 'noack', type: 'pure-token', token: 'NOACK', optional: true },
      { name: 'streams', type: 'block', token: 'STREAMS', arguments: [{ name: 'key', type: 'key', multiple: true }, { name: 'id', type: 'string', multiple: true }] },
    ],
  },
  run: (ctx, argv) => streamRead(ctx, argv, true),
});

// ---- XGROUP ----

interface GroupTarget {
  s: StreamData | undefined;
  g: ConsumerGroup | undefined;
  mkstream: boolean;
  entriesRead: Counter;
}

/** The common part of xgroupCommand: options, key, group, in Redis's order. */
function xgroupTarget(ctx: CommandContext, argv: string[]): GroupTarget {
  const sub = optionWord(argv[1]!);
  let mkstream = false;
  let entriesRead: Counter = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.length; ) {
    const o = optionWord(argv[i]!);
    if (sub === 'create' && o === 'mkstream') {
      mkstream = true;
      i++;
    } else if ((sub === 'create' || sub === 'setid') && o === 'entriesread' && i + 1 < argv.length) {
      entriesRead = exactLongLong(argv[i + 1]!);
      if (entriesRead < 0 && entriesRead !== INVALID_ENTRIES_READ) throw new CommandError(errors.xgroupEntriesRead);
      i += 2;
    } else {
      throw subcommandSyntaxError(argv);
    }
  }
  const s = writeStream(ctx, argv[2]!);
  let g: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === undefined) {
      throw new CommandError(
        errors.xgroupNeedsKey,
      );
    }
    g = s.group(argv[3]!);
    if (g === undefined && sub !== 'create' && sub !== 'destroy') {
      throw new CommandError(errors.noGroupForKey(errArg(argv[3]!), errArg(argv[2]!)));
    }
  } else {
    g = s?.group(argv[3]!);
  }
  return { s, g, mkstream, entriesRead };
}

const xgroupCreate = defineCommand({
  name: 'create',
  arity: -5,
  flags: ['write', 'denyoom'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'INSERT'),
  docs: {
    summary: 'Creates a consumer group on a stream, optionally creating the stream.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [
      keyArg,
      groupArg,
      { name: 'id-selector', type: 'string' },
      { name: 'mkstream', type: 'pure-token', token: 'MKSTREAM', optional: true },
      { name: 'entries-read', type: 'integer', token: 'ENTRIESREAD', optional: true },
    ],
  },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (argv.length > 8) throw subcommandSyntaxError(argv);
    const key = argv[2]!;
    let id: StreamId;
    if (cstr(argv[4]!) === '$') id = t.s !== undefined ? t.s.lastId : MIN_ID;
    else id = idArg(argv[4]!, 0, true);
    let s = t.s;
    if (s === undefined) {
      s = new StreamData();
      ctx.db.set(key, { type: 'stream', value: s });
    }
    if (s.groups === null) s.groups = new BigMap();
    if (s.groups.has(argv[3]!)) return reply.error(errors.busyGroup);
    s.groups.set(argv[3]!, new ConsumerGroup(id, t.entriesRead));
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-create', key);
    return reply.ok;
  },
});

const xgroupSetid = defineCommand({
  name: 'setid',
  arity: -5,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'UPDATE'),
  docs: {
    summary: "Sets a consumer group's last delivered ID (and read counter).",
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [keyArg, groupArg, { name: 'id-selector', type: 'string' }, { name: 'entriesread', type: 'integer', token: 'ENTRIESREAD', optional: true }],
  },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntaxError(argv);
    const id = cstr(argv[4]!) === '$' ? t.s!.lastId : idArg(argv[4]!, 0, false);
    t.g!.lastId = id;
    t.g!.entriesRead = t.entriesRead;
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-setid', argv[2]!);
    return reply.ok;
  },
});

const xgroupDestroy = defineCommand({
  name: 'destroy',
  arity: 4,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'DELETE'),
  docs: { summary: 'Deletes a consumer group with its consumers and pending entries.', since: '5.0.0', group: 'stream', complexity: 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).', arguments: [keyArg, groupArg] },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (t.g === undefined) return reply.zero;
    t.s!.groups!.delete(argv[3]!);
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-destroy', argv[2]!);
    // not a change WATCH sees (Redis does not signal the key as modified), but XREADGROUP
    // clients blocked on the group must be re-run to learn it is gone (-NOGROUP)
    ctx.services.keyspace.blocking.signal(ctx.client.dbIndex, argv[2]!);
    return reply.one;
  },
});

const xgroupCreateConsumer = defineCommand({
  name: 'createconsumer',
  arity: 5,
  flags: ['write', 'denyoom'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'INSERT'),
  docs: { summary: 'Adds a consumer to a consumer group.', since: '6.2.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg, groupArg, consumerArg] },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    if (t.g!.consumers.has(argv[4]!)) return reply.zero;
    createConsumer(ctx, t.g!, argv[4]!, argv[2]!, null);
    return reply.one;
  },
});

const xgroupDelConsumer = defineCommand({
  name: 'delconsumer',
  arity: 5,
  flags: ['write'],
  categories: ['stream'],
  keySpecs: subKey('RW', 'DELETE'),
  docs: { summary: 'Removes a consumer from a consumer group, dropping its pending entries.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg, groupArg, consumerArg] },
  run(ctx, argv) {
    const t = xgroupTarget(ctx, argv);
    const c = t.g!.consumers.get(argv[4]!);
    if (c === undefined) return reply.zero;
    const pending = t.g!.deleteConsumer(c);
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xgroup-delconsumer', argv[2]!);
    return reply.int(pending);
  },
});

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

const xgroupHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['stream'],
  docs: { summary: 'Lists the XGROUP subcommands.', since: '5.0.0', group: 'stream', complexity: 'O(1)' },
  run: (_ctx, argv) => helpReply(argv[0]!, XGROUP_HELP),
});

export const xgroup = defineCommand({
  name: 'xgroup',
  arity: -2,
  flags: [],
  docs: { summary: 'Manages consumer groups of streams.', since: '5.0.0', group: 'stream', complexity: 'Depends on subcommand.' },
  subcommands: [xgroupCreate, xgroupSetid, xgroupDestroy, xgroupCreateConsumer, xgroupDelConsumer, xgroupHelp],
});

// ---- XACK / XPENDING / XCLAIM / XAUTOCLAIM ----

export const xack = defineCommand({
  name: 'xack',
  arity: -4,
  flags: ['write', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: {
    summary: 'Acknowledges entries of a consumer group, removing them from its pending list.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1) for each message ID processed.',
    arguments: [keyArg, groupArg, idsArg],
  },
  run(ctx, argv) {
    const s = readStream(ctx, argv[1]!);
    const g = s?.group(argv[2]!);
    if (g === undefined) return reply.zero;
    const ids: StreamId[] = [];
    for (let j = 3; j < argv.length; j++) ids.push(idArg(argv[j]!, 0, true));
    let acked = 0;
    for (const id of ids) {
      const n = g.pel.remove(id);
      if (n !== undefined) {
        n.consumer.pel.remove(id);
        acked++;
      }
    }
    dirty(ctx, acked);
    return reply.int(acked);
  },
});

export const xpending = defineCommand({
  name: 'xpending',
  arity: -3,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: "Returns a summary of a consumer group's pending entries, or the entries themselves in a range.",
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.',
    arguments: [
      keyArg,
      groupArg,
      {
        name: 'filters',
        type: 'block',
        optional: true,
        arguments: [
          { name: 'min-idle-time', type: 'integer', token: 'IDLE', optional: true },
          { name: 'start', type: 'string' },
          { name: 'end', type: 'string' },
          { name: 'count', type: 'integer' },
          { name: 'consumer', type: 'string', optional: true },
        ],
      },
    ],
  },
  run(ctx, argv) {
    const argc = argv.length;
    if (argc !== 3 && (argc < 6 || argc > 9)) return reply.error(errors.syntax);
    let minIdle = 0;
    let count = 0;
    let start = MIN_ID;
    let end = MAX_ID;
    let consumerName: string | null = null;
    if (argc >= 6) {
      let startIdx = 3;
      if (optionWord(argv[3]!) === 'idle') {
        minIdle = readLongLong(argv[4]!);
        if (argc < 8) return reply.error(errors.syntax);
        startIdx += 2;
      }
      count = readLongLong(argv[startIdx + 2]!);
      if (count < 0) count = 0;
      start = intervalArg(argv[startIdx]!, true);
      end = intervalArg(argv[startIdx + 1]!, false);
      if (startIdx + 3 < argc) consumerName = argv[startIdx + 3]!;
    }
    const s = readStream(ctx, argv[1]!);
    const g = s?.group(argv[2]!);
    if (g === undefined) throw noGroupError(argv[1]!, argv[2]!);
    if (argc === 3) {
      if (g.pel.size === 0) return reply.array([reply.zero, reply.nil, reply.nil, reply.nilArray]);
      const owners: Reply[] = [];
      for (const c of g.sortedConsumers()) {
        if (c.pel.size > 0) owners.push(reply.array([reply.bulk(c.name), reply.bulk(String(c.pel.size))]));
      }
      return reply.array([reply.int(g.pel.size), idReply(g.pel.first()!.id), idReply(g.pel.last()!.id), reply.array(owners)]);
    }
    let pel = g.pel;
    if (consumerName !== null) {
      const c = g.consumers.get(consumerName);
      if (c === undefined) return reply.emptyArray;
      pel = c.pel;
    }
    const now = ctx.now;
    const out: Reply[] = [];
    for (let i = pel.lowerBound(start); count > 0 && i < pel.size && compareIds(pel.at(i).id, end) <= 0; i++) {
      const n = pel.at(i);
      if (minIdle !== 0 && now - n.deliveryTime < minIdle) continue;
      count--;
      const idle = now - n.deliveryTime;
      out.push(reply.array([idReply(n.id), reply.bulk(n.consumer.name), reply.int(idle < 0 ? 0 : idle), reply.int(n.deliveryCount)]));
    }
    return reply.array(out);
  },
});

export const xclaim = defineCommand({
  name: 'xclaim',
  arity: -6,
  flags: ['write', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'UPDATE'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Transfers pending entries of a consumer group to another consumer.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(log N) with N being the number of messages in the PEL of the consumer group.',
    arguments: [
      keyArg,
      groupArg,
      consumerArg,
      { name: 'min-idle-time', type: 'string' },
      idsArg,
      { name: 'ms', type: 'integer', token: 'IDLE', optional: true },
      { name: 'unix-time-milliseconds', type: 'unix-time', token: 'TIME', optional: true },
      { name: 'count', type: 'integer', token: 'RETRYCOUNT', optional: true },
      { name: 'force', type: 'pure-token', token: 'FORCE', optional: true },
      { name: 'justid', type: 'pure-token', token: 'JUSTID', optional: true },
      { name: 'lastid', type: 'string', token: 'LASTID', optional: true },
    ],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const s = readStream(ctx, key);
    const g = s?.group(argv[2]!);
    if (s === undefined || g === undefined) throw noGroupError(key, argv[2]!);
    let minIdle = readLongLong(argv[4]!, errors.xclaimMinIdle);
    if (minIdle < 0) minIdle = 0;
    const ids: StreamId[] = [];
    let j = 5;
    for (; j < argv.length; j++) {
      const p = parseStreamId(argv[j]!, 0, true);
      if (p === null) break;
      ids.push(p.id);
    }
    const now = ctx.now;
    let deliveryTime = -1;
    let retryCount = -1;
    let force = false;
    let justId = false;
    let lastId = MIN_ID;
    for (; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const o = optionWord(argv[j]!);
      if (o === 'force') force = true;
      else if (o === 'justid') justId = true;
      else if (o === 'idle' && more > 0) {
        j++;
        deliveryTime = now - readLongLong(argv[j]!, errors.xclaimIdle);
      } else if (o === 'time' && more > 0) {
        j++;
        deliveryTime = readLongLong(argv[j]!, errors.xclaimTime);
      } else if (o === 'retrycount' && more > 0) {
        j++;
        retryCount = readLongLong(argv[j]!, errors.xclaimRetryCount);
      } else if (o === 'lastid' && more > 0) {
        j++;
        lastId = idArg(argv[j]!, 0, true);
      } else {
        return reply.error(errors.xclaimUnknownOption(errArg(argv[j]!)));
      }
    }
    const prop = ctx.propagation;
    // XCLAIM goes out as one canonical XCLAIM per entry it changed, then the last ID
    if (prop.active) prop.prevent();
    let lastIdMoved = false;
    if (compareIds(lastId, g.lastId) > 0) {
      g.lastId = lastId;
      lastIdMoved = true;
      dirty(ctx);
    }
    if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
    const consumer = g.consumers.get(argv[3]!) ?? createConsumer(ctx, g, argv[3]!, key, argv[2]!);
    consumer.seenTime = now;
    const out: Reply[] = [];
    for (const id of ids) {
      let nack = g.pel.get(id);
      const e = s.get(id);
      if (e === undefined) {
        if (nack !== undefined) {
          g.pel.remove(id);
          nack.consumer.pel.remove(id);
          dirty(ctx);
          if (prop.active) propagateClaim(ctx, key, argv[2]!, g, nack);
        }
        continue;
      }
      let fresh = false;
      if (force && nack === undefined) {
        nack = { id, consumer, deliveryTime: now, deliveryCount: 1 };
        g.pel.insert(nack);
        fresh = true;
      }
      if (nack === undefined) continue;
      if (!fresh && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
      if (!fresh && nack.consumer !== consumer) nack.consumer.pel.remove(id);
      nack.deliveryTime = deliveryTime;
      if (retryCount >= 0) nack.deliveryCount = retryCount;
      else if (!justId) nack.deliveryCount++;
      if (fresh || nack.consumer !== consumer) {
        consumer.pel.insert(nack);
        nack.consumer = consumer;
      }
      out.push(justId ? idReply(id) : entryReply(e));
      consumer.activeTime = now;
      dirty(ctx);
      if (prop.active) propagateClaim(ctx, key, argv[2]!, g, nack);
    }
    if (lastIdMoved && prop.active) propagateGroupId(ctx, key, argv[2]!, g);
    return reply.array(out);
  },
});

export const xautoclaim = defineCommand({
  name: 'xautoclaim',
  arity: -6,
  flags: ['write', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'DELETE'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Transfers to a consumer the pending entries of its group idle for long enough, scanning from an ID.',
    since: '6.2.0',
    group: 'stream',
    complexity: 'O(1) if COUNT is small.',
    arguments: [
      keyArg,
      groupArg,
      consumerArg,
      { name: 'min-idle-time', type: 'string' },
      { name: 'start', type: 'string' },
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
      { name: 'justid', type: 'pure-token', token: 'JUSTID', optional: true },
    ],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    let minIdle = readLongLong(argv[4]!, errors.xautoclaimMinIdle);
    if (minIdle < 0) minIdle = 0;
    const start = intervalArg(argv[5]!, true);
    let count = 100;
    let justId = false;
    for (let j = 6; j < argv.length; j++) {
      const o = optionWord(argv[j]!);
      if (o === 'count' && j + 1 < argv.length) {
        const v = parseInteger(argv[j + 1]!);
        if (v === null || v < 1 || v > 576460752303423487n) return reply.error(errors.geoCountPositive);
        count = Number(v);
        j++;
      } else if (o === 'justid') {
        justId = true;
      } else {
        return reply.error(errors.syntax);
      }
    }
    const s = readStream(ctx, key);
    const g = s?.group(argv[2]!);
    if (s === undefined || g === undefined) throw noGroupError(key, argv[2]!);
    const prop = ctx.propagation;
    // like XCLAIM: one canonical XCLAIM per entry claimed or dropped from the PEL
    if (prop.active) prop.prevent();
    const consumer = g.consumers.get(argv[3]!) ?? createConsumer(ctx, g, argv[3]!, key, argv[2]!);
    const now = ctx.now;
    consumer.seenTime = now;
    let attempts = count * 10;
    const claimed: Reply[] = [];
    const deleted: Reply[] = [];
    const pel = g.pel;
    let i = pel.lowerBound(start);
    while (attempts-- > 0 && count > 0 && i < pel.size) {
      const nack = pel.at(i);
      const e = s.get(nack.id);
      if (e === undefined) {
        pel.removeAt(i);
        nack.consumer.pel.remove(nack.id);
        deleted.push(idReply(nack.id));
        dirty(ctx);
        if (prop.active) propagateClaim(ctx, key, argv[2]!, g, nack);
        count--;
        continue;
      }
      i++;
      if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
      if (nack.consumer !== consumer) {
        nack.consumer.pel.remove(nack.id);
        consumer.pel.insert(nack);
        nack.consumer = consumer;
      }
      nack.deliveryTime = now;
      if (!justId) nack.deliveryCount++;
      claimed.push(justId ? idReply(nack.id) : entryReply(e));
      count--;
      consumer.activeTime = now;
      dirty(ctx);
      if (prop.active) propagateClaim(ctx, key, argv[2]!, g, nack);
    }
    return reply.array([idReply(i < pel.size ? pel.at(i).id : MIN_ID), reply.array(claimed), reply.array(deleted)]);
  },
});

// ---- XINFO ----

function groupLagReply(s: StreamData, g: ConsumerGroup): Reply {
  const lag = s.lag(g);
  return lag === null ? reply.nil : reply.int(counterReply(lag));
}

function entriesReadReply(g: ConsumerGroup): Reply {
  return g.entriesRead === INVALID_ENTRIES_READ ? reply.nil : reply.int(counterReply(g.entriesRead));
}

function streamInfo(s: StreamData, argv: string[]): Reply {
  const opts = argv.length - 3;
  let full = false;
  let count = 10;
  if (opts !== 0) {
    if (opts !== 1 && opts !== 3) throw subcommandSyntaxError(argv);
    if (optionWord(argv[3]!) !== 'full') throw subcommandSyntaxError(argv);
    if (opts === 3) {
      if (optionWord(argv[4]!) !== 'count') throw subcommandSyntaxError(argv);
      count = readLongLong(argv[5]!);
      if (count < 0) count = 10;
    }
    full = true;
  }
  const head: Reply[] = [
    reply.bulk('length'),
    reply.int(s.length),
    reply.bulk('radix-tree-keys'),
    reply.int(s.nodes.length),
    reply.bulk('radix-tree-nodes'),
    reply.int(s.radixTreeNodes()),
    reply.bulk('last-generated-id'),
    idReply(s.lastId),
    reply.bulk('max-deleted-entry-id'),
    idReply(s.maxDeletedId),
    reply.bulk('entries-added'),
    reply.int(counterReply(s.entriesAdded)),
    reply.bulk('recorded-first-entry-id'),
    idReply(s.firstId),
  ];
  if (!full) {
    let first: Reply = reply.nil;
    let last: Reply = reply.nil;
    s.scan(MIN_ID, MAX_ID, false, (e) => ((first = entryReply(e)), false));
    s.scan(MIN_ID, MAX_ID, true, (e) => ((last = entryReply(e)), false));
    head.push(reply.bulk('groups'), reply.int(s.groups?.size ?? 0), reply.bulk('first-entry'), first, reply.bulk('last-entry'), last);
    return reply.map(head);
  }
  const entries: Reply[] = [];
  s.scan(MIN_ID, MAX_ID, false, (e) => {
    entries.push(entryReply(e));
    return count === 0 || entries.length < count;
  });
  const groups: Reply[] = [];
  for (const [name, g] of s.sortedGroups()) {
    const pel: Reply[] = [];
    for (const n of g.pel) {
      if (count !== 0 && pel.length >= count) break;
      pel.push(reply.array([idReply(n.id), reply.bulk(n.consumer.name), reply.int(n.deliveryTime), reply.int(n.deliveryCount)]));
    }
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const cpel: Reply[] = [];
      for (const n of c.pel) {
        if (count !== 0 && cpel.length >= count) break;
        cpel.push(reply.array([idReply(n.id), reply.int(n.deliveryTime), reply.int(n.deliveryCount)]));
      }
      consumers.push(
        reply.map([
          reply.bulk('name'),
          reply.bulk(c.name),
          reply.bulk('seen-time'),
          reply.int(c.seenTime),
          reply.bulk('active-time'),
          reply.int(c.activeTime),
          reply.bulk('pel-count'),
          reply.int(c.pel.size),
          reply.bulk('pending'),
          reply.array(cpel),
        ]),
      );
    }
    groups.push(
      reply.map([
        reply.bulk('name'),
        reply.bulk(name),
        reply.bulk('last-delivered-id'),
        idReply(g.lastId),
        reply.bulk('entries-read'),
        entriesReadReply(g),
        reply.bulk('lag'),
        groupLagReply(s, g),
        reply.bulk('pel-count'),
        reply.int(g.pel.size),
        reply.bulk('pending'),
        reply.array(pel),
        reply.bulk('consumers'),
        reply.array(consumers),
      ]),
    );
  }
  head.push(reply.bulk('entries'), reply.array(entries), reply.bulk('groups'), reply.array(groups));
  return reply.map(head);
}

/** XINFO <sub> <key>: the stream, looked up before anything else ("no such key" otherwise). */
function infoStream(ctx: CommandContext, key: string): StreamData {
  const s = readStream(ctx, key);
  if (s === undefined) throw new CommandError(errors.noSuchKey);
  return s;
}

const xinfoStream = defineCommand({
  name: 'stream',
  arity: -3,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: subKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns information about a stream, or (FULL) its entries, groups and consumers.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [keyArg, { name: 'full-block', type: 'block', token: 'FULL', optional: true, arguments: [{ name: 'count', type: 'integer', token: 'COUNT', optional: true }] }],
  },
  run: (ctx, argv) => streamInfo(infoStream(ctx, argv[2]!), argv),
});

const xinfoGroups = defineCommand({
  name: 'groups',
  arity: 3,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: subKey('RO', 'ACCESS'),
  docs: { summary: 'Lists the consumer groups of a stream.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg] },
  run(ctx, argv) {
    const s = infoStream(ctx, argv[2]!);
    const out: Reply[] = [];
    for (const [name, g] of s.sortedGroups()) {
      out.push(
        reply.map([
          reply.bulk('name'),
          reply.bulk(name),
          reply.bulk('consumers'),
          reply.int(g.consumers.size),
          reply.bulk('pending'),
          reply.int(g.pel.size),
          reply.bulk('last-delivered-id'),
          idReply(g.lastId),
          reply.bulk('entries-read'),
          entriesReadReply(g),
          reply.bulk('lag'),
          groupLagReply(s, g),
        ]),
      );
    }
    return reply.array(out);
  },
});

const xinfoConsumers = defineCommand({
  name: 'consumers',
  arity: 4,
  flags: ['readonly'],
  categories: ['stream'],
  keySpecs: subKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: { summary: 'Lists the consumers of a consumer group.', since: '5.0.0', group: 'stream', complexity: 'O(1)', arguments: [keyArg, groupArg] },
  run(ctx, argv) {
    const s = infoStream(ctx, argv[2]!);
    const g = s.group(argv[3]!);
    if (g === undefined) {
      return reply.error(errors.noGroupForKey(errArg(argv[3]!), errArg(argv[2]!)));
    }
    const now = ctx.now;
    const out: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const idle = now - c.seenTime;
      out.push(
        reply.map([
          reply.bulk('name'),
          reply.bulk(c.name),
          reply.bulk('pending'),
          reply.int(c.pel.size),
          reply.bulk('idle'),
          reply.int(idle < 0 ? 0 : idle),
          reply.bulk('inactive'),
          reply.int(c.activeTime !== -1 ? now - c.activeTime : -1),
        ]),
      );
    }
    return reply.array(out);
  },
});

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

const xinfoHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['stream'],
  docs: { summary: 'Lists the XINFO subcommands.', since: '5.0.0', group: 'stream', complexity: 'O(1)' },
  run: (_ctx, argv) => helpReply(argv[0]!, XINFO_HELP),
});

export const xinfo = defineCommand({
  name: 'xinfo',
  arity: -2,
  flags: [],
  docs: { summary: 'Introspection of streams, their consumer groups and consumers.', since: '5.0.0', group: 'stream', complexity: 'Depends on subcommand.' },
  subcommands: [xinfoConsumers, xinfoGroups, xinfoStream, xinfoHelp],
});

// ---- XSETID ----

export const xsetid = defineCommand({
  name: 'xsetid',
  arity: -3,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: {
    summary: "Sets a stream's last generated ID, and optionally its entries-added counter and max deleted ID.",
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [
      keyArg,
      { name: 'last-id', type: 'string' },
      { name: 'entries-added', type: 'integer', token: 'ENTRIESADDED', optional: true },
      { name: 'max-deleted-id', type: 'string', token: 'MAXDELETEDID', optional: true },
    ],
  },
  run(ctx, argv) {
    const id = idArg(argv[2]!, 0, true);
    let entriesAdded: Counter = -1;
    let maxDeleted = MIN_ID;
    for (let i = 3; i < argv.length; i += 2) {
      const more = argv.length - 1 - i;
      const o = optionWord(argv[i]!);
      if (o === 'entriesadded' && more > 0) {
        entriesAdded = exactLongLong(argv[i + 1]!);
        if (entriesAdded < 0) return reply.error(errors.xsetidEntriesAdded);
      } else if (o === 'maxdeletedid' && more > 0) {
        maxDeleted = idArg(argv[i + 1]!, 0, true);
        if (compareIds(id, maxDeleted) < 0) return reply.error(errors.xsetidBelowGivenDeleted);
      } else {
        return reply.error(errors.syntax);
      }
    }
    const e = ctx.db.lookupWrite(argv[1]!);
    if (e === undefined) return reply.error(errors.noSuchKey);
    if (e.v.type !== 'stream') return reply.error(errors.wrongType);
    const s = e.v.value;
    if (compareIds(id, s.maxDeletedId) < 0) return reply.error(errors.xsetidBelowDeleted);
    if (s.length > 0) {
      const maxId = s.edgeId(false)!;
      if (compareIds(id, maxId) < 0) return reply.error(errors.xsetidBelowTop);
      if (entriesAdded !== -1 && s.length > entriesAdded) {
        return reply.error(errors.xsetidEntriesAddedSmall);
      }
    }
    s.lastId = id;
    if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
    if (!isZeroId(maxDeleted)) s.maxDeletedId = maxDeleted;
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xsetid', argv[1]!);
    return reply.ok;
  },
});

export const streamCommands: CommandDefinition[] = [
  xadd,
  xrange,
  xrevrange,
  xlen,
  xdel,
  xtrim,
  xread,
  xreadgroup,
  xgroup,
  xack,
  xpending,
  xclaim,
  xautoclaim,
  xinfo,
  xsetid,
];
