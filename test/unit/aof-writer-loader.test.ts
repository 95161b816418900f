import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { AofWriter, type AofWriterOptions } from '../../src/persistence/aof/aof-writer.js';
import { AofLoadError, loadAof, type AofLoadOptions } from '../../src/persistence/aof/aof-loader.js';
import { emptyManifest, parseManifest } from '../../src/persistence/aof/aof-manifest.js';
import { readManifest, resolveManifestForLoad } from '../../src/persistence/aof/aof-files.js';
import { encodeCommand } from '../../src/persistence/aof/resp-command-builder.js';
import type { AofFs } from '../../src/persistence/aof/aof-fs.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-aof-'));
}

function opts(dir: string, extra: Partial<AofWriterOptions> = {}): AofWriterOptions {
  return { dir, dirname: 'appendonlydir', filename: 'appendonly.aof', fsync: 'no', useRdbPreamble: false, ...extra };
}

async function load(dir: string, extra: Partial<AofLoadOptions> = {}): Promise<{ cmds: string[][]; status: string; logs: string[] }> {
  const cmds: string[][] = [];
  const logs: string[] = [];
  const r = await loadAof({
    dir,
    dirname: 'appendonlydir',
    filename: 'appendonly.aof',
    loadTruncated: true,
    execute: (argv) => {
      cmds.push(argv);
      return null;
    },
    log: (_l, m) => logs.push(m),
    ...extra,
  });
  return { cmds, status: r.status, logs };
}

const aofDir = (dir: string): string => path.join(dir, 'appendonlydir');
const incrPath = (dir: string, seq = 1): string => path.join(aofDir(dir), `appendonly.aof.${seq}.incr.aof`);

test('writer → loader round trip: SELECT on db changes, binary args, owner-only files', async () => {
  const dir = tmpDir();
  try {
    const w = AofWriter.open(opts(dir), emptyManifest());
    const sent: [number, string[]][] = [
      [0, ['SET', 'k\x00\xff', 'v\r\n']],
      [0, ['RPUSH', 'l', 'a', '', 'c']],
      [3, ['SET', 'x', '1']],
      [3, ['DEL', 'x']],
      [0, ['INCR', 'n']],
      // MULTI / EXEC carry no database: the SELECT goes after MULTI, as in Redis 7.2
      [-1, ['MULTI']],
      [3, ['SET', 'y', '2']],
      [-1, ['EXEC']],
    ];
    for (const [db, argv] of sent) w.append(db, argv);
    assert.ok(w.bufferLength > 0);
    assert.equal(w.flush(), true);
    assert.equal(w.bufferLength, 0);
    assert.ok(w.close());
    const { cmds, status } = await load(dir);
    assert.equal(status, 'ok');
    assert.deepEqual(cmds, [
      ['SELECT', '0'],
      ['SET', 'k\x00\xff', 'v\r\n'],
      ['RPUSH', 'l', 'a', '', 'c'],
      ['SELECT', '3'],
      ['SET', 'x', '1'],
      ['DEL', 'x'],
      ['SELECT', '0'],
      ['INCR', 'n'],
      // (the loader passes a transaction's commands on once its EXEC is read)
      ['SELECT', '3'],
      ['SET', 'y', '2'],
    ]);
    assert.ok(fs.readFileSync(incrPath(dir), 'latin1').endsWith('*1\r\n$5\r\nMULTI\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\ny\r\n$1\r\n2\r\n*1\r\n$4\r\nEXEC\r\n'));
    const m = readManifest(opts(dir));
    assert.equal(m.base?.name, 'appendonly.aof.1.base.aof');
    assert.deepEqual(
      m.incr.map((f) => f.name),
      ['appendonly.aof.1.incr.aof'],
    );
    assert.equal(fs.statSync(aofDir(dir)).mode & 0o777, 0o700);
    for (const f of fs.readdirSync(aofDir(dir))) assert.equal(fs.statSync(path.join(aofDir(dir), f)).mode & 0o777, 0o600, f);
    // a reopened writer appends to the same incr file and re-selects its database first;
    // a file another program left group/world-readable is tightened
    fs.chmodSync(incrPath(dir), 0o644);
    const w2 = AofWriter.open(opts(dir), m);
    assert.equal(fs.statSync(incrPath(dir)).mode & 0o777, 0o600);
    w2.append(0, ['SET', 'after', 'restart']);
    w2.flush();
    w2.close();
    const again = await load(dir);
    assert.deepEqual(again.cmds.slice(-2), [
      ['SELECT', '0'],
      ['SET', 'after', 'restart'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('writer → loader round trip on random binary command streams', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.string({ unit: 'binary-ascii', maxLength: 12 }).map((s) => Buffer.from(s, 'latin1').toString('latin1')), { minLength: 1, maxLength: 4 })), {
        minLength: 1,
        maxLength: 20,
      }),
      async (seq) => {
        const dir = tmpDir();
        try {
          const w = AofWriter.open(opts(dir), emptyManifest());
          const expected: string[][] = [];
          let db = -1;
          for (const [d, argv] of seq) {
            w.append(d, argv);
            if (d !== db) expected.push(['SELECT', String(d)]);
            db = d;
            expected.push(argv);
            if (argv.length % 2 === 0) w.flush();
          }
          w.close();
          const { cmds } = await load(dir);
          assert.deepEqual(cmds, expected);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 25 },
  );
});

/** A dir with an empty base and one incr file holding `data`. */
function dirWithIncr(data: Buffer, extraIncr?: Buffer): string {
  const dir = tmpDir();
  fs.mkdirSync(aofDir(dir), { mode: 0o700 });
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof'), '');
  fs.writeFileSync(incrPath(dir, 1), data);
  let manifest = 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n';
  if (extraIncr !== undefined) {
    fs.writeFileSync(incrPath(dir, 2), extraIncr);
    manifest += 'file appendonly.aof.2.incr.aof seq 2 type i\n';
  }
  fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), manifest);
  return dir;
}

const CMDS = [['SELECT', '0'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['SADD', 'set', 'm1', 'm2']];
const STREAM = Buffer.concat(CMDS.map(encodeCommand));
const LAST_START = STREAM.length - encodeCommand(CMDS[CMDS.length - 1]!).length;

test('torn tail at every byte of the last command: yes truncates and loads the rest, no refuses with the offset', async () => {
  for (let cut = LAST_START + 1; cut < STREAM.length; cut++) {
    const torn = STREAM.subarray(0, cut);
    const dirYes = dirWithIncr(torn);
    const dirNo = dirWithIncr(torn);
    try {
      const r = await load(dirYes, { loadTruncated: true });
      assert.equal(r.status, 'truncated', `cut ${cut}`);
      assert.deepEqual(r.cmds, CMDS.slice(0, -1));
      assert.equal(fs.statSync(incrPath(dirYes)).size, LAST_START, `file truncated to the last good command (cut ${cut})`);
      assert.ok(r.logs.some((l) => l.includes(`Truncating the AOF appendonly.aof.1.incr.aof at offset ${LAST_START}`)));
      await assert.rejects(load(dirNo, { loadTruncated: false }), (e: unknown) => {
        assert.ok(e instanceof AofLoadError);
        assert.equal(e.kind, 'truncated');
        assert.equal(e.file, 'appendonly.aof.1.incr.aof');
        assert.equal(e.offset, LAST_START);
        assert.match(e.message, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/);
        return true;
      });
      assert.equal(fs.statSync(incrPath(dirNo)).size, cut, 'refused file left untouched');
    } finally {
      fs.rmSync(dirYes, { recursive: true, force: true });
      fs.rmSync(dirNo, { recursive: true, force: true });
    }
  }
});

test('a torn command in a file that is not the last is fatal even with aof-load-truncated yes', async () => {
  const dir = dirWithIncr(STREAM.subarray(0, STREAM.length - 3), encodeCommand(['SET', 'z', '9']));
  try {
    await assert.rejects(load(dir, { loadTruncated: true }), (e: unknown) => {
      assert.ok(e instanceof AofLoadError);
      assert.equal(e.kind, 'truncated');
      assert.equal(e.offset, LAST_START);
      assert.match(e.message, /not the last file/);
      return true;
    });
    assert.equal(fs.statSync(incrPath(dir)).size, STREAM.length - 3, 'nothing truncated');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('MULTI without EXEC at the end: reverted (truncated before MULTI) with yes, refused with no; a complete one runs', async () => {
  const head = Buffer.concat([encodeCommand(['SET', 'a', '1'])]);
  const tx = Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'a']), encodeCommand(['INCR', 'a'])]);
  const dirYes = dirWithIncr(Buffer.concat([head, tx]));
  const dirNo = dirWithIncr(Buffer.concat([head, tx]));
  const dirOk = dirWithIncr(Buffer.concat([head, tx, encodeCommand(['EXEC']), encodeCommand(['GET', 'a'])]));
  try {
    const r = await load(dirYes);
    assert.equal(r.status, 'truncated');
    assert.deepEqual(r.cmds, [['SET', 'a', '1']]);
    assert.equal(fs.statSync(incrPath(dirYes)).size, head.length);
    assert.ok(r.logs.includes('Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof'));
    await assert.rejects(load(dirNo, { loadTruncated: false }), (e: unknown) => e instanceof AofLoadError && e.kind === 'multi' && e.offset === head.length);
    const ok = await load(dirOk);
    assert.equal(ok.status, 'ok');
    assert.deepEqual(ok.cmds, [
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['INCR', 'a'],
      ['GET', 'a'],
    ]);
  } finally {
    for (const d of [dirYes, dirNo, dirOk]) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('garbage, nested MULTI, EXEC without MULTI and a rejected command are fatal, naming file and offset', async () => {
  const cases: [Buffer, string, number][] = [
    [Buffer.concat([STREAM, Buffer.from('garbage\r\n')]), 'format', STREAM.length],
    [Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['MULTI'])]), 'multi', 15],
    [encodeCommand(['EXEC']), 'multi', 0],
  ];
  for (const [data, kind, offset] of cases) {
    const dir = dirWithIncr(data);
    try {
      await assert.rejects(load(dir), (e: unknown) => {
        assert.ok(e instanceof AofLoadError, String(e));
        assert.equal(e.kind, kind);
        assert.equal(e.offset, offset);
        assert.match(e.message, /appendonly\.aof\.1\.incr\.aof/);
        return true;
      });
      assert.equal(fs.statSync(incrPath(dir)).size, data.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = dirWithIncr(STREAM);
  try {
    await assert.rejects(
      load(dir, { execute: (argv) => (argv[0] === 'SADD' ? 'ERR unknown command' : null) }),
      (e: unknown) => e instanceof AofLoadError && e.kind === 'command' && e.offset === LAST_START && /ERR unknown command/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('annotations are skipped; progress is reported and loading yields to the event loop', async () => {
  const many: Buffer[] = [Buffer.from('#TS:1700000000\r\n')];
  for (let i = 0; i < 5000; i++) many.push(encodeCommand(['SET', `k${i}`, 'x'.repeat(100)]));
  const dir = dirWithIncr(Buffer.concat(many));
  try {
    const progress: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const r = await load(dir, { chunkSize: 4096, yieldEveryMs: 0, onProgress: (p) => progress.push(p.bytesDone) });
    clearInterval(timer);
    assert.equal(r.cmds.length, 5000);
    assert.ok(progress.length > 2, 'progress reported along the way');
    assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]!));
    assert.equal(progress[progress.length - 1], Buffer.concat(many).length);
    assert.ok(ticks > 0, 'the event loop ran during loading');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** An fs that records calls and can be made to fail. */
function recordingFs(): { fs: AofFs; calls: string[]; fsyncCallbacks: ((err: NodeJS.ErrnoException | null) => void)[]; failWrite: { mode: 'none' | 'enospc' | 'short' } } {
  const calls: string[] = [];
  const fsyncCallbacks: ((err: NodeJS.ErrnoException | null) => void)[] = [];
  const failWrite = { mode: 'none' as 'none' | 'enospc' | 'short' };
  const wrapped: AofFs = {
    ...fs,
    writeSync: ((fd: number, buf: Buffer, off?: number, len?: number) => {
      calls.push('write');
      if (failWrite.mode === 'enospc') {
        const e = new Error('ENOSPC: no space left on device') as NodeJS.ErrnoException;
        e.code = 'ENOSPC';
        throw e;
      }
      if (failWrite.mode === 'short') {
        failWrite.mode = 'enospc';
        return fs.writeSync(fd, buf, off ?? 0, Math.max(1, Math.floor((len ?? buf.length) / 2)));
      }
      return fs.writeSync(fd, buf, off ?? 0, len ?? buf.length);
    }) as AofFs['writeSync'],
    fsyncSync: (fd: number) => {
      calls.push('fsyncSync');
      fs.fsyncSync(fd);
    },
    fsync: ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      calls.push('fsync-async');
      fsyncCallbacks.push(cb);
    }) as AofFs['fsync'],
    ftruncateSync: (fd: number, len?: number) => {
      calls.push(`ftruncate ${len}`);
      fs.ftruncateSync(fd, len);
    },
  };
  return { fs: wrapped, calls, fsyncCallbacks, failWrite };
}

test('appendfsync always, group commit: syncInBackground writes, fsyncs off the loop, counts nothing synced before the fsync completed; a rewrite syncs the old file first', () => {
  const dir = tmpDir();
  try {
    const rec = recordingFs();
    // the pool's path (group-sync-policy.ts chooses between it and an fsync on the loop)
    const w = AofWriter.open(opts(dir, { fsync: 'always', fs: rec.fs, groupSync: 'pool' }), emptyManifest());
    rec.calls.length = 0;
    w.append(0, ['SET', 'k', 'v']);
    w.append(0, ['SET', 'k2', 'v']);
    const done: boolean[] = [];
    assert.equal(w.syncInBackground((ok) => done.push(ok)), 'started');
    assert.deepEqual(rec.calls, ['write', 'fsync-async'], 'written on the loop, fsync handed to the pool');
    assert.equal(w.bufferLength, 0);
    assert.equal(w.unsyncedCommands, 2, 'nothing counts as synced while the fsync runs');
    assert.equal(w.groupSyncRunning, true);
    // a write appended meanwhile, then a synchronous flush (a closing client): it fsyncs on the loop
    w.append(0, ['SET', 'k3', 'v']);
    assert.equal(w.flush(), true);
    assert.deepEqual(rec.calls.slice(2), ['write', 'fsyncSync']);
    assert.equal(w.unsyncedCommands, 0);
    rec.fsyncCallbacks.shift()!(null);
    assert.deepEqual(done, [true]);
    assert.equal(w.unsyncedCommands, 0, 'the late completion does not move the count back');
    // nothing written since the last fsync: nothing to start
    assert.equal(w.syncInBackground(() => assert.fail('not called')), 'synced');
    // a rewrite starting while a background fsync runs fsyncs the old file before retiring it;
    // that fsync's late error (its file closed meanwhile) is then not an error
    w.append(0, ['SET', 'k4', 'v']);
    assert.equal(w.syncInBackground((ok) => done.push(ok)), 'started');
    rec.calls.length = 0;
    const ticket = w.startRewrite();
    assert.deepEqual(rec.calls.slice(0, 1), ['fsyncSync'], 'the old incr file is synced before it is retired');
    assert.equal(w.unsyncedCommands, 0);
    const ebadf = new Error('EBADF: bad file descriptor') as NodeJS.ErrnoException;
    ebadf.code = 'EBADF';
    rec.fsyncCallbacks.shift()!(ebadf);
    assert.deepEqual(done, [true, true]);
    assert.equal(w.fatal, false);
    w.abortRewrite(false);
    fs.rmSync(ticket.tempPath, { force: true });
    rec.fsyncCallbacks.length = 0; // the retired file's own fsync
    // a failed background fsync is fatal (Redis exits), as a failed fsync in flush()
    w.append(0, ['SET', 'k5', 'v']);
    assert.equal(w.syncInBackground((ok) => done.push(ok)), 'started');
    const eio = new Error('EIO: i/o error') as NodeJS.ErrnoException;
    eio.code = 'EIO';
    rec.fsyncCallbacks.shift()!(eio);
    assert.deepEqual(done, [true, true, false]);
    assert.equal(w.fatal, true);
    assert.equal(w.unsyncedCommands, 1);
    assert.match(w.misconfError() ?? '', /Input\/output error/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('appendfsync always: flush() writes then fsyncs before returning; no: never fsyncs', () => {
  const dir = tmpDir();
  try {
    const rec = recordingFs();
    const w = AofWriter.open(opts(dir, { fsync: 'always', fs: rec.fs }), emptyManifest());
    rec.calls.length = 0;
    w.append(0, ['SET', 'k', 'v']);
    assert.deepEqual(rec.calls, [], 'append only buffers');
    assert.equal(w.flush(), true);
    assert.deepEqual(rec.calls, ['write', 'fsyncSync']);
    assert.equal(w.info().aof_current_size, fs.statSync(incrPath(dir)).size);
    w.close();
    const rec2 = recordingFs();
    const dir2 = tmpDir();
    const w2 = AofWriter.open(opts(dir2, { fsync: 'no', fs: rec2.fs }), emptyManifest());
    rec2.calls.length = 0;
    w2.append(0, ['SET', 'k', 'v']);
    w2.flush();
    assert.deepEqual(rec2.calls, ['write']);
    w2.close();
    fs.rmSync(dir2, { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('appendfsync everysec: an async fsync at most once a second, never two in flight', () => {
  const dir = tmpDir();
  try {
    const rec = recordingFs();
    let now = 1_000_000;
    const w = AofWriter.open(opts(dir, { fsync: 'everysec', fs: rec.fs, now: () => now }), emptyManifest());
    rec.calls.length = 0;
    w.append(0, ['SET', 'a', '1']);
    w.flush();
    assert.deepEqual(rec.calls, ['write'], 'less than a second since the last fsync');
    now += 1000;
    w.append(0, ['SET', 'a', '2']);
    w.flush();
    assert.deepEqual(rec.calls, ['write', 'write', 'fsync-async']);
    now += 1500;
    w.append(0, ['SET', 'a', '3']);
    w.flush();
    assert.equal(rec.calls.filter((c) => c === 'fsync-async').length, 1, 'the first is still in flight');
    assert.equal(w.info().aof_pending_bio_fsync, 1);
    assert.equal(w.info().aof_delayed_fsync, 1);
    rec.fsyncCallbacks[0]!(null);
    // nothing new written, but unsynced data: flush() alone starts the next fsync (the cron path)
    w.flush();
    assert.equal(rec.calls.filter((c) => c === 'fsync-async').length, 2);
    rec.fsyncCallbacks[1]!(null);
    now += 5000;
    w.flush();
    assert.equal(rec.calls.filter((c) => c === 'fsync-async').length, 2, 'everything synced: no fsync');
    // a failing background fsync is reported
    w.append(0, ['SET', 'a', '4']);
    w.flush();
    const e = new Error('EIO: i/o error') as NodeJS.ErrnoException;
    rec.fsyncCallbacks[2]!(e);
    assert.equal(w.lastWriteStatus, 'err');
    assert.match(w.lastError ?? '', /i\/o error/);
    w.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('write errors are not silent: status err, data kept and written once when the disk recovers', async () => {
  const dir = tmpDir();
  try {
    const rec = recordingFs();
    const logs: string[] = [];
    const w = AofWriter.open(opts(dir, { fs: rec.fs, log: (_l, m) => logs.push(m) }), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    assert.equal(w.flush(), true);
    rec.failWrite.mode = 'enospc';
    w.append(0, ['SET', 'b', '2']);
    assert.equal(w.flush(), false);
    assert.equal(w.lastWriteStatus, 'err');
    assert.equal(w.info().aof_last_write_status, 'err');
    assert.equal(w.misconfError(), 'MISCONF Errors writing to the AOF file: No space left on device');
    assert.ok(w.bufferLength > 0, 'unwritten data kept');
    assert.ok(logs.some((l) => /Error writing to the AOF file: No space left on device/.test(l)));
    assert.equal(w.fatal, false, 'not fatal under appendfsync no');
    // no rewrite while commands older than the snapshot cannot be written
    const before = fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1');
    assert.throws(() => w.startRewrite(), /Can't rewrite the AOF while it can't be written/);
    assert.equal(w.rewriteInProgress, false);
    assert.equal(fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1'), before);
    // a short write followed by an error is rolled back with ftruncate
    rec.failWrite.mode = 'short';
    assert.equal(w.flush(), false);
    assert.ok(rec.calls.some((c) => c.startsWith('ftruncate')));
    rec.failWrite.mode = 'none';
    w.append(0, ['SET', 'c', '3']);
    assert.equal(w.flush(), true);
    assert.equal(w.lastWriteStatus, 'ok');
    assert.equal(w.misconfError(), null);
    assert.ok(logs.includes('AOF write error looks solved, Redis can write again.'));
    w.close();
    const { cmds } = await load(dir);
    assert.deepEqual(cmds, [
      ['SELECT', '0'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SET', 'c', '3'],
    ]);
    // under always, a failed write is fatal (Redis exits)
    const rec2 = recordingFs();
    const dir2 = tmpDir();
    const w2 = AofWriter.open(opts(dir2, { fsync: 'always', fs: rec2.fs }), emptyManifest());
    rec2.failWrite.mode = 'enospc';
    w2.append(0, ['SET', 'x', '1']);
    assert.equal(w2.flush(), false);
    assert.equal(w2.fatal, true);
    rec2.failWrite.mode = 'none';
    w2.close();
    fs.rmSync(dir2, { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rewrite without fork: rotate, new base, old files become history and are deleted', async () => {
  const dir = tmpDir();
  try {
    const w = AofWriter.open(opts(dir), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    w.append(0, ['SET', 'b', '2']);
    w.flush();
    const ticket = w.startRewrite();
    assert.equal(ticket.format, 'aof');
    assert.equal(w.rewriteInProgress, true);
    assert.throws(() => w.startRewrite(), /already in progress/);
    // writes during the rewrite go to incr 2
    w.append(0, ['SET', 'c', '3']);
    w.flush();
    assert.deepEqual(
      readManifest(opts(dir)).incr.map((f) => f.seq),
      [1, 2],
    );
    // the snapshot as of startRewrite
    fs.writeFileSync(ticket.tempPath, Buffer.concat([encodeCommand(['SELECT', '0']), encodeCommand(['SET', 'a', '1']), encodeCommand(['SET', 'b', '2'])]), { mode: 0o600 });
    w.finishRewrite();
    // the manifest drops the history files at once; they are unlinked off the loop
    for (let i = 0; i < 200 && fs.readdirSync(aofDir(dir)).length > 3; i++) await new Promise((r) => setTimeout(r, 5));
    const m = readManifest(opts(dir));
    assert.equal(m.base?.name, 'appendonly.aof.2.base.aof');
    assert.deepEqual(
      m.incr.map((f) => f.name),
      ['appendonly.aof.2.incr.aof'],
    );
    assert.deepEqual(m.history, []);
    assert.deepEqual(fs.readdirSync(aofDir(dir)).sort(), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    const info = w.info();
    assert.equal(info.aof_base_size, info.aof_current_size);
    assert.equal(info.aof_rewrites, 1);
    assert.equal(info.aof_rewrite_in_progress, 0);
    assert.equal(info.aof_current_rewrite_time_sec, -1);
    assert.ok(info.aof_last_rewrite_time_sec >= 0);
    w.append(0, ['SET', 'd', '4']);
    w.flush();
    w.close();
    const { cmds } = await load(dir);
    assert.deepEqual(cmds, [
      ['SELECT', '0'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SELECT', '0'],
      ['SET', 'c', '3'],
      ['SELECT', '0'],
      ['SET', 'd', '4'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('abortRewrite keeps every incr file listed: nothing is lost', async () => {
  const dir = tmpDir();
  try {
    const w = AofWriter.open(opts(dir), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    const t = w.startRewrite();
    fs.writeFileSync(t.tempPath, 'partial');
    w.append(0, ['SET', 'b', '2']);
    w.flush();
    w.abortRewrite();
    assert.equal(fs.existsSync(t.tempPath), false);
    assert.equal(w.info().aof_last_bgrewrite_status, 'err');
    assert.equal(w.info().aof_rewrites_consecutive_failures, 1);
    w.close();
    const { cmds } = await load(dir);
    assert.deepEqual(cmds, [
      ['SELECT', '0'],
      ['SET', 'a', '1'],
      ['SELECT', '0'],
      ['SET', 'b', '2'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('enabling AOF at runtime: writes collect in a temp incr file until the first rewrite installs base + incr', async () => {
  const dir = tmpDir();
  try {
    const w = AofWriter.openForEnable(opts(dir), emptyManifest());
    const t = w.startRewrite();
    w.append(2, ['SET', 'during', 'rewrite']);
    w.flush();
    assert.equal(fs.existsSync(path.join(aofDir(dir), 'temp-appendonly.aof.incr')), true);
    fs.writeFileSync(t.tempPath, encodeCommand(['SET', 'snap', 'shot']));
    w.finishRewrite();
    assert.equal(w.waitingForFirstRewrite, false);
    w.append(2, ['SET', 'after', 'x']);
    w.flush();
    w.close();
    const m = readManifest(opts(dir));
    assert.equal(m.base?.name, 'appendonly.aof.1.base.aof');
    assert.deepEqual(
      m.incr.map((f) => f.name),
      ['appendonly.aof.1.incr.aof'],
    );
    const { cmds } = await load(dir);
    assert.deepEqual(cmds, [
      ['SET', 'snap', 'shot'],
      ['SELECT', '2'],
      ['SET', 'during', 'rewrite'],
      // Redis also re-selects after a rewrite completes
      ['SELECT', '2'],
      ['SET', 'after', 'x'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('auto-aof-rewrite: growth over the base size and min size, back-off after repeated failures', () => {
  const dir = tmpDir();
  try {
    let now = 0;
    const w = AofWriter.open(opts(dir, { now: () => now }), emptyManifest());
    assert.equal(w.shouldAutoRewrite(100, 0), false, 'an empty AOF is not above min size 0');
    w.append(0, ['PING']);
    w.flush();
    assert.equal(w.shouldAutoRewrite(100, 0), true, 'base size 0 counts as 1 byte');
    const t = w.startRewrite();
    fs.writeFileSync(t.tempPath, Buffer.alloc(1000, 0x23));
    w.finishRewrite();
    assert.equal(w.info().aof_base_size, 1000);
    assert.equal(w.shouldAutoRewrite(100, 0), false);
    for (let i = 0; i < 40; i++) w.append(0, ['SET', 'k', 'x'.repeat(10)]);
    w.flush();
    const cur = w.info().aof_current_size;
    assert.ok(cur >= 2000, String(cur));
    assert.equal(w.shouldAutoRewrite(100, 0), true);
    assert.equal(w.shouldAutoRewrite(100, cur), false, 'below min size');
    assert.equal(w.shouldAutoRewrite(0, 0), false, 'percentage 0 disables');
    for (let i = 0; i < 3; i++) {
      w.startRewrite();
      w.abortRewrite();
    }
    assert.equal(w.shouldAutoRewrite(1, 0), false, 'limited after 3 failures');
    now += 61_000;
    assert.equal(w.shouldAutoRewrite(1, 0), true, 'retried after a minute');
    w.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('old single-file appendonly.aof is upgraded in place (becomes the base) and loads', async () => {
  const dir = tmpDir();
  try {
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), STREAM);
    const r = await load(dir);
    assert.deepEqual(r.cmds, CMDS);
    assert.equal(fs.existsSync(path.join(dir, 'appendonly.aof')), false);
    assert.equal(fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof seq 1 type b\n');
    assert.ok(r.logs.some((l) => l.startsWith('Successfully migrated an old-style AOF file')));
    // the writer continues from there: base kept, incr 1 created
    const w = AofWriter.open(opts(dir), readManifest(opts(dir)));
    w.append(0, ['SET', 'new', '1']);
    w.close();
    const again = await load(dir);
    assert.deepEqual(again.cmds, [...CMDS, ['SELECT', '0'], ['SET', 'new', '1']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('empty or missing AOF dir starts fresh; history entries are deleted on open; missing listed file is fatal', async () => {
  const dir = tmpDir();
  try {
    assert.equal((await load(dir)).status, 'not-exist');
    fs.mkdirSync(aofDir(dir));
    assert.equal((await load(dir)).status, 'not-exist');
    assert.deepEqual(resolveManifestForLoad(opts(dir)), emptyManifest());
    fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof'), '');
    fs.writeFileSync(path.join(aofDir(dir), 'old.aof'), 'x');
    fs.writeFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile old.aof seq 1 type h\n');
    assert.equal((await load(dir)).status, 'empty');
    fs.writeFileSync(path.join(aofDir(dir), 'temp-rewriteaof-bg-123.aof'), 'left by a crash');
    const w = AofWriter.open(opts(dir), readManifest(opts(dir)));
    w.close();
    assert.equal(fs.existsSync(path.join(aofDir(dir), 'temp-rewriteaof-bg-123.aof')), false, 'stale temp removed');
    assert.equal(fs.existsSync(path.join(aofDir(dir), 'old.aof')), false);
    assert.deepEqual(readManifest(opts(dir)).history, []);
    fs.unlinkSync(incrPath(dir));
    await assert.rejects(load(dir), (e: unknown) => e instanceof AofLoadError && e.kind === 'missing' && e.file === 'appendonly.aof.1.incr.aof');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an RDB part (REDIS…) goes to the RDB loader, then the RESP tail is replayed', async () => {
  const dir = tmpDir();
  try {
    const fakeRdb = Buffer.from('REDIS0010<pretend rdb>\xff12345678', 'latin1');
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat([fakeRdb, encodeCommand(['SET', 'tail', '1'])]));
    const seen: { oldStyle: boolean; size: number }[] = [];
    const r = await load(dir, {
      loadRdb: (src) => {
        seen.push({ oldStyle: src.oldStyle, size: src.size });
        const b = Buffer.alloc(5);
        fs.readSync(src.fd, b, 0, 5, 0);
        assert.equal(b.toString(), 'REDIS');
        return fakeRdb.length;
      },
    });
    assert.deepEqual(seen, [{ oldStyle: true, size: fakeRdb.length + encodeCommand(['SET', 'tail', '1']).length }]);
    assert.deepEqual(r.cmds, [['SET', 'tail', '1']]);
    await assert.rejects(load(dir), (e: unknown) => e instanceof AofLoadError && e.kind === 'rdb');
    await assert.rejects(
      load(dir, {
        loadRdb: () => {
          throw new Error('bad checksum');
        },
      }),
      (e: unknown) => e instanceof AofLoadError && e.kind === 'rdb' && /Error reading the RDB preamble of the AOF file appendonly\.aof, AOF loading aborted: bad checksum/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the manifest on disk is replaced atomically (no temp file left) and parses back', () => {
  const dir = tmpDir();
  try {
    const w = AofWriter.open(opts(dir, { filename: 'my "odd" aof' }), emptyManifest());
    w.close();
    const files = fs.readdirSync(aofDir(dir));
    assert.ok(!files.some((f) => f.startsWith('temp-')), files.join(','));
    const text = fs.readFileSync(path.join(aofDir(dir), 'my "odd" aof.manifest'), 'latin1');
    assert.equal(text, 'file "my \\"odd\\" aof.1.base.aof" seq 1 type b\nfile "my \\"odd\\" aof.1.incr.aof" seq 1 type i\n');
    assert.equal(parseManifest(text).incr[0]!.name, 'my "odd" aof.1.incr.aof');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('aof-use-rdb-preamble yes: the rewrite asks for an RDB and installs it as .base.rdb; open() can write an initial base', async () => {
  const dir = tmpDir();
  try {
    const formats: string[] = [];
    const w = AofWriter.open(opts(dir, { useRdbPreamble: true }), emptyManifest(), (p, format) => {
      formats.push(format);
      fs.writeFileSync(p, 'REDIS0010-empty', { mode: 0o600 });
    });
    assert.deepEqual(formats, ['rdb']);
    assert.equal(readManifest(opts(dir)).base?.name, 'appendonly.aof.1.base.rdb');
    const t = w.startRewrite();
    assert.equal(t.format, 'rdb');
    fs.writeFileSync(t.tempPath, 'REDIS0010-snapshot', { mode: 0o600 });
    w.append(0, ['SET', 'x', '1']);
    w.finishRewrite();
    w.close();
    const m = readManifest(opts(dir));
    assert.equal(m.base?.name, 'appendonly.aof.2.base.rdb');
    const rdbSeen: string[] = [];
    const r = await load(dir, {
      loadRdb: (src) => {
        rdbSeen.push(`${src.name} ${src.oldStyle}`);
        return src.size;
      },
    });
    assert.deepEqual(rdbSeen, ['appendonly.aof.2.base.rdb false']);
    assert.deepEqual(r.cmds, [
      ['SELECT', '0'],
      ['SET', 'x', '1'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn multi-megabyte bulk read in small chunks: truncated to the command before it', async () => {
  const big = encodeCommand(['SET', 'big', 'z'.repeat(3 * 1024 * 1024)]);
  for (const cut of [20, 1024 * 1024, big.length - 1]) {
    const dir = dirWithIncr(Buffer.concat([STREAM, big.subarray(0, cut)]));
    try {
      const r = await load(dir, { chunkSize: 64 * 1024 });
      assert.equal(r.status, 'truncated');
      assert.deepEqual(r.cmds, CMDS);
      assert.equal(fs.statSync(incrPath(dir)).size, STREAM.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = dirWithIncr(Buffer.concat([STREAM, big]));
  try {
    const r = await load(dir, { chunkSize: 64 * 1024 });
    assert.equal(r.status, 'ok');
    assert.equal(r.cmds[r.cmds.length - 1]![2]!.length, 3 * 1024 * 1024);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('aof-timestamp-enabled: a #TS annotation when the second changes, skipped by the loader', async () => {
  const dir = tmpDir();
  try {
    let now = 1_700_000_000_500;
    const w = AofWriter.open(opts(dir, { timestampEnabled: true, now: () => now }), emptyManifest());
    w.append(0, ['SET', 'a', '1']);
    w.append(0, ['SET', 'b', '2']);
    now += 1000;
    w.append(0, ['SET', 'c', '3']);
    w.close();
    assert.equal(
      fs.readFileSync(incrPath(dir), 'latin1'),
      '#TS:1700000000\r\n' +
        encodeCommand(['SELECT', '0']).toString('latin1') +
        encodeCommand(['SET', 'a', '1']).toString('latin1') +
        encodeCommand(['SET', 'b', '2']).toString('latin1') +
        '#TS:1700000001\r\n' +
        encodeCommand(['SET', 'c', '3']).toString('latin1'),
    );
    const { cmds } = await load(dir);
    assert.equal(cmds.length, 4);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('enabling AOF at runtime after an aborted first rewrite: the retry starts the temp incr afresh (no command replayed twice)', async () => {
  const dir = tmpDir();
  try {
    const w = AofWriter.openForEnable(opts(dir), emptyManifest());
    w.startRewrite();
    w.append(0, ['INCR', 'n']);
    w.flush();
    w.abortRewrite();
    const t = w.startRewrite();
    w.append(0, ['INCR', 'n']);
    w.flush();
    // the snapshot of the retry holds the first INCR already
    fs.writeFileSync(t.tempPath, Buffer.concat([encodeCommand(['SELECT', '0']), encodeCommand(['SET', 'n', '1'])]));
    w.finishRewrite();
    w.close();
    const { cmds } = await load(dir);
    assert.deepEqual(cmds, [
      ['SELECT', '0'],
      ['SET', 'n', '1'],
      ['SELECT', '0'],
      ['INCR', 'n'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
