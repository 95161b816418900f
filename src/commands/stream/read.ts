/**
 * XREAD and XREADGROUP: parsing (`parseStreamRead`) apart from serving
 * (`serveStreamRead`, null when nothing is there yet), so BLOCK waits on the blocking
 * registry and re-serves with the IDs resolved at the call.
 */
import { defineCommand, keys, type KeySpec } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { readLongLong, readTimeoutMs } from '../../command-model/argument-reader.js';
import { optionWord } from '../keyspace-args.js';
import { compareIds, incrId, MAX_ID, MIN_ID, U64_MAX, type StreamId } from '../../types/stream-id.js';
import { Consumer, ConsumerGroup, counterAdd, INVALID_ENTRIES_READ, StreamData, type Nack } from '../../types/stream.js';
import type { CommandContext } from '../../command-context/context.js';
import { readStream, dirty, cstr, idArg, idReply, entryReply, IN_XREADGROUP, noGroupError, createConsumer, propagateClaim, propagateGroupId, groupArg, consumerArg } from './common.js';

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
      // as Redis (for compatibility): BLOCK is an error in a script, not a non-blocking read
      if (ctx.client.inScript) throw new CommandError(errors.streamBlockFromScript(argv[0]!));
      i++;
      timeout = readTimeoutMs(argv[i]!, ctx.now);
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
