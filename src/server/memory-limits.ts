/**
 * The server side of maxmemory: how one key is evicted (EvictionHost for
 * keyspace/eviction.ts), and the maxmemory* settings, which eviction owns (registered with
 * the config store). The OOM refusal of a command is command admission's
 * (commands/oom-gate.ts).
 */
import type { Database } from '../keyspace/database.js';
import type { EvictionHost, EvictionPolicy } from '../keyspace/eviction.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import type { ConfigStore } from '../config/config-store.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { Evictor } from '../keyspace/eviction.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import type { Propagator } from '../persistence/propagator.js';
import type { Logger } from './logger.js';
import type { ServerStats } from './stats.js';

/** What the maxmemory figure reads: used_memory and the replicas' buffers inside it. */
export interface EvictableMemoryHost {
  readonly memory: MemoryAccounting;
  readonly replication: { readonly primary: { readonly replicas: readonly { readonly client: { readonly bufferCounted: number } }[] } };
}

/** What evicting a key reaches in the server (server/server.ts). */
export interface EvictionServer extends EvictableMemoryHost {
  readonly config: ConfigStore;
  readonly stats: ServerStats;
  readonly dbs: readonly Database[];
  readonly propagator: Propagator;
  readonly pause: { readonly active: boolean };
  readonly scripts: { readonly suspended: boolean };
  readonly loading: boolean;
  now(): number;
  notifyKeyspaceEvent(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void;
}

/** What the maxmemory* settings act on. */
export interface MemoryLimitsHost extends EvictableMemoryHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly memory: MemoryAccounting;
  readonly evictor: Evictor;
}

/** The server as eviction sees it. */
export function evictionHost(server: EvictionServer): EvictionHost {
  return {
    get dbs() {
      return server.dbs;
    },
    usedMemory: () => memoryForEviction(server),
    // as Redis's isSafeToPerformEvictions: not while paused, not while the dataset loads
    // no eviction while a paused script owns the keyspace (server/script-busy.ts)
    evictionPaused: () => server.pause.active || server.loading || server.scripts.suspended,
    now: () => server.now(),
    evictKey: (db: Database, key: string) => evictKey(server, db, key),
  };
}

/**
 * Redis's freeMemoryGetNotCountedMemory: the replicas' buffers are part of used_memory but
 * not of what maxmemory compares, so a lagging replica's stream cannot make the primary
 * evict its data (nor refuse writes). Taken from the same per-client sums that used_memory
 * holds (Client.bufferCounted), so the two figures stay consistent between cron ticks.
 * INFO mem_not_counted_for_evict. (Redis also leaves out its AOF buffers; Redoubt's AOF
 * writes are not in used_memory at all.)
 */
export function memoryNotCountedForEvict(server: EvictableMemoryHost): number {
  let n = 0;
  for (const r of server.replication.primary.replicas) n += r.client.bufferCounted;
  return n;
}

/** used_memory as maxmemory sees it: without the replicas' buffers. */
export function memoryForEviction(server: EvictableMemoryHost): number {
  return Math.max(0, server.memory.used() - memoryNotCountedForEvict(server));
}

/**
 * Evicts one key as Redis does: the DEL is propagated, the key deleted (WATCH sees it),
 * `evicted_keys` counted and the `evicted` keyspace event published. A key that turns out
 * to be expired is reclaimed as expired instead (its memory is freed all the same).
 */
function evictKey(server: EvictionServer, db: Database, key: string): boolean {
  if (db.expireIfNeeded(key)) return false;
  if (db.storedEntry(key) === undefined) return false;
  // DEL, or UNLINK under lazyfree-lazy-eviction (Redis's propagateDeletion)
  if (server.propagator.sink !== null) server.propagator.deletion(db.index, key, server.config.bool('lazyfree-lazy-eviction'));
  db.delete(key);
  server.stats.evictedKeys++;
  server.notifyKeyspaceEvent(NotifyKind.evicted, 'evicted', key, db.index);
  return true;
}

/**
 * The maxmemory* settings, pushed: eviction samples them in a tight loop. maxmemory is
 * Redis's updateMaxmemory: a limit below the current usage is logged, and eviction starts
 * at once in the background (the next command would start it anyway).
 */
export function registerMemoryLimits(server: MemoryLimitsHost): void {
  const { config, evictor, memory } = server;
  config.onChange('maxmemory', (v) => {
    const max = Number(v);
    evictor.maxmemory = max;
    memory.setLimited(max > 0);
    if (max > 0) {
      const used = memoryForEviction(server);
      if (max < used) {
        server.logger.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${v}) is smaller than the current memory usage (${used}). ` +
            'This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.',
        );
      }
      evictor.startBackground();
    }
    return null;
  });
  config.onChange('maxmemory-policy', (v) => {
    evictor.policy = v as EvictionPolicy;
    return null;
  });
  config.onChange('maxmemory-samples', (v) => {
    evictor.samples = Number(v);
    return null;
  });
  config.onChange('maxmemory-eviction-tenacity', (v) => {
    evictor.tenacity = Number(v);
    return null;
  });
}
