/**
 * The keyspace's side of the server (keyspace/database.ts's KeyspaceHost): what happens
 * around a key when the databases change it.
 *
 * Contract:
 *  - `keyModified` is Redis's signalModifiedKey: memory accounting sees the new entry,
 *    WATCH marks the key dirty, the dirty counter grows by one, and clients blocked on the
 *    key are signalled (served after the command, never inside it);
 *  - `keyExpired` is a deletion the server made on its own: WATCH and waiters see it and
 *    the write feed gets a DEL (UNLINK under lazyfree-lazy-expire), but the dirty counter
 *    is left alone (Redis's deleteExpiredKeyAndPropagate);
 *  - `notifyKeyspaceEvent` publishes to __keyspace@<db>__:<key> (K) and then to
 *    __keyevent@<db>__:<event> (E) when the event's class is enabled by
 *    notify-keyspace-events; the classes are kept as bits by this module's own config
 *    hook, since every write command reads them;
 *  - the LFU switch is likewise kept by the maxmemory-policy hook (read on every lookup);
 *  - snapshot hooks (`keyWriteHook`, `bulkWriteHook`) and `loading` are the server's
 *    state, read through the host at the moment they are needed.
 * Nothing here replies to a client or throws: the hooks run inside handlers.
 */
import type { ConfigStore } from '../config/config-store.js';
import { notifyFlagsOf } from '../config/config-values.js';
import type { Command } from '../command-context/command-spec.js';
import { extractKeyNames } from '../command-model/key-extraction.js';
import type { Database, KeyspaceHost } from '../keyspace/database.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { Entry } from '../keyspace/value-types.js';
import type { Propagator } from '../persistence/propagator.js';
import type { BlockingRegistry } from './blocking.js';
import type { Client } from './client.js';
import type { PubSubRegistry } from './pubsub.js';
import type { TrackingTable } from './tracking.js';
import type { ServerStats } from './stats.js';
import type { WatchRegistry } from './watch.js';

/** The K and E bits of notify-keyspace-events: which of the two channels get events. */
const NOTIFY_KEYSPACE = 1 << 0;
const NOTIFY_KEYEVENT = 1 << 1;

/** What the hooks reach: the registries a key change concerns, and the server's state. */
export interface KeyspaceHooksHost {
  readonly dbs: readonly Database[];
  readonly config: ConfigStore;
  readonly stats: ServerStats;
  readonly memory: MemoryAccounting;
  readonly watches: WatchRegistry;
  readonly blocking: BlockingRegistry;
  readonly pubsub: PubSubRegistry;
  readonly tracking: TrackingTable;
  readonly propagator: Propagator;
  /** the client whose command is executing (CLIENT NO-TOUCH) */
  readonly current: Client | null;
  readonly loading: boolean;
  /** a replica does not expire the primary's keys itself (replication/replica-side.ts) */
  readonly replication: { readonly isReplica: boolean };
  /** CLIENT PAUSE (either mode) holds expiry back, as Redis's PAUSE_ACTION_EXPIRE */
  readonly pause: { readonly active: boolean };
  keyWriteHook: ((db: Database, key: string) => void) | null;
  bulkWriteHook: ((db: Database) => void) | null;
  now(): number;
}

export class KeyspaceHooks implements KeyspaceHost {
  /** notify-keyspace-events as class bits (kept by the config hook registered below) */
  notifyFlags = 0;
  /** maxmemory-policy is an LFU one (kept by the config hook registered below) */
  private lfuPolicy = false;

  constructor(private readonly host: KeyspaceHooksHost) {
    host.config.onChange('notify-keyspace-events', (v) => {
      this.notifyFlags = notifyFlagsOf(v);
      return null;
    });
    // the keyspace keeps LFU counters only under an LFU policy (OBJECT FREQ)
    host.config.onChange('maxmemory-policy', (v) => {
      this.lfuPolicy = v.includes('lfu');
      return null;
    });
  }

  get stats(): ServerStats {
    return this.host.stats;
  }
  get keyWriteHook(): ((db: Database, key: string) => void) | null {
    return this.host.keyWriteHook;
  }
  get bulkWriteHook(): ((db: Database) => void) | null {
    return this.host.bulkWriteHook;
  }
  get loading(): boolean {
    return this.host.loading;
  }

  now(): number {
    return this.host.now();
  }

  keyResized(db: Database, key: string): void {
    this.host.memory.changed(db, key, db.storedEntry(key));
  }

  keyModified(db: Database, key: string, stored?: Entry): void {
    const h = this.host;
    h.memory.changed(db, key, stored ?? db.storedEntry(key));
    if (h.watches.watching) h.watches.touched(db, key, db.stores(key));
    h.stats.dirty++;
    if (h.blocking.size > 0) h.blocking.signal(db.index, key);
    h.tracking.invalidateKey(key, h.current, true);
  }

  /**
   * Before a write command runs during a snapshot: its keys may be changed in place (a
   * list push mutates the stored list), so the snapshot writes them first.
   */
  preserveKeys(dbIndex: number, cmd: Command, argv: string[]): void {
    const hook = this.host.keyWriteHook;
    const db = this.host.dbs[dbIndex];
    if (hook === null || db === undefined) return;
    for (const key of extractKeyNames(cmd, argv)) hook(db, key);
  }

  keyExpired(db: Database, key: string): void {
    const h = this.host;
    if (h.watches.watching) h.watches.touched(db, key, db.stores(key));
    if (h.blocking.size > 0) h.blocking.signal(db.index, key);
    if (h.propagator.sink !== null) h.propagator.deletion(db.index, key, h.config.bool('lazyfree-lazy-expire'));
    h.tracking.invalidateKey(key, null, true);
  }

  /** Stored but past its expiry time (Redis's keyIsExpired), by database index. */
  keyIsExpired(dbIndex: number, key: string): boolean {
    const at = this.host.dbs[dbIndex]?.getExpire(key);
    return at !== undefined && at <= this.host.now();
  }

  notifyKeyspaceEvent(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void {
    const flags = this.notifyFlags;
    if ((flags & kind) === 0) return;
    if (flags & NOTIFY_KEYSPACE) this.host.pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (flags & NOTIFY_KEYEVENT) this.host.pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key);
  }

  replicaExpiry(): 'keep' | 'hide' | null {
    if (this.host.replication.isReplica) {
      const c = this.host.current;
      return c !== null && c.role === 'master' ? 'keep' : 'hide';
    }
    // as Redis 7.2's expireIfNeeded: while clients are paused an expired key reads as gone
    // but is not deleted (no DEL is propagated during the pause); it goes on the next access
    return this.host.pause.active ? 'hide' : null;
  }

  noTouch(): boolean {
    const c = this.host.current;
    return c !== null && c.noTouch;
  }

  entryFreed(e: Entry): void {
    this.host.memory.freed(e);
  }

  lfuEnabled(): boolean {
    return this.lfuPolicy;
  }
  lfuLogFactor(): number {
    return this.host.config.int('lfu-log-factor');
  }
  lfuDecayTime(): number {
    return this.host.config.int('lfu-decay-time');
  }
}
