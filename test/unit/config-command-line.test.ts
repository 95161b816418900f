import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/config/command-line.js';

const CWD = '/work';

test('no arguments: defaults, and redis-server\'s "no config file" case', () => {
  const cl = parseCommandLine([], CWD);
  assert.deepEqual(cl, { mode: 'run', configFile: null, stdin: false, options: '', noArguments: true });
});

test('a config file then options; the file is made absolute', () => {
  const cl = parseCommandLine(['redis.conf', '--port', '6380', '--loglevel', 'verbose'], CWD);
  assert.equal(cl.configFile, '/work/redis.conf');
  assert.equal(cl.options, 'port "6380" \nloglevel "verbose" ');
  assert.equal(cl.noArguments, false);
});

test('options with several values, and a name with its value in one argument', () => {
  assert.equal(parseCommandLine(['--bind', '1.2.3.4', '-::1', '--hz', '5'], CWD).options, 'bind "1.2.3.4" "-::1" \nhz "5" ');
  assert.equal(parseCommandLine(['--port 6380'], CWD).options, 'port 6380 ');
  assert.equal(parseCommandLine(['--port 6380', '--hz', '4'], CWD).options, 'port 6380 \nhz "4" ');
  // values are quoted like sdscatrepr so spaces and quotes survive
  assert.equal(parseCommandLine(['--logfile', 'a b"c'], CWD).options, 'logfile "a b\\"c" ');
});

test('"-" reads stdin only as the first or last argument', () => {
  assert.equal(parseCommandLine(['-'], CWD).stdin, true);
  assert.equal(parseCommandLine(['-', '--port', '1'], CWD).stdin, true);
  const last = parseCommandLine(['/etc/x.conf', '--loglevel', 'verbose', '-'], CWD);
  assert.equal(last.stdin, true);
  assert.equal(last.configFile, '/etc/x.conf');
  assert.equal(last.options, 'loglevel "verbose" ');
});

test('--save without a value means save ""', () => {
  assert.equal(parseCommandLine(['--save', '--port', '1'], CWD).options, 'save ""\nport "1" ');
  assert.equal(parseCommandLine(['--port', '1', '--save'], CWD).options, 'port "1" \nsave ""');
  assert.equal(parseCommandLine(['--save', '', '--appendonly', 'no'], CWD).options, 'save "" \nappendonly "no" ');
});

test('--version, -v, --help, -h only as the first argument; --test-config anywhere', () => {
  assert.equal(parseCommandLine(['--version'], CWD).mode, 'version');
  assert.equal(parseCommandLine(['-v'], CWD).mode, 'version');
  assert.equal(parseCommandLine(['--help'], CWD).mode, 'help');
  assert.equal(parseCommandLine(['-h'], CWD).mode, 'help');
  assert.equal(parseCommandLine(['--port', '1', '--version'], CWD).mode, 'run');
  const t = parseCommandLine(['x.conf', '--test-config', '--port', '5'], CWD);
  assert.equal(t.mode, 'test-config');
  assert.equal(t.configFile, '/work/x.conf');
  assert.equal(t.options, 'port "5" ');
});

test('an argument that is not an option becomes a quoted word on the current line', () => {
  assert.equal(parseCommandLine(['--foo', 'bar', 'x', 'y'], CWD).options, 'foo "bar" "x" "y" ');
  assert.equal(parseCommandLine(['-x'], CWD).options, '"-x" ');
});
