import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import {
  combineConfigSources,
  formatFatalConfigError,
  formatOpenError,
  globFiles,
  loadConfigText,
  type ConfigLoadError,
  type ConfigLineError,
} from '../../src/config/config-file.js';

function load(text: string): { store: ConfigStore; err: ConfigLoadError | null } {
  const store = new ConfigStore(configTable);
  return { store, err: loadConfigText(store, text) };
}

function lineError(text: string): ConfigLineError {
  const { err } = load(text);
  assert.ok(err !== null && err.kind === 'line', `expected an error for ${JSON.stringify(text)}`);
  return err;
}

test('comments, blank lines, indentation, CRLF and case-insensitive names', () => {
  const { store, err } = load('# comment\n\n   # indented comment\r\n  PORT 7000\r\nMaxMemory 1gb\n\tloglevel   warning  \n');
  assert.equal(err, null);
  assert.equal(store.get('port'), '7000');
  assert.equal(store.get('maxmemory'), '1073741824');
  assert.equal(store.get('loglevel'), 'warning');
  assert.deepEqual([...store.explicitlySet].sort(), ['loglevel', 'maxmemory', 'port']);
});

test('a repeated directive: the last line wins; save accumulates; client-output-buffer-limit merges', () => {
  const { store, err } = load(
    'hz 5\nhz 7\nsave 900 1\nsave 300 10\nclient-output-buffer-limit normal 1mb 0 0\nclient-output-buffer-limit pubsub 2mb 1mb 5\n',
  );
  assert.equal(err, null);
  assert.equal(store.get('hz'), '7');
  assert.equal(store.get('save'), '900 1 300 10');
  assert.equal(store.get('client-output-buffer-limit'), 'normal 1048576 0 0 slave 268435456 67108864 60 pubsub 2097152 1048576 5');
});

test('removed directives Redis ignores with one argument are ignored', () => {
  assert.equal(load('list-max-ziplist-entries 5\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n').err, null);
  assert.equal(lineError('list-max-ziplist-value 1 2\n').reason, 'Bad directive or wrong number of arguments');
});

test('every line error reason, with the line number and the trimmed line', () => {
  const cases: [string, number, string, string][] = [
    ['port 1\nfoo bar\n', 2, 'foo bar', 'Bad directive or wrong number of arguments'],
    ['port\n', 1, 'port', 'wrong number of arguments'],
    ['port 1 2\n', 1, 'port 1 2', 'wrong number of arguments'],
    ['port 6379 # comment\n', 1, 'port 6379 # comment', 'wrong number of arguments'],
    ['  port abc  \n', 1, 'port abc', "argument couldn't be parsed into an integer"],
    ['port 70000\n', 1, 'port 70000', 'argument must be between 0 and 65535 inclusive'],
    ['maxmemory 1x\n', 1, 'maxmemory 1x', 'argument must be a memory value'],
    ['port "6379\n', 1, 'port "6379', 'Unbalanced quotes in configuration line'],
    ["port 'a'b\n", 1, "port 'a'b", 'Unbalanced quotes in configuration line'],
    ['daemonize maybe\n', 1, 'daemonize maybe', "argument must be 'yes' or 'no'"],
    ['loglevel loud\n', 1, 'loglevel loud', 'argument(s) must be one of the following: debug, verbose, notice, warning, nothing'],
    ['save 1\n', 1, 'save 1', 'Invalid save parameters'],
    ['notify-keyspace-events Q\n', 1, 'notify-keyspace-events Q', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
    ['replicaof x\n', 1, 'replicaof x', 'wrong number of arguments'],
    ['replicaof a b\n', 1, 'replicaof a b', 'Invalid master port'],
    ['dir /nonexistent-redoubt\n', 1, 'dir /nonexistent-redoubt', 'No such file or directory'],
    ['sentinel monitor m 127.0.0.1 6379 2\n', 1, 'sentinel monitor m 127.0.0.1 6379 2', 'sentinel directive while not in sentinel mode'],
    ['sentinel\n', 1, 'sentinel', 'Sentinel mode is not supported by Redoubt'],
    ['user\n', 1, 'user', 'Bad directive or wrong number of arguments'],
    ['loadmodule\n', 1, 'loadmodule', 'Bad directive or wrong number of arguments'],
    ['include\n', 1, 'include', 'Bad directive or wrong number of arguments'],
    ['mymod.opt\n', 1, 'mymod.opt', 'Module config specified without value'],
    ['mymod.opt 1\n', 1, 'mymod.opt 1', 'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting'],
    ['loadmodule /x.so\n', 1, 'loadmodule /x.so', "'loadmodule' is not supported yet by Redoubt: refusing to start rather than run without it"],
    ['loadmodule /x.so\n', 1, 'loadmodule /x.so', "'loadmodule' is not supported yet by Redoubt: refusing to start rather than run without it"],
    ['masterauth a b\n', 1, 'masterauth (redacted)', 'wrong number of arguments'],
    ['enable-debug-command maybe\n', 1, 'enable-debug-command maybe', "argument(s) must be one of the following: no, yes, local"],
  ];
  for (const [text, lineNumber, line, reason] of cases) {
    const e = lineError(text);
    assert.deepEqual({ lineNumber: e.lineNumber, line: e.line, reason: e.reason }, { lineNumber, line, reason }, text);
  }
});

test('the AUTH throttle directives: the blocking ones are refused with the reason, the rest load', () => {
  for (const name of ['auth-throttle-threshold', 'auth-throttle-source-threshold', 'auth-throttle-block-time']) {
    const e = lineError(`port 1\n${name} 10\n`);
    assert.equal(e.lineNumber, 2);
    assert.equal(
      formatFatalConfigError(e),
      `\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 2\n>>> '${name} 10'\n'${name}' was removed: the AUTH throttle no longer blocks users or addresses (a correct password is never refused). ` +
        'Delete the line; see auth-throttle-checks-per-minute, auth-throttle-max-unauthenticated and auth-throttle-max-delay.\n',
    );
  }
  const { store, err } = load(
    'auth-throttle yes\nauth-throttle-exempt-loopback no\nauth-throttle-free-failures 5\nauth-throttle-max-delay 2000\n' +
      'auth-throttle-checks-per-minute 20\nauth-throttle-max-wait 5000\nauth-throttle-max-unauthenticated 0\n',
  );
  assert.equal(err, null);
  assert.equal(store.get('auth-throttle-exempt-loopback'), 'no');
  assert.equal(store.get('auth-throttle-checks-per-minute'), '20');
  // the waits are capped at 5 s by the ranges
  assert.equal(lineError('auth-throttle-max-wait 5001\n').reason, 'argument must be between 0 and 5000 inclusive');
  assert.equal(lineError('auth-throttle-max-delay 60000\n').reason, 'argument must be between 0 and 5000 inclusive');
  assert.equal(lineError('auth-throttle-checks-per-minute 0\n').reason, 'argument must be between 1 and 2147483647 inclusive');
  // loopback and the unix socket are exempt by default
  assert.equal(new ConfigStore(configTable).get('auth-throttle-exempt-loopback'), 'yes');
});

test("Redis's own test config: enable-debug-command and enable-module-command yes/local load", () => {
  for (const v of ['yes', 'local']) {
    const { err } = load(`enable-debug-command ${v}\nenable-module-command ${v}\n`);
    assert.equal(err, null, v);
  }
});

test('security directives at their default values are accepted', () => {
  const { err } = load('tls-port 0\nrequirepass ""\nenable-debug-command no\nenable-module-command no\naclfile ""\nmasterauth ""\n');
  assert.equal(err, null);
});

test('an unopenable logfile is reported without a line, as Redis does', () => {
  const e = lineError('logfile /nonexistent-redoubt-dir/x.log\n');
  assert.equal(e.lineNumber, null);
  assert.equal(e.reason, "Can't open the log file: No such file or directory");
  assert.equal(formatFatalConfigError(e), "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nCan't open the log file: No such file or directory\n");
});

test('the FATAL block is byte for byte redis-server\'s', () => {
  const e = lineError('port 1\n\nfoo bar\n');
  assert.equal(
    formatFatalConfigError(e),
    "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
  );
});

test('include: relative to the working directory, nested, in place, with its own line numbers; globs sorted; empty globs ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-conf-'));
  const cwd = process.cwd();
  try {
    mkdirSync(join(dir, 'conf.d'));
    mkdirSync(join(dir, 'empty.d'));
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'hz 30\n');
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'hz 20\ntimeout 9\n');
    writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'hz 99\n');
    writeFileSync(join(dir, 'nested.conf'), 'include conf.d/*.conf\nmaxclients 77\n');
    writeFileSync(join(dir, 'bad.conf'), '# ok\n\nnope 1\n');
    process.chdir(dir);
    const { store, err } = load('hz 10\ninclude nested.conf\ninclude empty.d/*.conf\ntcp-keepalive 5\n');
    assert.equal(err, null);
    assert.equal(store.get('hz'), '30', 'b.conf comes after a.conf; dot files are not matched');
    assert.equal(store.get('timeout'), '9');
    assert.equal(store.get('maxclients'), '77');
    assert.equal(store.get('tcp-keepalive'), '5');
    // a later line overrides an include
    assert.equal(load('include nested.conf\nmaxclients 5\n').store.get('maxclients'), '5');
    const e = lineError('hz 1\ninclude bad.conf\n');
    assert.equal(e.lineNumber, 3);
    assert.equal(e.line, 'nope 1');
    assert.equal(e.file, 'bad.conf');
    const missing = load('include missing.conf\n').err;
    assert.deepEqual(missing, { kind: 'open', path: 'missing.conf', reason: 'No such file or directory' });
    assert.equal(formatOpenError(missing as { kind: 'open'; path: string; reason: string }), "Fatal error, can't open config file 'missing.conf': No such file or directory");
    assert.deepEqual(globFiles(join(dir, 'conf.d', '[ab].conf')), [join(dir, 'conf.d', 'a.conf'), join(dir, 'conf.d', 'b.conf')]);
    assert.deepEqual(globFiles(join(dir, 'conf.d', '?.conf')).length, 2);
    assert.deepEqual(globFiles(join(dir, '*', 'a.conf')), [join(dir, 'conf.d', 'a.conf')]);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('combined sources: file, then stdin, then "\\n" and the options (line numbers count through)', () => {
  assert.equal(combineConfigSources('port 1\n', 'hz 3\n', 'hz 4 '), 'port 1\nhz 3\n\nhz 4 ');
  assert.equal(combineConfigSources(null, null, ''), '');
  const e = lineError(combineConfigSources('port 1\n# x\n', null, 'hz "abc" '));
  assert.equal(e.lineNumber, 4);
  assert.equal(e.line, 'hz "abc"');
});

test('a memory value for every unit in a file', () => {
  const { store, err } = load('maxmemory 2g\nrepl-backlog-size 3kb\nproto-max-bulk-len 1MB\nclient-query-buffer-limit 2GB\n');
  assert.equal(err, null);
  assert.equal(store.get('maxmemory'), '2000000000');
  assert.equal(store.get('repl-backlog-size'), '3072');
  assert.equal(store.get('proto-max-bulk-len'), '1048576');
  assert.equal(store.get('client-query-buffer-limit'), '2147483648');
});

test('issue 15: directives whose no-op would change what is kept or who may write are refused, naming the line', () => {
  // replicaof, masterauth/masteruser and min-replicas-to-write load now (issue 16: the
  // replica side follows the primary it names, the primary side refuses writes without
  // enough replicas); the line-numbered refusal is checked on a directive still refused
  const e = lineError('port 7000\nreplicaof 127.0.0.1 7699\nmin-replicas-to-write 1\ncluster-enabled yes\n');
  assert.equal(e.lineNumber, 4);
  assert.equal(load('slaveof 10.0.0.1 6380\nmasterauth "p w"\nmasteruser repl\n').store.get('replicaof'), '10.0.0.1 6380');
  assert.equal(load('masterauth "p w"\n').store.get('masterauth'), 'p w');
  assert.equal(load('min-slaves-to-write 3\n').store.get('min-replicas-to-write'), '3');
  const refused: [string, string][] = [
    ['cluster-enabled yes', 'cluster-enabled yes'],
    ['aof-disable-auto-gc yes', 'aof-disable-auto-gc yes'],
  ];
  for (const [line, shown] of refused) {
    const r = lineError(`${line}\n`);
    assert.equal(r.line, line);
    assert.match(r.reason, new RegExp(`^'${shown}' is refused: `), line);
  }
  // their defaults, and tuning-only directives, still load (an existing redis.conf keeps working)
  const { store, err } = load(
    'replicaof no one\nmin-replicas-to-write 0\nmin-replicas-max-lag 20\ncluster-enabled no\nshutdown-on-sigterm now force\n' +
      'aof-disable-auto-gc no\nrepl-backlog-size 10mb\nreplica-read-only yes\nhash-max-listpack-entries 64\nlazyfree-lazy-eviction yes\n',
  );
  assert.equal(err, null);
  assert.equal(store.get('shutdown-on-sigterm'), 'now force');
  // shutdown-on-sig* save|nosave are real (main.ts's signal handler): they load as Redis's
  assert.equal(load('shutdown-on-sigterm nosave now\nshutdown-on-sigint save\n').store.get('shutdown-on-sigterm'), 'nosave now');
  assert.equal(store.get('min-replicas-max-lag'), '20');
});

test('issue 15: a multi-argument directive given one quoted argument is split, as redis-server does', () => {
  const { store, err } = load('latency-tracking-info-percentiles "50 99 99.9"\nsave "60 1 300 10"\nbind "127.0.0.1 -::1"\n');
  assert.equal(err, null);
  assert.equal(store.get('latency-tracking-info-percentiles'), '50 99 99.9');
  assert.equal(store.get('save'), '60 1 300 10');
  assert.equal(store.get('bind'), '127.0.0.1 -::1');
  // "" is still no argument at all
  assert.equal(load('save ""\n').store.get('save'), '');
  assert.equal(lineError('latency-tracking-info-percentiles "50 abc"\n').reason, 'Invalid latency-tracking-info-percentiles parameters');
});

test('save "" after other save lines empties the list, and later lines append to the empty list (redis-server 7.2)', () => {
  // what `redis-server file.conf --save ""` loads when the file has `save 900 1`
  assert.equal(load('save 900 1\nsave ""\n').store.get('save'), '');
  assert.equal(load('save 900 1\nsave ""\nsave 100 100\n').store.get('save'), '100 100');
  assert.equal(load('save 900 1\nsave 100 100\n').store.get('save'), '900 1 100 100');
});

test('gateway-sentinel: repeatable, exclusive with gateway-upstream (the later line named), needs its master name', () => {
  const { store, err } = load('gateway-sentinel 127.0.0.1:26379\ngateway-sentinel 127.0.0.1:26380 [::1]:26381\ngateway-sentinel-master mymaster\ngateway-sentinel-pass s3cret\n');
  assert.equal(err, null);
  assert.equal(store.get('gateway-sentinel'), '127.0.0.1:26379 127.0.0.1:26380 [::1]:26381');
  assert.equal(store.get('gateway-sentinel-master'), 'mymaster');
  const cases: [string, number | null, string | null, RegExp][] = [
    ['gateway-upstream 127.0.0.1:7000\ngateway-sentinel 127.0.0.1:26379\ngateway-sentinel-master m\n', 2, 'gateway-sentinel 127.0.0.1:26379', /^gateway-sentinel and gateway-upstream are mutually exclusive/],
    ['gateway-sentinel 127.0.0.1:26379\ngateway-sentinel-master m\n# c\ngateway-upstream 127.0.0.1:7000\n', 4, 'gateway-upstream 127.0.0.1:7000', /^gateway-upstream and gateway-sentinel are mutually exclusive/],
    ['gateway-sentinel 127.0.0.1\n', 1, 'gateway-sentinel 127.0.0.1', /^Invalid upstream address '127.0.0.1': expected host:port$/],
    ['gateway-sentinel 127.0.0.1:26379\n', null, null, /^gateway-sentinel needs gateway-sentinel-master/],
    ['gateway-sentinel-master m\n', null, null, /^gateway-sentinel-master needs gateway-sentinel host:port/],
    ['gateway-upstream 127.0.0.1:7000\ngateway-sentinel-pass pw\n', null, null, /^gateway-sentinel-user\/gateway-sentinel-pass need gateway-sentinel/],
  ];
  for (const [text, lineNumber, line, reason] of cases) {
    const e = lineError(text);
    assert.deepEqual({ lineNumber: e.lineNumber, line: e.line }, { lineNumber, line }, text);
    assert.match(e.reason, reason, text);
  }
  // the sentinel password is a secret: CONFIG GET never shows it
  assert.ok(configTable.find((d) => d.name === 'gateway-sentinel-pass')?.flags?.includes('secret'));
});
