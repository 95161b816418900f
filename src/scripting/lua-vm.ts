/**
 * A Lua VM for scripts: Redis 7.2's Lua 5.1 (vendor/lua) compiled to WebAssembly
 * (src/scripting/lua.wasm), with Redis's sandbox, and the host side of redis.call.
 *
 * Isolation: the instance imports only the functions below. Every WASI call answers
 * EBADF (no preopened directory, no file descriptor works) and proc_exit throws.
 * So a script has no
 * filesystem, process or network, and a memory-safety bug in Lua stays inside the
 * instance's linear memory (hard ceiling: 256 MiB, set at link time). There is no
 * clock and no `os` table at all (Redis 7.2's EVAL environment has none).
 *
 * Poisoning: Lua errors unwind through the `throw`/`try` imports as one sentinel
 * value. Any other exception escaping the instance (a wasm trap, a stack overflow,
 * a host callback that threw) leaves the C state unknown: the instance is dropped,
 * the call answers `fatal`, and the next call builds a fresh instance. Compiled
 * chunks survive because a LuaChunk keeps its source and is recompiled on demand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Reply, Kind } from '../protocol/reply.js';
import { type LuaValue, type ScriptResp } from './lua-value.js';
import { errors } from '../errors.js';
import { REDIS_COMPAT_VERSION } from '../version.js';
import { WireReader, WireWriter, readArgs, readArgv, readLuaValue, writeLuaValue, writeReplyForLua, type LuaArg } from './wire.js';

/** Lua 5.1 status codes (lua.h). */
const LUA_YIELD = 1;
const LUA_ERRRUN = 2;
const LUA_ERRMEM = 4;
const LUA_ERRERR = 5;
const LUA_GCSTEP = 5;
/** rd_start / rd_resume: the script stopped in the debugger (native/redoubt-ldb.inc.c) */
const RD_LDB_STOP = 50;
/** Why the debugger stopped (RdLdb.stop_reason). */
export const LDB_STOP_REASONS = ['', 'step over', 'break point', 'redis.breakpoint() called', 'timeout reached, infinite loop?'] as const;

/** Redis steps the collector every 50 script calls, by 50 (LUA_GC_CYCLE_PERIOD). */
const GC_PERIOD = 50;
/** ...when Lua holds at least this much more than after the last step (LuaVm.gcStep). */
const GC_MIN_GROWTH = 8 * 1024;

/** Redis's count-hook period. */
export const DEFAULT_HOOK_INTERVAL = 100_000;
/** Per-VM cap on what Lua allocates. */
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
/** After a call, a linear memory larger than this is given back by rebuilding. */
export const DEFAULT_REBUILD_ABOVE = 32 * 1024 * 1024;

const BUILTIN_FUNCTIONS = ['call', 'pcall'] as const;
/** host-function ids of redis.call and redis.pcall (their places in BUILTIN_FUNCTIONS) */
const CALL_ID = 0;
const PCALL_ID = 1;

/** The one value Lua errors unwind with (never an Error: no stack capture). */
const LUA_THROW: object = Object.freeze({ luaThrow: true });

let compiledModule: WebAssembly.Module | null = null;

/**
 * Where lua.wasm is: beside this module when running from src/, or in the source
 * tree when running from dist/src/scripting (tsc does not copy .wasm files).
 */
export function luaWasmPath(): string {
  const candidates = [new URL('./lua.wasm', import.meta.url), new URL('../../../src/scripting/lua.wasm', import.meta.url)];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error('lua.wasm not found beside src/scripting (run scripts/build-lua-wasm.sh)');
}

/** The compiled module, shared by every VM (compiling once costs a few ms). */
export function luaModule(): WebAssembly.Module {
  if (compiledModule === null) compiledModule = new WebAssembly.Module(readFileSync(luaWasmPath()));
  return compiledModule;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  readonly __stack_pointer: WebAssembly.Global;
  readonly __indirect_function_table: WebAssembly.Table;
  _initialize(): void;
  rd_scratch(size: number): number;
  rd_args_ptr(): number;
  rd_out_ptr(): number;
  rd_out_len(): number;
  rd_open(limit: number, names: number, version: number, versionNum: number): number;
  rd_close(L: number): void;
  rd_mem_used(L: number): number;
  rd_rand_state(L: number): number;
  rd_set_limit(L: number, limit: number): void;
  rd_load(L: number, len: number, chunkName: number): number;
  rd_unref(L: number, ref: number): void;
  rd_start(L: number, ref: number, functionMode: number, hookCount: number): number;
  rd_resume(L: number): number;
  rd_abandon(L: number): void;
  rd_gc(L: number, what: number, data: number): number;
  rd_malloc(n: number): number;
  rd_free(p: number): void;
  rd_functions_init(L: number): number;
  rd_load_library(L: number, len: number, hookCount: number): number;
  rd_ldb_begin(L: number, on: number): void;
  rd_ldb_set(L: number, step: number, count: number): void;
  rd_ldb_line(L: number): number;
  rd_ldb_reason(L: number): number;
  rd_ldb_print(L: number, len: number): number;
  rd_ldb_eval(L: number, len: number): number;
  rd_ldb_trace(L: number): number;
}

/** A compiled script. Keeps its source so a rebuilt instance can compile it again. */
export class LuaChunk {
  /** registry reference in the instance of generation `generation` */
  ref = -1;
  generation = -1;
  constructor(
    readonly source: string,
    readonly chunkName: string,
  ) {}
}

export type CompileResult = { readonly ok: true; readonly chunk: LuaChunk } | { readonly ok: false; readonly error: string };

/** What a host function (redis.<name> other than call/pcall) answers. */
export type HostFunctionResult =
  /** return this plain value */
  | { readonly kind: 'value'; readonly value: null | boolean | number | string }
  /** return this reply converted as a command reply (e.g. {ok=}, {err=}) */
  | { readonly kind: 'reply'; readonly reply: Reply }
  /** return {ok=text}, the text kept as it is (redis.status_reply) */
  | { readonly kind: 'status'; readonly text: string }
  /** return (not raise) {err=…} as luaPushError builds it from "-CODE msg" or msg */
  | { readonly kind: 'error'; readonly text: string }
  /** raise an error table {err=…} as luaPushError builds it: "-CODE msg", or msg with ERR */
  | { readonly kind: 'raise'; readonly text: string }
  /** return nothing */
  | { readonly kind: 'none' };

export interface RunOptions {
  /** KEYS (eval) or the first argument (function mode); binary strings */
  readonly keys?: readonly string[];
  /** ARGV (eval) or the second argument (function mode); binary strings */
  readonly args?: readonly string[];
  /** 'eval': KEYS/ARGV globals and no arguments; 'function': (keys, args) arguments */
  readonly mode?: 'eval' | 'function';
  /** runs one command for redis.call/redis.pcall; argv are binary strings */
  readonly redisCall?: (argv: string[]) => Reply;
  /** the other redis.<name> functions given to the VM at creation */
  readonly hostFunction?: (name: string, args: readonly LuaArg[]) => HostFunctionResult;
  /**
   * Asked every `hookInterval` instructions: null goes on; a text stops the script
   * with that error (and every later instruction fails too, so pcall cannot catch it).
   * The text is taken as Redis's luaPushError takes it: "-CODE msg" keeps its code,
   * anything else gets "ERR " in front.
   */
  readonly interrupt?: () => string | null;
  /**
   * Asked at the same points when `interrupt` said go on: true asks the VM to
   * pause the script (start/resume then answer `paused`) so the host can let its
   * event loop turn. The VM pauses only where the script may yield: not inside a
   * C call such as a table.sort comparator or a metamethod, nor inside a
   * coroutine the script made; there it goes on and the host is asked again at
   * the next hook. `run` never pauses (it resumes at once).
   */
  readonly pause?: () => boolean;
  readonly hookInterval?: number;
  /** the script's protocol for command replies (redis.setresp); 2 unless given */
  readonly resp?: () => ScriptResp;
  /**
   * A Lua debugger session (SCRIPT DEBUG SYNC): the script stops at its first line
   * and wherever the debugger says (start/resume answer `debug`), its output goes to
   * `log`. The count hook asks `timeout` instead of `interrupt`/`pause`.
   */
  readonly debug?: {
    log(text: string, trim: boolean): void;
    timeout(): boolean;
  };
}

export type RunResult =
  | { readonly kind: 'ok'; readonly value: LuaValue }
  /**
   * The script raised (`runtime`), Lua ran out of its memory cap (`memory`: the
   * error is "not enough memory"), or the error handler itself failed (`handler`).
   */
  | { readonly kind: 'error'; readonly cause: 'runtime' | 'memory' | 'handler'; readonly error: LuaValue }
  /** the instance was poisoned (trap or host exception) and has been discarded */
  | { readonly kind: 'fatal'; readonly message: string };

/**
 * A step of a script run by start/resume: paused for the host, stopped in the
 * debugger at `line` (`reason`: LDB_STOP_REASONS), or finished.
 */
export type RunStep = RunResult | { readonly kind: 'paused' } | { readonly kind: 'debug'; readonly line: number; readonly reason: string };

/** lrand48's state after Redis's redisSrand48(0) (rand.c), the generator's start. */
const RAND_INIT_LO = 0xabcd330e;
const RAND_INIT_HI = 0x1234;

/**
 * math.random's generator. Redis has one per process (rand.c): EVAL scripts and
 * functions draw from the same sequence, and SCRIPT FLUSH / FUNCTION FLUSH keep it.
 * Every LuaVm given the same LuaPrng shares it: the state lives in the instance that
 * ran last (no copy while one VM runs script after script) and moves on a switch or
 * when that instance is dropped.
 */
export class LuaPrng {
  lo = RAND_INIT_LO;
  hi = RAND_INIT_HI;
  /** @internal the instance holding the live state, if any */
  owner: { save(prng: LuaPrng): void } | null = null;

  /** @internal makes `inst` hold the state */
  claim(inst: { save(prng: LuaPrng): void; load(prng: LuaPrng): void }): void {
    if (this.owner === inst) return;
    this.owner?.save(this);
    inst.load(this);
    this.owner = inst;
  }

  /** @internal `inst` goes away: keep its state */
  release(inst: { save(prng: LuaPrng): void }): void {
    if (this.owner !== inst) return;
    inst.save(this);
    this.owner = null;
  }
}

export interface LuaVmOptions {
  /** math.random's generator, shared with other VMs (default: one of its own) */
  readonly prng?: LuaPrng;
  /** bytes Lua may hold (default 64 MiB) */
  readonly memoryLimit?: number;
  /** linear memory size above which the instance is rebuilt after a call */
  readonly rebuildAboveBytes?: number;
  /** extra redis.<name> functions, answered by RunOptions.hostFunction */
  readonly hostFunctions?: readonly string[];
  /**
   * A FUNCTION engine state (Redis's function_lua.c): libraries run with their own
   * readonly globals, and while a library loads only redis.register_function, log,
   * LOG_* and REDIS_VERSION* are reachable. See native/redoubt-functions.inc.c.
   */
  readonly functionEngine?: boolean;
  /** what redis.REDIS_VERSION says (default: the Redis version Redoubt answers as) */
  readonly redisVersion?: string;
}

/** A function a library registered while it loaded. */
export interface RegisteredFunction {
  readonly name: string;
  readonly description: string | null;
  /** bit i: the i-th of FUNCTION_FLAG_NAMES */
  readonly flags: number;
  /** its callback, runnable with LuaVm.run in 'function' mode while the instance lives */
  readonly chunk: LuaChunk;
}

/** Function flags in Redis's order (scripts_flags_def); bit i of RegisteredFunction.flags. */
export const FUNCTION_FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;

export type LibraryLoadResult =
  | { readonly kind: 'ok'; readonly functions: readonly RegisteredFunction[] }
  /** the code does not compile: Lua's message ("user_function:2: ...") */
  | { readonly kind: 'compile-error'; readonly message: string }
  /** its top-level code raised (an error object or a string) */
  | { readonly kind: 'run-error'; readonly error: LuaValue }
  | { readonly kind: 'fatal'; readonly message: string };

export interface LibraryLoadOptions {
  /** asked every `hookInterval` instructions, as RunOptions.interrupt (the load timeout) */
  readonly interrupt?: () => string | null;
  readonly hookInterval?: number;
  /** redis.log while loading */
  readonly hostFunction?: (name: string, args: readonly LuaArg[]) => HostFunctionResult;
}

function latin1(s: string): Uint8Array {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
  return bytes;
}

/** "7.2.4" -> 0x070204, as Redis's REDIS_VERSION_NUM. */
export function redisVersionNum(version: string): number {
  const [a = 0, b = 0, c = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return ((a & 0xff) << 16) | ((b & 0xff) << 8) | (c & 0xff);
}

/** One WebAssembly instance with one lua_State. */
class Instance {
  readonly ex: Exports;
  readonly L: number;
  private memView: Uint8Array;
  private reader: WireReader | null = null;
  private readonly namePtrs = new Map<string, number>();
  /** the function table's entries the `try` import has called (a few: do_start, resume, …) */
  private readonly fnCache: (((a: number, b: number) => void) | undefined)[] = [];

  constructor(module: WebAssembly.Module, limit: number, names: readonly string[], version: string, vm: LuaVm) {
    const wasiNoFile = (): number => 8; // EBADF
    const imports: WebAssembly.Imports = {
      host: {
        throw: (): never => {
          throw LUA_THROW;
        },
        try: (f: number, L: number, ud: number): void => {
          const sp = this.ex.__stack_pointer.value as number;
          try {
            this.protectedFn(f)(L, ud);
          } catch (e) {
            if (e !== LUA_THROW) throw e;
            // the unwound C frames never restored the shadow stack pointer
            this.ex.__stack_pointer.value = sp;
          }
        },
        panic: (): never => {
          throw new Error('Lua panic: error outside a protected call');
        },
        interrupt: (): number => vm.onInterrupt(this),
        ldb_log: (p: number, n: number, trim: number): void => vm.onDebugLog(this, p, n, trim !== 0),
        ldb_timeout: (): number => (vm.onDebugTimeout() ? 1 : 0),
        call: (id: number, nargs: number): number => vm.onHostCall(this, id, nargs),
      },
      wasi_snapshot_preview1: {
        fd_close: wasiNoFile,
        fd_fdstat_get: wasiNoFile,
        fd_fdstat_set_flags: wasiNoFile,
        fd_prestat_get: wasiNoFile,
        fd_prestat_dir_name: wasiNoFile,
        fd_read: wasiNoFile,
        fd_renumber: wasiNoFile,
        fd_seek: wasiNoFile,
        fd_write: wasiNoFile,
        path_open: wasiNoFile,
        proc_exit: (code: number): never => {
          throw new Error(`Lua instance called proc_exit(${code})`);
        },
      },
    };
    const inst = new WebAssembly.Instance(module, imports);
    this.ex = inst.exports as unknown as Exports;
    this.memView = new Uint8Array(this.ex.memory.buffer);
    this.ex._initialize();
    const w = new WireWriter();
    for (const n of names) {
      for (let i = 0; i < n.length; i++) w.u8(n.charCodeAt(i) & 0xff);
      w.u8(0);
    }
    w.u8(0);
    const namesPtr = this.copyIn(w.bytes());
    const v = new Uint8Array(version.length + 1);
    for (let i = 0; i < version.length; i++) v[i] = version.charCodeAt(i) & 0xff;
    const versionPtr = this.copyIn(v);
    const L = this.ex.rd_open(limit, namesPtr, versionPtr, redisVersionNum(version));
    this.ex.rd_free(namesPtr);
    this.ex.rd_free(versionPtr);
    if (L === 0) throw new Error('Lua state could not be created (memory limit too small?)');
    if (vm.functionEngine && this.ex.rd_functions_init(L) !== 0) throw new Error('Lua function engine could not be set up (memory limit too small?)');
    this.L = L;
  }

  /** A reader at `pos`, reused while the memory buffer stays the same (a call allocates none). */
  readerAt(pos: number): WireReader {
    const mem = this.mem();
    let r = this.reader;
    if (r === null || !r.over(mem)) {
      r = new WireReader(mem, pos);
      this.reader = r;
    }
    r.pos = pos;
    return r;
  }

  /**
   * A view of the linear memory. Growing the memory detaches the old buffer, and a
   * view of a detached buffer has length 0: that is checked instead of reading
   * `memory.buffer` (a call into the engine) every time.
   */
  mem(): Uint8Array {
    if (this.memView.length === 0) this.memView = new Uint8Array(this.ex.memory.buffer);
    return this.memView;
  }

  /** The function at `f` in the instance's function table (looked up once). */
  protectedFn(f: number): (a: number, b: number) => void {
    let fn = this.fnCache[f];
    if (fn === undefined) {
      fn = this.ex.__indirect_function_table.get(f) as (a: number, b: number) => void;
      this.fnCache[f] = fn;
    }
    return fn;
  }

  /** A malloc'ed copy; the caller frees it. */
  private copyIn(bytes: Uint8Array): number {
    const p = this.ex.rd_malloc(bytes.length);
    if (p === 0) throw new Error('Lua instance out of linear memory');
    this.mem().set(bytes, p);
    return p;
  }

  /** Puts bytes in the scratch buffer (the instance reads them from there). */
  toScratch(bytes: Uint8Array): void {
    const p = this.ex.rd_scratch(Math.max(bytes.length, 1));
    if (p === 0) throw new Error('Lua instance out of linear memory');
    this.mem().set(bytes, p);
  }

  /** What `w` holds, put in the scratch buffer (no view of it allocated for a small one). */
  writerToScratch(w: WireWriter): void {
    const p = this.ex.rd_scratch(Math.max(w.len, 1));
    if (p === 0) throw new Error('Lua instance out of linear memory');
    w.copyTo(this.mem(), p);
  }

  chunkNamePtr(name: string): number {
    let p = this.namePtrs.get(name);
    if (p === undefined) {
      const bytes = new Uint8Array(name.length + 1);
      for (let i = 0; i < name.length; i++) bytes[i] = name.charCodeAt(i) & 0xff;
      p = this.copyIn(bytes);
      this.namePtrs.set(name, p);
    }
    return p;
  }

  /** Copies math.random's state out of the instance. */
  save(prng: LuaPrng): void {
    const dv = new DataView(this.ex.memory.buffer);
    const p = this.ex.rd_rand_state(this.L);
    prng.lo = dv.getUint32(p, true);
    prng.hi = dv.getUint32(p + 4, true);
  }

  /** Copies math.random's state into the instance. */
  load(prng: LuaPrng): void {
    const dv = new DataView(this.ex.memory.buffer);
    const p = this.ex.rd_rand_state(this.L);
    dv.setUint32(p, prng.lo, true);
    dv.setUint32(p + 4, prng.hi, true);
  }

  readOut(): LuaValue {
    return readLuaValue(this.readerAt(this.ex.rd_out_ptr()));
  }
}

export class LuaVm {
  private inst: Instance | null = null;
  private generation = 0;
  private running: RunOptions | null = null;
  private calls = 0;
  /** what Lua held after the last collector step (gcStep) */
  private usedAfterGc = 0;
  private readonly names: readonly string[];
  private limit: number;
  private readonly rebuildAbove: number;
  private readonly version: string;
  private readonly w = new WireWriter();
  /** a FUNCTION engine state (see LuaVmOptions.functionEngine) */
  readonly functionEngine: boolean;
  private readonly prng: LuaPrng;
  /** instances discarded because of a trap or a host exception */
  poisonings = 0;
  /** instances discarded to give memory back */
  rebuilds = 0;

  constructor(opts: LuaVmOptions = {}) {
    this.limit = opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    this.rebuildAbove = opts.rebuildAboveBytes ?? DEFAULT_REBUILD_ABOVE;
    this.names = [...BUILTIN_FUNCTIONS, ...(opts.hostFunctions ?? [])];
    this.functionEngine = opts.functionEngine === true;
    this.prng = opts.prng ?? new LuaPrng();
    this.version = opts.redisVersion ?? REDIS_COMPAT_VERSION;
    // The instance (a wasm linear memory of several MiB) is built on first use: a server
    // that runs no script never pays for it, and a process that builds many servers (the
    // property tests build about a thousand) does not keep the collector busy with them.
  }

  /** lua-memory-limit: the cap on what Lua holds, from now on (the live instance too). */
  setMemoryLimit(bytes: number): void {
    this.limit = bytes;
    if (this.inst !== null) this.inst.ex.rd_set_limit(this.inst.L, bytes);
  }

  /** Bytes Lua holds now (its allocator's count). */
  memoryUsed(): number {
    return this.instance().ex.rd_mem_used(this.instance().L);
  }

  /** Size of the instance's linear memory (never shrinks until a rebuild); 0 before it is built. */
  linearMemoryBytes(): number {
    return this.inst === null ? 0 : this.inst.ex.memory.buffer.byteLength;
  }

  /** Compiles a chunk (a binary string). Syntax errors, precompiled bytecode included, are returned. */
  compile(source: string, chunkName = '@user_script'): CompileResult {
    const chunk = new LuaChunk(source, chunkName);
    const err = this.guard(() => this.load(chunk));
    if (err === null) return { ok: true, chunk };
    return { ok: false, error: err };
  }

  /** Frees a chunk's compiled function in the current instance. */
  release(chunk: LuaChunk): void {
    if (this.inst !== null && chunk.generation === this.generation && chunk.ref >= 0) {
      this.inst.ex.rd_unref(this.inst.L, chunk.ref);
    }
    chunk.ref = -1;
    chunk.generation = -1;
  }

  /** Runs a compiled chunk to its end. Never throws for anything the script does. */
  run(chunk: LuaChunk, opts: RunOptions = {}): RunResult {
    let step = this.start(chunk, opts);
    while (step.kind === 'paused' || step.kind === 'debug') step = this.resume();
    return step;
  }

  /**
   * Starts a compiled chunk. It runs until it finishes or until `opts.pause` asks
   * for a pause at a point where the script may yield (`paused`: call `resume` to
   * go on, or `abandon`). Only one script runs (or is paused) at a time.
   */
  start(chunk: LuaChunk, opts: RunOptions = {}): RunStep {
    if (this.running !== null) throw new Error('LuaVm: a script is already running');
    let step: RunStep | null = null;
    const fatal = this.guardFatal(() => {
      const inst = this.instance();
      if (chunk.generation !== this.generation || chunk.ref < 0) {
        const err = this.load(chunk);
        if (err !== null) {
          step = { kind: 'error', cause: 'runtime', error: err };
          return;
        }
      }
      const w = this.w;
      w.reset();
      const keys = opts.keys ?? [];
      const args = opts.args ?? [];
      w.u32(keys.length);
      for (const k of keys) w.str(k);
      w.u32(args.length);
      for (const a of args) w.str(a);
      inst.writerToScratch(w);
      const hook = opts.interrupt || opts.pause ? (opts.hookInterval ?? DEFAULT_HOOK_INTERVAL) : 0;
      this.prng.claim(inst);
      this.running = opts;
      // the debugger's state is set only for a debugged run (and cleared at its end)
      if (opts.debug) inst.ex.rd_ldb_begin(inst.L, 1);
      step = this.outcome(inst, inst.ex.rd_start(inst.L, chunk.ref, opts.mode === 'function' ? 1 : 0, hook));
    });
    return this.settle(fatal, step);
  }

  /** Goes on with the paused script. */
  resume(): RunStep {
    if (this.running === null || this.inst === null) throw new Error('LuaVm: no paused script');
    const inst = this.inst;
    let step: RunStep | null = null;
    const fatal = this.guardFatal(() => {
      step = this.outcome(inst, inst.ex.rd_resume(inst.L));
    });
    return this.settle(fatal, step);
  }

  /** True while a script is paused (between a `paused` step and its resume). */
  get paused(): boolean {
    return this.running !== null;
  }

  /** Drops the paused script without running it further. */
  abandon(): void {
    if (this.running === null) return;
    const debugged = this.running.debug !== undefined;
    this.running = null;
    const inst = this.inst;
    if (inst === null) return;
    this.guardFatal(() => {
      if (debugged) inst.ex.rd_ldb_begin(inst.L, 0);
      inst.ex.rd_abandon(inst.L);
    });
  }

  // ---- the Lua debugger, while a script is stopped (`debug` step) ----------

  /** Sets whether to stop at the next line, and the breakpoints. */
  debugSet(step: boolean, breakpoints: readonly number[]): void {
    const inst = this.stoppedInstance();
    const w = this.w;
    w.reset();
    for (const b of breakpoints) w.u32(b >>> 0);
    inst.toScratch(w.bytes());
    inst.ex.rd_ldb_set(inst.L, step ? 1 : 0, breakpoints.length);
  }

  /** print [name]: the stopped frame's locals (or the named variable) go to the debug log. */
  debugPrint(name: string | null): void {
    const inst = this.stoppedInstance();
    const bytes = latin1(name ?? '');
    inst.toScratch(bytes);
    this.debugCall(inst, () => inst.ex.rd_ldb_print(inst.L, bytes.length));
  }

  /** eval <code>: runs a fragment on the main state; its result goes to the debug log. */
  debugEval(code: string): void {
    const inst = this.stoppedInstance();
    const bytes = latin1(code);
    inst.toScratch(bytes);
    this.debugCall(inst, () => inst.ex.rd_ldb_eval(inst.L, bytes.length));
  }

  /** The script's frames at the stop, innermost first. */
  debugTrace(): { level: number; line: number; name: string | null }[] {
    const inst = this.stoppedInstance();
    if (inst.ex.rd_ldb_trace(inst.L) === 0) return [];
    const r = new WireReader(inst.mem(), inst.ex.rd_out_ptr());
    const n = r.u32();
    const out: { level: number; line: number; name: string | null }[] = [];
    for (let i = 0; i < n; i++) {
      const level = r.u32();
      const line = r.u32();
      out.push({ level, line, name: r.u8() === 1 ? r.str() : null });
    }
    return out;
  }

  private stoppedInstance(): Instance {
    if (this.running?.debug === undefined || this.inst === null) throw new Error('LuaVm: no script stopped in the debugger');
    return this.inst;
  }

  /** A debugger call into the instance; out of memory is logged as an error. */
  private debugCall(inst: Instance, f: () => number): void {
    const debug = this.running?.debug;
    const rc = f();
    if (rc !== 0) debug?.log('<error> not enough memory', false);
  }

  onDebugLog(inst: Instance, p: number, n: number, trim: boolean): void {
    const mem = inst.mem();
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(mem[p + i]!);
    this.running?.debug?.log(s, trim);
  }

  onDebugTimeout(): boolean {
    return this.running?.debug?.timeout() ?? false;
  }

  private settle(fatal: string | null, step: RunStep | null): RunStep {
    if (fatal !== null) {
      this.running = null;
      return { kind: 'fatal', message: fatal };
    }
    if (step === null) {
      this.running = null;
      return { kind: 'fatal', message: 'no result' };
    }
    return step;
  }

  /** What rd_start/rd_resume answered; a finished script's bookkeeping. */
  private outcome(inst: Instance, status: number): RunStep {
    if (status === LUA_YIELD) return { kind: 'paused' };
    if (status === RD_LDB_STOP) {
      return { kind: 'debug', line: inst.ex.rd_ldb_line(inst.L), reason: LDB_STOP_REASONS[inst.ex.rd_ldb_reason(inst.L)] ?? '' };
    }
    if (this.running?.debug) inst.ex.rd_ldb_begin(inst.L, 0);
    this.running = null;
    let result: RunResult;
    if (status === 0) result = { kind: 'ok', value: inst.readOut() };
    else if (status === LUA_ERRRUN) result = { kind: 'error', cause: 'runtime', error: inst.readOut() };
    else if (status === LUA_ERRMEM) result = { kind: 'error', cause: 'memory', error: inst.readOut() };
    else if (status === LUA_ERRERR) result = { kind: 'error', cause: 'handler', error: inst.readOut() };
    else result = { kind: 'error', cause: 'memory', error: 'not enough memory' };
    if (++this.calls % GC_PERIOD === 0) this.gcStep(inst);
    if (inst.mem().byteLength > this.rebuildAbove) {
      this.drop();
      this.rebuilds++;
    }
    return result;
  }

  /**
   * Redis's collector step every GC_PERIOD calls, when the calls since the last step
   * left garbage: a step over a heap that did not grow walks the whole state (the
   * libraries, the cached scripts) for nothing, and scripts that reuse their thread
   * and KEYS/ARGV tables leave none. Lua's own collector still runs as the heap grows.
   */
  private gcStep(inst: Instance): void {
    const used = inst.ex.rd_mem_used(inst.L);
    if (used >= this.usedAfterGc + GC_MIN_GROWTH) {
      inst.ex.rd_gc(inst.L, LUA_GCSTEP, GC_PERIOD);
      this.usedAfterGc = inst.ex.rd_mem_used(inst.L);
    } else if (used < this.usedAfterGc) {
      this.usedAfterGc = used;
    }
  }

  /**
   * The current instance's number: a RegisteredFunction's chunk is valid only in the
   * instance it was loaded in, so a function engine reloads its libraries when this
   * changes (after a poisoning or a rebuild). Builds the instance if needed.
   */
  instanceGeneration(): number {
    this.instance();
    return this.generation;
  }

  /**
   * Loads a FUNCTION library's code (after its shebang line) in a function-engine VM:
   * compiles it as "@user_function", runs its top level with the library API, and
   * returns the functions it registered. Never throws for anything the code does.
   */
  loadLibrary(code: string, opts: LibraryLoadOptions = {}): LibraryLoadResult {
    if (!this.functionEngine) throw new Error('loadLibrary needs a function-engine LuaVm');
    if (this.running !== null) throw new Error('LuaVm.loadLibrary is not re-entrant');
    let result: LibraryLoadResult | null = null;
    const fatal = this.guardFatal(() => {
      const inst = this.instance();
      const bytes = new Uint8Array(code.length);
      for (let i = 0; i < code.length; i++) bytes[i] = code.charCodeAt(i) & 0xff;
      inst.toScratch(bytes);
      const hook = opts.interrupt ? (opts.hookInterval ?? DEFAULT_HOOK_INTERVAL) : 0;
      this.prng.claim(inst);
      this.running = { interrupt: opts.interrupt, hostFunction: opts.hostFunction };
      let status: number;
      try {
        status = inst.ex.rd_load_library(inst.L, bytes.length, hook);
      } finally {
        this.running = null;
      }
      if (status === 0) result = { kind: 'ok', functions: this.readRegistrations(inst, code) };
      else if (status === 1) {
        const v = inst.readOut();
        result = { kind: 'compile-error', message: typeof v === 'string' ? v : 'unknown compile error' };
      } else if (status === 2) result = { kind: 'run-error', error: inst.readOut() };
      else result = { kind: 'run-error', error: 'not enough memory' };
    });
    if (fatal !== null) return { kind: 'fatal', message: fatal };
    return result ?? { kind: 'fatal', message: 'no result' };
  }

  private readRegistrations(inst: Instance, code: string): RegisteredFunction[] {
    const r = new WireReader(inst.mem(), inst.ex.rd_out_ptr());
    const n = r.u32();
    const out: RegisteredFunction[] = [];
    for (let i = 0; i < n; i++) {
      const name = r.str();
      const description = r.u8() === 1 ? r.str() : null;
      const flags = r.u32();
      const chunk = new LuaChunk(code, '@user_function');
      chunk.ref = r.u32();
      chunk.generation = this.generation;
      out.push({ name, description, flags, chunk });
    }
    return out;
  }

  /** Closes the VM (its instance is dropped; a later call would build a new one). */
  close(): void {
    this.drop();
  }

  // ---- internals -------------------------------------------------------------

  private instance(): Instance {
    if (this.inst === null) {
      this.inst = new Instance(luaModule(), this.limit, this.names, this.version, this);
      this.generation++;
    }
    return this.inst;
  }

  private drop(): void {
    // The whole linear memory goes with the instance: no lua_close needed, and
    // after a trap calling into the instance again is not safe anyway (reading its
    // memory is: math.random's state is kept from it).
    if (this.inst !== null) this.prng.release(this.inst);
    this.inst = null;
  }

  /** Compiles into the current instance; returns the error text on failure. */
  private load(chunk: LuaChunk): string | null {
    const inst = this.instance();
    const bytes = new Uint8Array(chunk.source.length);
    for (let i = 0; i < chunk.source.length; i++) bytes[i] = chunk.source.charCodeAt(i) & 0xff;
    inst.toScratch(bytes);
    const ref = inst.ex.rd_load(inst.L, bytes.length, inst.chunkNamePtr(chunk.chunkName));
    if (ref === -2) return 'not enough memory';
    if (ref < 0) {
      const v = inst.readOut();
      return typeof v === 'string' ? v : 'unknown compile error';
    }
    chunk.ref = ref;
    chunk.generation = this.generation;
    return null;
  }

  /** Runs `f`; a non-Lua exception poisons the instance and is returned as text. */
  private guardFatal(f: () => void): string | null {
    try {
      f();
      return null;
    } catch (e) {
      this.drop();
      this.poisonings++;
      return e instanceof Error ? `${e.name}: ${e.message}` : 'non-Lua exception';
    }
  }

  private guard(f: () => string | null): string | null {
    let out: string | null = null;
    const fatal = this.guardFatal(() => {
      out = f();
    });
    return fatal ?? out;
  }

  /** The count hook asks whether to go on (0), stop (1, the error in scratch) or pause (2). */
  onInterrupt(inst: Instance): number {
    const opts = this.running;
    const msg = opts?.interrupt?.() ?? null;
    if (msg === null) return opts?.pause?.() === true ? 2 : 0;
    this.w.reset();
    this.w.u8(0x21); // '!': an error table as luaPushError builds it
    this.w.str(msg);
    inst.writerToScratch(this.w);
    return 1;
  }

  /** redis.<name>(...) from a script. Returns 0 (value), 1 (raise it), 2 (nothing). */
  onHostCall(inst: Instance, id: number, nargs: number): number {
    const opts = this.running;
    const w = this.w;
    w.reset();
    let code = 0;
    if (id === CALL_ID || id === PCALL_ID) {
      // redis.call / redis.pcall: the arguments are read straight into the command's argv
      code = this.redisCall(inst, nargs, id === CALL_ID, opts?.redisCall, opts?.resp?.() ?? 2);
    } else {
      const name = this.names[id]!;
      const args = readArgs(inst.readerAt(inst.ex.rd_args_ptr()), nargs);
      const r: HostFunctionResult = opts?.hostFunction?.(name, args) ?? { kind: 'none' };
      if (r.kind === 'none') return 2;
      if (r.kind === 'value') writeLuaValue(w, r.value);
      else if (r.kind === 'reply') writeReplyForLua(w, r.reply, opts?.resp?.() ?? 2);
      else if (r.kind === 'status') {
        w.u8(0x2b); // '+': {ok=text}
        w.str(r.text);
      } else if (r.kind === 'error') {
        w.u8(0x21); // '!': {err=…} built as luaPushError does
        w.str(r.text);
      } else {
        w.u8(0x21);
        w.str(r.text);
        code = 1;
      }
    }
    inst.writerToScratch(w);
    return code;
  }

  /** redis.call / redis.pcall as Redis 7.2's luaRedisGenericCommand. */
  private redisCall(inst: Instance, nargs: number, raise: boolean, dispatch: ((argv: string[]) => Reply) | undefined, resp: ScriptResp): number {
    const w = this.w;
    if (nargs === 0) return this.callFailed(errors.luaNoArguments, raise);
    const argv = readArgv(inst.readerAt(inst.ex.rd_args_ptr()), nargs);
    if (argv === null) return this.callFailed(errors.luaArgumentType, raise);
    if (dispatch === undefined) return this.callFailed('This Redis command is not allowed from script', raise);
    const r = dispatch(argv);
    writeReplyForLua(w, r, resp);
    return raise && r.k === Kind.Error ? 1 : 0;
  }

  /** A redis.call that did not reach a command: the error is raised (call) or returned (pcall). */
  private callFailed(text: string, raise: boolean): number {
    this.w.u8(0x21);
    this.w.str(text);
    return raise ? 1 : 0;
  }
}
