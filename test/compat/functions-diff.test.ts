/**
 * FUNCTION against Debian's redis-server (7.0.15), replies compared byte for byte:
 * - LOAD: metadata errors, load-time sandbox errors, redis.register_function's errors in
 *   both forms, flags, descriptions, name clashes, REPLACE;
 * - LIST (LIBRARYNAME, WITHCODE, argument errors) in RESP2 and RESP3, STATS, DELETE,
 *   FLUSH, RESTORE argument and payload errors;
 * - DUMP payloads byte-identical, and DUMP on one server RESTOREd on the other, both ways,
 *   with the APPEND / REPLACE / FLUSH policies.
 * Libraries are listed one at a time where Redis's order is its hash table's (random per
 * process), and compared as sorted sets where several are listed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { parse, show, type Node } from '../helpers/diff-support.js';
import { normalizeOracleAclReply } from './known-differences.js';

const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;
const reg = (fname: string, body = 'return 1'): string => `redis.register_function('${fname}', function(keys, args) ${body} end)`;

/** Commands whose replies must be the same bytes on both servers, run in this order. */
const SEQUENCE: string[][] = [
  // metadata
  ['FUNCTION', 'LOAD', 'return 1'],
  ['FUNCTION', 'LOAD', '#!lua'],
  ['FUNCTION', 'LOAD', '#!lua name=x'],
  ['FUNCTION', 'LOAD', '#!lua foo=bar\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua name=a name=b\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua NAME=\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua name=a-b\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua "name=unbalanced\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!luajit name=a\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua\0 name=a\nreturn 1'],
  // options
  ['FUNCTION', 'LOAD', 'REPLACE'],
  ['FUNCTION', 'LOAD', 'bogus', lib('a', reg('f'))],
  ['FUNCTION', 'LOAD', 'replace', 'replace', lib('opt', reg('opt_f'))],
  ['FUNCTION', 'LIST', 'WITHCODE'],
  ['FUNCTION', 'DELETE', 'opt'],
  // the load-time sandbox
  ['FUNCTION', 'LOAD', lib('a', "redis.call('ping')")],
  ['FUNCTION', 'LOAD', lib('a', "redis.pcall('ping')")],
  ['FUNCTION', 'LOAD', lib('a', 'redis.setresp(3)')],
  ['FUNCTION', 'LOAD', lib('a', "redis.set_repl(redis.REPL_ALL)")],
  ['FUNCTION', 'LOAD', lib('a', "local x = string.len('a')")],
  ['FUNCTION', 'LOAD', lib('a', "error('boom')")],
  ['FUNCTION', 'LOAD', lib('a', 'x = 1')],
  ['FUNCTION', 'LOAD', lib('a', 'return 1')],
  ['FUNCTION', 'LOAD', lib('a', 'local function')],
  ['FUNCTION', 'LOAD', lib('a', 'redis.register_function = 1')],
  ['FUNCTION', 'LOAD', lib('a', 'redis.log(redis.LOG_NOTICE)')],
  ['FUNCTION', 'LOAD', lib('a', "redis.log('x', 'y')")],
  ['FUNCTION', 'LOAD', lib('a', "local v = redis.REDIS_VERSION_NUM + #redis.REDIS_VERSION\nredis.log(redis.LOG_DEBUG, 'loading', 1)\n" + reg('logged'))],
  ['FUNCTION', 'DELETE', 'a'],
  // the 500 ms load timeout (Redis's LOAD_TIMEOUT_MS)
  ['FUNCTION', 'LOAD', lib('a', 'local i = 0 while true do i = i + 1 end')],
  // redis.register_function, positional
  ['FUNCTION', 'LOAD', lib('a', 'redis.register_function()')],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function('f', function() end, 3)")],
  ['FUNCTION', 'LOAD', lib('a', 'redis.register_function({}, function() end)')],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function('f', 'g')")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function('f-g', function() end)")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function('', function() end)")],
  ['FUNCTION', 'LOAD', lib('a', reg('f') + '\n' + reg('f'))],
  // named
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function('f')")],
  ['FUNCTION', 'LOAD', lib('a', 'redis.register_function{}')],
  ['FUNCTION', 'LOAD', lib('a', 'redis.register_function{callback=function() end}')],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f'}")],
  ['FUNCTION', 'LOAD', lib('a', 'redis.register_function{function_name={}, callback=function() end}')],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback='x'}")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback=function() end, flags='no-writes'}")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback=function() end, flags={'no-writes', 'bogus'}}")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback=function() end, flags={1}}")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback=function() end, description={}}")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback=function() end, other=1}")],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function{function_name='f', callback=function() end, [1]=2}")],
  // successes, one library listed at a time
  ['FUNCTION', 'LOAD', lib('alpha', "redis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes', 'ALLOW-OOM', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}, description='first'}")],
  ['FUNCTION', 'LIST'],
  ['FUNCTION', 'LIST', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'ALPHA', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'withcode', 'libraryname', 'al*'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'zz*'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME'],
  ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'bogus'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
  ['FUNCTION', 'STATS'],
  ['FUNCTION', 'LOAD', lib('alpha', reg('f2'))],
  ['FUNCTION', 'LOAD', lib('beta', reg('F1'))],
  ['FUNCTION', 'LOAD', lib('beta', reg('f1'))],
  ['FUNCTION', 'LOAD', 'REPLACE', lib('alpha', reg('f2') + '\n' + reg('f3'))],
  ['FUNCTION', 'LIST', 'WITHCODE'],
  ['FUNCTION', 'LOAD', lib('beta', reg('f2'))],
  // (not 'b1' and 'B1' in one library: Redis 7.0 accepts it, then asserts and dies when
  // the library is unlinked, its case-insensitive function table holding only one)
  ['FUNCTION', 'LOAD', lib('beta', reg('b1'))],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'beta'],
  ['FUNCTION', 'STATS'],
  ['FUNCTION', 'DELETE', 'nosuch'],
  ['FUNCTION', 'DELETE', 'ALPHA'],
  ['FUNCTION', 'DELETE', 'alpha'],
  ['FUNCTION', 'DELETE', 'alpha'],
  ['FUNCTION', 'DELETE'],
  ['FUNCTION', 'FLUSH', 'bogus'],
  ['FUNCTION', 'FLUSH', 'sync', 'async'],
  ['FUNCTION', 'FLUSH', 'ASYNC'],
  ['FUNCTION', 'LIST'],
  ['FUNCTION', 'STATS'],
  ['FUNCTION', 'DUMP'],
  ['FUNCTION', 'RESTORE', 'abc'],
  ['FUNCTION', 'RESTORE', 'abc', 'bogus'],
  ['FUNCTION', 'RESTORE', 'abc', 'FLUSH', 'x'],
  ['FUNCTION', 'RESTORE'],
  // FCALL / FCALL_RO
  ['FUNCTION', 'LOAD', lib('calls', [
    "redis.register_function('setget', function(keys, args) redis.call('SET', keys[1], args[1]) return redis.call('GET', keys[1]) end)",
    "redis.register_function{function_name='ro_get', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}}",
    "redis.register_function{function_name='ro_set', callback=function(keys, args) return redis.call('SET', keys[1], 'x') end, flags={'no-writes'}}",
    "redis.register_function('echo', function(keys, args) return {#keys, #args, keys, args} end)",
    "redis.register_function('fail', function(keys, args) return redis.call('NOSUCH') end)",
    "redis.register_function('raise', function(keys, args) error('boom') end)",
    "redis.register_function('errtable', function(keys, args) return redis.error_reply('MY custom') end)",
    "redis.register_function('wrongtype', function(keys, args) redis.call('SET', keys[1], 'x') return redis.call('LPUSH', keys[1], 'y') end)",
    "redis.register_function('pcalled', function(keys, args) return redis.pcall('LPUSH', keys[1], 'y') end)",
    "redis.register_function('resp3', function(keys, args) redis.setresp(3) return redis.call('HGETALL', keys[1]) end)",
    "redis.register_function('types', function(keys, args) return {1, 2.7, 'x', true, false, {ok='fine'}} end)",
    "redis.register_function('reg_at_run', function(keys, args) return redis.register_function('x', function() end) end)",
    "redis.register_function('glob', function(keys, args) return undefined_global end)",
    "redis.register_function('setglobal', function(keys, args) newglobal = 1 end)",
    "redis.register_function('eval_in', function(keys, args) return redis.call('EVAL', 'return 1', 0) end)",
    "redis.register_function('fcall_in', function(keys, args) return redis.call('FCALL', 'echo', 0) end)",
  ].join('\n'))],
  ['FCALL', 'setget', '1', 'fk', 'v1'],
  ['FCALL', 'SETGET', '1', 'fk', 'v2'],
  ['FCALL_RO', 'setget', '1', 'fk', 'v3'],
  ['FCALL_RO', 'ro_get', '1', 'fk'],
  ['FCALL', 'ro_get', '1', 'fk'],
  ['FCALL', 'ro_set', '1', 'fk'],
  ['FCALL_RO', 'ro_set', '1', 'fk'],
  ['FCALL', 'echo', '2', 'a', 'b', 'c', 'd', 'e'],
  ['FCALL', 'echo', '0'],
  ['FCALL', 'echo', '6', 'a'],
  ['FCALL', 'echo', '-1'],
  ['FCALL', 'echo', 'x'],
  ['FCALL', 'echo', '1.5', 'a'],
  ['FCALL', 'echo', '99999999999999999999', 'a'],
  ['FCALL', 'nosuch', '0'],
  ['FCALL', 'nosuch', 'x'],
  ['FCALL', 'fail', '0'],
  ['FCALL', 'raise', '0'],
  ['FCALL', 'errtable', '0'],
  ['FCALL', 'wrongtype', '1', 'fk2'],
  ['FCALL', 'pcalled', '1', 'fk2'],
  ['HSET', 'fh', 'f', 'v'],
  ['FCALL', 'resp3', '1', 'fh'],
  ['FCALL', 'types', '0'],
  ['FCALL', 'reg_at_run', '0'],
  ['FCALL', 'glob', '0'],
  ['FCALL', 'setglobal', '0'],
  ['FCALL', 'eval_in', '0'],
  ['FCALL', 'fcall_in', '0'],
  ['FCALL'],
  ['FCALL', 'echo'],
  ['DEL', 'fk', 'fk2', 'fh'],
  ['FUNCTION', 'DELETE', 'calls'],
  ['FUNCTION', 'KILL'],
  ['FUNCTION', 'KILL', 'x'],
  ['FUNCTION', 'BOGUS'],
  ['FUNCTION'],
];

/**
 * A reply with the order Redis leaves to its hash tables taken out: every array (or
 * RESP3 array) whose items are all aggregates — the libraries, a library's functions —
 * is sorted; maps keep their field order, so pairs stay paired. Same types and bytes
 * otherwise.
 */
function canonical(raw: string): string {
  const walk = (n: Node): string => {
    if (n.items === undefined) return n.raw;
    const parts = n.items.map(walk);
    const aggregates = n.items.length > 0 && n.items.every((c) => c.items !== undefined);
    if ((n.t === '*' || n.t === '~') && aggregates) parts.sort();
    return `${n.t}${n.items.length}[${parts.join(',')}]`;
  };
  return walk(parse(raw)[0]);
}

/**
 * redis.call denied by ACL: 7.0 said "The user executing the script can't access at
 * least one of the keys mentioned in the command arguments" (or "can't run this command
 * or subcommand"), 7.2's script.c says "ACL failure in script: " + getAclErrorMessage.
 */
function scriptAcl70to72(raw: string): string {
  return raw
    .replace("The user executing the script can't access at least one of the keys mentioned in the command arguments", 'ACL failure in script: No permissions to access a key')
    .replace(/The user executing the script can't run this command or subcommand/, "ACL failure in script: this user has no permissions to run this command");
}

async function both(oc: RawClient, rc: RawClient, argv: string[]): Promise<[string, string]> {
  return [await oc.call(...argv), await rc.call(...argv)];
}

test('FUNCTION LOAD / LIST / DELETE / FLUSH / STATS / DUMP / RESTORE replies match redis-server byte for byte', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const server = await startTestServer();
  const oc = await RawClient.connect(oracle.port);
  const rc = await RawClient.connect(server.port);
  try {
    for (const argv of SEQUENCE) {
      const [o, r] = await both(oc, rc, argv);
      if (r !== o) assert.equal(canonical(r), canonical(o), `${show(argv.join(' '))}: ${show(r)} vs ${show(o)}`);
    }
    // RESP3: maps, sets and the nil description
    await both(oc, rc, ['HELLO', '3']);
    for (const argv of [
      ['FUNCTION', 'LOAD', lib('r3', "redis.register_function{function_name='r3a', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}}\n" + reg('r3b'))],
      ['FUNCTION', 'LIST', 'WITHCODE'],
      ['FUNCTION', 'STATS'],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LIST'],
    ]) {
      const [o, r] = await both(oc, rc, argv);
      if (r !== o) assert.equal(canonical(r), canonical(o), `RESP3 ${show(argv.join(' '))}: ${show(r)} vs ${show(o)}`);
    }
  } finally {
    oc.socket.destroy();
    rc.socket.destroy();
    await server.close();
    await oracle.stop();
  }
});

/** The libraries of FUNCTION LIST WITHCODE, as sorted [name, code] pairs (Redis's order is random). */
async function libraries(c: RawClient): Promise<string[][]> {
  const [top] = parse(await c.call('FUNCTION', 'LIST', 'WITHCODE'));
  const out: string[][] = [];
  for (const m of top.items ?? []) {
    const items = m.items!;
    out.push([items[1]!.s!, items[7]!.s!]);
  }
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

function bulkOf(raw: string): string {
  const [n] = parse(raw);
  assert.equal(n.t, '$', `expected a bulk, got ${show(raw)}`);
  return n.s!;
}

test('FUNCTION DUMP from redis-server restores into Redoubt and back, payloads byte-identical', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const server = await startTestServer();
  const oc = await RawClient.connect(oracle.port);
  const rc = await RawClient.connect(server.port);
  try {
    // a short library (stored raw) and a long one (LZF-compressed), binary bytes in a comment
    const libs = [lib('short', reg('s1')), lib('long', `-- ${'padding '.repeat(40)}\xff\x00\x01\n${reg('l1')}\n${reg('l2')}`)];
    for (const code of libs) assert.match(await oc.call('FUNCTION', 'LOAD', code), /^\$/);
    const fromRedis = bulkOf(await oc.call('FUNCTION', 'DUMP'));
    assert.equal(await rc.call('FUNCTION', 'RESTORE', fromRedis), '+OK\r\n');
    assert.deepEqual(await libraries(rc), await libraries(oc));
    // the same library again: APPEND refuses, REPLACE and FLUSH accept
    // (which of the two libraries is named depends on Redis's hash order)
    for (const policy of [[], ['APPEND']]) {
      for (const reply of await both(oc, rc, ['FUNCTION', 'RESTORE', fromRedis, ...policy])) {
        assert.match(reply, /^-ERR Library (short|long) already exists\r\n$/);
      }
    }
    assert.equal(await rc.call('FUNCTION', 'RESTORE', fromRedis, 'REPLACE'), '+OK\r\n');
    assert.equal(await rc.call('FUNCTION', 'RESTORE', fromRedis, 'FLUSH'), '+OK\r\n');
    // a function name clash with another library
    const [o, r] = await both(oc, rc, ['FUNCTION', 'LOAD', lib('other', reg('s1'))]);
    assert.equal(show(r), show(o));

    // Redoubt's DUMP: the same bytes as redis-server's for the same libraries, in one
    // order, with strings stored raw (LZF output is not Redis's byte for byte: README)
    await both(oc, rc, ['CONFIG', 'SET', 'rdbcompression', 'no']);
    await both(oc, rc, ['FUNCTION', 'FLUSH']);
    for (const code of [libs[0]!]) await both(oc, rc, ['FUNCTION', 'LOAD', code]);
    assert.equal(show(bulkOf(await rc.call('FUNCTION', 'DUMP'))), show(bulkOf(await oc.call('FUNCTION', 'DUMP'))));
    await both(oc, rc, ['FUNCTION', 'FLUSH']);
    await both(oc, rc, ['FUNCTION', 'LOAD', libs[1]!]);
    assert.equal(show(bulkOf(await rc.call('FUNCTION', 'DUMP'))), show(bulkOf(await oc.call('FUNCTION', 'DUMP'))));

    // and back: Redoubt's payload (compressed) restored into redis-server
    await both(oc, rc, ['CONFIG', 'SET', 'rdbcompression', 'yes']);
    await rc.call('FUNCTION', 'LOAD', libs[0]!);
    const fromRedoubt = bulkOf(await rc.call('FUNCTION', 'DUMP'));
    assert.equal(await oc.call('FUNCTION', 'RESTORE', fromRedoubt, 'FLUSH'), '+OK\r\n');
    assert.deepEqual(await libraries(oc), await libraries(rc));

    // a payload whose checksum is wrong, and a key's DUMP payload given to FUNCTION RESTORE
    const corrupt = fromRedoubt.slice(0, -1) + String.fromCharCode(fromRedoubt.charCodeAt(fromRedoubt.length - 1) ^ 1);
    const bad = await both(oc, rc, ['FUNCTION', 'RESTORE', corrupt]);
    assert.equal(show(bad[1]), show(bad[0]));
    await both(oc, rc, ['SET', 'fnk', 'v']);
    const keyPayload = bulkOf(await oc.call('DUMP', 'fnk'));
    const notFn = await both(oc, rc, ['FUNCTION', 'RESTORE', keyPayload]);
    assert.equal(show(notFn[1]), show(notFn[0]));
    await both(oc, rc, ['DEL', 'fnk']);
  } finally {
    oc.socket.destroy();
    rc.socket.destroy();
    await server.close();
    await oracle.stop();
  }
});

test('FUNCTION and FCALL in MULTI and under ACL (the scripting category, FCALL keys, redis.call checked as the caller) match redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const server = await startTestServer();
  const admin = [await RawClient.connect(oracle.port), await RawClient.connect(server.port)] as const;
  const user = [await RawClient.connect(oracle.port), await RawClient.connect(server.port)] as const;
  let userName = 'default';
  const same = async (clients: readonly [RawClient, RawClient], argv: string[]): Promise<string> => {
    // the 7.0 -> 7.2 ACL texts (known-differences.ts)
    const o = scriptAcl70to72(normalizeOracleAclReply(argv, await clients[0].call(...argv), clients === user ? userName : 'default'));
    const r = await clients[1].call(...argv);
    if (r !== o) assert.equal(canonical(r), canonical(o), `${show(argv.join(' '))}: ${show(r)} vs ${show(o)}`);
    return r;
  };
  try {
    const code = lib(
      'acl',
      [
        "redis.register_function('touch', function(keys, args) return redis.call('SET', keys[1], 'x') end)",
        "redis.register_function('touch_other', function(keys, args) return redis.call('SET', 'secret:' .. args[1], 'x') end)",
        "redis.register_function('pcall_other', function(keys, args) local r = redis.pcall('GET', 'secret:x') return r end)",
        "redis.register_function{function_name='peek', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}}",
      ].join('\n'),
    );
    // MULTI: FUNCTION LOAD queued and run by EXEC, FCALL inside the same transaction
    for (const argv of [
      ['MULTI'],
      ['FUNCTION', 'LOAD', code],
      ['FCALL', 'touch', '1', 'app:m'],
      ['FCALL_RO', 'peek', '1', 'app:m'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'acl'],
      ['EXEC'],
      ['MULTI'],
      ['FCALL', 'nosuch', '0'],
      ['FCALL', 'touch', 'x'],
      ['EXEC'],
      ['MULTI'],
      ['FCALL'],
      ['EXEC'],
    ])
      await same(admin, argv);
    // a user limited to app:* keys, with and without the scripting category
    for (const argv of [
      ['ACL', 'SETUSER', 'fnuser', 'on', 'nopass', '~app:*', '+@all'],
      ['ACL', 'SETUSER', 'noscript', 'on', 'nopass', '~*', '+@all', '-@scripting'],
      ['ACL', 'LOG', 'RESET'],
    ])
      await same(admin, argv);
    await same(user, ['AUTH', 'fnuser', 'x']);
    userName = 'fnuser';
    for (const argv of [
      ['FCALL', 'touch', '1', 'app:1'],
      ['FCALL', 'touch', '1', 'secret:1'],
      ['FCALL_RO', 'peek', '1', 'secret:1'],
      ['FCALL', 'touch_other', '0', 'z'],
      ['FCALL', 'pcall_other', '0'],
      ['FUNCTION', 'STATS'],
    ])
      await same(user, argv);
    // the ACL LOG entries, on both servers: the key FCALL named (context toplevel, one
    // entry counted twice), the keys redis.call named (context lua)
    const contextsOf = async (c: RawClient): Promise<string[]> => {
      const [log] = parse(await c.call('ACL', 'LOG'));
      return (log.items ?? [])
        .map((e) => {
          const it = e.items!;
          const field = (name: string): string | undefined => it[it.findIndex((x) => x.s === name) + 1]?.s;
          return `${field('context')} ${field('object')} ${field('count')}`;
        })
        .sort();
    };
    const expectedLog = ['lua secret:x 1', 'lua secret:z 1', 'toplevel secret:1 2'];
    assert.deepEqual(await contextsOf(admin[0]), expectedLog, 'redis-server ACL LOG');
    assert.deepEqual(await contextsOf(admin[1]), expectedLog, 'Redoubt ACL LOG');
    await same(user, ['AUTH', 'noscript', 'x']);
    userName = 'noscript';
    for (const argv of [
      ['FCALL', 'touch', '1', 'app:1'],
      ['FCALL_RO', 'peek', '1', 'app:1'],
      ['FUNCTION', 'LOAD', code],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'DELETE', 'acl'],
    ])
      await same(user, argv);
    // COMMAND GETKEYS: FCALL's movable keys
    for (const argv of [
      ['COMMAND', 'GETKEYS', 'FCALL', 'touch', '2', 'k1', 'k2', 'a1'],
      ['COMMAND', 'GETKEYS', 'FCALL_RO', 'peek', '0', 'a1'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'FCALL', 'touch', '1', 'k1'],
      ['COMMAND', 'GETKEYS', 'FCALL', 'touch', '3', 'k1'],
    ])
      await same(admin, argv);
    await same(admin, ['FUNCTION', 'FLUSH']);
  } finally {
    for (const c of [...admin, ...user]) c.socket.destroy();
    await server.close();
    await oracle.stop();
  }
});
