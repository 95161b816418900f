/**
 * The memory accounting against the real V8 heap: a child process with --expose-gc fills
 * N keys of each kind and reports the heap growth after full GCs and the accounted
 * growth; they must agree within 25%. (In this process heapUsed would still hold garbage,
 * so the comparison only means something after forced collections.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/memory-calibration-child.js');

function measure(args: string[]): Promise<{ heap: number; accounted: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', CHILD, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { heap: number; accounted: number });
    });
  });
}

const CASES: [string, string[]][] = [
  ['strings, 10-byte values', ['string', '50000', '0', '10']],
  ['strings, 1000-byte values', ['string', '10000', '0', '1000']],
  ['strings with a TTL', ['volatile', '50000', '0', '10']],
  ['strings built by 100 APPENDs', ['append', '2000', '100', '10']],
  ['hashes of 1000 fields', ['hash', '100', '1000', '20']],
  ['sets of 1000 members', ['set', '100', '1000', '10']],
  ['sorted sets of 1000 members', ['zset', '100', '1000', '10']],
  ['lists of 1000 elements', ['list', '100', '1000', '50']],
  ['streams of 500 entries', ['stream', '100', '500', '10']],
  ['small hashes', ['hash', '10000', '3', '10']],
];

for (const [name, args] of CASES) {
  test(`accounted growth matches the V8 heap's: ${name}`, async () => {
    const { heap, accounted } = await measure(args);
    const ratio = accounted / heap;
    assert.ok(heap > 1_000_000, `a measurable growth (${heap})`);
    assert.ok(ratio > 0.75 && ratio < 1.25, `accounted ${accounted} vs heap ${heap} (ratio ${ratio.toFixed(3)})`);
  });
}
