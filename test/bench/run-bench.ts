/**
 * `npm run bench`: redis-benchmark against Redoubt and a real redis-server in one run.
 * Not a test (a report): prints ops/s, p50 and p99 for both and the ratio, for SET, GET,
 * INCR, LPUSH, HSET and MSET (10 keys), unpipelined with 50 clients and pipelined with
 * -P 16; then the memory that 1M small keys take in each.
 *
 * A third target runs beside them as the ceiling reference (issue 17): a minimal Node RESP
 * responder with no keyspace (resp-ceiling.ts). The table gives Redoubt's fraction of it:
 * what is left to gain inside Redoubt, since Node's own socket path is the same for both.
 *
 * Both servers run as child processes on free loopback ports: Redoubt as
 * `node dist/src/main.js --port P --save '' --appendonly no --bind 127.0.0.1` (or, if
 * that does not come up, this script in `--serve P` mode, which calls startServer), Redis
 * as Debian's redis-server with persistence off. Runs alternate between the two so
 * machine noise hits both alike. Every child is killed in `finally`.
 *
 * Options:
 *   --seconds S   target duration of each redis-benchmark run (default 3)
 *   --rounds R    repeat every run R times and keep the median (default 1)
 *   --keys N      keys for the memory test (default 1000000); --no-memory skips it
 *   --no-ceiling  leave out the minimal Node RESP responder (the ceiling reference)
 *   --memory-only only the memory test (no throughput runs: its figures do not depend on load)
 *   --scripts-only  only the scripting report (EVALSHA return 1, Redlock unlock, 10 calls vs
 *                 redis-server, and the memory per VM: the Lua heaps from INFO and Redoubt's
 *                 wasm linear memory; it also runs after the command table otherwise). It
 *                 FLUSHALLs every server first and prints each server's CPU time per call
 *                 beside ops/s (utime+stime of the serving pid around each run): the figure
 *                 to compare a full run's report with a scripts-only one by, since ops/s
 *                 moves with whatever else the machine does (test/bench/script-after-load.ts
 *                 compares a fresh server with one that took the throughput load)
 *   --also JS     with --scripts-only: a second Redoubt (another build's dist/src/main.js, e.g.
 *                 the tree before a change) in the same alternated rounds, reported as its own
 *                 ratio to redis-server and as this build / that build
 *   --tls-only    only the TLS report (tls-bench.ts): each server with a plaintext and a TLS
 *                 port, SET/GET unpipelined and -P 16 over both, the loss to TLS in ops/s and
 *                 in server CPU-us per command; with --also, that build in the same rotation
 *   --n N         with --tls-only: a fixed -n per run (default: sized from --seconds)
 *   --profile     instead of the comparison, run SET/GET against Redoubt under
 *                 `node --cpu-prof` and print the hottest functions
 *   --summarize F print the hottest functions of an existing .cpuprofile file
 *   --serve P     internal: run Redoubt in this process on port P
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, freePort, startRedisOracle, waitForPong, type RedisOracle } from '../helpers/redis-oracle.js';
import { rawCall } from './raw-call.js';
import { compareTls } from './tls-bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/main.js, next to this file's dist/test/bench */
const MAIN_JS = path.resolve(here, '../../src/main.js');
/** the ceiling reference, next to this file */
const CEILING_JS = path.resolve(here, 'resp-ceiling.js');

interface Options {
  seconds: number;
  rounds: number;
  keys: number;
  memory: boolean;
  memoryOnly: boolean;
  profile: boolean;
  serve: number | null;
  summarize: string | null;
  /** only the scripting report (EVALSHA) */
  scriptsOnly: boolean;
  /** run the ceiling reference beside the two servers (default on; --no-ceiling) */
  ceiling: boolean;
  /** another Redoubt build's main.js, benched alongside (--also) */
  also: string | null;
  /** only the TLS report (tls-bench.ts) */
  tlsOnly: boolean;
  /** fixed -n for the TLS report's runs */
  n: number | null;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { seconds: 3, rounds: 1, keys: 1_000_000, memory: true, memoryOnly: false, profile: false, serve: null, summarize: null, scriptsOnly: false, ceiling: true, also: null, tlsOnly: false, n: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--seconds') o.seconds = num();
    else if (a === '--rounds') o.rounds = Math.floor(num());
    else if (a === '--keys') o.keys = Math.floor(num());
    else if (a === '--no-memory') o.memory = false;
    else if (a === '--no-ceiling') o.ceiling = false;
    else if (a === '--memory-only') o.memoryOnly = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--scripts-only') o.scriptsOnly = true;
    else if (a === '--tls-only') o.tlsOnly = true;
    else if (a === '--n') o.n = Math.floor(num());
    else if (a === '--serve') o.serve = Math.floor(num());
    else if (a === '--summarize') o.summarize = argv[++i] ?? '';
    else if (a === '--also') o.also = path.resolve(argv[++i] ?? '');
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// processes

interface Child {
  name: string;
  port: number;
  pid: number;
  how: string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startRedoubt(nodeFlags: string[] = [], mainJs = MAIN_JS, name = 'redoubt', serverArgs: string[] = []): Promise<Child> {
  const attempts: Array<{ how: string; args: (port: number) => string[] }> = [];
  if (existsSync(mainJs)) {
    attempts.push({
      how: mainJs === MAIN_JS ? 'node dist/src/main.js' : `node ${mainJs}`,
      args: (port) => [...nodeFlags, mainJs, '--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...serverArgs],
    });
  }
  if (mainJs === MAIN_JS && serverArgs.length === 0) {
    attempts.push({ how: 'run-bench.js --serve (startServer)', args: (port) => [...nodeFlags, fileURLToPath(import.meta.url), '--serve', String(port)] });
  }
  let why = '';
  for (const attempt of attempts) {
    const port = await freePort();
    const child = spawn(process.execPath, attempt.args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString('utf8');
    });
    const up = await waitForPong(port, 15_000, () => child.exitCode !== null);
    if (up) return { name, port, pid: child.pid!, how: attempt.how, stop: () => stopChild(child) };
    why += `${attempt.how}: did not answer PING. ${stderr.slice(0, 500)}\n`;
    await stopChild(child, 2000);
  }
  throw new Error(`Redoubt did not start:\n${why}`);
}

/** The ceiling reference (resp-ceiling.ts) as a child process. */
async function startCeilingChild(): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, [CEILING_JS, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const up = await waitForPong(port, 15_000, () => child.exitCode !== null);
  if (!up) {
    await stopChild(child, 2000);
    throw new Error(`the ceiling reference (${CEILING_JS}) did not answer PING`);
  }
  return { name: 'ceiling', port, pid: child.pid!, how: 'resp-ceiling.js (no keyspace)', stop: () => stopChild(child) };
}

async function startRedis(extraArgs: string[] = []): Promise<Child> {
  const o: RedisOracle = await startRedisOracle(extraArgs);
  return { name: 'redis', port: o.port, pid: o.pid, how: 'redis-server', stop: () => o.stop() };
}

/** Internal mode: Redoubt in this process, closed on SIGTERM/SIGINT (so --cpu-prof is written). */
async function serve(port: number): Promise<void> {
  const { startServer } = await import('../../src/server/server.js');
  const srv = await startServer({ port });
  const stop = () => {
    void srv.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---------------------------------------------------------------------------------------
// redis-benchmark

interface Result {
  rps: number;
  avg: number;
  p50: number;
  p95: number;
  p99: number;
}

const TESTS: Array<{ t: string; label: string; csvName: string }> = [
  { t: 'set', label: 'SET', csvName: 'SET' },
  { t: 'get', label: 'GET', csvName: 'GET' },
  { t: 'incr', label: 'INCR', csvName: 'INCR' },
  { t: 'lpush', label: 'LPUSH', csvName: 'LPUSH' },
  { t: 'hset', label: 'HSET', csvName: 'HSET' },
  { t: 'mset', label: 'MSET (10 keys)', csvName: 'MSET (10 keys)' },
];

function runProcess(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}): ${err.slice(0, 500)}`));
    });
  });
}

async function benchmark(bin: string, port: number, test: string, csvName: string, pipeline: number, n: number, extra: readonly string[] = []): Promise<Result> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(n), '-t', test, '--csv', ...extra];
  if (pipeline > 1) args.push('-P', String(pipeline));
  const out = await runProcess(bin, args, 180_000);
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, '').trim());
    if (cells[0] === csvName && cells.length >= 8) {
      const [, rps, avg, , p50, p95, p99] = cells.map(Number);
      return { rps: rps!, avg: avg!, p50: p50!, p95: p95!, p99: p99! };
    }
  }
  throw new Error(`no "${csvName}" line in redis-benchmark output:\n${out}`);
}

/** redis-benchmark running one arbitrary command (its only CSV data row). */
async function benchmarkCommand(bin: string, port: number, argv: readonly string[], n: number): Promise<Result> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(n), '--csv', ...argv];
  const out = await runProcess(bin, args, 180_000);
  const lines = out.split('\n').filter((l) => l.startsWith('"'));
  const cells = (lines[1] ?? '').split('","').map((c) => c.replace(/^"|"$/g, '').trim());
  if (cells.length < 8) throw new Error(`no data row in redis-benchmark output:\n${out}`);
  const [, rps, avg, , p50, p95, p99] = cells.map(Number);
  return { rps: rps!, avg: avg!, p50: p50!, p95: p95!, p99: p99! };
}

function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// ---------------------------------------------------------------------------------------
// memory

/** Writes `count` SETs of small keys with a pipelined raw connection, waiting for every +OK. */
async function loadKeys(port: number, count: number): Promise<number> {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let receivedBytes = 0;
  let waiter: (() => void) | null = null;
  let failure: Error | null = null;
  socket.on('data', (d: Buffer) => {
    if (d.includes(45 /* '-' */) && failure === null) failure = new Error(`error reply while loading: ${d.toString('latin1', 0, 200)}`);
    receivedBytes += d.length;
    waiter?.();
  });
  socket.on('error', (e) => {
    failure = e;
    waiter?.();
  });
  const BATCH = 2000;
  const WINDOW = 4;
  const OK_LEN = 5; // "+OK\r\n"
  let sent = 0;
  try {
    while (sent < count) {
      // keep at most WINDOW batches in flight
      while (sent - receivedBytes / OK_LEN > BATCH * WINDOW && failure === null) {
        await new Promise<void>((r) => (waiter = r));
        waiter = null;
      }
      if (failure !== null) throw failure;
      let chunk = '';
      const end = Math.min(count, sent + BATCH);
      for (let i = sent; i < end; i++) {
        const key = `key:${String(i).padStart(12, '0')}`;
        chunk += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$3\r\nxxx\r\n`;
      }
      socket.write(chunk);
      sent = end;
    }
    const deadline = Date.now() + 120_000;
    while (receivedBytes < count * OK_LEN && failure === null && Date.now() < deadline) {
      await new Promise<void>((r) => {
        waiter = r;
        setTimeout(r, 1000);
      });
      waiter = null;
    }
    if (failure !== null) throw failure;
    if (receivedBytes < count * OK_LEN) throw new Error('timed out waiting for the loader replies');
  } finally {
    socket.destroy();
  }
  return Date.now() - started;
}

/** One command over a fresh connection, raw reply text (ends at the first complete reply or 2 s). */
async function command(port: number, ...argv: string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.write(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      socket.on('data', (d: Buffer) => {
        data += d.toString('latin1');
        if (complete(data)) {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.on('close', () => resolve());
    });
  } finally {
    socket.destroy();
  }
  return data;
}

function complete(s: string): boolean {
  const nl = s.indexOf('\r\n');
  if (nl === -1) return false;
  if (s[0] !== '$') return true;
  const n = Number(s.slice(1, nl));
  return n < 0 || s.length >= nl + 2 + n + 2;
}

function vmRssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

function infoField(info: string, field: string): number | null {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return m === null ? null : Number(m[1]);
}

interface MemoryReport {
  keys: number;
  loadMs: number;
  rssBefore: number | null;
  rssAfter: number | null;
  /** RSS after REST_SECONDS without a command (what the server keeps at rest) */
  rssRest: number | null;
  usedBefore: number | null;
  usedAfter: number | null;
  infoNote: string;
  dbsize: string;
}

/** Seconds without a command before the at-rest RSS reading. */
const REST_SECONDS = 15;

async function measureMemory(child: Child, keys: number): Promise<MemoryReport> {
  await command(child.port, 'FLUSHALL');
  await new Promise((r) => setTimeout(r, 500));
  const infoBefore = await command(child.port, 'INFO', 'memory');
  const rssBefore = vmRssBytes(child.pid);
  const loadMs = await loadKeys(child.port, keys);
  await new Promise((r) => setTimeout(r, 1000));
  const infoAfter = await command(child.port, 'INFO', 'memory');
  const rssAfter = vmRssBytes(child.pid);
  const dbsize = (await command(child.port, 'DBSIZE')).trim();
  // then no command for REST_SECONDS (Redoubt gives its young generation back once quiet,
  // server/young-gen-trim.ts), and one more reading
  await new Promise((r) => setTimeout(r, REST_SECONDS * 1000));
  const infoRest = await command(child.port, 'INFO', 'memory');
  const rssRest = vmRssBytes(child.pid);
  const infoOk = infoAfter.startsWith('$');
  // the server's own used_memory_rss where it has one: Redoubt serves from a child process
  // it starts for its heap ceiling (main.ts), so the VmRSS of the pid we spawned is not it
  return {
    keys,
    loadMs,
    rssBefore: (infoOk ? infoField(infoBefore, 'used_memory_rss') : null) ?? rssBefore,
    rssAfter: (infoOk ? infoField(infoAfter, 'used_memory_rss') : null) ?? rssAfter,
    rssRest: (infoOk ? infoField(infoRest, 'used_memory_rss') : null) ?? rssRest,
    usedBefore: infoOk ? infoField(infoBefore, 'used_memory') : null,
    usedAfter: infoOk ? infoField(infoAfter, 'used_memory') : null,
    infoNote: infoOk ? 'INFO memory used_memory' : `INFO memory unavailable (${infoAfter.trim().slice(0, 60)})`,
    dbsize,
  };
}

// ---------------------------------------------------------------------------------------
// profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function summarizeProfile(file: string, top = 25): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byName = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    if (n.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^node:/, 'node:');
    const name = `${n.callFrame.functionName || '(anonymous)'} ${url === '' ? '' : `${url}:${n.callFrame.lineNumber + 1}`}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + hits);
  }
  const busy = total - idle;
  const rows = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`samples: ${total}, idle ${((100 * idle) / Math.max(1, total)).toFixed(1)}%; self time as % of non-idle samples:`];
  for (const [name, hits] of rows) lines.push(`  ${((100 * hits) / Math.max(1, busy)).toFixed(1).padStart(5)}%  ${name}`);
  return lines.join('\n');
}

async function profile(bench: string, opts: Options): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redoubt-prof-'));
  const redoubt = await startRedoubt(['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    console.log(`Profiling Redoubt (${redoubt.how}, pid ${redoubt.pid}) under node --cpu-prof`);
    for (const { t, csvName } of TESTS.slice(0, 2)) {
      for (const p of [1, 16]) {
        const n = p === 1 ? Math.round(60_000 * opts.seconds) : Math.round(400_000 * opts.seconds);
        const r = await benchmark(bench, redoubt.port, t, csvName, p, n);
        console.log(`  ${csvName} -P ${p}: ${r.rps.toFixed(0)} ops/s (profiled)`);
      }
    }
  } finally {
    await redoubt.stop();
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) console.log(`no .cpuprofile written in ${dir} (did the server exit cleanly on SIGTERM?)`);
  for (const f of files) {
    console.log(`\n${path.join(dir, f)}`);
    console.log(summarizeProfile(path.join(dir, f)));
  }
}

// ---------------------------------------------------------------------------------------
// report

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtBytes(n: number | null): string {
  if (n === null) return 'n/a';
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}


/**
 * The pid doing a server's work, from its own INFO (Redoubt serves from a child process
 * it starts for its heap ceiling, main.ts, so the pid we spawned is not it).
 */
async function workerPid(s: Child): Promise<number> {
  const info = await rawCall(s.port, ['INFO', 'server']);
  return infoField(info, 'process_id') ?? s.pid;
}

/** utime + stime of a process in microseconds (/proc/<pid>/stat; USER_HZ 100), null off Linux. */
function cpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return null;
  }
}


const REDLOCK_UNLOCK = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';
const TEN_CALLS = "for i = 1, 10 do redis.call('incr', KEYS[1]) end return 1";

/**
 * EVALSHA against both servers (issue 12's targets: >= 0.7x for `return 1` and a Redlock
 * unlock, >= 0.5x for a 10-call script), and the memory of the EVAL VM.
 */
async function compareScripts(bench: string, redis: Child, redoubt: Child, opts: Options, also: Child | null = null): Promise<void> {
  const scripts: Array<{ label: string; body: string; args: (sha: string) => string[] }> = [
    { label: 'EVALSHA return 1', body: 'return 1', args: (sha) => ['EVALSHA', sha, '0'] },
    { label: 'EVALSHA Redlock unlock (lock held by another)', body: REDLOCK_UNLOCK, args: (sha) => ['EVALSHA', sha, '1', 'bench:lock', 'my-token'] },
    { label: 'EVALSHA 10 x INCR', body: TEN_CALLS, args: (sha) => ['EVALSHA', sha, '1', 'bench:counter'] },
  ];
  const rows: string[][] = [['script', 'redis ops/s', 'redoubt ops/s', 'ratio', 'redis p50/p99 ms', 'redoubt p50/p99 ms']];
  if (also !== null) rows[0]!.push('also ops/s', 'also ratio', 'redoubt/also');
  const servers = also === null ? [redis, redoubt] : [redis, redoubt, also];
  // Every server starts this report alike: an empty keyspace (after the throughput
  // section, the last run's keys are still there) and its pid for CPU time per call.
  const pids: Record<string, number> = {};
  for (const s of servers) {
    await rawCall(s.port, ['FLUSHALL']);
    pids[s.name] = await workerPid(s);
  }
  // server CPU time per EVALSHA (utime+stime around each measured run): unlike ops/s it
  // hardly depends on what else the machine runs, so it is the figure to compare runs by
  const cpuRows: string[][] = [['script', ...servers.map((s) => `${s.name} CPU us/call`), 'redoubt/redis CPU']];
  let turn = 0;
  for (const sc of scripts) {
    const shas: Record<string, string> = {};
    for (const s of servers) {
      shas[s.name] = await rawCall(s.port, ['SCRIPT', 'LOAD', sc.body]);
      await rawCall(s.port, ['SET', 'bench:lock', 'other-token']);
    }
    if (shas['redis'] !== shas['redoubt']) throw new Error(`SCRIPT LOAD answered differently: ${shas['redis']} / ${shas['redoubt']}`);
    const argv = sc.args(shas['redis']!);
    const probe = await benchmarkCommand(bench, redis.port, argv, 20_000);
    // a warm-up of the same size for each Redoubt: V8 compiles the script path's hot
    // functions during the first thousands of calls (Redis needs none)
    for (const s of servers) if (s !== redis) await benchmarkCommand(bench, s.port, argv, 20_000);
    const n = Math.max(20_000, Math.min(5_000_000, Math.round((probe.rps * opts.seconds) / 1000) * 1000));
    const got: Record<string, Result[]> = { redis: [], redoubt: [], also: [] };
    const cpu: Record<string, number[]> = { redis: [], redoubt: [], also: [] };
    for (let r = 0; r < opts.rounds; r++) {
      // the order rotates every round, so machine noise hits every server alike
      const k = turn++ % servers.length;
      const order = [...servers.slice(k), ...servers.slice(0, k)];
      for (const s of order) {
        const c0 = cpuMicros(pids[s.name]!);
        got[s.name]!.push(await benchmarkCommand(bench, s.port, argv, n));
        const c1 = cpuMicros(pids[s.name]!);
        if (c0 !== null && c1 !== null) cpu[s.name]!.push((c1 - c0) / n);
      }
    }
    const cpuMedian = (xs: number[]): number | null => (xs.length === 0 ? null : [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!);
    const cpuOf = servers.map((s) => cpuMedian(cpu[s.name]!));
    const cr = cpuOf[0] ?? null;
    const cd = cpuOf[1] ?? null;
    cpuRows.push([sc.label, ...cpuOf.map((c) => (c === null ? 'n/a' : c.toFixed(2))), cr === null || cd === null ? 'n/a' : `${(cd / cr).toFixed(2)}x`]);
    const a = median(got['redis']!);
    const b = median(got['redoubt']!);
    const row = [sc.label, fmtInt(a.rps), fmtInt(b.rps), `${(b.rps / a.rps).toFixed(2)}x`, `${a.p50.toFixed(3)}/${a.p99.toFixed(3)}`, `${b.p50.toFixed(3)}/${b.p99.toFixed(3)}`];
    if (also !== null) {
      const c = median(got['also']!);
      row.push(fmtInt(c.rps), `${(c.rps / a.rps).toFixed(2)}x`, `${(b.rps / c.rps).toFixed(2)}x`);
    }
    rows.push(row);
    console.log(`  done: ${sc.label} (-n ${n})`);
  }
  console.log('\n' + table(rows) + '\n');
  console.log('targets: >= 0.7x for return 1 and the Redlock unlock, >= 0.5x for 10 calls');
  console.log('\nserver CPU time per call (utime+stime of the serving process around each run, median; /proc, 10 ms ticks):');
  console.log(table(cpuRows));
  if (also !== null) console.log(`also: ${also.how}`);
  for (const s of servers) {
    const info = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(s.port, '127.0.0.1');
      let got = '';
      socket.once('error', reject);
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (/used_memory_vm_eval:\d+\r\n/.test(got) && got.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.write('*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n');
    });
    const vm = /used_memory_vm_eval:(\d+)/.exec(info)?.[1] ?? '?';
    console.log(`${s.name}: used_memory_vm_eval ${vm} bytes (the EVAL Lua VM's heap after the runs)`);
  }
  console.log(await vmFootprint(scripts.map((sc) => sc.body)));
  console.log('');
}

/**
 * Memory per VM beyond the Lua heap: a Redoubt EVAL VM is one WebAssembly instance, whose
 * linear memory (never given back until the instance is rebuilt) is the real footprint.
 * Measured in this process on the build under test: the scripts run 1,000 times each.
 */
async function vmFootprint(bodies: readonly string[]): Promise<string> {
  const { LuaVm } = await import('../../src/scripting/lua-vm.js');
  const { reply } = await import('../../src/protocol/reply.js');
  const vm = new LuaVm();
  try {
    for (const body of bodies) {
      const c = vm.compile(body);
      if (!c.ok) return `memory per VM: ${c.error}`;
      for (let i = 0; i < 1000; i++) vm.run(c.chunk, { keys: ['k'], args: ['v'], redisCall: () => reply.int(1) });
    }
    return `memory per VM (Redoubt, in-process): wasm linear memory ${fmtBytes(vm.linearMemoryBytes())}, Lua heap ${fmtInt(vm.memoryUsed())} bytes\n`;
  } finally {
    vm.close();
  }
}

async function compare(bench: string, opts: Options): Promise<void> {
  const redis = await startRedis();
  let redoubt: Child | null = null;
  let ceiling: Child | null = null;
  try {
    redoubt = await startRedoubt();
    if (opts.ceiling && !opts.memoryOnly && !opts.scriptsOnly) ceiling = await startCeilingChild();
    const serverVersion = (await runProcess(findOnPath('redis-server')!, ['--version'], 10_000)).trim();
    console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
    console.log(`redis:   ${serverVersion} (pid ${redis.pid}, port ${redis.port})`);
    console.log(`redoubt: ${redoubt.how} (pid ${redoubt.pid}, port ${redoubt.port})`);
    if (ceiling !== null) console.log(`ceiling: ${ceiling.how} (pid ${ceiling.pid}, port ${ceiling.port})`);
    console.log(`redis-benchmark -c 50, ~${opts.seconds}s per run, ${opts.rounds} round(s), runs alternate between servers\n`);

    if (opts.scriptsOnly) {
      const also = opts.also === null ? null : await startRedoubt([], opts.also, 'also');
      try {
        await compareScripts(bench, redis, redoubt, opts, also);
      } finally {
        await also?.stop();
      }
      return;
    }
    if (!opts.memoryOnly) await compareThroughput(bench, redis, redoubt, ceiling, opts);
    if (opts.memory) await compareMemory(redis, redoubt, opts);
  } finally {
    await ceiling?.stop();
    await redoubt?.stop();
    await redis.stop();
  }
}

async function compareThroughput(bench: string, redis: Child, redoubt: Child, ceiling: Child | null, opts: Options): Promise<void> {
  const head = ['test', 'pipeline', 'redis ops/s', 'redoubt ops/s', 'ratio', 'redis p50/p99 ms', 'redoubt p50/p99 ms'];
  if (ceiling !== null) head.push('ceiling ops/s', 'redoubt/ceiling');
  const rows: string[][] = [head];
  // every target in turn, the order rotating each round so none always runs first
  const targets = ceiling === null ? [redis, redoubt] : [redis, redoubt, ceiling];
  let turn = 0;
  for (const { t, label, csvName } of TESTS) {
    for (const p of [1, 16]) {
      // Size -n from a short probe of Redis so each run lasts about `seconds`.
      const probeN = p === 1 ? 20_000 : 200_000;
      const probe = await benchmark(bench, redis.port, t, csvName, p, probeN);
      const n = Math.max(probeN, Math.min(20_000_000, Math.round((probe.rps * opts.seconds) / 1000) * 1000));
      const got: Record<string, Result[]> = { redis: [], redoubt: [], ceiling: [] };
      for (let r = 0; r < opts.rounds; r++) {
        const k = turn++ % targets.length;
        const order = [...targets.slice(k), ...targets.slice(0, k)];
        for (const s of order) {
          // FLUSHALL so every run starts from the same (empty) dataset, whatever ran before
          if (s !== ceiling) await rawCall(s.port, ['FLUSHALL']);
          got[s.name]!.push(await benchmark(bench, s.port, t, csvName, p, n));
        }
      }
      const a = median(got['redis']!);
      const b = median(got['redoubt']!);
      const row = [label, p === 1 ? 'none' : `-P ${p}`, fmtInt(a.rps), fmtInt(b.rps), `${(b.rps / a.rps).toFixed(2)}x`, `${a.p50.toFixed(3)}/${a.p99.toFixed(3)}`, `${b.p50.toFixed(3)}/${b.p99.toFixed(3)}`];
      if (ceiling !== null) {
        const c = median(got['ceiling']!);
        row.push(fmtInt(c.rps), `${(b.rps / c.rps).toFixed(2)}x`);
      }
      rows.push(row);
      console.log(`  done: ${label} ${row[1]} (-n ${n})`);
    }
  }
  console.log('\n' + table(rows) + '\n');
  console.log('targets: ratio >= 0.9x unpipelined, >= 0.6x at -P 16; redoubt/ceiling >= 0.9x');
  if (ceiling !== null) console.log('ceiling: a minimal Node RESP responder without a keyspace (test/bench/resp-ceiling.ts), same runs, alternated\n');
  else console.log('');
  await compareScripts(bench, redis, redoubt, opts);
}

async function compareMemory(redis: Child, redoubt: Child, opts: Options): Promise<void> {
  console.log(`memory: ${fmtInt(opts.keys)} keys "key:<12 digits>" with 3-byte values, pipelined loader`);
  const memRows: string[][] = [['server', 'load time', 'DBSIZE', 'RSS before', 'RSS after', 'RSS per key', `RSS per key at rest (${REST_SECONDS} s idle)`, 'used_memory delta', 'bytes/key (used_memory)']];
  const notes: string[] = [];
  for (const s of [redis, redoubt]) {
    const m = await measureMemory(s, opts.keys);
    const rssDelta = m.rssAfter !== null && m.rssBefore !== null ? m.rssAfter - m.rssBefore : null;
    const usedDelta = m.usedAfter !== null && m.usedBefore !== null ? m.usedAfter - m.usedBefore : null;
    const restDelta = m.rssRest !== null && m.rssBefore !== null ? m.rssRest - m.rssBefore : null;
    if (usedDelta === null) notes.push(`${s.name}: ${m.infoNote}`);
    memRows.push([
      s.name,
      `${(m.loadMs / 1000).toFixed(1)} s`,
      m.dbsize,
      fmtBytes(m.rssBefore),
      fmtBytes(m.rssAfter),
      rssDelta === null ? 'n/a' : `${(rssDelta / m.keys).toFixed(0)} B`,
      restDelta === null ? 'n/a' : `${(restDelta / m.keys).toFixed(0)} B`,
      usedDelta === null ? 'n/a' : fmtBytes(usedDelta),
      usedDelta === null ? 'n/a' : `${(usedDelta / m.keys).toFixed(0)} B`,
    ]);
  }
  console.log(table(memRows));
  for (const n of notes) console.log(n);
  console.log('(RSS and used_memory from INFO memory (used_memory_rss, used_memory) where the server has it, else /proc/<pid>/status VmRSS)\n');
}

/** `--tls-only`: the TLS report (tls-bench.ts) with this file's process and redis-benchmark helpers. */
async function tlsReport(bench: string, opts: Options): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`redis: ${(await runProcess(findOnPath('redis-server')!, ['--version'], 10_000)).trim()}`);
  await compareTls(
    {
      bench,
      startRedis: (args) => startRedis(args),
      startRedoubt: (args, mainJs, name) => startRedoubt([], mainJs ?? MAIN_JS, name, args),
      benchmark: (port, t, csvName, p, n, extra) => benchmark(bench, port, t, csvName, p, n, extra),
      freePort,
    },
    { seconds: opts.seconds, rounds: opts.rounds, n: opts.n, also: opts.also },
  );
}

async function main(): Promise<void> {
  // `node --test dist/test/` runs every .js under a test/ directory, this file included:
  // the benchmark is a report, not a test, so under the test runner it does nothing.
  if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
    console.log('run-bench: skipped under the test runner (use npm run bench)');
    return;
  }
  const opts = parseOptions(process.argv.slice(2));
  if (opts.serve !== null) {
    await serve(opts.serve);
    return;
  }
  if (opts.summarize !== null) {
    console.log(summarizeProfile(opts.summarize, 40));
    return;
  }
  const bench = findOnPath('redis-benchmark');
  if (bench === null || findOnPath('redis-server') === null) {
    console.error('npm run bench needs redis-server and redis-benchmark on PATH (Debian: apt-get install redis-server redis-tools)');
    process.exit(2);
  }
  if (opts.profile) await profile(bench, opts);
  else if (opts.tlsOnly) await tlsReport(bench, opts);
  else await compare(bench, opts);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});

