/**
 * INFO [section ...]: Redis 7.2's sections, field names and field order, so monitoring
 * tools and client libraries that parse INFO keep working.
 *
 * Sections: server, clients, memory, persistence, stats, replication, cpu, modules,
 * commandstats, errorstats, latencystats, cluster, keyspace. `default` (or no argument) is
 * server, clients, memory, persistence, stats, replication, cpu, modules, errorstats,
 * cluster, keyspace; `all` is every section; `everything` is all plus module sections.
 * Several sections may be named (7.0+); names are case-insensitive; unknown ones add
 * nothing. The reply is a bulk string (verbatim "txt" in RESP3).
 *
 * Memory figures: used_memory and its parts (overhead, startup, dataset, peak) are the
 * accounting maxmemory is checked against (keyspace/memory-accounting.ts): a start-up base
 * plus per-key estimates plus client buffers, stable between GCs. rss is the process RSS
 * and the allocator_* fields are V8's heap (used, total). Fields for machinery Redoubt
 * does not have (replication links, forks, Lua, defrag...) show Redis's idle values.
 * `redoubt_version` is added at the end of the server section. Figures owned by another
 * layer (persistence, blocking, …) are registered by that layer with the server's
 * InfoRegistry (info-registry.ts) and merged into the section that shows them.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from '../command-context/command-spec.js';
import type { AccessControl } from '../acl/access-control.js';
import type { CommandTable } from '../command-context/command-table.js';
import type { CommandServices } from '../command-context/services.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Clock } from '../keyspace/clock.js';
import type { Database } from '../keyspace/database.js';
import type { Evictor } from '../keyspace/eviction.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import type { Replication } from '../replication/replication.js';
import type { EvalScripts } from '../scripting/eval-scripts.js';
import type { FunctionLibraries } from '../scripting/function-libraries.js';
import type { SecurityMonitor } from '../security/security-monitor.js';
import type { ClientLimits } from './client-limits.js';
import type { Connection } from './connection.js';
import type { HeapGuard } from './heap-guard.js';
import type { LatencyMonitor } from './latency.js';
import type { PubSubRegistry } from './pubsub.js';
import type { ServerStats } from './stats.js';
import type { SyslogOutput } from './syslog-output.js';
import type { TrackingTable } from './tracking.js';
import { clientBufferBytes } from '../keyspace/memory-accounting.js';
import { REDIS_COMPAT_VERSION, REDOUBT_VERSION } from '../version.js';
import { INFO_SECTIONS, type InfoFields, type InfoRegistry, type InfoSection } from './info-registry.js';

/** What INFO reads of the server (server/server.ts). */
export interface InfoReportHost {
  readonly config: ConfigStore;
  readonly clock: Clock;
  readonly commands: CommandTable;
  readonly stats: ServerStats;
  readonly functions: FunctionLibraries;
  readonly latency: LatencyMonitor;
  readonly acl: AccessControl;
  readonly security: SecurityMonitor;
  readonly limits: ClientLimits;
  readonly info: InfoRegistry;
  readonly pubsub: PubSubRegistry;
  readonly tracking: TrackingTable;
  readonly replication: Replication;
  readonly memory: MemoryAccounting;
  readonly heapGuard: HeapGuard;
  readonly evictor: Evictor;
  readonly services: CommandServices & { readonly scripting: { readonly eval: EvalScripts } };
  readonly syslog: SyslogOutput | null;
  readonly executable: string;
  readonly dbs: readonly Database[];
  readonly connections: ReadonlyMap<number, Connection>;
  readonly startedAt: number;
  readonly runId: string;
}
import { memoryNotCountedForEvict } from './memory-limits.js';

export type { InfoFields } from './info-registry.js';
type Section = InfoSection;
const SECTIONS = INFO_SECTIONS;

const DEFAULT_SECTIONS: readonly Section[] = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];

// Redis's bytesToHuman (100B, 1.50K, 2.00M …) lives in a leaf module the gateway's INFO shares
import { bytesToHuman } from './bytes-human.js';

export { bytesToHuman };

/** INFO values cannot hold ':', '#', CR or LF (they would break the line format). */
function safe(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

function unameMachine(): string {
  const arch = os.arch();
  return arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : arch === 'ia32' ? 'i686' : arch;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

function serverSection(server: InfoReportHost): InfoFields {
  const nowMs = server.clock.now();
  const uptime = Math.max(0, Math.floor((nowMs - server.startedAt) / 1000));
  const fields: InfoFields = [
    ['redis_version', REDIS_COMPAT_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', '0'],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${unameMachine()}`],
    ['arch_bits', process.arch.endsWith('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', multiplexingApi()],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.config.int('port')],
    ['server_time_usec', Math.floor(nowMs) * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', server.config.int('hz')],
    ['configured_hz', server.config.int('hz')],
    ['lru_clock', Math.floor(nowMs / 1000) & ((1 << 24) - 1)],
    ['executable', server.executable !== '' ? server.executable : path.resolve(process.argv[1] ?? '')],
    ['config_file', server.config.configFile === null ? '' : path.resolve(server.config.configFile)],
    ['io_threads_active', 0],
  ];
  // listener lines, as 7.2: one per connection type with the configured bind addresses
  const port = server.config.int('port');
  if (port !== 0) {
    const binds = server.config.get('bind').split(' ').filter((b) => b.length > 0);
    fields.push(['listener0', `name=tcp${binds.map((b) => `,bind=${b}`).join('')},port=${port}`]);
  }
  const unix = server.config.get('unixsocket');
  if (unix !== '') fields.push(['listener1', `name=unix,bind=${unix}`]);
  // Redis numbers listeners by connection type: tcp 0, unix 1, tls 2
  const tlsPort = server.config.int('tls-port');
  if (tlsPort !== 0) {
    const binds = server.config.get('bind').split(' ').filter((b) => b.length > 0);
    fields.push(['listener2', `name=tls${binds.map((b) => `,bind=${b}`).join('')},port=${tlsPort}`]);
  }
  fields.push(['redoubt_version', REDOUBT_VERSION]);
  return fields;
}

function clientsSection(server: InfoReportHost): InfoFields {
  let maxIn = 0;
  let maxOut = 0;
  let blocked = 0;
  let normal = 0;
  for (const conn of server.connections.values()) {
    const c = conn.client;
    if (c.role === 'replica') continue;
    normal++;
    maxIn = Math.max(maxIn, c.queryBufferBytes());
    maxOut = Math.max(maxOut, c.outputBufferBytes());
    if (c.blocked || c.postponed) blocked++;
  }
  return [
    ['connected_clients', normal],
    ['cluster_connections', 0],
    ['maxclients', server.config.int('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', blocked],
    ['tracking_clients', server.tracking.clientCount],
    ['clients_in_timeout_table', 0],
    ['total_blocking_keys', 0],
    ['total_blocking_keys_on_nokey', 0],
  ];
}

function ratio(a: number, b: number): string {
  return (b === 0 ? 0 : a / b).toFixed(2);
}

function memorySection(server: InfoReportHost): InfoFields {
  const mu = process.memoryUsage();
  // the accounted figures (keyspace/memory-accounting.ts), what maxmemory is checked against
  server.memory.clients = clientBufferBytes(server.connections.values());
  const fig = server.memory.figures();
  const used = fig.used;
  const peak = server.memory.peak;
  const startup = fig.startup;
  const overhead = fig.overhead;
  const dataset = fig.dataset;
  const net = used - startup;
  const maxmemory = Number(server.config.get('maxmemory'));
  const total = os.totalmem();
  const allocated = mu.heapUsed;
  const active = mu.heapTotal;
  const resident = mu.rss;
  // EVAL's Lua state and script cache (scripting/eval-scripts.ts)
  const evalScripts = server.services.scripting.eval;
  const vmEval = evalScripts.vmMemory();
  const scriptsEval = evalScripts.scriptsMemory();
  // Redis 7.2: vm_total = eval VM + functions VM; scripts = eval scripts + functions overhead
  const fnVm = server.functions.vmMemory();
  const fnOverhead = server.functions.overheadMemory();
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', mu.rss],
    ['used_memory_rss_human', bytesToHuman(mu.rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${((used * 100) / (peak || 1)).toFixed(2)}%`],
    ['used_memory_overhead', overhead],
    ['used_memory_startup', startup],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${((dataset * 100) / (net > 0 ? net : 1)).toFixed(2)}%`],
    ['allocator_allocated', allocated],
    ['allocator_active', active],
    ['allocator_resident', resident],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', vmEval],
    ['used_memory_vm_eval', vmEval],
    ['used_memory_lua_human', bytesToHuman(vmEval)],
    ['used_memory_scripts_eval', scriptsEval],
    ['number_of_cached_scripts', evalScripts.cache.size],
    ['number_of_functions', server.functions.functionCount],
    ['number_of_libraries', server.functions.libraryCount],
    ['used_memory_vm_functions', fnVm],
    ['used_memory_vm_total', vmEval + fnVm],
    ['used_memory_vm_total_human', bytesToHuman(vmEval + fnVm)],
    ['used_memory_functions', fnOverhead],
    ['used_memory_scripts', scriptsEval + fnOverhead],
    ['used_memory_scripts_human', bytesToHuman(scriptsEval + fnOverhead)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.get('maxmemory-policy')],
    ['allocator_frag_ratio', ratio(active, allocated)],
    ['allocator_frag_bytes', Math.max(0, active - allocated)],
    ['allocator_rss_ratio', ratio(resident, active)],
    ['allocator_rss_bytes', resident - active],
    ['rss_overhead_ratio', ratio(mu.rss, resident)],
    ['rss_overhead_bytes', mu.rss - resident],
    ['mem_fragmentation_ratio', ratio(mu.rss, used)],
    ['mem_fragmentation_bytes', mu.rss - used],
    ['mem_not_counted_for_evict', memoryNotCountedForEvict(server)],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', server.replication.primary.replicas.reduce((n, r) => n + r.client.memUsage, 0)],
    ['mem_clients_normal', server.limits.eviction.normalTotal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
    // Redoubt: V8's heap ceiling (fixed at start, server/heap-sizing.ts) and whether writes
    // are refused because the heap is near it (server/heap-guard.ts)
    ['heap_size_limit', server.heapGuard.limit],
    ['heap_size_limit_human', bytesToHuman(server.heapGuard.limit)],
    ['heap_old_space_limit', server.heapGuard.oldLimit],
    ['heap_used', mu.heapUsed],
    ['heap_oom_refusing', server.heapGuard.pressed ? 1 : 0],
  ];
}

function statsSection(server: InfoReportHost): InfoFields {
  const s = server.stats;
  const exceeded = server.evictor.exceededTime();
  return [
    ['total_connections_received', s.totalConnections],
    ['total_commands_processed', s.totalCommands],
    ['instantaneous_ops_per_sec', Math.round(s.opsPerSec.value)],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', s.netReplInputBytes],
    ['total_net_repl_output_bytes', s.netReplOutputBytes],
    ['instantaneous_input_kbps', (s.inputBytesPerSec.value / 1024).toFixed(2)],
    ['instantaneous_output_kbps', (s.outputBytesPerSec.value / 1024).toFixed(2)],
    ['instantaneous_input_repl_kbps', (s.replInputBytesPerSec.value / 1024).toFixed(2)],
    ['instantaneous_output_repl_kbps', (s.replOutputBytesPerSec.value / 1024).toFixed(2)],
    ['rejected_connections', s.rejectedConnections],
    ['rejected_connections_allowlist', s.rejectedConnectionsAllowlist],
    ['sync_full', server.replication.primary.syncFull],
    ['sync_partial_ok', server.replication.primary.syncPartialOk],
    ['sync_partial_err', server.replication.primary.syncPartialErr],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', '0.00'],
    ['expired_time_cap_reached_count', 0],
    ['expire_cycle_cpu_milliseconds', 0],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', s.evictedClients],
    ['total_eviction_exceeded_time', exceeded[0]],
    ['current_eviction_exceeded_time', exceeded[1]],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', server.pubsub.channelCount],
    ['pubsub_patterns', server.pubsub.patternCount],
    ['pubsubshard_channels', server.pubsub.shardChannelCount],
    ['latest_fork_usec', 0],
    ['total_forks', s.backgroundJobs],
    ['migrate_cached_sockets', server.services.migrate.size],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', server.tracking.totalKeys],
    ['tracking_total_items', server.tracking.totalItems],
    ['tracking_total_prefixes', server.tracking.totalPrefixes],
    ['unexpected_error_replies', s.unexpectedErrorReplies],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.totalReadsProcessed],
    ['total_writes_processed', s.totalWritesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', s.replyBufferShrinks],
    ['reply_buffer_expands', s.replyBufferExpands],
    ['eventloop_cycles', s.eventLoopCycles],
    ['eventloop_duration_sum', s.eventLoopDurationUsec],
    ['eventloop_duration_cmd_sum', s.commandDurationUsec],
    ['instantaneous_eventloop_cycles_per_sec', Math.round(s.eventLoopCyclesPerSec.value)],
    [
      'instantaneous_eventloop_duration_usec',
      s.eventLoopCyclesPerSec.value > 0 ? Math.round(s.eventLoopDurationPerSec.value / s.eventLoopCyclesPerSec.value) : 0,
    ],
    ['acl_access_denied_auth', s.aclDeniedAuth],
    ['acl_access_denied_cmd', s.aclDeniedCmd],
    ['acl_access_denied_key', s.aclDeniedKey],
    ['acl_access_denied_channel', s.aclDeniedChannel],
  ];
}

function replicationSection(server: InfoReportHost): InfoFields {
  return server.replication.infoFields();
}

function seconds(usec: number): string {
  return `${Math.floor(usec / 1e6)}.${String(Math.floor(usec % 1e6)).padStart(6, '0')}`;
}

function cpuSection(): InfoFields {
  const u = process.cpuUsage();
  return [
    ['used_cpu_sys', seconds(u.system)],
    ['used_cpu_user', seconds(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    // Node runs commands on the main thread; the process figure is the closest we have
    ['used_cpu_sys_main_thread', seconds(u.system)],
    ['used_cpu_user_main_thread', seconds(u.user)],
  ];
}

function commandstatsLines(server: InfoReportHost): string[] {
  const out: string[] = [];
  const visit = (c: Command) => {
    const st = c.stats;
    if (st.calls > 0 || st.failedCalls > 0 || st.rejectedCalls > 0) {
      const per = st.calls === 0 ? 0 : st.usec / st.calls;
      out.push(
        `cmdstat_${safe(c.fullName)}:calls=${st.calls},usec=${st.usec},usec_per_call=${per.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
      );
    }
    if (c.subcommandMap !== null) for (const s of c.subcommandMap.values()) visit(s);
  };
  for (const c of server.commands.all) if (c.parent === null) visit(c);
  return out;
}

function errorstatsLines(server: InfoReportHost): string[] {
  // Redis keeps error codes in a radix tree, so they come out in byte order
  const codes = [...server.stats.errors.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return codes.map(([code, n]) => `errorstat_${safe(code)}:count=${n}`);
}

function latencystatsLines(server: InfoReportHost): string[] {
  if (!server.latency.tracking) return [];
  const raw = server.config.get('latency-tracking-info-percentiles');
  const percentiles = raw.split(' ').filter((p) => p.length > 0);
  const out: string[] = [];
  const visit = (c: Command) => {
    const h = server.latency.histograms[c.id];
    if (h !== undefined && h.total > 0) {
      const parts = percentiles.map((p) => `p${p}=${(h.valueAtPercentile(Number(p)) / 1000).toFixed(3)}`);
      out.push(`latency_percentiles_usec_${safe(c.fullName)}:${parts.join(',')}`);
    }
    if (c.subcommandMap !== null) for (const s of c.subcommandMap.values()) visit(s);
  };
  for (const c of server.commands.all) if (c.parent === null) visit(c);
  return out;
}

function keyspaceLines(server: InfoReportHost): string[] {
  const out: string[] = [];
  for (const db of server.dbs) {
    const keys = db.size;
    const expires = db.expiresCount;
    if (keys > 0 || expires > 0) out.push(`db${db.index}:keys=${keys},expires=${expires},avg_ttl=${Math.floor(db.avgTtl)}`);
  }
  return out;
}

function fieldLines(fields: InfoFields): string[] {
  return fields.map(([k, v]) => `${k}:${v}`);
}

const TITLES: Record<Section, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
  debug: 'Debug',
  security: 'Security',
};

function sectionLines(server: InfoReportHost, section: Section): string[] {
  switch (section) {
    case 'server':
      return fieldLines(server.info.fields('server', serverSection(server)));
    case 'clients':
      return fieldLines(server.info.fields('clients', clientsSection(server)));
    case 'memory':
      return fieldLines(server.info.fields('memory', memorySection(server)));
    case 'persistence':
      // the persistence layer registers the whole section
      return fieldLines(server.info.fields('persistence', []));
    case 'stats':
      return fieldLines(server.info.fields('stats', statsSection(server)));
    case 'replication':
      return fieldLines(server.info.fields('replication', replicationSection(server)));
    case 'cpu':
      return fieldLines(server.info.fields('cpu', cpuSection()));
    case 'modules':
      return [];
    case 'commandstats':
      return commandstatsLines(server);
    case 'errorstats':
      return errorstatsLines(server);
    case 'latencystats':
      return latencystatsLines(server);
    case 'cluster':
      // a gateway (gateway/gateway.ts) adds its own figures; to its clients it is not a cluster
      return fieldLines(server.info.fields('cluster', [['cluster_enabled', 0]]));
    case 'keyspace':
      return keyspaceLines(server);
    case 'debug':
      return fieldLines(server.info.fields('debug', debugSection(server)));
    case 'security':
      return fieldLines(server.info.fields('security', securitySection(server)));
  }
}

/** Redis 7.2's INFO debug: where event-loop time goes, and the busiest turn. */
function debugSection(server: InfoReportHost): InfoFields {
  const s = server.stats;
  return [
    ['eventloop_duration_aof_sum', s.aofDurationUsec],
    ['eventloop_duration_cron_sum', s.cronDurationUsec],
    ['eventloop_duration_max', s.eventLoopDurationMaxUsec],
    ['eventloop_cmd_per_cycle_max', s.commandsPerCycleMax],
  ];
}

/** Authentication, throttling and event counters (Redoubt; see src/security/). */
function securitySection(server: InfoReportHost): InfoFields {
  const sec = server.security;
  return [
    ['acl_users', server.acl.users.size],
    ['default_user_open', server.acl.defaultUserNeedsNoAuth() ? 1 : 0],
    ['auth_successes', sec.authSuccesses],
    ['auth_failures', sec.authFailures],
    ['auth_throttle_sources', sec.throttle.engagedCount()],
    ['auth_throttle_waiting', sec.throttle.waiting],
    ['auth_throttle_delayed_replies', sec.throttle.delayedReplies],
    ['auth_throttle_waited_logins', sec.throttle.waitedAttempts],
    ['auth_throttle_checked_at_bound', sec.throttle.checkedAtBound],
    ['auth_throttle_longest_wait_ms', Math.round(sec.throttle.longestWaitMs)],
    ['auth_throttle_refused_connections', sec.throttle.refusedConnections],
    ['auth_spike_global', sec.spikes.globalActive ? 1 : 0],
    ['auth_spike_sources', sec.spikes.activeSources()],
    ['admission_refusals', sec.admissionRefusals],
    ['tls_rejected_connections', server.stats.tlsRejectedConnections],
    ['security_events', sec.events.total],
    ['security_events_suppressed', sec.events.suppressedCount],
    ['security_log_write_errors', sec.events.writeErrors],
    ['syslog_lost_lines', server.syslog?.lost ?? 0],
  ];
}

/** Which sections `INFO <args>` asks for, in output order. */
export function selectSections(args: readonly string[]): Section[] {
  if (args.length === 0) return [...DEFAULT_SECTIONS];
  const wanted = new Set<string>();
  let all = false;
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) wanted.add(d);
    else if (s === 'all' || s === 'everything') all = true;
    else if (s === 'module_list') wanted.add('modules');
    else wanted.add(s);
  }
  return SECTIONS.filter((s) => (all && s !== 'security' && s !== 'debug') || wanted.has(s));
}

/** The INFO text for the given arguments (also what tests and the audit read). */
export function infoText(server: InfoReportHost, args: readonly string[]): string {
  const parts: string[] = [];
  for (const section of selectSections(args)) {
    const lines = sectionLines(server, section);
    parts.push(`# ${TITLES[section]}\r\n${lines.map((l) => `${l}\r\n`).join('')}`);
  }
  return parts.join('\r\n');
}
