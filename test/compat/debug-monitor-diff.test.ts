/**
 * Differential tests for issue 13's introspection commands against Debian's redis-server
 * 7.0.15: the same requests go to both servers over raw sockets and the replies are compared
 * byte for byte — DEBUG PROTOCOL for every type in RESP2 and RESP3, DEBUG DIGEST and
 * DIGEST-VALUE of every type (sorted-set scores are chosen so 7.0's "%.17g" and 7.2's
 * fpconv print them alike), PFDEBUG, the refusal when enable-debug-command is off, error
 * texts, and MONITOR's lines with timestamps and client ports masked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

async function both(
  oracleArgs: string[],
  redoubtConfig: [string, string][],
  body: (ours: RawClient, theirs: RawClient, oursPort: number, theirsPort: number) => Promise<void>,
): Promise<void> {
  const srv = await startTestServer({ config: redoubtConfig });
  let oracle: RedisOracle | null = null;
  let a: RawClient | null = null;
  let b: RawClient | null = null;
  try {
    oracle = await startRedisOracle(oracleArgs);
    a = await RawClient.connect(srv.port);
    b = await RawClient.connect(oracle.port);
    await body(a, b, srv.port, oracle.port);
  } finally {
    a?.close();
    b?.close();
    await oracle?.stop();
    await srv.close();
  }
}

async function same(a: RawClient, b: RawClient, ...argv: string[]): Promise<string> {
  const [x, y] = await Promise.all([a.call(...argv), b.call(...argv)]);
  assert.equal(x, y, argv.join(' '));
  return x;
}

const PROTOCOL_TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nosuch'];

test('DEBUG PROTOCOL: every type, RESP2 and RESP3, byte for byte', { skip }, async () => {
  await both(['--enable-debug-command', 'yes'], [['enable-debug-command', 'yes']], async (a, b) => {
    for (const t of PROTOCOL_TYPES) await same(a, b, 'DEBUG', 'PROTOCOL', t);
    const hello = await Promise.all([a.call('HELLO', '3'), b.call('HELLO', '3')]);
    assert.ok(hello[0].startsWith('%') && hello[1].startsWith('%'));
    for (const t of PROTOCOL_TYPES) {
      if (t === 'attrib') continue;
      // push writes a second reply after the push: read both
      const two = t === 'push';
      a.write(RawClient.encode(['DEBUG', 'PROTOCOL', t]));
      b.write(RawClient.encode(['DEBUG', 'PROTOCOL', t]));
      const x = (await a.readReply()) + (two ? await a.readReply() : '');
      const y = (await b.readReply()) + (two ? await b.readReply() : '');
      assert.equal(x, y, `RESP3 ${t}`);
    }
    // an attribute (RESP3 '|', which the reply reader does not parse) and its real reply:
    // compared as raw bytes up to the end of the trailing bulk
    const end = 'following the attribute\r\n';
    const raw = async (c: RawClient): Promise<string> => {
      const start = c.received.length;
      c.write(RawClient.encode(['DEBUG', 'PROTOCOL', 'attrib']));
      const deadline = Date.now() + 3000;
      while (!c.received.slice(start).endsWith(end) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return c.received.slice(start);
    };
    const [x, y] = [await raw(a), await raw(b)];
    assert.ok(x.startsWith('|1\r\n'), x);
    assert.equal(x, y, 'RESP3 attrib');
  });
});

test('DEBUG DIGEST / DIGEST-VALUE equal redis-server for every type, and follow changes', { skip }, async () => {
  await both(['--enable-debug-command', 'yes'], [['enable-debug-command', 'yes']], async (a, b) => {
    assert.equal(await same(a, b, 'DEBUG', 'DIGEST'), '+0000000000000000000000000000000000000000\r\n');
    const writes = [
      ['SET', 'str', 'hello world'],
      ['SET', 'int', '12345'],
      ['SET', 'bin', '\x00\xff\r\n'],
      ['RPUSH', 'list', 'a', 'b', '3', ''],
      ['SADD', 'iset', '1', '2', '300'],
      ['SADD', 'set', 'x', 'y', 'zz'],
      ['ZADD', 'zset', '1', 'one', '2.5', 'two', '-0.25', 'neg', '1e+30', 'big'],
      ['HSET', 'hash', 'f', 'v', 'n', '7'],
      ['XADD', 'stream', '1-1', 'f', 'v'],
      ['XADD', 'stream', '5-0', 'a', 'b', 'c', 'd'],
      ['SET', 'ttl', 'v', 'EX', '1000'],
      ['SELECT', '3'],
      ['SET', 'str', 'hello world'],
      ['SELECT', '0'],
    ];
    for (const w of writes) await same(a, b, ...w);
    const keys = ['str', 'int', 'bin', 'list', 'iset', 'set', 'zset', 'hash', 'stream', 'ttl', 'missing'];
    const values = await same(a, b, 'DEBUG', 'DIGEST-VALUE', ...keys);
    assert.equal(values.split('\r\n').filter((l) => l.startsWith('+0000000000')).length, 1, 'only the missing key digests to zeros');
    const before = await same(a, b, 'DEBUG', 'DIGEST');
    // order matters for lists, not for sets: the same members in another order digest alike
    await same(a, b, 'SADD', 'set2', 'zz', 'y', 'x');
    await same(a, b, 'RPUSH', 'list2', '', '3', 'b', 'a');
    await same(a, b, 'DEBUG', 'DIGEST-VALUE', 'set2', 'list2');
    assert.notEqual(await same(a, b, 'DEBUG', 'DIGEST'), before);
  });
});

test('DEBUG and MODULE refusals, error texts and small replies match', { skip }, async () => {
  // enable-debug-command / enable-module-command at their default (no)
  await both([], [], async (a, b) => {
    await same(a, b, 'DEBUG', 'DIGEST');
    await same(a, b, 'DEBUG', 'HELP');
    await same(a, b, 'MODULE', 'LOAD', '/tmp/x.so');
    await same(a, b, 'MODULE', 'LIST');
    await same(a, b, 'DEBUG');
  });
  await both(['--enable-debug-command', 'yes'], [['enable-debug-command', 'yes']], async (a, b) => {
    for (const argv of [
      ['DEBUG', 'OBJECT', 'nokey'],
      ['DEBUG', 'nosuch'],
      ['DEBUG', 'RELOAD', 'bogus'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1k'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'POPULATE', '3', 'p', '12'],
      ['MGET', 'p:0', 'p:1', 'p:2'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', '2'],
      ['MGET', 'key:0', 'key:1'],
      ['DEBUG', 'ERROR', 'some error'],
      ['DEBUG', 'LISTPACK', 'nokey'],
      ['DEBUG', 'HTSTATS-KEY', 'p:0'],
      ['DEBUG', 'HTSTATS', '99'],
      ['DEBUG', 'SDSLEN', 'nokey'],
      ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never'],
      ['DEBUG', 'REPLYBUFFER', 'bogus', '1'],
      ['DEBUG', 'CHANGE-REPL-ID'],
      ['LATENCY', 'GRAPH', 'nosuch'],
      ['LOLWUT', 'VERSION', 'x'],
      ['MODULE', 'LIST'],
      ['MODULE', 'UNLOAD', 'nosuch'],
    ]) {
      await same(a, b, ...argv);
    }
  });
});

test('PFDEBUG GETREG / DECODE / ENCODING / TODENSE and PFSELFTEST match', { skip }, async () => {
  await both([], [], async (a, b) => {
    await same(a, b, 'PFADD', 'h', 'a', 'b', 'c', 'd', 'e');
    await same(a, b, 'PFDEBUG', 'DECODE', 'h');
    await same(a, b, 'PFDEBUG', 'ENCODING', 'h');
    await same(a, b, 'PFDEBUG', 'GETREG', 'h');
    await same(a, b, 'GET', 'h');
    await same(a, b, 'PFDEBUG', 'ENCODING', 'h');
    await same(a, b, 'PFDEBUG', 'DECODE', 'h');
    await same(a, b, 'PFADD', 'g', 'x');
    await same(a, b, 'PFDEBUG', 'TODENSE', 'g');
    await same(a, b, 'PFDEBUG', 'TODENSE', 'g');
    await same(a, b, 'GET', 'g');
    await same(a, b, 'PFDEBUG', 'GETREG', 'nokey');
    await same(a, b, 'SET', 's', 'not an hll');
    await same(a, b, 'PFDEBUG', 'GETREG', 's');
    await same(a, b, 'PFDEBUG', 'bogus', 'h');
    await same(a, b, 'PFDEBUG', 'GETREG');
    // Redis adds 10^7 elements, Redoubt 10^5: both take a while on a busy machine
    a.write(RawClient.encode(['PFSELFTEST']));
    b.write(RawClient.encode(['PFSELFTEST']));
    assert.equal(await a.readReply(60_000), '+OK\r\n');
    assert.equal(await b.readReply(60_000), '+OK\r\n');
  });
});

/** A MONITOR line with the timestamp and the client's port masked. */
function mask(s: string): string {
  return s.replace(/^\+\d+\.\d{6} \[/gm, '+TS [').replace(/127\.0\.0\.1:\d+/g, 'ADDR');
}

test('MONITOR: the same lines as redis-server (timestamps and ports masked)', { skip }, async () => {
  await both(['--enable-debug-command', 'yes'], [['enable-debug-command', 'yes']], async (_a, _b, portA, portB) => {
    const script: string[][] = [
      ['SET', 'k', 'v\n"\\\x01\xff end'],
      ['AUTH', 'secret-one'],
      ['AUTH', 'someone', 'secret-two'],
      ['HELLO', '3', 'AUTH', 'someone', 'secret-three', 'SETNAME', 'n'],
      ['HELLO', '2'],
      ['SELECT', '2'],
      ['GET', 'k'],
      ['CONFIG', 'SET', 'requirepass', 'secret-four'],
      ['ACL', 'SETUSER', 'bob', '>secret-five'],
      ['MULTI'],
      ['INCR', 'n'],
      ['SET', 'a', 'b'],
      ['EXEC'],
      ['MULTI'],
      ['GET', 'a', 'b'],
      ['EXEC'],
      ['NOSUCHCOMMAND'],
      ['DEBUG', 'SLEEP', '0'],
      ['CLIENT', 'LIST'],
      ['BLPOP', 'nolist', '0.01'],
      ['SET', '12345', '67'],
      ['PING'],
    ];
    const outputs: string[] = [];
    for (const port of [portA, portB]) {
      const mon = await RawClient.connect(port);
      assert.equal(await mon.call('MONITOR'), '+OK\r\n');
      const c = await RawClient.connect(port);
      for (const argv of script) {
        c.write(RawClient.encode(argv));
        await c.readReply();
      }
      // the PING's line is the last one: wait for it
      const deadline = Date.now() + 3000;
      while (!mon.received.includes('"PING"') && !mon.received.includes('"ping"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      outputs.push(mask(mon.received));
      mon.close();
      c.close();
    }
    assert.equal(outputs[0], outputs[1]);
    for (const secret of ['secret-one', 'secret-two', 'secret-three', 'secret-four', 'secret-five']) assert.ok(!outputs[0]!.includes(secret), secret);
    assert.match(outputs[0]!, /\+TS \[0 ADDR\] "SET" "k" "v\\n\\"\\\\\\x01\\xff end"\r\n/);
  });
});
