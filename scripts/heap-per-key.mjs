#!/usr/bin/env node
// Where the heap goes per key (issue 17 goal 4): starts a Redoubt server in this process,
// loads N keys `key:<12 digits>` with 3-byte values over a socket (MSET of 1,000, the scale
// run's data), runs two full collections, then prints the heap used per key, V8's spaces,
// and a heap snapshot's objects grouped by kind (count and bytes per key). Needs --expose-gc.
//
//   node --expose-gc scripts/heap-per-key.mjs [-n 1000000] [--target DIR]
//
// The snapshot of 1M keys takes ~1 GB of memory to parse and a minute or two.
import v8 from 'node:v8';
import net from 'node:net';
import path from 'node:path';
import { readFileSync, unlinkSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';

const args = process.argv.slice(2);
let N = 1_000_000;
let target = '.';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-n') N = Number(args[++i]);
  else if (args[i] === '--target') target = args[++i];
  else throw new Error(`unknown argument ${args[i]}`);
}
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const gc = globalThis.gc;

const { startServer } = await import(path.resolve(target, 'dist/src/server/server.js'));
const srv = await startServer({ port: 0 });

/** MSET batches of 1,000 keys written with at most 16 in flight; replies counted by line. */
async function load(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  const pad = (i) => i.toString().padStart(12, '0');
  const val = (i) => (i % 46656).toString(36).padStart(3, '0');
  const batches = Math.ceil(N / 1000);
  let sent = 0;
  let answered = 0;
  await new Promise((resolve) => {
    const send = () => {
      while (sent < batches && sent - answered < 16) {
        const s = sent * 1000;
        const n = Math.min(1000, N - s);
        let c = `*${1 + 2 * n}\r\n$4\r\nMSET\r\n`;
        for (let i = s; i < s + n; i++) c += `$16\r\nkey:${pad(i)}\r\n$3\r\n${val(i)}\r\n`;
        sock.write(c, 'latin1');
        sent++;
      }
    };
    sock.on('data', (d) => {
      for (const b of d) if (b === 10) answered++;
      if (answered === batches) resolve();
      else send();
    });
    send();
  });
  sock.destroy();
}

gc(); gc();
const before = v8.getHeapStatistics().used_heap_size;
await load(srv.port);
await new Promise((r) => setTimeout(r, 200));
gc(); gc();
const after = v8.getHeapStatistics().used_heap_size;
console.log(`${N} keys: V8 heap used per key ${((after - before) / N).toFixed(1)} B (after two full GCs, less the empty server's)`);
for (const s of v8.getHeapSpaceStatistics()) {
  if (s.space_used_size > 1e6) console.log(`  ${s.space_name}: ${(s.space_used_size / 2 ** 20).toFixed(1)} MiB used, ${(s.physical_space_size / 2 ** 20).toFixed(1)} MiB physical`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'heap-per-key-'));
const file = v8.writeHeapSnapshot(path.join(dir, 'h.heapsnapshot'));
const snap = JSON.parse(readFileSync(file, 'latin1'));
unlinkSync(file);
rmSync(dir, { recursive: true, force: true });
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const width = fields.length;
const iType = fields.indexOf('type');
const iName = fields.indexOf('name');
const iSize = fields.indexOf('self_size');
const groups = new Map();
for (let i = 0; i < snap.nodes.length; i += width) {
  const type = types[snap.nodes[i + iType]];
  // strings and numbers are named by their content: group them by type only
  const name = /string|number/.test(type) ? '' : snap.strings[snap.nodes[i + iName]].slice(0, 40);
  const key = `${type}${name === '' ? '' : ` ${name}`}`;
  const g = groups.get(key) ?? [0, 0];
  g[0]++;
  g[1] += snap.nodes[i + iSize];
  groups.set(key, g);
}
console.log('heap snapshot, whole heap (the empty server included), per key:');
console.log('   objects    bytes   avg B  kind');
for (const [key, [count, bytes]] of [...groups].sort((a, b) => b[1][1] - a[1][1]).slice(0, 12)) {
  console.log(`${(count / N).toFixed(2).padStart(10)} ${(bytes / N).toFixed(1).padStart(8)} ${(bytes / count).toFixed(0).padStart(7)}  ${key}`);
}
await srv.close();
process.exit(0);
