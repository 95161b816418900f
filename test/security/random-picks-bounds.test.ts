/**
 * SRANDMEMBER / HRANDFIELD / ZRANDMEMBER with a huge negative count: the reply is count ×
 * element size, unrelated to the data or the request. `SRANDMEMBER s -200000000` on a
 * 3-member set stalled ~9 s, kept 1.7 GB and answered `internal error` (V8's array limit).
 * Now such replies are encoded as they are built and limited (commands/random-picks.ts): a
 * hopeless count is refused before anything is built, a reply that grows past the limit is
 * dropped and refused. The attack runs against the real binary, whose peak RSS (VmHWM) is
 * read from /proc; the connection and the server stay healthy. Normal counts still answer
 * exactly what redis-server answers (single-element collections make the picks
 * deterministic), in RESP2 and RESP3.
 */
// npm test: serial — measures peak RSS growth and answer times
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, freePort, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { startTestServer } from '../helpers/server.js';
import { errors } from '../../src/errors.js';
import { MAX_PICKS_REPLY_BYTES } from '../../src/commands/random-picks.js';
import { EXPLICIT_HEAP_ARG } from '../helpers/bin-heap.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const REFUSED = `-${errors.randomPicksTooLarge}\r\n`;
/** generous bounds on a busy machine: the refused calls take milliseconds */
const CALL_TIMEOUT_MS = 10_000;
const PEAK_GROWTH_BOUND = 200 * 1024 * 1024;
const LONG_MAX = '9223372036854775807';
const LONG_MIN = '-9223372036854775808';

/** VmHWM (peak resident set) of a process, in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  assert.ok(m !== null, 'VmHWM in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

async function startBinary(): Promise<{ child: ChildProcess; port: number; dir: string }> {
  const port = await freePort();
  const dir = scratchDir();
  const child = spawn(process.execPath, [EXPLICIT_HEAP_ARG, MAIN, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const deadline = Date.now() + 15_000;
  while (!out.includes('Ready to accept connections tcp') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  assert.match(out, /Ready to accept connections tcp/);
  return { child, port, dir };
}

/** Sends one command on a fresh connection and collects `length` bytes of reply (no RESP parsing: large replies). */
function rawReply(port: number, argv: string[], length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(RawClient.encode(argv)));
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${argv.join(' ')}: ${got} of ${length} bytes within ${CALL_TIMEOUT_MS} ms`));
    }, CALL_TIMEOUT_MS);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= length) {
        clearTimeout(timer);
        s.destroy();
        resolve(Buffer.concat(chunks).toString('latin1'));
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function timedCall(c: RawClient, argv: string[]): Promise<{ reply: string; ms: number }> {
  const t0 = Date.now();
  c.write(RawClient.encode(argv));
  const reply = await c.readReply(CALL_TIMEOUT_MS);
  return { reply, ms: Date.now() - t0 };
}

test('huge negative counts are refused before building anything: bounded time and memory, healthy afterwards', async () => {
  const { child, port, dir } = await startBinary();
  const c = await RawClient.connect(port);
  try {
    assert.equal(await c.call('SADD', 's', 'a', 'b', 'c'), ':3\r\n');
    assert.equal(await c.call('HSET', 'h', 'a', '1', 'b', '2'), ':2\r\n');
    assert.equal(await c.call('ZADD', 'z', '1', 'a', '2', 'b'), ':2\r\n');
    const before = peakRss(child.pid!);
    const attacks = [
      ['SRANDMEMBER', 's', '-200000000'],
      ['SRANDMEMBER', 's', '-9223372036854775807'],
      ['HRANDFIELD', 'h', '-200000000'],
      ['HRANDFIELD', 'h', '-200000000', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '-9223372036854775807'],
      ['HRANDFIELD', 'h', '-4611686018427387903', 'WITHVALUES'],
      ['ZRANDMEMBER', 'z', '-200000000'],
      ['ZRANDMEMBER', 'z', '-200000000', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807'],
      ['ZRANDMEMBER', 'z', '-4611686018427387903', 'WITHSCORES'],
    ];
    for (const argv of attacks) {
      const { reply, ms } = await timedCall(c, argv);
      assert.equal(reply, REFUSED, argv.join(' '));
      assert.ok(ms < CALL_TIMEOUT_MS, `${argv.join(' ')} took ${ms} ms`);
    }
    const growth = peakRss(child.pid!) - before;
    console.log(`random picks: ${attacks.length} huge counts refused; peak RSS growth ${(growth / 1048576).toFixed(1)} MB`);
    assert.ok(growth < PEAK_GROWTH_BOUND, `peak RSS grew by ${growth} bytes`);
    assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.equal(await c.call('SCARD', 's'), ':3\r\n');
  } finally {
    c.close();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reply that grows past the limit with large elements is dropped and refused; below the limit it is answered', async () => {
  const { child, port, dir } = await startBinary();
  const c = await RawClient.connect(port);
  try {
    const big = 'v'.repeat(1024 * 1024);
    assert.equal(await c.call('HSET', 'h', 'f', big), ':1\r\n');
    assert.equal(await c.call('SADD', 's', big), ':1\r\n');
    const before = peakRss(child.pid!);
    // 200 picks of 1 MiB: 200 MiB of reply, far past the limit, refused part-way
    for (const argv of [['HRANDFIELD', 'h', '-200', 'WITHVALUES'], ['SRANDMEMBER', 's', '-200']]) {
      const { reply, ms } = await timedCall(c, argv);
      assert.equal(reply, REFUSED, argv.join(' '));
      assert.ok(ms < CALL_TIMEOUT_MS, `${argv.join(' ')} took ${ms} ms`);
    }
    const growth = peakRss(child.pid!) - before;
    console.log(`random picks: 200 x 1 MiB refused part-way; peak RSS growth ${(growth / 1048576).toFixed(1)} MB (limit ${MAX_PICKS_REPLY_BYTES / 1048576} MiB)`);
    assert.ok(growth < PEAK_GROWTH_BOUND, `peak RSS grew by ${growth} bytes`);
    // within the limit: answered in full (20 MiB), and a single huge pick is never refused
    const one = `$${big.length}\r\n${big}\r\n`;
    const full = await rawReply(port, ['SRANDMEMBER', 's', '-20'], 5 + 20 * one.length);
    assert.ok(full.length === 5 + 20 * one.length && full.startsWith('*20\r\n') && full.slice(5) === one.repeat(20), `SRANDMEMBER s -20: ${full.length} bytes`);
    assert.ok((await rawReply(port, ['HRANDFIELD', 'h', '-1', 'WITHVALUES'], 4 + 7 + one.length)) === `*2\r\n$1\r\nf\r\n${one}`, 'HRANDFIELD h -1 WITHVALUES');
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

const redisBin = findRedisServer();
test('normal and extreme counts answer as redis-server does (RESP2 and RESP3)', { skip: redisBin === null ? NO_ORACLE_MESSAGE : false }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  try {
    for (const proto of ['2', '3']) {
      const r = await RawClient.connect(oracle.port);
      const c = await RawClient.connect(srv.port);
      try {
        assert.equal(await r.call('HELLO', proto).then((x) => x[0]), await c.call('HELLO', proto).then((x) => x[0]));
        // one element each: the picks are deterministic, so the replies compare byte for byte
        const setup = [
          ['DEL', 's', 'h', 'z'],
          ['SADD', 's', 'a'],
          ['HSET', 'h', 'f', 'v'],
          ['ZADD', 'z', '1.5', 'm'],
        ];
        for (const argv of setup) assert.equal(await c.call(...argv), await r.call(...argv));
        // counts Redis answers without building gigabytes, and the ones it refuses
        const counts = ['0', '1', '-1', '5', '-5', '-1000', LONG_MAX, LONG_MIN, '9223372036854775808', '-9223372036854775809', 'x', '1.5'];
        const calls: string[][] = [];
        for (const n of counts) {
          calls.push(['SRANDMEMBER', 's', n], ['HRANDFIELD', 'h', n], ['ZRANDMEMBER', 'z', n]);
          calls.push(['HRANDFIELD', 'h', n, 'WITHVALUES'], ['ZRANDMEMBER', 'z', n, 'WITHSCORES']);
        }
        // past LONG_MAX/2 the doubled reply length would overflow: Redis's own refusal
        calls.push(['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'], ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES']);
        calls.push(['SRANDMEMBER', 'nokey', '-5'], ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'], ['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES']);
        for (const argv of calls) assert.equal(await c.call(...argv), await r.call(...argv), `RESP${proto} ${argv.join(' ')}`);
      } finally {
        r.close();
        c.close();
      }
    }
  } finally {
    await srv.close();
    await oracle.stop();
  }
});
