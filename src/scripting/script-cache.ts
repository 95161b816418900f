/**
 * The EVAL script cache: SHA1 (lower-case hex) → body, flags and compiled chunk.
 *
 * Bounded: scripts that reached the cache through EVAL are kept at most
 * MAX_EVAL_SCRIPTS, the least recently used dropped first (a client generating
 * distinct scripts — e.g. with values pasted into the source — must not grow the
 * server without bound; Redis 7.2 kept them all, Redis 7.4 bounds them the same way).
 * Scripts loaded with SCRIPT LOAD are never dropped: a client that loaded one relies
 * on EVALSHA finding it. SCRIPT FLUSH empties everything.
 *
 * Memory is counted as Redis counts lua_scripts_mem (the SHA and the body) plus a
 * fixed per-entry overhead, for INFO used_memory_scripts_eval.
 */
import { createHash } from 'node:crypto';
import type { LuaChunk } from './lua-vm.js';
import type { ScriptFlags } from './shebang.js';

/** How many EVAL-created scripts are kept (as Redis 7.4's LRU list). */
export const MAX_EVAL_SCRIPTS = 500;

/** Per entry: the SHA's allocation, the entry and the script record (Redis: sds + dictEntry + luaScript). */
const ENTRY_OVERHEAD = 48 + 24 + 24;

export interface CachedScript {
  readonly sha: string;
  readonly body: string;
  readonly flags: ScriptFlags;
  readonly chunk: LuaChunk;
  /** added by EVAL (evictable) rather than SCRIPT LOAD */
  fromEval: boolean;
}

/** SHA1 of a binary string, 40 lower-case hex digits. */
export function sha1hex(body: string): string {
  return createHash('sha1').update(Buffer.from(body, 'latin1')).digest('hex');
}

export class ScriptCache {
  /** insertion order of this Map is the LRU order of EVAL-created entries (re-inserted on use) */
  private readonly scripts = new Map<string, CachedScript>();
  private evalCount = 0;
  private memory = 0;
  /** scripts dropped to respect MAX_EVAL_SCRIPTS */
  evictions = 0;

  /** called for every entry that leaves the cache (its chunk can be released) */
  constructor(private readonly onDrop: (s: CachedScript) => void = () => {}) {}

  get size(): number {
    return this.scripts.size;
  }

  /** Bytes the cache accounts for (INFO used_memory_scripts_eval). */
  get bytes(): number {
    return this.memory;
  }

  /** The script with this SHA (any case), marking an EVAL-created one as recently used. */
  get(sha: string): CachedScript | undefined {
    // clients send the digest in lower case: look it up as sent before lower-casing it
    let key = sha;
    let s = this.scripts.get(key);
    if (s === undefined && sha.length === 40) {
      key = sha.toLowerCase();
      s = this.scripts.get(key);
    }
    if (s !== undefined && s.fromEval) {
      this.scripts.delete(key);
      this.scripts.set(key, s);
    }
    return s;
  }

  /** The script with this SHA (any case), leaving the LRU order alone. */
  peek(sha: string): CachedScript | undefined {
    return this.scripts.get(sha.length === 40 ? sha.toLowerCase() : sha);
  }

  has(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  /**
   * Adds a script. A SCRIPT LOAD of a script EVAL had cached makes it permanent.
   * Returns the cached entry (the existing one when the SHA is known).
   */
  add(entry: CachedScript): CachedScript {
    const existing = this.scripts.get(entry.sha);
    if (existing !== undefined) {
      if (!entry.fromEval && existing.fromEval) {
        existing.fromEval = false;
        this.evalCount--;
      }
      return existing;
    }
    this.scripts.set(entry.sha, entry);
    this.memory += entry.sha.length + entry.body.length + ENTRY_OVERHEAD;
    if (entry.fromEval) {
      this.evalCount++;
      if (this.evalCount > MAX_EVAL_SCRIPTS) this.evictOldestEval();
    }
    return entry;
  }

  /** Empties the cache (SCRIPT FLUSH). */
  flush(): void {
    for (const s of this.scripts.values()) this.onDrop(s);
    this.scripts.clear();
    this.evalCount = 0;
    this.memory = 0;
  }

  private evictOldestEval(): void {
    for (const [sha, s] of this.scripts) {
      if (!s.fromEval) continue;
      this.scripts.delete(sha);
      this.evalCount--;
      this.memory -= s.sha.length + s.body.length + ENTRY_OVERHEAD;
      this.evictions++;
      this.onDrop(s);
      return;
    }
  }
}
