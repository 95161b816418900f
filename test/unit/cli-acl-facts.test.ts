/** The audit's reading of ACL rules: what a user may call and touch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dangerousAllowed, hasFullCommands, isLoopback, isWildcard, redactRules, userFromRules } from '../../src/cli/audit/facts.js';

test("the article's app user has no dangerous command and only its prefix", () => {
  const u = userFromRules('app_cache', ['on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous']);
  assert.equal(u.enabled, true);
  assert.equal(u.nopass, false);
  assert.equal(u.allKeys, false);
  assert.deepEqual(u.keyPatterns, ['cache:*']);
  assert.deepEqual(dangerousAllowed(u), []);
  assert.equal(hasFullCommands(u), false);
  assert.equal(u.rules, 'on >… ~cache:* +@all -@dangerous');
});

test('command rules are replayed in order', () => {
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['on', '+@all'])), ['flushall', 'flushdb', 'config', 'keys', 'debug', 'shutdown']);
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['+@all', '-@dangerous', '+flushall'])), ['flushall']);
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['+@read', '-keys'])), []);
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['+@read'])), ['keys']);
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['+config|get'])), ['config']);
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['allcommands', 'nocommands', '+get'])), []);
  assert.deepEqual(dangerousAllowed(userFromRules('a', ['+@all', 'reset', '+get'])), []);
  assert.equal(hasFullCommands(userFromRules('a', ['allcommands', 'allkeys'])), true);
});

test('passwords, nopass and selectors', () => {
  const u = userFromRules('x', ['on', 'nopass', '>p', 'resetpass']);
  assert.equal(u.nopass, false);
  assert.equal(u.passwordCount, 0);
  assert.equal(userFromRules('x', ['on', '#' + 'b'.repeat(64)]).passwordCount, 1);
  // A selector's commands do not widen the root permissions graded here.
  const s = userFromRules('s', ['on', '>p', '~app:*', '+get', '(~*', '+@all)']);
  assert.equal(s.allKeys, false);
  assert.deepEqual(dangerousAllowed(s), []);
  assert.equal(redactRules(['on', '>secret', '#' + 'c'.repeat(64), '<old', '~*']), 'on >… #… <… ~*');
});

test('bind address classes', () => {
  assert.equal(isWildcard('0.0.0.0'), true);
  assert.equal(isWildcard('-::*'), true);
  assert.equal(isWildcard('*'), true);
  assert.equal(isWildcard('127.0.0.1'), false);
  assert.equal(isLoopback('-::1'), true);
  assert.equal(isLoopback('127.0.0.5'), true);
  assert.equal(isLoopback('10.0.5.15'), false);
});
