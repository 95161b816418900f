/**
 * BullMQ (npm), whose queue is built on 60-odd Lua scripts (cmsgpack, cjson, redis.pcall,
 * global unpack, TIME), runs end to end on Redoubt: plain jobs under a concurrency of 3,
 * a delayed job, a job that fails twice and succeeds on its third attempt after fixed
 * backoffs, a worker rate limit, and a repeatable job. Timing assertions are lower bounds
 * only (a busy machine may be slower, never faster), with generous overall deadlines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, type Job } from 'bullmq';
import { startTestServer } from '../helpers/server.js';
import type { RunningServer } from '../../src/server/server.js';

let srv: RunningServer;

before(async () => {
  srv = await startTestServer();
});

after(async () => {
  await srv.close();
});

const connection = (): { host: string; port: number; maxRetriesPerRequest: null } => ({ host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: null });

/** Resolves when `done()` holds, polling; fails after `ms`. */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('BullMQ: concurrency, a delayed job, retries with backoff', { timeout: 60_000 }, async () => {
  const queue = new Queue('bq-main', { connection: connection() });
  const done: { name: string; attemptsMade: number; at: number; result: number }[] = [];
  const failures: string[] = [];
  let active = 0;
  let maxActive = 0;
  const worker = new Worker(
    'bq-main',
    async (job: Job<{ x: number }>) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 60));
      active--;
      if (job.name === 'flaky' && job.attemptsMade < 2) throw new Error('flaky fails');
      return job.data.x * 2;
    },
    { connection: connection(), concurrency: 3 },
  );
  worker.on('completed', (job: Job<{ x: number }>, result: number) => done.push({ name: job.name, attemptsMade: job.attemptsMade, at: Date.now(), result }));
  worker.on('failed', (job: Job | undefined, err: Error) => failures.push(`${job?.name}: ${err.message}`));
  try {
    const t0 = Date.now();
    for (let i = 0; i < 9; i++) await queue.add('plain', { x: i });
    await queue.add('delayed', { x: 100 }, { delay: 500 });
    await queue.add('flaky', { x: 7 }, { attempts: 3, backoff: { type: 'fixed', delay: 150 } });
    await until(() => done.length === 11, 40_000, '11 completed jobs');
    const plain = done.filter((d) => d.name === 'plain');
    assert.deepEqual(plain.map((d) => d.result).sort((a, b) => a - b), [0, 2, 4, 6, 8, 10, 12, 14, 16]);
    assert.equal(maxActive, 3, 'concurrency 3 reached and never exceeded');
    const delayed = done.find((d) => d.name === 'delayed')!;
    assert.equal(delayed.result, 200);
    assert.ok(delayed.at - t0 >= 450, `delayed job ran after ${delayed.at - t0} ms`);
    const flaky = done.find((d) => d.name === 'flaky')!;
    assert.equal(flaky.result, 14);
    // two failed attempts, then success on the third
    assert.deepEqual(failures, ['flaky: flaky fails', 'flaky: flaky fails']);
    const counts = await queue.getJobCounts('completed', 'failed', 'delayed', 'waiting', 'active');
    assert.deepEqual(counts, { completed: 11, failed: 0, delayed: 0, waiting: 0, active: 0 });
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test('BullMQ: a worker rate limit spaces jobs out', { timeout: 60_000 }, async () => {
  const queue = new Queue('bq-limit', { connection: connection() });
  const at: number[] = [];
  // processedOn is the worker's clock when its moveToActive script took the job — the same
  // instant the limiter's window starts from — so a slow processor start cannot shorten a span
  const worker = new Worker('bq-limit', async (job) => {
    at.push(job.processedOn ?? Number.NaN);
  }, { connection: connection(), concurrency: 5, limiter: { max: 2, duration: 400 } });
  try {
    for (let i = 0; i < 6; i++) await queue.add('limited', { i });
    await until(() => at.length === 6, 40_000, '6 rate-limited jobs');
    at.sort((a, b) => a - b);
    // 2 per 400 ms: the 6 jobs span at least two full windows
    assert.ok(at[5]! - at[0]! >= 750, `6 jobs took ${at[5]! - at[0]!} ms`);
    // and no window of 400 ms holds more than 2 starts (a small margin for timer jitter)
    for (let i = 2; i < at.length; i++) assert.ok(at[i]! - at[i - 2]! >= 350, `jobs ${i - 2} and ${i} ${at[i]! - at[i - 2]!} ms apart`);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test('BullMQ: a repeatable job runs every interval until its limit', { timeout: 60_000 }, async () => {
  const queue = new Queue('bq-repeat', { connection: connection() });
  const at: number[] = [];
  const worker = new Worker('bq-repeat', async () => {
    at.push(Date.now());
  }, { connection: connection() });
  try {
    // BullMQ 6's repeatable jobs are job schedulers
    await queue.upsertJobScheduler('every-300', { every: 300, limit: 3 }, { name: 'tick', data: {} });
    assert.equal(await queue.getJobSchedulersCount(), 1);
    await until(() => at.length === 3, 40_000, '3 repetitions');
    // runs are aligned to multiples of the interval; the first may be picked up late
    assert.ok(at[2]! - at[0]! >= 300, `3 repetitions within ${at[2]! - at[0]!} ms`);
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(at.length, 3, 'the limit stops the repetitions');
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
