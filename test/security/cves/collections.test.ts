/**
 * CVE regression suite — sets, hashes, sorted sets and streams: encoding limits raised to
 * huge values (intset/ziplist overflows), *RANDMEMBER/HRANDFIELD counts, HINCRBYFLOAT,
 * XGROUP/XAUTOCLAIM/XSETID. Guarded child server: RSS ≤ 500 MiB, 30 s per attack. Replies are
 * compared with redis-server 7.0.15 only for commands that are safe on it (never a huge
 * negative count: 7.0.15 builds those replies and grows by gigabytes).
 */
// npm test: serial — attacks a guarded child server under RSS and per-attack time ceilings
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MiB } from '../../helpers/resource-guard.js';
import { callAll, firstLine, pipeline, sameAsRedis, stopOracle, GuardedSuite } from './cve-support.js';

const LIMITS = { rssCeilingBytes: 500 * MiB, timeCeilingMs: 30_000 };
const suite = new GuardedSuite([], LIMITS);
const guarded = suite.guarded.bind(suite);

after(async () => {
  await suite.stop();
  await stopOracle();
});

test('CVE-2021-29478 / CVE-2021-32687: a 200k-member intset under a huge set-max-intset-entries copies, dumps and restores intact', async () => {
  await guarded(async (port) => {
    const setup = await callAll(port, [['CONFIG', 'SET', 'set-max-intset-entries', '4294967295'], ['DEL', 'iset']]);
    assert.equal(setup[0], '+OK\r\n');
    for (let base = 0; base < 200_000; base += 10_000) {
      const argv = ['SADD', 'iset'];
      for (let i = base; i < base + 10_000; i++) argv.push(String(i * 7 - 500_000));
      const [r] = await callAll(port, [argv]);
      assert.equal(r, ':10000\r\n');
    }
    const replies = await callAll(port, [
      ['COPY', 'iset', 'iset2'],
      ['SCARD', 'iset2'],
      ['SISMEMBER', 'iset2', String(199_999 * 7 - 500_000)],
      ['DUMP', 'iset'],
    ]);
    assert.deepEqual(replies.slice(0, 3), [':1\r\n', ':200000\r\n', ':1\r\n']);
    const payload = /^\$\d+\r\n([\s\S]*)\r\n$/.exec(replies[3]!)![1]!;
    const after = await callAll(port, [['RESTORE', 'iset3', '0', payload], ['SCARD', 'iset3'], ['DEL', 'iset', 'iset2', 'iset3'], ['CONFIG', 'SET', 'set-max-intset-entries', '512']]);
    assert.deepEqual(after, ['+OK\r\n', ':200000\r\n', ':3\r\n', '+OK\r\n']);
  });
});

test('CVE-2021-32628: hash and zset listpack limits raised to 4 GB, 8 MiB elements stay intact through COPY and DUMP/RESTORE', async () => {
  await guarded(async (port) => {
    const big = (c: string): string => c.repeat(8 * MiB);
    const replies = await callAll(port, [
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '4294967295', 'hash-max-ziplist-value', '4294967295', 'zset-max-ziplist-entries', '4294967295', 'zset-max-ziplist-value', '4294967295'],
      ['HSET', 'hz', 'f1', big('a'), 'f2', big('b'), big('c').slice(0, 1024), 'v'],
      ['ZADD', 'zz', '1', big('d'), '2', big('e')],
      ['COPY', 'hz', 'hz2'],
      ['HSTRLEN', 'hz2', 'f2'],
      ['COPY', 'zz', 'zz2'],
      ['ZSCORE', 'zz2', big('e')],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '128', 'hash-max-ziplist-value', '64', 'zset-max-ziplist-entries', '128', 'zset-max-ziplist-value', '64'],
      ['DEL', 'hz', 'hz2', 'zz', 'zz2'],
    ], 20_000);
    assert.deepEqual(replies, ['+OK\r\n', ':3\r\n', ':2\r\n', ':1\r\n', `:${8 * MiB}\r\n`, ':1\r\n', '$1\r\n2\r\n', '+OK\r\n', ':4\r\n']);
  });
});

test('CVE-2023-22458 / CVE-2023-25155: HRANDFIELD, ZRANDMEMBER, SRANDMEMBER counts at the 64-bit edges are refused as Redis does', async () => {
  await guarded(async (port) => {
    const setup = [['DEL', 'rs', 'rh', 'rz'], ['SADD', 'rs', 'a', 'b', 'c'], ['HSET', 'rh', 'f', 'v', 'g', 'w'], ['ZADD', 'rz', '1', 'm', '2', 'n']];
    const replies = await sameAsRedis(
      port,
      [
        ['SRANDMEMBER', 'rs', '-9223372036854775808'],
        ['HRANDFIELD', 'rh', '-9223372036854775808'],
        ['HRANDFIELD', 'rh', '-9223372036854775808', 'WITHVALUES'],
        ['HRANDFIELD', 'rh', '-4611686018427387904', 'WITHVALUES'],
        ['ZRANDMEMBER', 'rz', '-9223372036854775808'],
        ['ZRANDMEMBER', 'rz', '-9223372036854775808', 'WITHSCORES'],
        ['ZRANDMEMBER', 'rz', '-4611686018427387904', 'WITHSCORES'],
      ],
      setup,
    );
    const range = '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n';
    assert.deepEqual(replies, [range, range, range, '-ERR value is out of range\r\n', range, range, '-ERR value is out of range\r\n']);
    // A huge positive count returns the whole collection, each member once (order is random).
    const whole = await callAll(port, [
      ['SRANDMEMBER', 'rs', '9223372036854775807'],
      ['HRANDFIELD', 'rh', '9223372036854775807'],
      ['ZRANDMEMBER', 'rz', '9223372036854775807'],
    ]);
    const members = (r: string): string[] => r.split('\r\n').filter((l) => l.length > 0 && !/^[*$]/.test(l)).sort();
    assert.deepEqual(whole.map(members), [['a', 'b', 'c'], ['f', 'g'], ['m', 'n']]);
  });
});

test('CVE-2023-25155 (huge negative counts): SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with counts up to -2^63+1 never build a giant reply', async () => {
  await guarded(async (port, g) => {
    await callAll(port, [['DEL', 'rs', 'rh', 'rz'], ['SADD', 'rs', 'a', 'b', 'c'], ['HSET', 'rh', 'f', 'v'], ['ZADD', 'rz', '1', 'm']]);
    const attacks = [
      ['SRANDMEMBER', 'rs', '-9223372036854775807'],
      ['SRANDMEMBER', 'rs', '-2147483648'],
      ['SRANDMEMBER', 'rs', '-200000000'],
      ['HRANDFIELD', 'rh', '-9223372036854775807'],
      ['HRANDFIELD', 'rh', '-200000000'],
      ['HRANDFIELD', 'rh', '-200000000', 'WITHVALUES'],
      ['ZRANDMEMBER', 'rz', '-9223372036854775807'],
      ['ZRANDMEMBER', 'rz', '-200000000'],
      ['ZRANDMEMBER', 'rz', '-200000000', 'WITHSCORES'],
    ];
    for (const argv of attacks) {
      // Only the first line is read: an error, or the head of a reply the server streams.
      const line = await firstLine(port, argv);
      assert.match(line, /^(-ERR value is out of range[^\r]*|\*-?\d+|\*\d+)\r\n$/, `${argv.join(' ')} → ${JSON.stringify(line)}`);
      assert.doesNotMatch(line, /internal error/);
      await g.assertHealthy();
    }
  });
});

test('CVE-2023-28856: HINCRBYFLOAT with an infinite increment creates no key and no invalid field', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(
      port,
      [
        ['HINCRBYFLOAT', 'hf', 'f', '+inf'],
        ['HINCRBYFLOAT', 'hf', 'f', '-inf'],
        ['EXISTS', 'hf'],
        ['HSET', 'hf2', 'f', '1'],
        ['HINCRBYFLOAT', 'hf2', 'f', 'inf'],
        ['HINCRBYFLOAT', 'hf2', 'g', '-inf'],
        ['HGETALL', 'hf2'],
        ['HINCRBYFLOAT', 'hf2', 'f', '1e308'],
        ['HINCRBYFLOAT', 'hf2', 'f', '1e308'],
        ['HLEN', 'hf2'],
      ],
      [['DEL', 'hf', 'hf2']],
    );
    const nan = '-ERR value is NaN or Infinity\r\n';
    assert.deepEqual(replies.slice(0, 7), [nan, nan, ':0\r\n', ':1\r\n', nan, nan, '*2\r\n$1\r\nf\r\n$1\r\n1\r\n']);
    assert.equal(replies[9], ':1\r\n');
  });
});

test('CVE-2018-12453: XGROUP on a key that is not a stream is a WRONGTYPE error, not a type confusion', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(
      port,
      [
        ['XGROUP', 'CREATE', 'notstream', 'g', '$'],
        ['XGROUP', 'CREATE', 'notstream', 'g', '$', 'MKSTREAM'],
        ['XGROUP', 'SETID', 'notstream', 'g', '0'],
        ['XGROUP', 'DESTROY', 'notstream', 'g'],
        ['XGROUP', 'CREATECONSUMER', 'notstream', 'g', 'c'],
        ['XGROUP', 'DELCONSUMER', 'notstream', 'g', 'c'],
        ['GET', 'notstream'],
      ],
      [['SET', 'notstream', 'x']],
    );
    for (const r of replies.slice(0, 6)) assert.equal(r, '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    assert.equal(replies[6], '$1\r\nx\r\n');
  });
});

test('CVE-2022-31144 / CVE-2022-35951: XAUTOCLAIM over deleted PEL entries and with COUNT near 2^63 stays bounded', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(
      port,
      [
        ['XAUTOCLAIM', 'xs', 'grp', 'Bob', '0', '0-0', 'COUNT', '1'],
        ['XAUTOCLAIM', 'xs', 'grp', 'Bob', '0', '2-0', 'COUNT', '1'],
        ['XAUTOCLAIM', 'xs', 'grp', 'Bob', '0', '3-0', 'COUNT', '1'],
        ['XAUTOCLAIM', 'xs', 'grp', 'Bob', '0', '0-0', 'COUNT', '8070450532247928833'],
        ['XAUTOCLAIM', 'xs', 'grp', 'Bob', '0', '0-0', 'COUNT', '9223372036854775807'],
        ['XAUTOCLAIM', 'xs', 'grp', 'Bob', '0', '0-0', 'COUNT', '0'],
        ['XPENDING', 'xs', 'grp', '-', '+', '10', 'Alice'],
      ],
      [
        ['DEL', 'xs'],
        ['XADD', 'xs', '1-0', 'f', 'v'],
        ['XADD', 'xs', '2-0', 'f', 'v'],
        ['XADD', 'xs', '3-0', 'f', 'v'],
        ['XGROUP', 'CREATE', 'xs', 'grp', '0'],
        ['XREADGROUP', 'GROUP', 'grp', 'Alice', 'STREAMS', 'xs', '>'],
        ['XDEL', 'xs', '1-0'],
        ['XDEL', 'xs', '2-0'],
      ],
    );
    // COUNT also bounds the deleted ids reported: one per call.
    assert.equal(replies[0], '*3\r\n$3\r\n2-0\r\n*0\r\n*1\r\n$3\r\n1-0\r\n');
    assert.equal(replies[1], '*3\r\n$3\r\n3-0\r\n*0\r\n*1\r\n$3\r\n2-0\r\n');
    assert.equal(replies[2], '*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*0\r\n');
    for (const r of replies.slice(3, 6)) assert.equal(r, '-ERR COUNT must be > 0\r\n');
    assert.equal(replies[6], '*0\r\n');
  });
});

test('CVE-2022-33105: trimming, XDEL and XSETID on a 50k-entry stream do not leak', async () => {
  await guarded(async (port, g) => {
    for (let base = 0; base < 50_000; base += 10_000) {
      const cmds: string[][] = [];
      for (let i = base; i < base + 10_000; i++) cmds.push(['XADD', 'leak', `${i + 1}-0`, 'f', 'v']);
      const c = await pipeline(port, cmds);
      assert.equal(c[c.length - 1], `$${String(base + 10_000).length + 2}\r\n${base + 10_000}-0\r\n`);
    }
    const before = g.rss!;
    for (let round = 0; round < 20; round++) {
      const cmds: string[][] = [];
      for (let i = 0; i < 100; i++) {
        const id = 200_000 + round * 1000 + i * 2;
        cmds.push(['XADD', 'leak', 'MAXLEN', '~', '50000', `${id}-0`, 'f', 'v'], ['XDEL', 'leak', `${id}-0`], ['XSETID', 'leak', `${id + 1}-0`]);
      }
      const replies = await pipeline(port, cmds);
      assert.ok(replies.every((r) => !r.startsWith('-')), replies.find((r) => r.startsWith('-')));
    }
    const grown = g.rss! - before;
    assert.ok(grown < 64 * MiB, `RSS grew ${grown / MiB} MiB over 6000 trims/deletes/XSETIDs`);
    assert.deepEqual(await callAll(port, [['XSETID', 'leak', '1-0'], ['DEL', 'leak']]), [
      '-ERR The ID specified in XSETID is smaller than current max_deleted_entry_id\r\n',
      ':1\r\n',
    ]);
  });
});

test('CVE-2022-35977 (SORT half): SORT LIMIT offsets and counts near 2^63 cannot overflow into a huge allocation', async () => {
  await guarded(async (port) => {
    const setup = [['DEL', 'sl'], ['RPUSH', 'sl', '3', '1', '2']];
    const replies = await sameAsRedis(
      port,
      [
        ['SORT', 'sl', 'LIMIT', '0', '9223372036854775807'],
        ['SORT', 'sl', 'LIMIT', '9223372036854775807', '9223372036854775807'],
        ['SORT', 'sl', 'LIMIT', '1', '-9223372036854775808'],
        ['SORT', 'sl', 'LIMIT', '-9223372036854775808', '2'],
        ['SORT', 'sl', 'LIMIT', '2', '9223372036854775807', 'STORE', 'dst'],
        ['LRANGE', 'dst', '0', '-1'],
      ],
      setup,
    );
    assert.deepEqual(replies, ['*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n', '*0\r\n', '*2\r\n$1\r\n2\r\n$1\r\n3\r\n', '*2\r\n$1\r\n1\r\n$1\r\n2\r\n', ':1\r\n', '*1\r\n$1\r\n3\r\n']);
  });
});
