/**
 * DUMP and RESTORE (cluster.c): a value serialized in RDB form with a version and CRC-64
 * footer (src/persistence/rdb/dump-payload.ts), and its reconstruction under a key, with
 * Redis 7.2's option parsing order, checks and error texts.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { LLONG_MAX } from '../protocol/number-format.js';
import { exactLongLong } from '../command-model/argument-reader.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { LFU_INIT } from '../keyspace/database.js';
import type { Entry } from '../keyspace/value-types.js';
import { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from '../persistence/rdb/dump-payload.js';
import { loadLimitsFromConfig } from '../persistence/rdb/load-limits.js';
import { RdbFormatError } from '../persistence/rdb/rdb-error.js';


export const dump = defineCommand({
  name: 'dump',
  arity: 2,
  flags: ['readonly'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  tips: ['nondeterministic_output'],
  docs: { summary: "Returns the value of a key serialized in Redis's RDB form.", since: '2.6.0', group: 'generic', complexity: 'O(1) to find the key and O(N*M) to serialize it (N objects of average size M)' },
  run(ctx, argv) {
    const e = ctx.db.lookupRead(argv[1]!);
    if (e === undefined) return reply.nil;
    const payload = createDumpPayload(e.v, ctx.config.get('rdbcompression') === 'yes');
    return reply.bulk(payload.toString('latin1'));
  },
});

export const restore = defineCommand({
  name: 'restore',
  arity: -4,
  flags: ['write', 'denyoom'],
  categories: ['keyspace', 'dangerous'],
  keySpecs: [keys.one(1, 'OW', 'UPDATE')],
  docs: { summary: 'Creates a key from a value serialized by DUMP.', since: '2.6.0', group: 'generic', complexity: 'O(1) to create the key and O(N*M) to rebuild the value (N objects of average size M); O(N*M*log(N)) for sorted sets' },
  run(ctx, argv) {
    let replace = false;
    let absttl = false;
    let idle = -1;
    let freq = -1;
    for (let j = 4; j < argv.length; j++) {
      const opt = argv[j]!.toLowerCase();
      const more = argv.length - j - 1;
      if (opt === 'replace') replace = true;
      else if (opt === 'absttl') absttl = true;
      else if (opt === 'idletime' && more >= 1 && freq === -1) {
        const v = exactLongLong(argv[++j]!);
        if (v < 0) return reply.error(errors.restoreIdletime);
        // beyond any clock: the key is simply as idle as can be
        idle = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
      } else if (opt === 'freq' && more >= 1 && idle === -1) {
        const v = exactLongLong(argv[++j]!);
        if (v < 0 || v > 255) return reply.error(errors.restoreFreq);
        freq = Number(v);
      } else return reply.error(errors.syntax);
    }
    const key = argv[1]!;
    const db = ctx.db;
    if (!replace && db.lookupWrite(key) !== undefined) return reply.error(errors.busyKey);
    const ttlArg = exactLongLong(argv[2]!);
    if (ttlArg < 0) return reply.error(errors.restoreTtl);
    const payload = Buffer.from(argv[3]!, 'latin1');
    if (!verifyDumpPayload(payload, ctx.services.debug.knobs.skipChecksumValidation)) return reply.error(errors.restorePayload);
    let value;
    try {
      value = decodeDumpPayload(payload, loadLimitsFromConfig(ctx.config));
    } catch (e) {
      if (e instanceof RdbFormatError) return reply.error(errors.badDataFormat);
      throw e;
    }
    if (value === null) return reply.error(errors.badDataFormat);
    const deleted = replace ? db.delete(key) : false;
    let ttl: number | bigint = ttlArg;
    if (ttl !== 0 && !absttl) {
      // a long long sum in Redis: past LLONG_MAX it wraps (and reads as already expired)
      const sum = BigInt(ttl) + BigInt(ctx.now);
      ttl = sum > LLONG_MAX ? BigInt.asIntN(64, sum) : sum;
    }
    const at = typeof ttl === 'bigint' && ttl >= -9007199254740991n && ttl <= 9007199254740991n ? Number(ttl) : ttl;
    // (never while loading: the file's times may have passed since it was written)
    if (at !== 0 && db.isPast(at)) {
      if (deleted) {
        ctx.notify(NotifyKind.generic, 'del', key);
        // as Redis 7.2: what happened was a deletion
        if (ctx.propagation.active) ctx.propagation.replace([ctx.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
      }
      return reply.ok;
    }
    const now = ctx.now;
    const meta: Entry = { v: value, lru: now, lfu: LFU_INIT, mem: 0 };
    if (ctx.services.keyspace.lfuEnabled()) {
      if (freq >= 0) meta.lfu = freq;
    } else if (idle >= 0) {
      meta.lru = now - idle * 1000;
    }
    db.add(key, value, at !== 0 ? at : undefined, meta);
    ctx.notify(NotifyKind.generic, 'restore', key);
    // as Redis 7.2: a relative TTL goes out as the absolute time it gave, with ABSTTL
    if (at !== 0 && !absttl && ctx.propagation.active) {
      const out = argv.slice();
      out[2] = String(at);
      out.push('ABSTTL');
      ctx.propagation.replace(out);
    }
    return reply.ok;
  },
});

export const dumpRestoreCommands: CommandDefinition[] = [dump, restore];
