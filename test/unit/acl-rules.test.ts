import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTable } from '../../src/command-context/command-table.js';
import { allCommands } from '../../src/commands/index.js';
import { ACL_RULE_MESSAGES, AclRuleError, applyRule, mergeSelectorArgs, setUser } from '../../src/acl/rule-parser.js';
import { errors } from '../../src/errors.js';
import { isValidUsername, KEY_ALL, KEY_READ, KEY_WRITE, User, type AclContext } from '../../src/acl/user.js';
import { aclListLine } from '../../src/acl/describe.js';
import { hashPassword } from '../../src/acl/password.js';

const table = new CommandTable(allCommands);
const ctx: AclContext = { table, pubsubDefault: 'resetchannels' };
const cmd = (name: string) => {
  const c = table.byFullName(name);
  if (c === undefined) throw new Error(`no command ${name}`);
  return c;
};

function user(...rules: string[]): User {
  const u = User.create('u', ctx);
  const err = setUser(u, rules, ctx);
  assert.equal(err, null, `rules ${rules.join(' ')} failed: ${err}`);
  return u;
}

/** Expected texts as redis-server 7.0.15 replied to the same ACL SETUSER (identical in 7.2). */
const ERRORS: [string[], string][] = [
  [['%~foo'], "ERR Error in ACL SETUSER modifier '%~foo': Syntax error"],
  [['%RR~x'], "ERR Error in ACL SETUSER modifier '%RR~x': Syntax error"],
  [['%X~y'], "ERR Error in ACL SETUSER modifier '%X~y': Syntax error"],
  [['+'], "ERR Error in ACL SETUSER modifier '+': Unknown command or category name in ACL"],
  [['+get|'], "ERR Error in ACL SETUSER modifier '+get|': Syntax error"],
  [['+config|'], "ERR Error in ACL SETUSER modifier '+config|': Syntax error"],
  [['+config|get|x'], "ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported"],
  [['+config|nope'], "ERR Error in ACL SETUSER modifier '+config|nope': Unknown command or category name in ACL"],
  [['+nope|x'], "ERR Error in ACL SETUSER modifier '+nope|x': Unknown command or category name in ACL"],
  [['-select|0'], "ERR Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL"],
  [['-get|x'], "ERR Error in ACL SETUSER modifier '-get|x': Unknown command or category name in ACL"],
  [['-config|nope'], "ERR Error in ACL SETUSER modifier '-config|nope': Unknown command or category name in ACL"],
  [['+nosuchcmd'], "ERR Error in ACL SETUSER modifier '+nosuchcmd': Unknown command or category name in ACL"],
  [['-nosuchcmd'], "ERR Error in ACL SETUSER modifier '-nosuchcmd': Unknown command or category name in ACL"],
  [['+@nope'], "ERR Error in ACL SETUSER modifier '+@nope': Unknown command or category name in ACL"],
  [['-@nope'], "ERR Error in ACL SETUSER modifier '-@nope': Unknown command or category name in ACL"],
  [['#abc'], "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"],
  [['!abc'], "ERR Error in ACL SETUSER modifier '!abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"],
  [['#' + 'A'.repeat(64)], `ERR Error in ACL SETUSER modifier '#${'A'.repeat(64)}': ${ACL_RULE_MESSAGES.badHash}`],
  [['<nope'], "ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does not exist"],
  [
    ['!2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'],
    "ERR Error in ACL SETUSER modifier '!2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881': The password you are trying to remove from the user does not exist",
  ],
  [['on2'], "ERR Error in ACL SETUSER modifier 'on2': Syntax error"],
  [['~a b'], "ERR Error in ACL SETUSER modifier '~a b': Syntax error"],
  [['&a b'], "ERR Error in ACL SETUSER modifier '&a b': Syntax error"],
  [['%R~a b'], "ERR Error in ACL SETUSER modifier '%R~a b': Syntax error"],
  // the echo ends at the NUL, as Redis's %s formatting does (checked against redis-server)
  [['~a\0b'], "ERR Error in ACL SETUSER modifier '~a': Syntax error"],
  [['(on)'], "ERR Error in ACL SETUSER modifier '(on)': Syntax error"],
  [['(clearselectors)'], "ERR Error in ACL SETUSER modifier '(clearselectors)': Syntax error"],
  [['(reset)'], "ERR Error in ACL SETUSER modifier '(reset)': Syntax error"],
  [['(+nope)'], "ERR Error in ACL SETUSER modifier '(+nope)': Unknown command or category name in ACL"],
  [['(~"a b")'], "ERR Error in ACL SETUSER modifier '(~\"a b\")': Syntax error"],
  [['(x)'], "ERR Error in ACL SETUSER modifier '(x)': Syntax error"],
  [['"(~x"'], "ERR Error in ACL SETUSER modifier '\"(~x\"': Syntax error"],
  [['(~x'], "ERR Unmatched parenthesis in acl selector starting at '(~x'."],
  [['()x'], "ERR Unmatched parenthesis in acl selector starting at '()x'."],
  [['(~a ~b)', '(~c'], "ERR Unmatched parenthesis in acl selector starting at '(~c'."],
  [
    ['allkeys', '~x'],
    "ERR Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  ],
  [['~*', '%R~x'], `ERR Error in ACL SETUSER modifier '%R~x': ${ACL_RULE_MESSAGES.keysAfterAll}`],
  [['allkeys', '%X~y'], `ERR Error in ACL SETUSER modifier '%X~y': ${ACL_RULE_MESSAGES.keysAfterAll}`],
  [['(allkeys ~x)'], `ERR Error in ACL SETUSER modifier '(allkeys ~x)': ${ACL_RULE_MESSAGES.keysAfterAll}`],
  [
    ['allchannels', '&x'],
    "ERR Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  ],
  [['&*', '&x'], `ERR Error in ACL SETUSER modifier '&x': ${ACL_RULE_MESSAGES.channelsAfterAll}`],
];

test('every error text matches redis-server', () => {
  for (const [rules, expected] of ERRORS) {
    const u = User.create('u', ctx);
    assert.equal(setUser(u, rules, ctx), expected, rules.join(' '));
  }
});

test('applyRule throws AclRuleError with the cause', () => {
  const u = User.create('u', ctx);
  assert.throws(() => applyRule(u, '+nosuch', ctx), (e: unknown) => e instanceof AclRuleError && e.kind === 'unknown');
  assert.throws(() => applyRule(u, 'bogus', ctx), (e: unknown) => e instanceof AclRuleError && e.kind === 'syntax');
});

test('setUser is all-or-nothing', () => {
  const u = user('on', '>a', '~k:*', '+get');
  const before = aclListLine(u);
  const err = setUser(u, ['off', '>b', 'resetkeys', '~x', '-get', '+set', 'nopass', '(+del)', '+nosuch'], ctx);
  assert.match(err!, /modifier '\+nosuch'/);
  assert.equal(aclListLine(u), before);
  assert.equal(u.enabled, true);
  assert.deepEqual(u.passwords, [hashPassword('a')]);
  assert.equal(u.root.hasCommandBit(cmd('get').id), true);
  assert.equal(u.root.hasCommandBit(cmd('set').id), false);
  assert.equal(u.selectors.length, 1);
  // the same object is updated on success (connections keep their reference)
  const same = u;
  assert.equal(setUser(u, ['off'], ctx), null);
  assert.equal(same.enabled, false);
});

test('on / off / nopass / resetpass / sanitize flags', () => {
  const u = User.create('u', ctx);
  assert.equal(u.enabled, false);
  // 7.2's ACLCreateUser gives every new user sanitize-payload (7.0 gave neither flag)
  assert.equal(u.sanitize, 'sanitize');
  assert.equal(aclListLine(u), 'user u off sanitize-payload resetchannels -@all');
  applyRule(u, 'ON', ctx);
  assert.equal(u.enabled, true);
  applyRule(u, 'off', ctx);
  assert.equal(u.enabled, false);
  applyRule(u, '>a', ctx);
  applyRule(u, 'nopass', ctx);
  assert.equal(u.nopass, true);
  assert.deepEqual(u.passwords, []);
  applyRule(u, '>b', ctx);
  assert.equal(u.nopass, false, '>pass clears nopass');
  applyRule(u, 'nopass', ctx);
  applyRule(u, 'resetpass', ctx);
  assert.equal(u.nopass, false);
  assert.deepEqual(u.passwords, []);
  applyRule(u, 'skip-sanitize-payload', ctx);
  assert.equal(u.sanitize, 'skip');
  applyRule(u, 'sanitize-payload', ctx);
  assert.equal(u.sanitize, 'sanitize');
  applyRule(u, '', ctx); // empty modifier: no-op
  assert.equal(u.sanitize, 'sanitize');
});

test('passwords: > # < ! keep order and no duplicates', () => {
  const u = user('>a', '>b', '>a', '#' + hashPassword('c'));
  assert.deepEqual(u.passwords, [hashPassword('a'), hashPassword('b'), hashPassword('c')]);
  assert.equal(setUser(u, ['<b', '!' + hashPassword('c')], ctx), null);
  assert.deepEqual(u.passwords, [hashPassword('a')]);
  const e = user('>');
  assert.deepEqual(e.passwords, ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
});

test('key patterns: ~ %R~ %W~ %RW~ allkeys resetkeys, merging flags', () => {
  const u = user('~a', '%R~b', '%W~c', '%rw~d', '%R~e', '%W~e', '%R', '~a');
  assert.deepEqual(u.root.keyPatterns, [
    { pattern: 'a', flags: KEY_ALL },
    { pattern: 'b', flags: KEY_READ },
    { pattern: 'c', flags: KEY_WRITE },
    { pattern: 'd', flags: KEY_ALL },
    { pattern: 'e', flags: KEY_ALL },
    { pattern: '', flags: KEY_READ },
  ]);
  assert.equal(u.root.allKeys, false);
  applyRule(u, 'allkeys', ctx);
  assert.equal(u.root.allKeys, true);
  assert.deepEqual(u.root.keyPatterns, []);
  applyRule(u, '~*', ctx); // allowed again after allkeys
  applyRule(u, 'resetkeys', ctx);
  assert.equal(u.root.allKeys, false);
  // %RW~* is a plain pattern, not allkeys: a later pattern is accepted (as Redis)
  const p = user('%RW~*', '~foo');
  assert.equal(p.root.allKeys, false);
  assert.deepEqual(p.root.keyPatterns.map((k) => k.pattern), ['*', 'foo']);
});

test('channels: & allchannels resetchannels; reset follows acl-pubsub-default', () => {
  const u = user('&a', '&b', '&a');
  assert.deepEqual(u.root.channels, ['a', 'b']);
  applyRule(u, 'allchannels', ctx);
  assert.equal(u.root.allChannels, true);
  assert.deepEqual(u.root.channels, []);
  applyRule(u, 'resetchannels', ctx);
  assert.equal(u.root.allChannels, false);
  applyRule(u, '&*', ctx);
  assert.equal(u.root.allChannels, true);
  const all: AclContext = { table, pubsubDefault: 'allchannels' };
  const v = User.create('v', all);
  assert.equal(v.root.allChannels, true);
  assert.equal(setUser(v, ['&x'], all), `ERR Error in ACL SETUSER modifier '&x': ${ACL_RULE_MESSAGES.channelsAfterAll}`);
  assert.equal(setUser(v, ['resetchannels', '&x', 'reset'], all), null);
  assert.equal(v.root.allChannels, true);
});

test('commands: +cmd -cmd, containers take their subcommands, +cmd|sub -cmd|sub', () => {
  const u = user('+get', '+config');
  assert.equal(u.root.hasCommandBit(cmd('get').id), true);
  assert.equal(u.root.hasCommandBit(cmd('config').id), true);
  assert.equal(u.root.hasCommandBit(cmd('config|get').id), true);
  assert.equal(u.root.hasCommandBit(cmd('config|set').id), true);
  applyRule(u, '-config|set', ctx);
  assert.equal(u.root.hasCommandBit(cmd('config|set').id), false);
  assert.equal(u.root.hasCommandBit(cmd('config|get').id), true);
  applyRule(u, '-CONFIG', ctx);
  assert.equal(u.root.hasCommandBit(cmd('config|get').id), false);
  applyRule(u, '+Config|Get', ctx);
  assert.equal(u.root.hasCommandBit(cmd('config|get').id), true);
  assert.equal(u.root.hasCommandBit(cmd('config').id), false);
  applyRule(u, '-get', ctx);
  assert.equal(u.root.hasCommandBit(cmd('get').id), false);
});

test('+cmd|firstarg: first-arg allowance with a deprecation warning', () => {
  const warnings: string[] = [];
  const u = User.create('u', ctx);
  assert.equal(setUser(u, ['+select|0', '+SELECT|Foo'], ctx, (m) => warnings.push(m)), null);
  assert.equal(u.root.hasCommandBit(cmd('select').id), false);
  assert.deepEqual(u.root.firstArgs?.get(cmd('select').id), ['0', 'foo']);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /^Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future \(offender: \+select\|0\)$/);
  // +select / -select drop the first-arg list
  applyRule(u, '-select', ctx);
  assert.equal(u.root.firstArgs?.get(cmd('select').id), undefined);
});

test('categories, allcommands, nocommands', () => {
  const u = user('+@string');
  assert.equal(u.root.hasCommandBit(cmd('get').id), true);
  assert.equal(u.root.hasCommandBit(cmd('del').id), false);
  applyRule(u, '-@READ', ctx);
  assert.equal(u.root.hasCommandBit(cmd('get').id), false);
  assert.equal(u.root.hasCommandBit(cmd('set').id), true);
  applyRule(u, 'allcommands', ctx);
  assert.equal(u.root.allCommands, true);
  assert.equal(u.root.futureCommands, true);
  applyRule(u, '-get', ctx);
  assert.equal(u.root.allCommands, false, 'removing a command clears allcommands');
  assert.equal(u.root.futureCommands, true, 'but not the future-commands bit');
  applyRule(u, 'nocommands', ctx);
  assert.equal(u.root.futureCommands, false);
  assert.equal(u.root.hasCommandBit(cmd('set').id), false);
  // a container in @slow brings all its subcommands, as Redis (+@slow allows CLIENT ID)
  const s = user('+@slow');
  assert.equal(s.root.hasCommandBit(cmd('config|get').id), true);
});

test('reset = resetpass resetkeys resetchannels off sanitize-payload clearselectors -@all', () => {
  const u = user('on', '>a', 'nopass', '~*', '&*', '+@all', '(+get)', 'skip-sanitize-payload');
  applyRule(u, 'reset', ctx);
  assert.equal(u.enabled, false);
  assert.equal(u.nopass, false);
  assert.deepEqual(u.passwords, []);
  assert.equal(u.root.allKeys, false);
  assert.equal(u.root.allChannels, false);
  assert.equal(u.root.allCommands, false);
  assert.equal(u.sanitize, 'sanitize');
  assert.equal(u.selectors.length, 1);
  assert.equal(aclListLine(u), 'user u off sanitize-payload resetchannels -@all');
});

test('selectors: (…) in one or several arguments, clearselectors', () => {
  const u = user('(~x* +get)', '(', '%W~y', '+set', ')', '( ~a', '+del )');
  assert.equal(u.selectors.length, 4);
  assert.deepEqual(u.selectors[1]!.keyPatterns, [{ pattern: 'x*', flags: KEY_ALL }]);
  assert.equal(u.selectors[1]!.hasCommandBit(cmd('get').id), true);
  assert.equal(u.selectors[1]!.root, false);
  assert.deepEqual(u.selectors[2]!.keyPatterns, [{ pattern: 'y', flags: KEY_WRITE }]);
  assert.equal(u.selectors[3]!.hasCommandBit(cmd('del').id), true);
  applyRule(u, 'clearselectors', ctx);
  assert.equal(u.selectors.length, 1);
  // unbalanced quotes inside a selector give an empty selector, as Redis
  const q = user('(~a "+get)');
  assert.equal(q.selectors.length, 2);
  assert.deepEqual(q.selectors[1]!.keyPatterns, []);
  assert.deepEqual(mergeSelectorArgs(['a', '(b', 'c)', '(d)']), ['a', '(b c)', '(d)']);
  assert.deepEqual(mergeSelectorArgs(['(b', 'c']), { unmatched: 0 });
});

test('user names: no spaces or NUL; the empty name is accepted (oracle)', () => {
  assert.equal(isValidUsername('app_cache'), true);
  assert.equal(isValidUsername(''), true);
  assert.equal(isValidUsername('a b'), false);
  assert.equal(isValidUsername('a\tb'), false);
  assert.equal(isValidUsername('a\0b'), false);
  assert.equal(errors.badUsername, "ERR Usernames can't contain spaces or null characters");
});
