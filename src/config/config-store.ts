/**
 * Current configuration values, keyed by canonical name, parsed and validated through
 * the declarative table. Values are kept as the canonical strings CONFIG GET shows;
 * typed accessors parse on demand (hot paths cache what they need via `apply`).
 */
import type { ConfigDef } from './config-def.js';

export type ConfigResult = string | { error: string };

export class ConfigStore {
  private readonly defs = new Map<string, ConfigDef>();
  private readonly values = new Map<string, string>();
  /** names given in a config file or on the command line, in order (for the no-effect notice) */
  readonly explicitlySet = new Set<string>();

  constructor(readonly table: readonly ConfigDef[]) {
    for (const def of table) {
      this.defs.set(def.name, def);
      for (const a of def.aliases ?? []) this.defs.set(a, def);
      this.values.set(def.name, def.default);
    }
  }

  def(name: string): ConfigDef | undefined {
    return this.defs.get(name.toLowerCase());
  }

  get(name: string): string {
    const def = this.def(name);
    if (def === undefined) throw new Error(`unknown config ${name}`);
    return this.values.get(def.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** Parses a value for `def` from config-line arguments; the canonical string or an error text. */
  parse(def: ConfigDef, args: string[]): ConfigResult {
    if (def.kind === 'special') {
      if (def.parse === undefined) return args.join(' ');
      return def.parse(args);
    }
    if (args.length !== 1) return { error: 'wrong number of arguments' };
    const raw = args[0]!;
    let value: string;
    switch (def.kind) {
      case 'bool': {
        const v = raw.toLowerCase();
        if (v !== 'yes' && v !== 'no') return { error: "argument must be 'yes' or 'no'" };
        value = v;
        break;
      }
      case 'int':
      case 'memory': {
        const n = def.kind === 'memory' ? parseMemory(raw) : parseIntStrict(raw);
        if (n === null) {
          return { error: def.kind === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer" };
        }
        if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
          return { error: `argument must be between ${def.min ?? 0} and ${def.max ?? Number.MAX_SAFE_INTEGER} inclusive` };
        }
        value = String(n);
        break;
      }
      case 'enum': {
        const vals = raw.toLowerCase().split(/\s+/).filter((x) => x.length > 0);
        const allowed = def.values ?? [];
        if (vals.length === 0 || (!def.multiEnum && vals.length > 1) || vals.some((v) => !allowed.includes(v))) {
          return { error: `argument(s) must be one of the following: ${allowed.join(', ')}` };
        }
        value = vals.join(' ');
        break;
      }
      case 'string':
        value = raw;
        break;
    }
    if (def.validate !== undefined) {
      const err = def.validate(value);
      if (err !== null) return { error: err };
    }
    return value;
  }

  /** Stores an already parsed canonical value (no apply; the caller runs side effects). */
  store(def: ConfigDef, value: string): void {
    this.values.set(def.name, value);
  }

  /** Canonical names, in table order (CONFIG GET with patterns, REWRITE). */
  names(): string[] {
    return this.table.map((d) => d.name);
  }
}

function parseIntStrict(s: string): number | null {
  if (!/^-?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** Redis's memtoull: 1k=1000, 1kb=1024, m/mb, g/gb; case-insensitive; plain bytes otherwise. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };
  const v = n * mul[unit]!;
  return Number.isSafeInteger(v) ? v : null;
}
