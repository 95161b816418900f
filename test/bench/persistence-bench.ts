/**
 * `npm run bench:persistence`: a report, not a test. Redis (redis-server on PATH, or
 * --redis-dir DIR holding redis-server and redis-benchmark) and Redoubt side by side in one run:
 *  1. AOF cost: SET (redis-benchmark -c 50, unpipelined) with appendonly yes under appendfsync
 *     everysec and always: ops/s and the ratio, and the serving process's CPU time per SET
 *     (all threads, and the main thread alone, from /proc: load-robust figures);
 *  2. persistence under load (issue 17 goal 6): N keys (default 1,000,000), then
 *     redis-benchmark -c 50 -t set,get (SET over the N keys, so writes meet the copy-on-write)
 *     run three ways: normal, while BGSAVE runs back to back for the whole run, and while
 *     BGREWRITEAOF does; throughput against normal, p99 and worst latency as redis-benchmark
 *     saw them, how many saves ran and how much of the window they covered;
 *  3. one BGSAVE and one BGREWRITEAOF on an otherwise idle server: duration, and the worst
 *     wait of a probe sending PING back to back (and how many it got answered).
 * Both servers are child processes on loopback, each in its own scratch directory.
 *
 * Options: --keys N (default 1000000), --requests N (SET requests for the AOF figures,
 * default 200000), --always-requests N (under always, default a tenth of --requests),
 * --rounds N (AOF figures: rounds with the server order alternated, medians; default 1),
 * --load-requests N (requests per test in part 2,
 * default 300000), --only aof|load|idle (repeatable; default all), --redis-dir DIR,
 * --servers redoubt (parts 2 and 3 for one server only: quick iterations, not a comparison),
 * --redoubt-main PATH (another build's dist/src/main.js, for an old/new A/B; the build must sit
 * inside the repository so that it finds node_modules).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, freePort, waitForPong } from '../helpers/redis-oracle.js';

/** --redoubt-main PATH runs another build's dist/src/main.js (an A/B of two builds) */
const MAIN_JS = process.argv.includes('--redoubt-main') ? path.resolve(process.argv[process.argv.indexOf('--redoubt-main') + 1]!) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

type Name = 'redis' | 'redoubt';

interface Child {
  name: Name;
  port: number;
  dir: string;
  proc: ChildProcess;
}

interface Tools {
  redisServer: string;
  redisBenchmark: string;
}

async function start(tools: Tools, name: Name, extra: string[]): Promise<Child> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
  const proc = name === 'redoubt' ? spawn(process.execPath, [MAIN_JS, ...common], { stdio: 'ignore', cwd: dir }) : spawn(tools.redisServer, common, { stdio: 'ignore', cwd: dir });
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

interface BenchRow {
  rps: number;
  p99: number;
  max: number;
}

/** redis-benchmark -c 50, unpipelined; one row per test of its --csv output. */
async function benchmark(tools: Tools, port: number, tests: string, requests: number, keyspace: number): Promise<Map<string, BenchRow>> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(requests), '-t', tests, '--csv'];
  if (keyspace > 0) args.push('-r', String(keyspace));
  const out = await run(tools.redisBenchmark, args);
  const rows = new Map<string, BenchRow>();
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 8 || cells[0] === 'test') continue;
    rows.set(cells[0]!, { rps: Number(cells[1]), p99: Number(cells[6]), max: Number(cells[7]) });
  }
  if (rows.size === 0) throw new Error(`no rows in redis-benchmark output: ${out}`);
  return rows;
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
    s.setNoDelay(true);
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

/** redis-benchmark's key names for -r N: `key:` and the number in 12 digits. */
const benchKey = (i: number): string => `key:${String(i).padStart(12, '0')}`;

async function fill(port: number, keys: number): Promise<void> {
  const c = await Line.open(port);
  for (let i = 0; i < keys; i += 1000) {
    const argv = ['MSET'];
    for (let j = i; j < Math.min(keys, i + 1000); j++) argv.push(benchKey(j), `value-${j}`);
    await c.call(...argv);
  }
  c.close();
}

async function waitIdle(admin: Line, busyField: string, pollMs: number): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    const info = await admin.call('INFO', 'persistence');
    if (info.includes(`${busyField}:0`)) return;
  }
}

const JOBS = {
  BGSAVE: 'rdb_bgsave_in_progress',
  BGREWRITEAOF: 'aof_rewrite_in_progress',
} as const;
type Job = keyof typeof JOBS;

/** Starts a background job, probes latency until INFO says it is over; returns [seconds, worst ms, probes]. */
async function idleJob(port: number, command: Job): Promise<[number, number, number]> {
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
  await waitIdle(admin, JOBS[command], 20);
  const seconds = (performance.now() - started) / 1000;
  done = true;
  await probing;
  admin.close();
  probe.close();
  return [seconds, worst, probes];
}

interface LoadResult {
  rows: Map<string, BenchRow>;
  saves: number;
  /** share of the benchmark's wall time during which a save was running */
  covered: number;
  /** mean duration of one save, s */
  meanSave: number;
}

/**
 * Runs the benchmark while `job` (if any) runs back to back: a new one starts as soon as
 * INFO says the last is over (polled every 5 ms), until the benchmark ends.
 */
async function underLoad(tools: Tools, port: number, job: Job | null, requests: number, keyspace: number): Promise<LoadResult> {
  const t0 = performance.now();
  let benchDone = false;
  const bench = benchmark(tools, port, 'set,get', requests, keyspace).finally(() => (benchDone = true));
  let saves = 0;
  let savingMs = 0;
  if (job !== null) {
    const admin = await Line.open(port);
    while (!benchDone) {
      const s = performance.now();
      const reply = await admin.call(job);
      // an automatic AOF rewrite (auto-aof-rewrite-percentage, as the SETs grow the AOF)
      // holds the background slot: wait for it, then start the save
      if (reply.startsWith('-ERR Another child process is active') || reply.startsWith('-ERR Background append only file rewriting already in progress')) {
        await waitIdle(admin, JOBS.BGREWRITEAOF, 5);
        continue;
      }
      if (reply.startsWith('-')) throw new Error(`${job}: ${reply}`);
      await waitIdle(admin, JOBS[job], 5);
      savingMs += performance.now() - s;
      saves++;
    }
    admin.close();
  }
  const rows = await bench;
  const wall = performance.now() - t0;
  return { rows, saves, covered: Math.min(1, savingMs / wall), meanSave: saves > 0 ? savingMs / saves / 1000 : 0 };
}

const fmt = (n: number, w = 8): string => n.toFixed(0).padStart(w);

/**
 * CPU time of the process serving on `port` (INFO's process_id: Redoubt serves from a
 * relaunched child), in µs: every thread, and the main thread alone (the event loop, whose
 * busy time bounds an unpipelined server's throughput), from /proc/<pid>/task/<tid>/schedstat.
 */
function threadCpu(pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { all: 0, main: 0 };
  }
  for (const t of tids) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'latin1').split(' ')[0]);
      all += ns / 1000;
      if (Number(t) === pid) main += ns / 1000;
    } catch {
      // the thread ended
    }
  }
  return { all, main };
}

async function servingPid(port: number): Promise<number> {
  const c = await Line.open(port);
  try {
    const m = /process_id:(\d+)/.exec(await c.call('INFO', 'server'));
    if (m === null) throw new Error('no process_id in INFO server');
    return Number(m[1]);
  } finally {
    c.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function aofSection(tools: Tools, requests: number, alwaysRequests: number, rounds: number): Promise<void> {
  console.log(`# SET with appendonly yes (redis-benchmark -c 50, unpipelined, ${requests} requests; always: ${alwaysRequests}), ${rounds} round(s), servers alternated`);
  console.log('# CPU µs/SET over the run / requests, from /proc/<serving pid>/task/*/schedstat: all threads, and the main thread (the event loop); load-robust');
  console.log('# (each server is started fresh and first takes a warm-up run of the same size, not counted; "off" = appendonly no, for reference; figures are medians over the rounds)');
  for (const fsync of ['off', 'everysec', 'always']) {
    const n = fsync === 'always' ? alwaysRequests : requests;
    const rps: Record<Name, number[]> = { redis: [], redoubt: [] };
    const cpu: Record<Name, number[]> = { redis: [], redoubt: [] };
    const mainCpu: Record<Name, number[]> = { redis: [], redoubt: [] };
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Name[] = r % 2 === 0 ? ['redis', 'redoubt'] : ['redoubt', 'redis'];
      const got: Partial<Record<Name, number>> = {};
      for (const name of order) {
        const c = await start(tools, name, fsync === 'off' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync]);
        try {
          await benchmark(tools, c.port, 'set', n, 0);
          const pid = await servingPid(c.port);
          const before = threadCpu(pid);
          const v = (await benchmark(tools, c.port, 'set', n, 0)).get('SET')!.rps;
          const after = threadCpu(pid);
          rps[name].push(v);
          got[name] = v;
          cpu[name].push((after.all - before.all) / n);
          mainCpu[name].push((after.main - before.main) / n);
        } finally {
          await stop(c);
        }
      }
      ratios.push(got.redoubt! / got.redis!);
    }
    const cell = (name: Name): string =>
      `${name} ${fmt(median(rps[name]))} ops/s ${median(cpu[name]).toFixed(1).padStart(6)} CPU µs/op (main ${median(mainCpu[name]).toFixed(1).padStart(5)})`;
    console.log(
      `${fsync === 'off' ? 'appendonly no        ' : `appendfsync ${fsync.padEnd(8)}`} ${cell('redis')}   ${cell('redoubt')}   ` +
        `ratio ${median(ratios).toFixed(2)}x (rounds ${ratios.map((x) => x.toFixed(2)).join(' ')}; CPU/op ${(median(cpu['redoubt']) / median(cpu['redis'])).toFixed(2)}x)`,
    );
  }
}

async function loadSection(tools: Tools, keys: number, requests: number, servers: readonly Name[]): Promise<void> {
  console.log(`\n# ${keys} keys; redis-benchmark -c 50 -t set,get -r ${keys} -n ${requests}, unpipelined: normal, and during back-to-back BGSAVE / BGREWRITEAOF`);
  console.log('# goal (issue 17.6): during a save >= 50 % of normal throughput, worst latency <= 10 ms');
  for (const name of servers) {
    // no automatic AOF rewrite: one started by the fill would refuse the first BGSAVE
    // (-ERR Another child process is active) and run inside the measured window
    const c = await start(tools, name, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0']);
    try {
      await fill(c.port, keys);
      const normal = await underLoad(tools, c.port, null, requests, keys);
      for (const [test, r] of normal.rows) console.log(`${name.padEnd(8)} ${test} normal        ${fmt(r.rps)} ops/s              p99 ${r.p99.toFixed(2).padStart(6)} ms  max ${r.max.toFixed(2).padStart(7)} ms`);
      for (const job of ['BGSAVE', 'BGREWRITEAOF'] as const) {
        const l = await underLoad(tools, c.port, job, requests, keys);
        for (const [test, r] of l.rows) {
          const base = normal.rows.get(test)!.rps;
          console.log(
            `${name.padEnd(8)} ${test} ${job.padEnd(13)} ${fmt(r.rps)} ops/s (${((100 * r.rps) / base).toFixed(0).padStart(3)} %)  p99 ${r.p99.toFixed(2).padStart(6)} ms  max ${r.max.toFixed(2).padStart(7)} ms`,
          );
        }
        console.log(`${name.padEnd(8)}     ${job}: ${l.saves} saves of ${l.meanSave.toFixed(2)} s on average, covering ${(100 * l.covered).toFixed(0)} % of the window`);
      }
    } finally {
      await stop(c);
    }
  }
}

async function idleSection(tools: Tools, keys: number, servers: readonly Name[]): Promise<void> {
  console.log(`\n# one background save of ${keys} keys on an idle server: duration, worst PING latency meanwhile`);
  for (const name of servers) {
    // no automatic AOF rewrite: one started by the fill would refuse the first BGSAVE
    // (-ERR Another child process is active) and run inside the measured window
    const c = await start(tools, name, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0']);
    try {
      await fill(c.port, keys);
      for (const job of ['BGSAVE', 'BGREWRITEAOF'] as const) {
        const [s, w, p] = await idleJob(c.port, job);
        console.log(`${name.padEnd(8)} ${job.padEnd(12)} ${s.toFixed(2)} s, worst latency ${w.toFixed(1)} ms over ${p} probes`);
      }
    } finally {
      await stop(c);
    }
  }
}

async function main(): Promise<void> {
  // `node --test dist/test/` runs every .js under test/, this report included: not there
  if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
    console.log('persistence-bench: skipped under the test runner (use npm run bench:persistence)');
    return;
  }
  const args = process.argv.slice(2);
  const opt = (flag: string, dflt: number): number => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : dflt);
  const keys = opt('--keys', 1_000_000);
  const requests = opt('--requests', 200_000);
  const alwaysRequests = opt('--always-requests', Math.floor(requests / 10));
  const rounds = opt('--rounds', 1);
  const loadRequests = opt('--load-requests', 300_000);
  const only = args.flatMap((a, i) => (args[i - 1] === '--only' ? [a] : []));
  const want = (part: string): boolean => only.length === 0 || only.includes(part);
  const redisDir = args.includes('--redis-dir') ? args[args.indexOf('--redis-dir') + 1]! : null;
  const tools: Tools = {
    redisServer: redisDir !== null ? path.join(redisDir, 'redis-server') : findOnPath('redis-server')!,
    redisBenchmark: redisDir !== null ? path.join(redisDir, 'redis-benchmark') : findOnPath('redis-benchmark')!,
  };
  console.log(`# redis: ${tools.redisServer}; load generator: ${tools.redisBenchmark}; ${os.loadavg()[0]!.toFixed(1)} load average at the start`);
  if (want('aof')) await aofSection(tools, requests, alwaysRequests, rounds);
  // --servers redoubt: parts 2 and 3 for Redoubt alone (quick iterations; not a comparison)
  const servers: Name[] = args.includes('--servers') ? (args[args.indexOf('--servers') + 1]!.split(',') as Name[]) : ['redis', 'redoubt'];
  if (want('load')) await loadSection(tools, keys, loadRequests, servers);
  if (want('idle')) await idleSection(tools, keys, servers);
}

await main();
