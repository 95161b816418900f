/**
 * Micro-benchmark (a report, not a test): get/set on 1M keys, plain Map vs BigMap on its
 * single-shard fast path. Run: node dist/test/bench/big-map-bench.js
 */
import { BigMap } from '../../src/types/big-map.js';

interface MapLike {
  get(k: string): number | undefined;
  set(k: string, v: number): unknown;
}

const N = 1_000_000;
const keys = Array.from({ length: N }, (_, i) => `key:${i.toString(36).padStart(8, '0')}`);

function round(make: () => MapLike): { setMs: number; getMs: number } {
  const m = make();
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) m.set(keys[i]!, i);
  const setMs = Number(process.hrtime.bigint() - t) / 1e6;
  let sum = 0;
  t = process.hrtime.bigint();
  for (let r = 0; r < 3; r++) for (let i = 0; i < N; i++) sum += m.get(keys[i]!)!;
  const getMs = Number(process.hrtime.bigint() - t) / 1e6 / 3;
  if (sum === -1) console.log('unreachable');
  return { setMs, getMs };
}

const results: Record<string, { setMs: number[]; getMs: number[] }> = { Map: { setMs: [], getMs: [] }, BigMap: { setMs: [], getMs: [] } };
for (let r = 0; r < 7; r++) {
  // alternate so a busy machine hurts both alike
  for (const [name, make] of [
    ['Map', () => new Map<string, number>()],
    ['BigMap', () => new BigMap<string, number>()],
  ] as const) {
    const x = round(make);
    results[name]!.setMs.push(x.setMs);
    results[name]!.getMs.push(x.getMs);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(7)} set 1M: ${median(r.setMs).toFixed(1)} ms   get 1M: ${median(r.getMs).toFixed(1)} ms   (medians of 7)`);
}
