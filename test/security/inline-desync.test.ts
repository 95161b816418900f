/**
 * Protocol desync (issue 11): a request that never ends its line — `\x00`, `*\x00` or
 * `$\x00` followed by endless bytes, Redis's own "protocol desync regression" cases — must
 * be refused once the line passes 64 KiB and the connection closed, for every client,
 * logged in or not. Before the fix Redoubt answered the error but only half-closed the
 * socket and went on reading: the peer could stream into it forever.
 *
 * Compared with Debian's redis-server 7.0.15: the same bytes at the limit and one past it
 * give the same answer byte for byte; a peer that keeps writing sees its writes fail
 * after a bounded number of bytes on both servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, NO_ORACLE_MESSAGE, rawExchange, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningServer } from '../../src/server/server.js';

const PASS = 'Desync-Pass-3';
const SEQUENCES = ['\x00', '*\x00', '$\x00'];
const INLINE_MAX = 64 * 1024;
/** a writer gives up after this many bytes; both servers must have closed well before */
const WRITE_CAP = 64 * 1024 * 1024;
const WRITE_BOUND = 24 * 1024 * 1024;

interface WriteUntilFail {
  sent: number;
  failed: boolean;
  received: string;
}

/** As the Tcl test: writes 1 KiB at a time, ignoring the server's FIN, until a write fails. */
async function writeUntilFail(port: number, seq: string): Promise<WriteUntilFail> {
  const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  const received: Buffer[] = [];
  let failed = false;
  s.on('data', (d: Buffer) => received.push(d));
  s.on('error', () => (failed = true));
  s.on('close', () => (failed = true));
  s.write(Buffer.from(seq, 'latin1'));
  const payload = Buffer.alloc(1024, 0x41);
  let sent = 0;
  const started = Date.now();
  try {
    while (!failed && sent < WRITE_CAP && Date.now() - started < 10_000) {
      if (s.writableLength > 1024 * 1024) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          s.once('drain', () => {
            clearTimeout(t);
            r();
          });
        });
        continue;
      }
      s.write(payload);
      if (sent % (64 * 1024) === 0) await new Promise((r) => setImmediate(r));
      sent += payload.length;
    }
    return { sent, failed, received: Buffer.concat(received).toString('latin1') };
  } finally {
    s.destroy();
  }
}

function expectedError(seq: string): string {
  return seq.startsWith('*') ? 'too big mbulk count string' : 'too big inline request';
}

for (const loggedIn of [true, false]) {
  const who = loggedIn ? 'a logged-in client' : 'an unauthenticated client';
  const config: [string, ...string[]][] = loggedIn ? [] : [['requirepass', PASS]];

  /** redis-server, with the password set once it answers (the oracle waits for a PONG) */
  async function startOracle(): Promise<RedisOracle> {
    const redis = await startRedisOracle();
    if (!loggedIn) {
      const c = await RawClient.connect(redis.port);
      assert.equal(await c.call('CONFIG', 'SET', 'requirepass', PASS), '+OK\r\n');
      c.close();
    }
    return redis;
  }

  test(`protocol desync, ${who}: at 64 KiB the server waits, one byte past it the request is refused (byte for byte as redis-server)`, async (t) => {
    const oracleAvailable = findRedisServer() !== null;
    if (!oracleAvailable) t.diagnostic(NO_ORACLE_MESSAGE);
    const srv: RunningServer = await startTestServer({ config });
    const redis: RedisOracle | null = oracleAvailable ? await startOracle() : null;
    try {
      for (const seq of SEQUENCES) {
        for (const total of [INLINE_MAX, INLINE_MAX + 1]) {
          const bytes = Buffer.concat([Buffer.from(seq, 'latin1'), Buffer.alloc(total - seq.length, 0x41)]);
          const ours = await rawExchange(srv.port, [bytes], { sentinel: false, idleMs: 300 });
          const what = `${JSON.stringify(seq)} + ${total - seq.length} bytes`;
          if (total > INLINE_MAX) {
            assert.deepEqual(ours, { data: `-ERR Protocol error: ${expectedError(seq)}\r\n`, closed: true }, what);
          } else {
            assert.deepEqual(ours, { data: '', closed: false }, what);
          }
          if (redis !== null) {
            const theirs = await rawExchange(redis.port, [bytes], { sentinel: false, idleMs: 300 });
            assert.deepEqual(ours, theirs, `${what}: same answer as redis-server`);
          }
        }
      }
    } finally {
      await srv.close();
      await redis?.stop();
    }
  });

  test(`protocol desync, ${who}: a peer that keeps writing sees its writes fail after a bounded number of bytes`, async (t) => {
    const oracleAvailable = findRedisServer() !== null;
    if (!oracleAvailable) t.diagnostic(NO_ORACLE_MESSAGE);
    const srv: RunningServer = await startTestServer({ config });
    const redis: RedisOracle | null = oracleAvailable ? await startOracle() : null;
    try {
      for (const seq of SEQUENCES) {
        const readBefore = srv.server.stats.netInputBytes;
        const ours = await writeUntilFail(srv.port, seq);
        const read = srv.server.stats.netInputBytes - readBefore;
        assert.ok(ours.failed, `${JSON.stringify(seq)}: writes still accepted after ${ours.sent} bytes`);
        assert.ok(ours.sent <= WRITE_BOUND, `${JSON.stringify(seq)}: ${ours.sent} bytes written before the close`);
        // the server itself read little: the limit, then at most a short linger
        assert.ok(read <= 1024 * 1024, `${JSON.stringify(seq)}: the server read ${read} bytes`);
        // the error may be lost to the reset (as with redis-server); when it arrives it is Redis's
        assert.ok(['', `-ERR Protocol error: ${expectedError(seq)}\r\n`].includes(ours.received), JSON.stringify(ours.received));
        if (redis !== null) {
          const theirs = await writeUntilFail(redis.port, seq);
          assert.ok(theirs.failed && theirs.sent <= WRITE_BOUND, `redis-server: ${theirs.sent} bytes, failed=${theirs.failed}`);
        }
      }
    } finally {
      await srv.close();
      await redis?.stop();
    }
  });
}
