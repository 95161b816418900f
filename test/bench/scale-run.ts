/**
 * Scale run through the server (issue 17 goal 1; a report, not a test, not in npm test):
 * starts redoubt-server as a child process, loads one structure at scale over a socket,
 * answers spot checks, SAVEs, restarts from the RDB file and answers them again.
 *
 *   node dist/test/bench/scale-run.js --phase keys --count 50000000 --maxmemory 5800mb
 *   node dist/test/bench/scale-run.js --phase hash|set|zset --count 20000000 --maxmemory 4gb
 *   node dist/test/bench/scale-run.js --phase keys --count 10000000 --maxmemory 4gb \
 *     --write-load 500000 --no-save [--node-flag --max-semi-space-size=64]
 *   node dist/test/bench/scale-run.js --phase keys --count 10000000 --batch 1000 --maxmemory 4gb \
 *     --rate 10000 --rate-seconds 30 --rate-rounds 3 --no-save --no-digest
 *
 * Phases: `keys` = N string keys in db 0 (16-byte names `key:` + 12 digits, 3-byte values,
 * MSET of 100 keys per command); `hash` / `set` / `zset` = N members in one key (HSET /
 * SADD / ZADD of 100 members per command, 16-byte members, zset scores = the index).
 *
 * Reported: load time and rate; used_memory and RSS (total and per key/member, less the
 * empty server's); the worst PING latency seen by a probe while loading; p50/p99/max of
 * 5,000 random reads and writes once loaded; the longest GC pause (the server runs with
 * --trace-gc); SAVE time and file size; restart-to-ready time; the same checks after the
 * reload, and DEBUG DIGEST(-VALUE) before and after (--no-digest skips it: it is slow at scale).
 * --write-load N (keys phase; issue 17 goal 2): N redis-benchmark SETs over the loaded keys,
 * p50/p99/p99.9/max and the longest GC pause in that window; --node-flag passes a V8 flag
 * to the server (kept across its heap-sizing relaunch); --batch sets items per command.
 * --rate R [--rate-seconds S] [--rate-rounds K] (keys phase; goal 2 at a fixed rate, as a
 * cache sees it): K rounds of R SETs per second for S seconds (default 60) after a 5 s
 * warm-up, over 50 connections from a separate process (rate-load.ts: an open-loop
 * schedule, each latency taken from the request's due time, so a stall counts for every
 * request it delayed; the generator's own send lag is reported to show when it, not the
 * server, fell behind): p50/p99/p99.9/max, and from the server's GC trace in the same
 * window the scavenges and mark-compacts apart (count, longest, total) and every pause of
 * 20 ms or more with its time. --nice N runs the server and the generator under `nice -n N`
 * (negative needs root) on a shared machine. --node-flag --trace-gc-nvp is understood too
 * (each pause's phases); SCALE_GC_LOG=file keeps the server's whole GC trace there.
 *
 * Memory safety (a shared machine): every second the server's RSS and the machine's
 * MemAvailable are read; past --rss-cap (default 13 GiB) or under --min-available (default
 * 4 GiB) the server is killed and the run reports how far it got. A write refused with OOM
 * (maxmemory or the heap guard) ends the load cleanly: the run goes on with what was loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RespClient, RespError, type RespValue } from '../../src/cli/resp-client.js';
import { freePort } from '../helpers/redis-oracle.js';
import type { RateLoadResult } from './rate-load.js';

const MAIN_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
const RATE_LOAD_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'rate-load.js');
const GIB = 2 ** 30;
const MIB = 2 ** 20;

type Phase = 'keys' | 'hash' | 'set' | 'zset';

interface Options {
  phase: Phase;
  count: number;
  maxmemory: string;
  rssCap: number;
  minAvailable: number;
  batch: number;
  nodeFlags: string[];
  digest: boolean;
  /** requests of the steady write load once loaded (redis-benchmark SET over the loaded keys); 0 = none */
  writeLoad: number;
  /** stop after the write load (no SAVE / restart) */
  noSave: boolean;
  /** fixed-rate write load once loaded: SETs per second (0 = none) and how long */
  rate: number;
  rateSeconds: number;
  rateRounds: number;
  /** run the server and the load generator under `nice -n` (negative: ahead of the machine's other work; needs root) */
  nice: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { phase: 'keys', count: 1_000_000, maxmemory: '0', rssCap: 13 * GIB, minAvailable: 4 * GIB, batch: 100, nodeFlags: [], digest: true, writeLoad: 0, noSave: false, rate: 0, rateSeconds: 60, rateRounds: 1, nice: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1] ?? '';
    if (a === '--phase' && (v === 'keys' || v === 'hash' || v === 'set' || v === 'zset')) o.phase = v;
    else if (a === '--count') o.count = Number(v);
    else if (a === '--maxmemory') o.maxmemory = v;
    else if (a === '--rss-cap-gib') o.rssCap = Number(v) * GIB;
    else if (a === '--min-available-gib') o.minAvailable = Number(v) * GIB;
    else if (a === '--batch') o.batch = Number(v);
    else if (a === '--node-flag') o.nodeFlags.push(v);
    else if (a === '--write-load') o.writeLoad = Number(v);
    else if (a === '--rate') o.rate = Number(v);
    else if (a === '--rate-seconds') o.rateSeconds = Number(v);
    else if (a === '--rate-rounds') o.rateRounds = Number(v);
    else if (a === '--nice') o.nice = Number(v);
    else if (a === '--no-digest' || a === '--no-save') {
      if (a === '--no-digest') o.digest = false;
      else o.noSave = true;
      continue;
    } else throw new Error(`unknown or invalid argument ${a} ${v}`);
    i++;
  }
  return o;
}

const pad12 = (i: number): string => i.toString().padStart(12, '0');
/** the element names: 16 bytes each */
const itemName = (phase: Phase, i: number): string => (phase === 'keys' ? 'key:' : phase === 'hash' ? 'fld:' : phase === 'set' ? 'mem:' : 'zmb:') + pad12(i);
/** 3-byte values that depend on the index, so a spot check sees a wrong value */
const valueOf = (i: number): string => (i % 46656).toString(36).padStart(3, '0');
const COLLECTION_KEY: Record<Exclude<Phase, 'keys'>, string> = { hash: 'scale:hash', set: 'scale:set', zset: 'scale:zset' };

function bulk(args: readonly string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** One loading command for items [start, start + n). */
function loadCommand(phase: Phase, start: number, n: number): string {
  const args: string[] = [];
  if (phase === 'keys') args.push('MSET');
  else args.push(phase === 'hash' ? 'HSET' : phase === 'set' ? 'SADD' : 'ZADD', COLLECTION_KEY[phase]);
  for (let i = start; i < start + n; i++) {
    if (phase === 'zset') args.push(String(i), itemName(phase, i));
    else if (phase === 'set') args.push(itemName(phase, i));
    else args.push(itemName(phase, i), valueOf(i));
  }
  return bulk(args);
}

/** The command line under `nice -n` when `nice` is not 0. */
function niced(nice: number, cmd: string, args: string[]): [string, string[]] {
  return nice === 0 ? [cmd, args] : ['nice', ['-n', String(nice), cmd, ...args]];
}

// ---- the server child ----

interface ServerProc {
  proc: ChildProcess;
  port: number;
  /** the pid answering (main.ts may start itself again with a sized heap: INFO's process_id) */
  pid: number;
  gc: GcStats;
  startedAt: number;
}

interface GcStats {
  /** the server's pid once known (0 before): GC lines of other pids are skipped */
  pid: number;
  count: number;
  /** longest pause since the window was last reset (the write-load window) */
  windowMaxMs: number;
  /** per kind since the window was last reset */
  window: Map<string, { count: number; maxMs: number; totalMs: number }>;
  /** pauses of 20 ms or more since the window was last reset: [ms after the reset, kind, pause ms, heap MB before] */
  windowLong: [number, string, number, number][];
  windowStart: number;
  maxPauseMs: number;
  maxPauseLine: string;
  byKind: Map<string, { count: number; maxMs: number; totalMs: number }>;
}

/** Reads `--trace-gc` lines ("… Mark-Compact 1.2 (3.4) -> 1.1 (3.4) MB, 12.34 / 0.00 ms …"). */
function watchGc(stream: NodeJS.ReadableStream, gc: GcStats, log: (line: string) => void): void {
  let rest = '';
  // SCALE_GC_LOG=file: the server's whole stdout (every GC line, e.g. with --node-flag --trace-gc-nvp) copied there
  const copy = process.env['SCALE_GC_LOG'];
  stream.on('data', (d: Buffer) => {
    if (copy !== undefined) appendFileSync(copy, d);
    const lines = (rest + d.toString('latin1')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      // --trace-gc, or --trace-gc-nvp ("pause=12.3 mutator=… gc=s|mc|mmc …", heap bytes in total_size_before)
      const nvp = /ms: pause=([\d.]+) mutator=[\d.]+ gc=(\w+) .*total_size_before=(\d+)/.exec(line);
      const m = nvp !== null ? [line, nvp[2] === 's' ? 'Scavenge' : nvp[2] === 'mc' ? 'Mark-Compact' : nvp[2]!, nvp[1]!, String(Number(nvp[3]) / 2 ** 20)] : /ms: ([A-Za-z -]+?) ([\d.]+) \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/.exec(line)?.map((x, i, a) => (i === 2 ? a[3]! : i === 3 ? a[2]! : x)) ?? null;
      if (m === null) {
        if (!line.includes('ms: ')) log(line);
        continue;
      }
      // only the server's own lines: the relaunching parent (main.ts) traces its GCs too
      const pid = /^\[(\d+):/.exec(line.trimStart())?.[1];
      if (gc.pid !== 0 && pid !== undefined && Number(pid) !== gc.pid) continue;
      const kind = m[1]!;
      const ms = Number(m[2]);
      gc.count++;
      if (ms > gc.windowMaxMs) gc.windowMaxMs = ms;
      for (const by of [gc.byKind, gc.window]) {
        const k = by.get(kind) ?? { count: 0, maxMs: 0, totalMs: 0 };
        k.count++;
        k.totalMs += ms;
        if (ms > k.maxMs) k.maxMs = ms;
        by.set(kind, k);
      }
      if (ms >= 20) gc.windowLong.push([Math.round(performance.now() - gc.windowStart), kind, ms, Math.round(Number(m[3]))]);
      if (ms > gc.maxPauseMs) {
        gc.maxPauseMs = ms;
        gc.maxPauseLine = line.trim();
      }
    }
  });
}

async function startServer(dir: string, o: Options, log: (s: string) => void): Promise<ServerProc> {
  const port = await freePort();
  // node flags before the script: main.ts passes its own execArgv on when it relaunches with
  // the sized heap (Node refuses --trace-gc in NODE_OPTIONS)
  const args = ['--trace-gc', ...o.nodeFlags, MAIN_JS, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory', o.maxmemory, '--enable-debug-command', 'yes'];
  const gc: GcStats = { pid: 0, count: 0, windowMaxMs: 0, window: new Map(), windowLong: [], windowStart: performance.now(), maxPauseMs: 0, maxPauseLine: '', byKind: new Map() };
  const startedAt = performance.now();
  const proc = spawn(...niced(o.nice, process.execPath, args), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  watchGc(proc.stdout!, gc, (l) => {
    if (/heap|WARNING|error|Error|DB loaded|Ready/i.test(l)) log(`  [server] ${l.trim()}`);
  });
  proc.stderr!.on('data', (d: Buffer) => log(`  [server stderr] ${d.toString('latin1').trim()}`));
  const client = await connectWhenUp(port, () => proc.exitCode !== null || proc.signalCode !== null, 3_600_000);
  const pid = Number(infoField(String(await client.call('INFO', 'server')), 'process_id'));
  gc.pid = pid;
  client.close();
  return { proc, port, pid, gc, startedAt };
}

/** Connects and waits for PING to answer PONG (not -LOADING); null when the process died. */
async function connectWhenUp(port: number, dead: () => boolean, timeoutMs: number): Promise<RespClient> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead()) throw new Error('server exited while starting');
    try {
      const c = await RespClient.connect({ host: '127.0.0.1', port, timeoutMs: 2000 });
      for (;;) {
        const r = await c.call('PING');
        if (r === 'PONG') return c;
        if (dead()) throw new Error('server exited while loading');
        await sleep(50);
      }
    } catch (e) {
      if (dead()) throw e;
      await sleep(100);
    }
  }
  throw new Error('server did not come up');
}

async function stopServer(s: ServerProc, client: RespClient | null): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  if (client !== null) client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  else s.proc.kill('SIGKILL');
  const t = setTimeout(() => killTree(s), 30_000);
  await exited;
  clearTimeout(t);
}

function killTree(s: ServerProc): void {
  // the relaunched child first (its parent only forwards signals), then the parent we spawned
  try {
    if (s.pid !== s.proc.pid) process.kill(s.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  s.proc.kill('SIGKILL');
}

// ---- memory watch ----

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

function memAvailable(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'latin1'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

interface Watch {
  stop: () => void;
  tripped: () => string | null;
  peakRss: () => number;
  minAvailable: () => number;
}

function watchMemory(s: ServerProc, o: Options, log: (m: string) => void): Watch {
  let reason: string | null = null;
  let peak = 0;
  let minAvail = Infinity;
  const timer = setInterval(() => {
    const rss = rssOf(s.pid);
    const avail = memAvailable();
    if (rss > peak) peak = rss;
    if (avail < minAvail) minAvail = avail;
    if (reason !== null) return;
    if (rss > o.rssCap) reason = `RSS ${(rss / GIB).toFixed(2)} GiB passed the cap ${(o.rssCap / GIB).toFixed(1)} GiB`;
    else if (avail < o.minAvailable) reason = `MemAvailable ${(avail / GIB).toFixed(2)} GiB fell under ${(o.minAvailable / GIB).toFixed(1)} GiB`;
    if (reason !== null) {
      log(`MEMORY STOP: ${reason}; killing the server`);
      killTree(s);
    }
  }, 1000);
  return { stop: () => clearInterval(timer), tripped: () => reason, peakRss: () => peak, minAvailable: () => minAvail };
}

// ---- loading ----

interface LoadResult {
  items: number;
  ms: number;
  error: string | null;
  worstPingMs: number;
  pings: number;
}

/**
 * Pipelines the loading commands with a bounded window; every reply of these commands is
 * one line (+OK / :n), so replies are counted by line ends. An error reply (OOM) stops the
 * sending; items count only commands answered without error.
 */
async function load(port: number, serverPid: number, o: Options, dead: () => boolean, log: (m: string) => void): Promise<LoadResult> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  const probe = await RespClient.connect({ host: '127.0.0.1', port });
  const commands = Math.ceil(o.count / o.batch);
  const window = 32;
  const started = performance.now();
  let sent = 0;
  let answered = 0;
  let okItems = 0;
  let error: string | null = null;
  let atLineStart = true;
  let errLine: string | null = null;
  let worstPing = 0;
  let pings = 0;
  let probing = true;
  const probeLoop = (async () => {
    while (probing) {
      const t = performance.now();
      try {
        await probe.call('PING');
      } catch {
        return;
      }
      const ms = performance.now() - t;
      pings++;
      if (ms > worstPing) worstPing = ms;
      await sleep(20);
    }
  })();
  let lastReport = started;
  const sizeOf = (c: number): number => Math.min(o.batch, o.count - c * o.batch);
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(deadWatch);
      sock.removeAllListeners('data');
      resolve();
    };
    const pump = (): void => {
      while (error === null && sent < commands && sent - answered < window) {
        const ok = sock.write(loadCommand(o.phase, sent * o.batch, sizeOf(sent)));
        sent++;
        if (!ok) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) {
        const b = d[i]!;
        if (atLineStart && b === 0x2d /* '-' */) errLine = '';
        else if (errLine !== null && b !== 0x0d && b !== 0x0a) errLine += String.fromCharCode(b);
        atLineStart = b === 0x0a;
        if (b === 0x0a) {
          if (errLine !== null) {
            if (error === null) error = errLine;
            errLine = null;
          } else okItems += sizeOf(answered);
          answered++;
        }
      }
      const now = performance.now();
      if (now - lastReport > 15_000) {
        lastReport = now;
        log(`  loaded ${okItems.toLocaleString('en-US')} in ${((now - started) / 1000).toFixed(0)} s; server rss ${(rssOf(serverPid) / GIB).toFixed(2)} GiB, MemAvailable ${(memAvailable() / GIB).toFixed(1)} GiB`);
      }
      if (answered === sent && (error !== null || sent === commands)) finish();
      else pump();
    });
    sock.once('close', finish);
    const deadWatch = setInterval(() => {
      if (!dead()) return;
      if (error === null) error = 'server gone';
      finish();
    }, 500);
    pump();
  });
  const ms = performance.now() - started;
  probing = false;
  await probeLoop;
  probe.close();
  sock.destroy();
  return { items: okItems, ms, error, worstPingMs: worstPing, pings };
}

// ---- checks ----

function infoField(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m === null ? '' : m[1]!.trim();
}

async function memory(c: RespClient): Promise<{ used: number; rss: number; heap: number }> {
  const info = String(await c.call('INFO', 'memory'));
  // allocator_allocated: V8's used heap (info-report.ts)
  return { used: Number(infoField(info, 'used_memory')), rss: Number(infoField(info, 'used_memory_rss')), heap: Number(infoField(info, 'allocator_allocated')) };
}

/** Spot checks of a loaded dataset of `n` items; returns lines that failed (empty = all good). */
async function check(c: RespClient, phase: Phase, n: number): Promise<{ failures: string[]; facts: Record<string, RespValue> }> {
  const failures: string[] = [];
  const facts: Record<string, RespValue> = {};
  const expect = (what: string, got: RespValue, want: RespValue): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  const picks = [0, 1, n >> 1, n - 2, n - 1, ...Array.from({ length: 45 }, () => Math.floor(Math.random() * n))].filter((i) => i >= 0 && i < n);
  if (phase === 'keys') {
    facts['dbsize'] = await c.call('DBSIZE');
    expect('DBSIZE', facts['dbsize'], n);
    for (const i of picks) expect(`GET ${itemName(phase, i)}`, await c.call('GET', itemName(phase, i)), valueOf(i));
    expect('EXISTS absent', await c.call('EXISTS', itemName(phase, n)), 0);
    const rk = await c.call('RANDOMKEY');
    if (typeof rk !== 'string' || !/^key:\d{12}$/.test(rk) || Number(rk.slice(4)) >= n) failures.push(`RANDOMKEY ${JSON.stringify(rk)}`);
    return { failures, facts };
  }
  const key = COLLECTION_KEY[phase];
  if (phase === 'hash') {
    facts['hlen'] = await c.call('HLEN', key);
    expect('HLEN', facts['hlen'], n);
    for (const i of picks) expect(`HGET ${itemName(phase, i)}`, await c.call('HGET', key, itemName(phase, i)), valueOf(i));
    expect('HEXISTS absent', await c.call('HEXISTS', key, itemName(phase, n)), 0);
  } else if (phase === 'set') {
    facts['scard'] = await c.call('SCARD', key);
    expect('SCARD', facts['scard'], n);
    for (const i of picks) expect(`SISMEMBER ${itemName(phase, i)}`, await c.call('SISMEMBER', key, itemName(phase, i)), 1);
    expect('SISMEMBER absent', await c.call('SISMEMBER', key, itemName(phase, n)), 0);
  } else {
    facts['zcard'] = await c.call('ZCARD', key);
    expect('ZCARD', facts['zcard'], n);
    for (const i of picks) expect(`ZSCORE ${itemName(phase, i)}`, await c.call('ZSCORE', key, itemName(phase, i)), String(i));
    const tail = await c.call('ZRANGE', key, String(n - 3), String(n - 1), 'WITHSCORES');
    facts['zrange_tail'] = tail;
    expect('ZRANGE by rank near the end', tail, [n - 3, n - 2, n - 1].filter((i) => i >= 0).flatMap((i) => [itemName(phase, i), String(i)]));
    expect('ZRANK near the end', await c.call('ZRANK', key, itemName(phase, n - 2)), n - 2);
    expect('ZREVRANGE 0 0', await c.call('ZREVRANGE', key, '0', '0'), [itemName(phase, n - 1)]);
  }
  return { failures, facts };
}

/** p50/p99/max of `count` random single commands (reads and overwrites with the same value). */
async function commandLatency(c: RespClient, phase: Phase, n: number, count: number): Promise<{ p50: number; p99: number; max: number; worst: string }> {
  const times: number[] = [];
  let max = 0;
  let worst = '';
  for (let k = 0; k < count; k++) {
    const i = Math.floor(Math.random() * n);
    const name = itemName(phase, i);
    let argv: string[];
    if (phase === 'keys') argv = k % 2 === 0 ? ['GET', name] : ['SET', name, valueOf(i)];
    else if (phase === 'hash') argv = k % 2 === 0 ? ['HGET', COLLECTION_KEY.hash, name] : ['HSET', COLLECTION_KEY.hash, name, valueOf(i)];
    else if (phase === 'set') argv = k % 2 === 0 ? ['SISMEMBER', COLLECTION_KEY.set, name] : ['SADD', COLLECTION_KEY.set, name];
    else argv = k % 3 === 0 ? ['ZSCORE', COLLECTION_KEY.zset, name] : k % 3 === 1 ? ['ZADD', COLLECTION_KEY.zset, String(i), name] : ['ZRANGE', COLLECTION_KEY.zset, String(i), String(i + 9)];
    const t = performance.now();
    const r = await c.call(...argv);
    const ms = performance.now() - t;
    if (r instanceof RespError) throw new Error(`${argv.join(' ')}: ${r.message}`);
    times.push(ms);
    if (ms > max) {
      max = ms;
      worst = argv[0]!;
    }
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), max, worst };
}

interface WriteLoad {
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  gcMaxPauseMs: number;
}

/**
 * A bounded steady write load over the loaded data (issue 17 goal 2): redis-benchmark SET,
 * 50 clients, `-r count` so every write replaces a loaded key (its __rand_int__ is the same
 * 12 digits as the loaded names, `-d 3` the same value size). Latency percentiles from its
 * distribution (p99.9 = the first bucket at or above 99.9 %); the longest GC pause in the
 * window from the server's --trace-gc.
 */
async function writeLoad(port: number, count: number, requests: number, gc: GcStats): Promise<WriteLoad> {
  gc.windowMaxMs = 0;
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(requests), '-r', String(count), '-d', '3', '-t', 'set', '--precision', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout!.on('data', (d: Buffer) => (text += d.toString('latin1')));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`redis-benchmark exited ${code}`))));
  });
  const pct: [number, number][] = [];
  for (const m of out.matchAll(/([\d.]+)% <= ([\d.]+) milliseconds/g)) pct.push([Number(m[1]), Number(m[2])]);
  const at = (q: number): number => pct.find(([p]) => p >= q)?.[1] ?? NaN;
  const rps = Number(/throughput summary: ([\d.]+) requests per second/.exec(out)?.[1] ?? NaN);
  const summary = /avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(out);
  return {
    rps,
    p50: Number(summary?.[3] ?? at(50)),
    p99: Number(summary?.[5] ?? at(99)),
    p999: at(99.9),
    max: Number(summary?.[6] ?? at(100)),
    gcMaxPauseMs: gc.windowMaxMs,
  };
}

/**
 * The fixed-rate write load (issue 17 goal 2) in its own process (rate-load.ts: an open-loop
 * schedule, latency from each request's due time, the generator's own lag reported), with
 * the server's GC pauses in the same window by kind from its --trace-gc.
 */
async function fixedRateLoad(port: number, count: number, rate: number, seconds: number, gc: GcStats, nice: number): Promise<RateLoadResult & { gc: GcWindow }> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(...niced(nice, process.execPath, [RATE_LOAD_JS, '--port', String(port), '--count', String(count), '--rate', String(rate), '--seconds', String(seconds), '--warmup-seconds', '5']), { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    let windowed = false;
    resetGcWindow(gc);
    p.stdout!.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      // the counted window starts after the generator's warm-up (it prints WINDOW then)
      if (!windowed && text.includes('WINDOW')) {
        windowed = true;
        resetGcWindow(gc);
      }
    });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`rate-load exited ${code}`))));
  });
  const line = /RATE-LOAD (.*)/.exec(out);
  if (line === null) throw new Error(`rate-load printed no result: ${out}`);
  return { ...(JSON.parse(line[1]!) as RateLoadResult), gc: gcWindow(gc) };
}

interface GcWindow {
  count: number;
  scavenge: { count: number; maxMs: number; totalMs: number };
  markCompact: { count: number; maxMs: number; totalMs: number };
  other: Record<string, { count: number; maxMs: number }>;
  /** pauses of 20 ms or more: [ms into the window, kind, pause ms, heap MB before] */
  long: [number, string, number, number][];
}

function resetGcWindow(gc: GcStats): void {
  gc.windowMaxMs = 0;
  gc.window = new Map();
  gc.windowLong = [];
  gc.windowStart = performance.now();
}

function gcWindow(gc: GcStats): GcWindow {
  const zero = { count: 0, maxMs: 0, totalMs: 0 };
  const w: GcWindow = { count: 0, scavenge: { ...zero }, markCompact: { ...zero }, other: {}, long: gc.windowLong.slice(0, 40) };
  for (const [kind, k] of gc.window) {
    w.count += k.count;
    const into = kind === 'Scavenge' ? w.scavenge : kind.startsWith('Mark-Compact') ? w.markCompact : null;
    if (into === null) w.other[kind] = { count: k.count, maxMs: k.maxMs };
    else {
      into.count += k.count;
      into.totalMs = +(into.totalMs + k.totalMs).toFixed(1);
      into.maxMs = Math.max(into.maxMs, k.maxMs);
    }
  }
  return w;
}

async function digest(c: RespClient, phase: Phase): Promise<{ value: string; ms: number }> {
  const t = performance.now();
  const r = phase === 'keys' ? await c.call('DEBUG', 'DIGEST') : await c.call('DEBUG', 'DIGEST-VALUE', COLLECTION_KEY[phase]);
  const value = Array.isArray(r) ? String(r[0]) : r instanceof RespError ? `error: ${r.message}` : String(r);
  return { value, ms: performance.now() - t };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function gcSummary(gc: GcStats): string {
  const kinds = [...gc.byKind].map(([k, v]) => `${k} ×${v.count} max ${v.maxMs.toFixed(1)} ms total ${(v.totalMs / 1000).toFixed(1)} s`).join('; ');
  return `${gc.count} GCs, longest pause ${gc.maxPauseMs.toFixed(1)} ms (${kinds})`;
}

// ---- the run ----

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (m: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `scale-${o.phase}-`));
  log(`phase ${o.phase}, ${o.count.toLocaleString('en-US')} items, maxmemory ${o.maxmemory}, MemAvailable ${(memAvailable() / GIB).toFixed(1)} GiB, node flags [${o.nodeFlags.join(' ')}], dir ${dir}`);
  if (memAvailable() < o.minAvailable + 2 * GIB) throw new Error('not enough memory available to start');
  const summary: Record<string, unknown> = { phase: o.phase, target: o.count, maxmemory: o.maxmemory };
  let server = await startServer(dir, o, log);
  let watch = watchMemory(server, o, log);
  const dead = (): boolean => server.proc.exitCode !== null || server.proc.signalCode !== null || watch.tripped() !== null;
  try {
    let c = await RespClient.connect({ host: '127.0.0.1', port: server.port });
    const empty = await memory(c);
    log(`empty server: used_memory ${(empty.used / MIB).toFixed(1)} MiB, rss ${(empty.rss / MIB).toFixed(1)} MiB`);

    const loaded = await load(server.port, server.pid, o, dead, log);
    const rate = Math.round(loaded.items / (loaded.ms / 1000));
    log(`load: ${loaded.items.toLocaleString('en-US')} items in ${(loaded.ms / 1000).toFixed(1)} s (${rate.toLocaleString('en-US')}/s)${loaded.error !== null ? `; stopped by: ${loaded.error}` : ''}; worst PING while loading ${loaded.worstPingMs.toFixed(1)} ms (${loaded.pings} pings)`);
    Object.assign(summary, { loaded: loaded.items, loadSeconds: +(loaded.ms / 1000).toFixed(1), loadRate: rate, loadStoppedBy: loaded.error, worstPingWhileLoadingMs: +loaded.worstPingMs.toFixed(1) });
    if (watch.tripped() !== null) {
      summary['memoryStop'] = watch.tripped();
      return;
    }
    const n = loaded.error === null ? o.count : (await countItems(c, o.phase));
    if (n !== loaded.items) log(`items present: ${n.toLocaleString('en-US')} (answered OK: ${loaded.items.toLocaleString('en-US')})`);
    summary['items'] = n;
    const full = await memory(c);
    const perItem = (full.used - empty.used) / n;
    const perItemRss = (full.rss - empty.rss) / n;
    log(`loaded: used_memory ${(full.used / GIB).toFixed(2)} GiB (${perItem.toFixed(0)} B/item), rss ${(full.rss / GIB).toFixed(2)} GiB (${perItemRss.toFixed(0)} B/item), rss/used ${(full.rss / full.used).toFixed(2)}, V8 heap used ${(full.heap / GIB).toFixed(2)} GiB`);
    Object.assign(summary, { usedMemory: full.used, rss: full.rss, bytesPerItemUsed: Math.round(perItem), bytesPerItemRss: Math.round(perItemRss) });
    log(`after load: ${gcSummary(server.gc)}`);
    summary['gcDuringLoad'] = { count: server.gc.count, maxPauseMs: server.gc.maxPauseMs, line: server.gc.maxPauseLine };

    const before = await check(c, o.phase, n);
    log(`checks: ${before.failures.length === 0 ? 'all passed' : before.failures.join('; ')}`);
    const lat = await commandLatency(c, o.phase, n, 5000);
    log(`5,000 random commands loaded: p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms, max ${lat.max.toFixed(1)} ms (${lat.worst})`);
    Object.assign(summary, { checksBefore: before.failures, latencyLoaded: lat });
    if (o.writeLoad > 0) {
      if (o.phase !== 'keys') throw new Error('--write-load is for the keys phase');
      const w = await writeLoad(server.port, n, o.writeLoad, server.gc);
      log(`write load (${o.writeLoad.toLocaleString('en-US')} SETs over the loaded keys, 50 clients): ${Math.round(w.rps).toLocaleString('en-US')} ops/s, p50 ${w.p50} ms, p99 ${w.p99} ms, p99.9 ${w.p999} ms, max ${w.max} ms; longest GC pause meanwhile ${w.gcMaxPauseMs.toFixed(1)} ms`);
      summary['writeLoad'] = w;
      // the writes replaced values ("VXK…"), never added keys
      const size = await c.call('DBSIZE');
      if (size !== n) log(`DBSIZE after the write load: ${JSON.stringify(size)}, want ${n}`);
    }
    if (o.rate > 0) {
      if (o.phase !== 'keys') throw new Error('--rate is for the keys phase');
      const rounds: unknown[] = [];
      for (let r = 0; r < o.rateRounds; r++) {
        const w = await fixedRateLoad(server.port, n, o.rate, o.rateSeconds, server.gc, o.nice);
        const g = w.gc;
        log(`fixed-rate round ${r + 1}/${o.rateRounds} (${o.rate.toLocaleString('en-US')} SETs/s for ${o.rateSeconds} s after 5 s warm-up, open loop, separate process, 50 connections): ${w.answeredPerSecond.toLocaleString('en-US')} ops/s answered, p50 ${w.p50} ms, p99 ${w.p99} ms, p99.9 ${w.p999} ms, max ${w.max} ms (at ${w.maxAtS} s); >5 ms ${w.over5ms}, >100 ms ${w.over100ms}; from send time p50 ${w.sentP50} ms p99.9 ${w.sentP999} ms max ${w.sentMax} ms; generator send lag p99.9 ${w.sendLagP999} ms max ${w.sendLagMax} ms, its loop delay max ${w.loopDelayMaxMs} ms; errors ${w.errors}`);
        log(`  server GC in the window: ${g.count} pauses; scavenge x${g.scavenge.count} max ${g.scavenge.maxMs} ms total ${g.scavenge.totalMs} ms; mark-compact x${g.markCompact.count} max ${g.markCompact.maxMs} ms total ${g.markCompact.totalMs} ms; other ${JSON.stringify(g.other)}`);
        if (g.long.length > 0) log(`  pauses >= 20 ms [ms into window, kind, ms, heap MB]: ${JSON.stringify(g.long)}`);
        rounds.push(w);
      }
      summary['fixedRate'] = rounds;
      const size = await c.call('DBSIZE');
      if (size !== n) log(`DBSIZE after the write load: ${JSON.stringify(size)}, want ${n}`);
    }
    if (o.noSave) {
      log(`first server: ${gcSummary(server.gc)}; longest: ${server.gc.maxPauseLine}`);
      summary['gc'] = gcSummary(server.gc);
      return;
    }
    const d1 = o.digest ? await digest(c, o.phase) : null;
    if (d1 !== null) log(`digest ${d1.value} in ${(d1.ms / 1000).toFixed(1)} s`);

    const saveStart = performance.now();
    const saved = await c.call('SAVE');
    const saveMs = performance.now() - saveStart;
    const rdb = statSync(path.join(dir, 'dump.rdb')).size;
    const afterSave = await memory(c);
    log(`SAVE: ${JSON.stringify(saved)} in ${(saveMs / 1000).toFixed(1)} s, dump.rdb ${(rdb / MIB).toFixed(0)} MiB; peak rss so far ${(watch.peakRss() / GIB).toFixed(2)} GiB, rss now ${(afterSave.rss / GIB).toFixed(2)} GiB`);
    Object.assign(summary, { saveSeconds: +(saveMs / 1000).toFixed(1), rdbBytes: rdb, peakRssBeforeRestart: watch.peakRss(), gcMaxPauseFirstServerMs: server.gc.maxPauseMs, gcFirstServer: gcSummary(server.gc) });
    log(`first server: ${gcSummary(server.gc)}; longest: ${server.gc.maxPauseLine}`);

    watch.stop();
    await stopServer(server, c);
    c.close();
    log(`restarting from dump.rdb`);
    server = await startServer(dir, o, log);
    const readyMs = performance.now() - server.startedAt;
    watch = watchMemory(server, o, log);
    c = await RespClient.connect({ host: '127.0.0.1', port: server.port });
    const re = await memory(c);
    const info = String(await c.call('INFO', 'persistence'));
    log(`reloaded: ready after ${(readyMs / 1000).toFixed(1)} s (rdb_last_load_keys_loaded ${infoField(info, 'rdb_last_load_keys_loaded') || '?'}); used_memory ${(re.used / GIB).toFixed(2)} GiB, rss ${(re.rss / GIB).toFixed(2)} GiB; ${gcSummary(server.gc)}`);
    Object.assign(summary, { restartSeconds: +(readyMs / 1000).toFixed(1), usedMemoryReloaded: re.used, rssReloaded: re.rss, gcReload: { count: server.gc.count, maxPauseMs: server.gc.maxPauseMs } });
    const afterReload = await check(c, o.phase, n);
    log(`checks after reload: ${afterReload.failures.length === 0 ? 'all passed' : afterReload.failures.join('; ')}`);
    const same = JSON.stringify(before.facts) === JSON.stringify(afterReload.facts);
    log(`facts before ${JSON.stringify(before.facts)} after ${JSON.stringify(afterReload.facts)}: ${same ? 'same' : 'DIFFERENT'}`);
    const d2 = o.digest ? await digest(c, o.phase) : null;
    if (d1 !== null && d2 !== null) log(`digest after reload ${d2.value}: ${d1.value === d2.value ? 'same' : 'DIFFERENT'}`);
    const lat2 = await commandLatency(c, o.phase, n, 5000);
    log(`5,000 random commands after reload: p50 ${lat2.p50.toFixed(2)} ms, p99 ${lat2.p99.toFixed(2)} ms, max ${lat2.max.toFixed(1)} ms (${lat2.worst})`);
    Object.assign(summary, { checksAfter: afterReload.failures, factsSame: same, digestSame: d1 !== null && d2 !== null ? d1.value === d2.value : null, latencyReloaded: lat2, peakRss: Math.max(watch.peakRss(), Number(summary['peakRssBeforeRestart'])), minMemAvailable: watch.minAvailable() });
    log(`second server: ${gcSummary(server.gc)}`);
    // RSS once the server has been quiet a while: V8 returns freed pages in the background,
    // and the young generation once no command has run (server/young-gen-trim.ts)
    await new Promise((r) => setTimeout(r, 10_000));
    const rest = await memory(c);
    log(`reloaded, after 10 s without a command: used_memory ${(rest.used / GIB).toFixed(2)} GiB, rss ${(rest.rss / GIB).toFixed(2)} GiB`);
    summary['rssReloadedRest'] = rest.rss;
    if (before.failures.length > 0 || afterReload.failures.length > 0 || !same || (d1 !== null && d2 !== null && d1.value !== d2.value)) process.exitCode = 1;
    watch.stop();
    await stopServer(server, c);
    c.close();
  } finally {
    watch.stop();
    killTree(server);
    rmSync(dir, { recursive: true, force: true });
    console.log(`SUMMARY ${JSON.stringify(summary)}`);
  }
}

async function countItems(c: RespClient, phase: Phase): Promise<number> {
  const r = phase === 'keys' ? await c.call('DBSIZE') : await c.call(phase === 'hash' ? 'HLEN' : phase === 'set' ? 'SCARD' : 'ZCARD', COLLECTION_KEY[phase]);
  return Number(r);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
