#!/usr/bin/env node
// Same-process A/B of Redoubt's request hot path (issue 14/17): two (or more) builds are
// loaded into ONE Node process, each as its own in-process server with one real client
// connection whose socket write is stubbed out; batches of 16 pipelined requests (the
// exact bytes redis-benchmark -P 16 sends, without -r) are fed straight into the
// connection's data handler in alternating slices of 250 batches. Both builds therefore
// see the same CPU, the same load and the same moment; per slice it records the wall
// time per request and reports each build's median and the median of paired ratios
// against the first build. It measures parse → dispatch → ACL → handler → encode and the
// per-batch bookkeeping, not the kernel's socket path (npm run bench and
// scripts/arch-ab-bench.sh measure that, on an idle machine only).
//
//   node scripts/hot-path-ab.mjs TESTS SECONDS DIR_A DIR_B [DIR_C ...]
//   e.g. node scripts/hot-path-ab.mjs get,set,incr,lpush,hset,mset,ping 8 /tmp/base .
//   HOT_PATH_CLOCK=cpu node scripts/hot-path-ab.mjs ...   (CPU time per slice: a loaded machine)
//   HOT_PATH_RANDOM=N node scripts/hot-path-ab.mjs ...    (keys and fields as redis-benchmark -r N:
//                    __rand_int__ replaced by a 12-digit number below N, 4,096 distinct batches)
//
// Each DIR is a checkout with a built dist/ (npx tsc -p tsconfig.json, or src/ only).
// It reaches into Connection internals (onData, socket), so it is a tool, not an API.
import net from 'node:net';
import path from 'node:path';
const [tests, seconds, ...roots] = process.argv.slice(2);
if (roots.length < 1) {
  console.error('usage: node scripts/hot-path-ab.mjs TESTS SECONDS DIR_A [DIR_B ...]');
  process.exit(2);
}
const enc = (argv) => `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');

// HOT_PATH_RANDOM=N: redis-benchmark -r N's key names (12 digits, zero-padded) instead of
// one fixed name, in enough distinct batches that no small cache sees a name come back soon
const RANDOM = Number(process.env.HOT_PATH_RANDOM ?? 0);
const randInt = () => (RANDOM > 0 ? String(Math.floor(Math.random() * RANDOM)).padStart(12, '0') : '__rand_int__');
const rnd = () => `key:${randInt()}`;
const gen = {
  get: () => enc(['GET', rnd()]),
  set: () => enc(['SET', rnd(), 'xxx']),
  incr: () => enc(['INCR', `counter:${randInt()}`]),
  lpush: () => enc(['LPUSH', 'mylist', 'xxx']),
  hset: () => enc(['HSET', 'myhash', `element:${randInt()}`, 'xxx']),
  mset: () => enc(['MSET', ...Array.from({ length: 10 }, () => [rnd(), 'xxx']).flat()]),
  ping: () => enc(['PING']),
};
const targets = [];
for (const root of roots) {
  const { startServer } = await import(path.resolve(root, 'dist/src/server/server.js'));
  const srv = await startServer({ port: 0 });
  const client = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  client.on('data', () => {});
  while (srv.server.connections.size === 0) await new Promise((r) => setTimeout(r, 10));
  const conn = [...srv.server.connections.values()][0];
  conn.socket.write = (b, cb) => { if (cb) cb(); return true; };
  targets.push({ name: path.basename(root), srv, client, conn });
}
// HOT_PATH_CLOCK=cpu: each slice is timed by the process's CPU time (process.cpuUsage, all
// threads) instead of the wall clock, so time the process spends descheduled on a loaded
// machine is not counted (getrusage's resolution is fine for slices of 4,000 requests)
const CPU = process.env.HOT_PATH_CLOCK === 'cpu';
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const SLICE = 250;
for (const test of tests.split(',')) {
  const nBatches = RANDOM > 0 ? 4096 : 64;
  const batches = Array.from({ length: nBatches }, () => Buffer.from(Array.from({ length: 16 }, gen[test]).join(''), 'latin1'));
  for (const t of targets) for (let i = 0; i < 4000; i++) t.conn.onData(batches[i % nBatches]);
  const per = targets.map(() => []);
  const deadline = Date.now() + Number(seconds) * 1000;
  let round = 0;
  while (Date.now() < deadline) {
    const order = round++ % 2 === 0 ? targets.map((_, i) => i) : targets.map((_, i) => targets.length - 1 - i);
    for (const i of order) {
      const conn = targets[i].conn;
      if (CPU) {
        const u0 = process.cpuUsage();
        for (let j = 0; j < SLICE; j++) conn.onData(batches[(round * SLICE + j) % nBatches]);
        const u = process.cpuUsage(u0);
        per[i].push(((u.user + u.system) * 1000) / (SLICE * 16));
      } else {
        const c0 = process.hrtime.bigint();
        for (let j = 0; j < SLICE; j++) conn.onData(batches[(round * SLICE + j) % nBatches]);
        per[i].push(Number(process.hrtime.bigint() - c0) / (SLICE * 16));
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  const base = per[0];
  const parts = targets.map((t, i) => {
    const ratios = per[i].map((x, j) => x / base[j]);
    return `${t.name} ${med(per[i]).toFixed(0)} ns` + (i > 0 ? ` (ratio ${med(ratios).toFixed(3)})` : '');
  });
  console.log(`${test.padEnd(6)} slices ${per[0].length}: ${parts.join('  ')}`);
}
for (const t of targets) { t.client.destroy(); await t.srv.close(); }
process.exit(0);
