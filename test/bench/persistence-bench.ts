/**
 * `npm run bench:persistence`: a report, not a test. Side by side with Debian's
 * redis-server in one run:
 *  1. SET throughput (redis-benchmark, 50 clients) with appendonly yes under
 *     appendfsync everysec and always;
 *  2. BGSAVE and BGREWRITEAOF of N keys (default 1,000,000): duration, and the worst
 *     latency a client saw meanwhile (a probe sends PING back to back and times each).
 * Both servers are child processes on loopback, each in its own scratch directory.
 *
 * Options: --keys N (default 1000000), --requests N (default 200000 for everysec; a tenth
 * for always).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, freePort, waitForPong } from '../helpers/redis-oracle.js';

const MAIN_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

interface Child {
  name: string;
  port: number;
  dir: string;
  proc: ChildProcess;
}

async function start(name: 'redoubt' | 'redis', extra: string[]): Promise<Child> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
  const proc = name === 'redoubt' ? spawn(process.execPath, [MAIN_JS, ...common], { stdio: 'ignore', cwd: dir }) : spawn(findOnPath('redis-server')!, common, { stdio: 'ignore', cwd: dir });
  if (!(await waitForPong(port, 20_000, () => proc.exitCode !== null))) throw new Error(`${name} did not start`);
  return { name, port, dir, proc };
}

async function stop(c: Child): Promise<void> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) {
    const exited = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGKILL');
    await exited;
  }
  rmSync(c.dir, { recursive: true, force: true });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function setRps(port: number, requests: number): Promise<number> {
  const out = await run(findOnPath('redis-benchmark')!, ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(requests), '-t', 'set', '--csv']);
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells[0] === 'SET') return Number(cells[1]);
  }
  throw new Error(`no SET line: ${out}`);
}

/** A connection that sends one command and waits for one reply line (simple replies only). */
class Line {
  private buf = '';
  private waiting: ((s: string) => void) | null = null;
  private constructor(private readonly s: net.Socket) {
    s.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.drain();
    });
  }
  static async open(port: number): Promise<Line> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return new Line(s);
  }
  private drain(): void {
    if (this.waiting === null) return;
    // bulk replies (INFO) end with the length they announce
    if (this.buf.startsWith('$')) {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return;
      const n = Number(this.buf.slice(1, eol));
      if (this.buf.length < eol + 2 + n + 2) return;
      const body = this.buf.slice(eol + 2, eol + 2 + n);
      this.buf = this.buf.slice(eol + 4 + n);
      const w = this.waiting;
      this.waiting = null;
      w(body);
      return;
    }
    const eol = this.buf.indexOf('\r\n');
    if (eol < 0) return;
    const line = this.buf.slice(0, eol);
    this.buf = this.buf.slice(eol + 2);
    const w = this.waiting;
    this.waiting = null;
    w(line);
  }
  call(...argv: string[]): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.s.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
  }
  close(): void {
    this.s.destroy();
  }
}

async function fill(port: number, keys: number): Promise<void> {
  const c = await Line.open(port);
  for (let i = 0; i < keys; i += 1000) {
    const argv = ['MSET'];
    for (let j = i; j < Math.min(keys, i + 1000); j++) argv.push(`key:${String(j).padStart(10, '0')}`, `value-${j}`);
    await c.call(...argv);
  }
  c.close();
}

/** Starts a background job, probes latency until INFO says it is over; returns [seconds, worst ms, probes]. */
async function backgroundJob(port: number, command: string, busyField: string): Promise<[number, number, number]> {
  const admin = await Line.open(port);
  const probe = await Line.open(port);
  const started = performance.now();
  const reply = await admin.call(command);
  if (reply.startsWith('-')) throw new Error(`${command}: ${reply}`);
  let worst = 0;
  let probes = 0;
  let done = false;
  const probing = (async () => {
    while (!done) {
      const t = performance.now();
      await probe.call('PING');
      worst = Math.max(worst, performance.now() - t);
      probes++;
    }
  })();
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const info = await admin.call('INFO', 'persistence');
    if (info.includes(`${busyField}:0`)) break;
  }
  const seconds = (performance.now() - started) / 1000;
  done = true;
  await probing;
  admin.close();
  probe.close();
  return [seconds, worst, probes];
}

async function main(): Promise<void> {
  // `node --test dist/test/` runs every .js under test/, this report included: not there
  if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
    console.log('persistence-bench: skipped under the test runner (use npm run bench:persistence)');
    return;
  }
  const args = process.argv.slice(2);
  const keys = args.includes('--keys') ? Number(args[args.indexOf('--keys') + 1]) : 1_000_000;
  const requests = args.includes('--requests') ? Number(args[args.indexOf('--requests') + 1]) : 200_000;
  console.log(`# SET throughput with appendonly yes (redis-benchmark -c 50, ${requests} requests; always: ${Math.floor(requests / 10)})`);
  for (const fsync of ['everysec', 'always']) {
    const n = fsync === 'always' ? Math.floor(requests / 10) : requests;
    const rps: Record<string, number> = {};
    for (const name of ['redis', 'redoubt'] as const) {
      const c = await start(name, ['--appendonly', 'yes', '--appendfsync', fsync]);
      try {
        rps[name] = await setRps(c.port, n);
      } finally {
        await stop(c);
      }
    }
    console.log(`appendfsync ${fsync.padEnd(8)} redis ${rps['redis']!.toFixed(0).padStart(8)} ops/s   redoubt ${rps['redoubt']!.toFixed(0).padStart(8)} ops/s   ratio ${(rps['redoubt']! / rps['redis']!).toFixed(2)}x`);
  }
  console.log(`\n# background snapshot of ${keys} keys: duration, worst PING latency meanwhile`);
  for (const name of ['redis', 'redoubt'] as const) {
    const c = await start(name, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
    try {
      await fill(c.port, keys);
      const [s1, w1, p1] = await backgroundJob(c.port, 'BGSAVE', 'rdb_bgsave_in_progress');
      console.log(`${name.padEnd(8)} BGSAVE       ${s1.toFixed(2)} s, worst latency ${w1.toFixed(1)} ms over ${p1} probes`);
      const [s2, w2, p2] = await backgroundJob(c.port, 'BGREWRITEAOF', 'aof_rewrite_in_progress');
      console.log(`${name.padEnd(8)} BGREWRITEAOF ${s2.toFixed(2)} s, worst latency ${w2.toFixed(1)} ms over ${p2} probes`);
    } finally {
      await stop(c);
    }
  }
}

await main();
