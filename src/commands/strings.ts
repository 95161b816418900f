/** String commands: GET and SET (the rest of the family lives beside them as it lands). */
import { defineCommand, keys, type CommandDefinition } from './command-spec.js';
import { reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import type { CommandContext } from './context.js';

export const get = defineCommand({
  name: 'get',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['string'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS')],
  docs: { summary: 'Returns the string value of a key.', since: '1.0.0', group: 'string', complexity: 'O(1)' },
  run(ctx, argv) {
    const v = ctx.db.getString(argv[1]!);
    return v === undefined ? reply.nil : reply.bulk(v);
  },
});

/** Options shared by SET and GETEX: condition, GET, and one expiry form. */
export interface ExpiryOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** absolute expiry in ms, or undefined */
  at: number | undefined;
}

type Allowed = 'set' | 'getex';

/**
 * Parses SET/GETEX options as Redis does: every option first (conflicts are syntax
 * errors), then the expiry number (not an integer / invalid expire time).
 */
export function parseExpiryOptions(ctx: CommandContext, argv: string[], from: number, cmd: Allowed): ExpiryOptions {
  const o: ExpiryOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, at: undefined };
  let unit: 'ex' | 'px' | 'exat' | 'pxat' | null = null;
  let raw = '';
  for (let i = from; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    const hasNext = i + 1 < argv.length;
    if (cmd === 'set' && opt === 'nx' && !o.xx) o.nx = true;
    else if (cmd === 'set' && opt === 'xx' && !o.nx) o.xx = true;
    else if (cmd === 'set' && opt === 'get') o.get = true;
    else if (cmd === 'set' && opt === 'keepttl' && unit === null) o.keepTtl = true;
    else if (cmd === 'getex' && opt === 'persist' && unit === null) o.persist = true;
    else if ((opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') && unit === null && !o.keepTtl && !o.persist && hasNext) {
      unit = opt;
      raw = argv[++i]!;
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  if (unit !== null) o.at = absoluteExpiry(ctx, raw, unit, cmd);
  return o;
}

const LLONG_MAX = 9223372036854775807n;

/** Expiry argument → absolute ms, with Redis's overflow and sign checks. */
export function absoluteExpiry(ctx: CommandContext, raw: string, unit: 'ex' | 'px' | 'exat' | 'pxat', cmd: string): number {
  if (!/^-?(0|[1-9]\d{0,18})$/.test(raw)) throw new CommandError(errors.notInteger);
  let v = BigInt(raw);
  if (v > LLONG_MAX || v < -LLONG_MAX - 1n) throw new CommandError(errors.notInteger);
  if (v <= 0n) throw new CommandError(errors.invalidExpire(cmd));
  if (unit === 'ex' || unit === 'exat') {
    if (v > LLONG_MAX / 1000n) throw new CommandError(errors.invalidExpire(cmd));
    v *= 1000n;
  }
  if (unit === 'ex' || unit === 'px') {
    const base = BigInt(ctx.now);
    if (v > LLONG_MAX - base) throw new CommandError(errors.invalidExpire(cmd));
    v += base;
  }
  return Number(v);
}

export const set = defineCommand({
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['string'],
  keySpecs: [
    {
      notes: 'RW and ACCESS due to the optional `GET` argument',
      flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'],
      begin: { index: 1 },
      find: { lastKey: 0, step: 1, limit: 0 },
    },
  ],
  docs: {
    summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
  },
  run(ctx, argv) {
    const key = argv[1]!;
    if (argv.length === 3) {
      ctx.db.setString(key, argv[2]!);
      return reply.ok;
    }
    const o = parseExpiryOptions(ctx, argv, 3, 'set');
    const db = ctx.db;
    let old: string | undefined;
    if (o.get) old = db.getString(key);
    const exists = o.get ? old !== undefined : o.nx || o.xx ? db.has(key) : false;
    if ((o.nx && exists) || (o.xx && !exists)) return o.get ? reply.bulkOrNil(old) : reply.nil;
    db.setString(key, argv[2]!, o.keepTtl);
    if (o.at !== undefined) db.setExpire(key, o.at);
    return o.get ? reply.bulkOrNil(old) : reply.ok;
  },
});

export const stringCommands: CommandDefinition[] = [get, set];
