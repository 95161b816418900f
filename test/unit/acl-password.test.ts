import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestsEqual, hashPassword, isValidPasswordHash, passwordMatches, PASSWORD_HASH_LEN } from '../../src/acl/password.js';

// Digests as redis-server 7.0.15 printed them in ACL LIST for the same passwords.
const KNOWN: [string, string][] = [
  ['password', '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8'],
  ['a', 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb'],
  ['b', '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d'],
  ['x', '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'],
  ['StrongPassword123!', 'd9d8e7ee4e92681edbb144557bbf512c15e51582ed8f4a03dac98e88d1065674'],
];

test('hashPassword gives the SHA-256 hex Redis stores', () => {
  for (const [pw, hex] of KNOWN) assert.equal(hashPassword(pw), hex);
  assert.equal(hashPassword('').length, PASSWORD_HASH_LEN);
});

test('hashPassword hashes binary strings byte for byte (latin1)', () => {
  // "\xff" is one byte 0xff, not the UTF-8 encoding of U+00FF
  assert.equal(hashPassword('\xff'), 'a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89');
});

test('isValidPasswordHash accepts exactly 64 lowercase hex chars', () => {
  assert.equal(isValidPasswordHash(KNOWN[0]![1]), true);
  assert.equal(isValidPasswordHash(KNOWN[0]![1].toUpperCase()), false);
  assert.equal(isValidPasswordHash(KNOWN[0]![1].slice(1)), false);
  assert.equal(isValidPasswordHash(KNOWN[0]![1] + '0'), false);
  assert.equal(isValidPasswordHash('g'.repeat(64)), false);
  assert.equal(isValidPasswordHash(''), false);
});

test('digestsEqual and passwordMatches compare digests', () => {
  const a = hashPassword('a');
  assert.equal(digestsEqual(a, hashPassword('a')), true);
  assert.equal(digestsEqual(a, hashPassword('b')), false);
  assert.equal(digestsEqual(a, a.slice(1)), false);
  assert.equal(passwordMatches([hashPassword('b'), a], 'a'), true);
  assert.equal(passwordMatches([hashPassword('b'), a], 'c'), false);
  assert.equal(passwordMatches([], ''), false);
});
