/** The pending entries lists: XACK, XPENDING, XCLAIM and XAUTOCLAIM. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { LLONG_MAX } from '../../protocol/number-format.js';
import { readLongLong, readRangeLong } from '../../command-model/argument-reader.js';
import { optionWord } from '../keyspace-args.js';
import { compareIds, MAX_ID, MIN_ID, parseStreamId, type StreamId } from '../../types/stream-id.js';
import { readStream, dirty, errArg, idArg, intervalArg, idReply, entryReply, noGroupError, createConsumer, propagateClaim, propagateGroupId, keyArg, groupArg, consumerArg, idsArg, oneKey } from './common.js';

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
        // 1..LONG_MAX / 16 (an attempt costs at most 16 bytes of stream ID), as Redis
        count = readRangeLong(argv[j + 1]!, 1n, LLONG_MAX / 16n, errors.geoCountPositive);
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
