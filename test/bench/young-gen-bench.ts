/**
 * Young-generation settings against memory per small key and CPU per command (issue 17 goal 4;
 * a report, not a test, not in npm test).
 *
 *   node dist/test/bench/young-gen-bench.js [--keys 1000000] [--rounds 3] [--requests 200000]
 *     [--variant "default="] [--variant "semi4=--max-semi-space-size=4"] [--no-redis]
 *
 * Each variant is a set of Node/V8 flags (after the `=`, space-separated) for redoubt-server
 * (they reach the heap-sizing relaunch through execArgv). Per round, in turn for every variant
 * and for redis-server: start it, load `--keys` keys `key:<12 digits>` with 3-byte values
 * (pipelined), read used_memory and used_memory_rss (INFO) before and after: bytes per key;
 * then run redis-benchmark SET and GET over the same keys (-r, which names keys exactly so)
 * at -P 16 and unpipelined, -c 50, `--requests` each, and read the server's utime+stime from
 * /proc/<pid>/stat (pid from INFO, so the relaunched process) around each run: CPU µs per
 * command, a figure that holds on a loaded machine (wall-clock rates do not). RSS is read
 * again after the benchmark runs (the young generation has grown to its maximum by then) and
 * after `--idle-seconds` (default 15) without commands (what V8 gives back on its own).
 * Medians over rounds are printed at the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, freePort, startRedisOracle, waitForPong } from '../helpers/redis-oracle.js';

const MAIN_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

interface Variant {
  name: string;
  flags: string[];
}
interface Options {
  keys: number;
  rounds: number;
  requests: number;
  variants: Variant[];
  redis: boolean;
  /** seconds to leave the server idle after the benchmark runs before a last RSS reading */
  idleSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { keys: 1_000_000, rounds: 3, requests: 200_000, variants: [], redis: true, idleSeconds: 15 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keys') o.keys = Number(argv[++i]);
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--requests') o.requests = Number(argv[++i]);
    else if (a === '--no-redis') o.redis = false;
    else if (a === '--idle-seconds') o.idleSeconds = Number(argv[++i]);
    else if (a === '--variant') {
      const v = argv[++i] ?? '';
      const eq = v.indexOf('=');
      if (eq < 1) throw new Error(`--variant needs name=flags, got ${v}`);
      o.variants.push({ name: v.slice(0, eq), flags: v.slice(eq + 1).split(/\s+/).filter((f) => f !== '') });
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.variants.length === 0) {
    o.variants = [
      { name: 'default', flags: [] },
      { name: 'semi4', flags: ['--max-semi-space-size=4'] },
      { name: 'semi8', flags: ['--max-semi-space-size=8'] },
    ];
  }
  return o;
}

interface Server {
  name: string;
  port: number;
  stop(): Promise<void>;
}

async function startRedoubt(v: Variant): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...v.flags, MAIN_JS, '--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!(await waitForPong(port, 20_000, () => child.exitCode !== null))) {
    child.kill('SIGKILL');
    throw new Error(`redoubt (${v.name}) did not start`);
  }
  return {
    name: v.name,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function startRedis(): Promise<Server> {
  const o = await startRedisOracle();
  return { name: 'redis', port: o.port, stop: () => o.stop() };
}

/** One command over a fresh connection; the raw reply once complete. */
async function command(port: number, ...argv: string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    return await new Promise<string>((resolve) => {
      let data = '';
      const t = setTimeout(() => resolve(data), 5000);
      socket.on('data', (d: Buffer) => {
        data += d.toString('latin1');
        const nl = data.indexOf('\r\n');
        if (nl === -1) return;
        const n = data[0] === '$' ? Number(data.slice(1, nl)) : -1;
        if (n < 0 || data.length >= nl + 4 + n) {
          clearTimeout(t);
          resolve(data);
        }
      });
    });
  } finally {
    socket.destroy();
  }
}

function field(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (m === null) throw new Error(`no ${name} in INFO`);
  return Number(m[1]);
}

/** Pipelined SETs of key:<12 digits> = "xxx", at most 8 batches of 2,000 in flight. */
async function loadKeys(port: number, count: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = 0;
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    received += d.length;
    wake?.();
  });
  const BATCH = 2000;
  const wait = () => new Promise<void>((r) => (wake = r));
  for (let sent = 0; sent < count; ) {
    while (sent - received / 5 > BATCH * 8) await wait();
    let chunk = '';
    const end = Math.min(count, sent + BATCH);
    for (let i = sent; i < end; i++) {
      const key = `key:${String(i).padStart(12, '0')}`;
      chunk += `*3\r\n$3\r\nSET\r\n$16\r\n${key}\r\n$3\r\nxxx\r\n`;
    }
    socket.write(chunk);
    sent = end;
  }
  while (received < count * 5) await wait();
  socket.destroy();
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 (utime, stime), counted from field 3 (state) at rest[0]
  return Number(rest[11]) + Number(rest[12]);
}

function runBenchmark(port: number, test: string, pipeline: number, requests: number, keys: number): Promise<void> {
  const bin = findOnPath('redis-benchmark') ?? '/usr/bin/redis-benchmark';
  const args = ['-p', String(port), '-c', '50', '-n', String(requests), '-P', String(pipeline), '-t', test, '-r', String(keys), '-d', '3', '-q'];
  return new Promise((resolve, reject) => {
    const c = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-benchmark ${args.join(' ')} exited ${code}`))));
  });
}

interface Row {
  name: string;
  usedPerKey: number;
  rssPerKey: number;
  rssPerKeyAfterBench: number;
  rssPerKeyIdle: number;
  cpuUs: Record<string, number>;
}

const RUNS: Array<{ label: string; test: string; pipeline: number }> = [
  { label: 'SET -P16', test: 'set', pipeline: 16 },
  { label: 'GET -P16', test: 'get', pipeline: 16 },
  { label: 'SET -P1', test: 'set', pipeline: 1 },
  { label: 'GET -P1', test: 'get', pipeline: 1 },
];

async function measure(s: Server, o: Options): Promise<Row> {
  const info0 = await command(s.port, 'INFO', 'memory');
  const pid = field(await command(s.port, 'INFO', 'server'), 'process_id');
  await loadKeys(s.port, o.keys);
  await new Promise((r) => setTimeout(r, 1000));
  const info1 = await command(s.port, 'INFO', 'memory');
  const cpuUs: Record<string, number> = {};
  for (const r of RUNS) {
    const t0 = cpuTicks(pid);
    await runBenchmark(s.port, r.test, r.pipeline, o.requests, o.keys);
    cpuUs[r.label] = ((cpuTicks(pid) - t0) * TICK_US) / o.requests;
  }
  await new Promise((r) => setTimeout(r, 1000));
  const info2 = await command(s.port, 'INFO', 'memory');
  await new Promise((r) => setTimeout(r, o.idleSeconds * 1000));
  const info3 = await command(s.port, 'INFO', 'memory');
  const rss0 = field(info0, 'used_memory_rss');
  return {
    name: s.name,
    usedPerKey: (field(info1, 'used_memory') - field(info0, 'used_memory')) / o.keys,
    rssPerKey: (field(info1, 'used_memory_rss') - rss0) / o.keys,
    rssPerKeyAfterBench: (field(info2, 'used_memory_rss') - rss0) / o.keys,
    rssPerKeyIdle: (field(info3, 'used_memory_rss') - rss0) / o.keys,
    cpuUs,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function print(rows: Row[]): void {
  const head = ['server', 'used B/key', 'RSS B/key', 'RSS B/key after bench', 'RSS B/key idle', ...RUNS.map((r) => `CPU us/op ${r.label}`)];
  console.log(head.join(' | '));
  for (const r of rows) {
    console.log([r.name, r.usedPerKey.toFixed(0), r.rssPerKey.toFixed(0), r.rssPerKeyAfterBench.toFixed(0), r.rssPerKeyIdle.toFixed(0), ...RUNS.map((x) => r.cpuUs[x.label]!.toFixed(2))].join(' | '));
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  console.log(`young-gen bench: ${o.keys} keys, ${o.rounds} rounds, ${o.requests} requests per run, variants ${o.variants.map((v) => `${v.name}=[${v.flags.join(' ')}]`).join(', ')}`);
  const all = new Map<string, Row[]>();
  const starters: Array<{ name: string; start: () => Promise<Server> }> = o.variants.map((v) => ({ name: v.name, start: () => startRedoubt(v) }));
  if (o.redis) starters.push({ name: 'redis', start: startRedis });
  for (let round = 1; round <= o.rounds; round++) {
    const rows: Row[] = [];
    // alternate the order between rounds so no variant always runs first
    const order = round % 2 === 1 ? starters : [...starters].reverse();
    for (const st of order) {
      const s = await st.start();
      try {
        rows.push(await measure(s, o));
      } finally {
        await s.stop();
      }
    }
    console.log(`\nround ${round}:`);
    print(rows);
    for (const r of rows) all.set(r.name, [...(all.get(r.name) ?? []), r]);
  }
  const med: Row[] = [];
  for (const [name, rs] of all) {
    med.push({
      name,
      usedPerKey: median(rs.map((r) => r.usedPerKey)),
      rssPerKey: median(rs.map((r) => r.rssPerKey)),
      rssPerKeyAfterBench: median(rs.map((r) => r.rssPerKeyAfterBench)),
      rssPerKeyIdle: median(rs.map((r) => r.rssPerKeyIdle)),
      cpuUs: Object.fromEntries(RUNS.map((x) => [x.label, median(rs.map((r) => r.cpuUs[x.label]!))])),
    });
  }
  console.log(`\nmedians over ${o.rounds} rounds:`);
  print(med);
}

await main();
