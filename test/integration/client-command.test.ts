import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findOnPath } from '../helpers/redis-oracle.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const run = promisify(execFile);

function bulkBody(raw: string): string {
  assert.match(raw, /^\$\d+\r\n/);
  return raw.slice(raw.indexOf('\r\n') + 2, -2);
}

/** CLIENT LIST / INFO lines → field maps. */
function parseClients(text: string): Map<string, string>[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => new Map(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
}

const FIELDS_72 = [
  'id',
  'addr',
  'laddr',
  'fd',
  'name',
  'age',
  'idle',
  'flags',
  'db',
  'sub',
  'psub',
  'ssub',
  'multi',
  'qbuf',
  'qbuf-free',
  'argv-mem',
  'multi-mem',
  'rbs',
  'rbp',
  'obl',
  'oll',
  'omem',
  'tot-mem',
  'events',
  'cmd',
  'user',
  'redir',
  'resp',
  'lib-name',
  'lib-ver',
];

test('CLIENT ID, INFO: every Redis 7.2 field, in order, describing the caller', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const idReply = await c.call('CLIENT', 'ID');
    const id = Number(/^:(\d+)\r\n$/.exec(idReply)![1]);
    await c.call('SELECT', '2');
    const text = bulkBody(await c.call('CLIENT', 'INFO'));
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
    const [info] = parseClients(text);
    assert.deepEqual([...info!.keys()], FIELDS_72);
    assert.equal(info!.get('id'), String(id));
    assert.equal(info!.get('laddr'), `127.0.0.1:${srv.port}`);
    assert.match(info!.get('addr')!, /^127\.0\.0\.1:\d+$/);
    assert.equal(info!.get('name'), '');
    assert.equal(info!.get('flags'), 'N');
    assert.equal(info!.get('db'), '2');
    assert.equal(info!.get('multi'), '-1');
    assert.equal(info!.get('cmd'), 'client|info');
    assert.equal(info!.get('argv-mem'), '10', 'CLIENT INFO is 6 + 4 bytes of arguments');
    assert.equal(info!.get('user'), 'default');
    assert.equal(info!.get('redir'), '-1');
    assert.equal(info!.get('resp'), '2');
    const second = await RawClient.connect(srv.port);
    try {
      const id2 = Number(/^:(\d+)\r\n$/.exec(await second.call('CLIENT', 'ID'))![1]);
      assert.ok(id2 > id, 'ids grow');
    } finally {
      second.close();
    }
  } finally {
    c.close();
    await srv.close();
  }
});

test('CLIENT SETNAME / GETNAME: validation, clearing with an empty name', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CLIENT', 'GETNAME'), '$-1\r\n');
    assert.equal(await c.call('CLIENT', 'SETNAME', 'worker-1'), '+OK\r\n');
    assert.equal(await c.call('CLIENT', 'GETNAME'), '$8\r\nworker-1\r\n');
    for (const bad of ['a b', 'x\ny', 'caf\xe9', 'tab\t']) {
      assert.equal(await c.call('CLIENT', 'SETNAME', bad), '-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
    }
    assert.equal(await c.call('CLIENT', 'GETNAME'), '$8\r\nworker-1\r\n', 'a refused name changes nothing');
    assert.match(bulkBody(await c.call('CLIENT', 'INFO')), / name=worker-1 /);
    assert.equal(await c.call('CLIENT', 'SETNAME', ''), '+OK\r\n');
    assert.equal(await c.call('CLIENT', 'GETNAME'), '$-1\r\n');
    assert.equal(await c.call('CLIENT', 'GETNAME', 'x'), "-ERR wrong number of arguments for 'client|getname' command\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('CLIENT SETINFO LIB-NAME / LIB-VER', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py'), '+OK\r\n');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '5.0.1'), '+OK\r\n');
    assert.match(bulkBody(await c.call('CLIENT', 'INFO')), / lib-name=redis-py lib-ver=5\.0\.1\n$/);
    assert.equal(await c.call('CLIENT', 'SETINFO', 'Lib-Name', 'a b'), '-ERR Lib-Name cannot contain spaces, newlines or special characters.\r\n');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-color', 'red'), "-ERR Unrecognized option 'lib-color'\r\n");
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-name', ''), '+OK\r\n');
    assert.match(bulkBody(await c.call('CLIENT', 'INFO')), / lib-name= lib-ver=5\.0\.1\n$/);
  } finally {
    c.close();
    await srv.close();
  }
});

test('CLIENT LIST: all clients, TYPE and ID filters, errors, verbatim in RESP3', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await b.call('CLIENT', 'SETNAME', 'bee');
    const idA = /^:(\d+)/.exec(await a.call('CLIENT', 'ID'))![1]!;
    const idB = /^:(\d+)/.exec(await b.call('CLIENT', 'ID'))![1]!;
    const all = parseClients(bulkBody(await a.call('CLIENT', 'LIST')));
    assert.deepEqual(all.map((m) => m.get('id')), [idA, idB]);
    assert.equal(all[0]!.get('cmd'), 'client|list');
    assert.equal(all[1]!.get('cmd'), 'client|id');
    assert.equal(all[1]!.get('name'), 'bee');
    assert.equal(parseClients(bulkBody(await a.call('CLIENT', 'LIST', 'TYPE', 'normal'))).length, 2);
    assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub'), '$0\r\n\r\n');
    assert.equal(await a.call('CLIENT', 'LIST', 'type', 'replica'), '$0\r\n\r\n');
    assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', 'slave'), '$0\r\n\r\n');
    assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', 'master'), '$0\r\n\r\n');
    assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', 'bogus'), "-ERR Unknown client type 'bogus'\r\n");
    const byId = parseClients(bulkBody(await a.call('CLIENT', 'LIST', 'ID', idB, '999999', idA)));
    assert.deepEqual(byId.map((m) => m.get('id')), [idB, idA], 'in the order asked, unknown ids skipped');
    assert.equal(await a.call('CLIENT', 'LIST', 'ID', 'x'), '-ERR Invalid client ID\r\n');
    assert.equal(await a.call('CLIENT', 'LIST', 'bogus'), '-ERR syntax error\r\n');
    assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', 'normal', 'extra'), '-ERR syntax error\r\n');
    await a.call('HELLO', '3');
    const v = await a.call('CLIENT', 'LIST', 'ID', idA);
    assert.match(v, /^=\d+\r\ntxt:id=\d+ .* resp=3 lib-name= lib-ver=\n\r\n$/);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('CLIENT REPLY OFF / ON / SKIP', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    c.write(
      RawClient.encode(['CLIENT', 'REPLY', 'OFF']) +
        RawClient.encode(['ECHO', 'hidden']) +
        RawClient.encode(['CLIENT', 'REPLY', 'SKIP']) + // no effect while OFF
        RawClient.encode(['CLIENT', 'REPLY', 'ON']) +
        RawClient.encode(['ECHO', 'one']) +
        RawClient.encode(['CLIENT', 'REPLY', 'SKIP']) +
        RawClient.encode(['ECHO', 'skipped']) +
        RawClient.encode(['ECHO', 'two']) +
        RawClient.encode(['CLIENT', 'REPLY', 'SKIP']) +
        RawClient.encode(['CLIENT', 'REPLY', 'SKIP']) + // itself skipped, and arms one more skip
        RawClient.encode(['ECHO', 'skipped-too']) +
        RawClient.encode(['ECHO', 'three']) +
        RawClient.encode(['CLIENT', 'REPLY', 'BOGUS']),
    );
    assert.equal(await c.readReply(), '+OK\r\n');
    assert.equal(await c.readReply(), '$3\r\none\r\n');
    assert.equal(await c.readReply(), '$3\r\ntwo\r\n');
    assert.equal(await c.readReply(), '$5\r\nthree\r\n');
    assert.equal(await c.readReply(), '-ERR syntax error\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CLIENT NO-EVICT and NO-TOUCH: flags e and T; NO-TOUCH reads leave the idle time alone', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'ON'), '+OK\r\n');
    assert.match(bulkBody(await c.call('CLIENT', 'INFO')), / flags=eT /);
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'maybe'), '-ERR syntax error\r\n');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'yes'), '-ERR syntax error\r\n');
    await c.call('CLIENT', 'NO-TOUCH', 'off');
    await c.call('SET', 'k', 'v');
    clock.advance(20_000);
    await c.call('CLIENT', 'NO-TOUCH', 'on');
    await c.call('GET', 'k');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), ':20\r\n', 'a NO-TOUCH read does not reset the idle time');
    await c.call('CLIENT', 'NO-TOUCH', 'off');
    await c.call('GET', 'k');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), ':0\r\n');
    assert.match(bulkBody(await c.call('CLIENT', 'INFO')), / flags=e /);
  } finally {
    c.close();
    await srv.close();
  }
});

test('CLIENT KILL: old form, filters, errors, and killing yourself after the reply', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const admin = await RawClient.connect(srv.port);
  const v1 = await RawClient.connect(srv.port);
  const v2 = await RawClient.connect(srv.port);
  try {
    const info = (c: RawClient) => c.call('CLIENT', 'INFO').then((r) => parseClients(bulkBody(r))[0]!);
    const i1 = await info(v1);
    const i2 = await info(v2);
    // errors
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', 'abc'), '-ERR client-id should be greater than 0\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', '0'), '-ERR client-id should be greater than 0\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', 'TYPE', 'bogus'), "-ERR Unknown client type 'bogus'\r\n");
    assert.equal(await admin.call('CLIENT', 'KILL', 'USER', 'nobody'), "-ERR No such user 'nobody'\r\n");
    assert.equal(await admin.call('CLIENT', 'KILL', 'SKIPME', 'maybe'), '-ERR syntax error\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', '1', 'ADDR'), '-ERR syntax error\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', 'FOO', 'bar'), '-ERR syntax error\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', '1.2.3.4:5'), '-ERR No such client\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', '999999'), ':0\r\n');
    // old form by address
    assert.equal(await admin.call('CLIENT', 'KILL', i1.get('addr')!), '+OK\r\n');
    assert.equal(await v1.waitClosed(), true);
    // new form: ADDR and LADDR must both match
    assert.equal(await admin.call('CLIENT', 'KILL', 'ADDR', i2.get('addr')!, 'LADDR', '10.0.0.1:1'), ':0\r\n');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', i2.get('id')!, 'LADDR', `127.0.0.1:${srv.port}`), ':1\r\n');
    assert.equal(await v2.waitClosed(), true);
    // MAXAGE (Redis 7.4 filter): only connections at least that old
    const young = await RawClient.connect(srv.port);
    clock.advance(5_000);
    const younger = await RawClient.connect(srv.port);
    await younger.call('PING');
    assert.equal(await admin.call('CLIENT', 'KILL', 'MAXAGE', '5'), ':1\r\n', 'admin is skipped (SKIPME yes), young is 5s old');
    assert.equal(await young.waitClosed(), true);
    assert.equal(younger.closed, false);
    // TYPE normal with SKIPME no: everybody, the caller too, which still gets its reply
    assert.equal(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'USER', 'default', 'SKIPME', 'no'), ':2\r\n');
    assert.equal(await admin.waitClosed(), true);
    assert.equal(await younger.waitClosed(), true);
  } finally {
    admin.close();
    v1.close();
    v2.close();
    await srv.close();
  }
});

test('CLIENT HELP and unknown subcommands', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const help = await c.call('CLIENT', 'HELP');
    assert.match(help, /^\*\d+\r\n\+CLIENT <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n/);
    assert.match(help, /\+SETINFO /);
    assert.match(help, /\+HELP\r\n\+    Print this help\.\r\n$/);
    assert.match(help, /\+TRACKING \(ON\|OFF\) /);
    assert.equal(await c.call('CLIENT', 'NOSUCH', 'on'), "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n");
    assert.equal(await c.call('CLIENT'), "-ERR wrong number of arguments for 'client' command\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('ioredis connectionName and redis-cli CLIENT LIST', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port, { connectionName: 'io-client' });
  try {
    assert.equal(await io.client('GETNAME'), 'io-client');
    const cli = findOnPath('redis-cli');
    if (cli !== null) {
      const { stdout } = await run(cli, ['-p', String(srv.port), 'CLIENT', 'LIST']);
      const rows = parseClients(stdout);
      assert.ok(rows.some((r) => r.get('name') === 'io-client'));
      assert.ok(rows.some((r) => r.get('cmd') === 'client|list'));
    }
  } finally {
    io.disconnect();
    await srv.close();
  }
});
