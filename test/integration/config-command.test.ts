import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findOnPath } from '../helpers/redis-oracle.js';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import { loadConfigText } from '../../src/config/config-file.js';

/** redis-cli, asynchronously (the server runs in this process), bounded by a timeout. */
function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}
const noCli = findOnPath('redis-cli') === null ? 'SKIPPED: no redis-cli on PATH' : false;

test('CONFIG GET: several patterns, aliases, hidden only by exact name, RESP2 flat and RESP3 map', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'GET', 'hz', 'timeout'), '*4\r\n$2\r\nhz\r\n$2\r\n10\r\n$7\r\ntimeout\r\n$1\r\n0\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'HZ', 'hz'), '*2\r\n$2\r\nHZ\r\n$2\r\n10\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'slaveof'), '*2\r\n$7\r\nslaveof\r\n$0\r\n\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'use-exit-on-panic'), '*2\r\n$17\r\nuse-exit-on-panic\r\n$2\r\nno\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'use-exit-*'), '*0\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'nope'), '*0\r\n');
    assert.equal(await c.call('CONFIG', 'GET'), "-ERR wrong number of arguments for 'config|get' command\r\n");
    const all = await c.call('CONFIG', 'GET', '*');
    assert.ok(all.includes('$20\r\nhash-max-ziplist-entries\r\n'.slice(4)), 'aliases are listed by CONFIG GET *');
    assert.ok(!all.includes('use-exit-on-panic'));
    await c.call('HELLO', '3');
    assert.equal(await c.call('CONFIG', 'GET', 'hz'), '%1\r\n$2\r\nhz\r\n$2\r\n10\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET: several pairs take effect together; owner hooks run', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '2mb', 'loglevel', 'warning', 'maxclients', '50'), '+OK\r\n');
    assert.equal(srv.server.limits.parser.maxBulkLen, 2 * 1024 * 1024);
    assert.equal(srv.server.logger.level, 'warning');
    assert.equal(srv.server.config.int('maxclients'), 50);
    // hz is clamped to 1..500 as Redis does, and CONFIG GET shows the clamped value
    assert.equal(await c.call('CONFIG', 'SET', 'hz', '1000'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$3\r\n500\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET is all-or-nothing: a bad later value rolls back the earlier ones', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(
      await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '4mb', 'timeout', '30', 'maxmemory', 'lots'),
      "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n",
    );
    assert.equal(srv.server.config.get('timeout'), '0');
    assert.equal(srv.server.config.get('proto-max-bulk-len'), '536870912');
    assert.equal(srv.server.limits.parser.maxBulkLen, 536870912);
    assert.equal(
      await c.call('CONFIG', 'SET', 'timeout', '5', 'slave-priority', 'x'),
      "-ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer\r\n",
    );
    assert.equal(srv.server.config.get('timeout'), '0');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET runs each owner hook once however many of its settings changed, and a refusing hook rolls everything back', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const config = srv.server.config;
    const runs: string[] = [];
    // one hook for two settings (as TLS registers one for every tls-* context setting)
    config.onChange(['slowlog-max-len', 'slowlog-log-slower-than'], (v) => (runs.push(v), null));
    assert.equal(await c.call('CONFIG', 'SET', 'slowlog-max-len', '5', 'slowlog-log-slower-than', '7'), '+OK\r\n');
    assert.deepEqual(runs, ['5'], 'once, with the value of the first changed setting');
    // an unchanged value runs nothing
    assert.equal(await c.call('CONFIG', 'SET', 'slowlog-max-len', '5'), '+OK\r\n');
    assert.deepEqual(runs, ['5']);
    // the owners' own hooks ran too
    assert.equal(srv.server.slowlog.maxLen, 5);
    assert.equal(srv.server.slowlog.threshold, 7);

    let refuse = true;
    config.onChange('latency-monitor-threshold', () => (refuse ? 'not now' : null));
    assert.equal(
      await c.call('CONFIG', 'SET', 'slowlog-max-len', '9', 'latency-monitor-threshold', '100'),
      "-ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') - not now\r\n",
    );
    assert.equal(config.get('slowlog-max-len'), '5');
    assert.equal(config.get('latency-monitor-threshold'), '0');
    // the hooks that ran were run again with the restored values
    assert.equal(srv.server.slowlog.maxLen, 5);
    assert.equal(srv.server.latency.threshold, 0);
    refuse = false;
    assert.equal(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '100'), '+OK\r\n');
    assert.equal(srv.server.latency.threshold, 100);
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET error texts: unknown, duplicate, immutable, protected, unsupported security', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'nope', '1'), "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n");
    assert.equal(await c.call('CONFIG', 'SET', 'hz', '1', 'HZ', '2'), "-ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter\r\n");
    assert.equal(await c.call('CONFIG', 'SET', 'Databases', '2'), "-ERR CONFIG SET failed (possibly related to argument 'Databases') - can't set immutable config\r\n");
    assert.equal(await c.call('CONFIG', 'SET', 'dir', '/tmp'), "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n");
    assert.equal(await c.call('CONFIG', 'SET', 'dbfilename', 'x.rdb'), "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n");
    // the replica's credentials (issue 16)
    assert.equal(await c.call('CONFIG', 'SET', 'masterauth', 'hunter2'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'masteruser', 'repl'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'masterauth', ''), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'hz'), "-ERR wrong number of arguments for 'config|set' command\r\n");
    assert.equal(await c.call('CONFIG', 'SET', 'hz', '1', 'timeout'), '-ERR syntax error\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('issue 15: CONFIG SET refuses the values whose no-op would change what is kept or who may write', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.match(await c.call('CONFIG', 'SET', 'aof-disable-auto-gc', 'yes'), /^-ERR CONFIG SET failed .* - 'aof-disable-auto-gc yes' is refused/);
    // all or nothing: the refusal rolls back the pair before it
    assert.match(await c.call('CONFIG', 'SET', 'hz', '33', 'aof-disable-auto-gc', 'yes'), /^-ERR CONFIG SET failed \(possibly related to argument 'aof-disable-auto-gc'\)/);
    assert.equal(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$2\r\n10\r\n');
    // min-replicas-to-write is real since issue 16 (replication/primary-side.ts): accepted at any value
    assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'min-replicas-to-write'), '*2\r\n$21\r\nmin-replicas-to-write\r\n$1\r\n1\r\n');
    // defaults and tuning-only values are still accepted
    assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-to-write', '0', 'shutdown-on-sigterm', 'now', 'repl-timeout', '30'), '+OK\r\n');
    // and the node stays a writable master only because nothing asked it to be anything else
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('enable-protected-configs local lets a loopback client set dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-dir-'));
  const srv = await startTestServer({ config: [['enable-protected-configs', 'local']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'dir', dir), '+OK\r\n');
    assert.equal(srv.server.config.get('dir'), dir);
    assert.equal(
      await c.call('CONFIG', 'SET', 'dir', join(dir, 'missing')),
      "-ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory\r\n",
    );
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sensitive values are redacted from the slow log even when CONFIG SET fails', async () => {
  const srv = await startTestServer({ config: [['slowlog-log-slower-than', '0']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('CONFIG', 'SET', 'masterauth', 'topsecret', 'hz', '5');
    const entry = srv.server.slowlog.entries.find((e) => e.argv[0] === 'CONFIG');
    assert.ok(entry !== undefined);
    assert.deepEqual(entry.argv, ['CONFIG', 'SET', 'masterauth', '(redacted)', 'hz', '5']);
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG RESETSTAT zeroes server, command and error statistics', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'k', 'v');
    await c.call('GET', 'k');
    await c.call('NOSUCHCMD');
    const get = srv.server.commands.byFullName('get')!;
    assert.equal(get.stats.calls, 1);
    assert.ok(srv.server.stats.errors.size > 0);
    assert.equal(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
    assert.equal(get.stats.calls, 0);
    assert.equal(srv.server.stats.errors.size, 0);
    assert.equal(srv.server.stats.totalErrorReplies, 0);
    // the RESETSTAT call itself is counted after the reset, like Redis
    assert.ok(srv.server.stats.totalCommands <= 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG HELP lists the subcommands as status lines', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const r = await c.call('CONFIG', 'HELP');
    assert.ok(r.startsWith('*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n'));
    assert.ok(r.endsWith('+HELP\r\n+    Prints this help.\r\n'));
    assert.equal(await c.call('CONFIG', 'NOPE'), "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n");
    assert.equal(await c.call('CONFIG'), "-ERR wrong number of arguments for 'config' command\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG REWRITE: without a file it refuses; with one it keeps comments and writes changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-rewrite-'));
  const file = join(dir, 'redoubt.conf');
  writeFileSync(file, '# my settings\nhz 10\n\n# limits\nmaxclients 100\n');
  const store = new ConfigStore(configTable);
  assert.equal(loadConfigText(store, readFileSync(file, 'latin1')), null);
  store.configFile = file;
  const srv = await startTestServer({ store });
  const bare = await startTestServer();
  const c = await RawClient.connect(srv.port);
  const b = await RawClient.connect(bare.port);
  try {
    assert.equal(await b.call('CONFIG', 'REWRITE'), '-ERR The server is running without a config file\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'hz', '25', 'maxmemory', '2gb', 'maxclients', '10000'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
    const text = readFileSync(file, 'latin1');
    assert.match(text, /^# my settings\nhz 25\n\n# limits\nmaxclients 10000\n\n# Generated by CONFIG REWRITE\n/);
    assert.match(text, /^maxmemory 2gb$/m);
    // the rewritten file loads back to the same configuration
    const again = new ConfigStore(configTable);
    assert.equal(loadConfigText(again, text), null);
    for (const n of ['hz', 'maxmemory', 'maxclients', 'port'] as const) assert.equal(again.get(n), srv.server.config.get(n), n);
  } finally {
    c.close();
    b.close();
    await srv.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG REWRITE keeps the file owner-only and writes user passwords as digests, never in clear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-rewrite-mode-'));
  const file = join(dir, 'redoubt.conf');
  // An operator's file left world-readable: the rewrite must not keep (or create) it so.
  writeFileSync(file, 'hz 10\n');
  chmodSync(file, 0o644);
  const store = new ConfigStore(configTable);
  assert.equal(loadConfigText(store, readFileSync(file, 'latin1')), null);
  store.configFile = file;
  const srv = await startTestServer({ store });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('ACL', 'SETUSER', 'app_cache', 'on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'latin1');
    assert.ok(!text.includes('StrongPassword123!'), text);
    assert.ok(text.includes(`user app_cache on sanitize-payload #${createHash('sha256').update('StrongPassword123!').digest('hex')} `), text);
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG REWRITE never writes requirepass in clear: the default user line carries its digest, and the file loads back to the same password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-rewrite-requirepass-'));
  const file = join(dir, 'redoubt.conf');
  writeFileSync(file, 'requirepass FirstSecret-77\nhz 10\n');
  const store = new ConfigStore(configTable);
  assert.equal(loadConfigText(store, readFileSync(file, 'latin1')), null);
  store.configFile = file;
  const srv = await startTestServer({ store });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('AUTH', 'FirstSecret-77'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'requirepass', 'SecondSecret-88'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
    const text = readFileSync(file, 'latin1');
    assert.ok(!text.includes('FirstSecret-77') && !text.includes('SecondSecret-88'), text);
    assert.doesNotMatch(text, /^requirepass/m);
    assert.ok(text.includes(`user default on sanitize-payload #${createHash('sha256').update('SecondSecret-88').digest('hex')} `), text);
  } finally {
    c.close();
    await srv.close();
  }
  // the rewritten file starts a server that takes the password set at run time, and only it
  const again = new ConfigStore(configTable);
  assert.equal(loadConfigText(again, readFileSync(file, 'latin1')), null);
  const srv2 = await startTestServer({ store: again });
  const c2 = await RawClient.connect(srv2.port);
  try {
    assert.match(await c2.call('AUTH', 'FirstSecret-77'), /^-WRONGPASS/);
    assert.equal(await c2.call('AUTH', 'SecondSecret-88'), '+OK\r\n');
  } finally {
    c2.close();
    await srv2.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ioredis and node-redis drive CONFIG GET/SET', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port, { enableReadyCheck: false });
  const nr = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  try {
    assert.deepEqual(await io.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    assert.equal(await io.config('SET', 'maxmemory-policy', 'allkeys-lfu'), 'OK');
    assert.equal(srv.server.keyspace.lfuEnabled(), true);
    await nr.connect();
    assert.deepEqual(await nr.configGet('maxmemory-*'), {
      'maxmemory-policy': 'allkeys-lfu',
      'maxmemory-samples': '5',
      'maxmemory-eviction-tenacity': '10',
      'maxmemory-clients': '0',
    });
    assert.equal(await nr.configSet({ 'slowlog-max-len': '12', timeout: '7' }), 'OK');
    assert.equal(srv.server.config.int('slowlog-max-len'), 12);
    assert.equal(srv.server.config.int('timeout'), 7);
  } finally {
    io.disconnect();
    if (nr.isOpen) await nr.quit().catch(() => nr.disconnect());
    await srv.close();
  }
});

test('redis-cli CONFIG GET/SET/RESETSTAT/REWRITE', { skip: noCli }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-cli-'));
  const file = join(dir, 'r.conf');
  writeFileSync(file, '# kept\ntimeout 0\n');
  const store = new ConfigStore(configTable);
  assert.equal(loadConfigText(store, readFileSync(file, 'latin1')), null);
  store.configFile = file;
  const srv = await startTestServer({ store });
  try {
    assert.equal(await cli(srv.port, 'config', 'set', 'timeout', '60'), 'OK\n');
    assert.equal(await cli(srv.port, 'config', 'rewrite'), 'OK\n');
    assert.match(readFileSync(file, 'latin1'), /^# kept\ntimeout 60\n/);
    assert.equal(await cli(srv.port, 'config', 'get', 'databases'), 'databases\n16\n');
    assert.equal(await cli(srv.port, 'config', 'set', 'latency-monitor-threshold', '100'), 'OK\n');
    assert.equal(await cli(srv.port, 'config', 'get', 'latency-monitor-threshold'), 'latency-monitor-threshold\n100\n');
    assert.equal(await cli(srv.port, 'config', 'resetstat'), 'OK\n');
    assert.equal(
      await cli(srv.port, 'config', 'set', 'unixsocket', '/tmp/never.sock'),
      "ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config\n\n",
    );
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DEBUG CONFIG-REWRITE-FORCE-ALL writes every setting (defaults too) and the file loads back to the same CONFIG GET *', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-rewrite-all-'));
  const file = join(dir, 'redoubt.conf');
  writeFileSync(file, 'enable-debug-command yes\nhz 10\n');
  const store = new ConfigStore(configTable);
  assert.equal(loadConfigText(store, readFileSync(file, 'latin1')), null);
  store.configFile = file;
  const pairs = async (c: RawClient): Promise<string> => (await c.call('CONFIG', 'GET', '*')).split('\r\n').join('\n');
  const srv = await startTestServer({ store });
  const c = await RawClient.connect(srv.port);
  let before = '';
  try {
    assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
    const plain = readFileSync(file, 'latin1');
    assert.doesNotMatch(plain, /^maxmemory-policy /m, 'a plain rewrite leaves defaults out');
    assert.equal(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), '+OK\r\n');
    before = await pairs(c);
  } finally {
    c.close();
    await srv.close();
  }
  const text = readFileSync(file, 'latin1');
  for (const name of ['maxmemory-policy', 'hz', 'appendonly', 'save', 'latency-tracking-info-percentiles']) {
    assert.match(text, new RegExp(`^${name} `, 'm'), name);
  }
  const again = new ConfigStore(configTable);
  assert.equal(loadConfigText(again, text), null);
  again.configFile = file;
  const srv2 = await startTestServer({ store: again });
  const c2 = await RawClient.connect(srv2.port);
  try {
    // the port differs (both run on port 0, each given its own), nothing else
    const strip = (s: string): string => s.replace(/\$4\nport\n\$\d+\n\d+\n/, '');
    assert.equal(strip(await pairs(c2)), strip(before));
  } finally {
    c2.close();
    await srv2.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
