import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaVm, luaModule, type RunOptions, type RunResult } from '../../src/scripting/lua-vm.js';
import { errorInfo, type LuaValue } from '../../src/scripting/lua-value.js';
import { reply, type Reply } from '../../src/protocol/reply.js';

const vm = new LuaVm();

function run(src: string, opts: RunOptions = {}, on: LuaVm = vm): RunResult {
  const c = on.compile(src);
  if (!c.ok) throw new Error(`compile failed: ${c.error}`);
  return on.run(c.chunk, opts);
}

function ok(src: string, opts: RunOptions = {}, on: LuaVm = vm): LuaValue {
  const r = run(src, opts, on);
  assert.equal(r.kind, 'ok', `${src} -> ${JSON.stringify(r)}`);
  return r.kind === 'ok' ? r.value : null;
}

function errText(src: string, opts: RunOptions = {}, on: LuaVm = vm): string {
  const r = run(src, opts, on);
  assert.equal(r.kind, 'error', `${src} should fail: ${JSON.stringify(r)}`);
  if (r.kind !== 'error') return '';
  const info = errorInfo(r.error);
  return info.message ?? '';
}

function array(v: LuaValue): readonly LuaValue[] {
  assert.ok(v !== null && typeof v === 'object' && v.type === 'table', `not a table: ${JSON.stringify(v)}`);
  return v.type === 'table' ? v.array : [];
}

test('sandbox: no package/loadlib (CVE-2022-0543), io, os.execute, print, dofile, loadfile, require', () => {
  for (const name of ['package', 'io', 'os', 'print', 'dofile', 'loadfile', 'require', 'module', 'debug']) {
    assert.equal(
      errText(`return ${name}`),
      `ERR user_script:1: Script attempted to access nonexistent global variable '${name}'`,
    );
  }
  // the exploit of CVE-2022-0543 itself
  assert.match(errText('local l = package.loadlib("/usr/lib/x86_64-linux-gnu/liblua5.1.so.0", "luaopen_io"); return l'), /nonexistent global variable 'package'/);
  // Redis 7.2's EVAL environment has no `os` table at all
  assert.match(errText("return os.execute('id')"), /nonexistent global variable 'os'/);
  assert.match(errText('return os.clock()'), /nonexistent global variable 'os'/);
});

test('isolation: lua.wasm imports only the host functions and file-descriptor WASI calls (no clock, socket, random, environment)', () => {
  // every one of these is answered by lua-vm.ts: the WASI calls with EBADF (no descriptor
  // works, no directory is preopened) and proc_exit by throwing; a new import fails here
  const imports = WebAssembly.Module.imports(luaModule()).map((i) => `${i.module}.${i.name}:${i.kind}`);
  const host = ['call', 'interrupt', 'ldb_log', 'ldb_timeout', 'panic', 'throw', 'try'].map((n) => `host.${n}:function`);
  const wasi = ['fd_close', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_prestat_dir_name', 'fd_prestat_get', 'fd_read', 'fd_renumber', 'fd_seek', 'fd_write', 'path_open', 'proc_exit'];
  assert.deepEqual(imports.sort(), [...host, ...wasi.map((n) => `wasi_snapshot_preview1.${n}:function`)].sort());
});

test('sandbox: globals are readonly with Redis 7 texts, library tables too, across scripts', () => {
  assert.equal(errText('x = 1'), 'ERR user_script:1: Attempt to modify a readonly table');
  assert.equal(errText('redis = {}'), 'ERR user_script:1: Attempt to modify a readonly table');
  assert.equal(errText('string.len = nil'), 'ERR user_script:1: Attempt to modify a readonly table');
  // raised inside a C function: no position, as Redis
  assert.equal(errText("rawset(_G, 'y', 1)"), 'ERR Attempt to modify a readonly table');
  assert.equal(errText('setmetatable(_G, {})'), 'ERR Attempt to modify a readonly table');
  assert.equal(errText('return nope'), "ERR user_script:1: Script attempted to access nonexistent global variable 'nope'");
  assert.equal(ok('local t = {} t.x = 1 return t.x'), 1);
});

test('CVE-2025-46818: the string metatable cannot be changed to run code in a later script', () => {
  assert.equal(errText("getmetatable('').__index = function() return 'pwned' end"), 'ERR user_script:1: Attempt to modify a readonly table');
  assert.equal(errText("rawset(getmetatable(''), '__add', function() return 1 end)"), 'ERR Attempt to modify a readonly table');
  assert.equal(errText("getmetatable('').__index.upper = function() return 'pwned' end"), 'ERR user_script:1: Attempt to modify a readonly table');
  // a later script still sees the real string library
  assert.equal(ok("return ('abc'):upper()"), 'ABC');
});

test('CVE-2025-46817: huge unpack ranges fail cleanly', () => {
  assert.equal(errText('return unpack({}, -2147483648, 2147483647)'), 'ERR user_script:1: too many results to unpack');
  assert.equal(errText('return unpack({}, 1, 2147483647)'), 'ERR user_script:1: too many results to unpack');
  assert.equal(errText('return unpack({}, -2, 2147483646)'), 'ERR user_script:1: too many results to unpack');
  assert.deepEqual(array(ok('return {unpack({1, 2, 3}, 2, 3)}')), [2, 3]);
});

test('CVE-2025-46819 / CVE-2025-49844: long strings, parse errors and GC during parsing stay sound', () => {
  assert.equal(ok('return [==[a]]b]==]'), 'a]]b');
  assert.equal(ok("return loadstring('return [=[' .. string.rep('x', 1000) .. ']=]')()"), 'x'.repeat(1000));
  assert.match(String(ok("local f, e = loadstring('return [=x') return e")), /invalid long string delimiter/);
  // collections forced while many chunks are parsed: the chunk name stays alive
  const v = ok(`
    local n = 0
    for i = 1, 200 do
      local big = string.rep('y', 10000)
      collectgarbage('collect')
      local f = loadstring('return ' .. i, 'chunk' .. i)
      n = n + f()
    end
    return n`);
  assert.equal(v, 20100);
});

test('bytecode is refused; string.dump output cannot be loaded (as Redis)', () => {
  const e = ok('local f, e = loadstring(string.dump(function() return 1 end)) return e');
  assert.equal(typeof e, 'string');
  assert.match(String(e), /unexpected symbol near 'char\(27\)'/);
  assert.match(String(ok("local f, e = loadstring('\\27Lua') return e")), /unexpected symbol/);
  const c = vm.compile('\x1bLuaQ\x00\x01\x04');
  assert.equal(c.ok, false);
  if (!c.ok) assert.match(c.error, /unexpected symbol near 'char\(27\)'/);
});

test('numbers print as Redis: 5 not 5.0, 64-bit %d, string positions beyond 2^31', () => {
  assert.equal(ok('return "x=" .. 10/2'), 'x=5');
  assert.equal(ok('return tostring(10/2)'), '5');
  assert.equal(ok('return table.concat({1, 2.5, 10/2}, ",")'), '1,2.5,5');
  assert.equal(ok("return string.format('%d', 2^31)"), '2147483648');
  assert.equal(ok("return string.format('%d', -2^53)"), '-9007199254740992');
  assert.equal(ok("return string.format('%d', 2^63)"), '-9223372036854775808');
  assert.equal(ok("return string.format('%d', 3.7)"), '3');
  assert.equal(ok("return string.sub('abc', 1, 2^40)"), 'abc');
  assert.equal(ok("return string.sub('abcdef', -2^40, 2)"), 'ab');
  assert.equal(ok("local s = 'abcd' return s:sub(1, #s/2)"), 'ab');
  assert.equal(ok("return string.find('abc', 'c', -2^40)"), 3);
  assert.equal(ok('return tostring(1e15)'), '1e+15');
  assert.equal(ok('return tostring(0.1)'), '0.1');
  assert.equal(ok("return struct.pack('l', 1):len()"), 8);
  assert.equal(ok("return struct.unpack('>l', struct.pack('>l', -2^40))"), -(2 ** 40));
  // an out-of-range conversion answers, it does not trap
  assert.equal(ok("return string.rep('x', 1e300)"), '');
  assert.equal(ok("return string.rep('x', 0/0)"), '');
});

test("Redis's deterministic math.random", () => {
  const fresh = new LuaVm();
  // Redis 7.x's first values on a fresh server (rand.c's lrand48 sequence)
  assert.equal(ok('return tostring(math.random())', {}, fresh), '0.39646477363839');
  assert.equal(ok('return math.random(10)', {}, fresh), 9);
  ok('math.randomseed(42)', {}, fresh);
  const a = ok('return {math.random(1000), math.random(1000)}', {}, fresh);
  ok('math.randomseed(42)', {}, fresh);
  assert.deepEqual(ok('return {math.random(1000), math.random(1000)}', {}, fresh), a);
  fresh.close();
});

test('memory cap: string.rep(x, 1e8) fails with not enough memory and the VM goes on', () => {
  const small = new LuaVm({ memoryLimit: 16 * 1024 * 1024 });
  const r = run("return string.rep('x', 1e8)", {}, small);
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') {
    assert.equal(r.cause, 'memory');
    assert.equal(r.error, 'not enough memory');
  }
  const grow = run('local t = {} for i = 1, 1e7 do t[i] = i end return #t', {}, small);
  assert.equal(grow.kind, 'error');
  if (grow.kind === 'error') assert.equal(grow.cause, 'memory');
  assert.equal(ok('return 1 + 1', {}, small), 2);
  assert.ok(small.memoryUsed() < 16 * 1024 * 1024);
  assert.equal(small.poisonings, 0);
  small.close();
});

test('an infinite loop is stopped by the count hook through a host deadline, even inside pcall', () => {
  const deadline = (ms: number): (() => string | null) => {
    const end = Date.now() + ms;
    // the text as Redis's luaPushError takes it: the ERR code is added
    return () => (Date.now() > end ? 'Script killed by user with SCRIPT KILL...' : null);
  };
  const started = Date.now();
  assert.equal(errText('while true do end', { interrupt: deadline(50) }), 'ERR Script killed by user with SCRIPT KILL...');
  assert.equal(
    errText('while true do pcall(function() while true do end end) end', { interrupt: deadline(50) }),
    'ERR Script killed by user with SCRIPT KILL...',
  );
  assert.equal(
    errText("local t = {3, 2, 1} table.sort(t, function(a, b) while true do end end)", { interrupt: deadline(50) }),
    'ERR Script killed by user with SCRIPT KILL...',
  );
  assert.ok(Date.now() - started < 60_000, 'the loops stopped');
  assert.equal(ok('return 7'), 7);
});

test('a trap or host exception poisons the instance: it is rebuilt, the call fails, the host goes on', () => {
  const p = new LuaVm({ hostFunctions: ['boom'] });
  const chunk = p.compile("redis.boom() return 'unreachable'");
  assert.ok(chunk.ok);
  const keep = p.compile("return 'still compiled'");
  assert.ok(keep.ok);
  if (!chunk.ok || !keep.ok) return;
  const r = p.run(chunk.chunk, {
    hostFunction: () => {
      throw new WebAssembly.RuntimeError('unreachable executed');
    },
  });
  assert.equal(r.kind, 'fatal');
  if (r.kind === 'fatal') assert.match(r.message, /RuntimeError: unreachable executed/);
  assert.equal(p.poisonings, 1);
  // a chunk compiled before the poisoning is compiled again in the new instance
  const after = p.run(keep.chunk);
  assert.deepEqual(after, { kind: 'ok', value: 'still compiled' });
  p.close();
});

test('cjson and cmsgpack round trips', () => {
  assert.equal(ok("return cjson.encode(cjson.decode('{\"a\":[1,2,{\"b\":null}]}'))"), '{"a":[1,2,{"b":null}]}');
  assert.equal(ok("return cjson.decode('[1,2,3]')[3]"), 3);
  assert.deepEqual(array(ok("return cmsgpack.unpack(cmsgpack.pack({1, 'two', {3}}))")).slice(0, 2), [1, 'two']);
  assert.equal(ok("local t = cmsgpack.unpack(cmsgpack.pack({a = 'x\\0y'})) return t.a"), 'x\0y');
  assert.equal(ok('return bit.band(0xff, 0x0f)'), 15);
  assert.equal(ok("return cmsgpack.unpack(cmsgpack.pack(2^40))"), 2 ** 40);
});

test('KEYS and ARGV are binary strings, \\0 and \\xff included, both ways', () => {
  const key = 'k\x00\xff\x80é';
  assert.equal(ok('return KEYS[1]', { keys: [key], args: [] }), key);
  assert.equal(ok('return #KEYS[1]', { keys: [key] }), 5);
  assert.equal(ok('return ARGV[2] .. "\\255"', { args: ['a', '\x00'] }), '\x00\xff');
  assert.equal(ok('return string.byte(ARGV[1], 1, -1)', { args: ['\xff'] }), 255);
  // function mode passes them as arguments instead of globals
  const v = ok('local keys, args = ... return keys[1] .. args[1]', { mode: 'function', keys: ['\x01'], args: ['\xfe'] });
  assert.equal(v, '\x01\xfe');
});

test('redis.call: binary argv, numbers as Redis formats them, replies converted, errors raised', () => {
  const seen: string[][] = [];
  const redisCall = (argv: string[]): Reply => {
    seen.push(argv);
    if (argv[0] === 'fail') return reply.error('WRONGTYPE Operation against a key holding the wrong kind of value');
    if (argv[0] === 'arr') return reply.array([reply.int(1), reply.bulk('\x00\xff'), reply.nil, reply.simple('OK')]);
    return reply.bulk(argv.join(','));
  };
  assert.equal(ok("return redis.call('set', KEYS[1], 5, 1.5, 1e18, -0.0)", { keys: ['\xff\x00'], redisCall }), 'set,\xff\x00,5,1.5,1e+18,-0');
  assert.deepEqual(seen[0], ['set', '\xff\x00', '5', '1.5', '1e+18', '-0']);
  const arr = array(ok("return redis.call('arr')", { redisCall }));
  assert.equal(arr[0], 1);
  assert.equal(arr[1], '\x00\xff');
  assert.equal(arr[2], false);
  assert.equal(ok("return redis.call('arr')[4].ok", { redisCall }), 'OK');
  const r = run("redis.call('fail')", { redisCall });
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') {
    const info = errorInfo(r.error);
    assert.equal(info.message, 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(info.fromReply, true);
    assert.equal(info.source, '@user_script');
    assert.equal(info.line, 1);
  }
  assert.equal(ok("return redis.pcall('fail').err", { redisCall }), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  assert.equal(ok("local ok, e = pcall(redis.call, 'fail') return e", { redisCall }), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  assert.equal(errText('redis.call()', { redisCall }), 'ERR Please specify at least one argument for this redis lib call');
  assert.equal(errText("redis.call('get', {})", { redisCall }), 'ERR Lua redis lib command arguments must be strings or integers');
  assert.equal(ok("return redis.pcall('get', true).err", { redisCall }), 'ERR Lua redis lib command arguments must be strings or integers');
});

test('the reused script thread: runs that fail, yield or are stopped leak nothing, whatever they alternate with', () => {
  const own = new LuaVm();
  const good = own.compile('return KEYS[1]');
  const bad = own.compile("error('x')");
  const yields = own.compile('coroutine.yield()');
  const loops = own.compile('while true do end');
  assert.ok(good.ok && bad.ok && yields.ok && loops.ok);
  const round = (): void => {
    assert.equal(own.run(good.chunk, { keys: ['k'] }).kind, 'ok');
    assert.equal(own.run(bad.chunk).kind, 'error');
    assert.equal(own.run(good.chunk, { keys: ['k'] }).kind, 'ok');
    assert.equal(own.run(yields.chunk).kind, 'error');
    assert.equal(own.run(loops.chunk, { interrupt: () => 'stop', hookInterval: 1000 }).kind, 'error');
  };
  for (let i = 0; i < 200; i++) round();
  const before = own.memoryUsed();
  for (let i = 0; i < 2000; i++) round();
  // a thread kept by mistake is about 1 KiB: 2,000 rounds would hold megabytes
  assert.ok(own.memoryUsed() - before < 256 * 1024, `Lua grew by ${own.memoryUsed() - before} bytes`);
  own.close();
});

test('error objects: runtime errors carry source and line; error() with a table keeps it', () => {
  const r = run("local a = 1\nerror('boom')");
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') {
    assert.deepEqual(errorInfo(r.error), { message: 'ERR user_script:2: boom', source: '@user_script', line: 2, fromReply: false });
  }
  assert.equal(errText("error({err='MY code'})"), 'MY code');
  assert.equal(errText('local x = nil; return x.y'), "ERR user_script:1: attempt to index local 'x' (a nil value)");
  const c = vm.compile('return +');
  assert.equal(c.ok, false);
  if (!c.ok) assert.equal(c.error, "user_script:1: unexpected symbol near '+'");
});

test('a script that leaves the linear memory large gets a fresh instance', () => {
  const r = new LuaVm({ rebuildAboveBytes: 8 * 1024 * 1024 });
  assert.equal(ok("local s = string.rep('x', 12 * 1024 * 1024) return #s", {}, r), 12 * 1024 * 1024);
  assert.equal(r.rebuilds, 1);
  assert.ok(r.linearMemoryBytes() < 8 * 1024 * 1024);
  assert.equal(ok('return 1', {}, r), 1);
  r.close();
});
