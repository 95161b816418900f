#!/usr/bin/env node
/**
 * redoubt-server: the process entry point, a drop-in for redis-server's command line and
 * start-up behaviour (config file / stdin / --options, FATAL CONFIG FILE ERROR block and
 * exit 1, log lines, logo, pidfile, daemonize, signals), so a harness or init script that
 * starts redis-server can start redoubt-server unchanged.
 *
 * daemonize: Node cannot fork, so `daemonize yes` re-runs this same command line as a
 * detached child (stdin replayed through a pipe when the config came from `-`, stdout and
 * stderr to the logfile or /dev/null) and the parent exits 0, as redis-server's parent
 * does after fork(). The parent validates the config first, so config errors still reach
 * the terminal.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, usageText, type CommandLine } from './config/command-line.js';
import {
  combineConfigSources,
  formatFatalConfigError,
  formatOpenError,
  loadConfigText,
  readConfigFile,
  type ConfigLoadError,
} from './config/config-file.js';
import { ConfigStore } from './config/config-store.js';
import { configTable } from './config/config-table.js';
import { expandProcTitle } from './config/config-values.js';
import { fileSink, Logger, stdoutSink, type LogLevel, type LogSink } from './server/logger.js';
import { LOG_LEVEL_SEVERITY, SyslogOutput, syslogOptions } from './server/syslog-output.js';
import { ListenError, Server, StartupError, TlsConfigError } from './server/server.js';
import { exposureWarning, listeningLine } from './server/listener-config.js';
import { CommandTable, renameChecker } from './command-context/command-table.js';
import { allCommands } from './commands/index.js';
import { validateUserDirective } from './acl/config-users.js';
import { REDIS_COMPAT_VERSION, REDOUBT_VERSION } from './version.js';
import { gcFlags, HEAP_SIZED_ENV, heapFlagGiven, heapPlan, heapSizeLimit, needsRelaunch, physicalMemory, TOLERANCE, type HeapPlan } from './server/heap-sizing.js';

/** set in the environment of the detached child that `daemonize yes` starts */
const DAEMON_CHILD_ENV = 'REDOUBT_DAEMON_CHILD';
/** redis-server's pid file when daemonized without `pidfile` */
const DEFAULT_PIDFILE = '/var/run/redis.pid';

async function main(): Promise<void> {
  const originalCwd = process.cwd();
  const args = process.argv.slice(2);
  const cl = parseCommandLine(args);

  if (cl.mode === 'version') {
    process.stdout.write(versionLine());
    process.exit(0);
  }
  if (cl.mode === 'help') {
    // redis-server prints its usage on stderr and exits 1
    process.stderr.write(usageText());
    process.exit(1);
  }

  const early = new Logger(stdoutSink);
  early.role = 'C';
  const loaded = await loadConfig(cl, early);
  if (typeof loaded === 'number') process.exit(loaded);
  const { store, stdinText } = loaded;

  if (cl.mode === 'test-config') {
    process.stdout.write(testConfigReport(store, cl));
    process.exit(0);
  }

  // Issue 17: the V8 heap ceiling from maxmemory (or the machine), fixed when Node starts,
  // so this process starts itself again once with it (server/heap-sizing.ts)
  const maxmemory = Number(store.get('maxmemory'));
  const plan = heapPlan(maxmemory, physicalMemory());
  const relaunch =
    process.env[HEAP_SIZED_ENV] === undefined &&
    !heapFlagGiven(process.execArgv, process.env['NODE_OPTIONS']) &&
    needsRelaunch(plan, heapSizeLimit());
  const heapArgs = relaunch ? [`--max-old-space-size=${plan.oldSpaceMb}`, ...gcFlags(process.execArgv, process.env['NODE_OPTIONS'], maxmemory)] : [];

  // As redis-server: a supervised process (systemd / upstart detected) never backgrounds.
  const supervisor = detectSupervisor(store.get('supervised'));
  const daemonize = store.bool('daemonize') && supervisor === null;
  if (daemonize && store.get('pidfile') === '') store.store('pidfile', DEFAULT_PIDFILE);
  if (daemonize && process.env[DAEMON_CHILD_ENV] === undefined) {
    daemonizeAndExit(store, stdinText, originalCwd, args, heapArgs);
    return;
  }
  if (relaunch) {
    relaunchWithHeap(heapArgs, stdinText, originalCwd, args);
    return;
  }
  watchRelaunchingParent();

  const sink: LogSink = store.get('logfile') === '' ? stdoutSink : fileSink(store.get('logfile'));
  const log = new Logger(sink);
  log.level = store.get('loglevel') as LogLevel;
  log.role = 'C';
  // syslog-enabled: started now so the first lines reach syslog too; the server keeps it
  const syslog = store.bool('syslog-enabled')
    ? new SyslogOutput(syslogOptions(store, () => Date.now(), (m) => log.warning(m)))
    : undefined;
  if (syslog !== undefined) log.tap = (level, message) => syslog.send(LOG_LEVEL_SEVERITY[level], message);
  log.notice('oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo');
  log.notice(`Redoubt version=${REDOUBT_VERSION}, redis-compat=${REDIS_COMPAT_VERSION}, bits=64, pid=${process.pid}, just started`);
  if (cl.noArguments) {
    log.warning(
      `Warning: no config file specified, using the default config. In order to specify a config file use ${scriptName()} /path/to/redis.conf`,
    );
  } else {
    log.notice('Configuration loaded');
  }
  log.notice(heapLine(plan));
  if (supervisor !== null) {
    log.warning(`WARNING supervised by ${supervisor}, but Redoubt cannot send it a readiness notification yet: use a unit/job that does not wait for one (systemd Type=simple)`);
  }

  let server: Server;
  try {
    server = new Server({ store, logSink: sink, syslog });
  } catch (e) {
    if (!(e instanceof StartupError)) throw e;
    log.warning(e.message);
    process.exit(1);
  }
  // the runtime's own heap once built is outside used_memory (keyspace/memory-accounting.ts)
  server.logger.verbose(`Start-up heap ${(server.memory.baseline / 2 ** 20).toFixed(1)} MB (V8, not counted in used_memory or against maxmemory)`);
  const port = store.int('port');
  const binds = store.get('bind').split(' ').filter((b) => b.length > 0);
  const tcpOrTls = binds.length > 0 && (port !== 0 || store.int('tls-port') !== 0);
  if (!tcpOrTls && store.get('unixsocket') === '') {
    server.logger.warning('Configured to not listen anywhere, exiting.');
    process.exit(1);
  }
  try {
    await server.listen();
  } catch (e) {
    if (e instanceof ListenError || e instanceof TlsConfigError) {
      // already in the log with its address or file; also on stderr, so a failed start is
      // visible where the log goes to a file
      process.stderr.write(`redoubt-server: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }

  const metricsPort = store.int('metrics-port');
  if (metricsPort > 0) {
    try {
      await server.startMetrics(metricsPort);
      server.logger.notice(`Metrics endpoint: http://${store.get('metrics-bind')}:${metricsPort}/metrics`);
    } catch (e) {
      server.logger.warning(`Could not start the metrics endpoint on ${store.get('metrics-bind')}:${metricsPort}: ${(e as Error).message}`);
      process.exit(1);
    }
  }
  // as redis-server: the TLS port stands in when plaintext TCP is off
  const shownPort = port !== 0 ? port : store.int('tls-port');
  if (store.bool('set-proc-title')) setProcTitle(store, shownPort, binds);
  const pidfile = store.get('pidfile');
  if (pidfile !== '') writePidFile(server, pidfile);
  installSignalHandlers(server);

  const showLogo = store.bool('always-show-logo') || (store.get('logfile') === '' && process.stdout.isTTY === true);
  if (showLogo) server.logger.raw('notice', banner(shownPort, server));
  else server.logger.notice(`Running mode=${server.gateway !== null ? 'gateway' : 'standalone'}, port=${shownPort}.`);
  if (server.gateway !== null) server.logger.notice(`Gateway mode: keyed commands are forwarded to ${server.gateway.seeds.map((a) => `${a.host}:${a.port}`).join(' ')} (cluster discovered from these seeds, else one standalone node)`);
  server.logger.notice('Server initialized');
  for (const line of securitySummary(server)) server.logger.notice(line);
  const inert = noEffectDirectives(store);
  if (inert.length > 0) server.logger.warning(`Accepted but without effect in this version (${inert.length}): ${inert.join(', ')}`);
  // the dataset loads while the listeners answer -LOADING; a file that cannot be loaded
  // completely stops the start (the reason, file and offset are in the log)
  server.logger.notice(persistenceSummary(store));
  try {
    await server.persistence.load();
  } catch (e) {
    process.stderr.write(`redoubt-server: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (server.network.port('tcp') !== 0) server.logger.notice('Ready to accept connections tcp');
  if (server.network.port('tls') !== 0) server.logger.notice('Ready to accept connections tls');
  if (store.get('unixsocket') !== '') server.logger.notice('Ready to accept connections unix');
}

/** Loads file + stdin + options into a fresh store; on error prints like redis-server and returns the exit code. */
async function loadConfig(cl: CommandLine, early: Logger): Promise<{ store: ConfigStore; stdinText: string | null } | number> {
  let fileText: string | null = null;
  if (cl.configFile !== null) {
    const t = readConfigFile(cl.configFile);
    if (typeof t !== 'string') {
      early.warning(formatOpenError(t));
      return 1;
    }
    fileText = t;
  }
  let stdinText: string | null = null;
  if (cl.stdin) {
    early.warning('Reading config from stdin');
    stdinText = await readStdin();
  }
  const store = new ConfigStore(configTable);
  store.configFile = cl.configFile;
  // `user` lines are checked against the command table while the file is read, so a bad
  // rule is reported with its file and line
  const table = new CommandTable(allCommands);
  store.renameValidator = renameChecker(new CommandTable(allCommands));
  store.userValidator = (args, seen) =>
    validateUserDirective(args, seen, {
      table,
      get pubsubDefault() {
        return store.get('acl-pubsub-default') === 'allchannels' ? 'allchannels' : 'resetchannels';
      },
    });
  const err = loadConfigText(store, combineConfigSources(fileText, stdinText, cl.options), { file: cl.configFile ?? undefined, chdir: true });
  if (err !== null) {
    reportLoadError(err, early);
    return 1;
  }
  return { store, stdinText };
}

function reportLoadError(err: ConfigLoadError, early: Logger): void {
  if (err.kind === 'open') early.warning(formatOpenError(err));
  else process.stderr.write(Buffer.from(formatFatalConfigError(err), 'latin1'));
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    process.stdin.on('error', reject);
  });
}

/** `daemonize yes`: start this command line again, detached, and exit 0 (see the file comment). */
function daemonizeAndExit(store: ConfigStore, stdinText: string | null, cwd: string, args: string[], heapArgs: string[]): void {
  const logfile = store.get('logfile');
  const out = logfile === '' ? 'ignore' : openSync(logfile, 'a');
  const child = spawn(process.execPath, [...process.execArgv, ...heapArgs, scriptPath(), ...args], {
    cwd,
    detached: true,
    stdio: [stdinText === null ? 'ignore' : 'pipe', out, out],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1', ...(heapArgs.length > 0 ? { [HEAP_SIZED_ENV]: '1' } : {}) },
  });
  child.unref();
  if (stdinText !== null && child.stdin !== null) {
    child.stdin.end(Buffer.from(stdinText, 'latin1'), () => process.exit(0));
  } else {
    process.exit(0);
  }
}

/** Signals the relaunching parent passes on to the server it started. */
const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
/** The relaunched server's note to its parent that it received a SIGINT itself. */
const SIGINT_SEEN = 'redoubt:sigint';
/** How long the parent waits for that note before it passes a SIGINT on (ms). */
const SIGINT_DEDUP_MS = 200;

/**
 * Issue 17: run this command line again with `heapArgs` and stand in for it: signals are
 * passed on, stdio is shared (a config read from stdin is replayed through a pipe) and this
 * process ends as the server ends (same exit code, or the same signal). An IPC channel ties
 * its life to this one: if this process is killed outright (SIGKILL), the server kills
 * itself the same way (`watchRelaunchingParent`), so a supervisor's kill still stops the
 * server.
 *
 * The server stays in this process's session and process group (not `detached`): in a
 * session of its own it was, with the kernel's autogroup scheduling (the Linux default),
 * also a scheduling group of its own, and on a shared machine it then spent 10-35 % more
 * CPU per request and served a third fewer requests than the same build started directly
 * (scripts/cpu-per-op.mjs, its `@setsid` target; issue 14's "after" figures). A terminal's
 * Ctrl-C therefore reaches both processes; so that the server sees it once, not twice
 * ("You insist... exiting now"), it tells this process over the IPC channel when it got a
 * SIGINT itself, and a SIGINT is passed on only when no such note came within
 * SIGINT_DEDUP_MS (a `kill -INT` of this process alone).
 */
function relaunchWithHeap(heapArgs: string[], stdinText: string | null, cwd: string, args: string[]): void {
  const child = spawn(process.execPath, [...process.execArgv, ...heapArgs, scriptPath(), ...args], {
    cwd,
    stdio: [stdinText === null ? 'ignore' : 'pipe', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [HEAP_SIZED_ENV]: '1' },
  });
  if (stdinText !== null) child.stdin?.end(Buffer.from(stdinText, 'latin1'));
  let childSigintAt = -Infinity;
  let pendingSigint: NodeJS.Timeout | null = null;
  child.on('message', (m) => {
    if (m !== SIGINT_SEEN) return;
    childSigintAt = performance.now();
    if (pendingSigint !== null) {
      clearTimeout(pendingSigint);
      pendingSigint = null;
    }
  });
  for (const sig of FORWARDED_SIGNALS) {
    process.on(sig, () => {
      if (sig !== 'SIGINT') {
        child.kill(sig);
        return;
      }
      // the server's own note may come first or shortly after
      if (performance.now() - childSigintAt < SIGINT_DEDUP_MS || pendingSigint !== null) return;
      pendingSigint = setTimeout(() => {
        pendingSigint = null;
        child.kill('SIGINT');
      }, SIGINT_DEDUP_MS);
    });
  }
  child.on('error', (e) => {
    process.stderr.write(`redoubt-server: could not start with ${heapArgs.join(' ')}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      // end the same way, so a supervisor sees what the server saw
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

/**
 * In the relaunched server: if the parent that started it dies (its IPC channel closes), die
 * too, as abruptly; every SIGINT is reported to the parent (see relaunchWithHeap).
 */
function watchRelaunchingParent(): void {
  if (process.env[HEAP_SIZED_ENV] === undefined || process.channel === undefined) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.on('SIGINT', () => process.send?.(SIGINT_SEEN));
  // the channel must not keep the server alive on its own
  process.channel.unref();
}

/** The start-up log line: the heap ceiling this process has, where it comes from, and that it is fixed. */
function heapLine(plan: HeapPlan): string {
  const mb = Math.round(heapSizeLimit() / 2 ** 20);
  const source =
    process.env[HEAP_SIZED_ENV] !== undefined
      ? `sized at start from ${plan.reason}`
      : heapFlagGiven(process.execArgv, process.env['NODE_OPTIONS'])
        ? 'set by --max-old-space-size'
        : `Node's default (within ${TOLERANCE * 100}% of ${plan.reason})`;
  // the young generation and memory reducer flags in force (heap-sizing.ts gcFlags), for a latency investigation
  const gc = process.execArgv.filter((a) => /semi[-_]space|memory[-_]reducer/.test(a));
  return `Heap limit (V8 heap_size_limit) ${mb} MB, ${source}; fixed until restart: CONFIG SET maxmemory does not change it; GC flags: ${gc.length > 0 ? gc.join(' ') : "V8's defaults"}`;
}

/** Redis's redisIsSupervised: which supervisor the `supervised` setting and the environment point to. */
function detectSupervisor(mode: string): 'systemd' | 'upstart' | null {
  const systemd = process.env['NOTIFY_SOCKET'] !== undefined;
  const upstart = process.env['UPSTART_JOB'] !== undefined;
  if (mode === 'auto') return upstart ? 'upstart' : systemd ? 'systemd' : null;
  if (mode === 'systemd') return systemd ? 'systemd' : null;
  if (mode === 'upstart') return upstart ? 'upstart' : null;
  return null;
}

function writePidFile(server: Server, path: string): void {
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (e) {
    server.logger.warning(`Failed to write PID file: ${(e as Error).message}`);
    return;
  }
  server.shutdownHooks.push(() => {
    server.logger.notice('Removing the pid file.');
    try {
      // only our own pid file: another instance may have replaced it
      if (readFileSync(path, 'latin1').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  });
}

function installSignalHandlers(server: Server): void {
  server.onShutdown = () => process.exit(0);
  server.onFatal = () => process.exit(1);
  // as redis-server: the signal only schedules the shutdown, which the next cron tick carries
  // out (SHUTDOWN ABORT can cancel it meanwhile); a second SIGINT exits at once
  const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
    if (server.shutdownSequence.signal(sig)) process.exit(1);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** `set-proc-title`: what `ps` shows, from proc-title-template (e.g. "redoubt-server 127.0.0.1:6379"). */
function setProcTitle(store: ConfigStore, port: number, binds: string[]): void {
  const title = expandProcTitle(store.get('proc-title-template'), {
    title: 'redoubt-server',
    'listen-addr': `${binds[0]?.replace(/^-/, '') ?? '*'}:${port}`,
    'server-mode': '',
    port: String(port),
    'tls-port': store.get('tls-port'),
    unixsocket: store.get('unixsocket'),
    'config-file': store.configFile ?? '',
  });
  if (title !== null && title.length > 0) process.title = title;
}

/** Redoubt's own start-up banner (not Redis's art): version, mode, port, pid and the guards that are really on. */
function banner(port: number, server: Server): string {
  const off = authOffLine(server);
  const lines = [
    '',
    '        |>>>',
    `        |                 Redoubt ${REDOUBT_VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible) 64 bit`,
    '    _  _|_  _',
    `   |;|_|;|_|;|            Running in ${server.gateway !== null ? 'gateway' : 'standalone'} mode`,
    `   \\.    .  /            Port: ${port}`,
    `    \\:  .  /              PID: ${process.pid}`,
    '     ||:   |',
    `     ||:.  |              Guards on: ${guardsOn(server)}`,
    `     ||:  .|              ${off === null ? 'Authentication on: the default user needs a password or is off' : off}`,
    '  ___||____|___',
    '',
    '',
  ];
  return lines.join('\n');
}

/** Where the data goes: the AOF (and its fsync policy) and the RDB file with its save points. */
function persistenceSummary(store: ConfigStore): string {
  const aof = store.bool('appendonly') ? `on (appendfsync ${store.get('appendfsync')}, ${path.join(store.get('dir'), store.get('appenddirname'))})` : 'off';
  const save = store.get('save');
  const rdb = `${path.join(store.get('dir'), store.get('dbfilename'))}, ${save === '' ? 'no save points' : `save points ${save}`}`;
  return `Persistence: AOF ${aof}; RDB ${rdb}`;
}

/** One line per security layer: what is listening, and which protections are on or off. */
function securitySummary(server: Server): string[] {
  const c = server.config;
  const tlsDesc = server.tls === null ? 'TLS off' : `TLS on port ${server.network.port('tls')} (client certificates: ${c.get('tls-auth-clients')}; auto-reload ${c.get('tls-auto-reload')})`;
  const out = [
    listeningLine(server.listeners, c),
    `Security: source-allowlist ${c.get('source-allowlist') === '' ? 'off (any source)' : c.get('source-allowlist')}`,
    `Security: protected-mode ${c.get('protected-mode')}; ${tlsDesc}; ${aclSummary(server)}; ${renameSummary(c.renames)}; enable-debug-command ${c.get('enable-debug-command')}; no MODULE LOAD (enable-module-command ${c.get('enable-module-command')}); enable-protected-configs ${c.get('enable-protected-configs')}`,
  ];
  const off = authOffLine(server);
  if (off !== null) out.push(`Security: ${off}`);
  const warning = exposureWarning(server.listeners, c);
  if (warning !== null) out.push(warning);
  return out;
}

/**
 * Issue 15: what the shipped default leaves off, said where the operator looks. Redoubt stays
 * a drop-in for redis-server, so `npm start` serves without a password (redis-cli connects
 * as it would to redis-server); the layer that is off is authentication, and one command
 * turns it on. Null when the default user cannot be used without a password.
 */
function authOffLine(server: Server): string | null {
  const d = server.acl.defaultUser;
  if (!d.enabled || !d.nopass) return null;
  return 'Authentication OFF: the default user needs no password and may run every command it allows (dangerous ones too); turn it on: CONFIG SET requirepass <password>';
}

/** The guards that are really in place, for the banner (loopback-only bind, protected mode). */
function guardsOn(server: Server): string {
  const c = server.config;
  const loopbackOnly = c
    .get('bind')
    .split(' ')
    .filter((b) => b.length > 0)
    .every((b) => {
      const a = b.replace(/^-/, '');
      return a === '::1' || a === 'localhost' || (isIPv4(a) && a.startsWith('127.'));
    });
  const on = [loopbackOnly ? 'loopback-only bind' : null, c.bool('protected-mode') ? 'protected mode' : null, server.tls !== null ? 'TLS' : null].filter(
    (g): g is string => g !== null,
  );
  return on.length > 0 ? on.join(', ') : 'none';
}

/**
 * rename-command in one phrase: the commands renamed and those disabled (renamed to "").
 * The new names are not logged: a renamed command's name is a shared secret in Redis
 * practice, and the log is read by more people than the config file.
 */
function renameSummary(renames: readonly (readonly [string, string])[]): string {
  if (renames.length === 0) return 'rename-command none';
  const renamed = renames.filter(([, to]) => to !== '').map(([from]) => from.toUpperCase());
  const disabled = renames.filter(([, to]) => to === '').map(([from]) => from.toUpperCase());
  const parts = [renamed.length > 0 ? `renamed ${renamed.join(' ')} (new names not logged)` : null, disabled.length > 0 ? `disabled ${disabled.join(' ')}` : null];
  return `rename-command: ${parts.filter((p) => p !== null).join('; ')}`;
}

/** The identity layer in one phrase: how many users, and whether the default user still opens the door. */
function aclSummary(server: Server): string {
  const users = server.acl.users.list();
  const d = server.acl.defaultUser;
  const source = server.config.get('aclfile') !== '' ? `aclfile ${server.config.get('aclfile')}` : 'config';
  const state = !d.enabled ? 'off' : d.nopass ? 'ON WITHOUT A PASSWORD (anyone who connects can run any command it allows)' : 'on, password required';
  return `ACL ${users.length} user(s) from ${source}, default user ${state}`;
}

/** Directives given in the config that are accepted but without effect (listed once at start-up). */
function noEffectDirectives(store: ConfigStore): string[] {
  // `save` counts even at its default: Redis would write snapshots, Redoubt does not yet.
  return store.table
    .filter((d) => d.status === 'noeffect' && (store.explicitlySet.has(d.name) || (d.name === 'save' && store.get('save') !== '')))
    .map((d) => d.name);
}

function testConfigReport(store: ConfigStore, cl: CommandLine): string {
  const inert = noEffectDirectives(store);
  let out = `Configuration OK: ${cl.configFile ?? '(defaults)'}${cl.stdin ? ' + stdin' : ''}${cl.options !== '' ? ' + command line' : ''}\n`;
  out += `Listening would be on port ${store.get('port')}, bind ${store.get('bind')}, protected-mode ${store.get('protected-mode')}\n`;
  if (inert.length > 0) out += `Accepted but without effect in this version (${inert.length}): ${inert.join(', ')}\n`;
  return out;
}

function versionLine(): string {
  return `Redoubt server v=${REDIS_COMPAT_VERSION} sha=00000000:0 malloc=libc bits=64 build=0 redoubt=${REDOUBT_VERSION} node=${process.version}\n`;
}

function scriptPath(): string {
  return fileURLToPath(import.meta.url);
}

function scriptName(): string {
  return process.argv[1] ?? 'redoubt-server';
}

main().catch((e: unknown) => {
  process.stderr.write(`redoubt-server: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
