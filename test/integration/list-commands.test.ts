/**
 * List commands through node-redis (a queue worker pattern: BLMOVE into a processing list,
 * LREM to acknowledge) and redis-cli, and the list entry points of generic commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { startTestServer } from '../helpers/server.js';
import { findOnPath } from '../helpers/redis-oracle.js';

const run = promisify(execFile);

test('node-redis: a reliable queue with BLMOVE and LREM, and LMPOP/LPOS', async () => {
  const srv = await startTestServer();
  const opts = { socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false as const } };
  const worker = createClient(opts);
  const producer = createClient(opts);
  try {
    await worker.connect();
    await producer.connect();
    const waiting = worker.blMove('jobs', 'processing', 'RIGHT', 'LEFT', 2);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await producer.lPush('jobs', ['job-1', 'job-2']), 2);
    assert.equal(await waiting, 'job-1');
    assert.deepEqual(await producer.lRange('processing', 0, -1), ['job-1']);
    assert.equal(await worker.lRem('processing', 1, 'job-1'), 1);
    assert.equal(await producer.exists('processing'), 0);
    assert.deepEqual(await worker.lmPop(['none', 'jobs'], 'LEFT', { COUNT: 5 }), ['jobs', ['job-2']]);
    await producer.rPush('l', ['a', 'b', 'a']);
    assert.deepEqual(await producer.lPosCount('l', 'a', 0), [0, 2]);
    assert.equal(await producer.lPos('l', 'a', { RANK: -1 }), 2);
    assert.equal(await worker.blPop('nothing', 0.05), null);
  } finally {
    if (worker.isOpen) await worker.quit();
    if (producer.isOpen) await producer.quit();
    await srv.close();
  }
});

test('redis-cli: pushes, ranges and a blocking pop', async (t) => {
  const cli = findOnPath('redis-cli');
  if (cli === null) {
    t.skip('redis-cli not installed');
    return;
  }
  const srv = await startTestServer();
  try {
    const cmd = (...args: string[]) => run(cli, ['-p', String(srv.port), ...args]).then((r) => r.stdout);
    assert.equal(await cmd('RPUSH', 'l', 'a', 'b', 'c'), '3\n');
    assert.equal(await cmd('LRANGE', 'l', '0', '-1'), 'a\nb\nc\n');
    assert.equal(await cmd('BRPOP', 'l', '0'), 'l\nc\n');
    assert.equal(await cmd('TYPE', 'l'), 'list\n');
    assert.equal(await cmd('OBJECT', 'ENCODING', 'l'), 'listpack\n');
  } finally {
    await srv.close();
  }
});
