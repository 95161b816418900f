/**
 * PFADD / PFCOUNT / PFMERGE (hyperloglog.c). An HLL is a plain string value in Redis's
 * format (see types/hyperloglog.ts); these commands read it, edit a copy of its bytes and
 * write the result back into the same value, so a key keeps its TTL and GET shows Redis's
 * bytes. Redis keeps a modified string "raw", and so do these commands.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { Hll, HLL_REGISTERS, countRegisters, isHllString } from '../types/hyperloglog.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import type { Entry, StringValue } from '../keyspace/value-types.js';
import type { CommandContext } from '../command-context/context.js';

/** The HLL string in an entry: WRONGTYPE for other types, Redis's HLL error for other strings. */
function hllValue(e: Entry): StringValue {
  if (e.v.type !== 'string') throw new CommandError(errors.wrongType);
  if (!isHllString(e.v.value)) throw new CommandError(errors.hllWrongType);
  return e.v;
}

/**
 * Decoded bytes of the most recently used HLL values, reused while a value still holds the
 * string they were decoded from (a dense HLL is 12 KiB: decoding it on every PFADD would
 * dominate). Every edit of a decoded Hll is written back at once, which refreshes its entry,
 * so a cached Hll never differs from its string. Bounded, so HLL keys are not held twice
 * in memory.
 */
const DECODED_MAX = 64;
const decoded = new Map<StringValue, { s: string; h: Hll }>();

function remember(v: StringValue, h: Hll): void {
  decoded.delete(v);
  decoded.set(v, { s: v.value, h });
  if (decoded.size > DECODED_MAX) decoded.delete(decoded.keys().next().value!);
}

function decode(v: StringValue): Hll {
  const c = decoded.get(v);
  if (c !== undefined && c.s === v.value) return c.h;
  const h = Hll.fromString(v.value);
  remember(v, h);
  return h;
}

/** Writes edited bytes back into the value in place (TTL and access data stay). */
function writeBack(ctx: CommandContext, key: string, v: StringValue, h: Hll): void {
  v.value = h.toString();
  v.raw = true;
  remember(v, h);
  ctx.keyModified(ctx.db, key);
}

/**
 * Stores an edited HyperLogLog (PFADD, PFMERGE): a new key is set, an existing value is
 * written back in place; the event is "pfadd" for both, as Redis sends it.
 */
function storeEdited(ctx: CommandContext, key: string, isNew: boolean, v: StringValue, h: Hll): void {
  h.invalidateCache();
  if (isNew) {
    v.value = h.toString();
    remember(v, h);
    ctx.db.set(key, v);
  } else {
    writeBack(ctx, key, v, h);
  }
  ctx.notify(NotifyKind.string, 'pfadd', key);
}

function sparseMaxBytes(ctx: CommandContext): number {
  return ctx.config.int('hll-sparse-max-bytes');
}

const keyArg = { name: 'key', type: 'key' } as const;

export const pfadd = defineCommand({
  name: 'pfadd',
  arity: -2,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['hyperloglog'],
  keySpecs: [keys.one(1, 'RW', 'INSERT')],
  docs: {
    summary: 'Adds elements to a HyperLogLog, creating the key when needed.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'O(1) to add every element.',
    arguments: [keyArg, { name: 'element', type: 'string', optional: true, multiple: true }],
  },
  run(ctx, argv) {
    const key = argv[1]!;
    const e = ctx.db.lookupWrite(key);
    let v: StringValue;
    let h: Hll;
    let updated = 0;
    if (e === undefined) {
      h = Hll.create();
      v = { type: 'string', value: '', raw: true };
      updated++;
    } else {
      v = hllValue(e);
      v.raw = true;
      h = decode(v);
    }
    const maxBytes = sparseMaxBytes(ctx);
    for (let i = 2; i < argv.length; i++) {
      const r = h.add(argv[i]!, maxBytes);
      if (r === 1) updated++;
      else if (r === -1) {
        // Redis edits the string in place: what changed before the corruption stays.
        if (updated > 0) writeBack(ctx, key, v, h);
        return reply.error(errors.hllInvalid);
      }
    }
    if (updated === 0) return reply.zero;
    storeEdited(ctx, key, e === undefined, v, h);
    return reply.one;
  },
});

export const pfcount = defineCommand({
  name: 'pfcount',
  arity: -2,
  // may_replicate (hidden in COMMAND INFO): PFCOUNT may rewrite its cache; refused in read-only scripts
  flags: ['readonly', 'may_replicate'],
  categories: ['hyperloglog'],
  keySpecs: [
    {
      ...keys.rest(1, 1, 'RW', 'ACCESS'),
      notes: 'RW because it may change the internal representation of the key, and propagate to replicas',
    },
  ],
  docs: {
    summary: 'Returns the estimated number of distinct elements added to one HyperLogLog, or to the union of several.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
    arguments: [{ name: 'key', type: 'key', multiple: true }],
  },
  run(ctx, argv) {
    if (argv.length > 2) {
      // the union: registers merged into plain bytes, nothing written back
      const max = new Uint8Array(HLL_REGISTERS);
      for (let i = 1; i < argv.length; i++) {
        const e = ctx.db.lookupRead(argv[i]!);
        if (e === undefined) continue;
        if (!decode(hllValue(e)).mergeInto(max)) return reply.error(errors.hllInvalid);
      }
      return cardinalityReply(countRegisters(max));
    }
    const key = argv[1]!;
    const e = ctx.db.lookupRead(key);
    if (e === undefined) return reply.zero;
    const v = hllValue(e);
    v.raw = true;
    const h = decode(v);
    if (h.cacheValid()) return reply.int(h.cachedCard());
    const card = h.count();
    if (card === null) return reply.error(errors.hllInvalid);
    // the cached estimate is part of the value: PFCOUNT writes it (and so modifies the key)
    h.setCachedCard(card);
    writeBack(ctx, key, v, h);
    return cardinalityReply(card);
  },
});

/**
 * The estimate as PFCOUNT's integer reply. Redis converts it with `(uint64_t)llroundl()` and
 * replies with it as a signed long long: an estimate beyond 2^63 (Infinity, when every
 * register is at its maximum) comes out as -9223372036854775808 on x86-64, never as a
 * non-integer that would break the protocol.
 */
function cardinalityReply(card: number): Reply {
  return card < 2 ** 63 ? reply.int(card) : reply.int(-(2n ** 63n));
}

export const pfmerge = defineCommand({
  name: 'pfmerge',
  arity: -2,
  flags: ['write', 'denyoom'],
  categories: ['hyperloglog'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'INSERT'), keys.rest(2, 1, 'RO', 'ACCESS')],
  docs: {
    summary: 'Merges HyperLogLogs into a destination HyperLogLog (which takes part in the union).',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
    arguments: [
      { name: 'destkey', type: 'key' },
      { name: 'sourcekey', type: 'key', optional: true, multiple: true },
    ],
  },
  run(ctx, argv) {
    const max = new Uint8Array(HLL_REGISTERS);
    let useDense = false;
    // the destination is part of the union (it is argv[1])
    for (let i = 1; i < argv.length; i++) {
      const e = ctx.db.lookupRead(argv[i]!);
      if (e === undefined) continue;
      const h = decode(hllValue(e));
      if (h.dense) useDense = true;
      if (!h.mergeInto(max)) return reply.error(errors.hllInvalid);
    }
    const key = argv[1]!;
    const e = ctx.db.lookupWrite(key);
    let v: StringValue;
    let h: Hll;
    if (e === undefined) {
      h = Hll.create();
      v = { type: 'string', value: '', raw: true };
    } else {
      v = e.v as StringValue;
      h = decode(v);
    }
    if (useDense && !h.toDense()) return reply.error(errors.hllInvalid);
    const maxBytes = sparseMaxBytes(ctx);
    // register by register, so a sparse destination is edited (and maybe promoted) as Redis does
    for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) h.set(j, max[j]!, maxBytes);
    storeEdited(ctx, key, e === undefined, v, h);
    return reply.ok;
  },
});

export const hyperloglogCommands: CommandDefinition[] = [pfadd, pfcount, pfmerge];
