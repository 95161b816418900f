/**
 * Protocol differential test: the same raw bytes go to a real redis-server (the oracle)
 * and to Redoubt on fresh connections, and the raw replies must match byte for byte,
 * as must whether the server closed the connection.
 *
 * Normalization (the only one): HELLO's reply carries the server's version and the
 * connection id, which legitimately differ; `version` becomes <VERSION> and `id`
 * becomes <ID>, and only in cases marked `hello`.
 *
 * Known, intended differences (not compared here, asserted on Redoubt alone below):
 *  - a multibulk count above 1,048,576 is `invalid multibulk length` in Redoubt (a
 *    hardening limit, array count ≤ 1M); Redis accepts counts up to INT_MAX.
 *  - an inline request containing a NUL byte: Redis's strchr stops at the NUL, so it
 *    waits for a newline it never finds; Redoubt parses the line.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, startRedisOracle, rawExchange, NO_ORACLE_MESSAGE, type RedisOracle, type Exchange } from '../helpers/redis-oracle.js';
import type { RunningServer } from '../../src/server/server.js';

interface Case {
  name: string;
  /** bytes to send, as binary strings; several chunks are written separately */
  send: string | string[];
  /** the request is left incomplete on purpose: no sentinel, wait for silence */
  incomplete?: boolean;
  /** normalize HELLO's version and id */
  hello?: boolean;
  gapMs?: number;
  /** a known bug in a file this test does not own: reported, not failing the run */
  todo?: string;
}

function resp(...argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

function normalizeHello(s: string): string {
  return s
    .replace(/(\$7\r\nversion\r\n)\$\d+\r\n[^\r]*\r\n/g, '$1<VERSION>\r\n')
    .replace(/(\$2\r\nid\r\n):\d+\r\n/g, '$1:<ID>\r\n');
}

function allBytes(): string {
  let s = '';
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
}

/** A deterministic pseudo-random payload (no Math.random: reproducible). */
function payload(n: number, seed: number): string {
  let x = seed >>> 0;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(x >>> 24);
  }
  return s;
}

function splitEvery(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

const big = payload(100_000, 7);
const long200 = 'a'.repeat(98) + '\r\n' + 'b'.repeat(100);

const cases: Case[] = [
  // ---- malformed multibulk ----
  { name: 'invalid multibulk length: letters', send: '*x\r\n' },
  { name: 'invalid multibulk length: -0', send: '*-0\r\nPING\r\n' },
  { name: 'invalid multibulk length: +1', send: '*+1\r\n' },
  { name: 'invalid multibulk length: leading space', send: '* 1\r\n' },
  { name: 'invalid multibulk length: leading zero', send: '*01\r\n$4\r\nPING\r\n' },
  { name: 'invalid multibulk length: above INT_MAX', send: '*2147483648\r\n' },
  { name: 'invalid multibulk length: 64-bit overflow', send: '*9223372036854775808\r\n' },
  { name: 'invalid bulk length: -1', send: '*1\r\n$-1\r\n' },
  { name: 'invalid bulk length: letters', send: '*1\r\n$abc\r\n' },
  { name: 'invalid bulk length: -0', send: '*1\r\n$-0\r\n' },
  { name: 'invalid bulk length: leading zero', send: '*1\r\n$01\r\nx\r\n' },
  { name: 'invalid bulk length: above proto-max-bulk-len', send: '*1\r\n$536870913\r\n' },
  { name: "expected '$', got 'x'", send: '*2\r\n$4\r\nECHO\r\nx\r\n' },
  { name: "expected '$', got ':'", send: '*1\r\n:1\r\n' },
  { name: "expected '$' is only reported on a whole line", send: '*1\r\nfoo', incomplete: true },
  { name: 'a count line ends at CR plus any byte', send: '*1\rX$4\r\nPING\r\n' },
  { name: 'the two bytes after a bulk are not checked', send: '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n' },
  { name: '*0, *-1 and a huge negative count are skipped', send: '*0\r\n*-1\r\n*-9007199254740993\r\nPING\r\n' },
  { name: 'incomplete bulk waits', send: '*2\r\n$4\r\nECHO\r\n$10\r\nabc', incomplete: true },
  { name: 'replies before a protocol error are sent, then the error', send: 'PING\r\n' + resp('ECHO', 'ok') + '*x\r\nPING\r\n' },
  { name: 'too big inline request', send: 'a'.repeat(70_000) },
  { name: 'too big mbulk count string', send: '*' + '1'.repeat(70_000) },
  { name: 'too big bulk count string', send: '*1\r\n$' + '1'.repeat(70_000) },
  { name: 'a 64 KiB inline line is still accepted', send: 'ECHO ' + 'y'.repeat(65_000) + '\r\n' },
  // ---- inline ----
  { name: 'inline with double and single quotes', send: 'PING "hello world"\r\nPING \'it s\'\r\nPING \'a\\\'b\'\r\n' },
  { name: 'inline escapes', send: 'ECHO "\\x41\\x4g\\n\\r\\t\\b\\a\\\\\\"\\q"\r\n' },
  { name: 'inline quote glued to a word', send: 'ECHO abc"def"\r\n' },
  { name: 'inline empty quoted argument', send: 'ECHO ""\r\n' },
  { name: 'inline: unbalanced double quote', send: 'ECHO "abc\r\n' },
  { name: 'inline: closing quote followed by a letter', send: 'ECHO "a"b\r\n' },
  { name: "inline: closing single quote followed by a letter", send: "ECHO 'a'b\r\n" },
  { name: 'inline: empty and blank lines are skipped', send: '\r\n\n   \r\n\t\r\nPING\n' },
  { name: 'inline: LF-only endings and a CR inside a line', send: 'PING\nECHO a\rb\nECHO x\n' },
  { name: 'inline: \\v and \\f belong to a word', send: 'ECHO a\x0bb\r\nECHO a\x0cb\r\nPING\x0bX\r\n' },
  { name: 'inline: binary bytes', send: 'ECHO \xff\x80\x01\x7f\r\n' },
  { name: 'inline: a line sent in pieces', send: ['EC', 'HO', ' hel', 'lo\r', '\n'], gapMs: 15 },
  {
    name: 'pipeline mixing inline and multibulk',
    send: 'PING\r\n' + resp('ECHO', 'x') + 'ECHO y\r\n' + resp('PING', 'z') + '\r\n' + resp('ECHO', '') + 'PING\r\n',
  },
  { name: 'binary payload with every byte value', send: resp('ECHO', allBytes()) },
  { name: 'a 100 KB bulk in 7 KB chunks', send: splitEvery(resp('ECHO', big) + resp('PING'), 7000), gapMs: 2 },
  { name: 'a 100 KB bulk in one write, pipelined with more', send: resp('ECHO', big) + resp('ECHO', 'after') + 'PING\r\n' },
  { name: 'a pipeline of 500 commands', send: Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? `ECHO m${i}\r\n` : resp('ECHO', `n${i}`))).join('') },
  // ---- unknown commands and arity ----
  { name: 'unknown command without args', send: 'FOO\r\n' },
  { name: 'unknown command with args', send: 'FOO a b c\r\n' },
  { name: 'unknown command with many args (inline)', send: 'a b c d e f g h i j k l\r\n' },
  {
    name: 'unknown command: args clipped to 128 bytes in total',
    send: resp('foo', 'x'.repeat(100), 'y'.repeat(100), 'z'),
  },
  { name: 'unknown command: one 300-byte arg', send: resp('foo', 'q'.repeat(300)) },
  { name: 'unknown command: args with CRLF', send: resp('foo', long200) + resp('bar', 'a\r\nb', 'c\nd') },
  { name: 'unknown command: a 300-byte name with CRLF', send: resp('n\r\n' + 'm'.repeat(300), 'x') },
  {
    name: 'unknown command: NUL in an argument',
    send: resp('foo', 'a\0b', 'c'),
  },
  { name: 'wrong arity', send: 'GET\r\nSET k\r\nECHO\r\nECHO a b\r\nPING a b\r\nSELECT\r\nHELLO 3 SETNAME\r\n' },
  // ---- HELLO ----
  { name: 'HELLO 3', send: 'HELLO 3\r\n', hello: true },
  { name: 'HELLO 2', send: 'HELLO 2\r\n', hello: true },
  { name: 'HELLO without a version', send: 'HELLO\r\n', hello: true },
  { name: 'HELLO 4 and HELLO 1', send: 'HELLO 4\r\nHELLO 1\r\nHELLO -1\r\n' },
  { name: 'HELLO abc and an out-of-range version', send: 'HELLO abc\r\nHELLO 99999999999999999999\r\nHELLO 3.0\r\n' },
  { name: 'HELLO 3 SETNAME bad name', send: 'HELLO 3 SETNAME "bad name"\r\nHELLO 3 SETNAME "a\\nb"\r\nPING\r\n' },
  { name: 'HELLO 3 SETNAME ok, then RESP3 replies', send: 'HELLO 3 SETNAME ok-name\r\nPING\r\n', hello: true },
  { name: 'HELLO with an unknown option', send: 'HELLO 3 FOO\r\nHELLO 2 AUTH default\r\n' },
  { name: 'HELLO AUTH default with any password (nopass)', send: 'HELLO 3 AUTH default anything\r\n', hello: true },
  { name: 'HELLO AUTH unknown user', send: 'HELLO 3 AUTH nobody x\r\nPING\r\n' },
  {
    name: 'PING and ECHO in RESP3, then back to RESP2',
    send: 'HELLO 3\r\nPING\r\nPING x\r\nECHO ""\r\nECHO "\\x00\\xff"\r\nGET no-such-key\r\nHELLO 2\r\nGET no-such-key\r\nPING\r\n',
    hello: true,
  },
  // ---- SELECT ----
  { name: 'SELECT valid indexes', send: 'SELECT 0\r\nSELECT 15\r\nSELECT 0\r\n' },
  { name: 'SELECT out of range', send: 'SELECT 16\r\nSELECT -1\r\nSELECT 2147483647\r\n' },
  {
    name: 'SELECT beyond int range',
    send: 'SELECT 2147483648\r\nSELECT -2147483649\r\n',
  },
  { name: 'SELECT not an integer', send: 'SELECT 01\r\nSELECT " 1"\r\nSELECT abc\r\nSELECT 1.5\r\nSELECT 9223372036854775808\r\n' },
  // ---- QUIT and RESET ----
  { name: 'QUIT answers OK and closes, later commands are ignored', send: 'QUIT\r\nPING\r\n' },
  { name: 'QUIT with arguments', send: 'QUIT now please\r\n' },
  { name: 'QUIT pipelined after other commands', send: 'PING\r\n' + resp('ECHO', 'bye') + resp('QUIT') },
  { name: 'RESET returns to RESP2 and db 0', send: 'HELLO 3\r\nSELECT 3\r\nRESET\r\nPING x\r\nGET nokey\r\n', hello: true },
  { name: 'RESET with an argument', send: 'RESET x\r\n' },
  // ---- cross-protocol scripting guard ----
  {
    name: 'POST closes the connection silently',
    send: 'POST / HTTP/1.1\r\nPING\r\n',
  },
  {
    name: 'Host: closes the connection silently',
    send: 'Host: example.com\r\nPING\r\n',
  },
];

const redisBin = findRedisServer();

describe('protocol: Redoubt vs redis-server, raw bytes', { skip: redisBin === null ? NO_ORACLE_MESSAGE : false }, () => {
  let oracle: RedisOracle | null = null;
  let redoubt: RunningServer | null = null;

  before(async () => {
    oracle = await startRedisOracle();
    redoubt = await startTestServer();
  });

  after(async () => {
    await redoubt?.close();
    await oracle?.stop();
  });

  for (const c of cases) {
    test(c.name, { todo: c.todo }, async () => {
      const chunks = typeof c.send === 'string' ? [c.send] : c.send;
      const opts = { sentinel: c.incomplete !== true, gapMs: c.gapMs ?? 0 };
      const [want, got] = await Promise.all([rawExchange(oracle!.port, chunks, opts), rawExchange(redoubt!.port, chunks, opts)]);
      const norm = (e: Exchange) => ({ data: c.hello === true ? normalizeHello(e.data) : e.data, closed: e.closed });
      assert.deepEqual(norm(got), norm(want), `bytes sent: ${JSON.stringify(chunks.join('').slice(0, 300))}`);
    });
  }
});

if (redisBin === null) {
  // Loud on purpose: a silent skip would look like a pass.
  console.warn(`\n*** protocol-diff: ${NO_ORACLE_MESSAGE} ***\n`);
}

describe('protocol: intended differences, checked on Redoubt alone', () => {
  test('a multibulk count above 1,048,576 is refused (Redis allows up to INT_MAX)', async () => {
    const srv = await startTestServer();
    try {
      const got = await rawExchange(srv.port, ['*1048577\r\n']);
      assert.deepEqual(got, { data: '-ERR Protocol error: invalid multibulk length\r\n', closed: true });
      const okCount = await rawExchange(srv.port, ['*1048576\r\n'], { sentinel: false, idleMs: 100 });
      assert.deepEqual(okCount, { data: '', closed: false });
    } finally {
      await srv.close();
    }
  });
});
