/**
 * WATCH state (Redis 7.2 multi.c): which clients watch which keys, per database index,
 * and the rules that make a watching client's next EXEC fail ("dirty CAS").
 *
 * Invariants:
 *  - a client watches a (db, key) pair at most once;
 *  - `byDb[db].get(key)` lists exactly the watches on that pair, in WATCH order;
 *  - a client marked dirty watches nothing more (Redis unwatches it at once: nothing it
 *    watches can make the EXEC fail "more").
 * Watches are keyed by database index, not by Database object, because SWAPDB swaps
 * contents and a watch stays with the index (as Redis's per-redisDb watched_keys do).
 */
import type { Client } from './client.js';
import type { Database } from '../keyspace/database.js';
import { BigMap } from '../types/big-map.js';

interface Watch {
  readonly client: Client;
  readonly dbIndex: number;
  readonly key: string;
  /**
   * The key was already logically expired (but still stored) at WATCH time. Its later
   * deletion by expiry is then no change, and EXEC ignores it in the expired-key check.
   */
  expired: boolean;
}

export class WatchRegistry {
  /** per database: key → watches (BigMap: one WATCH may name more than 2^24 keys) */
  private readonly byDb = new Map<number, BigMap<string, Watch[]>>();
  private readonly byClient = new Map<Client, Watch[]>();

  /** Whether any client watches anything (writes skip the lookup otherwise). */
  get watching(): boolean {
    return this.byDb.size > 0;
  }

  /** Number of keys a client watches (CLIENT LIST has no field for it in 7.2; tests use it). */
  countFor(client: Client): number {
    return this.byClient.get(client)?.length ?? 0;
  }

  /** WATCH key: `expiredNow` is whether the key is stored but past its expiry time. */
  watch(client: Client, db: Database, key: string, expiredNow: boolean): void {
    let mine = this.byClient.get(client);
    if (mine !== undefined) {
      for (const w of mine) if (w.dbIndex === db.index && w.key === key) return;
    } else {
      mine = [];
      this.byClient.set(client, mine);
    }
    let keys = this.byDb.get(db.index);
    if (keys === undefined) {
      keys = new BigMap();
      this.byDb.set(db.index, keys);
    }
    let list = keys.get(key);
    if (list === undefined) {
      list = [];
      keys.set(key, list);
    }
    const w: Watch = { client, dbIndex: db.index, key, expired: expiredNow };
    list.push(w);
    mine.push(w);
    client.watchedKeys = mine.length;
  }

  /** UNWATCH, EXEC, DISCARD, RESET, disconnection: drops every watch of the client. */
  unwatchAll(client: Client): void {
    const mine = this.byClient.get(client);
    if (mine === undefined) return;
    this.byClient.delete(client);
    client.watchedKeys = 0;
    for (const w of mine) {
      const keys = this.byDb.get(w.dbIndex);
      const list = keys?.get(w.key);
      if (keys === undefined || list === undefined) continue;
      const i = list.indexOf(w);
      if (i !== -1) list.splice(i, 1);
      if (list.length === 0) {
        keys.delete(w.key);
        if (keys.size === 0) this.byDb.delete(w.dbIndex);
      }
    }
  }

  /**
   * A key was written, deleted or expired (Redis's touchWatchedKey). `stillStored` is
   * whether the key is in the database after the change.
   */
  touched(db: Database, key: string, stillStored: boolean): void {
    if (this.byDb.size === 0) return;
    const list = this.byDb.get(db.index)?.get(key);
    if (list === undefined) return;
    for (const w of [...list]) {
      if (w.expired) {
        // Deleting a key that was already expired at WATCH time changes nothing a
        // client could have read; from now on the watch is on a missing key.
        if (!stillStored) {
          w.expired = false;
          continue;
        }
        // Redis stops at such a watch (a `break` in its loop): the watches after it on
        // this key are left untouched as well. Reproduced as is.
        break;
      }
      w.client.watchDirty = true;
      this.unwatchAll(w.client);
    }
  }

  /**
   * FLUSHDB / FLUSHALL (replacedWith null) and SWAPDB (the other database): Redis's
   * touchAllWatchedKeysInDb, run before the contents change. A watch is invalidated when
   * the key exists now or will exist after a swap, except where the key was (and stays)
   * logically expired.
   */
  touchAllInDb(emptied: Database, replacedWith: Database | null, isStored: (db: Database, key: string) => boolean, isExpired: (db: Database, key: string) => boolean): void {
    const keys = this.byDb.get(emptied.index);
    if (keys === undefined) return;
    const dirty: Client[] = [];
    for (const [key, list] of keys) {
      const existsInEmptied = isStored(emptied, key);
      const existsInReplacement = replacedWith !== null && isStored(replacedWith, key);
      if (!existsInEmptied && !existsInReplacement) continue;
      for (const w of list) {
        if (w.expired) {
          if (!existsInReplacement) {
            w.expired = false;
            continue;
          }
          if (isExpired(replacedWith!, key)) continue;
        } else if (!existsInEmptied && isExpired(replacedWith!, key)) {
          w.expired = true;
          continue;
        }
        w.client.watchDirty = true;
        dirty.push(w.client);
      }
    }
    // Unwatching while iterating would change the lists under the loop.
    for (const c of dirty) this.unwatchAll(c);
  }

  /** EXEC's check: a watched key that expired since WATCH fails the transaction. */
  anyExpiredSinceWatch(client: Client, isExpired: (dbIndex: number, key: string) => boolean): boolean {
    const mine = this.byClient.get(client);
    if (mine === undefined) return false;
    for (const w of mine) {
      if (w.expired) continue;
      if (isExpired(w.dbIndex, w.key)) return true;
    }
    return false;
  }
}
