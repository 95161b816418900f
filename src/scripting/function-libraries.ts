/**
 * The FUNCTION libraries (Redis 7's functions.c): the registry of loaded libraries and
 * their functions, over one Lua VM in function-engine mode (lua-vm.ts,
 * native/redoubt-functions.inc.c) that holds every function's callback.
 *
 * Invariants:
 *  - `libraries` and `functions` always agree: every function of a linked library is in
 *    `functions` (keyed by its lower-cased name: Redis's function dictionary compares
 *    names case-insensitively) and nothing else is;
 *  - a library is only linked after its code ran and registered at least one function;
 *    a failed LOAD or RESTORE leaves the registry as it was (Redis's libraryJoin undo);
 *  - callbacks live in one VM instance: when the VM had to rebuild its instance
 *    (poisoning, or giving memory back), every linked library is loaded again in the new
 *    one before a function runs (`ensureLoaded`), so a stale reference never runs.
 * Codes, names and descriptions are binary strings (one char per byte).
 */
import { FUNCTION_FLAG_NAMES, LuaPrng, LuaVm, type LuaChunk, type HostFunctionResult } from './lua-vm.js';
import type { LuaArg } from './wire.js';
import type { LuaValue } from './lua-value.js';
import { isValidFunctionName, parseLibraryMetadata } from './library-metadata.js';
import { ScriptRunner } from './script-runner.js';
import { luaNumberToString } from './redis-api.js';
import { errors } from '../errors.js';
import type { FunctionRegistry } from '../command-context/services.js';
import type { FunctionInfo, FunctionRun, LibraryInfo, LoadEnvironment, LoadOutcome, RestorePolicy } from './script-types.js';

export type { FunctionInfo, FunctionRun, LibraryInfo, LoadEnvironment, LoadOutcome, RestorePolicy } from './script-types.js';

/** The only engine, as FUNCTION LIST and STATS name it. */
export const LUA_ENGINE_NAME = 'LUA';

/** Redis's LOAD_TIMEOUT_MS: a library's top-level code may run this long. */
export const LOAD_TIMEOUT_MS = 500;

export const FLAG_NO_WRITES = 1 << FUNCTION_FLAG_NAMES.indexOf('no-writes');
export const FLAG_ALLOW_OOM = 1 << FUNCTION_FLAG_NAMES.indexOf('allow-oom');
export const FLAG_ALLOW_STALE = 1 << FUNCTION_FLAG_NAMES.indexOf('allow-stale');
export const FLAG_NO_CLUSTER = 1 << FUNCTION_FLAG_NAMES.indexOf('no-cluster');
export const FLAG_ALLOW_CROSS_SLOT = 1 << FUNCTION_FLAG_NAMES.indexOf('allow-cross-slot-keys');

const LIBRARY_NAME_RULE = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

export interface FunctionLibrariesOptions {
  /** host functions of the VM (redis.<name>) besides call/pcall (default: EVAL's API) */
  readonly hostFunctions?: readonly string[];
  readonly memoryLimit?: number;
}

export class FunctionLibraries implements FunctionRegistry {
  /** the FCALL running now, or null (set by the FCALL handler around the run) */
  current: FunctionRun | null = null;
  /** libraries by name (case-sensitive), in load order */
  readonly libraries = new Map<string, LibraryInfo>();
  /** functions by lower-cased name */
  readonly functions = new Map<string, FunctionInfo>();
  private vmInstance: LuaVm | null = null;
  /** VM instance every linked library's callbacks belong to (-1: to be checked) */
  private syncedGeneration = -1;
  /** the host fed to reloads after an instance rebuild (redis.log while loading) */
  private reloadEnv: LoadEnvironment = { timeoutMs: 0 };

  /** lua-memory-limit for the function VM (undefined: the VM's default) */
  private memoryLimit: number | undefined;

  /** math.random's generator: Redis's one per process, which EVAL's VM shares too */
  readonly prng = new LuaPrng();

  constructor(private readonly opts: FunctionLibrariesOptions = {}) {
    this.memoryLimit = opts.memoryLimit;
  }

  /** lua-memory-limit: the function VM's cap, now and for a VM built later. */
  setMemoryLimit(bytes: number): void {
    this.memoryLimit = bytes;
    this.vmInstance?.setMemoryLimit(bytes);
  }

  /** The function VM (created on first use: a server without functions pays nothing). */
  get vm(): LuaVm {
    if (this.vmInstance === null) {
      this.vmInstance = new LuaVm({
        functionEngine: true,
        // the same redis.* API as EVAL at run time; while loading, the library API
        hostFunctions: this.opts.hostFunctions ?? ScriptRunner.hostFunctions,
        memoryLimit: this.memoryLimit,
        prng: this.prng,
      });
    }
    return this.vmInstance;
  }

  /** The function VM's linear memory, 0 while no library made it exist. */
  linearMemoryBytes(): number {
    return this.vmInstance === null ? 0 : this.vmInstance.linearMemoryBytes();
  }

  get functionCount(): number {
    return this.functions.size;
  }

  get libraryCount(): number {
    return this.libraries.size;
  }

  /** used_memory_vm_functions: what the function VM's Lua holds (0 before it exists). */
  vmMemory(): number {
    return this.vmInstance === null ? 0 : this.vmInstance.memoryUsed();
  }

  /**
   * used_memory_functions: the registry's own overhead, estimated as Redis counts it
   * (its dictionaries, each library's name and code, each function's name and
   * description, and per-entry structures).
   */
  overheadMemory(): number {
    let n = 184;
    for (const li of this.libraries.values()) {
      n += 64 + li.name.length + li.code.length;
      for (const fi of li.functions) n += 72 + fi.name.length + (fi.description?.length ?? 0);
    }
    return n;
  }

  /** Looks a function up (case-insensitive), its library loaded in the current VM instance. */
  lookup(name: string): FunctionInfo | undefined {
    const fi = this.functions.get(name.toLowerCase());
    if (fi !== undefined) this.ensureLoaded();
    return fi;
  }

  /** A function's flag bits without loading its library (command admission reads them). */
  flagsOf(name: string): number | undefined {
    return this.functions.get(name.toLowerCase())?.flags;
  }

  /** Every library's code, for DUMP, the RDB and the AOF base. */
  codes(): string[] {
    return [...this.libraries.values()].map((li) => li.code);
  }

  /** FUNCTION LOAD [REPLACE] (functionsCreateWithLibraryCtx, its checks in its order). */
  load(code: string, replace: boolean, env: LoadEnvironment): LoadOutcome {
    this.reloadEnv = env;
    const checked = checkMetadata(code);
    if (!checked.ok) return checked;
    const old = this.libraries.get(checked.name);
    if (old !== undefined && !replace) return { ok: false, error: `Library '${cString(checked.name)}' already exists` };
    const built = this.run(checked.name, checked.body, code, env);
    if (!built.ok) return built;
    const li = built.library;
    for (const fi of li.functions) {
      const other = this.functions.get(fi.name.toLowerCase());
      if (other !== undefined && other.library !== old) {
        this.releaseLibrary(li);
        return { ok: false, error: `Function ${cString(fi.name)} already exists` };
      }
    }
    if (old !== undefined) {
      this.unlink(old);
      this.releaseLibrary(old);
    }
    this.link(li);
    return { ok: true, name: li.name };
  }

  /** FUNCTION DELETE: false when there is no such library. */
  delete(name: string): boolean {
    const li = this.libraries.get(name);
    if (li === undefined) return false;
    this.unlink(li);
    this.releaseLibrary(li);
    return true;
  }

  /**
   * FUNCTION FLUSH: every library goes (their callbacks released to Lua's collector).
   * The VM stays, as Redis's engine does: the script runner holds it.
   */
  flush(): void {
    for (const li of this.libraries.values()) this.releaseLibrary(li);
    this.libraries.clear();
    this.functions.clear();
  }

  /**
   * FUNCTION RESTORE / loading an RDB: the libraries of `codes`, loaded apart first,
   * then joined with `policy` (Redis's libraryJoin: APPEND fails on a library that
   * exists, REPLACE swaps it, both fail on a function another library has; FLUSH drops
   * everything first). On any error nothing changes and the error is returned.
   */
  restore(codes: readonly string[], policy: RestorePolicy, env: LoadEnvironment): string | null {
    this.reloadEnv = env;
    const staged = new Map<string, LibraryInfo>();
    /** lower-cased name -> the name as registered */
    const stagedFunctions = new Map<string, string>();
    const dropStaged = (): void => {
      for (const li of staged.values()) this.releaseLibrary(li);
    };
    for (const code of codes) {
      // each library is created in the staging context, as rdbFunctionLoad does
      const checked = checkMetadata(code);
      if (!checked.ok) {
        dropStaged();
        return checked.error;
      }
      if (staged.has(checked.name)) {
        dropStaged();
        return `Library '${cString(checked.name)}' already exists`;
      }
      const built = this.run(checked.name, checked.body, code, env);
      if (!built.ok) {
        dropStaged();
        return built.error;
      }
      const li = built.library;
      for (const fi of li.functions) {
        if (stagedFunctions.has(fi.name.toLowerCase())) {
          this.releaseLibrary(li);
          dropStaged();
          return `Function ${cString(fi.name)} already exists`;
        }
      }
      staged.set(li.name, li);
      for (const fi of li.functions) stagedFunctions.set(fi.name.toLowerCase(), fi.name);
    }
    if (policy === 'flush') {
      for (const li of this.libraries.values()) this.releaseLibrary(li);
      this.libraries.clear();
      this.functions.clear();
      for (const li of staged.values()) this.link(li);
      return null;
    }
    const replaced: LibraryInfo[] = [];
    for (const li of staged.values()) {
      const old = this.libraries.get(li.name);
      if (old === undefined) continue;
      if (policy === 'append') {
        dropStaged();
        return `Library ${cString(li.name)} already exists`;
      }
      replaced.push(old);
    }
    for (const old of replaced) this.unlink(old);
    for (const [lower, name] of stagedFunctions) {
      if (this.functions.has(lower)) {
        for (const old of replaced) this.link(old);
        dropStaged();
        return `Function ${cString(name)} already exists`;
      }
    }
    for (const old of replaced) this.releaseLibrary(old);
    for (const li of staged.values()) this.link(li);
    return null;
  }

  /**
   * Reloads every library when the VM's instance is not the one their callbacks live
   * in (after a poisoning or a rebuild). The codes loaded before, so they load again;
   * a library that fails now (it cannot, short of memory) loses its functions.
   */
  ensureLoaded(): void {
    const vm = this.vm;
    const gen = vm.instanceGeneration();
    // the common case, on every FCALL: nothing was rebuilt since the last check
    if (gen === this.syncedGeneration) return;
    for (const li of this.libraries.values()) {
      if (li.generation === gen) continue;
      const md = parseLibraryMetadata(li.code);
      const r = md.ok ? vm.loadLibrary(md.md.body, { hostFunction: this.reloadEnv.hostFunction }) : null;
      li.generation = vm.instanceGeneration();
      if (r === null || r.kind !== 'ok') {
        for (const fi of li.functions) this.functions.delete(fi.name.toLowerCase());
        li.functions.length = 0;
        continue;
      }
      for (const reg of r.functions) {
        const fi = li.functions.find((f) => f.name === reg.name);
        if (fi !== undefined) fi.chunk = reg.chunk;
      }
    }
    // a reload that itself poisoned the instance leaves the generation changed: checked again next time
    this.syncedGeneration = gen === vm.instanceGeneration() ? gen : -1;
  }

  // ---- internals ---------------------------------------------------------------

  /** Runs a library's code (after its metadata was checked) without linking it. */
  private run(name: string, body: string, code: string, env: LoadEnvironment): { ok: true; library: LibraryInfo } | { ok: false; error: string } {
    this.ensureLoaded();
    const vm = this.vm;
    let interrupt: (() => string | null) | undefined;
    if (env.timeoutMs > 0) {
      const deadline = performance.now() + env.timeoutMs;
      interrupt = () => (performance.now() > deadline ? 'FUNCTION LOAD timeout' : null);
    }
    const r = vm.loadLibrary(body, { interrupt, hostFunction: env.hostFunction });
    switch (r.kind) {
      case 'compile-error':
        return { ok: false, error: `Error compiling function: ${r.message}` };
      case 'run-error':
        return { ok: false, error: `Error registering functions: ${errorMessage(r.error)}` };
      case 'fatal':
        return { ok: false, error: `Error registering functions: ${errors.plain(r.message)}` };
      case 'ok':
        break;
    }
    const library: LibraryInfo = { name, code, functions: [], generation: vm.instanceGeneration() };
    for (const reg of r.functions) {
      library.functions.push({ name: reg.name, description: reg.description, flags: reg.flags, library, chunk: reg.chunk });
    }
    if (library.functions.length === 0) return { ok: false, error: 'No functions registered' };
    return { ok: true, library };
  }

  private link(li: LibraryInfo): void {
    this.libraries.set(li.name, li);
    for (const fi of li.functions) this.functions.set(fi.name.toLowerCase(), fi);
  }

  private unlink(li: LibraryInfo): void {
    this.libraries.delete(li.name);
    for (const fi of li.functions) {
      if (this.functions.get(fi.name.toLowerCase()) === fi) this.functions.delete(fi.name.toLowerCase());
    }
  }

  /** Frees the callbacks of a library that is no longer linked. */
  private releaseLibrary(li: LibraryInfo): void {
    if (this.vmInstance === null) return;
    for (const fi of li.functions) this.vmInstance.release(fi.chunk);
  }
}

/** The metadata checks before any code runs: shebang, library name, engine. */
function checkMetadata(code: string): { ok: true; name: string; body: string } | { ok: false; error: string } {
  const parsed = parseLibraryMetadata(code);
  if (!parsed.ok) return parsed;
  const md = parsed.md;
  if (!isValidFunctionName(md.name)) return { ok: false, error: LIBRARY_NAME_RULE };
  if (md.engine.toUpperCase() !== LUA_ENGINE_NAME) return { ok: false, error: `Engine '${md.engine}' not found` };
  return { ok: true, name: md.name, body: md.body };
}

/** The message luaExtractErrorInformation takes from a load error. */
function errorMessage(v: LuaValue): string {
  if (typeof v === 'string') return errors.plain(v);
  if (typeof v === 'number') return errors.plain(luaNumberToString(v));
  if (v !== null && typeof v === 'object' && v.type === 'error-object') {
    if (typeof v.err === 'string') return v.err;
    if (typeof v.err === 'number') return luaNumberToString(v.err);
  }
  return '(null)';
}

/** %s / %S formatting of a name stops at a NUL byte (names here never hold one). */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}
