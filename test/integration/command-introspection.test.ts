import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

/** COMMAND INFO get, byte for byte as redis-server 7.x sends it in RESP2. */
const GET_INFO_RESP2 =
  '*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n' +
  '*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n' +
  '$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n';

/** The same in RESP3: flags, categories, tips and key specs are sets; specs are maps. */
const GET_INFO_RESP3 =
  '*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n' +
  '~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n' +
  '$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n';

test('COMMAND INFO: exact RESP2 and RESP3 bytes, nil for unknown names, container|sub names', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('COMMAND', 'INFO', 'get'), `*1\r\n${GET_INFO_RESP2}`);
    assert.equal(await c.call('COMMAND', 'INFO', 'nosuch', 'GET'), `*2\r\n$-1\r\n${GET_INFO_RESP2}`);
    assert.equal(await c.call('COMMAND', 'INFO', 'get|x'), '*1\r\n$-1\r\n', 'GET has no subcommands');
    assert.equal(await c.call('COMMAND', 'INFO', 'client|list|x'), '*1\r\n$-1\r\n');
    const sub = await c.call('COMMAND', 'INFO', 'CLIENT|LIST');
    assert.ok(sub.startsWith('*1\r\n*10\r\n$11\r\nclient|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n'));
    const container = await c.call('COMMAND', 'INFO', 'client');
    assert.ok(container.startsWith('*1\r\n*10\r\n$6\r\nclient\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*'), container.slice(0, 120));
    assert.ok(container.includes('$11\r\nclient|kill\r\n'));
    await c.call('HELLO', '3');
    assert.equal(await c.call('COMMAND', 'INFO', 'get'), `*1\r\n${GET_INFO_RESP3}`);
    assert.equal(await c.call('COMMAND', 'INFO', 'nosuch'), '*1\r\n_\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('COMMAND and COMMAND COUNT cover every top-level command, subcommands nested', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  try {
    const count = (await io.call('COMMAND', 'COUNT')) as number;
    assert.equal(count, srv.server.commands.visible().length);
    const all = (await io.call('COMMAND')) as unknown[][];
    assert.equal(all.length, count);
    for (const e of all) assert.equal(e.length, 10);
    const names = all.map((e) => e[0]);
    for (const n of ['get', 'set', 'client', 'command', 'info', 'slowlog', 'latency', 'time', 'shutdown']) assert.ok(names.includes(n), n);
    const info = (await io.call('COMMAND', 'INFO', 'command')) as unknown[][];
    assert.equal(info[0]![0], 'command');
    const subs = (info[0]![9] as unknown[][]).map((s) => s[0]).sort();
    assert.deepEqual(subs, ['command|count', 'command|docs', 'command|getkeys', 'command|getkeysandflags', 'command|help', 'command|info', 'command|list']);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('COMMAND DOCS: documentation maps, subcommands, deprecation, unknown names skipped', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  try {
    const docs = (await io.call('COMMAND', 'DOCS', 'get', 'nosuch')) as unknown[];
    assert.equal(docs.length, 2, 'one name, one doc map');
    assert.equal(docs[0], 'get');
    const get = docs[1] as unknown[];
    const m = new Map<string, unknown>();
    for (let i = 0; i < get.length; i += 2) m.set(get[i] as string, get[i + 1]);
    assert.deepEqual([...m.keys()].slice(0, 4), ['summary', 'since', 'group', 'complexity']);
    if (m.has('arguments')) {
      const key = (m.get('arguments') as unknown[][])[0]!;
      assert.deepEqual(key.slice(0, 8), ['name', 'key', 'type', 'key', 'display_text', 'key', 'key_spec_index', 0]);
    }
    assert.equal(m.get('since'), '1.0.0');
    assert.equal(m.get('group'), 'string');

    const kill = (await io.call('COMMAND', 'DOCS', 'client|kill')) as unknown[];
    assert.equal(kill[0], 'client|kill');
    const km = kill[1] as unknown[];
    assert.equal(km[km.length - 2], 'arguments');

    const client = (await io.call('COMMAND', 'DOCS', 'client')) as unknown[];
    const cm = client[1] as unknown[];
    assert.equal(cm[cm.length - 2], 'subcommands');
    const subs = cm[cm.length - 1] as unknown[];
    assert.ok(subs.includes('client|setinfo'));

    const quit = (await io.call('COMMAND', 'DOCS', 'quit')) as unknown[];
    const qm = quit[1] as unknown[];
    assert.ok(qm.includes('doc_flags') && qm.includes('deprecated_since'));

    assert.deepEqual(await io.call('COMMAND', 'DOCS', 'nosuch'), []);
    const everything = (await io.call('COMMAND', 'DOCS')) as unknown[];
    assert.equal(everything.length / 2, srv.server.commands.visible().length);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('COMMAND DOCS arguments carry key_spec_index for keys (RESP3 map shape)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('HELLO', '3');
    const raw = await c.call('COMMAND', 'DOCS', 'client|no-touch');
    assert.ok(raw.startsWith('%1\r\n$15\r\nclient|no-touch\r\n%'));
    assert.ok(raw.includes('$7\r\nsummary\r\n') && raw.includes('$5\r\nsince\r\n$5\r\n7.2.0\r\n'));
    assert.ok(raw.includes('$4\r\ntype\r\n$5\r\noneof\r\n'));
  } finally {
    c.close();
    await srv.close();
  }
});

test('COMMAND LIST with FILTERBY MODULE, ACLCAT and PATTERN; syntax errors', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  try {
    const all = (await io.call('COMMAND', 'LIST')) as string[];
    assert.equal(all.length, srv.server.commands.all.length, 'commands and subcommands');
    assert.ok(all.includes('client|list') && all.includes('get'));
    assert.deepEqual(await io.call('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'anything'), []);
    const conn = (await io.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'CONNECTION')) as string[];
    assert.ok(conn.includes('client|id') && conn.includes('ping') && !conn.includes('get'));
    assert.deepEqual(await io.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuchcategory'), []);
    const slow = (await io.call('COMMAND', 'LIST', 'FILTERBY', 'pattern', 'SLOWLOG*')) as string[];
    assert.deepEqual(slow.sort(), ['slowlog', 'slowlog|get', 'slowlog|help', 'slowlog|len', 'slowlog|reset']);
    await assert.rejects(io.call('COMMAND', 'LIST', 'FILTERBY', 'color', 'red'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(io.call('COMMAND', 'LIST', 'FILTERBY', 'aclcat'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(io.call('COMMAND', 'LIST', 'bogus'), /^ReplyError: ERR syntax error$/);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('COMMAND GETKEYS / GETKEYSANDFLAGS: keys, flags and the Redis errors', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'set', 'k', 'v'), '*1\r\n$1\r\nk\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'MGET', 'a', 'b'), '*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v'), '*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'GET'), '*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'nosuch', 'x'), '-ERR Invalid command specified\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'client', 'nosuch'), '-ERR Invalid command specified\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'ping', 'x'), '-ERR The command has no key arguments\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'client', 'list'), '-ERR The command has no key arguments\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'get', 'a', 'b'), '-ERR Invalid number of arguments specified for command\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'get'), '-ERR Invalid number of arguments specified for command\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS'), "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
    await c.call('HELLO', '3');
    assert.equal(await c.call('COMMAND', 'GETKEYSANDFLAGS', 'get', 'k'), '*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+RO\r\n+access\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('renamed commands are described under their new name; disabled ones disappear', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const before = Number(/^:(\d+)/.exec(await c.call('COMMAND', 'COUNT'))![1]);
    assert.ok(srv.server.commands.rename('get', 'fetch'));
    assert.ok(srv.server.commands.rename('client', 'conn'));
    assert.ok(srv.server.commands.rename('time', ''));
    assert.equal(await c.call('COMMAND', 'COUNT'), `:${before - 1}\r\n`);
    assert.equal(await c.call('COMMAND', 'INFO', 'get'), '*1\r\n$-1\r\n');
    assert.ok((await c.call('COMMAND', 'INFO', 'fetch')).startsWith('*1\r\n*10\r\n$5\r\nfetch\r\n:2\r\n'));
    assert.ok((await c.call('COMMAND', 'INFO', 'conn|id')).startsWith('*1\r\n*10\r\n$7\r\nconn|id\r\n'));
    assert.equal(await c.call('COMMAND', 'INFO', 'time'), '*1\r\n$-1\r\n');
    const list = await c.call('COMMAND', 'LIST');
    assert.ok(list.includes('$5\r\nfetch\r\n') && list.includes('$12\r\nconn|setname\r\n'));
    assert.ok(!list.includes('$3\r\nget\r\n') && !list.includes('$4\r\ntime\r\n') && !list.includes('client|'));
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'fetch', 'k'), '*1\r\n$1\r\nk\r\n');
    assert.equal(await c.call('COMMAND', 'GETKEYS', 'get', 'k'), '-ERR Invalid command specified\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('COMMAND HELP; node-redis reads COMMAND INFO', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  const nr = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  try {
    const help = await c.call('COMMAND', 'HELP');
    assert.match(help, /^\*\d+\r\n\+COMMAND <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n/);
    assert.match(help, /\+GETKEYSANDFLAGS <full-command>\r\n/);
    await nr.connect();
    const reply = (await nr.sendCommand(['COMMAND', 'INFO', 'set'])) as unknown[][];
    assert.equal(reply[0]![0], 'set');
    assert.equal(reply[0]![1], -3);
  } finally {
    c.close();
    if (nr.isOpen) await nr.quit();
    await srv.close();
  }
});
