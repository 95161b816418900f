/**
 * The AOF rewrite's start and end with the manifest written off the event loop (issue 17
 * goal 6), and appendfsync always's choice between an fsync on the loop and one on the
 * pool. The fsyncs are held by the test, so each in-between state is looked at on disk:
 * at every point the manifest on disk must load to every command written so far, and no
 * byte may reach a file before a manifest naming it is durable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AofWriter, type AofWriterOptions, type RewriteTicket } from '../../src/persistence/aof/aof-writer.js';
import { loadAof } from '../../src/persistence/aof/aof-loader.js';
import { emptyManifest } from '../../src/persistence/aof/aof-manifest.js';
import { manifestWriteInFlight, manifestWritesSettled, readManifest, writeManifest, writeManifestAsync } from '../../src/persistence/aof/aof-files.js';
import { encodeCommand } from '../../src/persistence/aof/resp-command-builder.js';
import type { AofFs } from '../../src/persistence/aof/aof-fs.js';

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-aofbg-'));
const aofDir = (dir: string): string => path.join(dir, 'appendonlydir');
const opts = (dir: string, extra: Partial<AofWriterOptions> = {}): AofWriterOptions => ({
  dir,
  dirname: 'appendonlydir',
  filename: 'appendonly.aof',
  fsync: 'everysec',
  useRdbPreamble: false,
  ...extra,
});

/** The commands the manifest on disk loads to (SELECTs left out). */
async function loaded(dir: string): Promise<string[]> {
  const cmds: string[] = [];
  await loadAof({
    dir,
    dirname: 'appendonlydir',
    filename: 'appendonly.aof',
    loadTruncated: false,
    execute: (argv) => {
      if (argv[0] !== 'SELECT') cmds.push(argv.join(' '));
      return null;
    },
  });
  return cmds;
}

type Cb = (err: NodeJS.ErrnoException | null) => void;

/** An fs whose asynchronous fsyncs wait until the test lets them run (or fail). */
function heldFs(): { fs: AofFs; held: Cb[]; fsyncSyncs: { n: number } } {
  const held: Cb[] = [];
  const fsyncSyncs = { n: 0 };
  const wrapped: AofFs = {
    ...fs,
    fsync: ((fd: number, cb: Cb) => {
      held.push((err) => (err !== null ? cb(err) : fs.fsync(fd, cb)));
    }) as AofFs['fsync'],
    fsyncSync: (fd: number) => {
      fsyncSyncs.n++;
      fs.fsyncSync(fd);
    },
  };
  return { fs: wrapped, held, fsyncSyncs };
}

/** Waits until `n` fsyncs are held (the chain's earlier steps run on the pool). */
async function heldCount(held: Cb[], n: number): Promise<void> {
  for (let i = 0; i < 400 && held.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(held.length >= n, `${held.length} fsyncs held, waited for ${n}`);
}

/** Lets a held group-commit fsync run and waits until its completion was handled. */
async function releaseSync(held: Cb[], w: AofWriter): Promise<void> {
  held.shift()!(null);
  for (let i = 0; i < 400 && w.groupSyncRunning; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(w.groupSyncRunning, false);
}

/** Lets the oldest held fsync run (or fail), then waits until `settled` (the chain's next steps run on the pool). */
async function release(held: Cb[], err: NodeJS.ErrnoException | null = null, settled: () => boolean = () => true): Promise<void> {
  held.shift()!(err);
  await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 800 && !settled(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('a rewrite started in the background: appends stay in the old incr file until the manifest naming the new one is durable, then move', async () => {
  const dir = tmpDir();
  try {
    const h = heldFs();
    const w = AofWriter.open(opts(dir, { fs: h.fs }), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    w.flush();
    let ticket: RewriteTicket | null = null;
    let readyCalls = 0;
    w.startRewriteInBackground((t, err) => {
      readyCalls++;
      assert.equal(err, null);
      ticket = t;
    });
    assert.equal(w.rewriteInProgress, true, 'in progress from the command on (INFO, a second BGREWRITEAOF)');
    assert.throws(() => w.startRewriteInBackground(() => {}), /already in progress/);
    const newIncr = path.join(aofDir(dir), 'appendonly.aof.2.incr.aof');
    // the manifest's temp file is written; its fsync is held: the manifest on disk is the old one
    await heldCount(h.held, 1);
    w.append(0, ['SET', 'b', '2']);
    w.flush();
    assert.equal(readyCalls, 0);
    assert.equal(fs.statSync(newIncr).size, 0, 'nothing in a file no durable manifest names');
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1]);
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2']);
    // the temp manifest is fsynced and renamed in; the directory's fsync is held
    await release(h.held);
    await heldCount(h.held, 1);
    w.append(0, ['SET', 'c', '3']);
    w.flush();
    assert.equal(readyCalls, 0, 'not before the directory fsync: the rename may not survive a crash yet');
    assert.equal(fs.statSync(newIncr).size, 0);
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1, 2]);
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2', 'SET c 3']);
    await release(h.held, null, () => readyCalls === 1);
    assert.equal(readyCalls, 1);
    assert.notEqual(ticket, null);
    // the old incr file's own fsync as it is retired
    await heldCount(h.held, 1);
    await release(h.held);
    // from now on appends go to the new file; the snapshot is taken at this instant
    w.append(0, ['SET', 'd', '4']);
    w.flush();
    assert.ok(fs.statSync(newIncr).size > 0);
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2', 'SET c 3', 'SET d 4']);
    fs.writeFileSync(ticket!.tempPath, Buffer.concat([encodeCommand(['SET', 'a', '1']), encodeCommand(['SET', 'b', '2']), encodeCommand(['SET', 'c', '3'])]), { mode: 0o600 });
    // the end: the base's rename and the manifest off the loop; appends go on meanwhile
    let finished: Error | null | undefined;
    w.finishRewriteInBackground((err) => (finished = err));
    await heldCount(h.held, 1);
    w.append(0, ['SET', 'e', '5']);
    w.flush();
    assert.equal(finished, undefined);
    assert.equal(w.rewriteInProgress, true);
    assert.equal(readManifest(opts(dir)).base?.name, 'appendonly.aof.1.base.aof', 'the old manifest is in force until the new one is written');
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2', 'SET c 3', 'SET d 4', 'SET e 5']);
    await release(h.held);
    await heldCount(h.held, 1);
    const m = readManifest(opts(dir));
    assert.equal(m.base?.name, 'appendonly.aof.2.base.aof');
    assert.deepEqual(m.incr.map((f) => f.seq), [2]);
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2', 'SET c 3', 'SET d 4', 'SET e 5']);
    assert.equal(finished, undefined, 'done only once the directory is fsynced');
    await release(h.held, null, () => finished !== undefined);
    assert.equal(finished, null);
    assert.equal(w.rewriteInProgress, false);
    assert.equal(w.info().aof_last_bgrewrite_status, 'ok');
    // the old base and incr files are unlinked off the loop
    for (let i = 0; i < 100 && fs.readdirSync(aofDir(dir)).length > 3; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(fs.readdirSync(aofDir(dir)).sort(), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    h.held.length = 0;
    w.close();
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2', 'SET c 3', 'SET d 4', 'SET e 5']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a rewrite whose manifest cannot be written does not start: the old manifest and incr file stay in use', async () => {
  const dir = tmpDir();
  try {
    const h = heldFs();
    const w = AofWriter.open(opts(dir, { fs: h.fs }), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    let result: [RewriteTicket | null, Error | null] | null = null;
    w.startRewriteInBackground((t, err) => (result = [t, err]));
    await heldCount(h.held, 1);
    const eio = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    await release(h.held, eio, () => result !== null);
    assert.notEqual(result, null);
    assert.equal(result![0], null);
    assert.equal(w.rewriteInProgress, false);
    assert.equal(w.info().aof_last_bgrewrite_status, 'err');
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1]);
    assert.equal(fs.readdirSync(aofDir(dir)).some((n) => n.startsWith('temp-')), false, 'the temp manifest is removed');
    w.append(0, ['SET', 'b', '2']);
    w.flush();
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2']);
    h.held.length = 0;
    w.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a rewrite stopped while its manifest is written (appendonly no): nothing is lost, the writer closes cleanly', async () => {
  const dir = tmpDir();
  try {
    const h = heldFs();
    const w = AofWriter.open(opts(dir, { fs: h.fs }), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    let result: [RewriteTicket | null, Error | null] | null = null;
    w.startRewriteInBackground((t, err) => (result = [t, err]));
    await heldCount(h.held, 1);
    w.append(0, ['SET', 'b', '2']);
    assert.equal(w.close(), true);
    await release(h.held);
    await heldCount(h.held, 1);
    await release(h.held, null, () => result !== null);
    assert.equal(result![0], null, 'no snapshot after a close');
    // the durable manifest lists the new, empty incr file after the one that holds everything
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1, 2]);
    assert.deepEqual(await loaded(dir), ['SET a 1', 'SET b 2']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a manifest write left running by a closed writer blocks any other manifest write of that AOF until it settles', async () => {
  const dir = tmpDir();
  try {
    const h = heldFs();
    const loc = { dir, dirname: 'appendonlydir', filename: 'appendonly.aof' };
    const w = AofWriter.open(opts(dir, { fs: h.fs }), emptyManifest());
    let result: [RewriteTicket | null, Error | null] | null = null;
    w.startRewriteInBackground((t, err) => (result = [t, err]));
    await heldCount(h.held, 1);
    assert.equal(w.close(), true);
    // CONFIG SET appendonly yes now: the next writer's manifest would race this one's rename
    assert.equal(manifestWriteInFlight(loc), true);
    const other = readManifest(opts(dir));
    assert.throws(() => writeManifest(loc, other), /another write of the AOF manifest is still in progress/);
    let settled = false;
    void manifestWritesSettled(loc).then(() => (settled = true));
    await release(h.held);
    assert.equal(settled, false, 'a closing server still waits: the rename has not landed');
    await heldCount(h.held, 1);
    await release(h.held, null, () => result !== null);
    assert.equal(manifestWriteInFlight(loc), false);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, true);
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1, 2]);
    writeManifest(loc, other);
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('writeManifestAsync: a failed fsync leaves the old manifest and no temp file; a failed directory fsync reports the rename', async () => {
  const dir = tmpDir();
  try {
    const h = heldFs();
    const loc = { dir, dirname: 'appendonlydir', filename: 'appendonly.aof' };
    const w = AofWriter.open(opts(dir), emptyManifest());
    w.close();
    const before = fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1');
    const m = readManifest(opts(dir));
    m.currIncrSeq++;
    m.incr.push({ name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' });
    const outcome: [string | null, boolean][] = [];
    writeManifestAsync(loc, m, (err, renamed) => outcome.push([err?.message ?? null, renamed]), h.fs);
    await heldCount(h.held, 1);
    await release(h.held, Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }), () => outcome.length === 1);
    assert.deepEqual(outcome, [['EIO: i/o error', false]]);
    assert.equal(fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1'), before);
    assert.deepEqual(fs.readdirSync(aofDir(dir)).filter((n) => n.startsWith('temp-')), []);
    writeManifestAsync(loc, m, (err, renamed) => outcome.push([err?.message ?? null, renamed]), h.fs);
    await heldCount(h.held, 1);
    await release(h.held);
    await heldCount(h.held, 1);
    await release(h.held, Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }), () => outcome.length === 2);
    assert.deepEqual(outcome[1], ['EIO: i/o error', true]);
    assert.deepEqual(readManifest(opts(dir)).incr.map((f) => f.seq), [1, 2]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('appendfsync always: a group commit fsyncs on the loop or on the pool as its policy says', async () => {
  const dir = tmpDir();
  try {
    const h = heldFs();
    const loop = AofWriter.open(opts(dir, { fsync: 'always', fs: h.fs, groupSync: 'loop' }), emptyManifest());
    const before = h.fsyncSyncs.n;
    loop.append(0, ['SET', 'b', '2']);
    assert.equal(loop.syncInBackground(() => assert.fail('a loop fsync calls nothing back')), 'synced');
    assert.equal(h.fsyncSyncs.n, before + 1, 'fsynced on the loop');
    assert.equal(h.held.length, 0);
    assert.equal(loop.unsyncedCommands, 0);
    loop.close();
    fs.rmSync(aofDir(dir), { recursive: true, force: true });
    const pool = AofWriter.open(opts(dir, { fsync: 'always', fs: h.fs, groupSync: 'pool' }), emptyManifest());
    for (let i = 0; i < 3; i++) {
      pool.append(0, ['SET', 'k', String(i)]);
      assert.equal(pool.syncInBackground(() => {}), 'started');
      assert.equal(pool.unsyncedCommands, 1, 'nothing synced before the fsync completed');
      await releaseSync(h.held, pool);
      assert.equal(pool.unsyncedCommands, 0);
    }
    pool.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
