/**
 * Scripting's plain vocabulary: the replication bits of redis.set_repl, what a script run
 * is given, and what EVAL's cache and FUNCTION's libraries answer. No behaviour, no
 * imports above the Lua layer: the command context's scripting services (command-model/
 * services.ts) are typed with these, so the command model names no scripting class, and
 * the runner, the redis.* API and the redis.call bridge share the constants without
 * importing one another.
 */
import type { HostFunctionResult, LuaChunk } from './lua-vm.js';
import type { LuaArg } from './wire.js';
import type { ScriptFlags } from './shebang.js';
import type { CachedScript } from './script-cache.js';
import type { LuaDebugSession } from './lua-debugger.js';

/** Redis's PROPAGATE_AOF | PROPAGATE_REPL bits (redis.set_repl). */
export const REPL_AOF = 1;
export const REPL_REPLICA = 2;
export const REPL_ALL = REPL_AOF | REPL_REPLICA;

/** A compiled script ready to run: an EVAL script or a library function. */
export interface ScriptTarget {
  readonly chunk: LuaChunk;
  /** the SHA (EVAL) or the function name (FCALL): named in error decorations */
  readonly name: string;
  readonly flags: ScriptFlags;
}

export interface RunRequest {
  readonly keys: readonly string[];
  readonly args: readonly string[];
  /** EVAL_RO, EVALSHA_RO, FCALL_RO */
  readonly readOnlyCommand: boolean;
  /** 'eval': KEYS/ARGV globals; 'function': (keys, args) arguments */
  readonly mode: 'eval' | 'function';
  /** a Lua debugger session (SCRIPT DEBUG SYNC): the run stops in the debugger */
  readonly debug?: LuaDebugSession;
}

export type CompileOutcome = { readonly ok: true; readonly script: CachedScript } | { readonly ok: false; readonly error: string };

export interface FunctionInfo {
  readonly name: string;
  readonly description: string | null;
  /** bits of FUNCTION_FLAG_NAMES */
  readonly flags: number;
  readonly library: LibraryInfo;
  /** the callback in the VM instance of `library.generation` */
  chunk: LuaChunk;
}

export interface LibraryInfo {
  readonly name: string;
  /** the whole code given to FUNCTION LOAD, shebang included (what DUMP and LIST return) */
  readonly code: string;
  /** functions in registration order */
  readonly functions: FunctionInfo[];
  /** VM instance the callbacks belong to */
  generation: number;
}

export type LoadOutcome = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string };

export type RestorePolicy = 'append' | 'replace' | 'flush';

/** What the registry needs around a load: redis.log, and whether to time the load out. */
export interface LoadEnvironment {
  /** 0 = no timeout (replayed and restored code, as Redis's mustObeyClient path) */
  readonly timeoutMs: number;
  /** redis.log(level, ...) while loading; other host functions answer nothing */
  readonly hostFunction?: (name: string, args: readonly LuaArg[]) => HostFunctionResult;
}

/** An FCALL under way (FUNCTION STATS shows it). */
export interface FunctionRun {
  readonly name: string;
  readonly argv: readonly string[];
  /** performance.now() at the start */
  readonly startedAt: number;
}
