import { test } from 'node:test';
import assert from 'node:assert/strict';
import { luaNumberToInteger, luaValueToReply, type LuaTable, type LuaValue } from '../../src/scripting/lua-value.js';
import { luaArgNumberText } from '../../src/scripting/number-text.js';
import { LuaVm } from '../../src/scripting/lua-vm.js';
import { encodeReply } from '../../src/protocol/reply-writer.js';
import { reply } from '../../src/protocol/reply.js';

const table = (array: LuaValue[], fields: LuaTable['fields'] = {}): LuaTable => ({ type: 'table', fields, array });
const resp2 = (v: LuaValue): string => encodeReply(luaValueToReply(v, 2), 2).toString('latin1');

test('numbers are truncated to integers as (long long) on x86-64', () => {
  assert.equal(resp2(3.99), ':3\r\n');
  assert.equal(resp2(-3.99), ':-3\r\n');
  assert.equal(resp2(-0.5), ':0\r\n');
  assert.equal(resp2(2 ** 53 + 2), ':9007199254740994\r\n');
  assert.equal(luaNumberToInteger(Number.NaN), -9223372036854775808n);
  assert.equal(luaNumberToInteger(1e300), -9223372036854775808n);
  assert.equal(luaNumberToInteger(-(2 ** 63)), -9223372036854775808n);
});

test('booleans: RESP2 script gives 1 / nil, RESP3 script gives booleans', () => {
  assert.equal(resp2(true), ':1\r\n');
  assert.equal(resp2(false), '$-1\r\n');
  assert.equal(encodeReply(luaValueToReply(false, 3), 3).toString(), '#f\r\n');
  assert.equal(encodeReply(luaValueToReply(true, 3), 2).toString(), ':1\r\n');
});

test('arrays stop at the first nil; strings are binary bulks; nested tables', () => {
  assert.equal(resp2(table([1, 'a\x00\xff', table(['x'])])), '*3\r\n:1\r\n$3\r\na\x00\xff\r\n*1\r\n$1\r\nx\r\n');
  assert.equal(resp2(table([])), '*0\r\n');
  assert.equal(resp2(null), '$-1\r\n');
  assert.equal(resp2({ type: 'opaque' }), '$-1\r\n');
});

test('{err=} and {ok=} and their precedence; non-string fields are ignored', () => {
  assert.equal(resp2(table([1], { err: 'MY error\r\n' })), '-MY error\r\n');
  assert.equal(resp2(table([1], { err: 'a\nb' })), '-a b\r\n');
  assert.equal(resp2(table([1], { ok: 'FINE\r\nX' })), '+FINE  X\r\n');
  assert.equal(resp2(table([1], { err: 'E', ok: 'O' })), '-E\r\n');
  assert.equal(resp2(table([7], { err: 5 })), '*1\r\n:7\r\n');
  assert.equal(resp2(table([7], { ok: true })), '*1\r\n:7\r\n');
});

test('RESP3 types: double, big_number, verbatim, map, set; stack limit', () => {
  assert.equal(encodeReply(luaValueToReply(table([], { double: 1.5 }), 3), 3).toString(), ',1.5\r\n');
  assert.equal(resp2(table([], { double: 1.5 })), '$3\r\n1.5\r\n');
  assert.equal(encodeReply(luaValueToReply(table([], { big_number: '123' }), 3), 3).toString(), '(123\r\n');
  const vs = table([], { verbatim_string: { type: 'verbatim', format: 'txt', string: 'hi' } });
  assert.equal(encodeReply(luaValueToReply(vs, 3), 3).toString(), '=6\r\ntxt:hi\r\n');
  const map = table([], { map: { type: 'pairs', entries: [['a', 1]] } });
  assert.equal(encodeReply(luaValueToReply(map, 3), 3).toString(), '%1\r\n$1\r\na\r\n:1\r\n');
  const set = table([], { set: { type: 'pairs', entries: [['a', true]] } });
  assert.equal(encodeReply(luaValueToReply(set, 3), 3).toString(), '~1\r\n$1\r\na\r\n');
  assert.equal(resp2({ type: 'stack-limit' }), '-ERR reached lua stack limit\r\n');
});

test('end to end: what a script returns becomes the reply Redis sends', () => {
  const vm = new LuaVm();
  const conv = (src: string): string => {
    const c = vm.compile(src);
    assert.ok(c.ok);
    if (!c.ok) return '';
    const r = vm.run(c.chunk);
    assert.equal(r.kind, 'ok');
    return r.kind === 'ok' ? resp2(r.value) : '';
  };
  assert.equal(conv('return {1, 2, 3.99, "x", nil, 5}'), '*4\r\n:1\r\n:2\r\n:3\r\n$1\r\nx\r\n');
  assert.equal(conv("return redis.status_reply and 1 or {ok='PONG'}"), '+PONG\r\n');
  assert.equal(conv("return {err='ERR custom'}"), '-ERR custom\r\n');
  assert.equal(conv('return {true, false}'), '*2\r\n:1\r\n$-1\r\n');
  assert.equal(conv("return {map={a=1}}"), '*2\r\n$1\r\na\r\n:1\r\n');
  assert.equal(conv("return {set={a=true}}"), '*1\r\n$1\r\na\r\n');
  assert.equal(conv("return {double=2.5}"), '$3\r\n2.5\r\n');
  assert.equal(conv('return function() end'), '$-1\r\n');
  // nesting deeper than the Lua stack allows answers the stack-limit error inside the array
  const deep = conv('local t = {} local c = t for i = 1, 10000 do c[1] = {} c = c[1] end return t');
  assert.match(deep, /-ERR reached lua stack limit\r\n/);
  vm.close();
});

test('redis.call number arguments use fpconv_dtoa text', () => {
  assert.equal(luaArgNumberText(5), '5');
  assert.equal(luaArgNumberText(-0), '-0');
  assert.equal(luaArgNumberText(0.1), '0.1');
  assert.equal(luaArgNumberText(1e18), '1e+18');
  assert.equal(luaArgNumberText(123456789012), '123456789012');
  assert.equal(luaArgNumberText(1.5e-7), '1.5e-7');
  assert.equal(luaArgNumberText(0.000123), '0.000123');
  assert.equal(luaArgNumberText(Number.NaN), 'nan');
  assert.equal(luaArgNumberText(-Infinity), '-inf');
  assert.equal(luaArgNumberText(2 ** 53), '9007199254740992');
});

test('command replies reach the script as Redis converts them (RESP2 and RESP3)', () => {
  const vm = new LuaVm();
  const c = vm.compile(`
    local r = redis.call('x')
    local out = {}
    for i = 1, 8 do
      local v = r[i]
      local d
      if type(v) == 'table' then
        d = v.ok or v.double or (v.map and 'map:' .. v.map.k) or (v.set and tostring(v.set.m)) or ('#' .. #v)
      else
        d = tostring(v)
      end
      out[i] = type(v) .. ':' .. d
    end
    return out`);
  assert.ok(c.ok);
  if (!c.ok) return;
  const the = reply.array([
    reply.int(7),
    reply.nil,
    reply.nilArray,
    reply.simple('OK'),
    reply.double(1.5),
    reply.bool(true),
    reply.map([reply.bulk('k'), reply.int(1)]),
    reply.set([reply.bulk('m')]),
  ]);
  const r2 = vm.run(c.chunk, { redisCall: () => the });
  assert.equal(r2.kind, 'ok');
  if (r2.kind === 'ok') {
    // RESP2: nulls are false, a double is a bulk, true is 1, a map is a flat array, a set an array
    assert.equal(resp2(r2.value), resp2(table(['number:7', 'boolean:false', 'boolean:false', 'table:OK', 'string:1.5', 'number:1', 'table:#2', 'table:#1'])));
  }
  const r3 = vm.run(c.chunk, { redisCall: () => the, resp: () => 3 });
  assert.equal(r3.kind, 'ok');
  if (r3.kind === 'ok') {
    assert.equal(resp2(r3.value), resp2(table(['number:7', 'nil:nil', 'nil:nil', 'table:OK', 'table:1.5', 'boolean:true', 'table:map:1', 'table:true'])));
  }
  vm.close();
});
