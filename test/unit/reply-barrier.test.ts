import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyBarrier, type BufferedFeed } from '../../src/persistence/reply-barrier.js';

/** A feed whose buffer holds `buffered` bytes until flush() writes them; records the order of events. */
function feed(policy: string, log: string[]): BufferedFeed & { buffered: number } {
  const f = {
    buffered: 0,
    writer: {
      get bufferLength(): number {
        return f.buffered;
      },
      fsyncPolicyInUse: policy,
    },
    flush(): void {
      if (f.buffered > 0) log.push('aof-write');
      f.buffered = 0;
    },
  };
  return f;
}

/** A connection as the barrier sees it: it holds while the feed is pending, else writes. */
function conn(name: string, barrier: ReplyBarrier, log: string[]): { flush(): void } {
  const c = {
    flush(): void {
      if (barrier.pending()) barrier.hold(c);
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
      f.buffered += 10; // the command's propagation
      conn(`c${i}`, barrier, log).flush();
    }
    const early = [...log];
    await turn();
    if (policy === 'everysec') {
      assert.deepEqual(early, ['aof-write', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
      assert.deepEqual(log.slice(early.length), ['aof-write', 'c8', 'c9']);
    } else {
      // one write (one fsync) for the whole turn, before any reply
      assert.deepEqual(early, []);
      assert.deepEqual(log, ['aof-write', ...Array.from({ length: 10 }, (_, i) => `c${i}`)]);
    }
  }
});

test('a write that fails leaves the replies held until a later turn, without recursing', async () => {
  const log: string[] = [];
  const f = feed('everysec', log);
  f.flush = () => log.push('aof-write-failed'); // the buffer stays full
  const barrier = new ReplyBarrier(f);
  f.buffered = 10;
  for (let i = 0; i < 8; i++) conn(`c${i}`, barrier, log).flush();
  assert.deepEqual(log, ['aof-write-failed'], 'one attempt, no reply');
  f.flush = function (): void {
    if (f.buffered > 0) log.push('aof-write');
    f.buffered = 0;
  };
  await turn();
  assert.deepEqual(log.slice(1), ['aof-write', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
});
