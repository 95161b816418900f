import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import { formatMemory, parseMemory } from '../../src/config/config-values.js';

function store(): ConfigStore {
  return new ConfigStore(configTable);
}

function set(s: ConfigStore, name: string, ...args: string[]): string | null {
  return s.setFromFile(s.def(name)!, args);
}

test('the table has unique names and aliases, and every default parses to itself', () => {
  const seen = new Set<string>();
  const s = store();
  for (const def of configTable) {
    for (const n of [def.name, ...(def.aliases ?? [])]) {
      assert.ok(!seen.has(n), `duplicate ${n}`);
      assert.equal(n, n.toLowerCase());
      seen.add(n);
    }
    if (def.name === 'dir' || def.name === 'replicaof') continue;
    const d = s.defaultOf(def);
    const args = (def.flags ?? []).includes('multi-arg') ? (d === '' ? [] : d.split(' ')) : [d];
    assert.equal(s.parse(def, args, 'set'), d, `default of ${def.name}`);
  }
  assert.ok(configTable.length >= 180, `only ${configTable.length} directives`);
});

test('memory values: k/kb/m/mb/g/gb, case-insensitive, Redis errors', () => {
  assert.equal(parseMemory('1k'), 1000n);
  assert.equal(parseMemory('1kb'), 1024n);
  assert.equal(parseMemory('1m'), 1000000n);
  assert.equal(parseMemory('1MB'), 1048576n);
  assert.equal(parseMemory('1g'), 1000000000n);
  assert.equal(parseMemory('1Gb'), 1073741824n);
  assert.equal(parseMemory('100mb'), 104857600n);
  assert.equal(parseMemory('5'), 5n);
  assert.equal(parseMemory('01'), 1n);
  assert.equal(parseMemory('kb'), 0n);
  for (const bad of ['-1', '+5', ' 5', '1.5mb', '5%', '0x10', '1tb']) assert.equal(parseMemory(bad), null, bad);
  // strtoull saturates and the unit multiplication wraps, as in Redis
  assert.equal(parseMemory('99999999999999999999'), 18446744073709551615n);
  assert.equal(parseMemory('20000000000000000gb'), 4026358804357578752n);
  assert.equal(formatMemory(1073741824n), '1gb');
  assert.equal(formatMemory(104857600n), '100mb');
  assert.equal(formatMemory(3072n), '3kb');
  assert.equal(formatMemory(1000n), '1000');
  assert.equal(formatMemory(0n), '0');
  const s = store();
  assert.equal(set(s, 'maxmemory', '100mb'), null);
  assert.equal(s.get('maxmemory'), '104857600');
  assert.equal(set(s, 'maxmemory', '1x'), 'argument must be a memory value');
  assert.equal(set(s, 'proto-max-bulk-len', '1000'), 'argument must be between 1048576 and 9223372036854775807 inclusive');
});

test('integers: string2ll rules and bound messages (signed and unsigned)', () => {
  const s = store();
  for (const bad of ['01', '+5', '-0', ' 5', '5x', '1k', '']) assert.equal(set(s, 'hz', bad), "argument couldn't be parsed into an integer", bad);
  assert.equal(set(s, 'active-expire-effort', '11'), 'argument must be between 1 and 10 inclusive');
  assert.equal(set(s, 'maxclients', '0'), 'argument must be between 1 and 4294967295 inclusive');
  assert.equal(set(s, 'maxclients', '-1'), 'argument must be between 1 and 4294967295 inclusive');
  assert.equal(set(s, 'slowlog-max-len', '99999999999999999'), null);
  assert.equal(s.get('slowlog-max-len'), '99999999999999999');
  assert.equal(set(s, 'list-max-listpack-size', '-5'), null);
  assert.equal(s.int('list-max-listpack-size'), -5);
});

test('percent and octal values', () => {
  const s = store();
  assert.equal(set(s, 'maxmemory-clients', '5%'), null);
  assert.equal(s.get('maxmemory-clients'), '5%');
  assert.equal(set(s, 'maxmemory-clients', '0%'), null);
  assert.equal(s.get('maxmemory-clients'), '0');
  assert.equal(set(s, 'maxmemory-clients', '101%'), 'percentage argument must be less or equal to 100');
  assert.equal(set(s, 'maxmemory-clients', '-5%'), 'argument must be a memory or percent value');
  assert.equal(set(s, 'unixsocketperm', '700'), null);
  assert.equal(s.get('unixsocketperm'), '700');
  assert.equal(set(s, 'unixsocketperm', '800'), "argument couldn't be parsed as an octal number");
  assert.equal(set(s, 'unixsocketperm', '1000'), 'argument must be between 0 and 777 inclusive');
});

test('bools and enums are case-insensitive; enum errors list the values', () => {
  const s = store();
  assert.equal(set(s, 'appendonly', 'YES'), null);
  assert.equal(s.get('appendonly'), 'yes');
  assert.equal(set(s, 'daemonize', 'maybe'), "argument must be 'yes' or 'no'");
  assert.equal(set(s, 'loglevel', 'WARNING'), null);
  assert.equal(s.get('loglevel'), 'warning');
  assert.equal(set(s, 'loglevel', 'foo'), 'argument(s) must be one of the following: debug, verbose, notice, warning, nothing');
  assert.equal(set(s, 'shutdown-on-sigint', 'force', 'now'), null);
  assert.equal(s.get('shutdown-on-sigint'), 'now force');
  // nosave is real since issue 13 (main.ts's signal handler honours it), so accepted
  assert.equal(set(s, 'shutdown-on-sigint', 'now', 'nosave'), null);
  assert.equal(s.get('shutdown-on-sigint'), 'nosave now');
});

test('aliases resolve to the canonical directive', () => {
  const s = store();
  // a primary's address (issue 16): the alias resolves to replicaof
  assert.equal(set(s, 'slaveof', '10.0.0.1', '6380'), null);
  assert.equal(s.get('replicaof'), '10.0.0.1 6380');
  assert.equal(set(s, 'hash-max-ziplist-entries', '100'), null);
  assert.equal(s.get('hash-max-listpack-entries'), '100');
  assert.equal(set(s, 'lua-time-limit', '7'), null);
  assert.equal(s.get('busy-reply-threshold'), '7');
  assert.equal(set(s, 'replicaof', 'no', 'one'), null);
  assert.equal(s.valueOf(s.def('slaveof')!), '');
  assert.equal(set(s, 'replicaof', 'h', 'x'), 'Invalid master port');
});

test('special directives: save, client-output-buffer-limit, notify-keyspace-events, oom values, percentiles, bind', () => {
  const s = store();
  assert.equal(s.get('save'), '3600 1 300 100 60 10000');
  s.beginLoad();
  assert.equal(set(s, 'save', '900', '1'), null);
  assert.equal(set(s, 'save', '300', '10'), null);
  assert.equal(s.get('save'), '900 1 300 10', 'first save line replaces the defaults, later ones append');
  assert.equal(set(s, 'save', ''), null);
  assert.equal(set(s, 'save', '1'), 'Invalid save parameters');
  assert.equal(set(s, 'save', '0', '1'), 'Invalid save parameters');
  assert.equal(set(s, 'client-output-buffer-limit', 'replica', '1mb', '2kb', '3'), null);
  assert.equal(s.get('client-output-buffer-limit'), 'normal 0 0 0 slave 1048576 2048 3 pubsub 33554432 8388608 60');
  assert.equal(set(s, 'client-output-buffer-limit', 'normal', '1'), 'Wrong number of arguments in buffer limit configuration.');
  assert.equal(set(s, 'client-output-buffer-limit', 'master', '1', '1', '1'), 'Invalid client class specified in buffer limit configuration.');
  assert.equal(set(s, 'client-output-buffer-limit', 'pubsub', '1x', '1', '1'), 'Error in hard, soft or soft_seconds setting in buffer limit configuration.');
  for (const [input, out] of [
    ['KEA', 'AKE'],
    ['Kgm$x', 'g$xKm'],
    ['An', 'A'],
    ['Ed', 'dE'],
    ['tzhsl$', '$lshzt'],
    ['', ''],
  ] as const) {
    assert.equal(set(s, 'notify-keyspace-events', input), null);
    assert.equal(s.get('notify-keyspace-events'), out, input);
  }
  assert.equal(set(s, 'notify-keyspace-events', 'Q'), "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  assert.equal(set(s, 'oom-score-adj-values', '1', '2'), 'wrong number of arguments');
  assert.equal(set(s, 'oom-score-adj-values', '1', '2', '3000'), 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
  assert.equal(set(s, 'latency-tracking-info-percentiles', '1', '2.50', '99.999'), null);
  assert.equal(s.get('latency-tracking-info-percentiles'), '1 2.5 99.999');
  assert.equal(set(s, 'latency-tracking-info-percentiles', 'abc'), 'Invalid latency-tracking-info-percentiles parameters');
  assert.equal(set(s, 'latency-tracking-info-percentiles', '101'), 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
  assert.equal(set(s, 'bind', '10.0.0.1', '-::1'), null);
  assert.equal(s.get('bind'), '10.0.0.1 -::1');
  assert.equal(set(s, 'bind', ...Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`)), 'Too many bind addresses specified.');
});

test('validators: dbfilename, appendfilename, dir, proc-title-template', () => {
  const s = store();
  assert.equal(set(s, 'dbfilename', 'a/b.rdb'), "dbfilename can't be a path, just a filename");
  assert.equal(set(s, 'appendfilename', ''), "appendfilename can't be empty");
  assert.equal(set(s, 'dir', '/nonexistent-redoubt-dir'), 'No such file or directory');
  assert.equal(set(s, 'dir', '/'), null);
  assert.equal(s.get('dir'), '/');
  assert.equal(set(s, 'proc-title-template', '{title} {bogus}'), 'template format is invalid or contains unknown variables');
  assert.equal(set(s, 'proc-title-template', '{title} {{x}}'), null);
});

test('security directives whose layer has not landed: default accepted, anything else refused', () => {
  const s = store();
  assert.equal(set(s, 'tls-port', '0'), null);
  assert.equal(set(s, 'requirepass', ''), null);
  assert.equal(set(s, 'enable-debug-command', 'no'), null);
  assert.equal(set(s, 'tls-auth-clients', 'yes'), null);
  // DEBUG / MODULE are gated by the dispatcher now: their switches load at any value
  assert.equal(set(s, 'enable-module-command', 'yes'), null);
  assert.equal(set(s, 'enable-debug-command', 'local'), null);
  // the replica side landed (issue 16): its credentials load
  assert.equal(set(s, 'masterauth', 'secret'), null);
  assert.equal(set(s, 'masteruser', 'repl'), null);
  assert.equal(s.get('masterauth'), 'secret');
  // the TLS layer has landed: TLS directives are active, the replica's outgoing link
  // included; only the cluster bus (which Redoubt does not have) loads without effect
  const outgoing = ['tls-cluster'];
  for (const def of configTable) {
    if (def.name.startsWith('tls-')) assert.equal(def.status, outgoing.includes(def.name) ? 'noeffect' : 'active', def.name);
  }
  assert.equal(set(s, 'tls-port', '6380'), null);
  assert.equal(set(s, 'unixsocket', '/tmp/x.sock'), null);
});

test('sensitive, immutable and protected flags match Redis', () => {
  const s = store();
  const flags = (n: string) => s.def(n)!.flags ?? [];
  for (const n of ['requirepass', 'masterauth', 'masteruser']) assert.ok(flags(n).includes('sensitive'), n);
  for (const n of ['dir', 'dbfilename']) assert.ok(flags(n).includes('protected'), n);
  for (const n of ['daemonize', 'databases', 'logfile', 'pidfile', 'aclfile', 'unixsocket', 'supervised', 'enable-debug-command']) {
    assert.ok(flags(n).includes('immutable'), n);
  }
  for (const n of ['use-exit-on-panic', 'key-load-delay']) assert.ok(flags(n).includes('hidden'), n);
});

test('accessors take only names from the table: a misspelt name does not compile', () => {
  const s = store();
  assert.equal(s.int('timeout'), 0);
  // The directive below is checked by the compiler: if the accessors took any string,
  // the expectation would be unused and the build would fail.
  // @ts-expect-error 'timout' is not a ConfigName
  assert.throws(() => s.int('timout'), /unknown config timout/);
  // names from users (CONFIG GET/SET, config files) go through def() and valueOf()
  assert.equal(s.valueOf(s.def('TIMEOUT')!), '0');
});
