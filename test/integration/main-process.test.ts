/**
 * The redoubt-server process, spawned as an init script or harness would spawn
 * redis-server: command line, FATAL config errors, logs, logo, pidfile, logfile, stdin
 * config, port conflicts, signals, daemonize, and the Debian package's own redis.conf.
 * Every child is bounded by a timeout and killed in `finally`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/redis-oracle.js';
import { RawClient } from '../helpers/raw-client.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { EXPLICIT_HEAP_ARG } from '../helpers/bin-heap.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/** pid:role day month year time.ms level-mark message */
const LOG_LINE = /^\d+:[MC] \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] /;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the server to completion (config errors, --version...), killing it after `timeoutMs`. */
function runToExit(args: string[], opts: { stdin?: string; timeoutMs?: number; cwd?: string } = {}): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EXPLICIT_HEAP_ARG, MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd ?? scratchDir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A running server process and its output so far. */
class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString('latin1')));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('latin1')));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  static start(args: string[], stdin?: string): Proc {
    const child = spawn(process.execPath, [EXPLICIT_HEAP_ARG, MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: scratchDir() });
    child.stdin!.end(stdin ?? '');
    return new Proc(child);
  }

  /** Waits until `text()` matches, the process exits, or the timeout passes. */
  async waitFor(re: RegExp, text: () => string = () => this.stdout, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(text())) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`did not see ${re}: exit=${this.child.exitCode}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}\nwatched:\n${text()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends a signal and waits for the exit code (SIGKILL after the timeout). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'redoubt-main-'));
}

async function ping(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.call('PING');
  } finally {
    c.close();
  }
}

test('a bad config line: redis-server\'s FATAL block on stderr, exit 1', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'bad.conf');
    writeFileSync(file, '# comment\nport 7000\n\n  frobnicate yes  \n');
    const r = await runToExit([file]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 4\n>>> 'frobnicate yes'\nBad directive or wrong number of arguments\n",
    );
    assert.doesNotMatch(r.stdout, /Ready to accept/);
    // without a file, the options start at line 2 (after the "\n" separator), as in redis-server
    const r2 = await runToExit(['--hz', 'abc']);
    assert.equal(r2.code, 1);
    assert.equal(r2.stderr, "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 2\n>>> 'hz \"abc\"'\nargument couldn't be parsed into an integer\n");
    // masterauth loads (issue 16); the password is echoed nowhere
    const r3 = await runToExit(['--test-config', '--masterauth', 'secret']);
    assert.equal(r3.code, 0);
    assert.doesNotMatch(r3.stdout + r3.stderr, /secret/, 'a password is not echoed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable config file or include: logged like redis-server, exit 1', async () => {
  const dir = tempDir();
  try {
    const r = await runToExit([join(dir, 'missing.conf')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^\\d+:C .* # Fatal error, can't open config file '${join(dir, 'missing.conf')}': No such file or directory\\n$`));
    const file = join(dir, 'inc.conf');
    writeFileSync(file, `include ${join(dir, 'nope.conf')}\n`);
    const r2 = await runToExit([file]);
    assert.equal(r2.code, 1);
    assert.match(r2.stdout, /Fatal error, can't open config file '.*nope\.conf': No such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--version, -v, --help', async () => {
  const v = await runToExit(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^Redoubt server v=7\.2\.4 sha=00000000:0 malloc=libc bits=64 build=0 redoubt=\d+\.\d+\.\d+ node=v\d+/);
  assert.equal((await runToExit(['-v'])).stdout, v.stdout);
  const h = await runToExit(['--help']);
  assert.equal(h.code, 1);
  assert.match(h.stderr, /^Usage: \.\/redoubt-server \[\/path\/to\/redis\.conf\] \[options\] \[-\]/);
});

test('--test-config validates without starting', async () => {
  const dir = tempDir();
  try {
    const good = join(dir, 'good.conf');
    writeFileSync(good, 'port 7777\nappendonly no\nhash-max-ziplist-entries 64\n');
    const ok = await runToExit([good, '--test-config']);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, new RegExp(`^Configuration OK: ${good}\\n`));
    assert.match(ok.stdout, /Accepted but without effect in this version \(1\): hash-max-listpack-entries/);
    const bad = await runToExit(['--test-config', '--maxmemory', 'lots']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /FATAL CONFIG FILE ERROR[\s\S]*argument must be a memory value/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start-up log, logo, security summary, no-effect notice, then SIGTERM shuts down cleanly', async () => {
  const port = await freePort();
  // shutdown-on-sigterm save: saved on the signal although no save point is set (Redis's meaning)
  const p = Proc.start(['--port', String(port), '--always-show-logo', 'yes', '--appendonly', 'no', '--save', '', '--loglevel', 'verbose', '--shutdown-on-sigterm', 'save']);
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    const out = p.stdout;
    const pid = p.child.pid!;
    assert.match(out, new RegExp(`^${pid}:C .* \\* oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo$`, 'm'));
    assert.match(out, new RegExp(`\\* Redoubt version=\\d+\\.\\d+\\.\\d+, redis-compat=7\\.2\\.4, bits=64, pid=${pid}, just started$`, 'm'));
    assert.match(out, /\* Configuration loaded$/m);
    assert.ok(out.includes(` PID: ${pid}`), 'logo shows the pid');
    assert.ok(out.includes(`Port: ${port}`), 'logo shows the port');
    assert.match(out, /\* Server initialized$/m);
    assert.match(out, new RegExp(`Security: listening on 127\\.0\\.0\\.1:${port}`));
    assert.match(out, /protected-mode yes/);
    assert.match(out, /\* Persistence: AOF off; RDB .*dump\.rdb, no save points$/m);
    assert.doesNotMatch(out, /Accepted but without effect/);
    const logLines = out.split('\n').filter((l) => /^\d+:/.test(l));
    assert.ok(logLines.length >= 7);
    for (const l of logLines) assert.match(l, LOG_LINE);
    assert.ok(out.indexOf('Server initialized') < out.indexOf('Ready to accept connections tcp'));
    assert.equal(await ping(port), '+PONG\r\n');
    assert.equal(await p.stop('SIGTERM'), 0);
    assert.match(p.stdout, /# Received SIGTERM scheduling shutdown\.\.\.$/m);
    assert.match(p.stdout, /# Redoubt is now ready to exit, bye bye\.\.\.$/m);
    assert.match(p.stdout, /Received SIGTERM scheduling shutdown\.\.\.[\s\S]*DB saved on disk/);
  } finally {
    p.kill();
  }
});

test('SIGINT also shuts down cleanly; without always-show-logo the mode line is logged; a signal waits for the cron, so SHUTDOWN ABORT cancels it', async () => {
  const port = await freePort();
  const p = Proc.start(['--port', String(port), '--enable-debug-command', 'yes']);
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    assert.match(p.stdout, new RegExp(`\\* Running mode=standalone, port=${port}\\.$`, 'm'));
    // Redis's default save points: the start-up log says so, and a signal saves first
    assert.match(p.stdout, /\* Persistence: AOF off; RDB .*dump\.rdb, save points 3600 1 300 100 60 10000$/m);
    // as Redis 7.2: the signal only schedules the shutdown, the cron carries it out, and
    // SHUTDOWN ABORT in between cancels it
    const c = await RawClient.connect(port);
    try {
      assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '1'), '+OK\r\n');
      p.child.kill('SIGTERM');
      await p.waitFor(/Received SIGTERM scheduling shutdown\.\.\.\n/);
      assert.equal(await c.call('SHUTDOWN', 'ABORT'), '+OK\r\n');
      await p.waitFor(/\* Shutdown manually aborted\.\n/);
      assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '0'), '+OK\r\n');
      assert.equal(await c.call('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
    } finally {
      c.close();
    }
    assert.equal(await p.stop('SIGINT'), 0);
    assert.match(p.stdout, /Received SIGINT scheduling shutdown\.\.\.[\s\S]*DB saved on disk/);
  } finally {
    p.kill();
  }
});

test('a port in use: "Failed listening on port N (tcp), aborting." and exit 1', async () => {
  const port = await freePort();
  const a = Proc.start(['--port', String(port)]);
  let b: Proc | null = null;
  try {
    await a.waitFor(/Ready to accept connections tcp\n/);
    b = Proc.start(['--port', String(port)]);
    const code = await Promise.race([b.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000))]);
    assert.equal(code, 1);
    assert.match(b.stdout, new RegExp(`# Warning: Could not create server TCP listening socket 127\\.0\\.0\\.1:${port}: bind: Address already in use$`, 'm'));
    assert.match(b.stdout, new RegExp(`# Failed listening on port ${port} \\(tcp\\), aborting\\.$`, 'm'));
    assert.equal(await ping(port), '+PONG\r\n', 'the first server is unaffected');
  } finally {
    b?.kill();
    await a.stop();
    a.kill();
  }
});

test('pidfile is written after listening and removed on exit; logfile gets the log', async () => {
  const dir = tempDir();
  const port = await freePort();
  const pidfile = join(dir, 'r.pid');
  const logfile = join(dir, 'r.log');
  writeFileSync(logfile, 'previous content\n');
  const p = Proc.start(['--port', String(port), '--pidfile', pidfile, '--logfile', logfile]);
  try {
    await p.waitFor(/Ready to accept connections tcp\n/, () => (existsSync(logfile) ? readFileSync(logfile, 'latin1') : ''));
    assert.equal(readFileSync(pidfile, 'latin1'), `${p.child.pid}\n`);
    assert.equal(p.stdout, '', 'nothing on stdout when logging to a file');
    assert.equal(await p.stop(), 0);
    assert.equal(existsSync(pidfile), false);
    const log = readFileSync(logfile, 'latin1');
    assert.ok(log.startsWith('previous content\n'), 'the log file is appended to');
    const lines = log.split('\n').slice(1).filter((l) => l.length > 0);
    for (const l of lines) assert.match(l, LOG_LINE);
    assert.match(log, /\* Removing the pid file\.\n.*# Redoubt is now ready to exit, bye bye\.\.\.\n$/);
  } finally {
    p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('"-" reads the config from stdin, before the command-line options', async () => {
  const port = await freePort();
  const p = Proc.start(['-', '--hz', '7'], `port ${port}\nhz 3\nmaxclients 33\n`);
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    assert.match(p.stdout, /# Reading config from stdin$/m);
    const c = await RawClient.connect(port);
    try {
      assert.equal(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$1\r\n7\r\n');
      assert.equal(await c.call('CONFIG', 'GET', 'maxclients'), '*2\r\n$10\r\nmaxclients\r\n$2\r\n33\r\n');
    } finally {
      c.close();
    }
  } finally {
    await p.stop();
    p.kill();
  }
});

test('daemonize yes: the parent exits 0, the detached child serves, writes the pidfile and logs to the logfile', async () => {
  const dir = tempDir();
  const port = await freePort();
  const pidfile = join(dir, 'd.pid');
  const logfile = join(dir, 'd.log');
  let daemonPid: number | null = null;
  try {
    const r = await runToExit(['--port', String(port), '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile], { timeoutMs: 10_000 });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    const deadline = Date.now() + 10_000;
    while (!(existsSync(pidfile) && /Ready to accept connections tcp/.test(readFileSync(logfile, 'latin1'))) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 25));
    }
    daemonPid = Number(readFileSync(pidfile, 'latin1').trim());
    assert.ok(daemonPid > 0);
    assert.equal(await ping(port), '+PONG\r\n');
    assert.match(readFileSync(logfile, 'latin1'), new RegExp(`^${daemonPid}:C .* Redoubt is starting`, 'm'));
    process.kill(daemonPid, 'SIGTERM');
    while (existsSync(pidfile) && Date.now() < deadline + 5000) await new Promise((res) => setTimeout(res, 25));
    assert.equal(existsSync(pidfile), false, 'the daemon removed its pid file on SIGTERM');
    daemonPid = null;
  } finally {
    if (daemonPid !== null) {
      try {
        process.kill(daemonPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Debian package\'s /etc/redis/redis.conf loads and serves (paths and port adjusted)', { skip: existsSync('/etc/redis/redis.conf') ? false : 'SKIPPED: /etc/redis/redis.conf not installed' }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const file = join(dir, 'redis.conf');
  const original = readFileSync('/etc/redis/redis.conf', 'latin1');
  // Only what must differ on a test machine; nothing else is touched.
  const adjusted = original
    .split('\n')
    .map((line) => {
      const name = line.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      if (line.trim().startsWith('#')) return line;
      if (name === 'daemonize') return 'daemonize no';
      if (name === 'supervised') return 'supervised no';
      if (name === 'pidfile') return `pidfile ${join(dir, 'redis.pid')}`;
      if (name === 'logfile') return 'logfile ""';
      if (name === 'dir') return `dir ${dir}`;
      if (name === 'port') return `port ${port}`;
      // security directives whose layer has not landed yet
      if (['rename-command', 'unixsocket', 'loadmodule'].includes(name)) return `# ${line}`;
      if (name.startsWith('tls-') && name !== 'tls-port') return `# ${line}`;
      return line;
    })
    .join('\n');
  writeFileSync(file, adjusted);
  const p = Proc.start([file]);
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    assert.match(p.stdout, /\* Configuration loaded$/m);
    assert.match(p.stdout, /Accepted but without effect in this version \(\d+\): .*no-appendfsync-on-rewrite/);
    const c = await RawClient.connect(port);
    try {
      assert.equal(await c.call('CONFIG', 'GET', 'dir'), `*2\r\n$3\r\ndir\r\n$${dir.length}\r\n${dir}\r\n`);
      assert.equal(await c.call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '64mb'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
    } finally {
      c.close();
    }
    const rewritten = readFileSync(file, 'latin1');
    // comments survive, the change is written
    assert.ok(rewritten.includes('################################## NETWORK #####################################'));
    assert.match(rewritten, /^maxmemory 64mb$/m);
    assert.equal(await p.stop(), 0);
    // and the rewritten file validates
    const t = await runToExit([file, '--test-config']);
    assert.equal(t.code, 0, t.stderr);
  } finally {
    p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issue 15: a refused directive stops the start and --test-config, naming the line; replicaof and min-replicas-to-write load (issue 16)', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'replica.conf');
    writeFileSync(file, `port ${await freePort()}\nreplicaof 127.0.0.1 7699\nmin-replicas-to-write 1\ncluster-enabled yes\n`);
    for (const extra of [[], ['--test-config']]) {
      const r = await runToExit([file, ...extra]);
      assert.equal(r.code, 1, `exit code with ${extra.join(' ')}`);
      assert.match(r.stderr, /^\n\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.2\.4\) \*\*\*\nReading the configuration file, at line 4\n>>> 'cluster-enabled yes'\n'cluster-enabled yes' is refused/);
      assert.doesNotMatch(r.stdout, /Ready to accept|Configuration OK/);
    }
    writeFileSync(file, `port ${await freePort()}\nreplicaof 127.0.0.1 7699\nmin-replicas-to-write 1\n`);
    const ok = await runToExit([file, '--test-config']);
    assert.equal(ok.code, 0, ok.stderr);
    const r2 = await runToExit(['--test-config', '--cluster-enabled', 'yes']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, />>> 'cluster-enabled "yes"'\n'cluster-enabled yes' is refused/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issue 15: latency-tracking-info-percentiles "50 99 99.9" loads, as in redis-server', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'p.conf');
    writeFileSync(file, 'latency-tracking-info-percentiles "50 99 99.9"\n');
    const r = await runToExit([file, '--test-config']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Configuration OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issue 15: a bind address that does not resolve is named with the resolver\'s reason, as redis-server', async () => {
  const port = await freePort();
  const r = await runToExit(['--port', String(port), '--bind', 'no.such.host.invalid']);
  assert.equal(r.code, 1);
  // redis-server 7.0.15: "Could not create server TCP listening socket no.such.host:PORT: Name or service not known"
  assert.match(
    r.stdout,
    new RegExp(`# Warning: Could not create server TCP listening socket no\\.such\\.host\\.invalid:${port}: (Name or service not known|Temporary failure in name resolution)$`, 'm'),
  );
  assert.match(r.stderr, /Failed listening on port \d+ \(tcp\): no\.such\.host\.invalid: /);
  assert.doesNotMatch(r.stdout + r.stderr, /getaddrinfo|ENOTFOUND|EAI_/);
});

test('issue 15: the start-up log lists renamed and disabled commands and says authentication is off, truthfully', async () => {
  const dir = tempDir();
  const port = await freePort();
  const file = join(dir, 'r.conf');
  writeFileSync(file, `port ${port}\nalways-show-logo yes\nsave ""\nrename-command FLUSHALL MGMT_FLUSH_8831\nrename-command CONFIG ""\n`);
  const p = Proc.start([file]);
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    const out = p.stdout;
    assert.match(out, /; rename-command: renamed FLUSHALL \(new names not logged\); disabled CONFIG; /);
    assert.doesNotMatch(out, /rename-command none/);
    assert.doesNotMatch(out, /MGMT_FLUSH_8831/, 'the new name is not logged');
    assert.match(out, /\* Security: Authentication OFF: the default user needs no password .*; turn it on: CONFIG SET requirepass <password>$/m);
    assert.match(out, /Guards on: loopback-only bind, protected mode\n/);
    assert.match(out, /\|\s+Authentication OFF: the default user needs no password/);
    assert.doesNotMatch(out, /Hardened by default/);
  } finally {
    await p.stop();
    p.kill();
  }
  // the one command the line names really turns authentication on
  const q = Proc.start(['--port', String(port), '--save', '', '--always-show-logo', 'yes']);
  try {
    await q.waitFor(/Ready to accept connections tcp\n/);
    assert.match(q.stdout, /rename-command none/);
    const c = await RawClient.connect(port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'requirepass', 'long-test-password-1'), '+OK\r\n');
    } finally {
      c.close();
    }
    const c2 = await RawClient.connect(port);
    try {
      assert.equal(await c2.call('GET', 'k'), '-NOAUTH Authentication required.\r\n');
    } finally {
      c2.close();
    }
  } finally {
    await q.stop();
    q.kill();
  }
  // with a password from the start, neither the log nor the banner says it is off
  const r = Proc.start(['--port', String(port), '--save', '', '--always-show-logo', 'yes', '--requirepass', 'long-test-password-2']);
  try {
    await r.waitFor(/Ready to accept connections tcp\n/);
    assert.doesNotMatch(r.stdout, /Authentication OFF/);
    assert.match(r.stdout, /Authentication on: the default user needs a password or is off/);
    assert.match(r.stdout, /default user on, password required/);
  } finally {
    await r.stop();
    r.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issue 13: oom-score-adj writes the process\'s /proc oom_score_adj per role (relative, absolute) and restores it on no', { skip: existsSync('/proc/self/oom_score_adj') ? false : 'SKIPPED: no /proc/self/oom_score_adj' }, async () => {
  const port = await freePort();
  const p = Proc.start(['--port', String(port), '--save', '']);
  const file = `/proc/${p.child.pid!}/oom_score_adj`;
  const score = (): number => Number(readFileSync(file, 'latin1').trim());
  let client: RawClient | null = null;
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    const c = (client = await RawClient.connect(port));
    // the operator's own score (raising it needs no privilege), kept as the base
    writeFileSync(file, '22\n');
    assert.equal(await c.call('CONFIG', 'SET', 'oom-score-adj-values', '10 20 30', 'oom-score-adj', 'yes'), '+OK\r\n');
    assert.equal(score(), 32);
    assert.equal(await c.call('CONFIG', 'SET', 'oom-score-adj-values', '15 20 30'), '+OK\r\n');
    assert.equal(score(), 37);
    // a replica's class while following a primary, the primary's again once promoted
    assert.equal(await c.call('REPLICAOF', '127.0.0.1', '1'), '+OK\r\n');
    assert.equal(score(), 42);
    assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
    assert.equal(score(), 37);
    assert.equal(await c.call('CONFIG', 'SET', 'oom-score-adj', 'absolute'), '+OK\r\n');
    assert.equal(score(), 15);
    assert.equal(await c.call('CONFIG', 'SET', 'oom-score-adj', 'no'), '+OK\r\n');
    assert.equal(score(), 22);
    // disabled: a new base set outside is left alone by later value changes
    writeFileSync(file, '40\n');
    assert.equal(await c.call('CONFIG', 'SET', 'oom-score-adj-values', '1 1 1'), '+OK\r\n');
    assert.equal(score(), 40);
    assert.equal(await c.call('CONFIG', 'SET', 'oom-score-adj', 'relative'), '+OK\r\n');
    assert.equal(score(), 41);
  } finally {
    client?.close();
    await p.stop();
    p.kill();
  }
});

test('issue 13: a second SIGINT during the final save removes temp-<pid>.rdb and exits 1 at once; clients are held during that save', async () => {
  const port = await freePort();
  const dir = tempDir();
  const p = Proc.start(['--port', String(port), '--dir', dir, '--save', '900 1']);
  let c: RawClient | null = null;
  try {
    await p.waitFor(/Ready to accept connections tcp\n/);
    c = await RawClient.connect(port);
    for (let i = 0; i < 20; i++) assert.equal(await c.call('SET', String(i), String(i)), '+OK\r\n');
    // 100 ms per key: a 2 s save
    assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000'), '+OK\r\n');
    const temp = join(dir, `temp-${p.child.pid!}.rdb`);
    p.child.kill('SIGINT');
    for (let i = 0; i < 200 && !existsSync(temp); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(existsSync(temp), 'the final save writes temp-<pid>.rdb');
    // nothing is served while it runs, as during Redis's foreground save
    c.write(RawClient.encode(['SET', 'late', '1']));
    await assert.rejects(c.readReply(200));
    p.child.kill('SIGINT');
    assert.equal(await p.stop('SIGINT', 1500), 1);
    assert.match(p.stdout, /You insist\.\.\. exiting now\./);
    assert.ok(!existsSync(temp), 'the temp file is removed');
    assert.ok(!existsSync(join(dir, 'dump.rdb')));
  } finally {
    c?.close();
    p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
