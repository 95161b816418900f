/**
 * CVE regression suite — Lua scripting (issue 12), at command level against a guarded
 * child server (RSS ≤ 600 MiB, 60 s per attack): every escape or exhaustion attempt
 * made through EVAL must end in an error reply in Redis's style, and the server must
 * go on serving (the guard's health check, and a PING plus a normal script after each).
 *
 *  - CVE-2022-0543: package.loadlib (Debian's Lua loader), and the other doors out:
 *    os.execute, io.open, require, dofile, loadfile;
 *  - precompiled bytecode through loadstring / string.dump;
 *  - metatable tampering of strings and of the globals, meant to persist into the next
 *    script (CVE-2025-46818's class);
 *  - CVE-2025-46817: unpack with huge counts;
 *  - deep recursion (Lua calls, C calls through pcall and metamethods), results nested
 *    too deep to convert;
 *  - string.rep towards 2^31 and a table grown without bound: the VM's memory cap.
 */
// npm test: serial — attacks a guarded child server under RSS and per-attack time ceilings
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MiB } from '../../helpers/resource-guard.js';
import { callAll, firstLine, GuardedSuite } from './cve-support.js';

const LIMITS = { rssCeilingBytes: 600 * MiB, timeCeilingMs: 60_000 };
const suite = new GuardedSuite([], LIMITS);
const guarded = suite.guarded.bind(suite);

after(async () => {
  await suite.stop();
});

const sha = (s: string): string => createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');

/** Runs a script; asserts the error reply (exact text, or a pattern), then that the server still serves. */
async function attack(port: number, script: string, expected: string | RegExp): Promise<void> {
  const r = (await firstLine(port, ['EVAL', script, '0'], 50_000)).replace(/\r\n$/, '');
  if (typeof expected === 'string') assert.equal(r, expected, script);
  else assert.match(r, expected, `${script} -> ${r}`);
  const [pong, normal] = await callAll(port, [['PING'], ['EVAL', "return redis.call('echo', 'still here')", '0']]);
  assert.equal(pong, '+PONG\r\n');
  assert.equal(normal, '$10\r\nstill here\r\n');
}

const decorated = (script: string, message: string, line = 1): string => `-${message} script: ${sha(script)}, on @user_script:${line}.`;

test('CVE-2022-0543: no package.loadlib, os, io, require, dofile or loadfile in a script', async () => {
  await guarded(async (port) => {
    const exploit =
      'local io_l = package.loadlib("/usr/lib/x86_64-linux-gnu/liblua5.1.so.0", "luaopen_io"); local io = io_l(); ' +
      'local f = io.popen("id", "r"); local res = f:read("*a"); f:close(); return res';
    await attack(port, exploit, decorated(exploit, "ERR user_script:1: Script attempted to access nonexistent global variable 'package'"));
    for (const [script, name] of [
      ["return os.execute('id')", 'os'],
      ["return os.getenv('HOME')", 'os'],
      ["return io.open('/etc/passwd'):read('*a')", 'io'],
      ["return require('io')", 'require'],
      ["return dofile('/etc/passwd')", 'dofile'],
      ["return loadfile('/etc/passwd')", 'loadfile'],
      ["return module('x')", 'module'],
      ['return debug.getregistry()', 'debug'],
    ] as const) {
      await attack(port, script, decorated(script, `ERR user_script:1: Script attempted to access nonexistent global variable '${name}'`));
    }
  });
});

test('bytecode: loadstring refuses precompiled chunks, EVAL refuses them too', async () => {
  await guarded(async (port) => {
    const viaDump = 'local f, e = loadstring(string.dump(function() return 1 end)) return e';
    const r = (await firstLine(port, ['EVAL', viaDump, '0'])).replace(/\r\n$/, '');
    // a refusal message (Redis's parser never loads binary chunks), never a function run
    assert.match(r, /^\$\d+$/, r);
    const body = await callAll(port, [['EVAL', viaDump, '0']]);
    // Redis's parser reads a chunk only as source: the dump is a syntax error
    assert.match(body[0]!, /unexpected symbol near 'char\(27\)'/);
    await attack(port, '\x1bLua\x51\x00', /^-ERR Error compiling script \(new function\): /);
    const crafted = "return loadstring('\\27Lua\\81\\0\\1\\4\\4\\4\\8\\0')()";
    await attack(port, crafted, /^-ERR user_script:1: attempt to call a nil value script: /);
  });
});

test('metatables of strings and globals cannot be changed for the next script (CVE-2025-46818 class)', async () => {
  await guarded(async (port) => {
    for (const script of [
      "getmetatable('').__index = function() return 'pwned' end",
      "getmetatable('').__index.upper = function() return 'pwned' end",
      "string.upper = function() return 'pwned' end",
      'redis.call = function() return 1 end',
      "_G.tostring = function() return 'pwned' end",
      "KEYS = {'x'}",
    ]) {
      await attack(port, script, decorated(script, 'ERR user_script:1: Attempt to modify a readonly table'));
    }
    for (const script of ["rawset(getmetatable(''), '__add', function() return 1 end)", 'setmetatable(_G, {})', "rawset(_G, 'x', 1)"]) {
      await attack(port, script, `-ERR Attempt to modify a readonly table script: ${sha(script)}, on @user_script:1.`);
    }
    const [upper, cmp] = await callAll(port, [['EVAL', "return ('abc'):upper()", '0'], ['EVAL', "return type(getmetatable('').__add)", '0']]);
    assert.equal(upper, '$3\r\nABC\r\n');
    assert.equal(cmp, '$3\r\nnil\r\n');
  });
});

test('CVE-2025-46817: unpack with huge counts fails cleanly', async () => {
  await guarded(async (port) => {
    for (const script of ['return unpack({}, 1, 2^31 - 1)', 'return unpack({}, -2^31, 2^31 - 1)', 'return unpack({}, 1, 1e8)', 'return {unpack({1, 2}, 1, 5e6)}']) {
      await attack(port, script, /^-ERR user_script:1: too many results to unpack script: /);
    }
  });
});

test('deep recursion: Lua calls, C calls and nested results end in errors', async () => {
  await guarded(async (port) => {
    const lua = 'local function f(n) return f(n + 1) + 1 end return f(1)';
    await attack(port, lua, /^-ERR user_script:1: stack overflow/);
    const viaPcall = 'local function f() local ok, e = pcall(f) if not ok then error(e, 0) end end f()';
    await attack(port, viaPcall, /^-ERR .*(stack overflow|C stack overflow)/);
    const viaIndex = "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x";
    await attack(port, viaIndex, /^-ERR .*(stack overflow|C stack overflow)/);
    const viaSort = 'local function s() local t = {3, 2, 1} table.sort(t, function(a, b) s() return a < b end) end s()';
    await attack(port, viaSort, /^-ERR .*(stack overflow|C stack overflow)/);
    const nested = 'local t = {} local c = t for i = 1, 100000 do c[1] = {} c = c[1] end return t';
    const r = (await firstLine(port, ['EVAL', nested, '0'], 50_000)).replace(/\r\n$/, '');
    // the reply is an array nested until the conversion stops with Redis's error
    assert.match(r, /^\*1$/);
  });
});

test('string.rep towards 2^31 and unbounded tables hit the VM memory cap, and the memory comes back', async () => {
  await guarded(async (port) => {
    for (const script of ["return string.rep('x', 2^31 - 1)", "return #string.rep('abcdefgh', 2^28)", "local s = string.rep('x', 2^25) return s .. s .. s"]) {
      await attack(port, script, /^-ERR Error running script [0-9a-f]{40}, not enough memory$|^-ERR .*not enough memory/);
    }
    const table = 'local t = {} for i = 1, 1e9 do t[i] = i end return #t';
    await attack(port, table, /not enough memory/);
    const strings = "local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('y', 1000) .. i end";
    await attack(port, strings, /not enough memory/);
    const [info] = await callAll(port, [['INFO', 'memory']]);
    const vm = Number(/used_memory_vm_eval:(\d+)/.exec(info!)?.[1]);
    assert.ok(vm < 8 * MiB, `the Lua heap stays large after the attacks: ${vm}`);
  });
});
