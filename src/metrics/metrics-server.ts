/**
 * The optional Prometheus endpoint (`metrics-port`, off by default; `metrics-bind`,
 * loopback by default): GET /metrics in the text exposition format, built with
 * prom-client on a registry of our own. Every value is read from the server's counters
 * when scraped, so the command path does no extra work for metrics.
 */
import http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Database } from '../keyspace/database.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { SecurityMonitor } from '../security/security-monitor.js';
import type { ServerStats } from '../server/stats.js';

/** What the endpoint exports from the server (server/server.ts). */
export interface MetricsHost {
  readonly stats: ServerStats;
  readonly security: SecurityMonitor;
  readonly connections: { readonly size: number };
  readonly syslog: { readonly lost: number } | null;
  readonly dbs: readonly Database[];
  readonly memory: MemoryAccounting;
  readonly evictor: { readonly maxmemory: number };
}

/** A counter whose value is copied from the server's own total at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Builds the registry of Redoubt's metrics for `server`. */
export function buildMetrics(server: MetricsHost): Registry {
  const registry = new Registry();
  const stats = server.stats;
  const sec = server.security;
  new Gauge({
    name: 'redoubt_connected_clients',
    help: 'Client connections currently open.',
    registers: [registry],
    collect() {
      this.set(server.connections.size);
    },
  });
  mirroredCounter(registry, 'redoubt_connections_received_total', 'Connections accepted since start.', () => stats.totalConnections);
  mirroredCounter(registry, 'redoubt_connections_rejected_total', 'Connections refused at admission (protected mode, maxclients, allowlist, throttle).', () => stats.rejectedConnections);
  mirroredCounter(registry, 'redoubt_tls_handshake_failures_total', 'TLS connections that failed the handshake or the client-certificate check.', () => stats.tlsRejectedConnections);
  mirroredCounter(registry, 'redoubt_commands_processed_total', 'Commands executed.', () => stats.totalCommands);
  mirroredCounter(registry, 'redoubt_error_replies_total', 'Error replies sent.', () => stats.totalErrorReplies);
  new Counter({
    name: 'redoubt_auth_failures_total',
    help: 'Failed authentications, by reason (wrong credentials; the throttle never fails a login).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: 'wrongpass' }, sec.authFailures);
    },
  });
  new Counter({
    name: 'redoubt_acl_denials_total',
    help: 'Commands refused by ACL rules, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: 'command' }, stats.aclDeniedCmd);
      this.inc({ reason: 'key' }, stats.aclDeniedKey);
      this.inc({ reason: 'channel' }, stats.aclDeniedChannel);
    },
  });
  new Gauge({
    name: 'redoubt_auth_throttle_sources',
    help: 'Source addresses the AUTH throttle is slowing down now (failure replies delayed or checks rationed).',
    registers: [registry],
    collect() {
      this.set(sec.throttle.engagedCount());
    },
  });
  new Gauge({
    name: 'redoubt_auth_throttle_waiting',
    help: 'Logins waiting for their source address\'s password-check budget (each at most 5 s).',
    registers: [registry],
    collect() {
      this.set(sec.throttle.waiting);
    },
  });
  mirroredCounter(registry, 'redoubt_auth_throttle_delayed_replies_total', 'Failed-login replies the AUTH throttle held back.', () => sec.throttle.delayedReplies);
  mirroredCounter(registry, 'redoubt_auth_throttle_waited_logins_total', 'Logins that waited for their source address\'s password-check budget.', () => sec.throttle.waitedAttempts);
  mirroredCounter(
    registry,
    'redoubt_auth_throttle_refused_connections_total',
    'New connections refused by the cap on unauthenticated connections per source address.',
    () => sec.throttle.refusedConnections,
  );
  new Gauge({
    name: 'redoubt_auth_spike_active',
    help: 'Open failed-authentication spike episodes (global and per source).',
    registers: [registry],
    collect() {
      this.set((sec.spikes.globalActive ? 1 : 0) + sec.spikes.activeSources());
    },
  });
  mirroredCounter(registry, 'redoubt_security_events_total', 'Security events emitted.', () => sec.events.total);
  mirroredCounter(
    registry,
    'redoubt_security_log_write_errors_total',
    'Security events lost because security-log-file could not be written.',
    () => sec.events.writeErrors,
  );
  mirroredCounter(
    registry,
    'redoubt_syslog_lost_lines_total',
    'Log lines and security events lost on their way to syslog (logger child stopped, or its input full).',
    () => server.syslog?.lost ?? 0,
  );
  new Gauge({
    name: 'redoubt_keys',
    help: 'Keys per database (including expired keys not yet reclaimed).',
    labelNames: ['db'],
    registers: [registry],
    collect() {
      this.reset();
      for (const db of server.dbs) if (db.size > 0) this.set({ db: String(db.index) }, db.size);
    },
  });
  new Gauge({
    name: 'redoubt_memory_used_bytes',
    help: 'Accounted memory in use (INFO used_memory, what maxmemory is checked against).',
    registers: [registry],
    collect() {
      this.set(server.memory.used());
    },
  });
  new Gauge({
    name: 'redoubt_memory_max_bytes',
    help: 'The maxmemory limit (0 = none).',
    registers: [registry],
    collect() {
      this.set(server.evictor.maxmemory);
    },
  });
  new Gauge({
    name: 'redoubt_memory_rss_bytes',
    help: 'Resident set size of the process.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  mirroredCounter(registry, 'redoubt_evicted_keys_total', 'Keys evicted to stay under maxmemory.', () => stats.evictedKeys);
  return registry;
}

/** Starts the HTTP endpoint; resolves with the bound port. */
export async function startMetricsServer(server: MetricsHost, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const registry = buildMetrics(server);
  const httpServer = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const addr = httpServer.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : port,
    close: () => new Promise<void>((r) => httpServer.close(() => r())),
  };
}
