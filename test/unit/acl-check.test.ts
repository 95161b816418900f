import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTable } from '../../src/command-context/command-table.js';
import { defineCommand, type Command } from '../../src/command-context/command-spec.js';
import { allCommands } from '../../src/commands/index.js';
import { setUser } from '../../src/acl/rule-parser.js';
import { User, type AclContext } from '../../src/acl/user.js';
import { checkPermission, selectorAllowsChannel, type ChannelRef, type PermissionResult } from '../../src/acl/check.js';

const table = new CommandTable(allCommands);
const ctx: AclContext = { table, pubsubDefault: 'resetchannels' };

function make(rules: string[], c: AclContext = ctx): User {
  const u = User.create('u', c);
  const err = setUser(u, rules, c);
  assert.equal(err, null, String(err));
  return u;
}

/** Resolve "object encoding k" to the OBJECT|ENCODING subcommand, as the dispatcher does. */
function resolve(t: CommandTable, argv: string[]): Command {
  let c = t.lookup(argv[0]!);
  if (c === undefined) throw new Error(`no command ${argv[0]}`);
  if (c.subcommandMap !== null && argv.length > 1) c = c.subcommandMap.get(argv[1]!.toLowerCase()) ?? c;
  return c;
}

/** The verdict worded as ACL DRYRUN words it, to compare with the oracle's replies. */
function dryrun(u: User, line: string, t = table, channels?: ChannelRef[]): string {
  const argv = line.split(' ');
  const r: PermissionResult = checkPermission(u, resolve(t, argv), argv, channels);
  if (r.ok) return 'OK';
  if (r.reason === 'command') return `This user has no permissions to run the '${resolve(t, argv).fullName}' command`;
  if (r.reason === 'key') return `This user has no permissions to access the '${r.key}' key`;
  return `This user has no permissions to access the '${r.channel}' channel`;
}

function expectAll(u: User, cases: [string, string][], t = table, chans?: (argv: string[]) => ChannelRef[]): void {
  for (const [line, expected] of cases) {
    assert.equal(dryrun(u, line, t, chans?.(line.split(' '))), expected, line);
  }
}

const key = (k: string) => `This user has no permissions to access the '${k}' key`;
const run = (c: string) => `This user has no permissions to run the '${c}' command`;

test('%R / %W key patterns follow key-spec access flags (oracle: ACL DRYRUN on 7.0.15)', () => {
  const u = make(['+@all', '%R~r:*', '%W~w:*']);
  expectAll(u, [
    ['get r:1', 'OK'],
    ['get w:1', key('w:1')],
    ['set w:1 v', 'OK'],
    ['set r:1 v', key('r:1')],
    ['set w:1 v GET', key('w:1')],
    ['getdel w:1', key('w:1')],
    ['exists w:1', 'OK'],
    ['exists zz', key('zz')],
    ['copy r:1 w:1', 'OK'],
    ['copy w:1 r:1', key('w:1')],
    ['del r:1', key('r:1')],
    ['del w:1', 'OK'],
    ['mget r:1 w:1 r:2', key('w:1')],
    ['config get x', 'OK'],
    ['auth a b', 'OK'],
    ['ping', 'OK'],
    ['object encoding r:1', 'OK'],
    ['object encoding w:1', 'OK'],
    ['bitfield_ro w:1 get u8 0', key('w:1')],
    ['bitfield w:1 get u8 0', key('w:1')],
    ['bitfield r:1 get u8 0', 'OK'],
    ['bitfield r:1 set u8 0 1', key('r:1')],
  ]);
});

test('selectors: root first, any selector may allow, most specific denial wins (oracle)', () => {
  const u = make(['~a*', '-@all', '+get', '+set', '(~b* +@all -set)', '(~c* +set)']);
  expectAll(u, [
    ['get a1', 'OK'],
    ['get b1', 'OK'],
    ['get c1', key('c1')],
    ['set b1 v', key('b1')],
    ['set c1 v', 'OK'],
    ['del c1', key('c1')],
    ['mget a1 b1', key('a1')],
    ['mget b1 a1', key('a1')],
    ['copy a1 c1', key('a1')],
    ['copy b1 c1', key('c1')],
  ]);
  const d4 = make(['%R~r:*', '%W~w:*', '(%R~x +get)']);
  expectAll(d4, [
    ['get x', 'OK'],
    ['get r:1', key('r:1')],
    ['set r:1 v', run('set')],
    ['getdel w:1', run('getdel')],
    ['get w:1', key('w:1')],
    ['mget r:1 zz w:1', run('mget')],
  ]);
  const d8 = make(['on', 'nopass', '~a*', '+@all', '(~b* +get)']);
  expectAll(d8, [
    ['mget a1 b1', key('b1')],
    ['set b1 x', key('b1')],
    ['get c', key('c')],
    ['config get x', 'OK'],
  ]);
});

test('command bits: subcommands, containers via categories, first args, no_auth', () => {
  const u = make(['-@all', '+config|get', '+select|0']);
  expectAll(u, [
    ['config get x', 'OK'],
    ['config set x y', run('config|set')],
    ['select 0', 'OK'],
    ['select 1', run('select')],
    ['select', run('select')],
    ['auth a b', 'OK'], // no_auth commands skip the command bit
    ['get k', run('get')],
  ]);
  const slow = make(['-@all', '+@slow', '~*']);
  // CONFIG is in @slow, so +@slow brings every CONFIG subcommand along, as Redis
  expectAll(slow, [['config get x', 'OK']]);
  const noKeys = make(['+@all']);
  expectAll(noKeys, [
    ['get k', key('k')],
    ['ping', 'OK'],
  ]);
  const article = make(['on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous']);
  expectAll(article, [
    ['get cache:1', 'OK'],
    ['set cache:1 v', 'OK'],
    ['get other', key('other')],
    ['keys *', run('keys')],
    ['flushall', run('flushall')],
    ['config get maxmemory', run('config|get')],
  ]);
});

// Pub/Sub commands are not registered yet: a private table stands in for them.
const pubsubTable = new CommandTable([
  defineCommand({ name: 'publish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], docs: { summary: 'p', since: '2.0.0', group: 'pubsub' } }),
  defineCommand({ name: 'subscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], docs: { summary: 's', since: '2.0.0', group: 'pubsub' } }),
  defineCommand({ name: 'psubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], docs: { summary: 'ps', since: '2.0.0', group: 'pubsub' } }),
  defineCommand({ name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], categories: ['connection'], docs: { summary: 'sel', since: '1.0.0', group: 'connection' } }),
]);
const pctx: AclContext = { table: pubsubTable, pubsubDefault: 'resetchannels' };
function channelsOf(argv: string[]): ChannelRef[] {
  const name = argv[0]!.toLowerCase();
  if (name === 'publish') return [{ index: 1, pattern: false }];
  if (name !== 'subscribe' && name !== 'psubscribe') return [];
  return argv.slice(1).map((_, i) => ({ index: i + 1, pattern: name === 'psubscribe' }));
}

test('channels: globbed for channels, literal for patterns (oracle)', () => {
  const d10 = make(['+@all', '~*', '&news.*'], pctx);
  expectAll(
    d10,
    [
      ['publish news.1 x', 'OK'],
      ['publish other x', `This user has no permissions to access the 'other' channel`],
      ['psubscribe news.*', 'OK'],
      ['psubscribe news.1', `This user has no permissions to access the 'news.1' channel`],
      ['subscribe news.1 other', `This user has no permissions to access the 'other' channel`],
    ],
    pubsubTable,
    channelsOf,
  );
  const d9 = make(['-@all', '+select|0', '&chan'], pctx);
  expectAll(
    d9,
    [
      ['select 0', 'OK'],
      ['select 1', run('select')],
      ['publish chan x', run('publish')],
    ],
    pubsubTable,
    channelsOf,
  );
  const all = make(['+@all', 'allchannels'], pctx);
  expectAll(all, [['publish any x', 'OK']], pubsubTable, channelsOf);
  // a channel denial outranks a key or command denial from another selector
  const mixed = make(['+@all', '&a', '(-@all +select)'], pctx);
  assert.equal(dryrun(mixed, 'publish b x', pubsubTable, channelsOf('publish b x'.split(' '))), `This user has no permissions to access the 'b' channel`);
  assert.equal(selectorAllowsChannel(mixed.root, 'a', true), true);
  assert.equal(selectorAllowsChannel(mixed.root, 'a*', true), false);
});
