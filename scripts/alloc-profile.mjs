#!/usr/bin/env node
// Where a request's JS heap allocations come from (issue 17 goal 2: bytes allocated per
// request set how often scavenges run). Starts a Redoubt server in this process, warms it
// with redis-benchmark, then samples every allocation (V8's sampling heap profiler through
// the inspector, objects collected by either GC included) while redis-benchmark runs N
// more requests, and prints bytes per request by allocating stack (innermost first).
// scripts/alloc-per-op.mjs gives the exact total from V8's GC lines; this one the split.
//
//   node scripts/alloc-profile.mjs [-t set] [-n 100000] [-P 1] [-c 50] [--depth 4] [--target DIR]
import { Session } from 'node:inspector/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';

const args = process.argv.slice(2);
const o = { t: 'set', n: 100_000, P: 1, c: 50, depth: 4, target: '.' };
for (let i = 0; i < args.length; i++) {
  const k = args[i].replace(/^--?/, '');
  if (!(k in o)) throw new Error(`unknown argument ${args[i]}`);
  o[k] = k === 't' || k === 'target' ? args[++i] : Number(args[++i]);
}
const { startServer } = await import(path.resolve(o.target, 'dist/src/server/server.js'));
const srv = await startServer({ port: 0 });
const bench = (n) =>
  new Promise((resolve) => {
    const p = spawn('redis-benchmark', ['-p', String(srv.port), '-t', o.t, '-n', String(n), '-c', String(o.c), '-P', String(o.P), '-r', '100000', '-q'], { stdio: 'ignore' });
    p.on('exit', resolve);
  });
await bench(Math.max(50_000, o.n / 2));
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await bench(o.n);
const { profile } = await session.post('HeapProfiler.stopSampling');
const byStack = new Map();
const walk = (node, stack) => {
  const f = node.callFrame;
  const here = [...stack, `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`];
  if (node.selfSize > 0) {
    const key = here.slice(-o.depth).reverse().join(' < ');
    byStack.set(key, (byStack.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, here);
};
walk(profile.head, []);
const total = [...byStack.values()].reduce((a, b) => a + b, 0);
console.log(`${o.t} -P ${o.P} -c ${o.c}: ${(total / o.n).toFixed(0)} B sampled per request; by stack (B/request):`);
for (const [key, bytes] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(bytes / o.n).toFixed(1).padStart(8)}  ${key}`);
await srv.close();
process.exit(0);
