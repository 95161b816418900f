/**
 * Issue 17: the V8 heap ceiling sized from maxmemory at start (src/server/heap-sizing.ts,
 * the relaunch in src/main.ts) and the clean OOM refusal near it (src/server/heap-guard.ts),
 * on the real bin. Every child is bounded by a deadline and killed in `finally`.
 */
// npm test: serial — child servers at heap ceilings, killed; memory measured
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { errors } from '../../src/errors.js';
import { gcFlags, HEAP_BASE_MB, HEAP_PER_ACCOUNTED_BYTE, semiSpaceMb } from '../../src/server/heap-sizing.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const MiB = 2 ** 20;

interface Bin {
  child: ChildProcess;
  port: number;
  dir: string;
  output: () => string;
}

async function startBin(nodeArgs: string[], directives: string[], detached = false): Promise<Bin> {
  const port = await freePort();
  const dir = scratchDir();
  const env = { ...process.env };
  // the heap size must come from Redoubt, not from the test runner's environment
  delete env['NODE_OPTIONS'];
  const child = spawn(process.execPath, [...nodeArgs, MAIN, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...directives], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir,
    env,
    // its own session and process group, so the test can signal the group as a terminal does
    detached,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const deadline = Date.now() + 20_000;
  while (!/Ready to accept connections tcp/.test(out) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.match(out, /Ready to accept connections tcp/, `the server started: ${out}`);
  return { child, port, dir, output: () => out };
}

function stop(bin: Bin): void {
  if (bin.child.exitCode === null && bin.child.signalCode === null) bin.child.kill('SIGKILL');
  rmSync(bin.dir, { recursive: true, force: true });
}

function infoField(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info);
  assert.ok(m !== null, `INFO has ${name}`);
  return m[1]!.trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  assert.ok(ok(), what);
}

test('maxmemory 10mb: the bin relaunches itself with a heap sized from it, logs it, keeps it over CONFIG SET, and stops on SIGTERM', async () => {
  const bin = await startBin([], ['--maxmemory', '10mb']);
  const r = new Redis({ port: bin.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    const info = await r.info('memory');
    const limit = Number(infoField(info, 'heap_size_limit'));
    const oldSpace = HEAP_BASE_MB + HEAP_PER_ACCOUNTED_BYTE * 10;
    // heap_size_limit is the old space asked for plus V8's young generation (tens of MiB)
    assert.ok(limit >= oldSpace * MiB && limit <= (oldSpace + 128) * MiB, `heap_size_limit ${limit / MiB} MiB for --max-old-space-size=${oldSpace}`);
    const serverPid = Number(infoField(await r.info('server'), 'process_id'));
    assert.notEqual(serverPid, bin.child.pid, 'the server runs in the relaunched process');
    // issue 17 goal 2: the young generation fixed, no memory reducer (heap-sizing.ts gcFlags)
    assert.match(bin.output(), new RegExp(`^${serverPid}:C .* Heap limit .*; GC flags: ${gcFlags([], undefined).join(' ')}$`, 'm'));
    assert.match(bin.output(), new RegExp(`^${serverPid}:C .* Heap limit \\(V8 heap_size_limit\\) ${Math.round(limit / MiB)} MB, sized at start from maxmemory`, 'm'));

    assert.equal(await r.config('SET', 'maxmemory', '20mb'), 'OK');
    const after = await r.info('memory');
    assert.equal(infoField(after, 'maxmemory'), String(20 * MiB));
    assert.equal(Number(infoField(after, 'heap_size_limit')), limit, 'the ceiling is fixed at start');
    assert.equal(await r.set('k', 'v'), 'OK');
    r.disconnect();

    const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) => bin.child.once('exit', (code, sig) => res([code, sig])));
    bin.child.kill('SIGTERM');
    const [code, sig] = await exited;
    assert.deepEqual([code, sig], [0, null], 'the parent ends with the server, exit 0');
    assert.match(bin.output(), /Received SIGTERM scheduling shutdown/);
    assert.match(bin.output(), /ready to exit, bye bye/);
    await until('the server process is gone', () => !alive(serverPid));
  } finally {
    r.disconnect();
    stop(bin);
  }
});

test('maxmemory 4gb: the relaunched server runs with 64 MiB semi-spaces (the young generation sized from maxmemory)', async () => {
  const bin = await startBin([], ['--maxmemory', '4gb']);
  try {
    const exited = new Promise((res) => bin.child.once('exit', res));
    assert.match(bin.output(), /:C .* Heap limit .*; GC flags: --min-semi-space-size=64 --max-semi-space-size=64 --no-memory-reducer$/m);
    bin.child.kill('SIGTERM');
    await exited;
  } finally {
    stop(bin);
  }
});

/** The session id of a process (/proc/<pid>/stat, the field after the process group). */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

test("the relaunched server stays in its parent's session; a Ctrl-C to the group and a SIGINT to the parent alone each shut it down once", async () => {
  for (const how of ['group', 'parent'] as const) {
    const bin = await startBin([], ['--maxmemory', '10mb'], true);
    const r = new Redis({ port: bin.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await r.connect();
      const serverPid = Number(infoField(await r.info('server'), 'process_id'));
      assert.notEqual(serverPid, bin.child.pid, 'the server runs in the relaunched process');
      // a session of its own is also a scheduling group of its own under the kernel's
      // autogroup scheduling, which cost it CPU and throughput on a shared machine (main.ts)
      assert.equal(sessionOf(serverPid), sessionOf(bin.child.pid!), 'same session as the parent');
      r.disconnect();
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) => bin.child.once('exit', (code, sig) => res([code, sig])));
      // a terminal's Ctrl-C reaches the whole foreground process group. (An idle server
      // usually exits before the parent's SIGINT_DEDUP_MS pass, so the count below catches
      // a doubled SIGINT only when the shutdown is slower than that; the session check is
      // what failed on the detached relaunch.)
      if (how === 'group') process.kill(-bin.child.pid!, 'SIGINT');
      else bin.child.kill('SIGINT');
      const [code, sig] = await exited;
      assert.deepEqual([code, sig], [0, null], `${how}: the parent ends with the server, exit 0: ${bin.output()}`);
      assert.equal(bin.output().match(/Received SIGINT scheduling shutdown/g)?.length, 1, `${how}: one SIGINT reached the server`);
      assert.doesNotMatch(bin.output(), /You insist/);
      assert.match(bin.output(), /ready to exit, bye bye/);
      await until('the server process is gone', () => !alive(serverPid));
    } finally {
      r.disconnect();
      stop(bin);
    }
  }
});

test('gcFlags: the young generation fixed and no memory reducer, unless the operator chose either', () => {
  assert.deepEqual(gcFlags([], undefined), ['--min-semi-space-size=16', '--max-semi-space-size=16', '--no-memory-reducer']);
  assert.deepEqual(gcFlags(['--max_semi_space_size=64'], undefined), ['--no-memory-reducer']);
  assert.deepEqual(gcFlags([], '--memory-reducer --trace-gc'), ['--min-semi-space-size=16', '--max-semi-space-size=16']);
  assert.deepEqual(gcFlags(['--semi-space-growth-factor=2', '--no-memory-reducer'], undefined), []);
  // the semi-space follows maxmemory (issue 17 goal 2): 1/64 of it, a power of two, 16 to 64 MiB
  assert.deepEqual(gcFlags([], undefined, 4 * 2 ** 30), ['--min-semi-space-size=64', '--max-semi-space-size=64', '--no-memory-reducer']);
  assert.deepEqual(gcFlags(['--max-semi-space-size=8'], undefined, 4 * 2 ** 30), ['--no-memory-reducer']);
});

test('semiSpaceMb: 16 MiB with no maxmemory or up to 1gb, then maxmemory / 64 by powers of two, at most 64 MiB', () => {
  const GiB = 2 ** 30;
  assert.equal(semiSpaceMb(0), 16);
  assert.equal(semiSpaceMb(10 * MiB), 16);
  assert.equal(semiSpaceMb(GiB), 16);
  assert.equal(semiSpaceMb(2 * GiB - 1), 16);
  assert.equal(semiSpaceMb(2 * GiB), 32);
  assert.equal(semiSpaceMb(3 * GiB), 32);
  assert.equal(semiSpaceMb(4 * GiB), 64);
  assert.equal(semiSpaceMb(100 * GiB), 64);
});

test('a config read from stdin reaches the relaunched server (replayed through a pipe)', async () => {
  const port = await freePort();
  const dir = scratchDir();
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const child = spawn(process.execPath, [MAIN, '-'], { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir, env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stdin!.end(`port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\nmaxmemory 30mb\n`);
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await until('the server started', () => /Ready to accept connections tcp/.test(out), 20_000);
    await r.connect();
    const info = await r.info('memory');
    assert.equal(infoField(info, 'maxmemory'), String(30 * MiB), 'the stdin config applied in the server');
    assert.equal(Number(infoField(info, 'heap_old_space_limit')), (HEAP_BASE_MB + HEAP_PER_ACCOUNTED_BYTE * 30) * MiB);
    assert.notEqual(Number(infoField(await r.info('server'), 'process_id')), child.pid);
  } finally {
    r.disconnect();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILL of the relaunching parent takes the server down too', async () => {
  const bin = await startBin([], ['--maxmemory', '10mb']);
  const r = new Redis({ port: bin.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    const serverPid = Number(infoField(await r.info('server'), 'process_id'));
    assert.notEqual(serverPid, bin.child.pid);
    assert.ok(alive(serverPid));
    r.disconnect();
    bin.child.kill('SIGKILL');
    await until('the server died with its parent', () => !alive(serverPid), 5000);
  } finally {
    r.disconnect();
    stop(bin);
  }
});

test('near the heap limit writes are refused with OOM, the process lives and answers reads', async () => {
  // an explicit small heap: no relaunch, the ceiling is this one
  const bin = await startBin(['--max-old-space-size=96'], []);
  const r = new Redis({ port: bin.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    assert.doesNotMatch(bin.output(), /sized at start/, 'an explicit --max-old-space-size is kept');
    assert.match(bin.output(), /Heap limit \(V8 heap_size_limit\) \d+ MB, set by --max-old-space-size/);
    const value = 'x'.repeat(10_000);
    let refusal: Error | null = null;
    let stored = 0;
    // 400 batches × 100 × 10 kB = 400 MB: far past a 96 MB heap, so a refusal must come
    for (let batch = 0; batch < 400 && refusal === null; batch++) {
      const p = r.pipeline();
      for (let i = 0; i < 100; i++) p.set(`k:${batch}:${i}`, value);
      const res = (await p.exec()) ?? [];
      for (const [err] of res) {
        if (err === null) stored++;
        else if (refusal === null) refusal = err;
      }
    }
    assert.ok(refusal !== null, `writes were refused (stored ${stored})`);
    assert.equal(refusal.message, errors.oomHeap);
    assert.ok(stored > 1000, `a real amount was stored first (${stored})`);
    // alive, answering reads, and still refusing writes
    assert.equal(bin.child.exitCode, null);
    assert.equal(await r.get('k:0:0'), value);
    assert.equal(await r.dbsize(), stored);
    assert.equal(infoField(await r.info('memory'), 'heap_oom_refusing'), '1');
    await assert.rejects(r.set('one-more', value), (e: Error) => e.message === errors.oomHeap);
    // freeing memory lifts the refusal once V8 has collected it (the cron samples the heap)
    assert.equal(await r.flushall(), 'OK');
    const deadline = Date.now() + 15_000;
    let accepted = false;
    while (!accepted && Date.now() < deadline) {
      accepted = await r.set('after', 'v').then(
        () => true,
        () => false,
      );
      if (!accepted) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(accepted, 'writes are accepted again after FLUSHALL');
  } finally {
    r.disconnect();
    stop(bin);
  }
});
