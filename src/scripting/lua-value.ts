/**
 * Values a script hands back to the host (its result, an error object), and the
 * pure conversion of such a value into a reply by Redis 7.2's rules
 * (luaReplyToRedisReply). Strings are binary strings (one char per byte).
 */
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';

/** The fields Redis reads from a table before treating it as an array, in its order. */
export const SPECIAL_FIELDS = ['err', 'ok', 'double', 'big_number', 'verbatim_string', 'map', 'set', 'ignore_error_stats_update'] as const;
export type SpecialField = (typeof SPECIAL_FIELDS)[number];

/**
 * A Lua table as the engine reports it: the special fields present (raw reads), and the
 * array part 1..n up to the first nil (raw reads). Other keys are not reported.
 */
export interface LuaTable {
  readonly type: 'table';
  readonly fields: Readonly<Partial<Record<SpecialField, LuaValue>>>;
  readonly array: readonly LuaValue[];
}

/** The value of a `map` or `set` field: every key/value pair, in Lua's `next` order. */
export interface LuaPairs {
  readonly type: 'pairs';
  readonly entries: readonly (readonly [LuaValue, LuaValue])[];
}

/** The value of a `verbatim_string` field that is a table: its `format` and `string`. */
export interface LuaVerbatim {
  readonly type: 'verbatim';
  readonly format: LuaValue;
  readonly string: LuaValue;
}

/**
 * A failed call's error object when it is a table (Redis's {err, source, line},
 * `ignore_error_stats_update` set when the error is a command's error reply).
 */
export interface LuaErrorObject {
  readonly type: 'error-object';
  readonly err: LuaValue;
  readonly source: LuaValue;
  readonly line: LuaValue;
  readonly ignoreErrorStatsUpdate: LuaValue;
}

/** A function, userdata or thread: Redis answers nil for it. */
export interface LuaOpaque {
  readonly type: 'opaque';
}

/** Nesting too deep for the Lua stack while the value was read. */
export interface LuaStackLimit {
  readonly type: 'stack-limit';
}

export type LuaValue =
  | null
  | boolean
  | number
  | string
  | LuaTable
  | LuaPairs
  | LuaVerbatim
  | LuaErrorObject
  | LuaOpaque
  | LuaStackLimit;

/** The protocol the script selected with redis.setresp (2 unless changed). */
export type ScriptResp = 2 | 3;

const LLONG_MIN = -9223372036854775808n;
const TWO_63 = 9223372036854775808;

/**
 * `(long long)d` as an x86-64 Redis computes it: truncation toward zero, and
 * LLONG_MIN (the "integer indefinite" value) for NaN and out-of-range values.
 */
export function luaNumberToInteger(d: number): number | bigint {
  if (Number.isNaN(d) || d >= TWO_63 || d < -TWO_63) return LLONG_MIN;
  const t = Math.trunc(d);
  if (Object.is(t, -0)) return 0;
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

/** Redis maps CR and LF to spaces in status, error and big-number texts it emits. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

/** addReplyErrorFormat: CR/LF trimmed from the end, the others become spaces. */
function errorLine(s: string): string {
  return oneLine(s.replace(/[\r\n]+$/, ''));
}

/**
 * A script's result as the reply Redis sends (Redis 7.2's luaReplyToRedisReply).
 * Strings are bulks; numbers are truncated to integers; booleans are 1/nil under
 * RESP2 and booleans under RESP3; a table with a string `err` is an error, a string
 * `ok` a status, a number `double` a double, a string `big_number` a big number,
 * a `verbatim_string` {format, string} a verbatim string, a table `map`/`set` a
 * map/set; any other table is an array of its items up to the first nil.
 * `resp` is the script's protocol (redis.setresp), which decides booleans only; the
 * writer then renders the reply in the caller's protocol.
 */
export function luaValueToReply(v: LuaValue, resp: ScriptResp): Reply {
  if (v === null) return reply.nil;
  switch (typeof v) {
    case 'string':
      return reply.bulk(v);
    case 'boolean':
      if (resp === 2) return v ? reply.one : reply.nil;
      return reply.bool(v);
    case 'number':
      return reply.int(luaNumberToInteger(v));
  }
  switch (v.type) {
    case 'stack-limit':
      return reply.error(errors.luaStackLimit);
    case 'table':
      return tableToReply(v, resp);
    default:
      // opaque values; pairs, verbatim and error objects only appear in their places
      return reply.nil;
  }
}

function tableToReply(t: LuaTable, resp: ScriptResp): Reply {
  const f = t.fields;
  if (typeof f.err === 'string') {
    // an error table redis.pcall returned for a command's error: counted already
    return f.ignore_error_stats_update === true ? reply.errorNoStats(errorLine(f.err)) : reply.error(errorLine(f.err));
  }
  if (typeof f.ok === 'string') return reply.simple(oneLine(f.ok));
  if (typeof f.double === 'number') return reply.double(f.double);
  if (typeof f.big_number === 'string') return reply.bigNumber(oneLine(f.big_number));
  const vs = f.verbatim_string;
  if (vs !== undefined && vs !== null && typeof vs === 'object' && vs.type === 'verbatim') {
    if (typeof vs.format === 'string' && typeof vs.string === 'string') return reply.verbatim(vs.string, vs.format);
  }
  const map = f.map;
  if (map !== undefined && map !== null && typeof map === 'object' && map.type === 'pairs') {
    const items: Reply[] = [];
    for (const [k, val] of map.entries) items.push(luaValueToReply(k, resp), luaValueToReply(val, resp));
    return reply.map(items);
  }
  const set = f.set;
  if (set !== undefined && set !== null && typeof set === 'object' && set.type === 'pairs') {
    return reply.set(set.entries.map(([k]) => luaValueToReply(k, resp)));
  }
  return reply.array(t.array.map((item) => luaValueToReply(item, resp)));
}

/** What an error object carries: Redis's error table {err, source, line}, or a bare value. */
export interface ScriptErrorInfo {
  /** the `err` text ("ERR …", "WRONGTYPE …"), the value itself when it is a string, else null */
  readonly message: string | null;
  /** the chunk name of the Lua code that raised it ("@user_script") */
  readonly source: string | null;
  readonly line: number | null;
  /** the error came from a command's error reply (Redis does not count it twice) */
  readonly fromReply: boolean;
}

/** Reads an error object the way Redis's luaExtractErrorInformation does. */
export function errorInfo(v: LuaValue): ScriptErrorInfo {
  if (typeof v === 'string') return { message: v, source: null, line: null, fromReply: false };
  if (v === null || typeof v !== 'object' || v.type !== 'error-object') {
    return { message: null, source: null, line: null, fromReply: false };
  }
  return {
    message: typeof v.err === 'string' ? v.err : null,
    source: typeof v.source === 'string' ? v.source : null,
    line: typeof v.line === 'number' ? v.line : null,
    fromReply: v.ignoreErrorStatsUpdate === true,
  };
}
