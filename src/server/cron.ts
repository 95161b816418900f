/**
 * The server cron (Redis's serverCron): background work `hz` times a second.
 *
 * Contract, per tick and in this order: refresh the cached time; a shutdown a signal
 * scheduled (shutdown.ts); the security monitor's
 * windows; active expiry (not while the dataset loads: the AOF replays its own deletions;
 * not on a replica: the primary's DELs expire its keys),
 * bounded to a quarter of the tick; persistence (save points, AOF fsync and rewrites) and
 * the MISCONF state it leaves; clients that expiry made ready; rate samples; every client's
 * query and reply buffers resized as Redis's clientsCron does; the memory figures and
 * every client's (client eviction); TLS files on disk (tls-auto-reload); idle clients past `timeout` (never blocked,
 * paused or subscribed ones). A tick that throws is logged and the next one runs anyway:
 * background work must never take the server down. The timer never keeps the process alive.
 *
 * `hz` is registered here: Redis clamps it to [1, 500] and CONFIG GET then shows the
 * clamped value.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Database } from '../keyspace/database.js';
import { clientBufferBytes, type MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { PersistenceLayer } from '../persistence/persistence-layer.js';
import type { SecurityMonitor } from '../security/security-monitor.js';
import type { TlsService } from '../tls/tls-service.js';
import type { BlockingRegistry } from './blocking.js';
import type { Connection } from './connection.js';
import type { Logger } from './logger.js';
import type { ServerStats } from './stats.js';
import type { TrackingTable } from './tracking.js';
import type { HeapGuard } from './heap-guard.js';
import type { LatencyMonitor } from './latency.js';
import type { ClientEviction } from './client-eviction.js';
import { YoungGenTrim, youngGenCanShrink } from './young-gen-trim.js';

/** What a tick works on. */
export interface CronHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly security: SecurityMonitor;
  readonly persistence: PersistenceLayer;
  readonly blocking: BlockingRegistry;
  readonly tracking: TrackingTable;
  readonly stats: ServerStats;
  /** the latency monitor: an active-expiry cycle past its threshold is an expire-cycle event */
  readonly latency: LatencyMonitor;
  readonly memory: MemoryAccounting;
  readonly heapGuard: HeapGuard;
  readonly scripts: { readonly suspended: boolean };
  /** DEBUG PAUSE-CRON / SET-ACTIVE-EXPIRE (debug-service.ts) */
  readonly debugKnobs: {
    readonly cronPaused: boolean;
    readonly activeExpire: boolean;
    readonly replyBufferResizing: boolean;
    readonly replyBufferPeakResetTime: number;
  };
  readonly tlsService: TlsService;
  readonly connections: ReadonlyMap<number, Connection>;
  readonly limits: { readonly eviction: ClientEviction };
  readonly dbs: readonly Database[];
  readonly loading: boolean;
  /** a replica leaves expiry of the primary's keys to the primary's DELs */
  readonly replication: { readonly isReplica: boolean };
  /** CLIENT PAUSE (either mode) stops active expiry, as Redis's PAUSE_ACTION_EXPIRE */
  readonly pause: { readonly active: boolean };
  /** a signal's scheduled shutdown is carried out here, as Redis's serverCron does (shutdown.ts) */
  readonly shutdownSequence: { cron(): void };
  updateTime(): void;
  now(): number;
  refreshDiskError(): void;
}

export class ServerCron {
  private timer: NodeJS.Timeout | null = null;
  /** V8's young generation given back once no command has run for a while, when it can shrink (young-gen-trim.ts) */
  readonly youngGen = youngGenCanShrink(process.execArgv, process.env['NODE_OPTIONS']) ? new YoungGenTrim() : null;

  constructor(private readonly host: CronHost) {
    host.config.onChange('hz', (v) => {
      const n = Number(v);
      const clamped = n < 1 ? 1 : n > 500 ? 500 : n;
      if (clamped !== n) host.config.store('hz', String(clamped));
      return null;
    });
  }

  /** `hz` as Redis uses it: clamped to 1..500 (the config accepts 0). */
  effectiveHz(): number {
    return Math.min(500, Math.max(1, this.host.config.int('hz')));
  }

  start(): void {
    const tick = () => {
      try {
        this.tick();
      } catch (e) {
        // background work must never take the server down; the next tick tries again
        this.host.logger.warning(`Internal error in the server cron: ${(e as Error).stack ?? String(e)}`);
      }
      this.timer = setTimeout(tick, Math.floor(1000 / this.effectiveHz()));
      this.timer.unref();
    };
    this.timer = setTimeout(tick, 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
  }

  /** One tick's work (tests call it directly). */
  tick(): void {
    const h = this.host;
    // DEBUG PAUSE-CRON: no background work at all until it is turned back
    if (h.debugKnobs.cronPaused) return;
    // a paused script: nothing may change the keyspace until it ends (script-busy.ts)
    if (h.scripts.suspended) return;
    const started = performance.now();
    try {
      this.tickWork();
    } finally {
      // a tick is an event-loop turn of its own, as Redis's serverCron is (INFO stats/debug)
      const usec = Math.round((performance.now() - started) * 1000);
      h.stats.cronDurationUsec += usec;
      h.stats.countCycle(usec, 0);
    }
  }

  private tickWork(): void {
    const h = this.host;
    h.updateTime();
    h.shutdownSequence.cron();
    h.security.tick();
    // as Redis: no active expiry while the dataset loads (the AOF replays its own
    // deletions), after DEBUG SET-ACTIVE-EXPIRE 0, or while clients are paused
    if (!h.loading && h.debugKnobs.activeExpire && !h.replication.isReplica && !h.pause.active) this.activeExpire();
    h.persistence.cron();
    h.refreshDiskError();
    // keys that expiry changed may serve clients waiting for a key to go (XREADGROUP)
    if (h.blocking.hasReady) h.blocking.handleReady();
    h.tracking.cron();
    h.stats.sample(Date.now());
    h.memory.clients = clientBufferBytes(h.connections.values());
    // every client's buffers resized as Redis's clientsCron does, and re-measured (output
    // drained, subscriptions gone), then maxmemory-clients
    const eviction = h.limits.eviction;
    const now = h.now();
    const knobs = h.debugKnobs;
    for (const conn of [...h.connections.values()]) {
      conn.parser.cronResize(Math.floor((now - conn.client.lastInteraction) / 1000));
      if (knobs.replyBufferResizing) {
        const done = conn.writer.cronResize(now, knobs.replyBufferPeakResetTime);
        if (done === 'shrink') h.stats.replyBufferShrinks++;
        else if (done === 'expand') h.stats.replyBufferExpands++;
      }
      // a soft output limit runs out with no new reply to check it (as Redis's clientsCron);
      // a replica's stream has its own limit state (replication/replica-client.ts)
      if (conn.client.role === 'normal') conn.enforceOutputLimit();
      if (!conn.isClosed) eviction.update(conn.client);
    }
    eviction.evict();
    h.memory.settle();
    h.heapGuard.sample();
    if (!h.loading) this.youngGen?.tick(Date.now(), h.stats.totalCommands);
    h.tlsService.autoReload();
    const timeout = h.config.int('timeout');
    if (timeout > 0) {
      const limit = h.now() - timeout * 1000;
      for (const conn of [...h.connections.values()]) {
        const c = conn.client;
        // as Redis, clients waiting (blocked, paused) or subscribed are not idle, nor are
        // replicas and the primary's link (repl-timeout governs them)
        if (c.lastInteraction < limit && !c.blocked && !c.postponed && !c.inPubSub && c.role === 'normal') {
          h.logger.verbose('Closing idle client');
          conn.close();
        }
      }
    }
  }

  /**
   * Redis's slow cycle: per tick at most 25% of the tick's time, sampling keys with a TTL
   * and continuing on a database while more than a tenth of samples were expired.
   */
  private activeExpire(): void {
    const started = performance.now();
    this.activeExpireCycle();
    // as Redis's activeExpireCycle: the whole cycle's time is one expire-cycle sample
    this.host.latency.maybeRecord(this.host, 'expire-cycle', Math.floor(performance.now() - started));
  }

  private activeExpireCycle(): void {
    const budgetMs = Math.max(1, (1000 / this.effectiveHz()) * 0.25);
    const effort = this.host.config.int('active-expire-effort');
    const perLoop = 20 + 5 * (effort - 1);
    const start = Date.now();
    for (const db of this.host.dbs) {
      for (;;) {
        const [checked, expired] = db.activeExpireStep(perLoop);
        if (checked === 0 || expired * 10 <= checked) break;
        if (Date.now() - start >= budgetMs) return;
      }
      if (Date.now() - start >= budgetMs) return;
    }
  }
}
