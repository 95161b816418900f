/**
 * The FUNCTION registry (scripting/function-libraries.ts) and library metadata, without a
 * server: shebang parsing as Redis's functionExtractLibMetaData, RESTORE's all-or-nothing
 * join, callbacks surviving a rebuilt Lua instance, binary-safe codes; and INFO's
 * function fields through a server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLibraryMetadata } from '../../src/scripting/library-metadata.js';
import { FunctionLibraries, FLAG_NO_WRITES, FLAG_ALLOW_STALE } from '../../src/scripting/function-libraries.js';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const ENV = { timeoutMs: 0 };
const lib = (name: string, ...fns: string[]): string =>
  `#!lua name=${name}\n` + fns.map((f) => `redis.register_function('${f}', function(keys, args) return '${name}.${f}:' .. (args[1] or '') end)`).join('\n');

test('library metadata: shebang parts, name=, engine, errors in Redis order', () => {
  const ok = parseLibraryMetadata('#!lua name=mylib\nreturn 1');
  assert.deepEqual(ok, { ok: true, md: { engine: 'lua', name: 'mylib', body: '\nreturn 1' } });
  assert.deepEqual(parseLibraryMetadata('#!LUA   NAME=x  \n'), { ok: true, md: { engine: 'LUA', name: 'x', body: '\n' } });
  assert.deepEqual(parseLibraryMetadata('#!lua "name=a b"\n'), { ok: true, md: { engine: 'lua', name: 'a b', body: '\n' } });
  const err = (code: string): string | null => {
    const r = parseLibraryMetadata(code);
    return r.ok ? null : r.error;
  };
  assert.equal(err('return 1'), 'Missing library metadata');
  assert.equal(err('#!lua name=a'), 'Invalid library metadata');
  assert.equal(err('#!lua\0name=a\n'), 'Invalid library metadata');
  assert.equal(err('#!lua "name=a\n'), 'Invalid library metadata');
  assert.equal(err('#!lua name=a name=b\n'), 'Invalid metadata value, name argument was given multiple times');
  assert.equal(err('#!lua version=1\n'), 'Invalid metadata value given: version=1');
  assert.equal(err('#!lua\n'), 'Library name was not given');
});

test('LOAD, REPLACE, DELETE keep libraries and functions in step; binary code is kept byte for byte', () => {
  const libs = new FunctionLibraries();
  const bin = lib('bin', 'b1').replace('\n', '\n-- \xff\x00\x80\n');
  assert.deepEqual(libs.load(bin, false, ENV), { ok: true, name: 'bin' });
  assert.equal(libs.codes()[0], bin);
  assert.deepEqual(libs.load(lib('one', 'f1', 'f2'), false, ENV), { ok: true, name: 'one' });
  assert.deepEqual(libs.load(lib('two', 'F1'), false, ENV), { ok: false, error: 'Function F1 already exists' });
  // REPLACE may keep a function name the old version had
  assert.deepEqual(libs.load(lib('one', 'f1', 'f3'), true, ENV), { ok: true, name: 'one' });
  assert.equal(libs.lookup('f2'), undefined);
  assert.equal(libs.lookup('F3')?.name, 'f3');
  assert.equal(libs.functionCount, 3);
  assert.equal(libs.delete('one'), true);
  assert.equal(libs.delete('one'), false);
  assert.equal(libs.functionCount, 1);
  assert.equal(libs.lookup('f1'), undefined);
});

test('registered flags and descriptions', () => {
  const libs = new FunctionLibraries();
  const code =
    "#!lua name=fl\nredis.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes', 'ALLOW-STALE'}, description='d\\0x'}";
  assert.deepEqual(libs.load(code, false, ENV), { ok: true, name: 'fl' });
  const fi = libs.lookup('r')!;
  assert.equal(fi.flags, FLAG_NO_WRITES | FLAG_ALLOW_STALE);
  assert.equal(fi.description, 'd\0x');
});

test('RESTORE joins all or nothing: a clash leaves every library as it was', () => {
  const libs = new FunctionLibraries();
  libs.load(lib('keep', 'k1'), false, ENV);
  libs.load(lib('other', 'o1'), false, ENV);
  // REPLACE of `keep` whose new version clashes with `other`'s function: refused, undone
  assert.equal(libs.restore([lib('keep', 'k2', 'o1')], 'replace', ENV), 'Function o1 already exists');
  assert.deepEqual([...libs.libraries.keys()].sort(), ['keep', 'other']);
  assert.equal(libs.lookup('k1')?.library.name, 'keep');
  assert.equal(libs.lookup('k2'), undefined);
  // APPEND refuses an existing library; a payload naming a library twice is refused
  assert.equal(libs.restore([lib('new', 'n1'), lib('keep', 'k3')], 'append', ENV), 'Library keep already exists');
  assert.equal(libs.lookup('n1'), undefined);
  assert.equal(libs.restore([lib('x', 'x1'), lib('x', 'x2')], 'flush', ENV), "Library 'x' already exists");
  assert.equal(libs.libraryCount, 2);
  // FLUSH replaces everything
  assert.equal(libs.restore([lib('x', 'x1')], 'flush', ENV), null);
  assert.deepEqual([...libs.libraries.keys()], ['x']);
  assert.equal(libs.lookup('k1'), undefined);
});

test('functions keep working after the Lua instance is rebuilt (poisoning, memory given back)', () => {
  const libs = new FunctionLibraries();
  libs.load(lib('a', 'fa'), false, ENV);
  libs.load(lib('b', 'fb'), false, ENV);
  const run = (name: string): unknown => {
    const fi = libs.lookup(name)!;
    const r = libs.vm.run(fi.chunk, { mode: 'function', keys: [], args: ['x'] });
    return r.kind === 'ok' ? r.value : r;
  };
  assert.equal(run('fa'), 'a.fa:x');
  const before = libs.vm.instanceGeneration();
  libs.vm.close(); // the instance is dropped, as after a trap
  assert.equal(run('fb'), 'b.fb:x');
  assert.equal(run('fa'), 'a.fa:x');
  assert.notEqual(libs.vm.instanceGeneration(), before);
});

test('INFO reports number_of_functions, number_of_libraries and the functions VM memory', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const field = async (name: string): Promise<number> => {
      const info = await c.call('INFO', 'memory');
      const m = new RegExp(`\\r\\n${name}:(\\d+)\\r\\n`).exec(info);
      assert.ok(m !== null, `${name} in INFO memory`);
      return Number(m[1]);
    };
    assert.equal(await field('number_of_functions'), 0);
    assert.equal(await field('number_of_libraries'), 0);
    const emptyOverhead = await field('used_memory_functions');
    assert.match(await c.call('FUNCTION', 'LOAD', lib('infolib', 'i1', 'i2')), /^\$7\r\ninfolib/);
    assert.equal(await field('number_of_functions'), 2);
    assert.equal(await field('number_of_libraries'), 1);
    assert.ok((await field('used_memory_vm_functions')) > 0);
    assert.ok((await field('used_memory_functions')) > emptyOverhead);
    assert.ok((await field('used_memory_vm_total')) >= (await field('used_memory_vm_functions')));
    assert.equal(await c.call('FUNCTION', 'FLUSH'), '+OK\r\n');
    assert.equal(await field('number_of_functions'), 0);
    assert.equal(await field('used_memory_functions'), emptyOverhead);
  } finally {
    c.close();
    await srv.close();
  }
});
