/**
 * BITFIELD and BITFIELD_RO: integer fields of 1..64 bits (signed) or 1..63 bits
 * (unsigned) at arbitrary bit offsets, with WRAP/SAT/FAIL overflow. All arithmetic is
 * exact BigInt, reproducing Redis 7.2's 64-bit results including its corner cases.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { bitfieldResult, getBitfield, keyword, setBitfield, type Overflow } from '../types/string-ops.js';
import { MutableString } from '../types/mutable-string.js';
import type { CommandContext } from '../command-context/context.js';
import { bitOffsetArg, commitString, keepStringSilently, writableString } from './string-in-place.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { exactLongLong, readRangeLong } from '../command-model/argument-reader.js';

interface FieldOp {
  op: 'get' | 'set' | 'incrby';
  signed: boolean;
  bits: number;
  offset: number;
  /** SET value or INCRBY increment */
  value: bigint;
  overflow: Overflow;
}

/** "i<bits>" or "u<bits>": case-sensitive prefix, the number read up to a NUL byte as C does. */
function fieldType(arg: string): { signed: boolean; bits: number } {
  const c = arg.charCodeAt(0);
  if (c !== 105 && c !== 117) throw new CommandError(errors.bitfieldType);
  const signed = c === 105;
  const z = arg.indexOf('\0');
  const bits = readRangeLong(arg.slice(1, z === -1 ? undefined : z), 1n, signed ? 64n : 63n, errors.bitfieldType);
  return { signed, bits };
}

function asInt(v: bigint): Reply {
  return reply.int(v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v);
}

function bitfieldRun(ctx: CommandContext, argv: string[], readOnlyCommand: boolean): Reply {
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'wrap';
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = keyword(argv[j]!);
    let op: FieldOp['op'];
    if (sub === 'get' && remaining >= 2) op = 'get';
    else if (sub === 'set' && remaining >= 3) op = 'set';
    else if (sub === 'incrby' && remaining >= 3) op = 'incrby';
    else if (sub === 'overflow' && remaining >= 1) {
      const t = keyword(argv[++j]!);
      if (t === 'wrap' || t === 'sat' || t === 'fail') overflow = t;
      else return reply.error(errors.bitfieldOverflow);
      continue;
    } else {
      return reply.error(errors.syntax);
    }
    const { signed, bits } = fieldType(argv[j + 1]!);
    const offset = bitOffsetArg(ctx, argv[j + 2]!, bits);
    let value = 0n;
    if (op !== 'get') {
      readonly = false;
      if (offset + bits - 1 > highest) highest = offset + bits - 1;
      value = BigInt(exactLongLong(argv[j + 3]!));
      j += 3;
    } else {
      j += 2;
    }
    ops.push({ op, signed, bits, offset, value, overflow });
  }

  const key = argv[1]!;
  const db = ctx.db;
  const out: Reply[] = [];
  if (readonly) {
    const e = db.lookupRead(key);
    let src: string | Buffer = '';
    if (e !== undefined) {
      if (e.v.type !== 'string') return reply.error(errors.wrongType);
      src = e.v instanceof MutableString ? e.v.bytes() : e.v.value;
    }
    for (const f of ops) {
      const u = getBitfield(src, f.offset, f.bits);
      out.push(asInt(f.signed ? BigInt.asIntN(f.bits, u) : u));
    }
    return reply.array(out);
  }
  if (readOnlyCommand) return reply.error(errors.bitfieldRoGetOnly);

  // like Redis, the key is created (or grown) to hold the farthest write before any op runs
  const before = db.lookupWrite(key);
  const existed = before !== undefined;
  const needed = Math.floor(highest / 8) + 1;
  // created or grown: every write counts as a change (Redis's `dirty`), else only real ones
  const prevLen = before === undefined ? -1 : before.v instanceof MutableString ? before.v.length : before.v.type === 'string' ? before.v.value.length : 0;
  const grown = prevLen < needed;
  const m = writableString(ctx, key, needed);
  const buf = m.bytes();
  let changes = 0;
  for (const f of ops) {
    const raw = getBitfield(buf, f.offset, f.bits);
    const old = f.signed ? BigInt.asIntN(f.bits, raw) : raw;
    if (f.op === 'get') {
      out.push(asInt(old));
      continue;
    }
    let r: { v: bigint } | null;
    if (f.op === 'incrby') {
      r = bitfieldResult(f.signed, f.bits, old, f.value, f.overflow);
    } else {
      // Redis passes an unsigned SET value through uint64_t: -1 is 2^64-1 and saturates high
      const v = f.signed ? f.value : BigInt.asUintN(64, f.value);
      r = bitfieldResult(f.signed, f.bits, v, 0n, f.overflow);
    }
    if (r === null) {
      out.push(reply.nil);
      continue;
    }
    setBitfield(buf, f.offset, f.bits, r.v);
    if (grown || BigInt.asUintN(f.bits, r.v) !== raw) changes++;
    out.push(asInt(f.op === 'incrby' ? r.v : old));
  }
  m.changed();
  // Redis signals a change only when a SET/INCRBY was performed
  if (changes > 0 || !existed) commitString(ctx, key, m);
  else keepStringSilently(ctx, key, m);
  if (changes > 0) ctx.notify(NotifyKind.string, 'setbit', key);
  return reply.array(out);
}

export const bitfield = defineCommand({
  name: 'bitfield',
  arity: -2,
  flags: ['write', 'denyoom'],
  categories: ['bitmap'],
  keySpecs: [
    {
      notes: 'This command allows both access and modification of the key',
      flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'],
      begin: { index: 1 },
      find: { lastKey: 0, step: 1, limit: 0 },
    },
  ],
  docs: {
    summary: 'Reads, writes and increments integer fields of arbitrary width inside a string value.',
    since: '3.2.0',
    group: 'bitmap',
    complexity: 'O(1) for each subcommand specified',
    arguments: [{ name: 'key', type: 'key' }, { name: 'operation', type: 'oneof', optional: true, multiple: true, arguments: [{ name: 'encoding_offset', type: 'block', token: 'GET', arguments: [{ name: 'encoding', type: 'string' }, { name: 'offset', type: 'integer' }] }, { name: 'write', type: 'block', arguments: [{ name: 'wrap_sat_fail', type: 'oneof', token: 'OVERFLOW', optional: true, arguments: [{ name: 'wrap', type: 'pure-token', token: 'WRAP' }, { name: 'sat', type: 'pure-token', token: 'SAT' }, { name: 'fail', type: 'pure-token', token: 'FAIL' }] }, { name: 'write_operation', type: 'oneof', arguments: [{ name: 'encoding_offset_value', type: 'block', token: 'SET', arguments: [{ name: 'encoding', type: 'string' }, { name: 'offset', type: 'integer' }, { name: 'value', type: 'integer' }] }, { name: 'encoding_offset_increment', type: 'block', token: 'INCRBY', arguments: [{ name: 'encoding', type: 'string' }, { name: 'offset', type: 'integer' }, { name: 'increment', type: 'integer' }] }] }] }] }],
  },
  run: (ctx, argv) => bitfieldRun(ctx, argv, false),
});

export const bitfieldRo = defineCommand({
  name: 'bitfield_ro',
  arity: -2,
  flags: ['readonly', 'fast'],
  categories: ['bitmap'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: {
    summary: 'Reads integer fields of arbitrary width from a string value (read-only BITFIELD).',
    since: '6.0.0',
    group: 'bitmap',
    complexity: 'O(1) for each subcommand specified',
    arguments: [{ name: 'key', type: 'key' }, { name: 'encoding_offset', type: 'block', token: 'GET', optional: true, multiple: true, arguments: [{ name: 'encoding', type: 'string' }, { name: 'offset', type: 'integer' }] }],
  },
  run: (ctx, argv) => bitfieldRun(ctx, argv, true),
});

export const bitfieldCommands: CommandDefinition[] = [bitfield, bitfieldRo];
