/**
 * The tracking table on its own (server/tracking.ts), with a fake host: the counters INFO
 * reports, lazy id removal, Redis's id order, the limit's growing effort, BCAST batching
 * and NOLOOP, redirects and their breakage, the flush null in each protocol.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackingTable, tracksKeysOf, type TrackingHost } from '../../src/server/tracking.js';
import { Client } from '../../src/server/client.js';
import { ReplyWriter } from '../../src/protocol/reply-writer.js';
import type { Reply } from '../../src/protocol/reply.js';
import type { User } from '../../src/acl/user.js';

const user = { name: 'default', enabled: true, nopass: true } as unknown as User;
const none = { bcast: false, optin: false, optout: false, noloop: false };

class FakeHost implements TrackingHost {
  readonly byId = new Map<number, Client>();
  readonly sent: { to: number; bytes: string; afterReply: boolean }[] = [];
  cur: Client | null = null;
  exec = false;
  max = 0;
  endOfTurn: (() => void)[] = [];
  client(id: number, resp: 2 | 3 = 3): Client {
    const c = new Client(id, 'a:1', 'b:2', id, 0, user);
    c.resp = resp;
    this.byId.set(id, c);
    return c;
  }
  clientById(id: number): Client | undefined {
    return this.byId.get(id);
  }
  push(client: Client, r: Reply, afterReply: boolean): void {
    const w = new ReplyWriter();
    w.write(r, client.resp);
    this.sent.push({ to: client.id, bytes: w.take().toString('latin1'), afterReply });
  }
  current(): Client | null {
    return this.cur;
  }
  executing(): boolean {
    return this.exec;
  }
  clients(): Iterable<Client> {
    return this.byId.values();
  }
  maxKeys(): number {
    return this.max;
  }
  atEndOfTurn(f: () => void): void {
    this.endOfTurn.push(f);
  }
  take(): string[] {
    const out = this.sent.map((s) => `${s.to}:${s.bytes}`);
    this.sent.length = 0;
    return out;
  }
}

const inv = (...keys: string[]) => `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`;

test('counters: keys, items, clients, prefixes; ids stay until their key is invalidated', () => {
  const h = new FakeHost();
  const t = new TrackingTable(h);
  const a = h.client(1);
  const b = h.client(2);
  t.enable(a, 0, none, []);
  t.enable(b, 0, none, []);
  t.rememberKeys(a, ['k1', 'k2']);
  t.rememberKeys(b, ['k2', 'k2']);
  assert.deepEqual([t.clientCount, t.totalKeys, t.totalItems, t.totalPrefixes], [2, 2, 3, 0]);
  t.disable(a);
  // lazily kept: a's ids are still counted, but a gets nothing
  assert.deepEqual([t.clientCount, t.totalKeys, t.totalItems], [1, 2, 3]);
  t.invalidateKey('k2', null, true);
  assert.deepEqual(h.take(), [`2:${inv('k2')}`]);
  assert.deepEqual([t.totalKeys, t.totalItems], [1, 1]);
  // OPTIN without CACHING, BCAST: nothing remembered
  t.enable(a, 0, { ...none, optin: true }, []);
  t.rememberKeys(a, ['x']);
  assert.equal(t.totalItems, 1);
  a.tracking!.caching = true;
  t.rememberKeys(a, ['x']);
  assert.equal(t.totalItems, 2);
  assert.equal(tracksKeysOf({ name: 'get', flags: ['readonly', 'fast'] }), true);
  assert.equal(tracksKeysOf({ name: 'set', flags: ['write'] }), false);
  assert.equal(tracksKeysOf({ name: 'eval_ro', flags: ['readonly', 'noscript'] }), false);
});

test("ids are served in Redis's order: by the id's bytes, lowest first", () => {
  const h = new FakeHost();
  const t = new TrackingTable(h);
  for (const id of [257, 2, 256, 1]) {
    const c = h.client(id);
    t.enable(c, 0, none, []);
    t.rememberKeys(c, ['k']);
  }
  t.invalidateKey('k', null, true);
  assert.deepEqual(
    h.take().map((s) => Number(s.split(':')[0])),
    [256, 1, 257, 2],
  );
});

test('the running client: held while executing, sent at once before it executes; NOLOOP skips itself', () => {
  const h = new FakeHost();
  const t = new TrackingTable(h);
  const a = h.client(1);
  t.enable(a, 0, none, []);
  t.rememberKeys(a, ['k']);
  h.cur = a;
  h.exec = true;
  t.invalidateKey('k', a, true);
  assert.deepEqual(h.take(), []);
  t.afterRequest();
  assert.deepEqual(h.sent.map((s) => s.afterReply), [true]);
  h.take();
  t.rememberKeys(a, ['k']);
  h.exec = false;
  t.invalidateKey('k', null, false);
  assert.deepEqual(h.sent.map((s) => s.afterReply), [false]);
  h.take();
  t.enable(a, 0, { ...none, noloop: true }, []);
  t.rememberKeys(a, ['k']);
  h.exec = true;
  t.invalidateKey('k', a, true);
  t.afterRequest();
  assert.deepEqual(h.take(), []);
  assert.equal(t.totalKeys, 0, 'the key leaves the table all the same');
});

test('tracking-table-max-keys: 100 keys on the first pass over, 200 on the next, each invalidated', () => {
  const h = new FakeHost();
  const t = new TrackingTable(h);
  const a = h.client(1);
  t.enable(a, 0, none, []);
  t.rememberKeys(a, Array.from({ length: 1000 }, (_, i) => `k${i}`));
  h.max = 10;
  t.enforceLimit();
  assert.equal(t.totalKeys, 900);
  t.enforceLimit();
  assert.equal(t.totalKeys, 700);
  t.enforceLimit();
  assert.equal(t.totalKeys, 400);
  t.enforceLimit();
  assert.equal(t.totalKeys, 10);
  const sent = h.take();
  assert.equal(sent.length, 990);
  assert.equal(sent[0], `1:${inv('k0')}`);
  h.max = 0;
  t.rememberKeys(a, Array.from({ length: 50 }, (_, i) => `n${i}`));
  t.enforceLimit();
  assert.equal(t.totalKeys, 60, '0 = no limit');
});

test('BCAST: keys per prefix collected in a turn, sent sorted, once; NOLOOP leaves out its own', () => {
  const h = new FakeHost();
  const t = new TrackingTable(h);
  const a = h.client(1);
  const b = h.client(2);
  t.enable(a, 0, { ...none, bcast: true }, ['u:', 'i:']);
  t.enable(b, 0, { ...none, bcast: true, noloop: true }, []);
  assert.deepEqual(a.tracking!.prefixes, ['i:', 'u:']);
  assert.deepEqual(b.tracking!.prefixes, ['']);
  assert.equal(t.totalPrefixes, 3);
  assert.deepEqual(t.prefixOverlap(a, ['u:1']), { prefix: 'u:1', other: 'u:', existing: true });
  assert.deepEqual(t.prefixOverlap(b, ['x', 'xy']), { prefix: 'x', other: '', existing: true });
  assert.deepEqual(t.prefixOverlap(h.client(3), ['x', 'y', 'xy']), { prefix: 'x', other: 'xy', existing: false });
  assert.equal(t.prefixOverlap(h.client(4), ['ab', 'ac']), null);
  t.invalidateKey('u:2', b, true);
  t.invalidateKey('u:1', null, true);
  t.invalidateKey('u:2', b, true);
  t.invalidateKey('i:9', null, true);
  t.invalidateKey('other', b, true);
  assert.equal(h.endOfTurn.length, 1, 'one broadcast per turn');
  assert.deepEqual(h.take(), []);
  h.endOfTurn.pop()!();
  assert.deepEqual(h.take().sort(), [`1:${inv('i:9')}`, `1:${inv('u:1', 'u:2')}`, `2:${inv('i:9', 'u:1')}`].sort());
  t.disable(a);
  assert.equal(t.totalPrefixes, 1);
});

test('redirects: RESP3 push, RESP2 Pub/Sub message or nothing; a missing target breaks the redirect', () => {
  const h = new FakeHost();
  const t = new TrackingTable(h);
  const a = h.client(1, 2);
  const r2 = h.client(2, 2);
  t.enable(a, 2, none, []);
  t.rememberKeys(a, ['k']);
  t.invalidateKey('k', null, true);
  assert.deepEqual(h.take(), [], 'a RESP2 target outside Pub/Sub gets nothing');
  r2.subscriptionCount = () => 1;
  t.rememberKeys(a, ['k']);
  t.invalidateKey('k', null, true);
  assert.deepEqual(h.take(), ['2:*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n']);
  // the flush null is in the tracking client's protocol (RESP2 here), whatever the target's
  t.flush(() => {});
  assert.deepEqual(h.take(), ['2:*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n']);
  h.byId.delete(2);
  a.resp = 3;
  t.rememberKeys(a, ['k']);
  t.invalidateKey('k', null, true);
  assert.deepEqual(h.take(), ['1:>2\r\n$21\r\ntracking-redir-broken\r\n:2\r\n']);
  assert.equal(a.tracking!.brokenRedirect, true);
  // keys changed while a flush empties the databases get no message of their own
  t.rememberKeys(a, ['j']);
  t.enable(a, 0, none, []);
  t.flush(() => t.invalidateKey('j', null, true));
  assert.deepEqual(h.take(), [`1:>2\r\n$10\r\ninvalidate\r\n_\r\n`]);
  assert.equal(t.totalKeys, 0);
});
