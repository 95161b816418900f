/**
 * What EVAL & co. and FCALL(_RO) declare about writing before they run, as Redis 7.2's
 * getCommandFlags reads it for command admission (CLIENT PAUSE WRITE): a script's shebang
 * flags (the cached script's, or the body's for an EVAL not cached yet) and a function's
 * registered flags replace the command's write/may_replicate flags, and its stale flag
 * unless allow-stale is declared (read also by the dispatcher's READONLY, NOREPLICAS and
 * MASTERDOWN refusals). A script without a shebang, an EVALSHA of an unknown SHA or an unknown function declares nothing: the
 * command's own flags apply.
 */
import type { CommandEntry } from '../command-model/command-data.js';
import { FLAG_ALLOW_STALE, FLAG_NO_WRITES } from './function-libraries.js';
import type { ScriptCache } from './script-cache.js';
import { parseShebang, type ScriptFlags } from './shebang.js';

/** Where the declared flags are looked up. */
export interface DeclaredFlagSources {
  cache(): ScriptCache;
  flagsOf(functionName: string): number | undefined;
}

/**
 * What a script command declares (Redis's scriptFlagsToCmdFlags): `writes` replaces the
 * command's write flag, `stale` its stale flag (only allow-stale keeps it).
 */
export interface DeclaredFlags {
  readonly writes: boolean;
  readonly stale: boolean;
}

const DECLARED = {
  readWrite: { writes: true, stale: false },
  readWriteStale: { writes: true, stale: true },
  readOnly: { writes: false, stale: false },
  readOnlyStale: { writes: false, stale: true },
} as const;

function declared(writes: boolean, stale: boolean): DeclaredFlags {
  if (writes) return stale ? DECLARED.readWriteStale : DECLARED.readWrite;
  return stale ? DECLARED.readOnlyStale : DECLARED.readOnly;
}

/** The script's declared flags; null: nothing declared (use the command's flags). */
export function declaredFlags(src: DeclaredFlagSources, cmd: CommandEntry, argv: readonly string[]): DeclaredFlags | null {
  const name = cmd.name;
  const arg = argv[1];
  if (arg === undefined) return null;
  if (name === 'fcall' || name === 'fcall_ro') {
    const bits = src.flagsOf(arg);
    return bits === undefined ? null : declared((bits & FLAG_NO_WRITES) === 0, (bits & FLAG_ALLOW_STALE) !== 0);
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
  return declared(!flags.noWrites, flags.allowStale);
}
