import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../helpers/scratch-dir.js';

test('TIME: seconds and microseconds as two bulk strings', async () => {
  const clock = new ManualClock(1_700_000_123_456);
  const fixed = await startTestServer({ clock });
  const real = await startTestServer();
  const a = await RawClient.connect(fixed.port);
  const b = await RawClient.connect(real.port);
  try {
    assert.equal(await a.call('TIME'), '*2\r\n$10\r\n1700000123\r\n$6\r\n456000\r\n');
    const m = /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/.exec(await b.call('TIME'))!;
    const us = Number(m[1]) * 1e6 + Number(m[2]);
    assert.ok(Math.abs(us / 1000 - Date.now()) < 5000, 'close to the wall clock');
    assert.ok(Number(m[2]) < 1e6);
    assert.equal(await b.call('TIME', 'x'), "-ERR wrong number of arguments for 'time' command\r\n");
  } finally {
    a.close();
    b.close();
    await fixed.close();
    await real.close();
  }
});

test('SHUTDOWN: syntax and ABORT errors; SHUTDOWN SAVE writes the dump even without save points, then the server goes', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('SHUTDOWN', 'bogus'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SHUTDOWN', 'SAVE', 'NOSAVE'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SHUTDOWN', 'ABORT', 'NOW'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
    assert.equal(await c.call('SET', 'kept', 'yes'), '+OK\r\n');
    c.write(RawClient.encode(['SHUTDOWN', 'SAVE']));
    assert.equal(await c.waitClosed(), true);
    assert.equal(srv.server.shuttingDown, true);
    assert.ok(existsSync(join(dir, 'dump.rdb')));
  } finally {
    c.close();
    await srv.close();
  }
  const again = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c2 = await RawClient.connect(again.port);
  try {
    assert.equal(await c2.call('GET', 'kept'), '$3\r\nyes\r\n');
  } finally {
    c2.close();
    await again.close();
  }
});

test('SHUTDOWN NOSAVE closes clients and listeners without a reply, then calls onShutdown', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  let done = false;
  srv.server.onShutdown = () => {
    done = true;
  };
  try {
    await other.call('PING');
    c.write(RawClient.encode(['SHUTDOWN', 'NOSAVE']));
    assert.equal(await c.waitClosed(), true);
    assert.equal(c.received, '', 'no reply');
    assert.equal(await other.waitClosed(), true);
    for (let i = 0; i < 100 && !done; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(done, true);
    await assert.rejects(RawClient.connect(srv.port), /ECONNREFUSED/);
  } finally {
    c.close();
    other.close();
    await srv.close();
  }
});

test('SHUTDOWN with a persistence layer: a failed final save keeps the server up unless FORCE or NOSAVE', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  let saves = 0;
  let fail = true;
  srv.server.snapshotOnShutdown = () => {
    saves++;
    return fail ? 'disk full' : null;
  };
  try {
    // the default config has save points, so a plain SHUTDOWN saves
    assert.equal(await c.call('SHUTDOWN'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(await c.call('SHUTDOWN', 'NOW'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(saves, 2);
    fail = false;
    c.write(RawClient.encode(['SHUTDOWN', 'SAVE']));
    assert.equal(await c.waitClosed(), true);
    assert.equal(saves, 3);
    assert.equal(srv.server.shuttingDown, true);
  } finally {
    c.close();
    await srv.close();
  }
});

test('SHUTDOWN FORCE exits even when the save fails', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  srv.server.snapshotOnShutdown = () => 'read-only file system';
  try {
    c.write(RawClient.encode(['SHUTDOWN', 'SAVE', 'FORCE']));
    assert.equal(await c.waitClosed(), true);
    assert.equal(srv.server.shuttingDown, true);
  } finally {
    c.close();
    await srv.close();
  }
});

test('SHUTDOWN while the AOF just switched on is still writing its first rewrite: refused (the AOF would be lost) unless FORCE', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', ''], ['appendonly', 'no']] });
  const c = await RawClient.connect(srv.port);
  try {
    for (let i = 0; i < 5; i++) await c.call('SET', `k${i}`, 'v');
    // a slow first rewrite (a second per key) keeps the AOF in its initial state
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000000');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
    assert.equal(srv.server.persistence.aof.rewriting, true);
    assert.equal(await c.call('SHUTDOWN', 'NOSAVE'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.write(RawClient.encode(['SHUTDOWN', 'NOSAVE', 'FORCE']));
    assert.equal(await c.waitClosed(), true);
    assert.equal(srv.server.shuttingDown, true);
  } finally {
    c.close();
    await srv.close();
  }
});
