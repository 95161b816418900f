/**
 * Differential test for client-side caching: the same steps go to a real redis-server
 * (Debian 7.0.15) and to Redoubt over four raw connections per case, RESP2 and RESP3,
 * and every byte each connection receives — replies, `invalidate` pushes, RESP2
 * `__redis__:invalidate` messages, `tracking-redir-broken` pushes — is compared, in order.
 *
 * Sequencing: a step's command goes out together with a `PING` marker on the same
 * connection, and the harness reads up to the marker's reply; then every other
 * connection is synchronised the same way, so whatever the step caused elsewhere has
 * arrived. BCAST invalidations go out at the end of the event-loop turn (after the
 * marker's reply on the connection that wrote), in both servers.
 *
 * Client ids differ between the servers: `{idN}` in a step is replaced by connection N's
 * id, and a step marked `ids` has the ids in its output replaced back by `{idN}`.
 *
 * Left out here: self-invalidations inside MULTI (7.0 sends them before the EXEC reply
 * array's end, 7.2 after it: see test/integration/client-tracking.test.ts), the
 * tracking-table-max-keys eviction (Redis picks keys at random) and CLIENT LIST lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

interface Step {
  conn: number;
  argv: string[];
  /** replace the connections' ids in this step's output by {idN} */
  ids?: boolean;
  /** keep only these INFO fields of the reply */
  info?: string[];
  /** close the connection instead of sending (argv ignored) */
  close?: boolean;
  /** wait this long before the step (expiry) */
  sleepMs?: number;
}
type Case = { name: string; steps: Step[] };

const CONNS = 4;
const MARK = '__sync__';
// PING <msg> works in every state: a RESP2 subscriber answers it as ["pong", msg]
const MARK_REQ = RawClient.encode(['PING', MARK]);
const MARK_REPLIES = new Set([`$${MARK.length}\r\n${MARK}\r\n`, `*2\r\n$4\r\npong\r\n$${MARK.length}\r\n${MARK}\r\n`]);

const at =
  (conn: number) =>
  (...argv: string[]): Step => ({ conn, argv });
const A = at(0);
const B = at(1);
const C = at(2);
const D = at(3);
const ids = (s: Step): Step => ({ ...s, ids: true });
const close = (conn: number): Step => ({ conn, argv: [], close: true });

/** Reads replies until the marker's; returns everything before it. */
async function readToMark(c: RawClient): Promise<string> {
  let out = '';
  for (;;) {
    const r = await c.readReply(3000);
    if (MARK_REPLIES.has(r)) return out;
    out += r;
  }
}

async function runCase(port: number, kase: Case): Promise<string[]> {
  const conns: RawClient[] = [];
  for (let i = 0; i < CONNS; i++) conns.push(await RawClient.connect(port));
  let current = 'start';
  try {
    const idOf: string[] = [];
    for (const c of conns) idOf.push((await c.call('CLIENT', 'ID')).slice(1, -2));
    const open = conns.map(() => true);
    const inMulti = conns.map(() => false);
    const out: string[] = [];
    const restoreIds = (s: string) => {
      let r = s;
      // longest ids first, so id 12 is not read as id 1 followed by "2"
      const order = idOf.map((id, i) => [id, i] as const).sort((x, y) => y[0].length - x[0].length);
      for (const [id, i] of order) r = r.replace(new RegExp(`:${id}\\r\\n`, 'g'), `:{id${i}}\r\n`).replace(new RegExp(`=${id}(?=[ \\r\\n])`, 'g'), `={id${i}}`);
      return r;
    };
    for (const [n, step] of kase.steps.entries()) {
      current = `step ${n} (${step.argv.join(' ')})`;
      if (step.sleepMs !== undefined) await new Promise((r) => setTimeout(r, step.sleepMs));
      if (step.close === true) {
        conns[step.conn]!.close();
        open[step.conn] = false;
        // let the server notice the disconnection before the next step
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const argv = step.argv.map((a) => a.replace(/\{id(\d)\}/g, (_, n: string) => idOf[Number(n)]!));
      const c = conns[step.conn]!;
      const word = argv[0]!.toUpperCase();
      let mine: string;
      const caching = (word === 'CLIENT' && argv[1]?.toUpperCase() === 'CACHING') || word === 'MULTI';
      if ((inMulti[step.conn] === true && word !== 'EXEC' && word !== 'DISCARD') || caching) {
        // queued: one +QUEUED (a marker would be queued too); CLIENT CACHING: one reply
        // (a marker command would end the CACHING scope before the command it is for)
        c.write(RawClient.encode(argv));
        mine = await c.readReply(3000);
      } else {
        c.write(RawClient.encode(argv) + MARK_REQ);
        mine = await readToMark(c);
      }
      if (word === 'MULTI') inMulti[step.conn] = true;
      if (word === 'EXEC' || word === 'DISCARD' || word === 'RESET') inMulti[step.conn] = false;
      if (step.info !== undefined) {
        const lines = mine.split('\r\n').filter((l) => step.info!.some((f) => l.startsWith(`${f}:`)));
        mine = lines.join('|');
      }
      // HELLO's map names the server, its version and the id: only its type is compared
      if (step.argv[0] === 'HELLO') mine = mine.slice(0, 3);
      if (step.ids === true) mine = restoreIds(mine);
      else mine = mine.replace(/(tracking-redir-broken\r\n):(\d+)\r\n/g, (_, w: string, id: string) => `${w}:{id${idOf.indexOf(id)}}\r\n`);
      out.push(`[${step.conn}] ${step.argv.join(' ')} → ${mine}`);
      for (let j = 0; j < CONNS; j++) {
        if (j === step.conn || !open[j] || inMulti[j] === true) continue;
        conns[j]!.write(MARK_REQ);
        const other = restoreIds(await readToMark(conns[j]!));
        if (other !== '') out.push(`  [${j}] got ${other}`);
      }
    }
    // last word: anything still in flight (end-of-turn broadcasts) arrives before a final marker
    await new Promise((r) => setTimeout(r, 30));
    for (let j = 0; j < CONNS; j++) {
      if (!open[j]) continue;
      conns[j]!.write(MARK_REQ);
      const rest = restoreIds(await readToMark(conns[j]!));
      if (rest !== '') out.push(`  [${j}] finally ${rest}`);
    }
    return out;
  } catch (e) {
    throw new Error(`${current}: ${(e as Error).message}`);
  } finally {
    for (const c of conns) c.close();
  }
}

const CASES: Case[] = [
  {
    name: 'RESP3 default mode: reads tracked, writes by others and by itself invalidate',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON'),
      A('GET', 't1:a'),
      B('SET', 't1:a', '1'),
      B('SET', 't1:a', '2'),
      A('GET', 't1:a'),
      A('SET', 't1:a', '3'),
      A('MGET', 't1:a', 't1:b', 't1:c'),
      B('DEL', 't1:b', 't1:c'),
      B('MSET', 't1:a', '1', 't1:b', '2', 't1:c', '3'),
      A('GET', 't1:a'),
      B('INCR', 't1:a'),
      B('APPEND', 't1:nothing-read', 'x'),
    ],
  },
  {
    name: 'read-only commands of every type track their keys (key specs)',
    steps: [
      B('HSET', 't2:h', 'f', '1'),
      B('RPUSH', 't2:l', 'a', 'b'),
      B('SADD', 't2:s1', 'a'),
      B('SADD', 't2:s2', 'a'),
      B('ZADD', 't2:z', '1', 'a'),
      B('XADD', 't2:x', '1-1', 'f', 'v'),
      B('SET', 't2:str', 'hello'),
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON'),
      A('HGET', 't2:h', 'f'),
      A('LRANGE', 't2:l', '0', '-1'),
      A('SINTER', 't2:s1', 't2:s2'),
      A('ZRANGE', 't2:z', '0', '-1'),
      A('XRANGE', 't2:x', '-', '+'),
      A('STRLEN', 't2:str'),
      A('EXISTS', 't2:e1', 't2:e2'),
      A('TYPE', 't2:t'),
      A('GETRANGE', 't2:str', '0', '1'),
      A('HGETALL', 't2:wrongtype-is-still-read'),
      B('HSET', 't2:h', 'f', '2'),
      B('LPOP', 't2:l'),
      B('SREM', 't2:s2', 'a'),
      B('ZINCRBY', 't2:z', '1', 'a'),
      B('XADD', 't2:x', '2-1', 'f', 'v'),
      B('SETRANGE', 't2:str', '0', 'J'),
      B('SET', 't2:e2', '1'),
      B('SET', 't2:t', '1'),
      B('SET', 't2:wrongtype-is-still-read', 'x'),
      // a write command's keys are not tracked
      A('INCR', 't2:cnt'),
      B('INCR', 't2:cnt'),
    ],
  },
  {
    name: 'CLIENT TRACKING errors, in Redis order',
    steps: [
      A('CLIENT', 'TRACKING'),
      A('CLIENT', 'TRACKING', 'MAYBE'),
      A('CLIENT', 'TRACKING', 'ON', 'FOO'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT'),
      A('CLIENT', 'TRACKING', 'ON', 'PREFIX'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', 'abc'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '0'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '-3'),
      A('CLIENT', 'TRACKING', 'OFF', 'REDIRECT', '999999'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id1}', 'REDIRECT', '{id2}'),
      A('CLIENT', 'TRACKING', 'ON', 'PREFIX', 'a'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTIN'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTOUT'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT'),
      A('CLIENT', 'TRACKING', 'MAYBE', 'BCAST'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'x'),
      A('CLIENT', 'TRACKINGINFO'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:1'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'use'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'item:'),
      A('CLIENT', 'TRACKING', 'ON'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTIN'),
      A('CLIENT', 'TRACKINGINFO'),
      A('CLIENT', 'TRACKING', 'OFF'),
      A('CLIENT', 'TRACKING', 'OFF'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTIN'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTOUT'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTIN', 'NOLOOP'),
      A('CLIENT', 'TRACKINGINFO'),
      A('CLIENT', 'TRACKING', 'off'),
      A('CLIENT', 'TRACKING', 'on', 'optout', 'redirect', '{id1}'),
      ids(A('CLIENT', 'TRACKINGINFO')),
      ids(A('CLIENT', 'GETREDIR')),
      A('CLIENT', 'TRACKING', 'ON', 'OPTIN'),
      A('CLIENT', 'TRACKING', 'OFF', 'PREFIX', 'a', 'BCAST', 'NOLOOP'),
      A('CLIENT', 'GETREDIR'),
    ],
  },
  {
    name: 'CLIENT CACHING: errors, OPTIN, one-command scope, CLIENT subcommands and MULTI keep it',
    steps: [
      A('CLIENT', 'CACHING', 'YES'),
      A('CLIENT', 'CACHING'),
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON'),
      A('CLIENT', 'CACHING', 'YES'),
      A('CLIENT', 'CACHING', 'NO'),
      A('CLIENT', 'TRACKING', 'OFF'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTIN'),
      A('CLIENT', 'CACHING', 'NO'),
      A('CLIENT', 'CACHING', 'MAYBE'),
      A('GET', 't4:not-tracked'),
      A('CLIENT', 'CACHING', 'yes'),
      A('CLIENT', 'TRACKINGINFO'),
      A('GET', 't4:tracked'),
      A('GET', 't4:after'),
      A('CLIENT', 'TRACKINGINFO'),
      A('CLIENT', 'CACHING', 'YES'),
      ids(A('CLIENT', 'ID')),
      A('GET', 't4:still-tracked'),
      A('CLIENT', 'CACHING', 'YES'),
      A('PING'),
      A('GET', 't4:cleared-by-ping'),
      A('CLIENT', 'CACHING', 'YES'),
      A('MULTI'),
      A('GET', 't4:m1'),
      A('GET', 't4:m2'),
      A('EXEC'),
      A('GET', 't4:m3'),
      B('MSET', 't4:not-tracked', '1', 't4:tracked', '1', 't4:after', '1', 't4:still-tracked', '1', 't4:cleared-by-ping', '1'),
      B('MSET', 't4:m1', '1', 't4:m2', '1', 't4:m3', '1'),
    ],
  },
  {
    name: 'OPTOUT: CLIENT CACHING NO skips one command',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON', 'OPTOUT'),
      A('CLIENT', 'CACHING', 'YES'),
      A('GET', 't5:a'),
      A('CLIENT', 'CACHING', 'NO'),
      A('CLIENT', 'TRACKINGINFO'),
      A('GET', 't5:b'),
      A('GET', 't5:c'),
      B('MSET', 't5:a', '1', 't5:b', '1', 't5:c', '1'),
    ],
  },
  {
    name: 'NOLOOP: own writes not notified (the key leaves the table all the same)',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON', 'NOLOOP'),
      A('GET', 't6:k'),
      A('SET', 't6:k', '1'),
      B('SET', 't6:k', '2'),
      A('GET', 't6:k'),
      B('SET', 't6:k', '3'),
      A('CLIENT', 'TRACKINGINFO'),
    ],
  },
  {
    name: 'RESP2 redirect to a subscriber of __redis__:invalidate; flush null as a message',
    steps: [
      B('SUBSCRIBE', '__redis__:invalidate'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id1}'),
      ids(A('CLIENT', 'GETREDIR')),
      A('GET', 't7:k'),
      A('MGET', 't7:k', 't7:j'),
      C('SET', 't7:k', 'v'),
      A('SET', 't7:j', 'v'),
      A('GET', 't7:k'),
      C('FLUSHDB'),
      A('GET', 't7:k'),
      A('FLUSHALL'),
      A('CLIENT', 'TRACKING', 'OFF'),
      ids(A('CLIENT', 'GETREDIR')),
      C('SET', 't7:k', 'v'),
    ],
  },
  {
    name: 'redirect to a RESP3 connection (not subscribed) and to a plain RESP2 one (nothing sent)',
    steps: [
      B('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id1}'),
      A('GET', 't8:k'),
      C('SET', 't8:k', 'v'),
      C('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id0}'),
      C('GET', 't8:j'),
      A('SET', 't8:j', 'v'),
      A('FLUSHALL'),
      // (B flushing itself would get A's null after its +OK in 7.2, before it in 7.0)
      C('FLUSHALL'),
    ],
  },
  {
    name: 'mixed protocols: the flush null is the tracking client’s own',
    steps: [
      B('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id1}'),
      C('HELLO', '3'),
      C('SUBSCRIBE', 'x'),
      C('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id0}'),
      A('SUBSCRIBE', 'y'),
      D('FLUSHALL'),
    ],
  },
  {
    name: 'a redirect target that went away: tracking-redir-broken, flag broken_redirect',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id2}'),
      A('GET', 't9:k'),
      close(2),
      B('SET', 't9:k', '1'),
      ids(A('CLIENT', 'TRACKINGINFO')),
      A('GET', 't9:k'),
      A('SET', 't9:k', '2'),
      B('FLUSHALL'),
      A('CLIENT', 'TRACKING', 'ON'),
      ids(A('CLIENT', 'TRACKINGINFO')),
      A('GET', 't9:k'),
      B('SET', 't9:k', '3'),
    ],
  },
  {
    name: 'BCAST with prefixes, without, NOLOOP; one message per prefix per turn, keys sorted',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'tb:user:', 'PREFIX', 'tb:item:'),
      A('CLIENT', 'TRACKINGINFO'),
      B('MSET', 'tb:user:2', 'a', 'tb:user:1', 'a', 'tb:item:9', 'b', 'tb:other', 'c'),
      B('SET', 'tb:user:3', 'x'),
      A('SET', 'tb:user:4', 'x'),
      C('HELLO', '3'),
      C('CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP'),
      C('SET', 'tb:user:5', 'mine'),
      B('SET', 'tb:user:6', 'theirs'),
      A('GET', 'tb:user:6'),
      B('DEL', 'tb:user:6', 'tb:item:9'),
      C('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'more'),
      C('CLIENT', 'TRACKINGINFO'),
      A('CLIENT', 'TRACKING', 'OFF'),
      B('SET', 'tb:user:7', 'x'),
      B('FLUSHALL'),
    ],
  },
  {
    name: 'BCAST to a RESP2 redirect subscriber',
    steps: [
      B('SUBSCRIBE', '__redis__:invalidate'),
      A('CLIENT', 'TRACKING', 'ON', 'BCAST', 'REDIRECT', '{id1}', 'PREFIX', 'tc:'),
      C('MSET', 'tc:b', '1', 'tc:a', '2', 'td:x', '3'),
      C('DEL', 'tc:a'),
    ],
  },
  {
    name: 'RESET and HELLO: RESET turns tracking off, HELLO keeps it',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON'),
      A('GET', 'te:k'),
      A('HELLO', '3'),
      A('CLIENT', 'TRACKINGINFO'),
      B('SET', 'te:k', '1'),
      A('GET', 'te:k'),
      A('HELLO', '2'),
      B('SET', 'te:k', '2'),
      A('HELLO', '3'),
      A('GET', 'te:k'),
      A('RESET'),
      A('CLIENT', 'TRACKINGINFO'),
      A('HELLO', '3'),
      B('SET', 'te:k', '3'),
      A('GET', 'te:k'),
    ],
  },
  {
    name: 'expired keys are invalidated (lazily or actively)',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON'),
      B('SET', 'tf:k', 'v', 'PX', '20'),
      A('GET', 'tf:k'),
      { ...B('GET', 'tf:k'), sleepMs: 150 },
      B('EXISTS', 'tf:k'),
    ],
  },
  {
    name: 'INFO tracking fields',
    steps: [
      A('HELLO', '3'),
      A('CLIENT', 'TRACKING', 'ON'),
      A('MGET', 'tg:a', 'tg:b'),
      C('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'tg:', 'PREFIX', 'th:'),
      { ...B('INFO'), info: ['tracking_clients'] },
      B('SET', 'tg:a', '1'),
      A('CLIENT', 'TRACKING', 'OFF'),
      C('CLIENT', 'TRACKING', 'OFF'),
      { ...B('INFO'), info: ['tracking_clients', 'tracking_total_prefixes'] },
    ],
  },
];

test('client-side caching: replies and pushes match redis-server byte for byte', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  let pushes = 0;
  try {
    for (const kase of CASES) {
      const want = await runCase(oracle.port, kase).catch((e: Error) => assert.fail(`redis-server, ${kase.name}: ${e.message}`));
      const got = await runCase(srv.port, kase).catch((e: Error) => assert.fail(`Redoubt, ${kase.name}: ${e.message}`));
      assert.deepEqual(got, want, kase.name);
      if (process.env.TRACKING_DIFF_SHOW !== undefined) console.log(kase.name, got);
      pushes += got.join('').split('invalidate').length - 1;
    }
    // not a vacuous comparison: the cases do make both servers send invalidations
    assert.ok(pushes >= 40, `only ${pushes} invalidations seen`);
  } finally {
    await srv.close();
    await oracle.stop();
  }
});
