/**
 * SORT and SORT_RO (sort.c of Redis 7.2): sort a list, set or sorted set numerically or
 * with ALPHA, by the elements or by weights in other keys (BY pattern, `->field` for a
 * hash field), return the elements or values looked up per element (GET pattern, `#` for
 * the element), LIMIT a window, and with SORT only, STORE the result as a list.
 *
 * Redis's behaviour kept here, in its order:
 *  - options are parsed left to right and the first bad one answers: LIMIT's integers,
 *    BY/GET denied (see below), a syntax error (STORE too, for SORT_RO); then the key's
 *    type (WRONGTYPE); a missing key sorts as an empty list;
 *  - a BY pattern without `*` means "do not sort" (it stays so even if another BY
 *    follows); lists and sorted sets then come out in their own order, reversed by DESC,
 *    with LIMIT taken as a range of that order; a set comes out in its iteration order,
 *    except with STORE, where it is sorted ALPHA so the stored list does not depend on
 *    the set's layout;
 *  - SORT on a sorted set converts a listpack-encoded one to a skiplist (Redis does so to
 *    walk it; OBJECT ENCODING shows it), even for SORT_RO;
 *  - BY and GET with a pattern read keys the call does not name, so they are refused
 *    ("…denied due to insufficient ACL permissions.", an ERR) unless the user may read
 *    every key (acl/full-key-access.ts); GET # is refused just the same, as in Redis.
 *    Start-up loading runs as no user, like Redis's AOF client, and is never refused;
 *  - a weight that is not a number fails the whole call with Redis's error; a missing
 *    weight key (or one of another type) weighs 0, or sorts first with ALPHA;
 *  - STORE writes a list (dropping any TTL; "sortstore" event) or, when the result is
 *    empty, deletes the destination ("del" event if it existed); it answers the count.
 * The write feed gets SORT … STORE as sent, as Redis propagates it: replaying it on the
 * same data sorts the same way (every order below is a function of the data).
 */
import { defineCommand, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { ListData } from '../types/list.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { hasUnrestrictedKeyRead } from '../acl/full-key-access.js';
import { cString, limitWindow, sortComparator, sortScore, type SortItem } from './sort-order.js';
import { SortItems } from './sort-items.js';
import type { CommandContext } from '../command-context/context.js';
import { readLongLong } from '../command-model/argument-reader.js';

/**
 * A BY/GET pattern, compiled once per call (lookupKeyByPattern's rules): `#` stands for
 * the element; without `*` nothing is ever found; otherwise the first `*` is replaced by
 * the element, and a `->` after it (with something after the arrow) names a hash field.
 * `*`, `->` and `#` are searched in the text up to its first NUL, as C string functions do.
 */
type SortPattern = { kind: 'self' } | { kind: 'none' } | { kind: 'key'; prefix: string; postfix: string; field: string | null };

function compilePattern(p: string): SortPattern {
  if (p.charCodeAt(0) === 35 && (p.length === 1 || p.charCodeAt(1) === 0)) return { kind: 'self' };
  const c = cString(p);
  const star = c.indexOf('*');
  if (star === -1) return { kind: 'none' };
  const arrow = c.indexOf('->', star + 1);
  const isField = arrow !== -1 && arrow + 2 < p.length && p.charCodeAt(arrow + 2) !== 0;
  return {
    kind: 'key',
    prefix: p.slice(0, star),
    postfix: p.slice(star + 1, isField ? arrow : p.length),
    field: isField ? p.slice(arrow + 2) : null,
  };
}

/** The value a pattern names for `elem`, or null (missing key or field, or the wrong type). */
function lookupByPattern(ctx: CommandContext, pat: SortPattern, elem: string): string | null {
  if (pat.kind === 'self') return elem;
  if (pat.kind === 'none') return null;
  const e = ctx.db.lookupRead(pat.prefix + elem + pat.postfix);
  if (e === undefined) return null;
  if (pat.field !== null) return e.v.type === 'hash' ? (e.v.value.get(pat.field) ?? null) : null;
  return e.v.type === 'string' ? e.v.value : null;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  offset: number;
  count: number;
  /** the last BY pattern, null without BY */
  by: string | null;
  /** a BY without `*` was seen: no sorting at all */
  dontSort: boolean;
  gets: SortPattern[];
  store: string | null;
}

function parseOptions(ctx: CommandContext, argv: string[], readonly: boolean): SortOptions {
  const o: SortOptions = { desc: false, alpha: false, offset: 0, count: -1, by: null, dontSort: false, gets: [], store: null };
  let fullAccess: boolean | null = null;
  // Asked once, and only when a pattern needs it (Redis asks up front; the answer is the same).
  const mayReadAnyKey = (): boolean =>
    (fullAccess ??= ctx.services.keyspace.loading || hasUnrestrictedKeyRead(ctx.client.aclUser, ctx.command, argv));
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    // strcasecmp: the option word ends at a NUL byte
    const opt = cString(argv[j]!).toLowerCase();
    if (opt === 'asc') o.desc = false;
    else if (opt === 'desc') o.desc = true;
    else if (opt === 'alpha') o.alpha = true;
    else if (opt === 'limit' && left >= 2) {
      o.offset = readLongLong(argv[j + 1]!);
      o.count = readLongLong(argv[j + 2]!);
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      o.store = argv[++j]!;
    } else if (opt === 'by' && left >= 1) {
      o.by = argv[++j]!;
      if (!cString(o.by).includes('*')) o.dontSort = true;
      else if (!mayReadAnyKey()) throw new CommandError(errors.sortByDenied);
    } else if (opt === 'get' && left >= 1) {
      if (!mayReadAnyKey()) throw new CommandError(errors.sortGetDenied);
      o.gets.push(compilePattern(argv[++j]!));
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  return o;
}

function item(elem: string): SortItem {
  return { elem, score: 0, weight: null };
}

function sortGeneric(ctx: CommandContext, argv: string[], readonly: boolean): Reply {
  const o = parseOptions(ctx, argv, readonly);
  const e = ctx.db.lookupRead(argv[1]!);
  const v = e?.v;
  if (v !== undefined && v.type !== 'list' && v.type !== 'set' && v.type !== 'zset') throw new CommandError(errors.wrongType);

  let { dontSort, alpha, by } = o;
  if (dontSort && v?.type === 'set' && (o.store !== null || ctx.client.inScript)) {
    // an unsorted set would store (or hand a script) its layout; sort it so the result is
    // data-determined, as Redis does for STORE and for scripts
    dontSort = false;
    alpha = true;
    by = null;
  }
  if (v?.type === 'zset') v.value.listpack = false;

  const len = v === undefined ? 0 : v.type === 'list' ? v.value.length : v.value.size;
  let { start, end } = limitWindow(len, o.offset, o.count);
  // chunked: a collection may hold more elements than one JS array can (sort-items.ts)
  const items = new SortItems();

  if (dontSort && (v === undefined || v.type === 'list' || v.type === 'zset')) {
    // the value's own order (reversed by DESC), only the window's elements
    const n = Math.max(0, end - start + 1);
    if (v?.type === 'list') {
      for (let k = 0; k < n; k++) items.push(item(v.value.at(o.desc ? len - 1 - start - k : start + k)));
    } else if (v?.type === 'zset' && n > 0) {
      let k = 0;
      v.value.walk(o.desc ? len - 1 - start : start, o.desc, (m) => {
        items.push(item(m));
        return ++k < n;
      });
    }
    start = 0;
    end = n - 1;
  } else {
    if (v?.type === 'list') for (let k = 0; k < len; k++) items.push(item(v.value.at(k)));
    else if (v?.type === 'set') for (const m of v.value.members()) items.push(item(m));
    else if (v?.type === 'zset' && len > 0) {
      v.value.walk(0, false, (m) => {
        items.push(item(m));
        return true;
      });
    }
  }

  if (!dontSort) {
    const byPat = by === null ? null : compilePattern(by);
    let bad = false;
    items.forEach((it) => {
      let w: string | null = it.elem;
      if (byPat !== null) {
        w = lookupByPattern(ctx, byPat, it.elem);
        if (w === null) return; // a missing weight: score 0, or first with ALPHA
      }
      if (alpha) {
        if (byPat !== null) it.weight = w;
      } else {
        const s = sortScore(w);
        if (s === null) bad = true;
        else it.score = s;
      }
    });
    if (bad) throw new CommandError(errors.sortScore);
    items.sort(sortComparator({ alpha, byPattern: byPat !== null, store: o.store !== null, desc: o.desc }));
  }

  const gets = o.gets;
  const picked = end - start + 1;
  const outputLen = gets.length > 0 ? gets.length * picked : picked;
  if (o.store === null) {
    // a ReplyList: GET patterns multiply the window, past what one JS array holds (issue 17)
    const out = new ReplyList();
    items.window(start, end, ({ elem }) => {
      if (gets.length === 0) out.push(reply.bulk(elem));
      for (const g of gets) {
        const val = lookupByPattern(ctx, g, elem);
        out.push(val === null ? reply.nil : reply.bulk(val));
      }
    });
    return out.finish(Kind.Array);
  }
  return storeResult(ctx, o.store, items, start, end, gets, outputLen);
}

/** SORT … STORE: the window (or its GET values, "" for missing ones) as a new list. */
function storeResult(ctx: CommandContext, dst: string, items: SortItems, start: number, end: number, gets: SortPattern[], outputLen: number): Reply {
  const fill = ctx.config.int('list-max-listpack-size');
  // built as a quicklist, then made a listpack if it fits one node (as sort.c does)
  const list = ListData.emptyQuicklist();
  items.window(start, end, ({ elem }) => {
    if (gets.length === 0) list.pushTail(elem, fill);
    for (const g of gets) list.pushTail(lookupByPattern(ctx, g, elem) ?? '', fill);
  });
  if (outputLen > 0) {
    list.convertIfSingleNode(fill);
    ctx.db.set(dst, { type: 'list', value: list });
    ctx.notify(NotifyKind.list, 'sortstore', dst);
    // Redis counts one change per stored element (save points, rdb_changes_since_last_save);
    // the set above counted one
    ctx.services.keyspace.addDirty(outputLen - 1);
  } else if (ctx.db.delete(dst)) {
    ctx.notify(NotifyKind.generic, 'del', dst);
  }
  return reply.int(outputLen);
}

const mainKey: KeySpec = { flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } };
/** Redis's own notes on its two "unknown" key specs, as COMMAND INFO shows them. */
const patternKeys: KeySpec = {
  notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
  flags: ['RO', 'ACCESS'],
  begin: { unknown: true },
  find: { unknown: true },
};
const storeKey: KeySpec = {
  notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
  flags: ['OW', 'UPDATE'],
  begin: { unknown: true },
  find: { unknown: true },
};

const sortArguments = [
  { name: 'key', type: 'key' },
  { name: 'pattern', type: 'pattern', token: 'BY', optional: true },
  {
    name: 'offset_count',
    type: 'block',
    token: 'LIMIT',
    optional: true,
    arguments: [
      { name: 'offset', type: 'integer' },
      { name: 'count', type: 'integer' },
    ],
  },
  { name: 'pattern', type: 'pattern', token: 'GET', optional: true, multiple: true },
  {
    name: 'order',
    type: 'oneof',
    optional: true,
    arguments: [
      { name: 'asc', type: 'pure-token', token: 'ASC' },
      { name: 'desc', type: 'pure-token', token: 'DESC' },
    ],
  },
  { name: 'sorting', type: 'pure-token', token: 'ALPHA', optional: true },
] as const;

const complexity =
  'O(N+M*log(M)): N elements in the list, set or sorted set, M of them returned; O(N) when nothing is sorted.';

export const sort = defineCommand({
  name: 'sort',
  arity: -2,
  flags: ['write', 'denyoom'],
  categories: ['set', 'sortedset', 'list', 'dangerous'],
  keySpecs: [mainKey, patternKeys, storeKey],
  docs: {
    summary: 'Sorts a list, set or sorted set, optionally by external weights, and returns or stores the result.',
    since: '1.0.0',
    group: 'generic',
    complexity,
    arguments: [...sortArguments, { name: 'destination', type: 'key', token: 'STORE', optional: true }],
  },
  run: (ctx, argv) => sortGeneric(ctx, argv, false),
});

export const sortRo = defineCommand({
  name: 'sort_ro',
  arity: -2,
  flags: ['readonly'],
  categories: ['set', 'sortedset', 'list', 'dangerous'],
  keySpecs: [mainKey, patternKeys],
  docs: {
    summary: 'Sorts a list, set or sorted set like SORT, without STORE (read-only).',
    since: '7.0.0',
    group: 'generic',
    complexity,
    arguments: sortArguments,
  },
  run: (ctx, argv) => sortGeneric(ctx, argv, true),
});

export const sortCommands: CommandDefinition[] = [sort, sortRo];
