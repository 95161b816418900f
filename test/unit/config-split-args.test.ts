import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteArg, splitArgs } from '../../src/config/split-args.js';
import { reprArg } from '../../src/config/config-values.js';

test('splitArgs: whitespace separates, runs of blanks collapse, leading/trailing blanks ignored', () => {
  assert.deepEqual(splitArgs('  port   6379  '), ['port', '6379']);
  assert.deepEqual(splitArgs('a\tb\r\nc'), ['a', 'b', 'c']);
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(splitArgs('   \t '), []);
});

test('splitArgs: every double-quote escape of redis.conf', () => {
  assert.deepEqual(splitArgs('"a\\nb\\rc\\td\\be\\af\\\\g\\"h"'), ['a\nb\rc\td\be\x07f\\g"h']);
  assert.deepEqual(splitArgs('"\\x41\\x7a\\xff\\x00"'), ['Az\xff\x00']);
  // not a valid hex escape: backslash-x stays an escaped 'x'
  assert.deepEqual(splitArgs('"\\xZZ"'), ['xZZ']);
  // unknown escapes give the character itself
  assert.deepEqual(splitArgs('"\\q\\$"'), ['q$']);
  assert.deepEqual(splitArgs('""'), ['']);
  assert.deepEqual(splitArgs('a "b c" d'), ['a', 'b c', 'd']);
});

test('splitArgs: single quotes only understand \\\'', () => {
  assert.deepEqual(splitArgs("'a\\nb'"), ['a\\nb']);
  assert.deepEqual(splitArgs("'it\\'s'"), ["it's"]);
  assert.deepEqual(splitArgs("''"), ['']);
  assert.deepEqual(splitArgs("'a \"b\" c'"), ['a "b" c']);
});

test('splitArgs: quotes glue to a preceding unquoted part', () => {
  assert.deepEqual(splitArgs('foo"bar baz"'), ['foobar baz']);
  assert.deepEqual(splitArgs("x'y z'"), ['xy z']);
});

test('splitArgs: unbalanced quotes and a closing quote not followed by a space are errors', () => {
  assert.equal(splitArgs('"abc'), null);
  assert.equal(splitArgs("'abc"), null);
  assert.equal(splitArgs('"abc"def'), null);
  assert.equal(splitArgs("'abc'def"), null);
  assert.equal(splitArgs('"abc\\"'), null);
  assert.deepEqual(splitArgs('"abc" def'), ['abc', 'def']);
});

test('splitArgs: \\v and \\f belong to an unquoted word; NUL ends the line as in C', () => {
  assert.deepEqual(splitArgs('a\vb c'), ['a\vb', 'c']);
  assert.deepEqual(splitArgs('a\fb'), ['a\fb']);
  assert.deepEqual(splitArgs('a b\0c d'), ['a', 'b']);
  assert.equal(splitArgs('"a\0b"'), null);
});

test('splitArgs: binary bytes pass through unchanged', () => {
  assert.deepEqual(splitArgs('\xe9\xff \x80'), ['\xe9\xff', '\x80']);
});

test('reprArg quotes like sdscatrepr and splitArgs reads it back', () => {
  assert.equal(reprArg('a b'), '"a b"');
  assert.equal(reprArg(''), '""');
  assert.equal(reprArg('x"y\\z\n\r\t\x07\b\x01\xff'), '"x\\"y\\\\z\\n\\r\\t\\a\\b\\x01\\xff"');
  for (const s of ['', 'plain', 'with space', '"q"', "it's", '\x00\x01\xfe\n\\']) {
    assert.deepEqual(splitArgs(reprArg(s)), [s]);
  }
});

test('quoteArg: a plain word as is, anything else as reprArg; both read back by splitArgs', () => {
  assert.equal(quoteArg('~app:*'), '~app:*');
  assert.equal(quoteArg('/etc/redoubt/tls.key'), '/etc/redoubt/tls.key');
  for (const s of ['', 'two words', "it's", 'a"b', 'back\\slash', 'tab\there', 'nul\0byte', '\x07\b\r\n', '\xff\x80é']) {
    assert.equal(quoteArg(s), reprArg(s), JSON.stringify(s));
    assert.deepEqual(splitArgs(`x ${quoteArg(s)}`), ['x', s], JSON.stringify(s));
  }
});
