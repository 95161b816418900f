/**
 * Key extraction from key specs, checked against Redis. The specs below are the ones a live
 * redis-server 7.0.15 reports in COMMAND INFO, and every expected answer is what that server
 * replied to COMMAND GETKEYSANDFLAGS for the same command line (an error there means no keys).
 * SET, BITFIELD, SORT, SORT_RO and MIGRATE exercise the built-in native extractors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandFlag, KeySpec } from '../../src/command-context/command-spec.js';
import { cAtoi, commandHasKeys, extractKeyNames, extractKeys, keysFromSpecs, legacyKeyRange, type KeyedCommand } from '../../src/command-model/key-extraction.js';

const SPECS: Record<string, { arity: number; flags: CommandFlag[]; keySpecs: KeySpec[] }> = {
  'get': { arity: 2, flags: [], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'mset': { arity: -3, flags: [], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: -1, step: 2, limit: 0 } }] },
  'mget': { arity: -2, flags: [], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'bitop': { arity: -4, flags: [], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 3 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'zunionstore': { arity: -4, flags: ['movablekeys'], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'zinterstore': { arity: -4, flags: ['movablekeys'], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'eval': { arity: -3, flags: ['no_mandatory_keys', 'movablekeys'], keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], begin: { index: 2 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'xread': { arity: -4, flags: ['movablekeys'], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { keyword: 'STREAMS', startFrom: 1 }, find: { lastKey: -1, step: 1, limit: 2 } }] },
  'xreadgroup': { arity: -7, flags: ['movablekeys'], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { keyword: 'STREAMS', startFrom: 4 }, find: { lastKey: -1, step: 1, limit: 2 } }] },
  'migrate': { arity: -6, flags: ['movablekeys'], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 3 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RW', 'ACCESS', 'DELETE', 'INCOMPLETE'], begin: { keyword: 'KEYS', startFrom: -2 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'sort': { arity: -2, flags: ['movablekeys'], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { unknown: true }, find: { unknown: true } }, { flags: ['OW', 'UPDATE'], begin: { unknown: true }, find: { unknown: true } }] },
  'sort_ro': { arity: -2, flags: ['movablekeys'], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { unknown: true }, find: { unknown: true } }] },
  'set': { arity: -3, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'bitfield': { arity: -2, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'lmpop': { arity: -4, flags: ['movablekeys'], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'blmpop': { arity: -5, flags: ['movablekeys'], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 2 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'georadius': { arity: -6, flags: ['movablekeys'], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['OW', 'UPDATE'], begin: { keyword: 'STORE', startFrom: 6 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['OW', 'UPDATE'], begin: { keyword: 'STOREDIST', startFrom: 6 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'brpoplpush': { arity: 4, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RW', 'INSERT'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'blpop': { arity: -3, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { lastKey: -2, step: 1, limit: 0 } }] },
  'object|encoding': { arity: 3, flags: [], keySpecs: [{ flags: ['RO'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'memory|usage': { arity: -3, flags: [], keySpecs: [{ flags: ['RO'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'sintercard': { arity: -3, flags: ['movablekeys'], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'zadd': { arity: -4, flags: [], keySpecs: [{ flags: ['RW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'del': { arity: -2, flags: [], keySpecs: [{ flags: ['RM', 'DELETE'], begin: { index: 1 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'rename': { arity: 3, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['OW', 'UPDATE'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'smove': { arity: 4, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RW', 'INSERT'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'xadd': { arity: -5, flags: [], keySpecs: [{ flags: ['RW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'fcall': { arity: -3, flags: ['no_mandatory_keys', 'movablekeys'], keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], begin: { index: 2 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }] },
  'pfmerge': { arity: -2, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'INSERT'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'lmove': { arity: 5, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RW', 'INSERT'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'geosearchstore': { arity: -8, flags: [], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'copy': { arity: -3, flags: [], keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['OW', 'UPDATE'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'exists': { arity: -2, flags: [], keySpecs: [{ flags: ['RO'], begin: { index: 1 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'touch': { arity: -2, flags: [], keySpecs: [{ flags: ['RO'], begin: { index: 1 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'watch': { arity: -2, flags: [], keySpecs: [{ flags: ['RO'], begin: { index: 1 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'msetnx': { arity: -3, flags: [], keySpecs: [{ flags: ['OW', 'INSERT'], begin: { index: 1 }, find: { lastKey: -1, step: 2, limit: 0 } }] },
  'getex': { arity: -2, flags: [], keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'sunionstore': { arity: -3, flags: [], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { lastKey: -1, step: 1, limit: 0 } }] },
  'xautoclaim': { arity: -6, flags: [], keySpecs: [{ flags: ['RW', 'DELETE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'zrangestore': { arity: -5, flags: [], keySpecs: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }, { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
  'setrange': { arity: 4, flags: [], keySpecs: [{ flags: ['RW', 'UPDATE'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }] },
};

const CASES: [string[], [string, string[]][] | string][] = [
  [["get","k"], [["k",["RO","ACCESS"]]]],
  [["mset","a","1","b","2"], [["a",["OW","UPDATE"]],["b",["OW","UPDATE"]]]],
  [["mget","a","b","c"], [["a",["RO","ACCESS"]],["b",["RO","ACCESS"]],["c",["RO","ACCESS"]]]],
  [["bitop","and","d","s1","s2"], [["d",["OW","UPDATE"]],["s1",["RO","ACCESS"]],["s2",["RO","ACCESS"]]]],
  [["zunionstore","d","2","a","b","weights","1","2"], [["d",["OW","UPDATE"]],["a",["RO","ACCESS"]],["b",["RO","ACCESS"]]]],
  [["zunionstore","d","3","a","b"], "ERR Invalid arguments specified for command"],
  [["zunionstore","d","-1","a"], "ERR Invalid arguments specified for command"],
  [["eval","s","2","k1","k2","a1"], [["k1",["RW","ACCESS","UPDATE"]],["k2",["RW","ACCESS","UPDATE"]]]],
  [["eval","s","0"], []],
  [["eval","s","x","k"], []],
  [["xread","count","2","streams","s1","s2","0","0"], [["s1",["RO","ACCESS"]],["s2",["RO","ACCESS"]]]],
  [["xread","streams","s1","s2","0"], [["s1",["RO","ACCESS"]]]],
  [["xreadgroup","group","g","c","streams","s1","0"], [["s1",["RO","ACCESS"]]]],
  [["migrate","h","1","k","0","5"], [["k",["RW","ACCESS","DELETE"]]]],
  [["migrate","h","1","","0","5","copy","auth","pw","keys","a","b"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","ACCESS","DELETE"]]]],
  [["migrate","h","1","k","0","5","keys","a"], "ERR Invalid arguments specified for command"],
  [["sort","k","by","w_*","get","#","store","d"], [["k",["RO","ACCESS"]],["d",["OW","UPDATE"]]]],
  [["sort","k","limit","0","10","store","d1","store","d2"], [["k",["RO","ACCESS"]],["d2",["OW","UPDATE"]]]],
  [["sort_ro","k","by","x"], [["k",["RO","ACCESS"]]]],
  [["set","k","v","ex","10","get"], [["k",["RW","ACCESS","UPDATE"]]]],
  [["set","k","v"], [["k",["OW","UPDATE"]]]],
  [["bitfield","k","get","u8","0","overflow","sat"], [["k",["RO","ACCESS"]]]],
  [["bitfield","k","incrby","u8","0","1"], [["k",["RW","ACCESS","UPDATE"]]]],
  [["bitfield","k","foo"], [["k",["RW","ACCESS","UPDATE"]]]],
  [["lmpop","2","a","b","left","count","3"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","ACCESS","DELETE"]]]],
  [["blmpop","0","2","a","b","left"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","ACCESS","DELETE"]]]],
  [["georadius","k","0","0","1","km","store","d","storedist","e"], [["k",["RO","ACCESS"]],["d",["OW","UPDATE"]],["e",["OW","UPDATE"]]]],
  [["georadius","k","0","0","1","km"], [["k",["RO","ACCESS"]]]],
  [["brpoplpush","a","b","0"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","INSERT"]]]],
  [["blpop","a","b","0"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","ACCESS","DELETE"]]]],
  [["object","encoding","k"], [["k",["RO"]]]],
  [["memory","usage","k"], [["k",["RO"]]]],
  [["sintercard","2","a","b","limit","1"], [["a",["RO","ACCESS"]],["b",["RO","ACCESS"]]]],
  // numkeys that string2ll refuses: Redis falls back to its getkeys proc, which reads the
  // count with atoi and returns no flags (found by the commands-class fuzz target)
  [["sintercard","1-1","a"], [["a",[]]]],
  [["sintercard","\t\n2","a","b"], [["a",[]],["b",[]]]],
  [["sintercard","0","a"], "ERR Invalid arguments specified for command"],
  [["zunionstore","d","1x","a"], [["a",[]],["d",[]]]],
  [["zinterstore","d","2.9","a","b"], [["a",[]],["b",[]],["d",[]]]],
  [["lmpop"," 1","a","left"], [["a",[]]]],
  [["lmpop","-1x","a","left"], "ERR Invalid arguments specified for command"],
  [["blmpop","0","+1","a","left"], [["a",[]]]],
  [["blmpop","0","4294967297x","a","left"], [["a",[]]]],
  [["blmpop","0","99999999999999999999","a","left"], "ERR Invalid arguments specified for command"],
  // a valid numkeys is added as a C int: 2^32 + 1 names one key (the spec's flags)
  [["sintercard","4294967297","a"], [["a",["RO","ACCESS"]]]],
  // XREADGROUP whose STREAMS spec fails (STREAMS second to last): xreadGetKeys parses the
  // options from argv[1], comparing words up to a NUL as strcasecmp does
  [["xreadgroup","STREAMS","a","b","c","d","STREAMS","x"], [["a",[]],["b",[]],["c",[]]]],
  [["xreadgroup","STREAMS\u0000z","a","b","c","d","STREAMS","x"], [["a",[]],["b",[]],["c",[]]]],
  [["zadd","k","1","m"], [["k",["RW","UPDATE"]]]],
  [["del","a","b"], [["a",["RM","DELETE"]],["b",["RM","DELETE"]]]],
  [["rename","a","b"], [["a",["RW","ACCESS","DELETE"]],["b",["OW","UPDATE"]]]],
  [["smove","a","b","m"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","INSERT"]]]],
  [["xadd","s","*","f","v"], [["s",["RW","UPDATE"]]]],
  [["fcall","f","1","k","a"], [["k",["RW","ACCESS","UPDATE"]]]],
  [["pfmerge","d","a","b"], [["d",["RW","ACCESS","INSERT"]],["a",["RO","ACCESS"]],["b",["RO","ACCESS"]]]],
  [["lmove","a","b","left","right"], [["a",["RW","ACCESS","DELETE"]],["b",["RW","INSERT"]]]],
  [["geosearchstore","d","s","frommember","m","byradius","1","km"], [["d",["OW","UPDATE"]],["s",["RO","ACCESS"]]]],
  [["copy","a","b"], [["a",["RO","ACCESS"]],["b",["OW","UPDATE"]]]],
  [["exists","a","b"], [["a",["RO"]],["b",["RO"]]]],
  [["touch","a"], [["a",["RO"]]]],
  [["watch","a","b"], [["a",["RO"]],["b",["RO"]]]],
  [["msetnx","a","1","b","2"], [["a",["OW","INSERT"]],["b",["OW","INSERT"]]]],
  [["getex","k","persist"], [["k",["RW","ACCESS","UPDATE"]]]],
  [["sunionstore","d","a","b"], [["d",["OW","UPDATE"]],["a",["RO","ACCESS"]],["b",["RO","ACCESS"]]]],
  [["xautoclaim","s","g","c","0","0"], [["s",["RW","DELETE"]]]],
  [["zrangestore","d","s","0","1"], [["d",["OW","UPDATE"]],["s",["RO","ACCESS"]]]],
  [["setrange","k","0","v"], [["k",["RW","UPDATE"]]]],
];

const RANGES: Record<string, [number, number, number, boolean]> = {
  'get': [1, 1, 1, false],
  'mset': [1, -1, 2, false],
  'mget': [1, -1, 1, false],
  'bitop': [2, -1, 1, false],
  'zunionstore': [1, 1, 1, true],
  'eval': [0, 0, 0, true],
  'xread': [0, 0, 0, true],
  'xreadgroup': [0, 0, 0, true],
  'migrate': [3, 3, 1, true],
  'sort': [1, 1, 1, true],
  'sort_ro': [1, 1, 1, true],
  'set': [1, 1, 1, false],
  'bitfield': [1, 1, 1, false],
  'lmpop': [0, 0, 0, true],
  'blmpop': [0, 0, 0, true],
  'georadius': [1, 1, 1, true],
  'brpoplpush': [1, 2, 1, false],
  'blpop': [1, -2, 1, false],
  'object|encoding': [2, 2, 1, false],
  'memory|usage': [2, 2, 1, false],
  'sintercard': [0, 0, 0, true],
  'zadd': [1, 1, 1, false],
  'del': [1, -1, 1, false],
  'rename': [1, 2, 1, false],
  'smove': [1, 2, 1, false],
  'xadd': [1, 1, 1, false],
  'fcall': [0, 0, 0, true],
  'pfmerge': [1, -1, 1, false],
  'lmove': [1, 2, 1, false],
  'geosearchstore': [1, 2, 1, false],
  'copy': [1, 2, 1, false],
  'exists': [1, -1, 1, false],
  'touch': [1, -1, 1, false],
  'watch': [1, -1, 1, false],
  'msetnx': [1, -1, 2, false],
  'getex': [1, 1, 1, false],
  'sunionstore': [1, -1, 1, false],
  'xautoclaim': [1, 1, 1, false],
  'zrangestore': [1, 2, 1, false],
  'setrange': [1, 1, 1, false],
};

function command(name: string): KeyedCommand {
  const s = SPECS[name];
  assert.ok(s, `no fixture for ${name}`);
  return { name, fullName: name, arity: s.arity, flags: s.flags, keySpecs: s.keySpecs };
}

function commandOf(argv: string[]): KeyedCommand {
  const name = argv[0] === 'object' || argv[0] === 'memory' ? `${argv[0]}|${argv[1]}` : argv[0]!;
  return command(name);
}

test('extractKeys gives the keys and flags Redis gives (COMMAND GETKEYSANDFLAGS)', () => {
  for (const [argv, expected] of CASES) {
    const got = extractKeys(commandOf(argv), argv).map((k) => [argv[k.index]!, [...k.flags].filter((f) => f !== 'VARIABLE_FLAGS')]);
    const want = typeof expected === 'string' ? [] : expected;
    assert.deepEqual(got, want, argv.join(' '));
  }
});

test('(first, last, step) and movablekeys derived from key specs match COMMAND INFO', () => {
  for (const [name, [first, last, step, movable]] of Object.entries(RANGES)) {
    const r = legacyKeyRange(SPECS[name]!.keySpecs);
    assert.deepEqual([r.first, r.last, r.step, r.movable], [first, last, step, movable], name);
  }
  assert.deepEqual(legacyKeyRange(undefined), { first: 0, last: 0, step: 0, movable: false });
  assert.deepEqual(legacyKeyRange([]), { first: 0, last: 0, step: 0, movable: false });
});

test('keyword search: forward stops before the last argument, backward stops after argv[1]', () => {
  const fwd: KeySpec[] = [{ flags: ['RO'], begin: { keyword: 'KEYS', startFrom: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }];
  assert.deepEqual(keysFromSpecs(fwd, ['cmd', 'x', 'keys', 'k']), [{ index: 3, flags: ['RO'] }]);
  // keyword in last position: nothing follows it, the spec simply has no key
  assert.deepEqual(keysFromSpecs(fwd, ['cmd', 'x', 'KEYS']), []);
  const back: KeySpec[] = [{ flags: ['RW'], begin: { keyword: 'KEYS', startFrom: -1 }, find: { lastKey: -1, step: 1, limit: 0 } }];
  assert.deepEqual(keysFromSpecs(back, ['cmd', 'keys', 'a']), [], 'argv[1] is never examined backwards');
  assert.deepEqual(
    keysFromSpecs(back, ['cmd', 'x', 'keys', 'a', 'b'])!.map((k) => k.index),
    [3, 4],
  );
});

test('invalid specs: null in strict mode, skipped in partial mode', () => {
  const specs: KeySpec[] = [
    { flags: ['RO'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } },
    { flags: ['RW'], begin: { unknown: true }, find: { unknown: true } },
  ];
  assert.equal(keysFromSpecs(specs, ['c', 'a']), null);
  assert.deepEqual(keysFromSpecs(specs, ['c', 'a'], { partial: true }), [{ index: 1, flags: ['RO'] }]);
  const incomplete: KeySpec[] = [{ flags: ['RW', 'INCOMPLETE'], begin: { index: 1 }, find: { lastKey: -1, step: 1, limit: 0 } }];
  assert.equal(keysFromSpecs(incomplete, ['c', 'a', 'b']), null);
  assert.deepEqual(
    keysFromSpecs(incomplete, ['c', 'a', 'b'], { partial: true })!.map((k) => k.index),
    [1, 2],
    'an incomplete spec still contributes its keys in partial mode',
  );
});

test('numkeys must be a strict non-negative integer inside the arguments', () => {
  const specs = SPECS['lmpop']!.keySpecs;
  for (const bad of ['+2', '02', ' 2', '2.0', '-1', '99999999999999999999', '']) {
    assert.equal(keysFromSpecs(specs, ['lmpop', bad, 'a', 'b', 'left']), null, JSON.stringify(bad));
  }
  // numkeys index beyond argv
  assert.equal(keysFromSpecs([{ flags: ['RO'], begin: { index: 3 }, find: { keynumIdx: 0, firstKey: 1, step: 1 } }], ['c', 'a']), null);
  assert.deepEqual(extractKeyNames(command('lmpop'), ['lmpop', '2', 'a', 'b', 'left']), ['a', 'b']);
});

test('NOT_KEY specs are skipped unless asked for, and alone do not make a command keyed', () => {
  const specs: KeySpec[] = [{ flags: ['NOT_KEY'], begin: { index: 1 }, find: { lastKey: 0, step: 1, limit: 0 } }];
  assert.deepEqual(keysFromSpecs(specs, ['c', 'x']), []);
  assert.deepEqual(keysFromSpecs(specs, ['c', 'x'], { includeNotKeys: true }), [{ index: 1, flags: ['NOT_KEY'] }]);
  const cmd: KeyedCommand = { name: 'c', arity: 2, flags: [], keySpecs: specs };
  assert.equal(commandHasKeys(cmd), false);
  assert.deepEqual(extractKeys(cmd, ['c', 'x']), []);
  assert.equal(commandHasKeys(command('get')), true);
  assert.equal(commandHasKeys({ name: 'ping', arity: -1, flags: [] }), false);
  assert.equal(commandHasKeys({ name: 'x', arity: -1, flags: [], getKeys: () => [1] }), true);
});

test('a declared getKeys is the fallback when the specs cannot answer; flags come from the specs', () => {
  const cmd: KeyedCommand = {
    // a command Redoubt has no built-in extractor for (ZUNIONSTORE has one, as in Redis)
    name: 'zunionstore-like',
    arity: -4,
    flags: ['movablekeys'] as CommandFlag[],
    keySpecs: SPECS['zunionstore']!.keySpecs,
    // a getkeys proc that only finds the destination when numkeys is bad
    getKeys: (argv) => (argv.length > 1 ? [1, 99] : []),
  };
  const got = extractKeys(cmd, ['zunionstore', 'd', 'x', 'a']);
  assert.deepEqual(got, [{ index: 1, flags: ['OW', 'UPDATE'] }], 'out-of-range positions are dropped');
  // specs that work win over getKeys
  assert.deepEqual(extractKeyNames(cmd, ['zunionstore', 'd', '1', 'a']), ['d', 'a']);
});

test('limit divides the remaining arguments (XREAD STREAMS k1 k2 id1 id2)', () => {
  const cmd = command('xread');
  assert.deepEqual(extractKeyNames(cmd, ['xread', 'streams', 'a', 'b', 'c', '1', '2', '3']), ['a', 'b', 'c']);
  assert.deepEqual(extractKeyNames(cmd, ['xread', 'block', '0', 'streams', 'a', '1']), ['a']);
  assert.deepEqual(extractKeyNames(cmd, ['xread', 'count', '1']), [], 'no STREAMS keyword: no keys');
});

test('cAtoi reads a count as glibc atoi does: prefix digits, saturated to 64 bits, truncated to int', () => {
  const cases: [string, number][] = [
    ['1-1', 1], [' 1', 1], ['\t\n2', 2], ['+1', 1], ['-1x', -1], ['1.5', 1], ['010', 10], ['0x10', 0], ['', 0], ['x', 0], ['-', 0],
    ['4294967297', 1], ['2147483648', -2147483648], ['99999999999999999999', -1], ['-99999999999999999999', 0],
  ];
  for (const [s, n] of cases) assert.equal(cAtoi(s), n, JSON.stringify(s));
});
