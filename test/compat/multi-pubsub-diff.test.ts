/**
 * Differential test for transactions, pub/sub and keyspace notifications: the same steps
 * go to a real redis-server (Debian 7.0.15) and to Redoubt over several connections, and
 * everything each connection receives (replies, pushed messages, their order) is compared
 * byte for byte.
 *
 * A step is (connection, argv). The harness reads as many replies as the command makes
 * (one per channel for the (un)subscribe family), setting pushed messages aside without
 * counting them; at the end of a case every connection sends PING, so messages still in
 * flight are received before the comparison.
 *
 * Left out, as known 7.0 → 7.2 differences: a client publishing to a channel it is itself
 * subscribed to (7.2 delivers the message after the command's reply, 7.0 before or inside
 * an EXEC array; see test/integration/pubsub.test.ts), and SUBSCRIBE of several channels
 * inside MULTI (a broken reply count in both). WATCH and key expiry are time-dependent
 * and are tested with a manual clock in test/integration/transactions.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

type Step = [number, string[]];
type Case = Step[];

/** Connections per side. */
const CONNS = 3;

/** A parsed RESP value, enough to classify replies. */
interface Node {
  t: string;
  s?: string;
  items?: Node[];
}

function parse(s: string, pos = 0): [Node, number] {
  const t = s[pos]!;
  const eol = s.indexOf('\r\n', pos);
  const head = s.slice(pos + 1, eol);
  let end = eol + 2;
  if (t === '$' || t === '=' || t === '!') {
    const n = Number(head);
    if (n < 0) return [{ t }, end];
    const body = s.slice(end, end + n);
    return [{ t, s: body }, end + n + 2];
  }
  if (t === '*' || t === '%' || t === '~' || t === '>') {
    const n = Number(head);
    if (n < 0) return [{ t }, end];
    const items: Node[] = [];
    for (let i = 0; i < (t === '%' ? n * 2 : n); i++) {
      const [c, e] = parse(s, end);
      items.push(c);
      end = e;
    }
    return [{ t, items }, end];
  }
  return [{ t, s: head }, end];
}

const MESSAGE_WORDS = new Set(['message', 'pmessage', 'smessage']);
const SUB_WORDS = new Set(['subscribe', 'psubscribe', 'ssubscribe']);
const UNSUB_WORDS = new Set(['unsubscribe', 'punsubscribe', 'sunsubscribe']);

function isMessage(n: Node): boolean {
  return (n.t === '*' || n.t === '>') && n.items !== undefined && n.items.length >= 3 && MESSAGE_WORDS.has(n.items[0]!.s ?? '');
}

/** What the harness knows about one connection (taken from the oracle's answers). */
class ConnState {
  inMulti = false;
  readonly subs = { subscribe: new Set<string>(), psubscribe: new Set<string>(), ssubscribe: new Set<string>() };

  /** Replies the command will produce (excluding pushed messages). */
  expected(argv: string[]): number {
    const cmd = argv[0]!.toLowerCase();
    if (this.inMulti && !['exec', 'discard', 'multi', 'watch', 'quit', 'reset'].includes(cmd)) return 1;
    if (SUB_WORDS.has(cmd)) return Math.max(1, argv.length - 1);
    if (UNSUB_WORDS.has(cmd)) {
      if (argv.length > 1) return argv.length - 1;
      const kind = cmd === 'unsubscribe' ? 'subscribe' : cmd === 'punsubscribe' ? 'psubscribe' : 'ssubscribe';
      return Math.max(1, this.subs[kind].size);
    }
    return 1;
  }

  /** Follows MULTI state and subscriptions from one reply to `argv`. */
  observe(argv: string[], n: Node): void {
    const cmd = argv[0]!.toLowerCase();
    if (cmd === 'multi' && n.t === '+') this.inMulti = true;
    // EXEC always ends a transaction (even a rejected one); DISCARD when it succeeds
    else if (cmd === 'exec' || cmd === 'reset' || (cmd === 'discard' && n.t === '+')) this.inMulti = false;
    if (cmd === 'reset') {
      for (const s of Object.values(this.subs)) s.clear();
    }
    this.track(n);
  }

  private track(n: Node): void {
    if (n.items === undefined) return;
    const w = n.items[0]?.s;
    if (n.items.length === 3 && w !== undefined && (SUB_WORDS.has(w) || UNSUB_WORDS.has(w)) && n.items[2]!.t === ':') {
      const name = n.items[1]!.s;
      if (name === undefined) return;
      if (SUB_WORDS.has(w)) this.subs[w as keyof ConnState['subs']].add(name);
      else this.subs[w.replace('un', '') as keyof ConnState['subs']].delete(name);
      return;
    }
    for (const c of n.items) this.track(c);
  }
}

/** One side (oracle or Redoubt): its connections and everything they received. */
class Side {
  readonly logs: string[][] = [];
  constructor(readonly conns: RawClient[]) {
    for (let i = 0; i < conns.length; i++) this.logs.push([]);
  }

  /** Sends argv and reads `count` replies, logging pushed messages on the way. */
  async run(i: number, argv: string[], count: number): Promise<Node[]> {
    const c = this.conns[i]!;
    c.write(RawClient.encode(argv));
    const out: Node[] = [];
    while (out.length < count) {
      let raw: string;
      try {
        raw = await c.readReply(3000);
      } catch (e) {
        throw new Error(`connection ${i}: ${argv.map((a) => JSON.stringify(a)).join(' ')}: ${out.length} of ${count} replies, then ${(e as Error).message}`);
      }
      this.logs[i]!.push(raw);
      const [n] = parse(raw);
      if (!isMessage(n)) out.push(n);
    }
    return out;
  }

  takeLogs(): string[] {
    const out = this.logs.map((l) => l.join(''));
    for (const l of this.logs) l.length = 0;
    return out;
  }
}

function bind(seq: Case, prefix: string): Case {
  const sub = (a: string) => a.replace(/K:/g, prefix);
  return seq.map(([c, argv]) => [c, argv.map(sub)]);
}

function show(s: string): string {
  return JSON.stringify(s.length > 1500 ? s.slice(0, 1500) + '…' : s);
}

const M = (...argv: string[]): Step => [0, argv];
const O = (...argv: string[]): Step => [1, argv];
const T = (...argv: string[]): Step => [2, argv];

const TX_CASES: Case[] = [
  // basics: queued replies, results array, runtime errors inside EXEC do not abort
  [M('MULTI'), M('SET', 'K:a', '1'), M('INCR', 'K:a'), M('GET', 'K:a'), M('EXEC'), M('GET', 'K:a')],
  [M('MULTI'), M('SET', 'K:a', 'x'), M('INCR', 'K:a'), M('HSET', 'K:a', 'f', 'v'), M('APPEND', 'K:a', 'y'), M('EXEC'), M('GET', 'K:a')],
  [M('MULTI'), M('EXEC')],
  [M('EXEC'), M('DISCARD'), M('MULTI'), M('MULTI'), M('PING'), M('EXEC')],
  // queue-time errors: EXECABORT, and the transaction is gone afterwards
  [M('MULTI'), M('SET', 'K:a'), M('SET', 'K:a', '1'), M('EXEC'), M('EXEC'), M('GET', 'K:a')],
  [M('MULTI'), M('NOSUCHCOMMAND', 'x'), M('SET', 'K:a', '1'), M('EXEC'), M('EXISTS', 'K:a')],
  [M('MULTI'), M('CONFIG', 'NOSUCH'), M('EXEC')],
  [M('MULTI'), M('SHUTDOWN'), M('EXEC')],
  [M('MULTI'), M('WATCH', 'K:a'), M('SET', 'K:a', '1'), M('EXEC')],
  [M('MULTI'), M('WATCH'), M('EXEC')],
  // a rejected EXEC aborts the transaction, even without one
  [M('EXEC', 'x'), M('MULTI'), M('SET', 'K:a', '1'), M('EXEC', 'x'), M('EXEC'), M('EXISTS', 'K:a')],
  [M('DISCARD', 'x'), M('MULTI'), M('DISCARD', 'x'), M('DISCARD'), M('DISCARD')],
  [M('MULTI'), M('SET', 'K:a', '1'), M('DISCARD'), M('EXISTS', 'K:a'), M('EXEC')],
  // RESET and SELECT inside
  [M('MULTI'), M('SET', 'K:a', '1'), M('RESET'), M('EXEC'), M('EXISTS', 'K:a')],
  [M('CLIENT', 'SETNAME', 'n'), M('MULTI'), M('RESET'), M('CLIENT', 'GETNAME')],
  [M('MULTI'), M('SELECT', '1'), M('SET', 'K:a', '1'), M('EXEC'), M('GET', 'K:a'), M('SELECT', '0'), M('EXISTS', 'K:a'), M('SELECT', '1'), M('DEL', 'K:a'), M('SELECT', '0')],
  // WATCH: writes by another connection, by the connection itself, deletes, no-ops
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('SET', 'K:a', '2'), M('MULTI'), M('GET', 'K:a'), M('EXEC'), M('GET', 'K:a')],
  [M('WATCH', 'K:a'), O('SET', 'K:a', '2'), M('MULTI'), M('GET', 'K:a'), M('EXEC')],
  [M('WATCH', 'K:a'), O('DEL', 'K:a'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('DEL', 'K:a'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), M('SET', 'K:a', '1'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('GET', 'K:a'), O('EXISTS', 'K:a'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('EXPIRE', 'K:a', '100'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('PERSIST', 'K:a'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('EXPIRE', 'K:a', '-1'), M('MULTI'), M('PING'), M('EXEC')],
  [M('HSET', 'K:h', 'f', '1'), M('WATCH', 'K:h'), O('HINCRBY', 'K:h', 'f', '1'), M('MULTI'), M('PING'), M('EXEC')],
  [M('HSET', 'K:h', 'f', '1'), M('WATCH', 'K:h'), O('HDEL', 'K:h', 'nope'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('RENAME', 'K:a', 'K:b'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:b'), O('RENAME', 'K:a', 'K:b'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:b'), O('COPY', 'K:a', 'K:b'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('MOVE', 'K:a', '1'), M('MULTI'), M('PING'), M('EXEC'), O('SELECT', '1'), O('DEL', 'K:a'), O('SELECT', '0')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('SETRANGE', 'K:a', '0', ''), O('APPEND', 'K:a', ''), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('SETBIT', 'K:a', '0', '0'), M('MULTI'), M('PING'), M('EXEC')],
  // several keys, watched twice, WATCH on a dirty connection, UNWATCH, DISCARD unwatches
  [M('WATCH', 'K:a', 'K:b', 'K:a'), M('WATCH', 'K:c'), O('SET', 'K:c', '1'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), O('SET', 'K:a', '1'), M('WATCH', 'K:b'), M('UNWATCH'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), M('UNWATCH'), O('SET', 'K:a', '1'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), M('MULTI'), M('DISCARD'), O('SET', 'K:a', '1'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), O('SET', 'K:a', '1'), M('MULTI'), M('SET', 'K:a'), M('EXEC'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), O('SET', 'K:a', '1'), M('RESET'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), M('MULTI'), O('SET', 'K:a', '1'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), M('MULTI'), M('SET', 'K:a', '1'), M('EXEC'), M('MULTI'), O('SET', 'K:a', '2'), M('GET', 'K:a'), M('EXEC')],
  // a watch is per database
  [M('WATCH', 'K:a'), O('SELECT', '1'), O('SET', 'K:a', '1'), O('DEL', 'K:a'), O('SELECT', '0'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SELECT', '1'), M('WATCH', 'K:a'), M('SELECT', '0'), O('SET', 'K:a', '1'), M('MULTI'), M('PING'), M('EXEC'), M('SELECT', '1'), M('WATCH', 'K:a'), O('SELECT', '1'), O('SET', 'K:a', '1'), O('DEL', 'K:a'), O('SELECT', '0'), M('MULTI'), M('EXEC'), M('SELECT', '0')],
  // FLUSHDB / FLUSHALL only invalidate keys that existed; SWAPDB where the visible key changes
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('FLUSHDB'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), O('SET', 'K:z', '1'), O('FLUSHDB'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('FLUSHALL'), M('MULTI'), M('PING'), M('EXEC')],
  [M('WATCH', 'K:a'), O('FLUSHALL'), M('MULTI'), M('PING'), M('EXEC')],
  [M('SET', 'K:a', '1'), M('SELECT', '1'), M('WATCH', 'K:a'), O('FLUSHDB'), M('MULTI'), M('PING'), M('EXEC'), M('SELECT', '0')],
  [M('WATCH', 'K:a'), O('SELECT', '1'), O('SET', 'K:a', '1'), O('SWAPDB', '0', '1'), O('SELECT', '0'), M('MULTI'), M('GET', 'K:a'), M('EXEC'), O('FLUSHALL')],
  [M('WATCH', 'K:a'), O('SELECT', '1'), O('SET', 'K:b', '1'), O('SWAPDB', '0', '1'), O('SELECT', '0'), M('MULTI'), M('GET', 'K:a'), M('EXEC'), O('FLUSHALL')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('SWAPDB', '0', '1'), M('MULTI'), M('GET', 'K:a'), M('EXEC'), O('FLUSHALL')],
  [M('SET', 'K:a', '1'), M('WATCH', 'K:a'), O('SWAPDB', '2', '1'), O('SWAPDB', '0', '0'), M('MULTI'), M('GET', 'K:a'), M('EXEC')],
  // two watchers of one key, one of them done already
  [M('WATCH', 'K:a'), T('WATCH', 'K:a'), M('MULTI'), M('SET', 'K:a', '1'), M('EXEC'), T('MULTI'), T('GET', 'K:a'), T('EXEC')],
  // pub/sub commands inside a transaction
  [M('MULTI'), M('SUBSCRIBE', 'K:c'), M('PING'), M('EXEC'), M('PING'), M('GET', 'x'), M('UNSUBSCRIBE'), M('PING')],
  [M('MULTI'), M('SSUBSCRIBE', 'K:c'), M('PUBSUB', 'NUMSUB', 'K:c'), M('EXEC'), M('PING')],
  [M('MULTI'), M('PUBLISH', 'K:c', 'm'), M('PSUBSCRIBE', 'K:*'), M('UNSUBSCRIBE'), M('EXEC'), O('PUBLISH', 'K:c', 'x'), M('PUNSUBSCRIBE'), M('PING')],
  [M('SUBSCRIBE', 'K:c'), M('MULTI'), M('EXEC'), M('UNSUBSCRIBE', 'K:c'), M('MULTI'), M('EXEC')],
];

const PUBSUB_CASES: Case[] = [
  // confirmations and counts
  [M('SUBSCRIBE', 'K:a', 'K:b', 'K:a'), M('PSUBSCRIBE', 'K:*', 'K:?'), M('SSUBSCRIBE', 'K:s1', 'K:s2'), M('UNSUBSCRIBE', 'K:b', 'K:x'), M('PUNSUBSCRIBE', 'K:?'), M('SUNSUBSCRIBE', 'K:s1'), M('UNSUBSCRIBE', 'K:a'), M('PUNSUBSCRIBE', 'K:*'), M('SUNSUBSCRIBE', 'K:s2'), M('PING')],
  [M('UNSUBSCRIBE'), M('PUNSUBSCRIBE'), M('SUNSUBSCRIBE'), M('UNSUBSCRIBE', 'K:x'), M('PUNSUBSCRIBE', 'K:x'), M('SUNSUBSCRIBE', 'K:x')],
  [M('SUBSCRIBE', 'K:a'), M('UNSUBSCRIBE'), M('PSUBSCRIBE', 'K:p'), M('PUNSUBSCRIBE'), M('SSUBSCRIBE', 'K:s'), M('SUNSUBSCRIBE'), M('GET', 'K:a')],
  [M('SSUBSCRIBE', 'K:s'), M('UNSUBSCRIBE'), M('PUNSUBSCRIBE'), M('SUBSCRIBE', 'K:c'), M('SUNSUBSCRIBE'), M('UNSUBSCRIBE')],
  // the RESP2 subscribed-mode restriction, PING's reply shape, QUIT/RESET allowed
  [M('SUBSCRIBE', 'K:a'), M('GET', 'K:a'), M('SET', 'K:a', '1'), M('MULTI'), M('PUBLISH', 'K:other', 'x'), M('CLIENT', 'GETNAME'), M('CONFIG', 'GET', 'x'), M('PUBSUB', 'NUMPAT'), M('PING'), M('PING', 'hi'), M('PING', 'a', 'b'), M('NOSUCH'), M('EXEC'), M('RESET'), M('GET', 'K:a')],
  [M('PSUBSCRIBE', 'K:*'), M('ECHO', 'x'), M('SELECT', '0'), M('PUNSUBSCRIBE'), M('ECHO', 'x')],
  [M('SSUBSCRIBE', 'K:s'), M('GET', 'x'), O('SPUBLISH', 'K:s', 'y'), M('SUNSUBSCRIBE'), M('GET', 'x')],
  // delivery: channel, patterns, shard channels, counts, ordering across connections
  [M('SUBSCRIBE', 'K:a'), T('PSUBSCRIBE', 'K:*'), O('PUBLISH', 'K:a', 'hello'), O('PUBLISH', 'K:b', 'x'), O('PUBLISH', 'nomatch', 'x'), O('SPUBLISH', 'K:a', 'x'), M('PING'), T('PING')],
  // (several patterns of one client matching one channel arrive in hash-table order in Redis: one per client here)
  [M('SUBSCRIBE', 'K:a'), M('PSUBSCRIBE', 'K:?'), T('PSUBSCRIBE', 'K:a'), O('PUBLISH', 'K:a', 'one'), O('PUBLISH', 'K:b', 'two'), M('UNSUBSCRIBE', 'K:a'), O('PUBLISH', 'K:a', 'three'), M('PUNSUBSCRIBE', 'K:a', 'K:?'), O('PUBLISH', 'K:a', 'four'), T('PUNSUBSCRIBE', 'K:a'), O('PUBLISH', 'K:a', 'five')],
  [M('SSUBSCRIBE', 'K:s'), T('SSUBSCRIBE', 'K:s'), O('SPUBLISH', 'K:s', 'hi'), O('PUBLISH', 'K:s', 'no'), T('SUNSUBSCRIBE', 'K:s'), O('SPUBLISH', 'K:s', 'again')],
  [M('SUBSCRIBE', 'K:\x00\xff\r\n'), O('PUBLISH', 'K:\x00\xff\r\n', '\x00\x80\r\n'), O('PUBLISH', 'K:\x00\xff\r\n', ''), M('PSUBSCRIBE', 'K:[\x00-\x01]*'), O('PUBLISH', 'K:\x00\xff\r\n', 'y')],
  [M('PSUBSCRIBE', 'K:h[ae]llo', 'K:\\*', 'K:[^x]?'), O('PUBLISH', 'K:hello', '1'), O('PUBLISH', 'K:hallo', '2'), O('PUBLISH', 'K:*', '3'), O('PUBLISH', 'K:ab', '4'), O('PUBLISH', 'K:xb', '5')],
  // PUBSUB introspection
  [M('SUBSCRIBE', 'K:a', 'K:b'), T('SUBSCRIBE', 'K:a'), T('PSUBSCRIBE', 'K:*', 'K:a'), M('PSUBSCRIBE', 'K:*'), O('PUBSUB', 'NUMSUB', 'K:a', 'K:b', 'K:c'), O('PUBSUB', 'NUMSUB'), O('PUBSUB', 'NUMPAT'), O('PUBSUB', 'CHANNELS', 'K:a'), O('PUBSUB', 'CHANNELS', 'K:[a]'), O('PUBSUB', 'CHANNELS', 'nomatch*'), O('PUBSUB', 'SHARDCHANNELS'), O('PUBSUB', 'SHARDNUMSUB', 'K:a')],
  [M('SSUBSCRIBE', 'K:s'), O('PUBSUB', 'SHARDCHANNELS', 'K:s'), O('PUBSUB', 'SHARDNUMSUB', 'K:s', 'K:t'), O('PUBSUB', 'CHANNELS', 'K:s'), O('PUBSUB', 'NUMSUB', 'K:s')],
  [O('PUBSUB', 'CHANNELS', 'a', 'b'), O('PUBSUB', 'SHARDCHANNELS', 'a', 'b'), O('PUBSUB', 'NUMPAT', 'x'), O('PUBSUB', 'FOO'), O('PUBSUB'), O('PUBSUB', 'HELP', 'x'), O('PUBLISH', 'x'), O('SUBSCRIBE'), O('PSUBSCRIBE'), O('SSUBSCRIBE'), O('SPUBLISH', 'x')],
  // RESET and disconnection-like cleanup
  [M('SUBSCRIBE', 'K:a'), M('PSUBSCRIBE', 'K:*'), M('RESET'), O('PUBLISH', 'K:a', 'x'), O('PUBSUB', 'NUMSUB', 'K:a'), M('GET', 'K:a')],
];

/** Keyspace notification cases: connection 0 listens, 1 writes. */
const EVENT_CASES: Case[] = [
  [O('SET', 'K:a', '1'), O('SET', 'K:a', '2', 'EX', '100'), O('SET', 'K:a', '3', 'KEEPTTL'), O('SET', 'K:a', '4', 'NX'), O('SET', 'K:b', '4', 'XX'), O('SET', 'K:a', '5', 'GET'), O('SETNX', 'K:a', 'x'), O('SETNX', 'K:c', 'x'), O('SETEX', 'K:d', '100', 'v'), O('PSETEX', 'K:e', '100000', 'v')],
  [O('MSET', 'K:a', '1', 'K:b', '2'), O('MSETNX', 'K:a', '1', 'K:c', '3'), O('MSETNX', 'K:c', '3', 'K:d', '4'), O('GETSET', 'K:a', 'x'), O('GETDEL', 'K:a'), O('GETDEL', 'K:a'), O('GETEX', 'K:b', 'EX', '100'), O('GETEX', 'K:b', 'PERSIST'), O('GETEX', 'K:b', 'PERSIST'), O('GETEX', 'K:b', 'PXAT', '1'), O('GETEX', 'K:c')],
  [O('APPEND', 'K:a', 'x'), O('APPEND', 'K:a', 'y'), O('SETRANGE', 'K:a', '5', 'z'), O('SETRANGE', 'K:a', '0', ''), O('SETRANGE', 'K:n', '0', ''), O('INCR', 'K:i'), O('DECR', 'K:i'), O('INCRBY', 'K:i', '5'), O('DECRBY', 'K:i', '2'), O('INCR', 'K:a'), O('INCRBYFLOAT', 'K:f', '1.5'), O('INCRBYFLOAT', 'K:a', '1')],
  [O('SETBIT', 'K:b', '7', '1'), O('SETBIT', 'K:b', '7', '1'), O('BITFIELD', 'K:f', 'SET', 'u8', '0', '255'), O('BITFIELD', 'K:f', 'GET', 'u8', '0'), O('BITFIELD', 'K:g', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '5'), O('BITOP', 'OR', 'K:o', 'K:b', 'K:f'), O('BITOP', 'AND', 'K:o', 'K:none'), O('BITOP', 'AND', 'K:o2', 'K:none')],
  [O('SET', 'K:a', '1'), O('DEL', 'K:a', 'K:nope'), O('SET', 'K:a', '1'), O('UNLINK', 'K:a'), O('SET', 'K:a', '1'), O('RENAME', 'K:a', 'K:b'), O('SET', 'K:a', '2'), O('RENAME', 'K:a', 'K:b'), O('RENAMENX', 'K:b', 'K:c'), O('SET', 'K:a', '1'), O('RENAMENX', 'K:a', 'K:c'), O('RENAME', 'K:c', 'K:c')],
  [O('SET', 'K:a', '1'), O('COPY', 'K:a', 'K:b'), O('COPY', 'K:a', 'K:b'), O('COPY', 'K:a', 'K:b', 'REPLACE'), O('COPY', 'K:a', 'K:z', 'DB', '1'), O('MOVE', 'K:a', '1'), O('SET', 'K:a', '1'), O('MOVE', 'K:a', '1'), O('SELECT', '1'), O('DEL', 'K:a', 'K:z'), O('SELECT', '0')],
  [O('SET', 'K:a', '1'), O('EXPIRE', 'K:a', '100'), O('PEXPIRE', 'K:a', '100000'), O('EXPIREAT', 'K:a', '99999999999'), O('PEXPIREAT', 'K:a', '99999999999999'), O('EXPIRE', 'K:a', '100', 'NX'), O('PERSIST', 'K:a'), O('PERSIST', 'K:a'), O('EXPIRE', 'K:a', '-5'), O('SET', 'K:a', '1'), O('PEXPIREAT', 'K:a', '1'), O('EXPIRE', 'K:none', '10')],
  [O('HSET', 'K:h', 'a', '1', 'b', '2'), O('HSET', 'K:h', 'a', '1'), O('HMSET', 'K:h', 'c', '3'), O('HSETNX', 'K:h', 'a', '1'), O('HSETNX', 'K:h', 'd', '1'), O('HINCRBY', 'K:h', 'n', '5'), O('HINCRBYFLOAT', 'K:h', 'x', '1.5'), O('HDEL', 'K:h', 'zz'), O('HDEL', 'K:h', 'a', 'b'), O('HDEL', 'K:h', 'c', 'd', 'n', 'x'), O('HGET', 'K:h', 'a'), O('HINCRBY', 'K:g', 'f', '1')],
  [O('SET', 'K:a', '1'), O('SELECT', '3'), O('SET', 'K:a', '1'), O('DEL', 'K:a'), O('SELECT', '0'), O('GET', 'K:missing'), O('MGET', 'K:m1', 'K:a'), O('EXISTS', 'K:m2'), O('HGET', 'K:m3', 'f'), O('STRLEN', 'K:m4'), O('TYPE', 'K:m5')],
  // events from a transaction arrive in command order
  [O('MULTI'), O('SET', 'K:a', '1'), O('INCR', 'K:a'), O('DEL', 'K:a'), O('HSET', 'K:h', 'f', 'v'), O('EXEC'), O('FLUSHDB'), O('SET', 'K:x', '1'), O('SWAPDB', '0', '1'), O('SWAPDB', '0', '1'), O('DEL', 'K:x')],
];

const NOTIFY_SETTINGS = ['KEA', 'K$', 'Eg', 'KEh', 'AKEn', 'KEnm', 'KEm$', 'Elx'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random transactions over two connections: WATCH, MULTI, writes from both, EXEC/DISCARD. */
function randomTxCase(rand: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const key = () => pick(['K:a', 'K:b', 'K:c', 'K:h']);
  const write = (): string[] =>
    pick([
      () => ['SET', key(), String(Math.floor(rand() * 5))],
      () => ['INCR', key()],
      () => ['DEL', key()],
      () => ['HSET', key(), 'f', 'v'],
      () => ['HDEL', key(), 'f'],
      () => ['APPEND', key(), 'x'],
      () => ['EXPIRE', key(), '1000'],
      () => ['PERSIST', key()],
      () => ['RENAME', key(), key()],
      () => ['GET', key()],
      () => ['EXISTS', key()],
      () => ['SET', key()],
      () => ['FLUSHDB'],
      () => ['SWAPDB', '0', '1'],
    ])();
  const steps: Case = [];
  const n = 3 + Math.floor(rand() * 10);
  let inMulti = false;
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.15) steps.push(M('WATCH', key(), ...(rand() < 0.3 ? [key()] : [])));
    else if (r < 0.22) steps.push(M('UNWATCH'));
    else if (r < 0.35 && !inMulti) {
      steps.push(M('MULTI'));
      inMulti = true;
    } else if (r < 0.45 && inMulti) {
      steps.push(M(rand() < 0.8 ? 'EXEC' : 'DISCARD'));
      inMulti = false;
    } else if (r < 0.7) steps.push(O(...write()));
    else steps.push(M(...write()));
  }
  if (inMulti) steps.push(M('EXEC'));
  steps.push(O('FLUSHALL'));
  return steps;
}

/**
 * Random pub/sub traffic: connections 0 and 1 subscribe, 2 publishes. Kept to what is
 * deterministic in Redis: at most one pattern per subscriber (several matching patterns
 * of one client arrive in hash-table order), argument-less unsubscribes only with at most
 * one subscription of that kind, no PUBSUB CHANNELS listing of several channels.
 */
function randomPubSubCase(rand: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chans = ['K:a', 'K:b', 'K:ab', 'K:\x00'];
  const pats = ['K:*', 'K:a?', 'K:[ab]', 'K:?'];
  const subs = [0, 1].map(() => ({ ch: new Set<string>(), pat: new Set<string>(), sh: new Set<string>() }));
  const steps: Case = [];
  const n = 5 + Math.floor(rand() * 20);
  for (let i = 0; i < n; i++) {
    const who = Math.floor(rand() * 2);
    const st = subs[who]!;
    const r = rand();
    if (r < 0.15) {
      const names = rand() < 0.7 ? [pick(chans)] : [pick(chans), pick(chans)];
      names.forEach((c) => st.ch.add(c));
      steps.push([who, ['SUBSCRIBE', ...names]]);
    } else if (r < 0.22) {
      if (st.pat.size === 0 || rand() < 0.3) {
        const p = st.pat.size === 0 ? pick(pats) : [...st.pat][0]!;
        st.pat.add(p);
        steps.push([who, ['PSUBSCRIBE', p]]);
      }
    } else if (r < 0.3) {
      const c = pick(chans);
      st.sh.add(c);
      steps.push([who, ['SSUBSCRIBE', c]]);
    } else if (r < 0.38) {
      if (st.ch.size <= 1 && rand() < 0.5) {
        st.ch.clear();
        steps.push([who, ['UNSUBSCRIBE']]);
      } else {
        const c = pick(chans);
        st.ch.delete(c);
        steps.push([who, ['UNSUBSCRIBE', c]]);
      }
    } else if (r < 0.43) {
      if (st.pat.size <= 1 && rand() < 0.5) {
        st.pat.clear();
        steps.push([who, ['PUNSUBSCRIBE']]);
      } else {
        const p = pick(pats);
        st.pat.delete(p);
        steps.push([who, ['PUNSUBSCRIBE', p]]);
      }
    } else if (r < 0.48) {
      if (st.sh.size <= 1 && rand() < 0.5) {
        st.sh.clear();
        steps.push([who, ['SUNSUBSCRIBE']]);
      } else {
        const c = pick(chans);
        st.sh.delete(c);
        steps.push([who, ['SUNSUBSCRIBE', c]]);
      }
    } else if (r < 0.5) {
      st.ch.clear();
      st.pat.clear();
      st.sh.clear();
      steps.push([who, ['RESET']]);
    } else if (r < 0.55) {
      steps.push([who, pick([['PING'], ['PING', 'x'], ['GET', 'K:a'], ['ECHO', 'e']])]);
    } else if (r < 0.85) {
      steps.push(T(rand() < 0.8 ? 'PUBLISH' : 'SPUBLISH', pick(chans), pick(['m', '', 'long'.repeat(20)])));
    } else {
      steps.push(T(...pick([['PUBSUB', 'NUMSUB', ...chans], ['PUBSUB', 'NUMPAT'], ['PUBSUB', 'SHARDNUMSUB', ...chans], ['PUBSUB', 'CHANNELS', 'K:b'], ['PUBSUB', 'SHARDCHANNELS', 'K:ab']])));
    }
  }
  return steps;
}

/** Random command streams for the notification comparison. */
function randomEventCase(rand: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const key = () => pick(['K:a', 'K:b', 'K:h', 'K:n']);
  const num = () => String(Math.floor(rand() * 20) - 5);
  const gens: (() => string[])[] = [
    () => ['SET', key(), num(), ...pick([[], ['EX', '100'], ['NX'], ['XX'], ['GET'], ['KEEPTTL']])],
    () => ['SETNX', key(), num()],
    () => ['MSET', key(), num(), key(), num()],
    () => ['GETSET', key(), num()],
    () => ['GETDEL', key()],
    () => ['GETEX', key(), ...pick([[], ['EX', '50'], ['PERSIST'], ['PXAT', '1']])],
    () => ['APPEND', key(), 'z'],
    () => ['SETRANGE', key(), String(Math.floor(rand() * 4)), pick(['', 'ab'])],
    () => ['INCRBY', key(), num()],
    () => ['INCRBYFLOAT', key(), '0.5'],
    () => ['SETBIT', key(), num().replace('-', ''), '1'],
    () => ['BITFIELD', key(), 'INCRBY', 'u4', '0', num().replace('-', '')],
    () => ['DEL', key(), key()],
    () => ['RENAME', key(), key()],
    () => ['RENAMENX', key(), key()],
    () => ['COPY', key(), key(), ...(rand() < 0.5 ? ['REPLACE'] : [])],
    () => ['EXPIRE', key(), pick(['100', '-1', '0'])],
    () => ['PERSIST', key()],
    () => ['HSET', key(), pick(['f', 'g']), num()],
    () => ['HSETNX', key(), pick(['f', 'g']), num()],
    () => ['HDEL', key(), pick(['f', 'g'])],
    () => ['HINCRBY', key(), 'f', num()],
    () => ['HINCRBYFLOAT', key(), 'g', '1.25'],
    () => ['GET', key()],
    () => ['HGET', key(), 'f'],
  ];
  const steps: Case = [];
  const n = 5 + Math.floor(rand() * 15);
  for (let i = 0; i < n; i++) steps.push(O(...pick(gens)()));
  steps.push(O('FLUSHALL'));
  return steps;
}

test('transactions, pub/sub and keyspace notifications behave like redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    console.warn(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const theirs = new Side(await Promise.all(Array.from({ length: CONNS }, () => RawClient.connect(oracle.port))));
  const mine = new Side(await Promise.all(Array.from({ length: CONNS }, () => RawClient.connect(srv.port))));
  let compared = 0;
  let seqNo = 0;
  /** the protocol the connections use (RESET goes back to RESP2) */
  let proto = '2';

  async function both(i: number, argv: string[]): Promise<void> {
    await theirs.run(i, argv, 1);
    await mine.run(i, argv, 1);
  }

  async function runCase(seq: Case, label: string): Promise<void> {
    const prefix = `t${process.pid}:${seqNo++}:`;
    const bound = bind(seq, prefix);
    const states = Array.from({ length: CONNS }, () => new ConnState());
    for (const [i, argv] of bound) {
      const count = states[i]!.expected(argv);
      const got = await theirs.run(i, argv, count).catch((e: Error) => {
        throw new Error(`${label}: ${e.message}\n  ${bound.map(([c, a]) => `${c}: ${a.map((x) => JSON.stringify(x)).join(' ')}`).join('\n  ')}`);
      });
      await mine.run(i, argv, count);
      for (const n of got) states[i]!.observe(argv, n);
    }
    // everything still in flight arrives before these answers
    for (let i = 0; i < CONNS; i++) {
      await theirs.run(i, ['PING'], 1);
      await mine.run(i, ['PING'], 1);
    }
    const a = theirs.takeLogs();
    const b = mine.takeLogs();
    for (let i = 0; i < CONNS; i++) {
      compared++;
      if (a[i] !== b[i]) {
        const steps = bound.map(([c, argv]) => `${c}: ${argv.map((x) => JSON.stringify(x)).join(' ')}`).join('\n  ');
        let at = 0;
        while (a[i]![at] === b[i]![at]) at++;
        const from = Math.max(0, at - 300);
        assert.fail(`${label}: connection ${i} received differently from byte ${at}\n  ${steps}\nredis:   ${show(a[i]!.slice(from))}\nredoubt: ${show(b[i]!.slice(from))}`);
      }
    }
    // a clean slate for the next case: no transaction, subscriptions, watches or keys
    for (let i = 0; i < CONNS; i++) {
      await both(i, ['RESET']);
      if (proto === '3') await both(i, ['HELLO', '3']);
    }
    await both(1, ['FLUSHALL']);
    theirs.takeLogs();
    mine.takeLogs();
  }

  try {
    for (const p of ['2', '3']) {
      proto = p;
      for (let i = 0; i < CONNS; i++) await both(i, ['HELLO', proto]);
      theirs.takeLogs();
      mine.takeLogs();
      for (let i = 0; i < TX_CASES.length; i++) await runCase(TX_CASES[i]!, `transaction case ${i} (RESP${proto})`);
      for (let i = 0; i < PUBSUB_CASES.length; i++) await runCase(PUBSUB_CASES[i]!, `pub/sub case ${i} (RESP${proto})`);
    }
    for (let i = 0; i < CONNS; i++) await both(i, ['HELLO', '2']);
    proto = '2';
    theirs.takeLogs();
    mine.takeLogs();

    // keyspace notifications: connection 0 listens to every event channel
    for (const setting of NOTIFY_SETTINGS) {
      for (let i = 0; i < EVENT_CASES.length; i++) {
        await both(1, ['CONFIG', 'SET', 'notify-keyspace-events', setting]);
        await both(0, ['PSUBSCRIBE', '__key*__:*']);
        await runCase(EVENT_CASES[i]!, `event case ${i} with '${setting}'`);
      }
    }
    const seed = Number(process.env['MULTI_PUBSUB_DIFF_SEED'] ?? 20261127);
    const rand = prng(seed);
    for (let i = 0; i < 150; i++) await runCase(randomTxCase(rand), `random transaction ${i} (seed ${seed})`);
    for (const p of ['2', '3']) {
      proto = p;
      for (let i = 0; i < CONNS; i++) await both(i, ['HELLO', proto]);
      theirs.takeLogs();
      mine.takeLogs();
      for (let i = 0; i < 120; i++) await runCase(randomPubSubCase(rand), `random pub/sub ${i} RESP${proto} (seed ${seed})`);
    }
    proto = '2';
    for (let i = 0; i < CONNS; i++) await both(i, ['HELLO', '2']);
    theirs.takeLogs();
    mine.takeLogs();
    await both(1, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']);
    for (let i = 0; i < 150; i++) {
      await both(0, ['PSUBSCRIBE', '__key*__:*']);
      await runCase(randomEventCase(rand), `random event stream ${i} (seed ${seed})`);
    }
    await both(1, ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    t.diagnostic(`compared ${compared} connection streams`);
    assert.ok(compared > 1000, `too few streams compared: ${compared}`);
  } finally {
    for (const c of [...theirs.conns, ...mine.conns]) c.close();
    await srv.close();
    await oracle.stop();
  }
});
