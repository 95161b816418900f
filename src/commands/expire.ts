/**
 * Key expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX/XX/GT/LT), TTL, PTTL,
 * EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * Times are 64-bit in Redis; they are computed here as bigints so overflow checks and
 * replies match for any value a client can send (the database keeps times beyond 2^53 ms
 * exactly, too).
 */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { LLONG_MAX } from '../protocol/number-format.js';
import { exactLongLong } from '../command-model/argument-reader.js';
import type { CommandContext } from '../command-context/context.js';
import { formatErrorArg, optionWord } from './keyspace-args.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';

/** LLONG_MAX / 1000 and LLONG_MIN / 1000 with C's truncating division */
const MAX_SECONDS = 9223372036854775n;
const MIN_SECONDS = -9223372036854775n;

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/** Parses NX/XX/GT/LT after the time argument; returns the flag set or an error reply. */
function parseExpireFlags(argv: string[]): number | Reply {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = optionWord(argv[j]!);
    if (opt === 'nx') flags |= NX;
    else if (opt === 'xx') flags |= XX;
    else if (opt === 'gt') flags |= GT;
    else if (opt === 'lt') flags |= LT;
    else return reply.error(formatErrorArg(errors.expireUnsupportedOption(argv[j]!)));
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    return reply.error(errors.expireNxXxGtLt);
  }
  if (flags & GT && flags & LT) return reply.error(errors.expireGtLt);
  return flags;
}

/**
 * The shared EXPIRE body. `relative`: the time counts from now (EXPIRE/PEXPIRE) rather than
 * the epoch. A time already past deletes the key, as Redis does (a DEL, not an expiry).
 */
function expireGeneric(ctx: CommandContext, argv: string[], relative: boolean, seconds: boolean): Reply {
  const flags = parseExpireFlags(argv);
  if (typeof flags !== 'number') return flags;
  let when = BigInt(exactLongLong(argv[2]!));
  const name = ctx.command.fullName;
  if (seconds) {
    if (when > MAX_SECONDS || when < MIN_SECONDS) return reply.error(errors.invalidExpire(name));
    when *= 1000n;
  }
  const base = relative ? BigInt(ctx.now) : 0n;
  if (when > LLONG_MAX - base) return reply.error(errors.invalidExpire(name));
  when += base;

  const db = ctx.db;
  const key = argv[1]!;
  if (db.lookupWrite(key) === undefined) return reply.zero;
  if (flags !== 0) {
    const current = db.getExpireExact(key);
    if (flags & NX && current !== undefined) return reply.zero;
    if (flags & XX && current === undefined) return reply.zero;
    // A key without a TTL counts as living forever: GT never beats it, LT always does.
    if (flags & GT && (current === undefined || when <= current)) return reply.zero;
    if (flags & LT && current !== undefined && when >= current) return reply.zero;
  }
  // a time already past is a deletion, announced as one
  const deletes = db.isPast(when);
  db.setExpire(key, when);
  const prop = ctx.propagation;
  if (prop.active) {
    // as Redis: a deletion goes out as one, any other time as an absolute PEXPIREAT
    // (the NX/XX/GT/LT flags stay: replayed on the same state they decide the same)
    if (deletes) prop.replace([ctx.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    else if (relative || seconds) {
      const out = argv.slice();
      out[0] = 'PEXPIREAT';
      out[2] = String(when);
      prop.replace(out);
    }
  }
  ctx.notify(NotifyKind.generic, deletes ? 'del' : 'expire', key);
  return reply.one;
}

const expireKey: KeySpec[] = [keys.one(1, 'RW', 'UPDATE')];

export const expire = defineCommand({
  name: 'expire',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: expireKey,
  docs: { summary: 'Sets a key to expire after a number of seconds.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => expireGeneric(ctx, argv, true, true),
});

export const pexpire = defineCommand({
  name: 'pexpire',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: expireKey,
  docs: { summary: 'Sets a key to expire after a number of milliseconds.', since: '2.6.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => expireGeneric(ctx, argv, true, false),
});

export const expireat = defineCommand({
  name: 'expireat',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: expireKey,
  docs: { summary: 'Sets a key to expire at a Unix time in seconds.', since: '1.2.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => expireGeneric(ctx, argv, false, true),
});

export const pexpireat = defineCommand({
  name: 'pexpireat',
  arity: -3,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: expireKey,
  docs: { summary: 'Sets a key to expire at a Unix time in milliseconds.', since: '2.6.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => expireGeneric(ctx, argv, false, false),
});

const minusTwo = reply.int(-2);
const minusOne = reply.int(-1);

/**
 * TTL family: -2 for a missing key, -1 without expiry, else the time left (or the absolute
 * time), in seconds rounded to nearest or in milliseconds.
 */
function ttlGeneric(ctx: CommandContext, argv: string[], ms: boolean, absolute: boolean): Reply {
  const db = ctx.db;
  const key = argv[1]!;
  if (db.lookupRead(key, true) === undefined) return minusTwo;
  const at = db.getExpireExact(key);
  if (at === undefined) return minusOne;
  if (typeof at === 'number') {
    let t = absolute ? at : at - ctx.now;
    if (t < 0) t = 0;
    return reply.int(ms ? t : Math.floor((t + 500) / 1000));
  }
  let t = absolute ? at : at - BigInt(ctx.now);
  if (t < 0n) t = 0n;
  return reply.int(ms ? t : (t + 500n) / 1000n);
}

const ttlKey: KeySpec[] = [keys.one(1, 'RO', 'ACCESS')];

export const ttl = defineCommand({
  name: 'ttl',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: ttlKey,
  tips: ['nondeterministic_output'],
  docs: { summary: 'Returns the seconds a key has left to live.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => ttlGeneric(ctx, argv, false, false),
});

export const pttl = defineCommand({
  name: 'pttl',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: ttlKey,
  tips: ['nondeterministic_output'],
  docs: { summary: 'Returns the milliseconds a key has left to live.', since: '2.6.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => ttlGeneric(ctx, argv, true, false),
});

export const expiretime = defineCommand({
  name: 'expiretime',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: ttlKey,
  docs: { summary: 'Returns the Unix time in seconds at which a key expires.', since: '7.0.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => ttlGeneric(ctx, argv, false, true),
});

export const pexpiretime = defineCommand({
  name: 'pexpiretime',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: ttlKey,
  docs: { summary: 'Returns the Unix time in milliseconds at which a key expires.', since: '7.0.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => ttlGeneric(ctx, argv, true, true),
});

export const persist = defineCommand({
  name: 'persist',
  arity: 2,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RW', 'UPDATE')],
  docs: { summary: 'Removes the expiry of a key, making it persistent.', since: '2.2.0', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const db = ctx.db;
    const key = argv[1]!;
    if (db.lookupWrite(key) === undefined) return reply.zero;
    if (!db.persist(key)) return reply.zero;
    ctx.notify(NotifyKind.generic, 'persist', key);
    return reply.one;
  },
});

export const expireCommands: CommandDefinition[] = [
  expire,
  pexpire,
  expireat,
  pexpireat,
  ttl,
  pttl,
  expiretime,
  pexpiretime,
  persist,
];
