/**
 * Where maxmemory meets the command path, as in Redis's processCommand: after the ACL
 * check and before the pub/sub-context check and MULTI queueing, eviction runs; if memory
 * is still above the limit, a `denyoom` command is refused with the OOM error. Inside
 * MULTI every command but EXEC, DISCARD, QUIT and RESET is refused then (queueing costs
 * memory), which dooms the transaction (EXEC answers EXECABORT). EXEC itself is refused
 * when a queued command is `denyoom`.
 *
 * Also the server side of eviction (EvictionHost): how one key is evicted.
 */
import type { Client } from '../server/client.js';
import type { Command } from '../command-model/command-spec.js';
import type { Server } from '../server/server.js';
import type { Database } from './database.js';
import { EvictResult, type EvictionHost } from './eviction.js';
import { NotifyKind } from './keyspace-events.js';
import { errors } from '../errors.js';

/** Commands a client in MULTI may still send under OOM (Redis lists them by proc). */
const MULTI_ALLOWED_UNDER_OOM = new Set(['exec', 'discard', 'quit', 'reset']);

/**
 * Runs before a command when memory checks are on (maxmemory set, or accounting work
 * pending). Returns the error to refuse the command with, or null.
 */
export function memoryGate(server: Server, client: Client, cmd: Command): string | null {
  if (server.evictor.maxmemory === 0) {
    // only here because the accounting queue grew long: settle it between commands
    server.memory.settle();
    return null;
  }
  if (server.evictor.perform() !== EvictResult.Fail) return null;
  const name = cmd.parent?.name ?? cmd.name;
  let refuse = cmd.flags.includes('denyoom');
  if (!refuse && name === 'exec' && client.multi !== null) {
    for (const q of client.multi) {
      if (q.cmd.flags.includes('denyoom')) {
        refuse = true;
        break;
      }
    }
  }
  if (client.multi !== null && !MULTI_ALLOWED_UNDER_OOM.has(name)) refuse = true;
  return refuse ? errors.oom : null;
}

/** The server as eviction sees it. */
export function evictionHost(server: Server): EvictionHost {
  return {
    get dbs() {
      return server.dbs;
    },
    usedMemory: () => server.memory.used(),
    // as Redis's isSafeToPerformEvictions: not while paused, not while the dataset loads
    // no eviction while a paused script owns the keyspace (server/script-busy.ts)
    evictionPaused: () => server.pause.active || server.loading || server.scripts.suspended,
    now: () => server.now(),
    evictKey: (db: Database, key: string) => evictKey(server, db, key),
  };
}

/**
 * Evicts one key as Redis does: the DEL is propagated, the key deleted (WATCH sees it),
 * `evicted_keys` counted and the `evicted` keyspace event published. A key that turns out
 * to be expired is reclaimed as expired instead (its memory is freed all the same).
 */
function evictKey(server: Server, db: Database, key: string): boolean {
  if (db.expireIfNeeded(key)) return false;
  if (db.storedEntry(key) === undefined) return false;
  // DEL, or UNLINK under lazyfree-lazy-eviction (Redis's propagateDeletion)
  if (server.propagator.sink !== null) server.propagator.deletion(db.index, key, server.config.bool('lazyfree-lazy-eviction'));
  db.delete(key);
  server.stats.evictedKeys++;
  server.notifyKeyspaceEvent(NotifyKind.evicted, 'evicted', key, db.index);
  return true;
}
