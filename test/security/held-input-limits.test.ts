/**
 * Input limits while replies are held (issue 11, finding 1). A connection whose replies
 * wait — AUTH throttle delay, CLIENT PAUSE, a blocked BLPOP, a client that reads nothing —
 * keeps receiving bytes; every limit must hold for them exactly as for input parsed at once:
 * the unauthenticated caps (10 arguments, 16 KiB bulks), the 64 KiB inline / count-line
 * limit, client-query-buffer-limit, and a 1 MiB cap on an unauthenticated client's pending
 * input. Each test attacks for real through a socket: it streams bytes past the limit and
 * asserts that the connection is closed (with Redis's error where Redis sends one), that the
 * server read a bounded number of bytes, and that its buffer memory stayed bounded.
 *
 * Before the fix, one unauthenticated connection sending `AUTH u wrong` ×9 and then raw
 * bytes made the server buffer all of them (2.5 GB in the attack review).
 */
// npm test: serial — measures held-reply delays and buffer memory under floods
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningServer } from '../../src/server/server.js';

const PASS = 'Held-Limits-7';
const MiB = 1024 * 1024;
/** the attacker gives up after this many bytes (the unfixed server accepts all of them) */
const FLOOD_CAP = 64 * MiB;
/** bytes the server may read from one attacking connection */
const READ_BOUND = 8 * MiB;
/** growth of the server process's Buffer memory allowed during one attack */
const MEMORY_BOUND = 24 * MiB;
const FLOOD_TIME_MS = 8000;

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

interface FloodResult {
  /** bytes the server read from the connection (its net input counter) */
  serverRead: number;
  /** the connection was closed by the server (reset, EPIPE or end of stream) */
  closed: boolean;
  /** everything the server sent */
  received: string;
  /** largest growth of the process's Buffer memory seen during the flood */
  memoryGrowth: number;
  /** ms from the first byte sent to the first reply byte (-1: no reply) */
  firstReplyMs: number;
}

/**
 * Connects, sends `prefix`, waits `settleMs` (so the hold sets in), then streams `filler`
 * until the server closes the connection, it has read more than READ_BOUND, FLOOD_CAP
 * bytes were sent, or FLOOD_TIME_MS passed. The socket is half-open capable and never
 * reads less than it gets, so the server cannot be kept from closing by the client; with
 * `readReplies: false` it stops reading entirely (output back-pressure).
 */
async function flood(
  srv: RunningServer,
  prefix: string,
  filler: Buffer,
  opts: {
    settleMs?: number;
    readReplies?: boolean;
    /** run once the server has stopped reading without closing (e.g. ends the hold) */
    release?: () => Promise<void>;
  } = {},
): Promise<FloodResult> {
  const { settleMs = 50, readReplies = true } = opts;
  const stats = srv.server.stats;
  const socket = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let closed = false;
  let firstReplyAt = -1;
  const onData = (d: Buffer) => {
    if (firstReplyAt === -1) firstReplyAt = Date.now();
    chunks.push(d);
  };
  if (readReplies) socket.on('data', onData);
  socket.on('end', () => (closed = true));
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  const memBefore = process.memoryUsage().arrayBuffers;
  let memoryGrowth = 0;
  const readBefore = stats.netInputBytes;
  const started = Date.now();
  try {
    socket.write(Buffer.from(prefix, 'latin1'));
    await new Promise((r) => setTimeout(r, settleMs));
    let sent = 0;
    let lastRead = stats.netInputBytes;
    let lastReadAt = Date.now();
    while (!closed && sent < FLOOD_CAP && Date.now() - started < FLOOD_TIME_MS && stats.netInputBytes - readBefore <= READ_BOUND) {
      if (stats.netInputBytes !== lastRead) {
        lastRead = stats.netInputBytes;
        lastReadAt = Date.now();
      } else if (Date.now() - lastReadAt > 500) {
        break; // the server stopped reading this connection
      }
      if (socket.writableLength > MiB) {
        // the server stopped reading (or is slow): wait for room, a close, or a moment;
        // writing on would only grow this (same) process's own buffers
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          socket.once('drain', () => {
            clearTimeout(t);
            r();
          });
        });
        continue;
      }
      socket.write(filler);
      if (sent % (16 * filler.length) === 0) await new Promise((r) => setImmediate(r));
      sent += filler.length;
      memoryGrowth = Math.max(memoryGrowth, process.memoryUsage().arrayBuffers - memBefore);
    }
    if (!closed && opts.release !== undefined) await opts.release();
    // a server that stopped reading closes once the hold is over: give it the time
    const deadline = Date.now() + 7000;
    while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    memoryGrowth = Math.max(memoryGrowth, process.memoryUsage().arrayBuffers - memBefore);
    return {
      serverRead: stats.netInputBytes - readBefore,
      closed,
      received: Buffer.concat(chunks).toString('latin1'),
      memoryGrowth,
      firstReplyMs: firstReplyAt === -1 ? -1 : firstReplyAt - started,
    };
  } finally {
    socket.destroy();
  }
}

/** `replyBytes`: legitimate output the attack makes the server hold (its copies are allowed for). */
function assertBounded(r: FloodResult, what: string, replyBytes = 0): void {
  assert.ok(r.closed, `${what}: the connection must be closed (server read ${r.serverRead} bytes)`);
  assert.ok(r.serverRead <= READ_BOUND, `${what}: the server read ${r.serverRead} bytes (bound ${READ_BOUND})`);
  const bound = MEMORY_BOUND + 3 * replyBytes;
  assert.ok(r.memoryGrowth <= bound, `${what}: Buffer memory grew by ${r.memoryGrowth} bytes (bound ${bound})`);
}

/** Waits until the server has no client connection left besides `keep` of them. */
async function connectionsDrop(srv: RunningServer, keep: number): Promise<number> {
  const deadline = Date.now() + 3000;
  while (srv.server.connections.size > keep && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return srv.server.connections.size;
}

const NO_NEWLINE = Buffer.alloc(64 * 1024, 0x41);
const PINGS = Buffer.from('PING\r\n'.repeat(8192), 'latin1');

/**
 * `n` failed AUTHs. The throttle counts failures per source address, so each attack
 * clears it first (`srv`) and every attack starts from the same throttle state.
 */
function failedAuths(n: number, srv: RunningServer): string {
  srv.server.security.throttle.clear();
  return 'AUTH attacker wrong\r\n'.repeat(n);
}

/** A server with a password, and the AUTH throttle acting on loopback too. */
function throttledServer(extra: [string, ...string[]][] = []): Promise<RunningServer> {
  return startTestServer({ config: [['requirepass', PASS], ['auth-throttle-exempt-loopback', 'no'], ...extra] });
}

test('AUTH throttle delay: an unauthenticated inline request without newline is refused past 64 KiB (the attack review case)', async () => {
  const srv = await throttledServer();
  try {
    const r = await flood(srv, failedAuths(9, srv) + '\x00', NO_NEWLINE, { settleMs: 20 });
    assertBounded(r, 'AUTH ×9 then raw bytes');
    // the replies were really held back (the throttle delays from the 4th failure on)...
    assert.ok(r.firstReplyMs >= 50, `the failed AUTH replies were held (${r.firstReplyMs} ms)`);
    // ...and still go out, in order, before the protocol error that ends the connection
    assert.match(r.received, new RegExp(`^(${WRONGPASS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})+-ERR Protocol error: too big inline request\r\n$`));
    assert.equal(await connectionsDrop(srv, 0), 0);
  } finally {
    await srv.close();
  }
});

test('AUTH throttle delay: the unauthenticated argument and bulk caps apply to input waiting behind the held reply', async () => {
  const srv = await throttledServer();
  try {
    const cases: [string, string][] = [
      // the 5th AUTH waits behind the held 4th: whether these caps apply depends on it, so
      // the server reads nothing more until it has run (and failed)
      ['*11\r\n', 'unauthenticated multibulk length'],
      ['*2\r\n$4\r\nECHO\r\n$100000\r\n', 'unauthenticated bulk length'],
      [`${'a '.repeat(11)}\r\n`, 'unauthenticated multibulk length'],
      ['*1\r\n', 'too big bulk count string'],
      ['*', 'too big mbulk count string'],
    ];
    for (const [head, error] of cases) {
      const r = await flood(srv, failedAuths(5, srv) + head, NO_NEWLINE, { settleMs: 20 });
      assertBounded(r, head);
      assert.ok(r.received.endsWith(`-ERR Protocol error: ${error}\r\n`), `${JSON.stringify(head)} → ${JSON.stringify(r.received.slice(-80))}`);
      assert.ok(r.received.startsWith(WRONGPASS), 'the held replies went out first');
    }
  } finally {
    await srv.close();
  }
});

test('AUTH throttle delay: valid requests piling up unauthenticated are capped at 1 MiB', async () => {
  const srv = await throttledServer();
  try {
    const r = await flood(srv, failedAuths(6, srv), PINGS, { settleMs: 20 });
    assertBounded(r, 'AUTH ×6 then PINGs');
    assert.ok(r.serverRead <= 2 * MiB + 64 * 1024, `read ${r.serverRead}`);
    // a pending AUTH does not lift the cap (it might log the client in: the caps above are
    // then not certain, the byte cap is)
    const big = Buffer.from(RawClient.encode(['ECHO', 'x'.repeat(15000)]).repeat(8), 'latin1');
    const r2 = await flood(srv, failedAuths(6, srv) + RawClient.encode(['AUTH', 'default', PASS]), big, { settleMs: 20 });
    assertBounded(r2, 'AUTH ×6, a correct AUTH, then ECHOs');
  } finally {
    await srv.close();
  }
});

test('an authenticated client held by the AUTH throttle is bound by client-query-buffer-limit', async () => {
  const srv = await throttledServer([['client-query-buffer-limit', '1mb']]);
  try {
    // settle long enough that the login is served before the flood arrives: on a loaded
    // machine the prefix and the first megabyte can otherwise land in one read, and the
    // limit then (rightly) closes the connection before the +OK is written
    const r = await flood(srv, RawClient.encode(['AUTH', 'default', PASS]) + failedAuths(6, srv), PINGS, { settleMs: 300 });
    assertBounded(r, 'authenticated, throttled, PINGs');
    assert.ok(r.received.startsWith('+OK\r\n'));
    assert.ok(srv.server.stats.clientQueryBufferLimitDisconnections >= 1);
  } finally {
    await srv.close();
  }
});

test('CLIENT PAUSE: input behind a held command is bounded, authenticated or not', async () => {
  const srv = await startTestServer({ config: [['requirepass', PASS], ['client-query-buffer-limit', '1mb']] });
  const admin = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('AUTH', PASS), '+OK\r\n');
    // authenticated: a write held by PAUSE WRITE, then raw bytes; then valid commands past the limit
    assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
    const heldSet = RawClient.encode(['AUTH', PASS]) + RawClient.encode(['SET', 'k', 'v']);
    const rawAuthed = await flood(srv, heldSet + '\x00', NO_NEWLINE);
    assertBounded(rawAuthed, 'authenticated, paused SET then raw bytes');
    assert.equal(rawAuthed.received, '+OK\r\n-ERR Protocol error: too big inline request\r\n');
    const qbuf = await flood(srv, heldSet, PINGS);
    assertBounded(qbuf, 'authenticated, paused SET then PINGs');
    assert.equal(qbuf.received, '+OK\r\n');
    assert.ok(srv.server.stats.clientQueryBufferLimitDisconnections >= 1);
    assert.equal(await connectionsDrop(srv, 1), 1);
    // the held SETs never ran
    assert.equal(await admin.call('EXISTS', 'k'), ':0\r\n');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');

    // unauthenticated: AUTH is held by PAUSE ALL (which holds the admin too: it ends by itself)
    assert.equal(await admin.call('CLIENT', 'PAUSE', '4000', 'ALL'), '+OK\r\n');
    const raw = await flood(srv, RawClient.encode(['AUTH', PASS]) + '\x00', NO_NEWLINE);
    assertBounded(raw, 'paused AUTH then raw bytes');
    assert.equal(raw.received, '-ERR Protocol error: too big inline request\r\n');
    const pings = await flood(srv, RawClient.encode(['AUTH', 'u', 'wrong']), PINGS);
    assertBounded(pings, 'paused AUTH then PINGs');
    assert.equal(pings.received, '');
    // a held AUTH, then a request over the unauthenticated argument cap: that depends on the
    // AUTH, so the server stops reading until the pause ends, then answers as Redis would
    const many = await flood(srv, RawClient.encode(['AUTH', 'u', 'wrong']) + '*11\r\n', NO_NEWLINE);
    assertBounded(many, 'paused AUTH then *11');
    assert.equal(many.received, WRONGPASS + '-ERR Protocol error: unauthenticated multibulk length\r\n');
    assert.equal(await connectionsDrop(srv, 1), 1);
    assert.equal(await admin.call('PING'), '+PONG\r\n');
  } finally {
    admin.close();
    await srv.close();
  }
});

test('blocked BLPOP: input behind the blocked command is bounded', async () => {
  const srv = await startTestServer({ config: [['client-query-buffer-limit', '1mb']] });
  const admin = await RawClient.connect(srv.port);
  try {
    const blpop = RawClient.encode(['BLPOP', 'nolist', '0']);
    const raw = await flood(srv, blpop + '\x00', NO_NEWLINE);
    assertBounded(raw, 'BLPOP then raw bytes');
    assert.equal(raw.received, '-ERR Protocol error: too big inline request\r\n');
    const bulk = await flood(srv, blpop + '*1\r\n$600000000\r\n', NO_NEWLINE);
    assertBounded(bulk, 'BLPOP then a bulk over proto-max-bulk-len');
    assert.equal(bulk.received, '-ERR Protocol error: invalid bulk length\r\n');
    const pings = await flood(srv, blpop, PINGS);
    assertBounded(pings, 'BLPOP then PINGs past client-query-buffer-limit');
    assert.equal(pings.received, '');
    assert.equal(await connectionsDrop(srv, 1), 1);
    // no one is left waiting on the list
    assert.equal(await admin.call('RPUSH', 'nolist', 'a'), ':1\r\n');
    assert.equal(await admin.call('LLEN', 'nolist'), ':1\r\n');
  } finally {
    admin.close();
    await srv.close();
  }
});

test('a client that reads no reply: input limits and the unauthenticated output cap still hold', async () => {
  const srv = await startTestServer({ config: [['requirepass', PASS], ['client-query-buffer-limit', '1mb']] });
  const admin = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('AUTH', PASS), '+OK\r\n');
    assert.equal(await admin.call('SET', 'big', 'v'.repeat(900 * 1024)), '+OK\r\n');
    const opts = { readReplies: false };
    const GETS = 8;
    const replyBytes = GETS * 900 * 1024;
    const raw = await flood(srv, '\x00', NO_NEWLINE, opts);
    assertBounded(raw, 'unauthenticated, not reading, raw bytes');
    const pings = await flood(srv, '', PINGS, opts);
    assertBounded(pings, 'unauthenticated, not reading, PINGs');
    // authenticated with megabytes of replies unread, then one huge bulk past the query limit
    const gets = RawClient.encode(['AUTH', PASS]) + RawClient.encode(['GET', 'big']).repeat(GETS);
    const bulk = await flood(srv, gets + '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n', NO_NEWLINE, opts);
    assertBounded(bulk, 'authenticated, not reading, a bulk past client-query-buffer-limit', replyBytes);
    const garbage = await flood(srv, gets + '\x00', NO_NEWLINE, opts);
    assertBounded(garbage, 'authenticated, not reading, raw bytes', replyBytes);
    assert.equal(await connectionsDrop(srv, 1), 1);
  } finally {
    admin.close();
    await srv.close();
  }
});
