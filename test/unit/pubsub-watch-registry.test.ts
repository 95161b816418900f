import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PubSubRegistry, type PubSubTarget } from '../../src/server/pubsub.js';
import { WatchRegistry } from '../../src/server/watch.js';
import { Client } from '../../src/server/client.js';
import { Kind, type Reply } from '../../src/protocol/reply.js';
import type { Database } from '../../src/keyspace/database.js';
import { globMatch } from '../../src/keyspace/glob.js';
import { User } from '../../src/acl/user.js';
import { CommandTable } from '../../src/command-context/command-table.js';

/** An unrestricted user (the registries do not look at it) */
const USER = User.create('default', { table: new CommandTable([]), pubsubDefault: 'resetchannels' });
USER.enabled = true;
USER.nopass = true;

function target(id: number): PubSubTarget & { got: string[] } {
  const client = new Client(id, `127.0.0.1:${id}`, '127.0.0.1:6379', id, 0, USER);
  const got: string[] = [];
  return {
    client,
    got,
    push(r: Reply) {
      assert.equal(r.k, Kind.Push);
      got.push(
        (r as { items: readonly Reply[] }).items
          .map((x) => (x.k === Kind.Bulk ? x.s : '?'))
          .join(' '),
      );
    },
  };
}

const CHANNELS = ['a', 'b', 'ab', 'ba', ''];
const PATTERNS = ['a*', '*', '?', 'b?', '[ab]'];

test('property: delivery counts and CLIENT LIST counts follow a simple model of subscriptions', () => {
  const op = fc.oneof(
    fc.tuple(fc.constant('sub' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...CHANNELS)),
    fc.tuple(fc.constant('unsub' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...CHANNELS)),
    fc.tuple(fc.constant('psub' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...PATTERNS)),
    fc.tuple(fc.constant('punsub' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...PATTERNS)),
    fc.tuple(fc.constant('ssub' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...CHANNELS)),
    fc.tuple(fc.constant('gone' as const), fc.integer({ min: 0, max: 2 }), fc.constant('')),
    fc.tuple(fc.constant('publish' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...CHANNELS)),
    fc.tuple(fc.constant('spublish' as const), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...CHANNELS)),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const reg = new PubSubRegistry();
      const ts = [target(1), target(2), target(3)];
      const model = ts.map(() => ({ ch: new Set<string>(), pat: new Set<string>(), sh: new Set<string>() }));
      for (const [kind, who, name] of ops) {
        const t = ts[who]!;
        const m = model[who]!;
        if (kind === 'sub') {
          assert.equal(reg.subscribe(t, 'channel', name), !m.ch.has(name));
          m.ch.add(name);
        }
        else if (kind === 'unsub') assert.equal(reg.unsubscribe(t.client, 'channel', name), m.ch.delete(name));
        else if (kind === 'psub') {
          assert.equal(reg.subscribe(t, 'pattern', name), !m.pat.has(name));
          m.pat.add(name);
        }
        else if (kind === 'punsub') assert.equal(reg.unsubscribe(t.client, 'pattern', name), m.pat.delete(name));
        else if (kind === 'ssub') {
          assert.equal(reg.subscribe(t, 'shard', name), !m.sh.has(name));
          m.sh.add(name);
        }
        else if (kind === 'gone') {
          reg.clientGone(t.client);
          m.ch.clear();
          m.pat.clear();
          m.sh.clear();
        } else if (kind === 'publish') {
          const before = ts.map((x) => x.got.length);
          let expected = 0;
          for (const mm of model) {
            if (mm.ch.has(name)) expected++;
            for (const p of mm.pat) if (globMatch(p, name)) expected++;
          }
          assert.equal(reg.publish(name, 'msg'), expected);
          ts.forEach((x, i) => {
            const mm = model[i]!;
            const mine = (mm.ch.has(name) ? 1 : 0) + [...mm.pat].filter((p) => globMatch(p, name)).length;
            assert.equal(x.got.length - before[i]!, mine);
            // a client's channel message comes before its pattern messages
            if (mm.ch.has(name)) assert.equal(x.got[before[i]!], `message ${name} msg`);
          });
        } else {
          assert.equal(reg.spublish(name, 'm'), model.filter((mm) => mm.sh.has(name)).length);
        }
        ts.forEach((x, i) => {
          const mm = model[i]!;
          assert.equal(x.client.subscriptionCount(), mm.ch.size);
          assert.equal(x.client.patternSubscriptionCount(), mm.pat.size);
          assert.equal(x.client.shardSubscriptionCount(), mm.sh.size);
          assert.equal(reg.countFor(x.client, 'channel'), mm.ch.size + mm.pat.size);
          assert.equal(reg.countFor(x.client, 'shard'), mm.sh.size);
        });
        const allCh = new Set(model.flatMap((mm) => [...mm.ch]));
        const allPat = new Set(model.flatMap((mm) => [...mm.pat]));
        const allSh = new Set(model.flatMap((mm) => [...mm.sh]));
        assert.equal(reg.channelCount, allCh.size);
        assert.equal(reg.patternCount, allPat.size);
        assert.equal(reg.shardChannelCount, allSh.size);
        assert.deepEqual(reg.activeChannels(false, null).sort(), [...allCh].sort());
        for (const c of CHANNELS) assert.equal(reg.subscriberCount(false, c), model.filter((mm) => mm.ch.has(c)).length);
      }
    }),
  );
});

/** A stand-in database: index plus the stored keys. */
function db(index: number, keys: string[] = []): Database & { keys: Set<string> } {
  const set = new Set(keys);
  return { index, keys: set, stores: (k: string) => set.has(k) } as unknown as Database & { keys: Set<string> };
}

test('watch: a touch dirties every watcher of that key in that database and unwatches them', () => {
  const reg = new WatchRegistry();
  const [a, b, c] = [1, 2, 3].map((i) => new Client(i, 'x:1', 'y:1', i, 0, USER));
  const d0 = db(0, ['k']);
  const d1 = db(1);
  reg.watch(a!, d0, 'k', false);
  reg.watch(a!, d0, 'k', false);
  reg.watch(a!, d0, 'j', false);
  reg.watch(b!, d0, 'k', false);
  reg.watch(c!, d1, 'k', false);
  assert.equal(reg.countFor(a!), 2);
  reg.touched(d0, 'k', true);
  assert.deepEqual([a!.watchDirty, b!.watchDirty, c!.watchDirty], [true, true, false]);
  assert.equal(reg.countFor(a!), 0);
  assert.equal(reg.countFor(c!), 1);
  reg.unwatchAll(c!);
  assert.equal(reg.watching, false);
});

test('watch: a key already expired at WATCH is not a change when deleted, and stops the touch when stored', () => {
  const reg = new WatchRegistry();
  const [a, b] = [1, 2].map((i) => new Client(i, 'x:1', 'y:1', i, 0, USER));
  const d0 = db(0, ['k']);
  reg.watch(a!, d0, 'k', true);
  reg.watch(b!, d0, 'k', false);
  // stored and touched: Redis leaves the loop at the expired watch (b is after it)
  reg.touched(d0, 'k', true);
  assert.deepEqual([a!.watchDirty, b!.watchDirty], [false, false]);
  // deleted: a's watch becomes a plain one on a missing key; b is dirtied
  reg.touched(d0, 'k', false);
  assert.deepEqual([a!.watchDirty, b!.watchDirty], [false, true]);
  reg.touched(d0, 'k', true);
  assert.equal(a!.watchDirty, true);
  // EXEC's expiry check skips watches that were expired already
  const c = new Client(3, 'x:1', 'y:1', 3, 0, USER);
  reg.watch(c, d0, 'e', true);
  reg.watch(c, d0, 'f', false);
  assert.equal(
    reg.anyExpiredSinceWatch(c, (_db, k) => k === 'e'),
    false,
  );
  assert.equal(
    reg.anyExpiredSinceWatch(c, (_db, k) => k === 'f'),
    true,
  );
});

test('watch: flush and swap invalidate only where the visible key changes', () => {
  const reg = new WatchRegistry();
  const cs = [1, 2, 3, 4].map((i) => new Client(i, 'x:1', 'y:1', i, 0, USER));
  const d0 = db(0, ['present']);
  const d1 = db(1, ['incoming', 'expiredThere']);
  reg.watch(cs[0]!, d0, 'present', false);
  reg.watch(cs[1]!, d0, 'missing', false);
  reg.watch(cs[2]!, d0, 'incoming', false);
  reg.watch(cs[3]!, d0, 'expiredThere', false);
  const expired = (d: Database, k: string) => d.index === 1 && k === 'expiredThere';
  reg.touchAllInDb(d0, d1, (d, k) => (d as unknown as { keys: Set<string> }).keys.has(k), expired);
  assert.deepEqual(
    cs.map((c) => c.watchDirty),
    [true, false, true, false],
  );
});
