/**
 * What a key can hold. Values are plain data structures without protocol knowledge.
 * Strings are binary strings (one char per byte), never UTF-8.
 */
import type { HashData } from '../types/hash.js';
import type { SetData } from '../types/set.js';
import type { StreamData } from '../types/stream.js';
import type { SortedSet } from '../types/sorted-set.js';
import type { ListData } from '../types/list.js';

export type ValueType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export interface StringValue {
  type: 'string';
  value: string;
  /**
   * Redis keeps a string it has modified in place (APPEND, SETRANGE, SETBIT…) as "raw";
   * OBJECT ENCODING reports it so. Fresh values are "int"/"embstr"/"raw" by content.
   */
  raw: boolean;
  /**
   * Set for values Redis creates without trying the integer encoding (INCRBYFLOAT's result
   * is "embstr" even when it reads "3000").
   */
  notInt?: boolean;
}

/** A hash: field → value with insertion order, encoding flag and a stable HSCAN cursor. */
export interface HashValue {
  type: 'hash';
  value: HashData;
  raw?: undefined;
}

/** A set: members with Redis's intset/listpack/hashtable encoding state and iteration order. */
export interface SetValue {
  type: 'set';
  value: SetData;
  raw?: undefined;
}

/** A stream: entries by ID in Redis-shaped nodes, consumer groups. */
export interface StreamValue {
  type: 'stream';
  value: StreamData;
  raw?: undefined;
}

/** A sorted set: counted B+tree + member map, encoding flag, stable ZSCAN cursor. */
export interface ZsetValue {
  type: 'zset';
  value: SortedSet;
  raw?: undefined;
}

/** A list: a ring buffer of elements plus Redis's listpack/quicklist encoding model. */
export interface ListValue {
  type: 'list';
  value: ListData;
  raw?: undefined;
}

export type Value = StringValue | HashValue | SetValue | StreamValue | ZsetValue | ListValue;

export interface Entry {
  v: Value;
  /** LRU clock: ms of last access (OBJECT IDLETIME) */
  lru: number;
  /** LFU counter (OBJECT FREQ), logarithmic as in Redis */
  lfu: number;
  /** bytes the memory accounting last counted for this key (-1 once removed) */
  mem: number;
}
