import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AofManifestError,
  emptyManifest,
  formatManifestLine,
  parseManifest,
  quoteRepr,
  serializeManifest,
  splitArgs,
  type AofManifest,
} from '../../src/persistence/aof/aof-manifest.js';

const binName = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 })
  .map((bytes) => String.fromCharCode(...bytes))
  .filter((s) => !s.includes('/') && !s.includes('\\'));

test('manifest: a typical Redis manifest parses into base, history and incr files', () => {
  const text =
    'file appendonly.aof.2.base.rdb seq 2 type b\n' +
    'file appendonly.aof.1.incr.aof seq 1 type h\n' +
    'file appendonly.aof.2.incr.aof seq 2 type h\n' +
    'file appendonly.aof.4.incr.aof seq 4 type i\n' +
    'file appendonly.aof.5.incr.aof seq 5 type i\n';
  const m = parseManifest(text);
  assert.deepEqual(m.base, { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' });
  assert.deepEqual(
    m.history.map((f) => f.name),
    ['appendonly.aof.1.incr.aof', 'appendonly.aof.2.incr.aof'],
  );
  assert.deepEqual(
    m.incr.map((f) => [f.name, f.seq]),
    [
      ['appendonly.aof.4.incr.aof', 4],
      ['appendonly.aof.5.incr.aof', 5],
    ],
  );
  assert.equal(m.currBaseSeq, 2);
  assert.equal(m.currIncrSeq, 5);
  assert.equal(serializeManifest(m), text);
});

test('manifest: keys are case-insensitive, extra key/value pairs and comments are accepted', () => {
  const m = parseManifest('# a comment\nFILE a.1.incr.aof SEQ 1 TYPE i future x\n');
  assert.deepEqual(m.incr, [{ name: 'a.1.incr.aof', seq: 1, type: 'i' }]);
});

test('manifest: names Redis would quote are quoted and read back (round trip, any bytes)', () => {
  assert.equal(formatManifestLine({ name: 'my file', seq: 1, type: 'i' }), 'file "my file" seq 1 type i\n');
  assert.equal(quoteRepr('a"b\\c\n\x01\xff'), '"a\\"b\\\\c\\n\\x01\\xff"');
  fc.assert(
    fc.property(fc.option(binName, { nil: undefined }), fc.array(binName, { maxLength: 4 }), fc.array(binName, { maxLength: 4 }), (base, hist, incr) => {
      const m: AofManifest = emptyManifest();
      if (base !== undefined) {
        m.base = { name: base, seq: 7, type: 'b' };
        m.currBaseSeq = 7;
      }
      m.history = hist.map((name, i) => ({ name, seq: i + 1, type: 'h' as const }));
      m.incr = incr.map((name, i) => ({ name, seq: i + 3, type: 'i' as const }));
      m.currIncrSeq = incr.length > 0 ? incr.length + 2 : 0;
      const text = serializeManifest(m);
      // a name that makes a line too long is refused on the way back, as in Redis
      if (text.split('\n').some((l) => l.length + 1 > 1024)) return;
      if (text.length === 0) return;
      assert.deepEqual(parseManifest(text), m);
    }),
    { numRuns: 300 },
  );
});

test('manifest: splitArgs follows sdssplitargs quoting', () => {
  assert.deepEqual(splitArgs('a "b c" \'d e\''), ['a', 'b c', 'd e']);
  assert.deepEqual(splitArgs('"\\x41\\n"'), ['A\n']);
  assert.deepEqual(splitArgs("'it\\'s'"), ["it's"]);
  assert.equal(splitArgs('"unterminated'), null);
  assert.equal(splitArgs('"closed"glued'), null);
  assert.deepEqual(splitArgs('x"y z"'), ['xy z']);
});

function expectError(text: string, reason: string, lineNumber?: number): void {
  assert.throws(
    () => parseManifest(text),
    (e: unknown) => {
      assert.ok(e instanceof AofManifestError, String(e));
      assert.equal(e.reason, reason);
      assert.equal(e.lineNumber, lineNumber);
      return true;
    },
  );
}

test('manifest: every refusal with Redis error text', () => {
  expectError('', 'Found an empty AOF manifest');
  expectError('file a seq 1 type b', 'The AOF manifest file contains too long line');
  expectError('file ' + 'x'.repeat(1100) + ' seq 1 type b\n', 'The AOF manifest file contains too long line');
  expectError('\n', 'Invalid AOF manifest file format', 1);
  expectError('file a seq 1\n', 'Invalid AOF manifest file format', 1);
  expectError('file a seq 1 type b x\n', 'Invalid AOF manifest file format', 1);
  expectError('file "a seq 1 type b\n', 'Invalid AOF manifest file format', 1);
  expectError('file a seq 0 type b\n', 'Invalid AOF manifest file format', 1);
  expectError('file a seq x type b\n', 'Invalid AOF manifest file format', 1);
  expectError('name a seq 1 type b\n', 'Invalid AOF manifest file format', 1);
  expectError('file a seq 1 type ""\n', 'Invalid AOF manifest file format', 1);
  expectError('file dir/a seq 1 type b\n', "File can't be a path, just a filename", 1);
  expectError('file dir\\a seq 1 type b\n', "File can't be a path, just a filename", 1);
  expectError('file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information', 2);
  expectError('file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number', 2);
  expectError('file a seq 3 type i\nfile b seq 1 type i\n', 'Found a non-monotonic sequence number', 2);
  expectError('file a seq 1 type x\n', 'Unknown AOF file type', 1);
  // a comment-only manifest is not "empty" for Redis (it read a line)
  assert.deepEqual(parseManifest('# nothing\n'), emptyManifest());
});
