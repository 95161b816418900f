/**
 * Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP (and the
 * BITFIELD family, declared in bitfield.ts). Bit 0 is the most significant bit of the
 * first byte. Check order and error texts follow Redis 7.2's bitops.c.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { bitop, findBit, keyword, popcount, popcountBits, type BitOp } from '../types/string-ops.js';
import { MutableString } from '../types/mutable-string.js';
import { bitOffsetArg, commitString, keepStringSilently, writableString } from './string-in-place.js';
import { bitfieldCommands } from './bitfield.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { exactLongLong } from '../command-model/argument-reader.js';

export const setbit = defineCommand({
  name: 'setbit',
  arity: 4,
  flags: ['write', 'denyoom'],
  categories: ['bitmap'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'UPDATE')],
  docs: {
    summary: "Sets or clears the bit at an offset of a string value, creating the key if it doesn't exist.",
    since: '2.2.0',
    group: 'bitmap',
    complexity: 'O(1)',
    arguments: [{ name: 'key', type: 'key' }, { name: 'offset', type: 'integer' }, { name: 'value', type: 'integer' }],
  },
  run(ctx, argv) {
    const offset = bitOffsetArg(ctx, argv[2]!);
    const on = readLongLong(argv[3]!, errors.bitValue);
    if (on !== 0 && on !== 1) return reply.error(errors.bitValue);
    const key = argv[1]!;
    const byteIdx = Math.floor(offset / 8);
    // Redis unshares the value even when the bit is unchanged: it is "raw" from now on
    const before = ctx.db.lookupWrite(key);
    // the length before writableString grows the value (a MutableString grows in place)
    const prevLen = before === undefined ? -1 : before.v instanceof MutableString ? before.v.length : before.v.type === 'string' ? before.v.value.length : 0;
    const m = writableString(ctx, key, byteIdx + 1);
    const byte = m.byteAt(byteIdx);
    const mask = 1 << (7 - (offset & 7));
    const old = byte & mask ? 1 : 0;
    const nb = on === 1 ? byte | mask : byte & ~mask;
    if (nb !== byte) m.setByte(byteIdx, nb);
    // created, grown or a bit changed: a modification (WATCH, event); otherwise none
    const grown = prevLen <= byteIdx;
    if (grown || nb !== byte) {
      commitString(ctx, key, m);
      ctx.notify(NotifyKind.string, 'setbit', key);
    } else {
      keepStringSilently(ctx, key, m);
    }
    return old ? reply.one : reply.zero;
  },
});

export const getbit = defineCommand({
  name: 'getbit',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['bitmap'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: { summary: 'Returns a bit value by offset.', since: '2.2.0', group: 'bitmap', complexity: 'O(1)', arguments: [{ name: 'key', type: 'key' }, { name: 'offset', type: 'integer' }] },
  run(ctx, argv) {
    const offset = bitOffsetArg(ctx, argv[2]!);
    const e = ctx.db.lookupRead(argv[1]!);
    if (e === undefined) return reply.zero;
    if (e.v.type !== 'string') return reply.error(errors.wrongType);
    const byteIdx = Math.floor(offset / 8);
    // read a bitmap being written in place without materializing its string
    const byte = e.v instanceof MutableString ? e.v.byteAt(byteIdx) : byteIdx < e.v.value.length ? e.v.value.charCodeAt(byteIdx) : 0;
    return (byte >> (7 - (offset & 7))) & 1 ? reply.one : reply.zero;
  },
});

/** BYTE|BIT unit keyword, or a syntax error. */
function unitArg(arg: string): boolean {
  const k = keyword(arg);
  if (k === 'bit') return true;
  if (k === 'byte') return false;
  throw new CommandError(errors.syntax);
}

/** Negative indexes from the end, then clamped into [0, total-1] (end may fall below start). */
function clampRange(total: number, start: number | bigint, end: number | bigint): [number, number] {
  let s = typeof start === 'bigint' ? (start > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER) : start;
  let e = typeof end === 'bigint' ? (end > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER) : end;
  if (s < 0) s = total + s;
  if (e < 0) e = total + e;
  if (s < 0) s = 0;
  if (e < 0) e = 0;
  if (e >= total) e = total - 1;
  return [s, e];
}

export const bitcount = defineCommand({
  name: 'bitcount',
  arity: -2,
  flags: ['readonly'],
  categories: ['bitmap'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: { summary: 'Counts the set bits in a string, optionally within a range.', since: '2.6.0', group: 'bitmap', complexity: 'O(N)', arguments: [{ name: 'key', type: 'key' }, { name: 'index', type: 'block', optional: true, arguments: [{ name: 'start', type: 'integer' }, { name: 'end', type: 'integer' }, { name: 'index_unit', type: 'oneof', optional: true, arguments: [{ name: 'byte', type: 'pure-token', token: 'BYTE' }, { name: 'bit', type: 'pure-token', token: 'BIT' }] }] }] },
  run(ctx, argv) {
    // Redis 7.2 looks the key up first: a missing key answers 0 whatever the arguments
    const s = ctx.db.getString(argv[1]!);
    if (s === undefined) return reply.zero;
    if (argv.length === 2) return reply.int(s.length === 0 ? 0 : popcount(s, 0, s.length - 1));
    if (argv.length !== 4 && argv.length !== 5) return reply.error(errors.syntax);
    const start = exactLongLong(argv[2]!);
    const end = exactLongLong(argv[3]!);
    if (start < 0 && end < 0 && start > end) return reply.zero;
    const isBit = argv.length === 5 ? unitArg(argv[4]!) : false;
    const total = isBit ? s.length * 8 : s.length;
    const [from, to] = clampRange(total, start, end);
    if (from > to) return reply.zero;
    return reply.int(isBit ? popcountBits(s, from, to) : popcount(s, from, to));
  },
});

export const bitpos = defineCommand({
  name: 'bitpos',
  arity: -3,
  flags: ['readonly'],
  categories: ['bitmap'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: {
    summary: 'Finds the first set (1) or clear (0) bit in a string, optionally within a range.',
    since: '2.8.7',
    group: 'bitmap',
    complexity: 'O(N)',
    arguments: [{ name: 'key', type: 'key' }, { name: 'bit', type: 'integer' }, { name: 'index', type: 'block', optional: true, arguments: [{ name: 'start', type: 'integer' }, { name: 'end_index', type: 'block', optional: true, arguments: [{ name: 'end', type: 'integer' }, { name: 'index_unit', type: 'oneof', optional: true, arguments: [{ name: 'byte', type: 'pure-token', token: 'BYTE' }, { name: 'bit', type: 'pure-token', token: 'BIT' }] }] }] }],
  },
  run(ctx, argv) {
    const b = exactLongLong(argv[2]!);
    if (b !== 0 && b !== 1) return reply.error(errors.bitValueOneOrZero);
    const bit = b;
    // a missing key is an endless run of zero bits, whatever the range says
    const s = ctx.db.getString(argv[1]!);
    if (s === undefined) return reply.int(bit === 1 ? -1 : 0);
    if (argv.length === 3) {
      if (s.length === 0) return reply.int(-1);
      const pos = findBit(s, bit, 0, s.length * 8 - 1);
      // no clear bit: the string continues with zeros to the right
      return reply.int(pos !== -1 ? pos : bit === 1 ? -1 : s.length * 8);
    }
    if (argv.length > 6) return reply.error(errors.syntax);
    const start = exactLongLong(argv[3]!);
    const isBit = argv.length === 6 ? unitArg(argv[5]!) : false;
    const endGiven = argv.length >= 5;
    const end = endGiven ? exactLongLong(argv[4]!) : s.length - 1;
    const total = isBit ? s.length * 8 : s.length;
    const [from, to] = clampRange(total, start, end);
    if (from > to) return reply.int(-1);
    const fromBit = isBit ? from : from * 8;
    const toBit = isBit ? to : to * 8 + 7;
    const pos = findBit(s, bit, fromBit, toBit);
    if (pos !== -1) return reply.int(pos);
    if (bit === 1 || endGiven) return reply.int(-1);
    return reply.int(toBit + 1);
  },
});

export const bitopCommand = defineCommand({
  name: 'bitop',
  arity: -4,
  flags: ['write', 'denyoom'],
  categories: ['bitmap'],
  keySpecs: [keys.one(2, 'OW', 'UPDATE'), keys.rest(3, 1, 'RO', 'ACCESS')],
  docs: {
    summary: 'Performs a bitwise AND, OR, XOR or NOT over strings and stores the result in a key.',
    since: '2.6.0',
    group: 'bitmap',
    complexity: 'O(N)',
    arguments: [{ name: 'operation', type: 'string' }, { name: 'destkey', type: 'key' }, { name: 'key', type: 'key', multiple: true }],
  },
  run(ctx, argv) {
    const op = keyword(argv[1]!);
    if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') return reply.error(errors.syntax);
    if (op === 'not' && argv.length !== 4) return reply.error(errors.bitopNotSingleSource);
    const db = ctx.db;
    const srcs: string[] = [];
    for (let i = 3; i < argv.length; i++) srcs.push(db.getString(argv[i]!) ?? '');
    const result = bitop(op as BitOp, srcs);
    const dest = argv[2]!;
    // an empty result removes the destination instead of storing ""
    if (result.length === 0) {
      if (db.delete(dest)) ctx.notify(NotifyKind.generic, 'del', dest);
    } else {
      db.setString(dest, result, false, true);
      ctx.notify(NotifyKind.string, 'set', dest);
    }
    return reply.int(result.length);
  },
});

export const bitmapCommands: CommandDefinition[] = [setbit, getbit, bitcount, bitpos, bitopCommand, ...bitfieldCommands];
