/**
 * What every sorted-set command shares: typed lookups (WRONGTYPE), the one reader of
 * ZUNION/ZINTER/ZDIFF/ZINTERCARD inputs, creation with Redis 7.2's encoding hints,
 * zsetAdd (NX/XX/GT/LT/INCR and the listpack → skiplist switch) and keyspace events.
 */
import { CommandError, errors } from '../../errors.js';
import { SortedSet } from '../../types/sorted-set.js';
import type { SetData } from '../../types/set.js';
import type { CommandContext } from '../../command-context/context.js';

/** The sorted set at key for a read (hit/miss statistics), undefined if missing; WRONGTYPE otherwise. */
export function readZset(ctx: CommandContext, key: string): SortedSet | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'zset') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/** Same for a write path (no statistics). */
export function writeZset(ctx: CommandContext, key: string): SortedSet | undefined {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'zset') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/**
 * An input of ZUNION/ZINTER/ZDIFF (and their STORE forms) and ZINTERCARD: what those
 * commands need to read from a sorted set, or from a plain set whose members all score 1.
 */
export interface ZsetLikeInput {
  readonly size: number;
  score(member: string): number | undefined;
  /** every member with its score; sorted sets go from the highest down, as Redis */
  forEachReverse(visit: (member: string, score: number) => void): void;
}

/**
 * The one place those commands read an input key: a sorted set, a plain set (every
 * member scores 1, as Redis treats them), nothing (missing key), or WRONGTYPE.
 */
export function readZsetLikeInput(ctx: CommandContext, key: string): ZsetLikeInput | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type === 'zset') return e.v.value;
  if (e.v.type === 'set') return setAsZsetInput(e.v.value);
  throw new CommandError(errors.wrongType);
}

/** A plain set seen as a sorted-set input: members in the set's own iteration order, score 1. */
function setAsZsetInput(set: SetData): ZsetLikeInput {
  return {
    get size() {
      return set.size;
    },
    score: (member) => (set.has(member) ? 1 : undefined),
    forEachReverse(visit) {
      for (const m of set.members()) visit(m, 1);
    },
  };
}

export function limits(ctx: CommandContext): { entries: number; value: number } {
  const cfg = ctx.config;
  return { entries: cfg.int('zset-max-listpack-entries'), value: cfg.int('zset-max-listpack-value') };
}

/** zsetTypeCreate: listpack when the hints fit the limits, skiplist otherwise. */
export function createZset(ctx: CommandContext, sizeHint: number, lenHint: number): SortedSet {
  const z = new SortedSet();
  const lim = limits(ctx);
  z.listpack = sizeHint <= lim.entries && lenHint <= lim.value;
  return z;
}

export type AddOutcome = 'added' | 'updated' | 'nop' | 'same' | 'nan';

export interface AddFlags {
  incr: boolean;
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

export const PLAIN: AddFlags = { incr: false, nx: false, xx: false, gt: false, lt: false };

/**
 * zsetAdd: adds or updates one member under NX/XX/GT/LT/INCR, converting a listpack to
 * a skiplist before a new member would not fit it. `out.score` gets the resulting score.
 */
export function zsetAdd(ctx: CommandContext, z: SortedSet, score: number, member: string, f: AddFlags, out: { score: number }): AddOutcome {
  const cur = z.score(member);
  if (cur !== undefined) {
    if (f.nx) return 'nop';
    if (f.incr) {
      score += cur;
      if (Number.isNaN(score)) return 'nan';
    }
    if ((f.lt && score >= cur) || (f.gt && score <= cur)) return 'nop';
    out.score = score;
    if (score !== cur) {
      z.set(member, score);
      return 'updated';
    }
    return 'same';
  }
  if (f.xx) return 'nop';
  if (z.listpack) {
    const lim = limits(ctx);
    if (z.size + 1 > lim.entries || member.length > lim.value) z.listpack = false;
  }
  z.set(member, score);
  out.score = score; // the reply shows the score as given, even where the listpack drops -0
  return 'added';
}
