/**
 * Issue 11 finding 2: glob patterns must cost O(pattern) memory and be bound at most once
 * per call. Each attack here is the one the review performed, for real, against a
 * redoubt-server child process (so its memory can be read from /proc without the test's
 * own allocations in the figure), mostly as a user limited to `~app:* &* +@all -@dangerous`:
 *  - SCAN / HSCAN / SSCAN / ZSCAN MATCH with a 3 MB pattern of `[a]` classes;
 *  - COMMAND LIST FILTERBY PATTERN and CONFIG GET with 120 KB of classes (once bound per
 *    command / config name, this blocked the event loop for seconds);
 *  - PSUBSCRIBE of many 900 KB class patterns (kept ~190 MB each);
 *  - ACL key and channel patterns of 900 KB classes.
 * Bounds are generous (the machine is shared): peak memory growth well under what one
 * 256-entry table per class costs, and "answered within seconds" where the old code took
 * 7-14 s. A watchdog kills the server past 1.5 GB RSS, so a regression fails the test
 * instead of exhausting the machine.
 */
// npm test: serial — bounds answer times (the event loop is not blocked)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPong } from '../helpers/redis-oracle.js';
import { RawClient } from '../helpers/raw-client.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { EXPLICIT_HEAP_ARG } from '../helpers/bin-heap.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/** The server is killed past this resident size: far above any honest figure here. */
const RSS_CEILING_KB = 1_500_000;
const MB = 1024 * 1024;
/** Generous bounds on how long an attack request may take to answer (the old code: 7-60 s). */
const ANSWER_BOUND_MS = 2000;
/** A 3 MB request has to cross the socket and be parsed first. */
const BIG_ANSWER_BOUND_MS = 5000;

/** A redoubt-server child process on a free loopback port, watched for memory. */
class ServerProcess {
  killedForMemory = false;
  private output = '';
  private readonly watchdog: NodeJS.Timeout;
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => this.keep(d));
    child.stderr!.on('data', (d: Buffer) => this.keep(d));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.watchdog = setInterval(() => {
      if (this.alive() && (this.readStatusKb('VmRSS') ?? 0) > RSS_CEILING_KB) {
        this.killedForMemory = true;
        child.kill('SIGKILL');
      }
    }, 20);
  }

  static async start(): Promise<ServerProcess> {
    const port = await freePort();
    const dir = scratchDir();
    const child = spawn(process.execPath, [EXPLICIT_HEAP_ARG, MAIN, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const s = new ServerProcess(child, port, dir);
    const up = await waitForPong(port, 30_000, () => !s.alive());
    if (!up) {
      await s.stop();
      throw new Error(`redoubt-server did not start:\n${s.output}`);
    }
    return s;
  }

  private keep(d: Buffer): void {
    if (this.output.length < 16384) this.output += d.toString('latin1');
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A `Vm*` line of /proc/<pid>/status, in kB (VmRSS: resident now, VmHWM: peak resident). */
  statusKb(field: 'VmRSS' | 'VmHWM'): number {
    const kb = this.readStatusKb(field);
    if (kb === null) {
      this.assertAlive(`reading ${field}`);
      throw new Error(`no ${field} for pid ${this.child.pid}`);
    }
    return kb;
  }

  /** null once the process is gone (an exiting process has no Vm* lines). */
  private readStatusKb(field: 'VmRSS' | 'VmHWM'): number | null {
    let status: string;
    try {
      status = readFileSync(`/proc/${this.child.pid}/status`, 'latin1');
    } catch {
      return null;
    }
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    return m === null ? null : Number(m[1]);
  }

  /** Fails with the reason when the server is gone (the watchdog's kill included). */
  assertAlive(what: string): void {
    assert.ok(!this.killedForMemory, `${what}: the server passed ${Math.round(RSS_CEILING_KB / 1024)} MB resident and was killed`);
    assert.ok(this.alive(), `${what}: the server died\n${this.output}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.watchdog);
    if (this.alive()) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A connection logged in as the restricted user of the review (created by the default user). */
async function restrictedClient(srv: ServerProcess): Promise<RawClient> {
  const admin = await RawClient.connect(srv.port);
  assert.equal(await admin.call('ACL', 'SETUSER', 'attacker', 'on', '>pw', '~app:*', '&*', '+@all', '-@dangerous'), '+OK\r\n');
  admin.close();
  const c = await RawClient.connect(srv.port);
  assert.equal(await c.call('AUTH', 'attacker', 'pw'), '+OK\r\n');
  return c;
}

/** Sends one request and reads its reply, giving the server `timeoutMs`; returns [reply, elapsed ms]. */
async function timedCall(srv: ServerProcess, c: RawClient, argv: string[], timeoutMs = 60_000): Promise<[string, number]> {
  const started = Date.now();
  c.write(RawClient.encode(argv));
  let r: string;
  try {
    r = await c.readReply(timeoutMs);
  } catch {
    srv.assertAlive(argv[0]!);
    assert.fail(`${argv[0]} was not answered within ${timeoutMs} ms`);
  }
  return [r, Date.now() - started];
}

const EMPTY_SCAN = '*2\r\n$1\r\n0\r\n*0\r\n';

test('SCAN/HSCAN/SSCAN/ZSCAN MATCH with a 3 MB pattern of [a] classes: bounded memory, answered at once (restricted user)', async () => {
  const srv = await ServerProcess.start();
  try {
    const c = await restrictedClient(srv);
    for (let i = 0; i < 20; i++) assert.equal(await c.call('SET', `app:${i}`, 'v'), '+OK\r\n');
    assert.equal(await c.call('HSET', 'app:h', 'f', 'v'), ':1\r\n');
    assert.equal(await c.call('SADD', 'app:s', 'm'), ':1\r\n');
    assert.equal(await c.call('ZADD', 'app:z', '1', 'm'), ':1\r\n');
    const classes = 1_000_000;
    // Warm-up with a plain pattern of the same size, so the request buffer and argument
    // string are already paid for in the baseline: the figure is the matcher's alone.
    const [warm] = await timedCall(srv, c, ['SCAN', '0', 'MATCH', 'a'.repeat(3 * classes), 'COUNT', '1000']);
    assert.equal(warm, EMPTY_SCAN);
    const peakBefore = srv.statusKb('VmHWM');

    const pattern = '[a]'.repeat(classes);
    const [r, ms] = await timedCall(srv, c, ['SCAN', '0', 'MATCH', pattern, 'COUNT', '1000']);
    srv.assertAlive('SCAN');
    assert.equal(r, EMPTY_SCAN, 'no key matches a million [a] classes');
    const growthMb = (srv.statusKb('VmHWM') - peakBefore) / 1024;
    console.log(`SCAN MATCH 3 MB of [a]: peak RSS +${growthMb.toFixed(1)} MB, answered in ${ms} ms`);
    assert.ok(growthMb < 50, `peak RSS grew ${growthMb.toFixed(1)} MB for a 3 MB pattern`);
    assert.ok(ms < BIG_ANSWER_BOUND_MS, `SCAN took ${ms} ms`);

    for (const head of [['HSCAN', 'app:h'], ['SSCAN', 'app:s'], ['ZSCAN', 'app:z']]) {
      const [hr] = await timedCall(srv, c, [...head, '0', 'MATCH', pattern, 'COUNT', '1000']);
      srv.assertAlive(head[0]!);
      assert.equal(hr, EMPTY_SCAN, `${head[0]} matches nothing`);
    }
    // 3 MB of long classes (each compiled to a 32-byte set) against a star: still bounded.
    const [lr] = await timedCall(srv, c, ['SCAN', '0', 'MATCH', '*' + ('[' + 'b'.repeat(298) + ']').repeat(10_000), 'COUNT', '1000']);
    srv.assertAlive('SCAN (long classes)');
    assert.equal(lr, EMPTY_SCAN);
    const totalMb = (srv.statusKb('VmHWM') - peakBefore) / 1024;
    assert.ok(totalMb < 50, `peak RSS grew ${totalMb.toFixed(1)} MB over five 3 MB patterns`);

    // The same pattern shape still matches when it should: 3000 classes against app:… keys.
    assert.equal(await c.call('SET', `app:${'a'.repeat(2996)}`, 'v'), '+OK\r\n');
    const [hit] = await timedCall(srv, c, ['SCAN', '0', 'MATCH', '[a][p][p][:]' + '[a]'.repeat(2996), 'COUNT', '1000']);
    assert.equal(hit, `*2\r\n$1\r\n0\r\n*1\r\n$3000\r\napp:${'a'.repeat(2996)}\r\n`);
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await srv.stop();
  }
});

test('COMMAND LIST FILTERBY PATTERN with 120 KB of classes answers within seconds, not once per command name (restricted user)', async () => {
  const srv = await ServerProcess.start();
  try {
    const c = await restrictedClient(srv);
    const [r, ms] = await timedCall(srv, c, ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', '[a]'.repeat(40_000)]);
    srv.assertAlive('COMMAND LIST');
    console.log(`COMMAND LIST FILTERBY PATTERN 120 KB of [a]: answered in ${ms} ms`);
    assert.equal(r, '*0\r\n', 'no command name is 40000 bytes long');
    assert.ok(ms < ANSWER_BOUND_MS, `COMMAND LIST took ${ms} ms (the event loop was blocked)`);
    // one class of 120 KB after a star: walked in place per comparison, that is 120 KB per
    // byte of every command name; compiled once to a set, it is one lookup
    const [lr, lms] = await timedCall(srv, c, ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', '*[' + 'xyz'.repeat(40_000) + ']']);
    srv.assertAlive('COMMAND LIST (long class)');
    console.log(`COMMAND LIST FILTERBY PATTERN *[120 KB class]: answered in ${lms} ms`);
    assert.equal(lr, await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', '*[xyz]'), 'the same names as the short class');
    assert.match(lr, /\$4\r\ncopy\r\n/);
    assert.ok(lms < ANSWER_BOUND_MS, `COMMAND LIST took ${lms} ms (the event loop was blocked)`);
    // and matching is real: classes and case folding select exactly GET
    assert.equal(await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', '[g][E][t]'), '*1\r\n$3\r\nget\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await srv.stop();
  }
});

test('CONFIG GET with huge class patterns answers within seconds, each pattern bound once', async () => {
  const srv = await ServerProcess.start();
  try {
    // CONFIG is @dangerous, so this is the default user; the cost was the same for anyone.
    const c = await RawClient.connect(srv.port);
    const [r, ms] = await timedCall(srv, c, ['CONFIG', 'GET', '[a]'.repeat(40_000), '*[b]'.repeat(30_000)]);
    srv.assertAlive('CONFIG GET');
    console.log(`CONFIG GET 2 × 120 KB of classes: answered in ${ms} ms`);
    assert.equal(r, '*0\r\n');
    assert.ok(ms < ANSWER_BOUND_MS, `CONFIG GET took ${ms} ms (the event loop was blocked)`);
    assert.equal(await c.call('CONFIG', 'GET', '[M]axmemory'), '*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await srv.stop();
  }
});

test('PSUBSCRIBE of many 900 KB class patterns keeps memory linear in the bytes sent (restricted user)', async () => {
  const srv = await ServerProcess.start();
  try {
    const c = await restrictedClient(srv);
    const classes = 300_000;
    const patternOf = (i: number) => String(i).padStart(3, '0') + '[a]'.repeat(classes - 1);
    // Warm-up: one pattern of the same size subscribed and dropped, so the request and reply
    // buffers are in the baseline.
    const warmPattern = 'w'.repeat(patternOf(0).length);
    await timedCall(srv, c, ['PSUBSCRIBE', warmPattern]);
    await timedCall(srv, c, ['PUNSUBSCRIBE', warmPattern]);
    const before = srv.statusKb('VmRSS');

    const count = 20;
    let sent = 0;
    for (let i = 0; i < count; i++) {
      const p = patternOf(i);
      const [r] = await timedCall(srv, c, ['PSUBSCRIBE', p]);
      srv.assertAlive(`PSUBSCRIBE #${i}`);
      assert.equal(r, `*3\r\n$10\r\npsubscribe\r\n$${p.length}\r\n${p}\r\n:${i + 1}\r\n`);
      sent += p.length;
    }
    const growth = (srv.statusKb('VmRSS') - before) * 1024;
    console.log(`PSUBSCRIBE ${count} × ${(sent / count / MB).toFixed(2)} MB patterns: RSS +${(growth / MB).toFixed(1)} MB for ${(sent / MB).toFixed(1)} MB sent`);
    assert.ok(growth < 3 * sent, `RSS grew ${(growth / MB).toFixed(1)} MB for ${(sent / MB).toFixed(1)} MB of patterns`);

    // The subscriptions work: a channel matching pattern #7 (its prefix, then 299999 a's).
    const admin = await RawClient.connect(srv.port);
    const channel = '007' + 'a'.repeat(classes - 1);
    assert.equal(await admin.call('PUBLISH', channel, 'hi'), ':1\r\n');
    const p7 = patternOf(7);
    assert.equal(await c.readReply(10_000), `*4\r\n$8\r\npmessage\r\n$${p7.length}\r\n${p7}\r\n$${channel.length}\r\n${channel}\r\n$2\r\nhi\r\n`);
    assert.equal(await admin.call('PUBLISH', 'app:other', 'x'), ':0\r\n');
    assert.equal(await admin.call('PUBSUB', 'NUMPAT'), `:${count}\r\n`);
    admin.close();
    c.close();
  } finally {
    await srv.stop();
  }
});

test('ACL key and channel patterns of 900 KB classes cost their own size, not a table per class', async () => {
  const srv = await ServerProcess.start();
  try {
    const admin = await RawClient.connect(srv.port);
    const classes = 300_000;
    const keyPattern = '[k]'.repeat(classes);
    const chanPattern = '[c]'.repeat(classes);
    // warm-up at the same request sizes, so parser buffers are in the baseline
    assert.equal(await admin.call('ACL', 'SETUSER', 'warm', 'on', '>pw', `~${'k'.repeat(keyPattern.length)}`, `&${'c'.repeat(chanPattern.length)}`, '+@all'), '+OK\r\n');
    const before = srv.statusKb('VmHWM');

    assert.equal(await admin.call('ACL', 'SETUSER', 'u', 'on', '>pw', `~${keyPattern}`, `&${chanPattern}`, '+@all'), '+OK\r\n');
    const u = await RawClient.connect(srv.port);
    assert.equal(await u.call('AUTH', 'u', 'pw'), '+OK\r\n');
    const key = 'k'.repeat(classes);
    for (let i = 0; i < 5; i++) {
      const [r] = await timedCall(srv, u, ['GET', key]);
      srv.assertAlive('GET');
      assert.equal(r, '$-1\r\n', 'the key pattern admits the key');
    }
    assert.match(await u.call('GET', 'other'), /^-NOPERM /);
    const channel = 'c'.repeat(classes);
    for (let i = 0; i < 5; i++) {
      const [r] = await timedCall(srv, u, ['PUBLISH', channel, 'm']);
      srv.assertAlive('PUBLISH');
      assert.equal(r, ':0\r\n', 'the channel pattern admits the channel');
    }
    assert.match(await u.call('PUBLISH', 'other', 'm'), /^-NOPERM /);
    const growthMb = (srv.statusKb('VmHWM') - before) / 1024;
    console.log(`ACL patterns of 2 × 900 KB classes, 10 checks: peak RSS +${growthMb.toFixed(1)} MB`);
    assert.ok(growthMb < 50, `peak RSS grew ${growthMb.toFixed(1)} MB`);
    assert.equal(await u.call('PING'), '+PONG\r\n');
    u.close();
    admin.close();
  } finally {
    await srv.stop();
  }
});
