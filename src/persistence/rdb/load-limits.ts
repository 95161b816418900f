/**
 * The encoding limits a loaded value is fitted to, as Redis applies its *-max-* settings
 * when it loads a dump (a small plain hash becomes a listpack, a big listpack hash a
 * hashtable, and so on). Callers pass the server's current configuration.
 */
export interface RdbLoadLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  setMaxListpackEntries: number;
  setMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  /** list-max-listpack-size (the quicklist "fill") */
  listMaxListpackSize: number;
}

/** Redis 7.2's defaults. */
export const DEFAULT_LOAD_LIMITS: RdbLoadLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  setMaxListpackEntries: 128,
  setMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  listMaxListpackSize: -2,
};

/** The limits from a config store (the server's `config`, as the command handlers read it). */
export function loadLimitsFromConfig(cfg: { int(name: string): number }): RdbLoadLimits {
  return {
    hashMaxListpackEntries: cfg.int('hash-max-listpack-entries'),
    hashMaxListpackValue: cfg.int('hash-max-listpack-value'),
    setMaxIntsetEntries: cfg.int('set-max-intset-entries'),
    setMaxListpackEntries: cfg.int('set-max-listpack-entries'),
    setMaxListpackValue: cfg.int('set-max-listpack-value'),
    zsetMaxListpackEntries: cfg.int('zset-max-listpack-entries'),
    zsetMaxListpackValue: cfg.int('zset-max-listpack-value'),
    listMaxListpackSize: cfg.int('list-max-listpack-size'),
  };
}
