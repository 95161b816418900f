/**
 * Micro-check (a report, not a test): what the memory accounting costs per write command,
 * measured in-process through the real dispatcher (no network), median of 7 rounds:
 *
 *   - baseline: accounting hooks replaced by no-ops (what the server would cost without it)
 *   - maxmemory 0 (default): keyModified queues the key, the cron settles the queue
 *   - maxmemory set (never reached): the gate settles and sums before every command
 *
 * Run: node dist/test/bench/memory-accounting-cost.js
 */
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { CommandContext } from '../../src/command-context/context.js';

const OPS = 200_000;

function setup(mode: 'baseline' | 'default' | 'limited') {
  const server = new Server();
  const client = new Client(1, 'bench:1', 'bench:2', 1, 0, server.acl.defaultUser);
  const ctx = new CommandContext(server, client);
  if (mode === 'baseline') {
    server.memory.changed = () => {};
    server.memory.afterCommand = () => {};
  }
  if (mode === 'limited') server.config.setDirective('maxmemory', ['100gb']);
  return { server, ctx };
}

function round(mode: 'baseline' | 'default' | 'limited', argvOf: (i: number) => string[]): number {
  const { server, ctx } = setup(mode);
  const argvs = Array.from({ length: OPS }, (_, i) => argvOf(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    server.dispatcher.dispatch(ctx, argvs[i]!);
    // the cron's share in the default mode: one settle per 1000 commands
    if (mode === 'default' && i % 1000 === 999) server.memory.settle();
  }
  return Number(process.hrtime.bigint() - t0) / OPS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// `node --test dist/test/` runs every .js under test/, this report included: not there
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  console.log('memory-accounting-cost: skipped under the test runner (run the file directly)');
  process.exit(0);
}

const workloads: [string, (i: number) => string[]][] = [
  ['SET k:<i % 10000> <16 bytes>', (i) => ['SET', `k:${i % 10000}`, 'vvvvvvvvvvvvvvvv']],
  ['HSET h f<i % 1000> v', (i) => ['HSET', 'h', `f${i % 1000}`, 'v']],
  ['GET k (read)', () => ['GET', 'k']],
];

for (const [name, argvOf] of workloads) {
  const res: Record<string, number[]> = { baseline: [], default: [], limited: [] };
  for (let r = 0; r < 7; r++) for (const mode of ['baseline', 'default', 'limited'] as const) res[mode]!.push(round(mode, argvOf));
  const b = median(res.baseline!);
  const d = median(res.default!);
  const l = median(res.limited!);
  console.log(`${name}: baseline ${b.toFixed(0)} ns/op, maxmemory 0 ${d.toFixed(0)} ns/op (+${(d - b).toFixed(0)}), maxmemory set ${l.toFixed(0)} ns/op (+${(l - b).toFixed(0)})`);
}

// The accounting's own steps, timed alone (less exposed to noise than whole commands):
// queueing a changed key (every write), settling it (once per changed key), and reading
// used_memory (every command when maxmemory is set).
{
  const { server, ctx } = setup('default');
  for (let i = 0; i < 1000; i++) server.dispatcher.dispatch(ctx, ['SET', `k:${i}`, 'vvvvvvvvvvvvvvvv']);
  server.dispatcher.dispatch(ctx, ['HSET', 'h', ...Array.from({ length: 2000 }, (_, i) => `f${i}`)]);
  const db = server.dbs[0]!;
  const keys = Array.from({ length: 1000 }, (_, i) => `k:${i}`);
  const N = 2_000_000;
  const time = (fn: () => void): number => {
    const samples: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = process.hrtime.bigint();
      fn();
      samples.push(Number(process.hrtime.bigint() - t0) / N);
    }
    return median(samples);
  };
  const queue = time(() => {
    for (let i = 0; i < N; i++) {
      const k = keys[i % 1000]!;
      server.memory.changed(db, k, db.storedEntry(k));
      if (i % 1000 === 999) server.memory.settle();
    }
  });
  const queueHash = time(() => {
    for (let i = 0; i < N; i++) {
      server.memory.changed(db, 'h', db.storedEntry('h'));
      if (i % 1000 === 999) server.memory.settle();
    }
  });
  const used = time(() => {
    for (let i = 0; i < N; i++) server.memory.used();
  });
  console.log(
    `per changed key (lookup + queue + settle): string ${queue.toFixed(1)} ns, 1000-field hash ${queueHash.toFixed(1)} ns; ` +
      `used_memory read (gate, maxmemory set): ${used.toFixed(1)} ns`,
  );
}
