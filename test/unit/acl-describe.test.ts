import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTable } from '../../src/command-context/command-table.js';
import { allCommands } from '../../src/commands/index.js';
import { setUser } from '../../src/acl/rule-parser.js';
import { User, type AclContext } from '../../src/acl/user.js';
import { aclListLine, describeUser, getUserDescription } from '../../src/acl/describe.js';

const table = new CommandTable(allCommands);
const ctx: AclContext = { table, pubsubDefault: 'resetchannels' };

function make(name: string, rules: string[], c: AclContext = ctx): User {
  const u = User.create(name, c);
  const err = setUser(u, rules, c);
  assert.equal(err, null, `${name}: ${err}`);
  return u;
}

const H_X = '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881';
const H_A = 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb';
const H_B = '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d';
const H_PASSWORD = '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8';
const H_STRONG = 'd9d8e7ee4e92681edbb144557bbf512c15e51582ed8f4a03dac98e88d1065674';

interface Case {
  name: string;
  rules: string[];
  /** Redis 7.2's line (what we emit) */
  line: string;
  /** redis-server 7.0.15's line, when it differs: 7.0 re-derives the command rules from the bitmap */
  line70?: string;
  pubsub?: AclContext['pubsubDefault'];
}

// Lines captured from ACL SETUSER + ACL LIST on redis-server 7.0.15 (port 7107). Where 7.0
// prints a bitmap-compacted command list, `line` is Redis 7.2's "rules as applied" form; 7.2
// also lists sanitize-payload for every user that does not have skip-sanitize-payload (7.0
// listed it only after `reset`).
const CASES: Case[] = [
  { name: 'u1', rules: [], line: 'user u1 off sanitize-payload resetchannels -@all' },
  {
    name: 'app_cache',
    rules: ['on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous'],
    line: `user app_cache on sanitize-payload #${H_STRONG} ~cache:* resetchannels +@all -@dangerous`,
  },
  { name: 'default', rules: ['on', 'nopass', '~*', '&*', '+@all'], line: 'user default on nopass sanitize-payload ~* &* +@all' },
  { name: 't2', rules: ['reset', '%RW~*', '~foo'], line: 'user t2 off sanitize-payload ~* ~foo resetchannels -@all' },
  {
    name: 't3',
    rules: ['reset', 'on', 'nopass', '>x', '~a', '%R~b', '%W~c', '%R~a', '&ch*', '(~x* +get)', '(', '%W~y', '+set', ')', '+@read', '-keys', '+select|0', '+config|get', '-config|get'],
    line: `user t3 on sanitize-payload #${H_X} ~a %R~b %W~c resetchannels &ch* -@all +@read -keys +select|0 -config|get (~x* resetchannels -@all +get) (%W~y resetchannels -@all +set)`,
    line70: `user t3 on sanitize-payload #${H_X} ~a %R~b %W~c resetchannels &ch* -@all +@read +select|0 -keys (~x* resetchannels -@all +get) (%W~y resetchannels -@all +set)`,
  },
  { name: 't5', rules: ['reset', 'nopass', 'on', 'allchannels', 'allkeys', '()'], line: 'user t5 on nopass sanitize-payload ~* &* -@all (resetchannels -@all)' },
  { name: 't6', rules: ['reset', '>a', '>b', '>a', 'nopass'], line: 'user t6 off nopass sanitize-payload resetchannels -@all' },
  { name: 't7', rules: ['reset', '>a', '>b', 'resetpass', 'skip-sanitize-payload'], line: 'user t7 off skip-sanitize-payload resetchannels -@all' },
  {
    name: 't8',
    rules: ['reset', '+@all', '-@dangerous', '+info', '-get', '+GET', '+@hash', '+select|1', '-select'],
    line: 'user t8 off sanitize-payload resetchannels +@all -@dangerous +info +get +@hash -select',
    line70: 'user t8 off sanitize-payload resetchannels +@all -@admin -migrate -swapdb -flushall -restore-asking -flushdb -sort -select -sort_ro -restore -keys',
  },
  { name: 't10', rules: ['reset', '(+get ~x)', '(+set ~y)', 'clearselectors', '(+del)'], line: 'user t10 off sanitize-payload resetchannels -@all (resetchannels -@all +del)' },
  { name: 't11', rules: ['reset', '~a', '~a', '&a', '&a', '%R~b', '%W~b'], line: 'user t11 off sanitize-payload ~a ~b resetchannels &a -@all' },
  { name: 'd1', rules: ['-@all', '+get'], line: 'user d1 off sanitize-payload resetchannels -@all +get' },
  { name: 'd2', rules: ['+@read', '-keys'], line: 'user d2 off sanitize-payload resetchannels -@all +@read -keys' },
  {
    name: 'd3',
    rules: ['on', `#${H_PASSWORD}`, '>b', '+config|get', '+select|0', '+select|1'],
    line: `user d3 on sanitize-payload #${H_PASSWORD} #${H_B} resetchannels -@all +config|get +select|0 +select|1`,
  },
  { name: 'd4', rules: ['%R~r:*', '%W~w:*', '(%R~x +get)'], line: 'user d4 off sanitize-payload %R~r:* %W~w:* resetchannels -@all (%R~x resetchannels -@all +get)' },
  { name: 'd5', rules: ['>a', '>b', '<a'], line: `user d5 off sanitize-payload #${H_B} resetchannels -@all` },
  { name: 'd6', rules: ['>a', `!${H_A}`], line: 'user d6 off sanitize-payload resetchannels -@all' },
  { name: 'd7', rules: ['~a', '&x', 'resetkeys', '~b', 'resetchannels', '&y', 'allkeys'], line: 'user d7 off sanitize-payload ~* resetchannels &y -@all' },
  { name: 'p1', rules: [], line: 'user p1 off sanitize-payload &* -@all', pubsub: 'allchannels' },
  { name: 'p2', rules: ['reset', '(+get)'], line: 'user p2 off sanitize-payload &* -@all (&* -@all +get)', pubsub: 'allchannels' },
  {
    name: 'e1',
    rules: ['+SELECT|Foo', '-@ALL', '+@READ', '+GET'],
    line: 'user e1 off sanitize-payload resetchannels -@all +@read +get',
    line70: 'user e1 off resetchannels -@all +@read',
  },
  { name: 'e2', rules: ['+@all', 'nocommands', '+get', '-set', 'allcommands'], line: 'user e2 off sanitize-payload resetchannels +@all' },
  { name: 'e3', rules: ['+get|x'], line: 'user e3 off sanitize-payload resetchannels -@all +get|x' },
  // Redis 7.2 drops an earlier rule for the same command (and its subcommands) before appending
  { name: 'c1', rules: ['+config|get', '+config|set', '-config'], line: 'user c1 off sanitize-payload resetchannels -@all -config' },
  { name: 'c2', rules: ['+@all', '-get', '+set', '+get'], line: 'user c2 off sanitize-payload resetchannels +@all +set +get' },
  { name: 'c3', rules: ['+@string', '-@read', '+@string'], line: 'user c3 off sanitize-payload resetchannels -@all -@read +@string' },
];

test('ACL LIST lines match redis-server (7.2 command-rule form)', () => {
  for (const c of CASES) {
    const u = make(c.name, c.rules, { table, pubsubDefault: c.pubsub ?? 'resetchannels' });
    assert.equal(aclListLine(u), c.line, c.name);
  }
});

test("the article's app_cache user matches the oracle line exactly", () => {
  const u = make('app_cache', ['on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous']);
  // as 7.0.15 printed it (captured), plus 7.2's sanitize-payload flag
  assert.equal(aclListLine(u), 'user app_cache on sanitize-payload #d9d8e7ee4e92681edbb144557bbf512c15e51582ed8f4a03dac98e88d1065674 ~cache:* resetchannels +@all -@dangerous');
  assert.deepEqual(getUserDescription(u), {
    flags: ['on', 'sanitize-payload'],
    passwords: [H_STRONG],
    commands: '+@all -@dangerous',
    keys: '~cache:*',
    channels: '',
    selectors: [],
  });
});

test('describe round-trips: parsing the ACL LIST rules rebuilds the same user', () => {
  for (const c of CASES) {
    // t2 is Redis's own non-round-tripping case: %RW~* is a plain "*" pattern listed as "~*",
    // and "~* ~foo" is then rejected on reload (redis-server 7.0.15 behaves the same).
    if (c.name === 't2') continue;
    const cx: AclContext = { table, pubsubDefault: c.pubsub ?? 'resetchannels' };
    const u = make(c.name, c.rules, cx);
    const tokens = describeUser(u).split(' ');
    const v = make(c.name, tokens, cx);
    assert.equal(aclListLine(v), aclListLine(u), c.name);
    assert.equal(v.selectors.length, u.selectors.length);
    for (let i = 0; i < u.selectors.length; i++) {
      const a = u.selectors[i]!;
      const b = v.selectors[i]!;
      assert.deepEqual(b.bits, a.bits, `${c.name} selector ${i} bitmap`);
      assert.deepEqual(b.firstArgs, a.firstArgs);
      // (the allcommands flag itself may differ, e.g. "+@all -get +get": Redis also compares
      // only the bitmap, which decides every check the same way)
      assert.equal(b.futureCommands, a.futureCommands);
    }
    // 7.0's compacted form also parses to the same permissions
    // (skipped when it names commands this table does not have yet, e.g. MIGRATE)
    if (c.line70 !== undefined) {
      const w = User.create(c.name, cx);
      const err = setUser(w, c.line70.split(' ').slice(2), cx);
      if (err === null) assert.deepEqual(w.root.bits, u.root.bits, `${c.name} 7.0 form`);
      else assert.match(err, /Unknown command/);
    }
  }
});

test('%RW~* then another pattern lists as Redis does, and that line does not reload (as in Redis)', () => {
  const u = make('t2', ['%RW~*', '~foo']);
  assert.equal(describeUser(u), 'off sanitize-payload ~* ~foo resetchannels -@all');
  const v = User.create('t2', ctx);
  assert.match(setUser(v, describeUser(u).split(' '), ctx)!, /modifier '~foo': Adding a pattern after the \* pattern/);
});

test('GETUSER structure matches redis-server', () => {
  const t3 = make('t3', CASES.find((c) => c.name === 't3')!.rules);
  assert.deepEqual(getUserDescription(t3), {
    flags: ['on', 'sanitize-payload'],
    passwords: [H_X],
    commands: '-@all +@read -keys +select|0 -config|get', // 7.0.15: '-@all +@read +select|0 -keys'
    keys: '~a %R~b %W~c',
    channels: '&ch*',
    selectors: [
      { commands: '-@all +get', keys: '~x*', channels: '' },
      { commands: '-@all +set', keys: '%W~y', channels: '' },
    ],
  });
  assert.deepEqual(Object.keys(getUserDescription(t3)), ['flags', 'passwords', 'commands', 'keys', 'channels', 'selectors']);
  const d4 = make('d4', ['%R~r:*', '%W~w:*', '(%R~x +get)']);
  assert.deepEqual(getUserDescription(d4), {
    flags: ['off', 'sanitize-payload'],
    passwords: [],
    commands: '-@all',
    keys: '%R~r:* %W~w:*',
    channels: '',
    selectors: [{ commands: '-@all +get', keys: '%R~x', channels: '' }],
  });
  const all = make('a', ['allkeys', 'allchannels', '&*']);
  assert.equal(getUserDescription(all).keys, '~*');
  assert.equal(getUserDescription(all).channels, '&*');
  const ch = make('c', ['&a', '&b*']);
  assert.equal(getUserDescription(ch).channels, '&a &b*');
});

test('property: the described command rules replay to the same bitmap (Redis sanity check)', async () => {
  const fc = (await import('fast-check')).default;
  const pool = [
    '+@all', '-@all', 'allcommands', 'nocommands', '+get', '-get', '+set', '-set', '+config', '-config',
    '+config|get', '-config|set', '+select|0', '+select|1', '-select', '+@read', '-@read', '+@string',
    '-@write', '+@dangerous', '-@dangerous', '-@slow', '+@keyspace', '+@connection', '-@fast', '+info', '-keys',
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 12 }), (rules) => {
      const u = make('p', rules);
      const described = describeUser(u);
      const v = make('p', described.split(' '));
      assert.deepEqual(v.root.bits, u.root.bits, `${rules.join(' ')} -> ${described}`);
      // the order of first-arg allowances has no meaning (Redis keeps first insertion too)
      const sortedFirstArgs = (s: typeof u.root) =>
        s.firstArgs === null ? null : [...s.firstArgs].map(([id, args]) => [id, [...args].sort()]).sort();
      assert.deepEqual(sortedFirstArgs(v.root), sortedFirstArgs(u.root));
      assert.equal(describeUser(v), described);
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

test('re-allowing a first arg keeps one allowance per arg (counterexample found by the property)', () => {
  const u = make('p', ['+select|1', '+select|0', '+select|1']);
  assert.equal(describeUser(u), 'off sanitize-payload resetchannels -@all +select|0 +select|1');
  assert.deepEqual([...u.root.firstArgs!.values()].map((a) => [...a].sort()), [['0', '1']]);
});
