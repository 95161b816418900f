/**
 * Replication benchmark (issue 16). Every node is its own process (test/helpers/topology.ts).
 *
 * Default mode: SET throughput with redis-benchmark (`-t set -c 50 -n N -r 100000`) on a
 * primary with 0, 1 and 2 replicas, for redis-server (Debian 7.0.15 primary and replicas)
 * and Redoubt (Redoubt primary and replicas), alternating the two servers round by round;
 * reports ops/s, the Redoubt / Redis ratio, and the replication lag during the load
 * (master_repl_offset − each replica's offset, sampled every 20 ms: max and p99 in bytes) and
 * the time for the replicas to catch up after the load stops.
 *   node dist/test/bench/replication-bench.js [-n N] [--rounds R]
 *
 * --full-sync K: loads K keys (default 1,000,000) into a Redoubt primary, then attaches a
 * Redoubt replica diskless and then disk-backed while one client keeps writing (SET) and
 * pinging the primary; reports each sync's time and the worst latency that client saw.
 *   node dist/test/bench/replication-bench.js --full-sync [K]
 */
import { spawn } from 'node:child_process';
import { RawClient } from '../helpers/raw-client.js';
import { startNode, stopAll, type NodeKind, type ProcessHandle } from '../helpers/topology.js';
import { findOnPath } from '../helpers/redis-oracle.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function info(c: RawClient, field: string): Promise<string> {
  const raw = await c.call('INFO', 'replication');
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(raw);
  return m === null ? '' : m[1]!;
}

/** Replica offsets from the primary's slaveN lines. */
async function replicaOffsets(c: RawClient): Promise<{ master: number; replicas: number[] }> {
  const raw = await c.call('INFO', 'replication');
  const master = Number(/^master_repl_offset:(\d+)/m.exec(raw)?.[1] ?? 0);
  const replicas = [...raw.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => Number(m[1]));
  return { master, replicas };
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function runBenchmark(port: number, n: number): Promise<number> {
  const bin = findOnPath('redis-benchmark') ?? '/usr/bin/redis-benchmark';
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['-p', String(port), '-t', 'set', '-c', '50', '-n', String(n), '-r', '100000', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', () => {
      // -q prints "SET: 12345.67 requests per second, p50=…" (carriage returns for progress)
      const m = /SET: ([\d.]+) requests per second/.exec(out);
      if (m === null) reject(new Error(`redis-benchmark output: ${out}`));
      else resolve(Number(m[1]));
    });
  });
}

interface LoadResult {
  opsPerSec: number;
  lagMax: number;
  lagP99: number;
  catchUpMs: number;
}

async function oneRun(kind: NodeKind, replicas: number, n: number): Promise<LoadResult> {
  const handles: ProcessHandle[] = [];
  try {
    const primary = await startNode(kind, ['repl-diskless-sync yes']);
    handles.push(primary);
    for (let i = 0; i < replicas; i++) handles.push(await startNode(kind, [`replicaof 127.0.0.1 ${primary.port}`]));
    const c = await RawClient.connect(primary.port);
    try {
      // every replica online before the load
      for (let t = 0; t < 600; t++) {
        const { replicas: offs } = await replicaOffsets(c);
        const raw = await c.call('INFO', 'replication');
        if (offs.length === replicas && (raw.match(/state=online/g) ?? []).length === replicas) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // each replica's own applied offset (its master_repl_offset), not the primary's view of
      // its last ACK (sent once a second, which would add up to a second of lag)
      const rcs = await Promise.all(handles.slice(1).map((h) => RawClient.connect(h.port)));
      const applied = async () => Promise.all(rcs.map(async (r) => Number(await info(r, 'master_repl_offset'))));
      const lags: number[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const master = Number(await info(c, 'master_repl_offset'));
          for (const o of await applied()) lags.push(Math.max(0, master - o));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const ops = await runBenchmark(primary.port, n);
      sampling = false;
      await sampler;
      const stopped = Date.now();
      let catchUpMs = 0;
      if (replicas > 0) {
        const master = Number(await info(c, 'master_repl_offset'));
        for (;;) {
          if ((await applied()).every((o) => o >= master)) break;
          if (Date.now() - stopped > 60_000) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        catchUpMs = Date.now() - stopped;
      }
      for (const r of rcs) r.close();
      return { opsPerSec: ops, lagMax: lags.length ? Math.max(...lags) : 0, lagP99: percentile(lags, 99), catchUpMs };
    } finally {
      c.close();
    }
  } finally {
    await stopAll(handles);
  }
}

async function throughput(): Promise<void> {
  const n = Number(arg('-n') ?? 200_000);
  const rounds = Number(arg('--rounds') ?? 3);
  const results = new Map<string, LoadResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const replicas of [0, 1, 2]) {
      // alternate which server goes first, so drift in the machine's load hits both
      const order: NodeKind[] = round % 2 === 0 ? ['redis', 'redoubt'] : ['redoubt', 'redis'];
      for (const kind of order) {
        const r = await oneRun(kind, replicas, n);
        const key = `${kind}:${replicas}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        console.log(`round ${round + 1} ${kind} replicas=${replicas}: ${r.opsPerSec.toFixed(0)} SET/s, lag max ${r.lagMax} B p99 ${r.lagP99} B, catch-up ${r.catchUpMs} ms`);
      }
    }
  }
  const median = (xs: number[]) => percentile(xs, 50);
  console.log(`\nSET throughput, redis-benchmark -t set -c 50 -n ${n}, median of ${rounds} rounds`);
  console.log('| replicas | redis-server SET/s | Redoubt SET/s | ratio | Redis lag max / p99 (B) | Redoubt lag max / p99 (B) | catch-up Redis / Redoubt (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const replicas of [0, 1, 2]) {
    const rs = results.get(`redis:${replicas}`)!;
    const ds = results.get(`redoubt:${replicas}`)!;
    const ro = median(rs.map((x) => x.opsPerSec));
    const dd = median(ds.map((x) => x.opsPerSec));
    console.log(
      `| ${replicas} | ${ro.toFixed(0)} | ${dd.toFixed(0)} | ${(dd / ro).toFixed(2)} | ${Math.max(...rs.map((x) => x.lagMax))} / ${median(rs.map((x) => x.lagP99))} | ${Math.max(...ds.map((x) => x.lagMax))} / ${median(ds.map((x) => x.lagP99))} | ${median(rs.map((x) => x.catchUpMs))} / ${median(ds.map((x) => x.catchUpMs))} |`,
    );
  }
}

async function fullSync(keys: number): Promise<void> {
  const handles: ProcessHandle[] = [];
  try {
    const primary = await startNode('redoubt', ['repl-diskless-sync yes', 'repl-backlog-size 64mb']);
    handles.push(primary);
    const c = await RawClient.connect(primary.port);
    // load with DEBUG POPULATE-free pipelined MSETs (DEBUG may be disabled)
    const batch = 1000;
    for (let i = 0; i < keys; i += batch) {
      const argv = ['MSET'];
      for (let j = i; j < Math.min(keys, i + batch); j++) argv.push(`key:${j}`, `value:${j}`);
      await c.call(...argv);
    }
    console.log(`loaded ${await c.call('DBSIZE')}`.trim());
    for (const mode of ['diskless', 'disk'] as const) {
      await c.call('CONFIG', 'SET', 'repl-diskless-sync', mode === 'diskless' ? 'yes' : 'no');
      const w = await RawClient.connect(primary.port);
      let worst = 0;
      let writes = 0;
      let running = true;
      const writer = (async () => {
        while (running) {
          const t0 = performance.now();
          await w.call('SET', `live:${writes % 1000}`, String(writes));
          await w.call('PING');
          worst = Math.max(worst, performance.now() - t0);
          writes++;
        }
      })();
      const started = Date.now();
      const replica = await startNode('redoubt', [`replicaof 127.0.0.1 ${primary.port}`]);
      handles.push(replica);
      const rc = await RawClient.connect(replica.port);
      for (;;) {
        if ((await info(rc, 'master_link_status')) === 'up') break;
        if (Date.now() - started > 600_000) throw new Error('sync did not finish in 10 minutes');
        await new Promise((r) => setTimeout(r, 20));
      }
      const syncMs = Date.now() - started;
      running = false;
      await writer;
      const dbsize = await rc.call('DBSIZE');
      console.log(`${mode} full sync of ${keys} keys: ${syncMs} ms (replica process start included), replica DBSIZE ${dbsize.trim()}, ${writes} SET+PING pairs meanwhile, worst latency ${worst.toFixed(1)} ms`);
      rc.close();
      w.close();
      await replica.kill();
    }
    c.close();
  } finally {
    await stopAll(handles);
  }
}

const fs = process.argv.indexOf('--full-sync');
if (fs !== -1) {
  const next = process.argv[fs + 1];
  await fullSync(next !== undefined && /^\d+$/.test(next) ? Number(next) : 1_000_000);
} else {
  await throughput();
}
