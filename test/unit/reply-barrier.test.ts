import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyBarrier, type BufferedFeed } from '../../src/persistence/reply-barrier.js';

/**
 * A feed whose buffer holds `buffered` bytes until flush() writes them; records the order of
 * events. Under always, syncInBackground() writes, logs 'fsync-start' and parks the fsync
 * until the test calls `completeSync()`.
 */
function feed(policy: string, log: string[]): BufferedFeed & { buffered: number; append(): void; completeSync(ok?: boolean): void; syncing: boolean } {
  let appended = 0;
  let synced = 0;
  let parked: { upTo: number; done: (ok: boolean) => void } | null = null;
  const f = {
    buffered: 0,
    get syncing(): boolean {
      return parked !== null;
    },
    append(): void {
      appended++;
      f.buffered += 10;
    },
    writer: {
      get bufferLength(): number {
        return f.buffered;
      },
      fsyncPolicyInUse: policy,
      get appended(): number {
        return appended;
      },
      get unsyncedCommands(): number {
        return appended - synced;
      },
    },
    flush(): void {
      if (f.buffered > 0) log.push('aof-write');
      f.buffered = 0;
      if (policy === 'always' && synced < appended) {
        log.push('fsync-sync');
        synced = appended;
      }
    },
    syncInBackground(done: (ok: boolean) => void): 'started' | 'synced' | 'failed' {
      if (f.buffered > 0) log.push('aof-write');
      f.buffered = 0;
      if (synced === appended) return 'synced';
      assert.equal(parked, null, 'one fsync at a time');
      log.push('fsync-start');
      parked = { upTo: appended, done };
      return 'started';
    },
    completeSync(ok = true): void {
      const p = parked!;
      parked = null;
      log.push(ok ? 'fsync-done' : 'fsync-failed');
      if (ok) synced = Math.max(synced, p.upTo);
      p.done(ok);
    },
  };
  return f;
}

/** A connection as the barrier sees it: it holds while the feed is pending, else writes. */
function conn(name: string, barrier: ReplyBarrier, log: string[]): { flush(): void } {
  const c = {
    flush(): void {
      if (barrier.pending(c)) barrier.hold(c);
      else log.push(name);
    },
  };
  return c;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('everysec: every 8 held connections the AOF is written and their replies leave at once; always waits for the turn', async () => {
  for (const policy of ['everysec', 'always']) {
    const log: string[] = [];
    const f = feed(policy, log);
    const barrier = new ReplyBarrier(f);
    for (let i = 0; i < 10; i++) {
      f.append(); // the command's propagation
      conn(`c${i}`, barrier, log).flush();
    }
    const early = [...log];
    await turn();
    if (policy === 'everysec') {
      assert.deepEqual(early, ['aof-write', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
      assert.deepEqual(log.slice(early.length), ['aof-write', 'c8', 'c9']);
    } else {
      // one write and one fsync for the whole turn, and no reply before the fsync completed
      assert.deepEqual(early, []);
      assert.deepEqual(log, ['aof-write', 'fsync-start']);
      await turn();
      assert.deepEqual(log, ['aof-write', 'fsync-start']);
      f.completeSync();
      assert.deepEqual(log, ['aof-write', 'fsync-start', 'fsync-done', ...Array.from({ length: 10 }, (_, i) => `c${i}`)]);
    }
  }
});

test('a write that fails leaves the replies held until a later turn, without recursing', async () => {
  const log: string[] = [];
  const f = feed('everysec', log);
  f.flush = () => log.push('aof-write-failed'); // the buffer stays full
  const barrier = new ReplyBarrier(f);
  f.append();
  for (let i = 0; i < 8; i++) conn(`c${i}`, barrier, log).flush();
  assert.deepEqual(log, ['aof-write-failed'], 'one attempt, no reply');
  f.flush = function (): void {
    if (f.buffered > 0) log.push('aof-write');
    f.buffered = 0;
  };
  await turn();
  assert.deepEqual(log.slice(1), ['aof-write', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
});

test('always: while a batch syncs, the next commands run and their replies wait for the next fsync; none leaves unsynced', async () => {
  const log: string[] = [];
  const f = feed('always', log);
  const barrier = new ReplyBarrier(f);
  const a = conn('a', barrier, log);
  const b = conn('b', barrier, log);
  const c = conn('c', barrier, log);
  const d = conn('d', barrier, log);
  f.append();
  a.flush();
  f.append();
  b.flush();
  await turn();
  assert.deepEqual(log, ['aof-write', 'fsync-start']);
  // a read served while the fsync runs depends on nothing newer: it leaves with the batch
  c.flush();
  // b's pipelined next write: b now waits for the later fsync, with all its replies
  f.append();
  b.flush();
  // d writes, then reads: it waits for the next batch
  f.append();
  d.flush();
  await turn();
  assert.deepEqual(log, ['aof-write', 'fsync-start'], 'one fsync at a time, no reply before it completes');
  f.completeSync();
  assert.deepEqual(log.slice(2), ['fsync-done', 'a', 'c']);
  await turn();
  assert.deepEqual(log.slice(5), ['aof-write', 'fsync-start'], 'the next batch syncs at the end of the turn');
  // a closing client cannot wait: the write and an fsync on the loop cover everything first
  f.append();
  barrier.writeNow();
  assert.deepEqual(log.slice(7), ['aof-write', 'fsync-sync']);
  f.completeSync();
  assert.deepEqual(log.slice(9), ['fsync-done', 'b', 'd']);
  // nothing unsynced and nothing running: replies leave at once
  const e = conn('e', barrier, log);
  e.flush();
  assert.deepEqual(log.slice(12), ['e']);
});

test('always: a failed fsync releases nothing', async () => {
  const log: string[] = [];
  const f = feed('always', log);
  const barrier = new ReplyBarrier(f);
  f.append();
  conn('a', barrier, log).flush();
  await turn();
  f.completeSync(false);
  await turn();
  assert.deepEqual(log, ['aof-write', 'fsync-start', 'fsync-failed']);
});
