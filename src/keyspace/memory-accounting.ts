/**
 * used_memory as Redoubt accounts it: a fixed base (EMPTY_SERVER_BYTES, what an empty
 * redis-server reports), plus every key's estimated size (memory-estimate.ts), plus client
 * buffers. Stable between GCs, it moves exactly with the data set, which is what maxmemory
 * eviction needs.
 *
 * The base is not the process's heap: an empty Node process with the command table, the
 * Lua VMs and the config built holds ~17 MB of V8 heap (measured once after start-up,
 * `baseline`, and logged), which Redis's own suite and real deployments with a small
 * `maxmemory` (`11mb` in the suite) would otherwise see as an instance already full. What
 * maxmemory limits is what the server holds beyond its start-up baseline, so used_memory =
 * accounted memory − baseline + EMPTY_SERVER_BYTES; since the accounted memory is the
 * baseline plus the parts below, that is the parts plus the fixed base, O(1) to read.
 *
 * How keys stay accounted without a walk per write:
 * - each Entry carries `mem`, the bytes it was last accounted for (its bookkeeping, name,
 *   value and TTL entry); `dataset` is their sum, so used_memory is O(1) to read;
 * - every write already reports the keys it changed (keyModified, for WATCH): the server
 *   queues (key, entry, database) here, and the queue is settled before the next command when
 *   maxmemory is set, else by the cron or whenever a figure is read. Settling recomputes
 *   the entry's size (O(1) per key: values keep counts and payload bytes) and adds the
 *   difference;
 * - a key leaving the keyspace (DEL, expiry, eviction, FLUSHDB, overwrite by RENAME)
 *   gives its `mem` back at once through the database (`freed`) and is marked dead
 *   (mem = -1) so a queued refresh of it is skipped;
 * - INFO's split of that sum into overhead (key tables) and data set is computed from the
 *   databases' key counts when asked.
 */
import type { Database } from './database.js';
import type { CommandEntry } from '../command-model/command-data.js';
import { extractKeyNames } from '../command-model/key-extraction.js';
import type { Entry } from './value-types.js';
import { EXPIRE_OVERHEAD, KEY_OVERHEAD, keyBytes, stringBytes, valueBytes } from './memory-estimate.js';

/**
 * used_memory (and used_memory_startup) of an empty server: about what redis-server 7.2
 * reports empty (~0.87 MB startup, ~0.9 MB used), so figures and limits read alike.
 */
export const EMPTY_SERVER_BYTES = 880 * 1024;
/** Changed keys queued before the gate settles them even without a maxmemory. */
const PENDING_LIMIT = 21845;
/** What a settled queue slot holds instead of the entry it had. */
const SETTLED: Entry = { v: { type: 'string', value: '', raw: false }, lru: 0, lfu: 0, mem: -1 };

/** What used_memory reads of a client: its buffers, and what the last sum counted of them. */
export interface ClientBuffers {
  queryBufferBytes(): number;
  outputBufferBytes(): number;
  /** this client's part of MemoryAccounting.clients when it was last summed */
  bufferCounted: number;
}

/**
 * Query and output buffers of every client (counted in used_memory, as Redis counts them).
 * Each client keeps what was counted of it, so a client that goes leaves the sum at once
 * (MemoryAccounting.clientGone) rather than at the next cron tick: Redis frees a closed
 * client's buffers as it closes, and writes right after a burst of clients disconnecting
 * must not evict keys for memory that is already free.
 */
export function clientBufferBytes(conns: Iterable<{ client: ClientBuffers }>): number {
  let n = 0;
  for (const c of conns) {
    const b = c.client.queryBufferBytes() + c.client.outputBufferBytes();
    c.client.bufferCounted = b;
    n += b;
  }
  return n;
}

export interface MemoryFigures {
  used: number;
  /** startup + clients + key bookkeeping (Redis's used_memory_overhead) */
  overhead: number;
  startup: number;
  dataset: number;
  clients: number;
  /** key-table bookkeeping: [main, expires] */
  hashtableMain: number;
  hashtableExpires: number;
  keys: number;
}

export class MemoryAccounting {
  /** sum of every live entry's `mem` */
  private dataset = 0;
  /** [key, entry, database] triples changed since the last settle, flattened */
  // Keys changed since the last settle, as three parallel arrays reused from one settle to
  // the next (no per-write allocation, monomorphic elements): the hot path pays a few stores.
  private pendingKeys: string[] = [];
  private pendingEntries: Entry[] = [];
  private pendingDbs: Database[] = [];
  private pendingCount = 0;
  /** the fixed base every figure starts from (INFO used_memory_startup) */
  readonly startup = EMPTY_SERVER_BYTES;
  /** V8 heap (+ external) once the server was built: logged, not counted (see the header) */
  baseline = 0;
  /** client query and output buffers, refreshed by the cron and by INFO */
  clients = 0;
  peak = 0;
  /** set by the maxmemory hook (server/memory-limits.ts) */
  private limited = false;
  /**
   * Whether the dispatcher must call the memory gate before a command: maxmemory is set,
   * or the refresh queue grew long. One flag, so the hot path pays one test without a limit.
   */
  check = false;

  setLimited(on: boolean): void {
    this.limited = on;
    this.check = on || this.pendingCount > PENDING_LIMIT;
  }

  /**
   * `trackingBytes`: the client-side caching table (server/tracking.ts), part of used_memory
   * and of the overhead as Redis's allocator counts its tracking table; read in O(1).
   */
  constructor(
    private readonly dbs: () => readonly Database[],
    private readonly trackingBytes: () => number = () => 0,
  ) {}

  /** A write changed `key` (called from keyModified with the entry now stored, if any). */
  changed(db: Database, key: string, e: Entry | undefined): void {
    if (e === undefined) return;
    // the same key written again before a settle (a hot key, a pipeline of writes to one
    // list or hash): settle reads the entry as it is then, so a second slot would only
    // count it twice over to the same figure
    const last = this.pendingCount - 1;
    if (last >= 0 && this.pendingEntries[last] === e && this.pendingKeys[last] === key && this.pendingDbs[last] === db) return;
    const i = this.pendingCount++;
    this.pendingKeys[i] = key;
    this.pendingEntries[i] = e;
    this.pendingDbs[i] = db;
    if (i >= PENDING_LIMIT) this.check = true;
  }

  /** per command id: 1 = its keys are re-accounted after it runs, 2 = not (0 = not decided yet) */
  private rescan = new Uint8Array(0);

  /**
   * After a command ran: stream writes change consumer groups and PELs (XGROUP, XREADGROUP,
   * XACK, XCLAIM…) without signalling their key (as Redis, WATCH does not see them), so
   * their keys are queued here, found by key extraction. Other commands cost one lookup.
   */
  afterCommand(db: Database, cmd: CommandEntry, argv: readonly string[]): void {
    let r = cmd.id < this.rescan.length ? this.rescan[cmd.id]! : 0;
    if (r === 0) {
      r = cmd.flags.includes('write') && cmd.aclCategories.includes('stream') ? 1 : 2;
      if (cmd.id >= this.rescan.length) {
        const grown = new Uint8Array(Math.max(cmd.id + 1, this.rescan.length * 2));
        grown.set(this.rescan);
        this.rescan = grown;
      }
      this.rescan[cmd.id] = r;
    }
    if (r === 1) for (const key of extractKeyNames(cmd, argv)) this.changed(db, key, db.storedEntry(key));
  }

  /** A client closed: what the last sum counted of its buffers is free again. */
  clientGone(c: ClientBuffers): void {
    this.clients = Math.max(0, this.clients - c.bufferCounted);
    c.bufferCounted = 0;
  }

  /** An entry left the keyspace: its bytes are free again. */
  freed(e: Entry): void {
    if (e.mem > 0) this.dataset -= e.mem;
    e.mem = -1;
  }

  /** Recomputes the sizes of the keys changed since the last call. */
  settle(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    const keys = this.pendingKeys;
    const entries = this.pendingEntries;
    const dbs = this.pendingDbs;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      // the slot keeps no value alive once settled (a deleted big value must be collectable)
      entries[i] = SETTLED;
      if (e.mem < 0) continue;
      const key = keys[i]!;
      // most datasets have no TTLs: no lookup then
      const expires = dbs[i]!.expires;
      const ttl = expires.size > 0 && expires.has(key) ? EXPIRE_OVERHEAD : 0;
      const bytes = KEY_OVERHEAD + stringBytes(key.length) + valueBytes(e.v) + ttl;
      this.dataset += bytes - e.mem;
      e.mem = bytes;
    }
    this.pendingCount = 0;
    this.check = this.limited;
  }

  /** used_memory in bytes (settles first). */
  used(): number {
    this.settle();
    const used = this.startup + this.clients + this.trackingBytes() + this.dataset;
    if (used > this.peak) this.peak = used;
    return used;
  }

  /** Every figure INFO memory and MEMORY STATS show. */
  figures(): MemoryFigures {
    const used = this.used();
    let keys = 0;
    let expires = 0;
    for (const db of this.dbs()) {
      keys += db.size;
      expires += db.expiresCount;
    }
    const hashtableMain = keys * KEY_OVERHEAD;
    const hashtableExpires = expires * EXPIRE_OVERHEAD;
    const overhead = this.startup + this.clients + this.trackingBytes() + hashtableMain + hashtableExpires;
    return { used, overhead, startup: this.startup, dataset: used - overhead, clients: this.clients, hashtableMain, hashtableExpires, keys };
  }

  /** MEMORY USAGE: the key's name, value and bookkeeping, TTL not included (as Redis). */
  keyUsage(key: string, e: Entry, samples: number): number {
    return keyBytes(key, e.v, samples);
  }
}
