/**
 * XADD and XTRIM (t_stream.c streamParseAddOrTrimArgsOrReply and its callers): trimming
 * arguments, the ID XADD assigns, and an approximate trim propagated as the exact one.
 */
import { defineCommand, keys } from '../../command-context/command-spec.js';
import { reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { readLongLong } from '../../command-model/argument-reader.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { compareIds, formatId, incrId, isZeroId, MAX_ID, MIN_ID, parseStreamId, u64Incr, U64_MAX, type StreamId } from '../../types/stream-id.js';
import { StreamData, type TrimArgs } from '../../types/stream.js';
import type { CommandContext } from '../../command-context/context.js';
import { writeStream, cstr, idArg, idReply, nodeLimits, keyArg, oneKey } from './common.js';

const LISTPACK_MAX_SIZE = 1 << 30;

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
