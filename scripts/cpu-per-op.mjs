#!/usr/bin/env node
// Server CPU time per command (issues 14 and 17): a throughput measure that holds on a
// loaded machine. Wall-clock requests/s depend on what else runs; the CPU a server spends
// to answer a fixed number of requests mostly does not. For every test it runs
// `redis-benchmark -t TEST -n N -c 50 [-P 16]` against redis-server and each Redoubt build
// in turn (the order rotates every round, FLUSHALL before every run) and reads each
// server's CPU before and after from /proc:
//   - all threads: the sum of /proc/PID/task/*/schedstat (nanoseconds on CPU, per thread);
//   - main: /proc/PID/task/PID/schedstat, the JavaScript thread alone;
//   - helpers: the rest (V8's GC and compiler workers, libuv's pool, Redis's bio threads).
// It prints the median CPU-µs per request over the rounds, main and helpers, the ratio of
// all-threads CPU to Redis's, and the spread (min..max of all-threads) per target.
// The PID is the one INFO server reports, so Redoubt's start-up relaunch (a child process
// with a sized heap) is measured in the child that serves.
//
//   node scripts/cpu-per-op.mjs [-n N] [-r ROUNDS] [-t set,get,...] [-P 1,16]
//        [--target NAME=DIR[,NODEFLAG...]] ... [--build NAME=COMMIT[,NODEFLAG...]] ...
//        [-w N] [--no-redis] [--redis PATH] [--server-args "ARGS"] [--aof always|everysec|no]
//
//   -n        requests per redis-benchmark run (default 100000)
//   -r        rounds (default 3)
//   -t        tests (default set,get,incr,lpush,hset,mset)
//   -P        pipeline depths (default 1,16)
//   -w        warm-up requests per test and depth before round 1, not measured (default N)
//   --target  a Redoubt checkout with a built dist/ (npx tsc), optionally followed by Node
//             flags, comma-separated: --target head=. --target before=/tmp/b
//             --target nogc=.,--single-threaded-gc. Default: head=. (this checkout).
//             The pseudo-flag @setsid starts that target in a session of its own (as
//             Redoubt's heap relaunch starts its server): with the kernel's autogroup
//             scheduling on, that is also a scheduling group of its own.
//   --build   NAME=COMMIT[,NODEFLAG...]: build that commit (src/ only) in a temporary git
//             worktree with this checkout's node_modules, and measure it as a target;
//             e.g. --build before=75b0b22. The worktree is removed on exit.
//   --server-args  extra Redoubt arguments for every target, e.g. "--io-threads 1"
//   --aof     every server (redis-server too) runs with appendonly yes and this appendfsync,
//             each in a directory of its own (issue 17 goal 6)
//   --redis   redis-server binary (default: redis-server on PATH; REDIS_SERVER also read)
//
// Each Redoubt runs as `node FLAGS DIR/dist/src/main.js --port P --bind 127.0.0.1
// --save '' --appendonly no`. Everything started is stopped on exit.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
let N = 100000;
let ROUNDS = 3;
let TESTS = ['set', 'get', 'incr', 'lpush', 'hset', 'mset'];
let PIPES = [1, 16];
let REDIS = process.env.REDIS_SERVER ?? 'redis-server';
let withRedis = true;
let WARM = 0;
let serverArgs = [];
let AOF = null;
const targets = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const next = () => {
    if (i + 1 >= args.length) throw new Error(`${a} needs a value`);
    return args[++i];
  };
  if (a === '-n') N = Number(next());
  else if (a === '-r') ROUNDS = Number(next());
  else if (a === '-t') TESTS = next().split(',');
  else if (a === '-P') PIPES = next().split(',').map(Number);
  else if (a === '--redis') REDIS = next();
  else if (a === '--no-redis') withRedis = false;
  else if (a === '-w') WARM = Number(next());
  else if (a === '--server-args') serverArgs = next().split(/\s+/).filter(Boolean);
  else if (a === '--aof') AOF = next();
  else if (a === '--build') {
    const v = next();
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--build NAME=COMMIT[,FLAG...], got ${v}`);
    const [commit, ...flags] = v.slice(eq + 1).split(',');
    targets.push({ name: v.slice(0, eq), dir: null, commit, flags });
  } else if (a === '--target') {
    const v = next();
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--target NAME=DIR[,FLAG...], got ${v}`);
    const [dir, ...flags] = v.slice(eq + 1).split(',');
    targets.push({ name: v.slice(0, eq), dir: path.resolve(dir), flags });
  } else {
    const text = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    console.error(text.slice(1, text.findIndex((l) => l.startsWith('import '))).join('\n'));
    process.exit(2);
  }
}
if (targets.length === 0) targets.push({ name: 'head', dir: process.cwd(), flags: [] });

const BENCH = process.env.REDIS_BENCHMARK ?? 'redis-benchmark';
const CLI = process.env.REDIS_CLI ?? 'redis-cli';
const work = mkdtempSync(path.join(os.tmpdir(), 'cpu-per-op-'));
const children = [];

const repo = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const worktrees = [];

function cleanup() {
  for (const c of children) {
    try {
      c.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
  for (const w of worktrees) spawnSync('git', ['-C', repo, 'worktree', 'remove', '--force', w]);
  if (worktrees.length > 0) spawnSync('git', ['-C', repo, 'worktree', 'prune']);
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const cli = (port, ...cmd) => spawnSync(CLI, ['-h', '127.0.0.1', '-p', String(port), ...cmd], { encoding: 'latin1' }).stdout ?? '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start(name, command, argv, setsid = false) {
  const port = await freePort();
  // with --aof each server appends to a directory of its own
  const dir = path.join(work, `dir-${name}`);
  mkdirSync(dir, { recursive: true });
  const persistence = AOF === null ? ['--appendonly', 'no'] : ['--dir', dir, '--appendonly', 'yes', '--appendfsync', AOF];
  const child = spawn(command, [...argv, '--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
    cwd: dir,
    stdio: 'ignore',
    detached: setsid,
  });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    if (cli(port, 'ping').trim() === 'PONG') break;
    await sleep(100);
    if (i === 299) throw new Error(`${name} did not answer PING on ${port}`);
  }
  const pid = Number(/process_id:(\d+)/.exec(cli(port, 'info', 'server'))?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`${name}: no process_id in INFO server`);
  return { name, port, pid };
}

/** CPU nanoseconds of every thread of `pid`: main (tid == pid) and the rest. */
function cpu(pid) {
  let main = 0;
  let helpers = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let ns;
    try {
      ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      continue; // the thread ended between the listing and the read
    }
    if (Number(tid) === pid) main += ns;
    else helpers += ns;
  }
  return { main, helpers };
}

for (const t of targets) {
  if (t.dir !== null) continue;
  const dir = path.join(work, `build-${t.name}`);
  const add = spawnSync('git', ['-C', repo, 'worktree', 'add', '--detach', '--quiet', dir, t.commit], { encoding: 'latin1' });
  if (add.status !== 0) throw new Error(`git worktree add ${t.commit}: ${add.stderr}`);
  worktrees.push(dir);
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'tsconfig.bench.json'), '{ "extends": "./tsconfig.json", "include": ["src/**/*.ts"] }\n');
  process.stderr.write(`building ${t.name} (${t.commit})\n`);
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], { cwd: dir, encoding: 'latin1' });
  if (tsc.status !== 0) throw new Error(`build of ${t.commit} failed: ${tsc.stdout}${tsc.stderr}`);
  t.dir = dir;
}

const servers = [];
if (withRedis) servers.push(await start('redis', REDIS, ['--daemonize', 'no', '--logfile', '']));
for (const t of targets) {
  const setsid = t.flags.includes('@setsid');
  const flags = t.flags.filter((f) => f !== '@setsid');
  servers.push(await start(t.name, process.execPath, [...flags, path.join(t.dir, 'dist/src/main.js'), ...serverArgs], setsid));
}
console.log(`CPU per request; -n ${N} -c 50, ${ROUNDS} rounds${AOF === null ? '' : `, appendonly yes, appendfsync ${AOF}`}; ` + servers.map((s) => `${s.name} pid ${s.pid}`).join(', '));
console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const autogroup = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/autogroup`, 'latin1').trim().split(' ')[0];
  } catch {
    return '?';
  }
};
console.log(`scheduling groups (kernel autogroup): ` + servers.map((s) => `${s.name} ${autogroup(s.pid)}`).join(', ') + `; this script ${autogroup(process.pid)}`);

// warm-up: V8 compiles the hot path in its first tens of thousands of requests (on helper
// threads); a cold first round would charge that to whichever test runs first
for (const s of servers) {
  for (const P of PIPES) {
    for (const test of TESTS) {
      spawnSync(BENCH, ['-h', '127.0.0.1', '-p', String(s.port), '-t', test, '-n', String(WARM || N), '-c', '50', '-P', String(P), '-q']);
    }
  }
}

/** samples[test|P|server] = [{ main, helpers, rps }] in µs per request */
const samples = new Map();
for (let round = 1; round <= ROUNDS; round++) {
  const shift = (round - 1) % servers.length;
  const order = [...servers.slice(shift), ...servers.slice(0, shift)];
  for (const P of PIPES) {
    for (const test of TESTS) {
      for (const s of order) {
        cli(s.port, 'flushall');
        const before = cpu(s.pid);
        const r = spawnSync(BENCH, ['-h', '127.0.0.1', '-p', String(s.port), '-t', test, '-n', String(N), '-c', '50', '-P', String(P), '--csv'], {
          encoding: 'latin1',
        });
        const after = cpu(s.pid);
        const line = r.stdout.trim().split('\n').at(-1) ?? '';
        const rps = Number(line.split('","')[1]);
        const key = `${test}|${P}|${s.name}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push({ main: (after.main - before.main) / 1000 / N, helpers: (after.helpers - before.helpers) / 1000 / N, rps });
      }
    }
  }
  process.stderr.write(`round ${round} done\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x, d = 2) => x.toFixed(d);
console.log('\nmedian CPU-µs per request (all = main + helper threads); ratio = all / redis all; spread = min..max of all over the rounds; rps is wall-clock and load-dependent');
const head = ['test'.padEnd(6), 'P'.padStart(2)];
for (const s of servers) head.push(`${s.name}: all`.padStart(16), 'main'.padStart(6), 'help'.padStart(6), 'ratio'.padStart(6), 'spread'.padStart(12), 'rps'.padStart(8));
console.log(head.join(' '));
for (const P of PIPES) {
  for (const test of TESTS) {
    const row = [test.padEnd(6), String(P).padStart(2)];
    const redisAll = withRedis ? median(samples.get(`${test}|${P}|redis`).map((x) => x.main + x.helpers)) : NaN;
    for (const s of servers) {
      const xs = samples.get(`${test}|${P}|${s.name}`);
      const all = xs.map((x) => x.main + x.helpers);
      const a = median(all);
      row.push(
        f(a, 3).padStart(16),
        f(median(xs.map((x) => x.main)), 3).padStart(6),
        f(median(xs.map((x) => x.helpers)), 3).padStart(6),
        f(a / redisAll).padStart(6),
        `${f(Math.min(...all), 3)}..${f(Math.max(...all), 3)}`.padStart(12),
        f(median(xs.map((x) => x.rps)), 0).padStart(8),
      );
    }
    console.log(row.join(' '));
  }
}
process.exit(0);
