/**
 * What EVAL & co. and FCALL(_RO) declare about writing before they run, as Redis 7.2's
 * getCommandFlags reads it for command admission (CLIENT PAUSE WRITE, maxmemory): a script's shebang
 * flags (the cached script's, or the body's for an EVAL not cached yet) and a function's
 * registered flags replace the command's write/may_replicate flags, and its stale flag
 * unless allow-stale is declared (read also by the dispatcher's READONLY, NOREPLICAS and
 * MASTERDOWN refusals). A script without a shebang, an EVALSHA of an unknown SHA or an unknown function declares nothing: the
 * command's own flags apply.
 */
import type { CommandEntry } from '../command-model/command-data.js';
import { FLAG_ALLOW_OOM, FLAG_ALLOW_STALE, FLAG_NO_WRITES } from './function-libraries.js';
import type { ScriptCache } from './script-cache.js';
import { parseShebang, type ScriptFlags } from './shebang.js';

/** Where the declared flags are looked up. */
export interface DeclaredFlagSources {
  cache(): ScriptCache;
  flagsOf(functionName: string): number | undefined;
}

/**
 * What a script command declares (Redis's scriptFlagsToCmdFlags): `writes` replaces the
 * command's write flag, `stale` its stale flag (only allow-stale keeps it), `denyOom` its
 * deny-oom flag (set unless allow-oom or no-writes: maxmemory refuses the command, or an
 * EXEC that queued it, before it runs).
 */
export interface DeclaredFlags {
  readonly writes: boolean;
  readonly stale: boolean;
  readonly denyOom: boolean;
}

/** The 8 combinations, built once (admission allocates nothing). Index: writes | stale << 1 | denyOom << 2. */
const DECLARED: readonly DeclaredFlags[] = Array.from({ length: 8 }, (_, i) => Object.freeze({ writes: (i & 1) !== 0, stale: (i & 2) !== 0, denyOom: (i & 4) !== 0 }));

function declared(writes: boolean, stale: boolean, allowOom: boolean): DeclaredFlags {
  // no-writes implies allow-oom
  const denyOom = writes && !allowOom;
  return DECLARED[(writes ? 1 : 0) | (stale ? 2 : 0) | (denyOom ? 4 : 0)]!;
}

/** The script's declared flags; null: nothing declared (use the command's flags). */
export function declaredFlags(src: DeclaredFlagSources, cmd: CommandEntry, argv: readonly string[]): DeclaredFlags | null {
  const name = cmd.name;
  const arg = argv[1];
  if (arg === undefined) return null;
  if (name === 'fcall' || name === 'fcall_ro') {
    const bits = src.flagsOf(arg);
    return bits === undefined ? null : declared((bits & FLAG_NO_WRITES) === 0, (bits & FLAG_ALLOW_STALE) !== 0, (bits & FLAG_ALLOW_OOM) !== 0);
  }
  if (name !== 'eval' && name !== 'eval_ro' && name !== 'evalsha' && name !== 'evalsha_ro') return null;
  const bySha = name === 'evalsha' || name === 'evalsha_ro';
  if (bySha && arg.length !== 40) return null;
  let flags: ScriptFlags | null = null;
  const cached = bySha ? src.cache().peek(arg) : undefined;
  if (cached !== undefined) flags = cached.flags;
  else if (!bySha) {
    const parsed = parseShebang(arg);
    flags = parsed.ok ? parsed.flags : null;
  }
  if (flags === null || flags.compat) return null;
  return declared(!flags.noWrites, flags.allowStale, flags.allowOom);
}
