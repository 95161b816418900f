/** Every fuzz target by name, for `npm run fuzz` (test/fuzz/run-fuzz.ts). */
import type { FuzzTarget } from '../harness/fuzz-harness.js';
import { globTarget } from './glob-target.js';
import { parserTarget } from './parser-target.js';
import { aofTarget } from './aof-target.js';
import { commandTarget } from './command-target.js';
import { aclTarget, configTarget } from './config-acl-target.js';
import { rdbTarget, restoreTarget } from './rdb-target.js';

export type AnyTarget = FuzzTarget<unknown, unknown>;

/** name → the target (a factory: some targets hold a server or a scratch directory) */
export const TARGETS: Record<string, () => AnyTarget> = {
  parser: () => parserTarget as AnyTarget,
  restore: () => restoreTarget() as AnyTarget,
  rdb: () => rdbTarget() as AnyTarget,
  aof: () => aofTarget() as AnyTarget,
  config: () => configTarget() as AnyTarget,
  acl: () => aclTarget() as AnyTarget,
  glob: () => globTarget as AnyTarget,
  commands: () => commandTarget() as AnyTarget,
};
