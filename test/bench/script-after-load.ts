/**
 * Issue 12: does the scripting report change after the throughput load? A load-robust
 * answer: server CPU time per EVALSHA (utime+stime of the server process from
 * /proc/<pid>/stat, around a fixed `redis-benchmark -n`), for Redoubt AND redis-server,
 * on fresh servers, then again on the same servers after the load `npm run bench` puts
 * on them before its scripting report (SET/GET/INCR/LPUSH/HSET/MSET, unpipelined and
 * -P 16, FLUSHALL before each run). INFO memory's used_memory / heap_used and the
 * process's RSS are printed at each step. Not a test; a report.
 *
 *   node dist/test/bench/script-after-load.js [--n 100000] [--load-n 100000] [--rounds 3]
 *
 * --n: EVALSHA calls per measured run; --load-n: unpipelined requests per load run (the
 * -P 16 runs take 10x as many); --rounds: load rounds per test (npm run bench's --rounds).
 * CPU per op does not depend on how busy the machine is (much); ops/s and p50 do.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, freePort, startRedisOracle, waitForPong } from '../helpers/redis-oracle.js';
import { rawCall as call } from './raw-call.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAIN_JS = path.resolve(here, '../../src/main.js');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
}
const N = arg('--n', 100_000);
const LOAD_N = arg('--load-n', 100_000);
const ROUNDS = arg('--rounds', 3);
/** --also-flags "F ...": a second Redoubt started with these node flags (an A/B of e.g. the young generation's size) */
const ALSO_FLAGS = process.argv.includes('--also-flags') ? process.argv[process.argv.indexOf('--also-flags') + 1]!.split(' ').filter((f) => f !== '') : null;
/** --no-load: only measure the fresh servers (with --also-flags: a same-run A/B) */
const NO_LOAD = process.argv.includes('--no-load');
/**
 * --ab: a same-run A/B instead of before/after: two Redoubts started alike, the load put
 * on the second only ("loaded"), then both measured in alternation with redis-server
 * (--times T rounds). Machine noise then hits the fresh and the loaded server alike.
 */
const AB = process.argv.includes('--ab');
const TIMES = arg('--times', 2);

interface Target {
  name: string;
  port: number;
  /** the process doing the work (Redoubt relaunches itself with a sized heap: its child) */
  pid: number;
  stop: () => Promise<void>;
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function childPid(pid: number): number | null {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim();
    return kids === '' ? null : Number(kids.split(' ')[0]);
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}`))));
  });
}


async function startRedoubt(nodeFlags: string[] = [], name = 'redoubt'): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, MAIN_JS, '--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!(await waitForPong(port, 15_000, () => child.exitCode !== null))) throw new Error('Redoubt did not start');
  const pid = childPid(child.pid!) ?? child.pid!;
  return {
    name,
    port,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const SCRIPTS = [
  { label: 'return 1', body: 'return 1', args: (sha: string) => ['EVALSHA', sha, '0'] },
  { label: 'Redlock unlock', body: 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end', args: (sha: string) => ['EVALSHA', sha, '1', 'bench:lock', 'my-token'] },
  { label: '10 x INCR', body: "for i = 1, 10 do redis.call('incr', KEYS[1]) end return 1", args: (sha: string) => ['EVALSHA', sha, '1', 'bench:counter'] },
];

async function memLine(t: Target): Promise<string> {
  const info = await call(t.port, ['INFO', 'memory']);
  const used = /used_memory:(\d+)/.exec(info)?.[1] ?? '?';
  const heap = /heap_used:(\d+)/.exec(info)?.[1];
  const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  const clients = /connected_clients:(\d+)/.exec(await call(t.port, ['INFO', 'clients']))?.[1] ?? '?';
  return `${t.name}: RSS ${mb(rssBytes(t.pid))}, used_memory ${mb(Number(used))}${heap === undefined ? '' : `, heap_used ${mb(Number(heap))}`}, DBSIZE ${await call(t.port, ['DBSIZE'])}, connected_clients ${clients}`;
}

async function measure(bench: string, phase: string, targets: Target[]): Promise<void> {
  console.log(`\n== ${phase}`);
  for (const t of targets) console.log(await memLine(t));
  const rows: string[] = [];
  for (const sc of SCRIPTS) {
    for (const t of targets) {
      const sha = await call(t.port, ['SCRIPT', 'LOAD', sc.body]);
      await call(t.port, ['SET', 'bench:lock', 'other-token']);
      const argv = sc.args(sha);
      const base = ['-h', '127.0.0.1', '-p', String(t.port), '-c', '50', '--csv'];
      await run(bench, [...base, '-n', '20000', ...argv]);
      const c0 = cpuUs(t.pid);
      const w0 = process.hrtime.bigint();
      const out = await run(bench, [...base, '-n', String(N), ...argv]);
      const wall = Number(process.hrtime.bigint() - w0) / 1e9;
      const us = (cpuUs(t.pid) - c0) / N;
      const cells = (out.split('\n').filter((l) => l.startsWith('"'))[1] ?? '').split('","').map((c) => c.replace(/"/g, ''));
      rows.push(`${sc.label.padEnd(15)} ${t.name.padEnd(8)} ${us.toFixed(2).padStart(6)} us CPU/op   ${Number(cells[1]).toFixed(0).padStart(7)} ops/s  p50 ${cells[4]} ms  (${wall.toFixed(1)} s wall; machine load affects ops/s, not CPU/op)`);
    }
  }
  console.log(rows.join('\n'));
}

async function load(bench: string, targets: Target[]): Promise<void> {
  const tests = ['set', 'get', 'incr', 'lpush', 'hset', 'mset'];
  const t0 = Date.now();
  for (const test of tests) {
    for (const p of [1, 16]) {
      for (let r = 0; r < ROUNDS; r++) {
        for (const t of targets) {
          await call(t.port, ['FLUSHALL']);
          const args = ['-h', '127.0.0.1', '-p', String(t.port), '-c', '50', '-n', String(p === 1 ? LOAD_N : LOAD_N * 10), '-t', test, '--csv'];
          if (p > 1) args.push('-P', String(p));
          await run(bench, args);
        }
      }
    }
  }
  console.log(`\n(load: ${tests.join('/')} x unpipelined ${LOAD_N} + -P 16 ${LOAD_N * 10}, ${ROUNDS} rounds, FLUSHALL before each run, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

async function main(): Promise<void> {
  if (process.env['NODE_TEST_CONTEXT'] !== undefined) return;
  const bench = findOnPath('redis-benchmark');
  if (bench === null || !existsSync(MAIN_JS)) throw new Error('needs redis-benchmark on PATH and a built dist/src/main.js');
  const oracle = await startRedisOracle();
  const redis: Target = { name: 'redis', port: oracle.port, pid: oracle.pid, stop: () => oracle.stop() };
  const redoubt = await startRedoubt();
  const also = AB ? await startRedoubt(ALSO_FLAGS ?? [], 'loaded') : ALSO_FLAGS === null ? null : await startRedoubt(ALSO_FLAGS, 'also');
  const all = also === null ? [redis, redoubt] : [redis, redoubt, also];
  try {
    console.log(`EVALSHA, redis-benchmark -c 50 -n ${N} (after a 20,000-call warm-up); redoubt pid ${redoubt.pid}, redis pid ${redis.pid}`);
    if (also !== null) console.log(`${also.name}: Redoubt with node flags [${(ALSO_FLAGS ?? []).join(" ")}] (pid ${also.pid})`);
    if (AB) {
      await load(bench, [also!]);
      for (let i = 0; i < TIMES; i++) await measure(bench, `round ${i + 1}: redoubt fresh, "loaded" after the throughput load`, i % 2 === 0 ? all : [also!, redoubt, redis]);
      return;
    }
    await measure(bench, 'fresh servers', all);
    if (!NO_LOAD) {
      await load(bench, all);
      await measure(bench, 'same servers after the throughput load', all);
      await measure(bench, 'same servers, measured again', all);
    } else await measure(bench, 'fresh servers, measured again', all);
  } finally {
    await also?.stop();
    await redoubt.stop();
    await redis.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
