/**
 * The redis.* functions other than call/pcall, as Redis 7.2's script_lua.c and eval.c
 * answer them (outside the Lua debugger): setresp, set_repl, replicate_commands, log,
 * sha1hex, error_reply, status_reply, breakpoint, debug, acl_check_cmd. The constants
 * (LOG_*, REPL_*, REDIS_VERSION, REDIS_VERSION_NUM) are set in the Lua state itself
 * (native/redoubt-lua.c).
 *
 * Error texts are luaPushError's: without a "-CODE" they get ERR in front.
 */
import { errors } from '../errors.js';
import type { Logger } from '../server/logger.js';
import type { HostFunctionResult } from './lua-vm.js';
import type { LuaArg } from './wire.js';
import { luaArgNumberText } from './number-text.js';
import { sha1hex } from './script-cache.js';
import { REPL_ALL } from './script-types.js';
import type { ScriptRun } from './script-run.js';
import { lookupScriptCommand, scriptAclDenial } from './script-bridge.js';

/** The host functions an EVAL VM installs (after call and pcall), in this order. */
export const EVAL_API_FUNCTIONS: readonly string[] = [
  'setresp',
  'set_repl',
  'replicate_commands',
  'log',
  'sha1hex',
  'error_reply',
  'status_reply',
  'breakpoint',
  'debug',
  'acl_check_cmd',
];

const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

/**
 * Lua 5.1's number → string (LUA_NUMBER_FMT "%.14g"), as lua_tolstring converts a
 * number argument.
 */
export function luaNumberToString(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant = '', expText = '0'] = n.toExponential(13).split('e');
  const exp = Number(expText);
  const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 14) {
    const e = Math.abs(exp);
    return `${trim(mant)}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return trim(n.toFixed(13 - exp));
}

/** lua_tolstring: strings as they are, numbers formatted, anything else null. */
function toLString(a: LuaArg | undefined): string | null {
  if (a === undefined) return null;
  if (a.type === 'string') return a.value;
  if (a.type === 'number') return luaNumberToString(a.value);
  return null;
}

/** lua_tonumber: numbers, and strings Lua reads as numbers; else 0. */
function toNumber(a: LuaArg | undefined): number {
  if (a === undefined) return 0;
  if (a.type === 'number') return a.value;
  if (a.type === 'string') {
    const t = a.value.trim();
    if (t.length === 0) return 0;
    const v = /^[+-]?0[xX][0-9a-fA-F]+$/.test(t) ? Number.parseInt(t, 16) : Number(t);
    return Number.isNaN(v) && t.toLowerCase() !== 'nan' ? 0 : v;
  }
  return 0;
}

/** lua_isnumber */
function isNumber(a: LuaArg | undefined): boolean {
  if (a === undefined) return false;
  if (a.type === 'number') return true;
  if (a.type !== 'string') return false;
  const t = a.value.trim();
  return t.length > 0 && (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t) || !Number.isNaN(Number(t)) || /^[+-]?(nan|inf)/i.test(t));
}

/** (int)d as C truncates in range. */
function toInt(d: number): number {
  return Number.isFinite(d) ? Math.trunc(d) | 0 : 0;
}

const raise = (text: string): HostFunctionResult => ({ kind: 'raise', text });

/**
 * redis.log(level, ...): the one redis.* function a FUNCTION library may also call while
 * it loads (no script run exists then), so it needs only the logger.
 */
export function redisLog(logger: Logger, args: readonly LuaArg[]): HostFunctionResult {
  if (args.length < 2) return raise(errors.luaLogArgs);
  if (!isNumber(args[0])) return raise(errors.luaLogLevelType);
  const level = toInt(toNumber(args[0]));
  if (level < 0 || level > 3) return raise(errors.luaLogLevel);
  const lv = LOG_LEVELS[level]!;
  if (!logger.enabled(lv)) return { kind: 'none' };
  const parts: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const s = toLString(args[i]);
    if (s !== null) parts.push(s);
  }
  logger.log(lv, parts.join(' '));
  return { kind: 'none' };
}

/** Answers redis.<name>(args) for a running script; null for a name this API does not own. */
export function redisApiCall(run: ScriptRun, name: string, args: readonly LuaArg[]): HostFunctionResult | null {
  switch (name) {
    case 'setresp': {
      if (args.length !== 1) return raise(errors.luaSetrespArgs);
      const resp = toInt(toNumber(args[0]));
      if (resp !== 2 && resp !== 3) return raise(errors.luaSetrespVersion);
      run.resp = resp;
      run.ctx.client.resp = resp;
      return { kind: 'none' };
    }
    case 'set_repl': {
      if (args.length !== 1) return raise(errors.luaSetReplArgs);
      const flags = toInt(toNumber(args[0]));
      if ((flags & ~REPL_ALL) !== 0) return raise(errors.luaSetReplFlags);
      run.repl = flags;
      return { kind: 'none' };
    }
    case 'replicate_commands':
      // deprecated: effects replication is the only mode since Redis 7.0
      return { kind: 'value', value: true };
    case 'log':
      return redisLog(run.ctx.services.monitor.logger, args);
    case 'sha1hex': {
      if (args.length !== 1) return raise(errors.luaWrongArgs);
      return { kind: 'value', value: sha1hex(toLString(args[0]) ?? '') };
    }
    case 'error_reply': {
      const a = args[0];
      if (args.length !== 1 || a?.type !== 'string') return { kind: 'error', text: errors.luaWrongArgsOrType };
      // a C string: it ends at a NUL
      const z = a.value.indexOf('\0');
      const text = z === -1 ? a.value : a.value.slice(0, z);
      return { kind: 'error', text: text.startsWith('-') ? text : `-${text}` };
    }
    case 'status_reply': {
      const a = args[0];
      if (args.length !== 1 || a?.type !== 'string') return { kind: 'error', text: errors.luaWrongArgsOrType };
      return { kind: 'status', text: a.value };
    }
    case 'breakpoint':
      // only the debugger (SCRIPT DEBUG) stops at breakpoints; outside it: false
      return { kind: 'value', value: false };
    case 'debug':
      // outside the debugger redis.debug prints nothing and returns nothing
      return { kind: 'none' };
    case 'acl_check_cmd': {
      if (args.length === 0) return raise(errors.luaNoArguments);
      const argv: string[] = [];
      for (const a of args) {
        if (a.type === 'string') argv.push(a.value);
        else if (a.type === 'number') argv.push(luaArgNumberText(a.value));
        else return raise(errors.luaArgumentType);
      }
      const cmd = lookupScriptCommand(run, argv);
      if (cmd === undefined) return raise(errors.scriptAclCheckInvalid);
      return { kind: 'value', value: scriptAclDenial(run, cmd, argv, false) === null };
    }
    default:
      return null;
  }
}
