/**
 * Reply values. Handlers return these; the encoder turns them into RESP2 or RESP3
 * for the connection's protocol. Strings inside replies are binary strings (latin1),
 * except `simple`/`error`/`verbatim` texts, which are server-made ASCII or carry user
 * bytes that the encoder writes back as the same bytes.
 */
export const enum Kind {
  Simple,
  Error,
  Int,
  Bulk,
  Null,
  NullArray,
  Array,
  Map,
  Set,
  Double,
  Bool,
  Verbatim,
  Push,
  BigNumber,
  /** pre-encoded bytes, identical in RESP2 and RESP3 */
  Raw,
  /** an array, map or set too long for one JS array (ReplyList) */
  Long,
}

export type Reply =
  | { readonly k: Kind.Simple; readonly s: string }
  /** `noStats`: already counted in errorstats where it arose (a script passing on a command's error) */
  | { readonly k: Kind.Error; readonly s: string; readonly noStats?: true }
  | { readonly k: Kind.Int; readonly n: number | bigint }
  | { readonly k: Kind.Bulk; readonly s: string }
  | { readonly k: Kind.Null }
  | { readonly k: Kind.NullArray }
  | { readonly k: Kind.Array; readonly items: readonly Reply[] }
  | { readonly k: Kind.Map; readonly items: readonly Reply[] /* key, value, key, value… */ }
  | { readonly k: Kind.Set; readonly items: readonly Reply[] }
  | { readonly k: Kind.Double; readonly d: number }
  | { readonly k: Kind.Bool; readonly b: boolean }
  | { readonly k: Kind.Verbatim; readonly format: string; readonly s: string }
  | { readonly k: Kind.Push; readonly items: readonly Reply[] }
  | { readonly k: Kind.BigNumber; readonly s: string }
  | { readonly k: Kind.Raw; readonly bytes: Buffer }
  /**
   * An aggregate (`of`) whose `length` items are the concatenation of `parts`; map items
   * alternate key, value across part boundaries. Only made by ReplyList past one part.
   */
  | { readonly k: Kind.Long; readonly of: Kind.Array | Kind.Map | Kind.Set; readonly parts: readonly (readonly Reply[])[]; readonly length: number };

/**
 * Items of one part of a long reply. A JS array grown by push aborts the process (V8's
 * "invalid size error", not an exception) past 112,813,858 elements, and a reply of a big
 * collection (KEYS, HGETALL, SMEMBERS, LRANGE) can be longer: ReplyList keeps parts of at
 * most this many items (issue 17).
 */
export const REPLY_PART_ITEMS = 1 << 24;

/**
 * Builds a collection-sized reply item by item. Up to one part it yields the plain
 * array / map / set reply it always did; beyond, a `Kind.Long` reply over several parts.
 */
export class ReplyList {
  private readonly parts: Reply[][] = [];
  private cur: Reply[] = [];
  private count = 0;

  constructor(private readonly partItems = REPLY_PART_ITEMS) {}

  get length(): number {
    return this.count;
  }

  push(r: Reply): void {
    if (this.cur.length >= this.partItems) {
      this.parts.push(this.cur);
      this.cur = [];
    }
    this.cur.push(r);
    this.count++;
  }

  finish(of: Kind.Array | Kind.Map | Kind.Set): Reply {
    if (this.parts.length === 0) return { k: of, items: this.cur };
    return { k: Kind.Long, of, parts: [...this.parts, this.cur], length: this.count };
  }
}

const smallInts: Reply[] = [];
for (let i = -1; i <= 1024; i++) smallInts.push({ k: Kind.Int, n: i });

export const reply = {
  ok: { k: Kind.Simple, s: 'OK' } as Reply,
  queued: { k: Kind.Simple, s: 'QUEUED' } as Reply,
  pong: { k: Kind.Simple, s: 'PONG' } as Reply,
  /** RESP2 `$-1`, RESP3 `_` */
  nil: { k: Kind.Null } as Reply,
  /** RESP2 `*-1`, RESP3 `_` */
  nilArray: { k: Kind.NullArray } as Reply,
  emptyArray: { k: Kind.Array, items: [] } as Reply,
  emptyBulk: { k: Kind.Bulk, s: '' } as Reply,
  zero: smallInts[1]!,
  one: smallInts[2]!,
  simple(s: string): Reply {
    return { k: Kind.Simple, s };
  },
  /** `s` is the whole error line without the leading '-', e.g. "ERR syntax error". */
  error(s: string): Reply {
    return { k: Kind.Error, s };
  },
  /** An error reply errorstats must not count again (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE). */
  errorNoStats(s: string): Reply {
    return { k: Kind.Error, s, noStats: true };
  },
  int(n: number | bigint): Reply {
    if (typeof n === 'number' && n >= -1 && n <= 1024 && Number.isInteger(n)) return smallInts[n + 1]!;
    return { k: Kind.Int, n };
  },
  bulk(s: string): Reply {
    return { k: Kind.Bulk, s };
  },
  bulkOrNil(s: string | undefined | null): Reply {
    return s === undefined || s === null ? reply.nil : { k: Kind.Bulk, s };
  },
  array(items: readonly Reply[]): Reply {
    return { k: Kind.Array, items };
  },
  bulks(items: readonly string[]): Reply {
    const out: Reply[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = { k: Kind.Bulk, s: items[i]! };
    return { k: Kind.Array, items: out };
  },
  map(items: readonly Reply[]): Reply {
    return { k: Kind.Map, items };
  },
  set(items: readonly Reply[]): Reply {
    return { k: Kind.Set, items };
  },
  double(d: number): Reply {
    return { k: Kind.Double, d };
  },
  bool(b: boolean): Reply {
    return { k: Kind.Bool, b };
  },
  verbatim(s: string, format = 'txt'): Reply {
    return { k: Kind.Verbatim, format, s };
  },
  push(items: readonly Reply[]): Reply {
    return { k: Kind.Push, items };
  },
  bigNumber(s: string): Reply {
    return { k: Kind.BigNumber, s };
  },
  raw(bytes: Buffer): Reply {
    return { k: Kind.Raw, bytes };
  },
};

export function isError(r: Reply): r is { k: Kind.Error; s: string } {
  return r.k === Kind.Error;
}
