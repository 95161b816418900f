/**
 * The engine's pauses (a long script gives the host turns of its event loop) and
 * its coroutine-based pcall, which must keep Redis 7.2's answers while being
 * yieldable. Expected values were taken from Debian's redis-server (7.0.15) where
 * noted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaVm, type RunOptions, type RunResult, type RunStep } from '../../src/scripting/lua-vm.js';
import { errorInfo, type LuaValue } from '../../src/scripting/lua-value.js';

const vm = new LuaVm();
const KILL = 'Script killed by user with SCRIPT KILL...';

function chunk(src: string, on: LuaVm = vm) {
  const c = on.compile(src);
  if (!c.ok) throw new Error(`compile failed: ${c.error}`);
  return c.chunk;
}

/** Runs to the end, pausing whenever the VM can; returns the result and the pause count. */
function drive(src: string, opts: RunOptions = {}, onPause: (n: number) => void = () => {}): { result: RunResult; pauses: number } {
  let step: RunStep = vm.start(chunk(src), { pause: () => true, ...opts });
  let pauses = 0;
  while (step.kind === 'paused') {
    pauses++;
    onPause(pauses);
    step = vm.resume();
  }
  return { result: step, pauses };
}

function value(r: RunResult): LuaValue {
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  return r.kind === 'ok' ? r.value : null;
}

function array(v: LuaValue): readonly LuaValue[] {
  assert.ok(v !== null && typeof v === 'object' && v.type === 'table', `not a table: ${JSON.stringify(v)}`);
  return v.type === 'table' ? v.array : [];
}

test('a long loop pauses for the host and finishes with the right result', () => {
  const { result, pauses } = drive('local s = 0 for i = 1, 3e6 do s = s + i end return s', { hookInterval: 100_000 });
  assert.equal(value(result), 4500001500000);
  assert.ok(pauses >= 10, `expected many pauses, got ${pauses}`);
});

test('a loop inside pcall (nested too) pauses, and pcall returns its results after resuming', () => {
  const src =
    'local s = 0 for j = 1, 2 do local ok, v = pcall(function() ' +
    'local ok2, w = pcall(function() for i = 1, 1e6 do s = s + 1 end return s end) return w end) s = v end return s';
  const { result, pauses } = drive(src, { hookInterval: 100_000 });
  assert.equal(value(result), 2_000_000);
  assert.ok(pauses >= 5, `expected pauses inside pcall, got ${pauses}`);
});

test('a loop inside a table.sort comparator or a string.gsub callback pauses, and the result is right', () => {
  const sorted = drive(
    'local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0} table.sort(t, function(a, b) for k = 1, 20000 do end return a < b end) return t',
    { hookInterval: 1000 },
  );
  assert.deepEqual(array(value(sorted.result)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(sorted.pauses > 0, 'no pause inside the comparator');
  const replaced = drive("return {string.gsub('a-b-c', '%w', function(c) for k = 1, 20000 do end return c:upper() end)}", { hookInterval: 1000 });
  assert.deepEqual(array(value(replaced.result)), ['A-B-C', 3]);
  assert.ok(replaced.pauses > 0, 'no pause inside the gsub callback');
});

test('no pause inside a metamethod or a coroutine of the script (it goes on instead)', () => {
  for (const src of [
    "local t = setmetatable({}, {__index = function(t, k) for i = 1, 1e6 do end return 7 end}) return t.x",
    'local co = coroutine.wrap(function() for i = 1, 1e6 do end return 5 end) return co()',
  ]) {
    const { result, pauses } = drive(src, { hookInterval: 1000 });
    assert.equal(pauses, 0, src);
    assert.equal(result.kind, 'ok', `${src}: ${JSON.stringify(result)}`);
  }
});

test('table.sort and string.gsub keep the C versions\' answers (checked against redis-server)', () => {
  const v = (src: string) => value(vm.run(chunk(src)));
  const e = (src: string) => {
    const r = vm.run(chunk(src));
    assert.equal(r.kind, 'error', src);
    return r.kind === 'error' ? errorInfo(r.error).message : null;
  };
  // the comparator sees the same calls in the same order as ltablib.c's auxsort
  assert.deepEqual(
    array(v('local t = {} for i = 1, 200 do t[i] = (i * 7919) % 211 end local calls = 0 table.sort(t, function(a, b) calls = calls + 1 return a < b end) return {calls, t[1], t[2], t[100], t[200]}')),
    [1524, 1, 2, 105, 210],
  );
  assert.equal(
    v("local t = {} for i = 1, 60 do t[i] = (i * 37) % 61 end local log = {} table.sort(t, function(a, b) log[#log + 1] = a .. '<' .. b return a < b end) return table.concat(log, ',', 1, 40)"),
    '24<37,12<24,13<24,50<24,24<11,26<24,24<35,24<59,24<22,2<24,39<24,24<46,24<9,15<24,52<24,24<33,24<57,24<20,28<24,24<44,24<7,4<24,41<24,24<31,24<55,24<18,17<24,54<24,24<42,24<5,30<24,24<29,24<53,24<16,6<24,43<24,24<40,24<3,19<24,56<24',
  );
  assert.deepEqual(
    array(v("local t = {} for i = 1, 50 do t[i] = i end local c = 0 local ok, e = pcall(table.sort, t, function(a, b) c = c + 1 return true end) return {tostring(ok), tostring(e), c}")),
    ['false', 'invalid order function for sorting', 52],
  );
  assert.equal(e("table.sort({1, 'a'})"), 'ERR attempt to compare string with number');
  assert.equal(e('table.sort()'), "ERR user_script:1: bad argument #1 to 'sort' (table expected, got no value)");
  assert.equal(e('table.sort({}, 1)'), "ERR user_script:1: bad argument #2 to 'sort' (function expected, got number)");
  assert.deepEqual(array(v("return {string.gsub('hello world', 'o', function(c) return false end)}")), ['hello world', 2]);
  assert.deepEqual(array(v("return {string.gsub('abc', '()b()', function(a, b) return a .. ':' .. b end)}")), ['a2:3c', 1]);
  assert.deepEqual(array(v("return {string.gsub('abc', '', function() return 'x' end)}")), ['xaxbxcx', 4]);
  assert.deepEqual(array(v("return {('abcdef'):gsub('%w', function(c) return c .. '-' end, 2)}")), ['a-b-cdef', 2]);
  assert.equal(e("string.gsub('hello world', 'o', function(c) return {} end)"), 'ERR user_script:1: invalid replacement value (a table)');
  assert.equal(e("string.gsub('x', '%', function() end)"), "ERR user_script:1: malformed pattern (ends with '%')");
  assert.equal(e("string.gsub('abc', 'b', function() end, 'x')"), "ERR user_script:1: bad argument #4 to 'gsub' (number expected, got string)");
});

test('a script coroutine keeps its own yields and resumes (a host pause is never seen by it)', () => {
  const src =
    'local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) for i = 1, 5e5 do end return b * 2 end) ' +
    'local _, x = coroutine.resume(co, 1) for i = 1, 5e5 do end local _, y = coroutine.resume(co, 10) return {x, y}';
  const { result, pauses } = drive(src, { hookInterval: 10_000 });
  assert.deepEqual(array(value(result)), [2, 20]);
  assert.ok(pauses > 0);
});

test('kill while paused: the error reaches the top even through pcall (every nesting)', () => {
  for (const src of ['while true do end', 'while true do pcall(function() while true do end end) end', 'pcall(pcall, function() while true do end end) return 1']) {
    let killed = false;
    const { result } = drive(src, { interrupt: () => (killed ? KILL : null), hookInterval: 10_000 }, (n) => {
      if (n === 3) killed = true;
    });
    assert.equal(result.kind, 'error', src);
    if (result.kind === 'error') assert.equal(errorInfo(result.error).message, `ERR ${KILL}`);
  }
});

test('kill error carries the script line where the loop was', () => {
  let killed = false;
  const src = 'local n = 0\nwhile true do\n  pcall(function()\n    while true do end\n  end)\nend';
  const { result } = drive(src, { interrupt: () => (killed ? KILL : null), hookInterval: 10_000 }, () => {
    killed = true;
  });
  assert.equal(result.kind, 'error');
  if (result.kind === 'error') {
    const info = errorInfo(result.error);
    assert.equal(info.source, '@user_script');
    assert.equal(info.line, 4);
  }
});

test("pcall's answers as Redis 7.2's luaRedisPcall (checked against redis-server)", () => {
  const v = (src: string) => value(vm.run(chunk(src)));
  assert.deepEqual(array(v('return {pcall(function() return 1, 2, 3 end)}')), [true, 1, 2, 3]);
  assert.deepEqual(array(v("return {pcall(error, 'x')}")), [false, 'x']);
  assert.deepEqual(array(v("return {pcall(error, {err='E1'})}")), [false, 'E1']);
  assert.deepEqual(array(v('return {pcall(error, {err=5})}')), [false, 5]);
  assert.deepEqual(array(v('return {pcall(nil)}')), [false, 'attempt to call a nil value']);
  assert.deepEqual(array(v('return {pcall()}')), [false, 'attempt to call a boolean value']);
  assert.deepEqual(array(v('return {pcall(string.rep)}')), [false, "bad argument #1 to '?' (string expected, got no value)"]);
  assert.deepEqual(array(v('local ok, e = pcall(coroutine.yield, 1) return {ok and 1 or 0, e}')), [0, 'attempt to yield across metamethod/C-call boundary']);
  assert.deepEqual(array(v('return {pcall(function() local x = nil; return x.y end)}')), [false, "user_script:1: attempt to index local 'x' (a nil value)"]);
  assert.equal(v("local function f(n) local ok, e = pcall(f, n + 1) if not ok then return n .. ' ' .. tostring(e) end return e end return f(1)"), '199 C stack overflow');
  assert.equal(v('return select(\'#\', pcall(function() end))'), 1);
});

test('errors keep their Redis decoration after the switch to a coroutine runner', () => {
  const r = vm.run(chunk('coroutine.yield(1)'));
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') assert.equal(errorInfo(r.error).message, 'ERR attempt to yield across metamethod/C-call boundary');
  const r2 = vm.run(chunk('\n\nerror("boom")'));
  assert.equal(r2.kind, 'error');
  if (r2.kind === 'error') assert.equal(errorInfo(r2.error).message, 'ERR user_script:3: boom');
});

test('start refuses a second script while one is paused; abandon frees the VM', () => {
  const own = new LuaVm();
  const step = own.start(chunk('for i = 1, 1e7 do end return 1', own), { pause: () => true, hookInterval: 1000 });
  assert.equal(step.kind, 'paused');
  assert.throws(() => own.start(chunk('return 2', own)), /already running/);
  own.abandon();
  assert.equal(own.paused, false);
  assert.equal(value(own.run(chunk('return 2', own))), 2);
});
