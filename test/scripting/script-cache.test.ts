/**
 * The EVAL script cache's bound (MAX_EVAL_SCRIPTS EVAL-created scripts, least recently
 * used dropped first, SCRIPT LOAD ones kept), its memory figure, and the shebang parser's
 * argument splitting (Redis's sdssplitargs rules).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaVm } from '../../src/scripting/lua-vm.js';
import { MAX_EVAL_SCRIPTS, ScriptCache, sha1hex, type CachedScript } from '../../src/scripting/script-cache.js';
import { COMPAT_FLAGS, parseShebang, splitArgs } from '../../src/scripting/shebang.js';
import { EvalScripts } from '../../src/scripting/eval-scripts.js';

const vm = new LuaVm();

function entry(body: string, fromEval: boolean): CachedScript {
  const c = vm.compile(body);
  assert.ok(c.ok);
  return { sha: sha1hex(body), body, flags: COMPAT_FLAGS, chunk: c.ok ? c.chunk : (null as never), fromEval };
}

test('cache: EVAL-created scripts are bounded, least recently used first; SCRIPT LOAD ones stay', () => {
  const dropped: string[] = [];
  const cache = new ScriptCache((s) => dropped.push(s.body));
  const loaded = cache.add(entry('return "loaded"', false));
  for (let i = 0; i < MAX_EVAL_SCRIPTS; i++) cache.add(entry(`return ${i}`, true));
  assert.equal(cache.size, MAX_EVAL_SCRIPTS + 1);
  // touch the oldest EVAL script: it becomes the most recently used
  assert.ok(cache.get(sha1hex('return 0')) !== undefined);
  cache.add(entry('return "new"', true));
  assert.deepEqual(dropped, ['return 1']);
  assert.equal(cache.size, MAX_EVAL_SCRIPTS + 1);
  assert.ok(cache.has(loaded.sha));
  assert.ok(cache.has(sha1hex('return 0')));
  assert.ok(!cache.has(sha1hex('return 1')));
  assert.equal(cache.evictions, 1);
  // SCRIPT LOAD of an EVAL-created script makes it permanent
  cache.add(entry('return 2', false));
  for (let i = 0; i < MAX_EVAL_SCRIPTS; i++) cache.add(entry(`return 'x${i}'`, true));
  assert.ok(cache.has(sha1hex('return 2')));
  assert.ok(cache.has(loaded.sha));
  // memory: SHA + body + per-entry overhead, for every entry
  const before = cache.bytes;
  cache.add(entry('return "' + 'y'.repeat(1000) + '"', false));
  assert.ok(cache.bytes - before >= 40 + 1000, `${cache.bytes - before}`);
  cache.flush();
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
});

test('EvalScripts: load compiles once, reports compile and shebang errors, flush forgets', () => {
  const e = new EvalScripts({ outOfMemory: () => false, diskError: () => null, readOnlyReplica: () => false, runningStale: () => false, notEnoughReplicas: () => false });
  const a = e.load('return 1', true);
  const b = e.load('return 1', true);
  assert.ok(a.ok && b.ok && a.script === b.script);
  const bad = e.load('return +', true);
  assert.deepEqual(bad, { ok: false, error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'" });
  assert.deepEqual(e.load('#!lua flags=nope\nreturn 1', false), { ok: false, error: 'ERR Unexpected flag in script shebang: nope' });
  const sb = e.load('#!lua flags=no-writes\nreturn 1', false);
  assert.ok(sb.ok && sb.script.flags.noWrites && !sb.script.flags.compat);
  e.flush();
  assert.equal(e.cache.size, 0);
});

test('shebang: sdssplitargs quoting and the flag list', () => {
  assert.deepEqual(splitArgs('#!lua flags=no-writes'), ['#!lua', 'flags=no-writes']);
  assert.deepEqual(splitArgs('  #!lua   "flags=no-writes"  '), ['#!lua', 'flags=no-writes']);
  assert.deepEqual(splitArgs("#!lua 'a b'"), ['#!lua', 'a b']);
  assert.deepEqual(splitArgs('"\\x41\\n"'), ['A\n']);
  assert.equal(splitArgs('#!lua "unterminated'), null);
  assert.equal(splitArgs('"a"b'), null);
  const p = parseShebang('#!lua flags=allow-oom,allow-stale\nreturn 1');
  assert.ok(p.ok && p.flags.allowOom && p.flags.allowStale && !p.flags.noWrites && p.bodyStart === 33);
  assert.deepEqual(parseShebang('#!lua "x\nreturn 1'), { ok: false, error: 'ERR Invalid engine in script shebang' });
  assert.deepEqual(parseShebang('#!lua flags=no-writes,\nreturn 1'), { ok: false, error: 'ERR Unexpected flag in script shebang: ' });
  assert.deepEqual(parseShebang('return 1'), { ok: true, flags: COMPAT_FLAGS, bodyStart: 0 });
});
