/**
 * EVAL / EVALSHA / EVAL_RO / SCRIPT end to end over the wire (byte-level client), with
 * Redis 7.2's replies and error texts; the redis.call bridge's checks (noscript, arity,
 * ACL with ACL LOG context lua, read-only runs, OOM); propagation of a script's effects
 * wrapped in MULTI/EXEC; WATCH and MULTI around scripts; INFO figures.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningServer } from '../../src/server/server.js';
import { Server } from '../../src/server/server.js';
import { attachRecordingSink, RecordingSink } from '../../src/persistence/propagator.js';
import { dumpKeyspace, localClient, replayFeed, TimedSink } from '../helpers/propagation.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { Kind, type Reply } from '../../src/protocol/reply.js';
import { createHash } from 'node:crypto';

let srv: RunningServer;
let c: RawClient;

const sha = (s: string): string => createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;

before(async () => {
  srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  c = await RawClient.connect(srv.port);
});

after(async () => {
  c.close();
  await srv.close();
});

test('EVAL: values, KEYS/ARGV, conversions (RESP2)', async () => {
  assert.equal(await c.call('EVAL', 'return 1', '0'), ':1\r\n');
  assert.equal(await c.call('EVAL', 'return {KEYS[1], ARGV[1], ARGV[2]}', '1', 'k', 'a', 'b'), '*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\nb\r\n');
  assert.equal(await c.call('EVAL', 'return 3.99', '0'), ':3\r\n');
  assert.equal(await c.call('EVAL', "return {1, 2, nil, 4}", '0'), '*2\r\n:1\r\n:2\r\n');
  assert.equal(await c.call('EVAL', 'return true', '0'), ':1\r\n');
  assert.equal(await c.call('EVAL', 'return false', '0'), '$-1\r\n');
  assert.equal(await c.call('EVAL', "return {ok='fine'}", '0'), '+fine\r\n');
  assert.equal(await c.call('EVAL', "return {err='MYERR bad'}", '0'), '-MYERR bad\r\n');
  assert.equal(await c.call('EVAL', "return redis.status_reply('PONG')", '0'), '+PONG\r\n');
  assert.equal(await c.call('EVAL', "return redis.error_reply('MY oops')", '0'), '-MY oops\r\n');
  assert.equal(await c.call('EVAL', "return redis.sha1hex('')", '0'), bulk('da39a3ee5e6b4b0d3255bfef95601890afd80709'));
  assert.equal(await c.call('EVAL', 'return redis.REDIS_VERSION', '0'), bulk('7.2.4'));
  assert.equal(await c.call('EVAL', 'return redis.REDIS_VERSION_NUM', '0'), `:${0x070204}\r\n`);
  assert.equal(await c.call('EVAL', 'return {redis.LOG_DEBUG, redis.LOG_WARNING, redis.REPL_ALL, redis.REPL_NONE}', '0'), '*4\r\n:0\r\n:3\r\n:3\r\n:0\r\n');
  assert.equal(await c.call('EVAL', 'return redis.breakpoint()', '0'), '$-1\r\n');
  assert.equal(await c.call('EVAL', 'return redis.replicate_commands()', '0'), ':1\r\n');
});

test('KEYS/ARGV and the script thread are reused across runs only when nothing a run did can show', async () => {
  // fewer keys than the run before: the table is refilled, the old entries are gone
  assert.equal(await c.call('EVAL', 'return #KEYS', '3', 'a', 'b', 'c'), ':3\r\n');
  assert.equal(await c.call('EVAL', 'return {#KEYS, KEYS[1], KEYS[2]}', '1', 'x'), '*2\r\n:1\r\n$1\r\nx\r\n');
  // appended, cleared, given a hash key or a metatable: the next run sees none of it
  assert.equal(await c.call('EVAL', "table.insert(KEYS, 'z') return #KEYS", '2', 'a', 'b'), ':3\r\n');
  assert.equal(await c.call('EVAL', 'return #KEYS', '2', 'a', 'b'), ':2\r\n');
  assert.equal(await c.call('EVAL', "KEYS[1] = nil KEYS[5] = 'p' KEYS.f = 1 return 1", '2', 'a', 'b'), ':1\r\n');
  assert.equal(await c.call('EVAL', 'return {KEYS[1], KEYS[2], KEYS[5], KEYS.f}', '2', 'c', 'd'), '*2\r\n$1\r\nc\r\n$1\r\nd\r\n');
  assert.equal(await c.call('EVAL', "setmetatable(ARGV, {__index = function() return 'leak' end}) return 1", '0'), ':1\r\n');
  assert.equal(await c.call('EVAL', 'return {ARGV[1], getmetatable(ARGV) == nil}', '0'), '*0\r\n');
  assert.equal(await c.call('EVAL', 'return {getmetatable(ARGV) == nil, #ARGV}', '0'), '*2\r\n:1\r\n:0\r\n');
  // a run that failed or yielded leaves no thread behind to reuse
  assert.match(await c.call('EVAL', "error('boom')", '0'), /^-ERR user_script:1: boom /);
  assert.match(await c.call('EVAL', 'coroutine.yield()', '0'), /^-ERR .*attempt to yield/);
  assert.equal(await c.call('EVAL', 'return {KEYS[1], ARGV[1]}', '1', 'k', 'v'), '*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
});

test('redis.call arguments: thousands of distinct short keys and binary bytes each arrive as sent', async () => {
  // the bridge hands back a recently read short string when the same bytes come again
  // (wire.ts): 3,000 keys of one length share 1,024 slots, so any mix-up between two of
  // them would store a value under the wrong key
  const script = "for i = 1, 3000 do redis.call('set', string.format('rk:%05d', i), 'v' .. i) end " +
    "local bad = 0 for i = 1, 3000 do if redis.call('get', string.format('rk:%05d', i)) ~= 'v' .. i then bad = bad + 1 end end return bad";
  assert.equal(await c.call('EVAL', script, '0'), ':0\r\n');
  assert.equal(await c.call('GET', 'rk:02999'), bulk('v2999'));
  assert.equal(await c.call('GET', 'rk:00001'), bulk('v1'));
  // every byte value, and strings equal but for one byte, of every length up to past the cutoff
  const bytes = "local s = '' for b = 0, 255 do s = s .. string.char(b) end " +
    "for n = 1, 40 do local a = string.sub(s, 1, n) local z = string.sub(s, 1, n - 1) .. 'X' " +
    "redis.call('set', 'rb:a' .. n, a) redis.call('set', 'rb:z' .. n, z) " +
    "if redis.call('get', 'rb:a' .. n) ~= a or redis.call('get', 'rb:z' .. n) ~= z then return n end end return redis.call('get', 'rb:a40')";
  assert.equal(await c.call('EVAL', bytes, '0'), bulk(Buffer.from(Array.from({ length: 40 }, (_, i) => i)).toString('latin1')));
  await c.call('FLUSHALL');
});

test('EVAL: redis.call and pcall, error decoration as Redis 7.2', async () => {
  const s1 = "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])";
  assert.equal(await c.call('EVAL', s1, '1', 'ek', 'v1'), bulk('v1'));
  const bad = "return redis.call('lpush', KEYS[1], 'x')";
  assert.equal(await c.call('EVAL', bad, '1', 'ek'), `-WRONGTYPE Operation against a key holding the wrong kind of value script: ${sha(bad)}, on @user_script:1.\r\n`);
  const pc = "local r = redis.pcall('lpush', KEYS[1], 'x') return r['err']";
  assert.equal(await c.call('EVAL', pc, '1', 'ek'), bulk('WRONGTYPE Operation against a key holding the wrong kind of value'));
  const unk = "return redis.call('nosuch')";
  assert.equal(await c.call('EVAL', unk, '0'), `-ERR Unknown Redis command called from script script: ${sha(unk)}, on @user_script:1.\r\n`);
  const ar = "return redis.call('get')";
  assert.equal(await c.call('EVAL', ar, '0'), `-ERR Wrong number of args calling Redis command from script script: ${sha(ar)}, on @user_script:1.\r\n`);
  const ns = "return redis.call('multi')";
  assert.equal(await c.call('EVAL', ns, '0'), `-ERR This Redis command is not allowed from script script: ${sha(ns)}, on @user_script:1.\r\n`);
  const e = "error('boom')";
  assert.equal(await c.call('EVAL', e, '0'), `-ERR user_script:1: boom script: ${sha(e)}, on @user_script:1.\r\n`);
  assert.equal(await c.call('EVAL', 'return +', '0'), "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n");
  assert.equal(await c.call('EVAL', 'return 1', 'x'), '-ERR value is not an integer or out of range\r\n');
  assert.equal(await c.call('EVAL', 'return 1', '2', 'a'), "-ERR Number of keys can't be greater than number of args\r\n");
  assert.equal(await c.call('EVAL', 'return 1', '-1'), "-ERR Number of keys can't be negative\r\n");
});

test('EVALSHA, SCRIPT LOAD/EXISTS/FLUSH/HELP', async () => {
  const body = 'return ARGV[1]';
  assert.equal(await c.call('SCRIPT', 'LOAD', body), bulk(sha(body)));
  assert.equal(await c.call('EVALSHA', sha(body), '0', 'hi'), bulk('hi'));
  assert.equal(await c.call('EVALSHA', sha(body).toUpperCase(), '0', 'hi'), bulk('hi'));
  assert.equal(await c.call('EVALSHA_RO', sha(body), '0', 'ro'), bulk('ro'));
  assert.equal(await c.call('SCRIPT', 'EXISTS', sha(body), 'ffffffffffffffffffffffffffffffffffffffff'), '*2\r\n:1\r\n:0\r\n');
  assert.equal(await c.call('EVALSHA', 'abc', '0'), '-NOSCRIPT No matching script. Please use EVAL.\r\n');
  assert.equal(await c.call('SCRIPT', 'FLUSH', 'bogus'), '-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n');
  assert.equal(await c.call('SCRIPT', 'FLUSH', 'ASYNC'), '+OK\r\n');
  assert.equal(await c.call('EVALSHA', sha(body), '0'), '-NOSCRIPT No matching script. Please use EVAL.\r\n');
  assert.equal(await c.call('SCRIPT', 'LOAD', 'return +'), "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n");
  const help = await c.call('SCRIPT', 'HELP');
  assert.match(help, /^\*17\r\n\+SCRIPT <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n/);
});

test('shebang flags: errors and no-writes / EVAL_RO refusals', async () => {
  assert.equal(await c.call('EVAL', '#!lua', '0'), '-ERR Invalid script shebang\r\n');
  assert.equal(await c.call('EVAL', '#!python\nreturn 1', '0'), '-ERR Unexpected engine in script shebang: #!python\r\n');
  assert.equal(await c.call('EVAL', '#!lua flags=bogus\nreturn 1', '0'), '-ERR Unexpected flag in script shebang: bogus\r\n');
  assert.equal(await c.call('EVAL', '#!lua name=x\nreturn 1', '0'), '-ERR Unknown lua shebang option: name=x\r\n');
  assert.equal(await c.call('EVAL', '#!lua\nreturn 1', '0'), ':1\r\n');
  const nw = "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')";
  assert.equal(await c.call('EVAL', nw, '0'), `-ERR Write commands are not allowed from read-only scripts. script: ${sha(nw)}, on @user_script:2.\r\n`);
  assert.equal(await c.call('EVAL_RO', '#!lua\nreturn 1', '0'), '-ERR Can not execute a script with write flag using *_ro command.\r\n');
  const ro = "return redis.call('set', 'k', 'v')";
  assert.equal(await c.call('EVAL_RO', ro, '0'), `-ERR Write commands are not allowed from read-only scripts. script: ${sha(ro)}, on @user_script:1.\r\n`);
  assert.equal(await c.call('EVAL_RO', "#!lua flags=no-writes\nreturn redis.call('get', 'nokey')", '0'), '$-1\r\n');
});

test('ACL: redis.call checked against the caller, ACL LOG context lua, acl_check_cmd', async () => {
  assert.equal(await c.call('ACL', 'SETUSER', 'scr', 'on', 'nopass', '~app:*', '+@all', '-set'), '+OK\r\n');
  const u = await RawClient.connect(srv.port);
  try {
    assert.equal(await u.call('AUTH', 'scr', 'x'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'LOG', 'RESET'), '+OK\r\n');
    const s = "return redis.call('set', 'app:1', 'v')";
    assert.equal(await u.call('EVAL', s, '0'), `-ERR ACL failure in script: User scr has no permissions to run the 'set' command script: ${sha(s)}, on @user_script:1.\r\n`);
    const k = "return redis.call('get', 'other')";
    assert.equal(await u.call('EVAL', k, '0'), `-ERR ACL failure in script: No permissions to access a key script: ${sha(k)}, on @user_script:1.\r\n`);
    const log = await c.call('ACL', 'LOG');
    assert.match(log, /\$7\r\ncontext\r\n\$3\r\nlua\r\n/);
    assert.match(log, /\$6\r\nobject\r\n\$5\r\nother\r\n/);
    assert.equal(await u.call('EVAL', "return {redis.acl_check_cmd('get', 'app:x'), redis.acl_check_cmd('set', 'app:x', 'v'), redis.acl_check_cmd('get', 'zzz')}", '0'), '*3\r\n:1\r\n$-1\r\n$-1\r\n');
    const inv = "return redis.acl_check_cmd('nosuch')";
    assert.equal(await u.call('EVAL', inv, '0'), `-ERR Invalid command passed to redis.acl_check_cmd() script: ${sha(inv)}, on @user_script:1.\r\n`);
    // the scripting category
    assert.equal(await c.call('ACL', 'SETUSER', 'noscr', 'on', 'nopass', '~*', '+@all', '-@scripting'), '+OK\r\n');
    assert.equal(await u.call('AUTH', 'noscr', 'x'), '+OK\r\n');
    assert.equal(await u.call('EVAL', 'return 1', '0'), "-NOPERM User noscr has no permissions to run the 'eval' command\r\n");
  } finally {
    u.close();
  }
});

test('redis.setresp(3): RESP3 replies reach the script as RESP3 types', async () => {
  const s = "redis.setresp(3) redis.call('hset', 'rh', 'f', 'v') local m = redis.call('hgetall', 'rh') return m['map']['f']";
  assert.equal(await c.call('EVAL', s, '0'), bulk('v'));
  const d = "redis.setresp(3) redis.call('zadd', 'rz', '1.5', 'm') return redis.call('zscore', 'rz', 'm')['double'] * 2";
  assert.equal(await c.call('EVAL', d, '0'), ':3\r\n');
  const bad = 'redis.setresp(4)';
  assert.equal(await c.call('EVAL', bad, '0'), `-ERR RESP version must be 2 or 3. script: ${sha(bad)}, on @user_script:1.\r\n`);
});

test('pre-encoded replies reach the script as values: random picks, GEO coordinates, DEBUG PROTOCOL attrib', async () => {
  // these commands build their reply as bytes (random-picks.ts, geo.ts, debug.ts); Redis parses
  // every reply back into Lua values, attributes skipped
  await c.call('DEL', 'pk', 'pg');
  await c.call('SADD', 'pk', 'a');
  assert.equal(await c.call('EVAL', "return redis.call('srandmember', 'pk', -3)", '0'), '*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n');
  await c.call('GEOADD', 'pg', '13.361389', '38.115556', 'p');
  const pos = "redis.setresp(3) local p = redis.call('geopos', 'pg', 'p')[1] return {type(p[1]), tostring(p[1]['double'] > 13)}";
  assert.equal(await c.call('EVAL', pos, '0'), '*2\r\n$5\r\ntable\r\n$4\r\ntrue\r\n');
  assert.equal(await c.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'), '+OK\r\n');
  try {
    const attrib = "redis.setresp(3) return redis.call('debug', 'protocol', 'attrib')";
    assert.equal(await c.call('EVAL', attrib, '0'), bulk('Some real reply following the attribute'));
  } finally {
    await c.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0');
  }
});

test('on a replica, scripts are admitted by their declared flags (READONLY, MASTERDOWN, allow-stale) as Redis 7.2', async () => {
  const rs = await startTestServer();
  const r = await RawClient.connect(rs.port);
  try {
    const lib = "#!lua name=rl\n" +
      "redis.register_function{function_name='rl_ro', callback=function() return 'hello' end, flags={'no-writes'}}\n" +
      "redis.register_function{function_name='rl_stale', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}\n" +
      "redis.register_function{function_name='rl_w', callback=function() return redis.call('set', 'x', '1') end}\n" +
      "redis.register_function{function_name='rl_get', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}";
    assert.equal(await r.call('FUNCTION', 'LOAD', lib), bulk('rl'));
    // a primary that never answers: the replica's link stays down
    assert.equal(await r.call('REPLICAOF', '127.0.0.1', '1'), '+OK\r\n');
    const readonly = "-READONLY You can't write against a read only replica.\r\n";
    assert.equal(await r.call('EVAL', "#!lua\nreturn redis.call('set', 'k', 'v')", '0'), readonly);
    assert.equal(await r.call('FCALL', 'rl_w', '0'), readonly);
    const compat = "return redis.call('set', 'k', 'v')";
    assert.equal(await r.call('EVAL', compat, '0'), `-READONLY You can't write against a read only replica. script: ${sha(compat)}, on @user_script:1.\r\n`);
    assert.equal(await r.call('FCALL', 'rl_ro', '0'), bulk('hello'));
    assert.equal(await r.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no'), '+OK\r\n');
    const masterDown = "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n";
    assert.equal(await r.call('FCALL', 'rl_ro', '0'), masterDown);
    assert.equal(await r.call('FCALL', 'rl_stale', '0'), bulk('hello'));
    // an allow-stale function runs, but the commands it calls without the stale flag do not
    assert.equal(await r.call('FCALL', 'rl_get', '0'), '-ERR Can not execute the command on a stale replica script: rl_get, on @user_function:5.\r\n');
    assert.equal(await r.call('EVAL', 'return 1', '0'), masterDown);
    assert.equal(await r.call('EVAL', '#!lua flags=no-writes,allow-stale\nreturn 1', '0'), ':1\r\n');
  } finally {
    r.close();
    await rs.close();
  }
});

test('TIME inside a script answers the time the script started (Redis 7.2 caches it per execution unit)', async () => {
  const s = "local a = redis.call('TIME') for i = 1, 1000000 do end local b = redis.call('TIME') return {a[1] .. '.' .. a[2], b[1] .. '.' .. b[2]}";
  const out = await c.call('EVAL', s, '0');
  const m = /^\*2\r\n\$\d+\r\n(\d+\.\d+)\r\n\$\d+\r\n(\d+\.\d+)\r\n$/.exec(out);
  assert.ok(m !== null, out);
  assert.equal(m[1], m[2]);
});

test('scripts inside MULTI and under WATCH', async () => {
  const w = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('SET', 'wk', '1'), '+OK\r\n');
    assert.equal(await w.call('WATCH', 'wk'), '+OK\r\n');
    assert.equal(await c.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'wk'), ':2\r\n');
    assert.equal(await w.call('MULTI'), '+OK\r\n');
    assert.equal(await w.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'wk'), '+QUEUED\r\n');
    assert.equal(await w.call('EXEC'), '*-1\r\n');
    assert.equal(await w.call('MULTI'), '+OK\r\n');
    assert.equal(await w.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'wk'), '+QUEUED\r\n');
    assert.equal(await w.call('SCRIPT', 'EXISTS', 'x'), '+QUEUED\r\n');
    assert.equal(await w.call('EXEC'), '*2\r\n:3\r\n*1\r\n:0\r\n');
  } finally {
    w.close();
  }
});

test('blocking commands in a script answer at once (7.2: not noscript)', async () => {
  assert.equal(await c.call('EVAL', "return redis.pcall('blpop', KEYS[1], 0)", '1', 'bl:none'), '$-1\r\n');
  assert.equal(await c.call('EVAL', "return redis.call('brpoplpush', KEYS[1], KEYS[2], 0)", '2', 'bl:a', 'bl:b'), '$-1\r\n');
  assert.equal(await c.call('RPUSH', 'bl:c', 'x'), ':1\r\n');
  assert.equal(await c.call('EVAL', "return redis.call('blpop', KEYS[1], 0)", '1', 'bl:c'), '*2\r\n$4\r\nbl:c\r\n$1\r\nx\r\n');
  assert.equal(await c.call('EVAL', "return redis.call('bzpopmin', KEYS[1], 0)", '1', 'bl:z'), '$-1\r\n');
  // XREAD / XREADGROUP with BLOCK are errors in a script (Redis 7.2's text, the name as called)
  assert.equal(await c.call('EVAL', "return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", '1', 'bl:s'), '-ERR xread command is not allowed with BLOCK option from scripts\r\n');
  assert.equal(await c.call('XGROUP', 'CREATE', 'bl:s', 'g', '$', 'MKSTREAM'), '+OK\r\n');
  assert.equal(await c.call('EVAL', "return redis.pcall('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', KEYS[1], '>')", '1', 'bl:s'), '-ERR XREADGROUP command is not allowed with BLOCK option from scripts\r\n');
  assert.equal(await c.call('EVAL', "return redis.pcall('xread', 'STREAMS', KEYS[1], '$')", '1', 'bl:s'), '$-1\r\n');
  assert.equal(await c.call('ZADD', 'bl:z', '1', 'm'), ':1\r\n');
  assert.equal(await c.call('EVAL', "return redis.call('bzpopmax', KEYS[1], 0)", '1', 'bl:z'), '*3\r\n$4\r\nbl:z\r\n$1\r\nm\r\n$1\r\n1\r\n');
});

test('SORT BY a constant on a set is ordered in a script (as Redis, for determinism)', async () => {
  assert.equal(await c.call('SADD', 'so:s', 'c', 'a', 'b'), ':3\r\n');
  assert.equal(await c.call('EVAL', "return redis.call('sort', KEYS[1], 'by', 'nosort')", '1', 'so:s'), '*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n');
});

test('SELECT inside a script does not change the caller database', async () => {
  assert.equal(await c.call('EVAL', "redis.call('select', 1) redis.call('set', 'in1', 'x') return 1", '0'), ':1\r\n');
  assert.equal(await c.call('EXISTS', 'in1'), ':0\r\n');
  assert.equal(await c.call('SELECT', '1'), '+OK\r\n');
  assert.equal(await c.call('EXISTS', 'in1'), ':1\r\n');
  assert.equal(await c.call('SELECT', '0'), '+OK\r\n');
});

test('INFO memory: cached scripts counted', async () => {
  await c.call('SCRIPT', 'FLUSH');
  await c.call('SCRIPT', 'LOAD', 'return 11');
  await c.call('EVAL', 'return 12', '0');
  const info = await c.call('INFO', 'memory');
  assert.match(info, /number_of_cached_scripts:2\r\n/);
  const vm = Number(/used_memory_vm_eval:(\d+)/.exec(info)?.[1]);
  assert.ok(vm > 10_000 && vm < 10_000_000, `used_memory_vm_eval ${vm}`);
  const scripts = Number(/used_memory_scripts_eval:(\d+)/.exec(info)?.[1]);
  assert.ok(scripts >= 2 * (40 + 9), `used_memory_scripts_eval ${scripts}`);
});

function argvOf(r: Reply | null): string {
  return r === null ? 'null' : r.k === Kind.Error ? `-${r.s}` : 'ok';
}

test('propagation: a script\'s writes go out as the commands it ran, wrapped in MULTI/EXEC', () => {
  const server = new Server({});
  const sink = attachRecordingSink(server);
  const l = localClient(server);
  const call = (...argv: string[]): string => {
    server.updateTime();
    return argvOf(l.call(...argv));
  };
  assert.equal(call('EVAL', "redis.call('set', KEYS[1], 'a') redis.call('incr', 'n') redis.call('get', 'n') return 1", '1', 'pk'), 'ok');
  assert.deepEqual(sink.take().map((x) => x.argv), [['MULTI'], ['set', 'pk', 'a'], ['incr', 'n'], ['EXEC']]);
  assert.equal(call('EVAL', "redis.call('set', 'one', 'a') return 1", '0'), 'ok');
  assert.deepEqual(sink.take().map((x) => x.argv), [['set', 'one', 'a']]);
  assert.equal(call('EVAL', "return redis.call('get', 'one')", '0'), 'ok');
  assert.deepEqual(sink.take(), []);
  // redis.set_repl(REPL_NONE): what follows is not propagated
  assert.equal(call('EVAL', "redis.call('set', 'x1', '1') redis.set_repl(redis.REPL_NONE) redis.call('set', 'x2', '2') redis.set_repl(redis.REPL_ALL) redis.call('set', 'x3', '3')", '0'), 'ok');
  assert.deepEqual(sink.take().map((x) => x.argv), [['MULTI'], ['set', 'x1', '1'], ['set', 'x3', '3'], ['EXEC']]);
  // REPL_AOF / REPL_SLAVE pick the AOF's sink or the replicas' (the wrap goes to both, as Redis)
  const replicas = new RecordingSink();
  server.propagator.addSink(replicas);
  const sel = "redis.call('set', 'a', '1') redis.set_repl(redis.REPL_NONE) redis.call('set', 'b', '2') redis.set_repl(redis.REPL_AOF) redis.call('set', 'c', '3') redis.set_repl(redis.REPL_SLAVE) redis.call('set', 'd', '4') redis.set_repl(redis.REPL_ALL) redis.call('set', 'e', '5')";
  assert.equal(call('EVAL', sel, '0'), 'ok');
  assert.deepEqual(sink.take().map((x) => x.argv), [['MULTI'], ['set', 'a', '1'], ['set', 'c', '3'], ['set', 'e', '5'], ['EXEC']]);
  assert.deepEqual(replicas.take().map((x) => x.argv), [['MULTI'], ['set', 'a', '1'], ['set', 'd', '4'], ['set', 'e', '5'], ['EXEC']]);
  server.propagator.removeSink(replicas);
  // EXPIRE inside a script is propagated in its absolute form
  assert.equal(call('EVAL', "redis.call('expire', 'one', 100)", '0'), 'ok');
  const exp = sink.take().map((x) => x.argv);
  assert.equal(exp.length, 1);
  assert.equal(exp[0]![0]!.toLowerCase(), 'pexpireat');
});

test('maxmemory: deny-oom commands refused before a script writes; shebang scripts need allow-oom (as 7.2)', async () => {
  assert.equal(await c.call('SET', 'oom:k', 'v'), '+OK\r\n');
  assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n');
  try {
    const w = "return redis.call('set', 'oom:k', 'w')";
    assert.equal(await c.call('EVAL', w, '0'), `-OOM command not allowed when used memory > 'maxmemory'. script: ${sha(w)}, on @user_script:1.\r\n`);
    assert.equal(await c.call('EVAL', "return redis.call('get', 'oom:k')", '0'), bulk('v'));
    assert.equal(await c.call('EVAL', "#!lua\nreturn redis.call('get', 'oom:k')", '0'), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert.equal(await c.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'oom:k')", '0'), bulk('v'));
    assert.equal(await c.call('EVAL', "#!lua flags=allow-oom\nreturn redis.call('set', 'oom:k', 'x')", '0'), '+OK\r\n');
    // a script queued in MULTI meets the runner's own check at EXEC
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EVAL', "#!lua\nreturn redis.call('get', 'oom:k')", '0'), '+QUEUED\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1'), '+QUEUED\r\n');
    assert.equal(await c.call('EVAL', "#!lua\nreturn redis.call('get', 'oom:k')", '0'), '+QUEUED\r\n');
    assert.equal(
      await c.call('EXEC'),
      "*3\r\n$1\r\nx\r\n+OK\r\n-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'\r\n",
    );
  } finally {
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
  }
});

test('effects replication: replaying what a script propagated rebuilds the keyspace exactly', () => {
  const T = 1_700_000_000_000;
  const clockA = new ManualClock(T);
  const a = new Server({ clock: clockA });
  const sink = new TimedSink(a);
  a.propagator.sink = sink;
  const la = localClient(a);
  const run = (...argv: string[]): void => {
    a.updateTime();
    const r = la.call(...argv);
    assert.ok(r === null || r.k !== Kind.Error, `${argv.join(' ')} -> ${r === null ? '' : r.k === Kind.Error ? r.s : ''}`);
  };
  run('SADD', 'pool', 'a', 'b', 'c', 'd', 'e');
  // chance, time and relative TTLs inside scripts: replayed as their effects
  run('EVAL', "redis.call('set', 'r', math.random()) redis.call('set', 'p', redis.call('spop', 'pool')) return 1", '0');
  run('EVAL', "local t = redis.call('time') redis.call('hset', 'h', 'sec', t[1], 'usec', t[2]) redis.call('expire', 'h', 100) return 1", '0');
  clockA.advance(5_000);
  run('EVAL', "redis.call('incrbyfloat', 'f', '0.1') redis.call('incrbyfloat', 'f', '0.2') return redis.call('get', 'f')", '0');
  run('EVAL', "redis.call('select', 2) redis.call('lpush', 'l2', 'x', 'y') redis.call('select', 0) redis.call('set', 'back', '0') return 1", '0');
  run('EVAL', "redis.call('set', 'tmp', 'x', 'PX', 50) return 1", '0');
  clockA.advance(100);
  run('EVAL', "return redis.call('get', 'tmp')", '0');
  run('EVAL_RO', "return redis.call('get', 'r')", '0');
  const clockB = new ManualClock(T);
  const b = new Server({ clock: clockB });
  assert.deepEqual(replayFeed(b, clockB, sink.commands), []);
  assert.equal(dumpKeyspace(b), dumpKeyspace(a));
  // the feed holds commands, never EVAL itself
  assert.ok(sink.commands.every((op) => !/^eval/i.test(op.argv[0]!)));
  assert.ok(sink.commands.some((op) => op.argv[0] === 'MULTI'));
});

test("errorstats: a command's error passed on by a script is counted once, as Redis 7.2", async () => {
  assert.equal(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
  await c.call('SET', 'es:k', 'x');
  await c.call('EVAL', "return redis.call('lpush', KEYS[1], 'y')", '1', 'es:k');
  await c.call('EVAL', "return redis.pcall('lpush', KEYS[1], 'y')", '1', 'es:k');
  await c.call('EVAL', "return {err='MINE x'}", '0');
  await c.call('EVAL', "error('x')", '0');
  const info = await c.call('INFO', 'errorstats');
  // what redis-server 7.2.4 reports for the same four scripts
  assert.match(info, /errorstat_ERR:count=1\r\n/);
  assert.match(info, /errorstat_MINE:count=1\r\n/);
  assert.match(info, /errorstat_WRONGTYPE:count=2\r\n/);
  const stats = await c.call('INFO', 'stats');
  assert.match(stats, /total_error_replies:4\r\n/);
  assert.match(await c.call('INFO', 'commandstats'), /cmdstat_eval:calls=4,[^\r]*failed_calls=4/);
});

test("maxmemory at EXEC: a queued script's own flags decide whether it is deny-oom (shebang, function flags), as 7.2", async () => {
  const other = await RawClient.connect(srv.port);
  const execAbort = "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n";
  const lib = '#!lua name=oomflags\nredis.register_function("oomf1", function() return 1 end)\n' + 'redis.register_function{function_name="oomf2", callback=function() return 2 end, flags={"allow-oom"}}';
  try {
    assert.equal(await c.call('FUNCTION', 'LOAD', 'REPLACE', lib), bulk('oomflags'));
    for (const [queued, expected] of [
      [['EVAL', '#!lua\nreturn 1', '0'], execAbort],
      [['FCALL', 'oomf1', '0'], execAbort],
      [['EVAL', '#!lua flags=allow-oom\nreturn 1', '0'], '*1\r\n:1\r\n'],
      [['EVAL', 'return 3', '0'], '*1\r\n:3\r\n'],
      [['FCALL', 'oomf2', '0'], '*1\r\n:2\r\n'],
    ] as const) {
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call(...queued), '+QUEUED\r\n');
      assert.equal(await other.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n');
      assert.equal(await c.call('EXEC'), expected, queued.join(' '));
      assert.equal(await other.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
    }
  } finally {
    await other.call('CONFIG', 'SET', 'maxmemory', '0');
    await c.call('FUNCTION', 'DELETE', 'oomflags');
    other.close();
  }
});

test('min-replicas-to-write: a script without flags is refused NOREPLICAS at its first write, as 7.2', async () => {
  const w = "return redis.call('set', 'norepl:x', 1)";
  assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), '+OK\r\n');
  try {
    assert.equal(await c.call('EVAL', w, '1', 'norepl:x'), `-NOREPLICAS Not enough good replicas to write. script: ${sha(w)}, on @user_script:1.\r\n`);
    assert.equal(await c.call('EVAL', "return redis.pcall('set', 'norepl:x', 1)", '1', 'norepl:x'), '-NOREPLICAS Not enough good replicas to write.\r\n');
    assert.equal(await c.call('EVAL', "return redis.call('get', 'norepl:x')", '1', 'norepl:x'), '$-1\r\n');
  } finally {
    await c.call('CONFIG', 'SET', 'min-replicas-to-write', '0');
  }
});
