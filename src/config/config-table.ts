/**
 * The config table: every Redis 7.2 directive, so an existing redis.conf loads.
 * Entries with status 'active' take effect; 'noeffect' ones load and answer CONFIG GET
 * but do nothing yet (listed once at start-up); 'unsupported-security' ones are refused
 * with any value but their default until their layer lands.
 *
 * Names, aliases, defaults, bounds and flags follow Redis's config.c (static_configs) and
 * the live `CONFIG GET *` of redis-server 7.0.15; `since: '7.2.0'` marks 7.2 additions.
 * Deliberate differences, each for a reason stated at the entry: `bind` defaults to
 * loopback (Redis's shipped redis.conf does the same).
 *
 * Table order is the order CONFIG GET and CONFIG REWRITE use.
 *
 * What 'noeffect' may cover (issue 15): only directives whose no-op keeps the same data and
 * the same writers — tuning (encodings, rehashing, defrag, threads, lazy-free, incremental
 * fsync, `no-appendfsync-on-rewrite`, which only relaxes fsync), replica-side and
 * cluster-side tuning that
 * cannot apply without `replicaof` / `cluster-enabled`, process knobs (`supervised`,
 * cpu lists),
 * `sanitize-dump-payload` (RESTORE always decodes and checks a whole payload, as `yes`) and
 * `rdb-del-sync-files` (there are no replication sync files). Values whose no-op would
 * change what is kept or who may write are refused through `refuse` at their entry:
 * `min-replicas-to-write`, `cluster-enabled`, `shutdown-on-sig*` save/nosave,
 * `aof-disable-auto-gc yes`.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigDef, ConfigFlag, ConfigStatus } from './config-def.js';
import {
  OBUF_DEFAULT,
  parseBind,
  parseClientOutputBufferLimit,
  parseLatencyPercentiles,
  parseNotifyKeyspaceEvents,
  parseOomScoreAdjValues,
  parseReplicaOf,
  parseSave,
  reprArg,
  rewriteClientOutputBufferLimit,
  strerror,
  expandProcTitle,
} from './config-values.js';
import { parseAllowlistArgs } from '../security/source-allowlist.js';
import { programOnPath } from './program-on-path.js';

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;
const SSIZE_MAX = LONG_MAX;

type Extra = Partial<Omit<ConfigDef, 'name' | 'kind' | 'default' | 'status'>>;
/** An entry whose name keeps its literal type, so the table yields the ConfigName union. */
type Named<N extends string> = ConfigDef & { readonly name: N };

function bool<N extends string>(name: N, def: 'yes' | 'no', status: ConfigStatus, extra: Extra = {}): Named<N> {
  return { name, kind: 'bool', default: def, status, ...extra };
}
function int<N extends string>(name: N, def: string, min: bigint, max: bigint, status: ConfigStatus, extra: Extra = {}): Named<N> {
  return { name, kind: 'int', default: def, min, max, status, ...extra };
}
function mem<N extends string>(name: N, def: string, min: bigint, max: bigint, status: ConfigStatus, extra: Extra = {}): Named<N> {
  return { name, kind: 'memory', default: def, min, max, status, ...extra };
}
function str<N extends string>(name: N, def: string, status: ConfigStatus, extra: Extra = {}): Named<N> {
  return { name, kind: 'string', default: def, status, ...extra };
}
/** a string whose empty value means "not set" (Redis's EMPTY_STRING_IS_NULL) */
function nstr<N extends string>(name: N, status: ConfigStatus, extra: Extra = {}): Named<N> {
  return { name, kind: 'string', default: '', emptyIsNull: true, status, ...extra };
}
function enm<N extends string>(name: N, def: string, values: readonly string[], status: ConfigStatus, extra: Extra = {}): Named<N> {
  return { name, kind: 'enum', default: def, values, status, ...extra };
}

const IMMUTABLE: readonly ConfigFlag[] = ['immutable'];
const HIDDEN: readonly ConfigFlag[] = ['hidden'];
// Redoubt's own start-up-only settings: CONFIG GET names them exactly, a pattern skips them (as
// Redis's hidden configs), so a CONFIG GET * → CONFIG SET round trip meets only settings Redis has
const OWN_IMMUTABLE: readonly ConfigFlag[] = ['immutable', 'hidden'];
const PROTECTED_ACTION = ['no', 'yes', 'local'] as const;
const SHUTDOWN_ON_SIG = ['default', 'save', 'nosave', 'now', 'force'] as const;

/** A file the server reads at start-up (the gateway's upstream TLS files): it must exist now. */
function readableFile(v: string): string | null {
  if (v === '') return null;
  try {
    return statSync(v).isFile() ? null : 'Not a regular file';
  } catch (e) {
    return strerror(e);
  }
}

/** gateway-upstream: `host:port` seeds (`[v6]:port` for IPv6), canonical as space-separated. */
function parseUpstreams(args: string[]): string | { error: string } {
  const out: string[] = [];
  for (const a of args.flatMap((x) => x.split(' ')).filter((x) => x !== '')) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(a);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) return { error: `Invalid upstream address '${a}': expected host:port` };
    out.push(a);
  }
  return out.join(' ');
}

/** Redis's pathIsBaseName: no '/' (nor '\' on Windows). */
function baseName(what: string, noun: string) {
  return (v: string): string | null => (v.includes('/') ? `${what} can't be a path, just a ${noun}` : null);
}

function validHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  return /^[A-Za-z0-9.-]*$/.test(v) ? null : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
}

function validNodename(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  return /^[A-Za-z0-9._-]*$/.test(v) ? null : 'Human nodenames may only contain alphanumeric characters, hyphens, dots or underscores';
}

/** Redis's validateProcTitleTemplate: known {variables}, `{{`/`}}` escapes, non-empty result. */
function validProcTitle(v: string): string | null {
  const dummy = { title: 'x', 'listen-addr': 'x', 'server-mode': '', port: 'x', 'tls-port': 'x', unixsocket: '', 'config-file': '' };
  const out = expandProcTitle(v, dummy);
  return out === null || out.length === 0 ? 'template format is invalid or contains unknown variables' : null;
}

/** `dir`: must name an existing directory; stored absolute (CONFIG GET shows the working directory). */
function parseDir(args: string[]): string | { error: string } {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const p = resolve(args[0]!);
  try {
    if (!statSync(p).isDirectory()) return { error: 'Not a directory' };
  } catch (e) {
    return { error: strerror(e) };
  }
  return p;
}

const entries = [
  // ---- network (implemented) ----
  {
    name: 'bind',
    kind: 'special',
    // Redis's compiled-in default is "* -::*"; Redoubt ships the loopback default that
    // Redis's own redis.conf sets, so an unconfigured server is not reachable from outside.
    default: '127.0.0.1 -::1',
    status: 'active',
    // CONFIG SET rebinds (owner: server/listener-config.ts)
    flags: ['multi-arg'],
    parse: (args) => parseBind(args),
    rewrite: 'custom',
    rewriteLines: (v) => [{ line: `bind ${v === '' ? '""' : v}`, force: v !== '127.0.0.1 -::1' }],
  },
  // CONFIG SET rebinds (owner: server/listener-config.ts)
  int('port', '6379', 0n, 65535n, 'active'),
  bool('protected-mode', 'yes', 'active'),
  int('tcp-backlog', '511', 0n, INT_MAX, 'active', { flags: IMMUTABLE }),
  int('timeout', '0', 0n, INT_MAX, 'active'),
  int('tcp-keepalive', '300', 0n, INT_MAX, 'active'),
  // the replica link's local address (replication/master-link.ts), read at each connection
  nstr('bind-source-addr', 'active'),
  int('socket-mark-id', '0', 0n, UINT_MAX, 'noeffect', { flags: IMMUTABLE, unsigned: true }),
  int('maxclients', '10000', 1n, UINT_MAX, 'active', { unsigned: true }),
  nstr('unixsocket', 'active', { flags: IMMUTABLE }),
  { name: 'unixsocketperm', kind: 'octal', default: '0', min: 0n, max: 0o777n, unsigned: true, status: 'active', flags: IMMUTABLE },
  // Redoubt's own: CIDR blocks a peer must come from (empty: anyone), checked before a byte is read
  {
    name: 'source-allowlist',
    kind: 'special',
    default: '',
    status: 'active',
    since: 'redoubt',
    flags: ['multi-arg'],
    parse: (args) => parseAllowlistArgs(args),
    rewrite: 'custom',
    rewriteLines: (v) => (v === '' ? [] : [{ line: `source-allowlist ${v}`, force: true }]),
  },

  // ---- TLS ----
  // CONFIG SET opens / moves / closes the TLS listeners (owner: server/listener-config.ts)
  int('tls-port', '0', 0n, 65535n, 'active'),
  nstr('tls-cert-file', 'active'),
  nstr('tls-key-file', 'active'),
  nstr('tls-key-file-pass', 'active', { flags: ['sensitive'] }),
  // client-side certificate for outgoing TLS connections: the replica's link to its
  // primary with tls-replication yes (replication/replica-side.ts); no cluster bus exists
  nstr('tls-client-cert-file', 'active'),
  nstr('tls-client-key-file', 'active'),
  nstr('tls-client-key-file-pass', 'active', { flags: ['sensitive'] }),
  nstr('tls-dh-params-file', 'active'),
  nstr('tls-ca-cert-file', 'active'),
  nstr('tls-ca-cert-dir', 'active'),
  enm('tls-auth-clients', 'yes', ['no', 'yes', 'optional'], 'active'),
  // Valkey 9's certificate login (CN), extended to SAN URI / DNS / email: the identity
  // names the ACL user a TLS connection is logged in as
  enm('tls-auth-clients-user', 'off', ['off', 'cn', 'uri', 'dns', 'email'], 'active', { since: 'redoubt' }),
  // the replica's link to its primary (replication/replica-side.ts); no cluster bus exists
  bool('tls-replication', 'no', 'active'),
  bool('tls-cluster', 'no', 'noeffect'),
  nstr('tls-protocols', 'active'),
  nstr('tls-ciphers', 'active'),
  nstr('tls-ciphersuites', 'active'),
  bool('tls-prefer-server-ciphers', 'no', 'active'),
  bool('tls-session-caching', 'yes', 'active'),
  int('tls-session-cache-size', '20480', 0n, INT_MAX, 'active'),
  int('tls-session-cache-timeout', '300', 0n, INT_MAX, 'active'),
  // Redoubt's own: reload the certificate, key, CA and DH files when they change on disk
  bool('tls-auto-reload', 'no', 'active', { since: 'redoubt' }),

  // ---- general / process (implemented) ----
  bool('daemonize', 'no', 'active', { flags: IMMUTABLE }),
  enm('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], 'noeffect', { flags: IMMUTABLE }),
  nstr('pidfile', 'active', { flags: IMMUTABLE }),
  {
    name: 'loglevel',
    kind: 'enum',
    default: 'notice',
    // 'nothing' is new in 7.2
    values: ['debug', 'verbose', 'notice', 'warning', 'nothing'],
    status: 'active',
  },
  str('logfile', '', 'active', { flags: IMMUTABLE }),
  // the server log and the security events also go to syslog (server/syslog-output.ts),
  // through util-linux `logger`: without it the directive is refused rather than ignored
  bool('syslog-enabled', 'no', 'active', {
    flags: IMMUTABLE,
    validate: (v) => (v === 'yes' && !programOnPath('logger') ? "syslog-enabled yes needs the util-linux 'logger' program, which is not on PATH" : null),
  }),
  str('syslog-ident', 'redis', 'active', { flags: IMMUTABLE }),
  enm('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'active', {
    flags: IMMUTABLE,
  }),
  // Redoubt's own: the local syslog socket syslog-enabled writes to
  str('syslog-socket', '/dev/log', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  bool('crash-log-enabled', 'yes', 'noeffect'),
  bool('crash-memcheck-enabled', 'yes', 'noeffect'),
  int('databases', '16', 1n, INT_MAX, 'active', { flags: IMMUTABLE }),
  bool('always-show-logo', 'no', 'active', { flags: IMMUTABLE }),
  // main.ts sets the process title once listening (CONFIG SET of the template does not re-title)
  bool('set-proc-title', 'yes', 'active', { flags: IMMUTABLE }),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', 'active', { validate: validProcTitle, rewrite: 'quoted' }),
  str('locale-collate', '', 'noeffect', { since: '7.2.0' }),
  str('ignore-warnings', '', 'noeffect'),

  // ---- snapshotting (persistence/persistence.ts) ----
  {
    name: 'save',
    kind: 'special',
    default: '3600 1 300 100 60 10000',
    status: 'active',
    flags: ['multi-arg'],
    parse: parseSave,
    rewrite: 'custom',
    rewriteLines: (v) => {
      if (v === '') return [{ line: 'save ""', force: true }];
      const p = v.split(' ');
      const out: { line: string; force: boolean }[] = [];
      for (let i = 0; i < p.length; i += 2) out.push({ line: `save ${p[i]} ${p[i + 1]}`, force: true });
      return out;
    },
  },
  bool('stop-writes-on-bgsave-error', 'yes', 'active'),
  bool('rdbcompression', 'yes', 'active'),
  bool('rdbchecksum', 'yes', 'active', { flags: IMMUTABLE }),
  str('dbfilename', 'dump.rdb', 'active', { flags: ['protected'], validate: baseName('dbfilename', 'filename') }),
  bool('rdb-del-sync-files', 'no', 'noeffect'),
  {
    name: 'dir',
    kind: 'special',
    default: '',
    defaultFn: () => process.cwd(),
    status: 'active',
    flags: ['protected', 'deny-loading'],
    parse: (args) => parseDir(args),
    rewrite: 'custom',
    // Redis always writes the absolute working directory.
    rewriteLines: (v) => [{ line: `dir ${reprArg(v)}`, force: true }],
  },

  // ---- replication ----
  // The replica side (replication/replica-side.ts) acts on replicaof, masterauth,
  // masteruser, tls-replication, replica-read-only, replica-serve-stale-data and the
  // replica-announce-* / replica-priority / replica-announced figures it reports.
  // replica-lazy-flush is accepted: the flush before a full sync's load is synchronous
  // either way (the dataset is replaced before the load starts).
  {
    name: 'replicaof',
    aliases: ['slaveof'],
    kind: 'special',
    default: '',
    status: 'active',
    flags: ['immutable', 'multi-arg'],
    parse: (args) => parseReplicaOf(args),
    rewrite: 'custom',
    rewriteLines: (v) => (v === '' ? [] : [{ line: `replicaof ${v}`, force: true }]),
  },
  nstr('masterauth', 'active', { flags: ['sensitive'] }),
  nstr('masteruser', 'active', { flags: ['sensitive'] }),
  bool('replica-serve-stale-data', 'yes', 'active', { aliases: ['slave-serve-stale-data'] }),
  bool('replica-read-only', 'yes', 'active', { aliases: ['slave-read-only'] }),
  bool('repl-diskless-sync', 'yes', 'active'),
  int('repl-diskless-sync-delay', '5', 0n, INT_MAX, 'active'),
  int('repl-diskless-sync-max-replicas', '0', 0n, INT_MAX, 'active'),
  enm('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], 'active', { flags: ['deny-loading'] }),
  int('repl-ping-replica-period', '10', 1n, INT_MAX, 'active', { aliases: ['repl-ping-slave-period'] }),
  int('repl-timeout', '60', 1n, INT_MAX, 'active'),
  bool('repl-disable-tcp-nodelay', 'no', 'noeffect'),
  mem('repl-backlog-size', '1048576', 1n, LLONG_MAX, 'active'),
  int('repl-backlog-ttl', '3600', 0n, LONG_MAX, 'active'),
  int('replica-priority', '100', 0n, INT_MAX, 'active', { aliases: ['slave-priority'] }),
  bool('replica-announced', 'yes', 'active'),
  int('min-replicas-to-write', '0', 0n, INT_MAX, 'active', { aliases: ['min-slaves-to-write'] }),
  int('min-replicas-max-lag', '10', 0n, INT_MAX, 'active', { aliases: ['min-slaves-max-lag'] }),
  nstr('replica-announce-ip', 'active', { aliases: ['slave-announce-ip'] }),
  int('replica-announce-port', '0', 0n, 65535n, 'active', { aliases: ['slave-announce-port'] }),
  bool('replica-ignore-maxmemory', 'yes', 'noeffect', { aliases: ['slave-ignore-maxmemory'] }),
  bool('replica-lazy-flush', 'no', 'active', { aliases: ['slave-lazy-flush'] }),
  bool('replica-ignore-disk-write-errors', 'no', 'noeffect'),
  enm('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas'], 'noeffect'),

  // ---- security ----
  // requirepass sets the default user's only password (empty: nopass), as Redis does;
  // ACL rules applied later (user directives, aclfile, ACL SETUSER) may change it again.
  nstr('requirepass', 'active', { flags: ['sensitive'] }),
  str('aclfile', '', 'active', { flags: IMMUTABLE }),
  int('acllog-max-len', '128', 0n, LONG_MAX, 'active', { unsigned: true }),
  // read when a user is created or reset
  enm('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels'], 'active'),

  // ---- Redoubt extensions: watch and defend (no Redis equivalent; `since: 'redoubt'`) ----
  // protected like dir/dbfilename: it names a file the server creates and appends to
  nstr('security-log-file', 'active', { since: 'redoubt', flags: ['protected'] }),
  int('auth-spike-threshold', '50', 0n, INT_MAX, 'active', { since: 'redoubt' }),
  int('auth-spike-source-threshold', '10', 0n, INT_MAX, 'active', { since: 'redoubt' }),
  int('auth-spike-window', '60', 1n, 86400n, 'active', { since: 'redoubt' }),
  // AUTH throttling (src/security/auth-throttle.ts): slows guessing per source address,
  // never refuses a password. The waits are capped at 5 s by the ranges (and in the code).
  bool('auth-throttle', 'yes', 'active', { since: 'redoubt' }),
  int('auth-throttle-free-failures', '3', 0n, INT_MAX, 'active', { since: 'redoubt' }),
  int('auth-throttle-max-delay', '5000', 0n, 5000n, 'active', { since: 'redoubt' }),
  int('auth-throttle-checks-per-minute', '30', 1n, INT_MAX, 'active', { since: 'redoubt' }),
  int('auth-throttle-max-wait', '5000', 0n, 5000n, 'active', { since: 'redoubt' }),
  int('auth-throttle-max-unauthenticated', '16', 0n, INT_MAX, 'active', { since: 'redoubt' }),
  // loopback (127.0.0.0/8, ::1, ::ffff:127.x) and the unix socket; "no" throttles them too
  bool('auth-throttle-exempt-loopback', 'yes', 'active', { since: 'redoubt' }),
  int('metrics-port', '0', 0n, 65535n, 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  str('metrics-bind', '127.0.0.1', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  // Gateway mode (src/gateway/gateway.ts, issue 18): with gateway-upstream set, keyed data
  // commands are forwarded to those nodes (a Redis/Valkey Cluster discovered from the seeds,
  // else one standalone node) after every local check. Start-up only: the upstream
  // connections and topology are built once.
  {
    name: 'gateway-upstream',
    kind: 'special',
    default: '',
    status: 'active',
    since: 'redoubt',
    flags: ['immutable', 'hidden', 'multi-arg'],
    parse: (args) => parseUpstreams(args),
  },
  // A Sentinel-managed upstream: the sentinels are asked for `gateway-sentinel-master`'s
  // primary, which the gateway then fronts as a standalone node, following failovers
  // (+switch-master, or a lost/READONLY primary). Exclusive with gateway-upstream.
  {
    name: 'gateway-sentinel',
    kind: 'special',
    default: '',
    status: 'active',
    since: 'redoubt',
    flags: ['immutable', 'hidden', 'multi-arg'],
    // repeatable: each line adds sentinels (a line of the same load does not replace the last)
    parse: (args, ctx) => {
      const r = parseUpstreams(args);
      if (typeof r !== 'string' || !ctx.fromFile || ctx.firstInFile || ctx.current === '') return r;
      return r === '' ? ctx.current : `${ctx.current} ${r}`;
    },
  },
  nstr('gateway-sentinel-master', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  nstr('gateway-sentinel-user', 'active', { since: 'redoubt', flags: ['immutable', 'hidden', 'sensitive', 'secret'] }),
  nstr('gateway-sentinel-pass', 'active', { since: 'redoubt', flags: ['immutable', 'hidden', 'sensitive', 'secret'] }),
  nstr('gateway-upstream-user', 'active', { since: 'redoubt', flags: ['immutable', 'hidden', 'sensitive', 'secret'] }),
  nstr('gateway-upstream-pass', 'active', { since: 'redoubt', flags: ['immutable', 'hidden', 'sensitive', 'secret'] }),
  bool('gateway-upstream-tls', 'no', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  nstr('gateway-upstream-tls-ca-cert-file', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE, validate: readableFile }),
  nstr('gateway-upstream-tls-cert-file', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE, validate: readableFile }),
  nstr('gateway-upstream-tls-key-file', 'active', { since: 'redoubt', flags: OWN_IMMUTABLE, validate: readableFile }),
  int('gateway-upstream-timeout', '5000', 1n, INT_MAX, 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  int('gateway-max-inflight', '1024', 1n, 1048576n, 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  // shared pipelined connections per upstream node (and protocol version); each client's
  // commands to a node always travel the same one (chosen by client id), so they stay in order
  int('gateway-upstream-pool-size', '2', 1n, 64n, 'active', { since: 'redoubt', flags: OWN_IMMUTABLE }),
  // CONFIG SET checks it for protected configs (dir, dbfilename, security-log-file): implemented here.
  enm('enable-protected-configs', 'no', PROTECTED_ACTION, 'active', { flags: IMMUTABLE }),
  // DEBUG and MODULE are refused by the dispatcher unless these allow them (Redis's
  // CMD_PROTECTED check, security/protected-action.ts); start-up says what they unlock
  // (their start-up log lines: server/debug-service.ts registerDebugSwitches)
  enm('enable-debug-command', 'no', PROTECTED_ACTION, 'active', { flags: IMMUTABLE }),
  enm('enable-module-command', 'no', PROTECTED_ACTION, 'active', { flags: IMMUTABLE }),

  // ---- memory management ----
  mem('maxmemory', '0', 0n, ULLONG_MAX, 'active', { unsigned: true }),
  enm(
    'maxmemory-policy',
    'noeviction',
    ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    'active',
  ),
  int('maxmemory-samples', '5', 1n, INT_MAX, 'active'),
  int('maxmemory-eviction-tenacity', '10', 0n, 100n, 'active'),
  mem('maxmemory-clients', '0', -100n, SSIZE_MAX, 'active', { percent: true }),
  bool('lazyfree-lazy-eviction', 'no', 'noeffect'),
  bool('lazyfree-lazy-expire', 'no', 'noeffect'),
  bool('lazyfree-lazy-server-del', 'no', 'noeffect'),
  bool('lazyfree-lazy-user-del', 'no', 'noeffect'),
  bool('lazyfree-lazy-user-flush', 'no', 'noeffect'),

  // ---- threads, kernel ----
  int('io-threads', '1', 1n, 128n, 'noeffect', { flags: IMMUTABLE }),
  bool('io-threads-do-reads', 'no', 'noeffect', { flags: IMMUTABLE }),
  // applied by server/oom-score.ts (the third value, Redis's forked child's, has no process to apply to)
  enm('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], 'active'),
  {
    name: 'oom-score-adj-values',
    kind: 'special',
    default: '0 200 800',
    status: 'active',
    flags: ['multi-arg'],
    parse: (args) => parseOomScoreAdjValues(args),
    rewrite: 'custom',
    rewriteLines: (v) => [{ line: `oom-score-adj-values ${v}`, force: v !== '0 200 800' }],
  },
  bool('disable-thp', 'yes', 'noeffect', { flags: IMMUTABLE }),
  nstr('server_cpulist', 'noeffect', { flags: IMMUTABLE }),
  nstr('bio_cpulist', 'noeffect', { flags: IMMUTABLE }),
  nstr('aof_rewrite_cpulist', 'noeffect', { flags: IMMUTABLE }),
  nstr('bgsave_cpulist', 'noeffect', { flags: IMMUTABLE }),

  // ---- append only file (persistence/aof-manager.ts) ----
  bool('appendonly', 'no', 'active', { flags: ['deny-loading'] }),
  str('appendfilename', 'appendonly.aof', 'active', {
    flags: IMMUTABLE,
    validate: (v) => (v === '' ? "appendfilename can't be empty" : baseName('appendfilename', 'filename')(v)),
  }),
  str('appenddirname', 'appendonlydir', 'active', {
    flags: IMMUTABLE,
    validate: (v) => (v === '' ? "appenddirname can't be empty" : baseName('appenddirname', 'dirname')(v)),
  }),
  enm('appendfsync', 'everysec', ['everysec', 'always', 'no'], 'active'),
  bool('no-appendfsync-on-rewrite', 'no', 'noeffect'),
  int('auto-aof-rewrite-percentage', '100', 0n, INT_MAX, 'active'),
  mem('auto-aof-rewrite-min-size', '67108864', 0n, LLONG_MAX, 'active'),
  bool('aof-load-truncated', 'yes', 'active'),
  bool('aof-use-rdb-preamble', 'yes', 'active'),
  bool('aof-timestamp-enabled', 'no', 'active'),
  bool('aof-rewrite-incremental-fsync', 'yes', 'noeffect'),
  bool('rdb-save-incremental-fsync', 'yes', 'noeffect'),
  // yes keeps the AOF history files after a rewrite; Redoubt deletes them, so a no-op would
  // remove files the operator asked to keep
  bool('aof-disable-auto-gc', 'no', 'noeffect', {
    flags: HIDDEN,
    refuse: { when: (v) => v === 'yes', why: 'Redoubt deletes AOF history files after a rewrite, the files this setting keeps' },
  }),

  // ---- shutdown ----
  int('shutdown-timeout', '10', 0n, INT_MAX, 'noeffect'),
  // `save` / `nosave` decide whether the dataset is saved at shutdown; Redoubt saves exactly
  // when save points are set, so those values are refused. `now` (do not wait for replicas:
  // there are none) and `force` (exit even when saving fails: Redoubt stays up, which loses
  // nothing) only change how the shutdown waits, and stay accepted without effect.
  // main.ts's signal handler reads them: save / nosave override the save points, force
  // exits even when that save fails; now has nothing to skip (no shutdown-timeout wait)
  enm('shutdown-on-sigint', 'default', SHUTDOWN_ON_SIG, 'active', { multiEnum: true, flags: ['multi-arg'] }),
  enm('shutdown-on-sigterm', 'default', SHUTDOWN_ON_SIG, 'active', { multiEnum: true, flags: ['multi-arg'] }),

  // ---- scripting ----
  int('busy-reply-threshold', '5000', 0n, LONG_MAX, 'active', { aliases: ['lua-time-limit'] }),
  // what one Lua VM (EVAL's, FUNCTION's) may hold: past it a script fails with "not enough
  // memory"; at most 128 MiB so fragmentation stays inside the 256 MiB linear-memory ceiling
  mem('lua-memory-limit', '67108864', 1048576n, 134217728n, 'active', { since: 'redoubt' }),

  // ---- cluster (accepted without effect: no cluster mode) ----
  // a cluster node accepts writes only for its own slots; run standalone it would take
  // writes for every key, which the cluster then never sees. The other cluster-* directives
  // tune a cluster that cannot be enabled, so they stay accepted without effect.
  bool('cluster-enabled', 'no', 'noeffect', {
    flags: IMMUTABLE,
    refuse: { when: (v) => v === 'yes', why: 'Redoubt has no cluster mode, so this node would accept writes for every key instead of its own slots' },
  }),
  str('cluster-config-file', 'nodes.conf', 'noeffect', { flags: IMMUTABLE }),
  int('cluster-node-timeout', '15000', 0n, LLONG_MAX, 'noeffect'),
  int('cluster-port', '0', 0n, 65535n, 'noeffect', { flags: IMMUTABLE }),
  int('cluster-replica-validity-factor', '10', 0n, INT_MAX, 'noeffect', { aliases: ['cluster-slave-validity-factor'] }),
  int('cluster-migration-barrier', '1', 0n, INT_MAX, 'noeffect'),
  bool('cluster-allow-replica-migration', 'yes', 'noeffect'),
  bool('cluster-require-full-coverage', 'yes', 'noeffect'),
  bool('cluster-replica-no-failover', 'no', 'noeffect', { aliases: ['cluster-slave-no-failover'] }),
  bool('cluster-allow-reads-when-down', 'no', 'noeffect'),
  bool('cluster-allow-pubsubshard-when-down', 'yes', 'noeffect'),
  mem('cluster-link-sendbuf-limit', '0', 0n, ULLONG_MAX, 'noeffect', { unsigned: true }),
  nstr('cluster-announce-ip', 'noeffect'),
  nstr('cluster-announce-hostname', 'noeffect', { validate: validHostname }),
  nstr('cluster-announce-human-nodename', 'noeffect', { since: '7.2.0', validate: validNodename }),
  int('cluster-announce-port', '0', 0n, 65535n, 'noeffect'),
  int('cluster-announce-bus-port', '0', 0n, 65535n, 'noeffect'),
  int('cluster-announce-tls-port', '0', 0n, 65535n, 'noeffect'),
  enm('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], 'noeffect'),

  // ---- slow log, latency (implemented) ----
  // the hot path reads cached copies of these, kept current by their owners' hooks
  int('slowlog-log-slower-than', '10000', -1n, LLONG_MAX, 'active'),
  int('slowlog-max-len', '128', 0n, LONG_MAX, 'active', { unsigned: true }),
  int('latency-monitor-threshold', '0', 0n, LLONG_MAX, 'active'),
  bool('latency-tracking', 'yes', 'active'),
  {
    name: 'latency-tracking-info-percentiles',
    kind: 'special',
    default: '50 99 99.9',
    status: 'active', // INFO latencystats reads it
    flags: ['multi-arg'],
    parse: (args) => parseLatencyPercentiles(args),
    rewrite: 'custom',
    rewriteLines: (v) => [{ line: `latency-tracking-info-percentiles ${v === '' ? '""' : v}`, force: true }],
  },

  // ---- event notification ----
  {
    name: 'notify-keyspace-events',
    kind: 'special',
    default: '',
    status: 'active',
    parse: (args) => parseNotifyKeyspaceEvents(args),
    rewrite: 'custom',
    rewriteLines: (v) => [{ line: `notify-keyspace-events ${reprArg(v)}`, force: v !== '' }],
  },

  // ---- encodings (one representation per type in Redoubt: accepted, no effect) ----
  int('hash-max-listpack-entries', '512', 0n, LONG_MAX, 'noeffect', { aliases: ['hash-max-ziplist-entries'], unsigned: true }),
  mem('hash-max-listpack-value', '64', 0n, LONG_MAX, 'noeffect', { aliases: ['hash-max-ziplist-value'], unsigned: true }),
  int('list-max-listpack-size', '-2', INT_MIN, INT_MAX, 'active', { aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', '0', 0n, INT_MAX, 'noeffect'),
  int('set-max-intset-entries', '512', 0n, LONG_MAX, 'noeffect', { unsigned: true }),
  int('set-max-listpack-entries', '128', 0n, LONG_MAX, 'noeffect', { unsigned: true, since: '7.2.0' }),
  mem('set-max-listpack-value', '64', 0n, LONG_MAX, 'noeffect', { unsigned: true, since: '7.2.0' }),
  int('zset-max-listpack-entries', '128', 0n, LONG_MAX, 'noeffect', { aliases: ['zset-max-ziplist-entries'], unsigned: true }),
  mem('zset-max-listpack-value', '64', 0n, LONG_MAX, 'noeffect', { aliases: ['zset-max-ziplist-value'], unsigned: true }),
  mem('hll-sparse-max-bytes', '3000', 0n, LONG_MAX, 'noeffect', { unsigned: true }),
  mem('stream-node-max-bytes', '4096', 0n, LONG_MAX, 'noeffect', { unsigned: true }),
  int('stream-node-max-entries', '100', 0n, LLONG_MAX, 'noeffect'),
  bool('activerehashing', 'yes', 'noeffect'),

  // ---- clients and limits ----
  {
    name: 'client-output-buffer-limit',
    kind: 'special',
    default: OBUF_DEFAULT,
    // enforced for normal, pub/sub and replica clients (replication/replica-client.ts)
    status: 'active',
    flags: ['multi-arg'],
    parse: parseClientOutputBufferLimit,
    rewrite: 'custom',
    rewriteLines: (v) => rewriteClientOutputBufferLimit(v),
  },
  mem('client-query-buffer-limit', '1073741824', 1024n * 1024n, LONG_MAX, 'active', { unsigned: true }),
  mem('proto-max-bulk-len', '536870912', 1024n * 1024n, LONG_MAX, 'active'),
  int('hz', '10', 0n, INT_MAX, 'active'),
  bool('dynamic-hz', 'yes', 'noeffect'),
  int('tracking-table-max-keys', '1000000', 0n, LONG_MAX, 'active', { unsigned: true }),

  // ---- LFU (the keyspace's LFU counters use them: OBJECT FREQ) ----
  int('lfu-log-factor', '10', 0n, INT_MAX, 'active'),
  int('lfu-decay-time', '1', 0n, INT_MAX, 'active'),

  // ---- expiry ----
  int('active-expire-effort', '1', 1n, 10n, 'active'),

  // ---- active defragmentation ----
  bool('activedefrag', 'no', 'noeffect'),
  mem('active-defrag-ignore-bytes', '104857600', 1n, LLONG_MAX, 'noeffect', { unsigned: true }),
  int('active-defrag-threshold-lower', '10', 0n, 1000n, 'noeffect'),
  int('active-defrag-threshold-upper', '100', 0n, 1000n, 'noeffect'),
  int('active-defrag-cycle-min', '1', 1n, 99n, 'noeffect'),
  int('active-defrag-cycle-max', '25', 1n, 99n, 'noeffect'),
  int('active-defrag-max-scan-fields', '1000', 1n, LONG_MAX, 'noeffect', { unsigned: true }),
  bool('jemalloc-bg-thread', 'yes', 'noeffect'),

  // ---- misc, dump payloads ----
  enm('sanitize-dump-payload', 'no', ['no', 'yes', 'clients'], 'noeffect'),

  // ---- hidden (testing knobs in Redis: exact-name CONFIG GET only) ----
  bool('use-exit-on-panic', 'no', 'noeffect', { flags: HIDDEN }),
  int('rdb-key-save-delay', '0', INT_MIN, INT_MAX, 'active', { flags: HIDDEN }),
  int('key-load-delay', '0', INT_MIN, INT_MAX, 'active', { flags: HIDDEN }),
  int('watchdog-period', '0', 0n, INT_MAX, 'noeffect', { flags: HIDDEN }),
  int('loading-process-events-interval-bytes', '2097152', 1024n, INT_MAX, 'noeffect', { flags: HIDDEN }),
] as const satisfies readonly ConfigDef[];

/**
 * Every canonical config name, derived from the table (`as const` keeps each entry's name
 * literal): a read such as `config.int('timout')` fails to compile. Aliases are not in it;
 * code reads canonical names, and names from users go through `ConfigStore.def`.
 */
export type ConfigName = (typeof entries)[number]['name'];

export const configTable: readonly Named<ConfigName>[] = entries;

/**
 * Directives that are not configs (no CONFIG GET/SET) but may appear in redis.conf.
 * `include` is handled by the loader; the others belong to layers that have not landed
 * (modules), so any occurrence is refused.
 */
export const securityOnlyDirectives: ReadonlySet<string> = new Set(['loadmodule']);

/**
 * Redoubt directives whose meaning no longer exists: the AUTH throttle stopped blocking
 * (source, user) pairs and addresses (issue 11). Refused at load with the reason, so a
 * config that relied on them is not silently run another way.
 */
export const removedDirectives: ReadonlyMap<string, string> = new Map(
  ['auth-throttle-threshold', 'auth-throttle-source-threshold', 'auth-throttle-block-time'].map((name) => [
    name,
    `'${name}' was removed: the AUTH throttle no longer blocks users or addresses (a correct password is never refused). ` +
      'Delete the line; see auth-throttle-checks-per-minute, auth-throttle-max-unauthenticated and auth-throttle-max-delay.',
  ]),
);

/** Redis ignores these removed directives when they have exactly one argument. */
export const deprecatedDirectives: ReadonlySet<string> = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);
