/**
 * GC pauses while loading one big sorted set from an RDB value (issue 17; a report, not a
 * test, not in npm test). Session 9's 20M-member reload took one 26.6 s mark-compact pause.
 *
 *   node dist/test/bench/zset-load-gc.js write /tmp/z.bin 3000000
 *   node [--trace-gc] [--expose-gc] dist/test/bench/zset-load-gc.js load /tmp/z.bin
 *
 * `write` encodes a ZSET_2 value (16-byte members `m:` + 14 digits, score = index, highest
 * score first as Redis and Redoubt write a skiplist) straight to a file, without building
 * the set. `load` decodes it as the RDB loader does (decodeValue) and reports the load
 * time, the longest and total GC pause by kind (perf_hooks), heap used after, and checks
 * the set (size, first and last member).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { ByteSink } from '../../src/persistence/rdb/byte-sink.js';
import { ByteSource } from '../../src/persistence/rdb/byte-source.js';
import { decodeValue } from '../../src/persistence/rdb/value-decoder.js';
import { DEFAULT_LOAD_LIMITS } from '../../src/persistence/rdb/load-limits.js';
import { RdbType } from '../../src/persistence/rdb/rdb-constants.js';
import type { SortedSet } from '../../src/types/sorted-set.js';

const member = (i: number): string => `m:${String(i).padStart(14, '0')}`;

function write(file: string, n: number): void {
  const fd = openSync(file, 'w');
  const sink = new ByteSink(false, 1 << 20);
  sink.spillTo((chunk) => writeSync(fd, chunk));
  sink.len(n);
  for (let i = n - 1; i >= 0; i--) {
    sink.string(member(i));
    sink.double(i);
  }
  writeSync(fd, sink.take());
  closeSync(fd);
  console.log(`wrote ${n} members to ${file}`);
}

const KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function load(file: string): void {
  const byKind = new Map<string, { n: number; total: number; max: number }>();
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = KINDS[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      const s = byKind.get(kind) ?? { n: 0, total: 0, max: 0 };
      s.n++;
      s.total += e.duration;
      s.max = Math.max(s.max, e.duration);
      byKind.set(kind, s);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const src = ByteSource.openFile(file, false);
  const v = decodeValue(RdbType.ZSET_2, src, DEFAULT_LOAD_LIMITS);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  src.close();
  // the observer is called asynchronously: report once the entries are in
  setTimeout(() => {
    obs.disconnect();
    const z = v?.value as SortedSet;
    const n = z.size;
    const ok = z.memberAt(0) === member(0) && z.memberAt(n - 1) === member(n - 1) && z.score(member(n >> 1)) === n >> 1;
    console.log(`loaded ${n} members in ${(ms / 1000).toFixed(1)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, GC threads included), check ${ok ? 'ok' : 'FAILED'}`);
    for (const [k, s] of byKind) console.log(`  gc ${k}: ${s.n} pauses, total ${(s.total / 1000).toFixed(2)} s, longest ${s.max.toFixed(1)} ms`);
    const h = v8.getHeapStatistics();
    console.log(`  heap used ${(h.used_heap_size / 2 ** 20).toFixed(0)} MiB, ${(h.used_heap_size / n).toFixed(0)} B/member; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
    // a full collection of the loaded heap, as one atomic pause: what a mark-compact
    // late in the load costs (run with --expose-gc)
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc !== undefined) {
      // CPU time as well: on a shared machine the wall time is mostly waiting for a core
      const t = performance.now();
      const c0 = process.cpuUsage();
      gc();
      const c = process.cpuUsage(c0);
      console.log(`  forced full GC of the loaded heap: ${(performance.now() - t).toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU (all threads)`);
    }
    if (!ok) process.exitCode = 1;
  }, 100);
}

const [mode, file, count] = process.argv.slice(2);
if (mode === 'write' && file !== undefined) write(file, Number(count ?? 3_000_000));
else if (mode === 'load' && file !== undefined) load(file);
else {
  console.error('usage: zset-load-gc.js write FILE N | load FILE');
  process.exitCode = 2;
}
