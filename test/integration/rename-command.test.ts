/**
 * rename-command (config only): the command answers to its new name only, "" disables it,
 * COMMAND and ACL LOG show the new name, ACL rules follow the command (not its name),
 * and bad lines stop start-up with Redis's reasons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import { loadConfigText } from '../../src/config/config-file.js';
import { CommandTable, renameChecker } from '../../src/command-context/command-table.js';
import { allCommands } from '../../src/commands/index.js';

test('renamed and disabled commands; ACL rules follow the command', async () => {
  const srv = await startTestServer({
    config: [
      ['rename-command', 'FLUSHALL', 'wipe-9f2c'],
      ['rename-command', 'config', ''],
      ['user', 'ops', 'on', '>pw', '~*', '+get', '+flushall'],
      ['user', 'app', 'on', '>pw', '~*', '+get'],
    ],
  });
  const c = await RawClient.connect(srv.port);
  try {
    assert.match(await c.call('FLUSHALL'), /^-ERR unknown command 'FLUSHALL'/);
    assert.match(await c.call('CONFIG', 'GET', 'port'), /^-ERR unknown command 'CONFIG'/);
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.call('wipe-9f2c'), '+OK\r\n');
    assert.equal(await c.call('EXISTS', 'k'), ':0\r\n');
    // COMMAND shows the new name; the disabled command is gone
    assert.match(await c.call('COMMAND', 'INFO', 'wipe-9f2c'), /^\*1\r\n\*10\r\n\$9\r\nwipe-9f2c\r\n/);
    assert.equal(await c.call('COMMAND', 'INFO', 'config'), '*1\r\n$-1\r\n');
    // the rule +flushall still grants the command under its new name
    assert.equal(await c.call('AUTH', 'ops', 'pw'), '+OK\r\n');
    assert.equal(await c.call('wipe-9f2c'), '+OK\r\n');
    assert.equal(await c.call('AUTH', 'app', 'pw'), '+OK\r\n');
    assert.equal(await c.call('wipe-9f2c'), "-NOPERM User app has no permissions to run the 'flushall' command\r\n");
    const admin = await RawClient.connect(srv.port);
    assert.match(await admin.call('ACL', 'LOG', '1'), /\$6\r\nobject\r\n\$9\r\nwipe-9f2c\r\n/);
    admin.close();
  } finally {
    c.close();
    await srv.close();
  }
});

test('bad rename-command lines: Redis reasons with the line', () => {
  const load = (text: string) => {
    const s = new ConfigStore(configTable);
    s.renameValidator = renameChecker(new CommandTable(allCommands));
    return loadConfigText(s, text);
  };
  assert.equal(load('rename-command flushall x1\nrename-command flushdb x2\n'), null);
  const e1 = load('rename-command nosuch x\n');
  assert.ok(e1 !== null && 'reason' in e1 && e1.reason === 'No such command in rename-command');
  const e2 = load('rename-command flushall get\n');
  assert.ok(e2 !== null && 'reason' in e2 && e2.reason === 'Target command name already exists');
  const e3 = load('rename-command flushall x\nrename-command flushall y\n');
  assert.ok(e3 !== null && 'lineNumber' in e3 && e3.lineNumber === 2 && e3.reason === 'No such command in rename-command');
  const e4 = load('rename-command flushall\n');
  assert.ok(e4 !== null && 'reason' in e4 && e4.reason === 'Bad directive or wrong number of arguments');
});
