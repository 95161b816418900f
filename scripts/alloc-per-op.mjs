#!/usr/bin/env node
// JavaScript heap bytes a Redoubt server allocates per request (issue 17: the allocation
// rate sets how often scavenges run, and so the GC share of CPU at -P 16 and the pauses at
// a big heap). Load-robust: it counts bytes, not time.
//
// For every test and target it starts a fresh server with `--trace-gc-nvp`, runs
// `redis-benchmark -t TEST -n W -c 50 -P P` to warm up (not counted), then the same with
// -n N, and stops the server. V8 prints one line per collection with `allocated=`: what the
// heap grew by since the previous one. The lines of the serving process (the relaunched
// child: INFO process_id) stamped after the warm-up ended are summed and divided by N.
// The figure is granular to one collection (16 MiB of young generation), so keep
// N x bytes-per-request well above that: the default N gives 30+ collections for SET.
//
//   node scripts/alloc-per-op.mjs [-n N] [-w W] [-t set,get,...] [-P 16]
//        [--target NAME=DIR] ...
//
//   -n        counted requests per run (default 2000000)
//   -w        warm-up requests per run (default 200000)
//   -t        tests (default set,get,incr,lpush,hset,mset)
//   -P        pipeline depth (default 16)
//   --target  a Redoubt checkout with a built dist/ (default: head=.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
let N = 2_000_000;
let WARM = 200_000;
let TESTS = ['set', 'get', 'incr', 'lpush', 'hset', 'mset'];
let P = 16;
const targets = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const next = () => {
    if (i + 1 >= args.length) throw new Error(`${a} needs a value`);
    return args[++i];
  };
  if (a === '-n') N = Number(next());
  else if (a === '-w') WARM = Number(next());
  else if (a === '-t') TESTS = next().split(',');
  else if (a === '-P') P = Number(next());
  else if (a === '--target') {
    const v = next();
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--target NAME=DIR, got ${v}`);
    targets.push({ name: v.slice(0, eq), dir: path.resolve(v.slice(eq + 1)) });
  } else {
    const text = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    console.error(text.slice(1, text.findIndex((l) => l.startsWith('import '))).join('\n'));
    process.exit(2);
  }
}
if (targets.length === 0) targets.push({ name: 'head', dir: process.cwd() });

const BENCH = process.env.REDIS_BENCHMARK ?? 'redis-benchmark';
const CLI = process.env.REDIS_CLI ?? 'redis-cli';
const work = mkdtempSync(path.join(os.tmpdir(), 'alloc-per-op-'));
let running = null;
process.on('exit', () => {
  running?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const cli = (port, ...cmd) => spawnSync(CLI, ['-h', '127.0.0.1', '-p', String(port), ...cmd], { encoding: 'latin1' }).stdout ?? '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bench = (port, test, n) => spawnSync(BENCH, ['-h', '127.0.0.1', '-p', String(port), '-t', test, '-n', String(n), '-c', '50', '-P', String(P), '-q']);

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).stdout.trim()) || 100;
/** ms since boot at which `pid` started (/proc/PID/stat field 22) */
function startedAtMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[19]) * 1000) / TICK;
}
const uptimeMs = () => Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * 1000;

async function measure(target, test) {
  const port = await freePort();
  const log = path.join(work, `${target.name}-${test}.log`);
  const child = spawn('sh', ['-c', `exec "$0" "$@" > '${log}' 2>&1`, process.execPath, '--trace-gc-nvp', path.join(target.dir, 'dist/src/main.js'), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    cwd: work,
    stdio: 'ignore',
  });
  running = child;
  for (let i = 0; cli(port, 'ping').trim() !== 'PONG'; i++) {
    if (i === 300) throw new Error(`${target.name} did not answer PING on ${port}`);
    await sleep(100);
  }
  const pid = Number(/process_id:(\d+)/.exec(cli(port, 'info', 'server'))?.[1]);
  bench(port, test, WARM);
  // the isolate's clock (the `N ms:` of each line) starts about when the process did
  const from = uptimeMs() - startedAtMs(pid);
  bench(port, test, N);
  const exited = new Promise((r) => child.on('exit', r));
  process.kill(pid, 'SIGTERM');
  await exited;
  running = null;
  let bytes = 0;
  let gcs = 0;
  for (const line of readFileSync(log, 'latin1').split('\n')) {
    const m = /^\[(\d+):0x[0-9a-f]+\]\s+(\d+) ms: .*\ballocated=(\d+)/.exec(line);
    if (m === null || Number(m[1]) !== pid || Number(m[2]) < from) continue;
    bytes += Number(m[3]);
    gcs++;
  }
  return { perReq: bytes / N, gcs };
}

console.log(`JS heap bytes allocated per request (V8 --trace-gc-nvp), redis-benchmark -c 50 -P ${P}, ${N} requests after ${WARM} warm-up`);
console.log(['test'.padEnd(6), ...targets.map((t) => `${t.name} B/req (GCs)`.padStart(22))].join(' '));
for (const test of TESTS) {
  const row = [test.padEnd(6)];
  for (const t of targets) {
    const r = await measure(t, test);
    row.push(`${r.perReq.toFixed(0)} (${r.gcs})`.padStart(22));
  }
  console.log(row.join(' '));
}
process.exit(0);
