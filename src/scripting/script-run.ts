/**
 * The state of the script that is running, shared by the runner (script-runner.ts), the
 * redis.call bridge (script-bridge.ts) and the redis.* API (redis-api.ts). Its own file so
 * the bridge and the API read it without importing the runner that calls them.
 */
import type { CommandContext } from '../command-context/services.js';
import type { ScriptResp } from './lua-value.js';
import type { ScriptTarget } from './script-types.js';
import type { LuaDebugSession } from './lua-debugger.js';

/** The state of the script that is running (read by the bridge and the redis.* API). */
export interface ScriptRun {
  readonly caller: CommandContext;
  /** the script's own client's context: redis.call runs commands here */
  readonly ctx: CommandContext;
  readonly target: ScriptTarget;
  readonly mode: 'eval' | 'function';
  /** write commands are refused (EVAL_RO, no-writes) */
  readonly readOnly: boolean;
  /** deny-oom commands run even when memory is over maxmemory */
  readonly allowOom: boolean;
  /** memory was over maxmemory when the script started */
  readonly oomAtStart: boolean;
  /** the script ran a write command (later writes are not refused half-way; SCRIPT KILL refuses) */
  writeDirty: boolean;
  /** redis.setresp: the protocol command replies are converted from */
  resp: ScriptResp;
  /** redis.set_repl: where the script's writes are propagated */
  repl: number;
  /** the Lua debugger's session, when the run is debugged */
  readonly debug: LuaDebugSession | null;
}
