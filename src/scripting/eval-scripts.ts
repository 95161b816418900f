/**
 * EVAL's scripting state for one server: the Lua VM scripts run in, the script cache
 * and the runner. EVAL/EVALSHA/SCRIPT (commands/scripting.ts) use it through the
 * `scripting` command service; INFO reads its figures.
 *
 * Invariant: every cached script's chunk belongs to `vm`. SCRIPT FLUSH empties the
 * cache and rebuilds the VM (as Redis's scriptingReset: globals a script managed to
 * leave behind and the heap go with it).
 */
import { LuaVm, type LuaVmOptions } from './lua-vm.js';
import { ScriptCache, sha1hex, type CachedScript } from './script-cache.js';
import { ScriptRunner, type ScriptHost } from './script-runner.js';
import { parseShebang } from './shebang.js';
import { errors } from '../errors.js';
import type { CompileOutcome } from './script-types.js';
import type { EvalService } from '../command-context/services.js';

export type { CompileOutcome } from './script-types.js';


export class EvalScripts implements EvalService {
  private vmInstance: LuaVm;
  readonly cache: ScriptCache;
  runner: ScriptRunner;

  constructor(
    private readonly host: ScriptHost,
    private vmOptions: LuaVmOptions = {},
  ) {
    this.vmInstance = this.newVm();
    this.runner = new ScriptRunner(this.vmInstance, host);
    this.cache = new ScriptCache((s) => this.vmInstance.release(s.chunk));
  }

  get vm(): LuaVm {
    return this.vmInstance;
  }

  private newVm(): LuaVm {
    return new LuaVm({ ...this.vmOptions, hostFunctions: ScriptRunner.hostFunctions });
  }

  /**
   * The cached script for `body`, compiled and cached when new (luaCreateFunction):
   * shebang errors and compile errors are returned as their reply texts.
   */
  load(body: string, fromEval: boolean): CompileOutcome {
    const sha = sha1hex(body);
    const known = this.cache.get(sha);
    if (known !== undefined) {
      if (!fromEval) this.cache.add({ ...known, fromEval: false });
      return { ok: true, script: known };
    }
    const sb = parseShebang(body);
    if (!sb.ok) return { ok: false, error: sb.error };
    // the shebang line is dropped but its newline kept, so line numbers stay right
    const c = this.vmInstance.compile(body.slice(sb.bodyStart), '@user_script');
    if (!c.ok) return { ok: false, error: errors.scriptCompile(c.error) };
    const script = this.cache.add({ sha, body, flags: sb.flags, chunk: c.chunk, fromEval });
    return { ok: true, script };
  }

  /** SCRIPT FLUSH: every script forgotten and the Lua state started afresh. */
  flush(): void {
    this.cache.flush();
    this.vmInstance.close();
    this.vmInstance = this.newVm();
    const interrupt = this.runner.interrupt;
    this.runner = new ScriptRunner(this.vmInstance, this.host);
    this.runner.interrupt = interrupt;
  }

  /** lua-memory-limit: the VM's cap, kept for the VMs SCRIPT FLUSH builds later. */
  setMemoryLimit(bytes: number): void {
    this.vmOptions = { ...this.vmOptions, memoryLimit: bytes };
    this.vmInstance.setMemoryLimit(bytes);
  }

  /** INFO used_memory_vm_eval / used_memory_lua: bytes the Lua state holds. */
  vmMemory(): number {
    return this.vmInstance.memoryUsed();
  }

  /** INFO used_memory_scripts_eval. */
  scriptsMemory(): number {
    return this.cache.bytes;
  }
}
