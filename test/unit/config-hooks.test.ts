/**
 * Owner-registered config hooks (config-store.ts, push): names are checked by the compiler,
 * start-up runs every hook in table order, a refusal is returned with its entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('a hook can be registered only under a name from the table: a misspelt name does not compile', () => {
  const s = new ConfigStore(configTable);
  // Checked by the compiler: were onChange to take any string, these expectations would be
  // unused and the build would fail.
  // @ts-expect-error 'maxmemroy' is not a ConfigName
  assert.throws(() => s.onChange('maxmemroy', () => null), /unknown config maxmemroy/);
  // @ts-expect-error one misspelt name in a list is enough
  assert.throws(() => s.onChange(['maxmemory', 'maxmemory-polcy'], () => null), /unknown config maxmemory-polcy/);
  // aliases are not ConfigNames either: owners register canonical names (were one passed
  // anyway, it would resolve to its entry)
  const hook = () => null;
  // @ts-expect-error 'slaveof' is an alias of replicaof
  s.onChange('slaveof', hook);
  assert.deepEqual(s.hooksOf(s.def('replicaof')!), [hook]);
});

test('code stores a value under a ConfigName too: a misspelt name does not compile', () => {
  const s = new ConfigStore(configTable);
  s.store('hz', '42');
  assert.equal(s.int('hz'), 42);
  // @ts-expect-error 'tls-prot' is not a ConfigName
  assert.throws(() => s.store('tls-prot', '1'), /unknown config tls-prot/);
  // a name from outside (CONFIG SET, a config file) is resolved first, aliases included
  s.store(s.def('slaveof')!, '127.0.0.1 6380');
  assert.equal(s.get('replicaof'), '127.0.0.1 6380');
});

test('applyAll runs every hook once per entry in table order, with the current value; the first refusal stops it', () => {
  const s = new ConfigStore(configTable);
  const seen: string[] = [];
  s.onChange('hz', (v) => (seen.push(`hz=${v}`), null));
  s.onChange('maxmemory', (v) => (seen.push(`maxmemory=${v}`), null));
  s.onChange(['maxmemory', 'hz'], () => (seen.push('shared'), null));
  assert.equal(s.setDirective('maxmemory', ['1mb']), null);
  assert.equal(s.applyAll(), null);
  // maxmemory comes before hz in the table; a hook registered for both runs for each
  assert.deepEqual(seen, ['maxmemory=1048576', 'shared', 'hz=10', 'shared']);

  seen.length = 0;
  s.onChange('timeout', () => 'no timeouts here');
  const refused = s.applyAll();
  assert.equal(refused?.def.name, 'timeout');
  assert.equal(refused?.error, 'no timeouts here');
  // timeout comes before maxmemory in the table: the run stopped there
  assert.deepEqual(seen, []);
});

test('storing a value runs no hook (the caller decides: start-up or CONFIG SET)', () => {
  const s = new ConfigStore(configTable);
  let runs = 0;
  s.onChange('slowlog-max-len', () => (runs++, null));
  assert.equal(s.setDirective('slowlog-max-len', ['7']), null);
  assert.equal(runs, 0);
  assert.equal(s.runHooks(s.def('slowlog-max-len')!), null);
  assert.equal(runs, 1);
  assert.equal(s.hooksOf(s.def('appendonly')!).length, 0, 'nothing registered: readers pull');
});

test('the table declares how values parse, not what a change does: no apply hooks, no server import', () => {
  const table = readFileSync(path.join(ROOT, 'src/config/config-table.ts'), 'utf8');
  const def = readFileSync(path.join(ROOT, 'src/config/config-def.ts'), 'utf8');
  assert.doesNotMatch(table, /\bapply\s*[:(]/, 'an apply hook in config-table.ts');
  assert.doesNotMatch(table, /from ['"]\.\.\/server\/server\.js['"]/);
  assert.doesNotMatch(def, /\bapply\??\s*:/, 'ConfigDef grew an apply field again');
  assert.doesNotMatch(def, /from ['"]\.\.\/server\/server\.js['"]/);
});
