/**
 * Crash safety of the AOF files: a child appends and rewrites until it is killed with
 * SIGKILL at a random moment (bounded loop); the directory must then load (torn tail
 * allowed with aof-load-truncated yes) into a dataset holding every acknowledged write,
 * in order, with nothing that was never sent. SIGKILL keeps the OS page cache, so this
 * checks ordering, rotation/manifest atomicity and torn-tail handling, not power loss.
 */
// npm test: serial — kills a child server in the middle of its writes
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAof } from '../../src/persistence/aof/aof-loader.js';
import { prng } from '../helpers/diff-support.js';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/aof-crash-child.js');

async function crashOnce(policy: string, killAfterMs: number): Promise<{ acked: number; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-aof-crash-'));
  const child = spawn(process.execPath, [CHILD, dir, policy], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('latin1');
    if (out.startsWith('ready\n')) ready();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await isReady;
  await new Promise((r) => setTimeout(r, killAfterMs));
  child.kill('SIGKILL');
  await exited;
  const acks = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
  return { acked: acks.length > 0 ? acks[acks.length - 1]! : -1, dir };
}

test('SIGKILL at random points: every acknowledged write survives, in order, nothing invented', async () => {
  const rand = prng(7);
  for (let round = 0; round < 6; round++) {
    const policy = round % 2 === 0 ? 'always' : 'everysec';
    const { acked, dir } = await crashOnce(policy, 100 + Math.floor(rand() * 400));
    try {
      const model = new Map<string, string>();
      const r = await loadAof({
        dir,
        dirname: 'appendonlydir',
        filename: 'appendonly.aof',
        loadTruncated: true,
        execute: (argv) => {
          if (argv[0] === 'SELECT') return argv[1] === '0' ? null : 'ERR unexpected db';
          if (argv[0] !== 'SET' || argv.length !== 3) return `ERR unexpected command ${argv[0]}`;
          model.set(argv[1]!, argv[2]!);
          return null;
        },
      });
      assert.ok(r.status === 'ok' || r.status === 'truncated', r.status);
      assert.ok(acked >= 0, 'the child acknowledged writes before it was killed');
      for (let i = 0; i <= acked; i++) assert.equal(model.get(`k${i}`), `v${i}`, `acknowledged k${i} (policy ${policy}, acked ${acked})`);
      // what is there is a prefix of what was sent: k0..kN with no gap
      const n = model.size;
      for (let i = 0; i < n; i++) assert.ok(model.has(`k${i}`), `gap at k${i}`);
      assert.ok(n >= acked + 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
