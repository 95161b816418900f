/**
 * The RDB reader on damaged and unusual input: truncations at random points and flipped
 * bytes (checksum on) always end in an RdbFormatError with an offset, never a crash and
 * never a silently smaller keyspace; buffer and file input agree (also across the file
 * window); module data, functions, unknown types, duplicate keys, bad checksums and bad
 * headers are refused; empty aggregates are reported, as Redis skips them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { applyFill, fillCommands, writeDump } from '../helpers/rdb-compare.js';
import { RdbReader, type RdbRecord } from '../../src/persistence/rdb/rdb-reader.js';
import { RdbFormatError } from '../../src/persistence/rdb/rdb-error.js';
import { RdbWriter } from '../../src/persistence/rdb/rdb-writer.js';
import { ByteSink } from '../../src/persistence/rdb/byte-sink.js';
import { Crc64 } from '../../src/persistence/rdb/crc64.js';
import { encodeListpack } from '../../src/persistence/rdb/listpack.js';
import { checkRdbFile } from '../../src/persistence/rdb/check-rdb.js';
import { startServer } from '../../src/server/server.js';
import { fullCollection } from '../../src/server/live-heap.js';

/** A record list in comparable form (values by their type and a digest of their content). */
function summary(r: RdbRecord): string {
  if (r.kind !== 'key') return JSON.stringify(r);
  const v = r.value;
  let content: string;
  switch (v.type) {
    case 'string':
      content = v.value;
      break;
    case 'list':
      content = v.value.slice(0, v.value.length).join('\u0100') + v.value.nodeCounts().join(',');
      break;
    case 'set':
      content = [...v.value.members()].join('\u0100') + v.value.encoding;
      break;
    case 'hash':
      content = [...v.value.entries()].flat().join('\u0100') + v.value.listpack;
      break;
    case 'zset': {
      const parts: string[] = [];
      if (v.value.size > 0) v.value.walk(0, false, (m, s) => (parts.push(m, String(s)), true));
      content = parts.join('\u0100') + v.value.listpack;
      break;
    }
    case 'stream':
      content = `${v.value.length} ${[...v.value.nodes].map((n) => n.entries.length).join(',')} ${v.value.groups?.size ?? 0}`;
      break;
  }
  return `${r.offset} ${r.db} ${r.key} ${v.type} ${String(r.expireAt)} ${content}`;
}

function readAll(reader: RdbReader): string[] {
  const out: string[] = [];
  try {
    for (let rec = reader.next(); rec !== null; rec = reader.next()) out.push(summary(rec));
  } finally {
    reader.close();
  }
  return out;
}

let dumpCache: Buffer | null = null;
/** A dump of the shared fill, plus values bigger than the reader's 1 MiB file window. */
async function sampleDump(): Promise<Buffer> {
  if (dumpCache !== null) return dumpCache;
  const running = await startTestServer();
  const c = await RawClient.connect(running.port);
  const dir = mkdtempSync(path.join(tmpdir(), 'rdb-unit-'));
  try {
    await applyFill(c, fillCommands(5, 30));
    await c.call('SET', 'huge', 'h'.repeat(3 << 20));
    await c.call('SET', 'hugerand', randomBytes(1536 * 1024).toString('latin1'));
    const file = path.join(dir, 'd.rdb');
    writeDump(running.server, file, { compression: true, checksum: true });
    dumpCache = readFileSync(file);
    return dumpCache;
  } finally {
    c.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('buffer and file input give the same records (values larger than the file window)', async () => {
  const dump = await sampleDump();
  assert.ok(dump.length > 1 << 20);
  const dir = mkdtempSync(path.join(tmpdir(), 'rdb-unit-'));
  try {
    const file = path.join(dir, 'd.rdb');
    writeFileSync(file, dump);
    const a = readAll(RdbReader.fromBuffer(dump));
    const b = readAll(RdbReader.openFile(file));
    assert.deepEqual(b, a);
    assert.ok(a[a.length - 1]!.includes('"verified"'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Reads until the end or an error; returns the error (or null) and the keys read. */
function attempt(buf: Buffer): { error: unknown; keys: number } {
  let keys = 0;
  try {
    const r = RdbReader.fromBuffer(buf);
    for (let rec = r.next(); rec !== null; rec = r.next()) if (rec.kind === 'key') keys++;
    return { error: null, keys };
  } catch (e) {
    return { error: e, keys };
  }
}

test('a truncated file is an RdbFormatError with an offset, wherever it is cut', async () => {
  const dump = await sampleDump();
  const cuts = new Set<number>([0, 5, 9, 10, dump.length - 1, dump.length - 8, dump.length - 9]);
  for (let i = 0; i < 400; i++) cuts.add(Math.floor(Math.random() * dump.length));
  for (const cut of cuts) {
    let error: unknown;
    try {
      error = attempt(dump.subarray(0, cut)).error;
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RdbFormatError, `cut at ${cut}: ${String(error)}`);
    assert.ok(error.offset >= 0 && error.offset <= cut, `cut at ${cut}: offset ${error.offset}`);
    assert.match(error.message, /at offset \d+/);
  }
});

test('a flipped byte is always detected (structure or checksum), never a crash', async () => {
  const dump = await sampleDump();
  // flips anywhere, and more of them in the first 64 KiB where the small values are
  fc.assert(
    fc.property(fc.oneof(fc.nat(dump.length - 1), fc.nat(Math.min(dump.length, 65536) - 1)), fc.integer({ min: 1, max: 255 }), (at, mask) => {
      const bad = Buffer.from(dump);
      bad[at] = bad[at]! ^ mask;
      let error: unknown;
      try {
        error = attempt(bad).error;
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof RdbFormatError, `flip ${mask} at ${at}: ${String(error)}`);
    }),
    { numRuns: 300 },
  );
});

/** A small hand-made file: header, SELECTDB 0, the given body bytes, EOF and a CRC. */
function file(body: (s: ByteSink) => void, version = 10, crc = true): Buffer {
  const s = new ByteSink(false);
  s.bytes(Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1'));
  s.u8(254);
  s.len(0);
  body(s);
  s.u8(255);
  const b = s.take();
  return Buffer.concat([b, crc ? new Crc64().update(b).digestBytes() : Buffer.alloc(8)]);
}

/** Key "k" twice in db 0. */
function duplicateKeyFile(): Buffer {
  return file((s) => {
    for (const v of ['a', 'b']) {
      s.u8(0);
      s.string('k');
      s.string(v);
    }
  });
}

function refused(buf: Buffer, pattern: RegExp): RdbFormatError {
  const { error } = attempt(buf);
  assert.ok(error instanceof RdbFormatError, String(error));
  assert.match(error.reason, pattern);
  return error;
}

test('what cannot be loaded is refused with the reason and offset', () => {
  refused(Buffer.from('REDIX0010xxxxxxxxxx'), /wrong signature/);
  refused(file(() => {}, 12), /can't handle RDB format version 12/);
  refused(Buffer.from('REDIS'), /shorter than the 9-byte header/);
  const mod = refused(
    file((s) => {
      s.u8(7);
      s.string('k');
    }),
    /module/,
  );
  assert.equal(mod.offset, 11);
  refused(file((s) => s.u8(247)), /module auxiliary/);
  refused(file((s) => s.u8(245)), /function/);
  refused(file((s) => s.u8(30)), /unknown RDB type or opcode 30/);
  refused(duplicateKeyFile(), /duplicated key "k" in DB 0/);
  const sum = file((s) => {
    s.u8(0);
    s.string('k');
    s.string('v');
  });
  sum[sum.length - 1] = sum[sum.length - 1]! ^ 1;
  refused(sum, /wrong RDB checksum/);
  refused(
    file((s) => {
      s.u8(0);
      s.string('k');
      s.u8(0x81);
      s.bytes(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0]));
    }),
    /too large/,
  );
  refused(
    file((s) => {
      s.u8(254);
      s.len(16);
    }),
    /SELECTDB 16/,
  );
  refused(
    file((s) => {
      s.u8(2);
      s.string('set');
      s.len(2);
      s.string('a');
      s.string('a');
    }),
    /duplicate set member/,
  );
  refused(
    file((s) => {
      s.u8(16);
      s.string('h');
      s.blob(encodeListpack(['f', 'v', 'g']));
    }),
    /odd number/,
  );
});

test('empty aggregates are reported as empty keys (Redis skips them), the rest loads', () => {
  const buf = file((s) => {
    s.u8(2);
    s.string('emptyset');
    s.len(0);
    s.u8(16);
    s.string('emptyhash');
    s.blob(encodeListpack([]));
    s.u8(18);
    s.string('emptylist');
    s.len(1);
    s.len(2);
    s.blob(encodeListpack([]));
    s.u8(0);
    s.string('k');
    s.string('v');
  });
  const r = RdbReader.fromBuffer(buf);
  const kinds: string[] = [];
  for (let rec = r.next(); rec !== null; rec = r.next()) kinds.push(rec.kind === 'empty-key' ? `empty:${rec.key}` : rec.kind);
  assert.deepEqual(kinds, ['select-db', 'empty:emptyset', 'empty:emptyhash', 'empty:emptylist', 'key', 'eof']);
});

test('older opcodes: EXPIRETIME in seconds, IDLE and FREQ, version 4 without checksum', () => {
  const buf = file(
    (s) => {
      s.u8(253);
      s.bytes(Buffer.from(Int32Array.of(2000000000).buffer));
      s.u8(248);
      s.len(77);
      s.u8(0);
      s.string('a');
      s.string('1');
      s.u8(249);
      s.u8(9);
      s.u8(0);
      s.string('b');
      s.string('2');
    },
    4,
    false,
  );
  const r = RdbReader.fromBuffer(buf.subarray(0, buf.length - 8));
  const recs: RdbRecord[] = [];
  for (let rec = r.next(); rec !== null; rec = r.next()) recs.push(rec);
  const a = recs.find((x) => x.kind === 'key' && x.key === 'a');
  const b = recs.find((x) => x.kind === 'key' && x.key === 'b');
  assert.ok(a?.kind === 'key' && b?.kind === 'key');
  assert.equal(a.expireAt, 2000000000000);
  assert.equal(a.idleSeconds, 77);
  assert.equal(b.lfuFreq, 9);
  assert.equal(b.expireAt, undefined);
  assert.deepEqual(recs[recs.length - 1], { kind: 'eof', offset: recs[recs.length - 1]!.offset, checksum: 'absent' });
});

test('the writer: IDLE/FREQ metadata, a zero checksum when disabled, footer once', () => {
  const w = new RdbWriter({ checksum: false, evictionMeta: 'lru' });
  const parts = [w.header({ ctime: 1, usedMem: 2 }), w.selectDb(0, 1, 0), w.entry('k', { v: { type: 'string', value: 'v', raw: false }, lru: 1000, lfu: 5, mem: 0 }, undefined, 61000), w.footer()];
  const buf = Buffer.concat(parts);
  assert.ok(buf.subarray(-8).equals(Buffer.alloc(8)));
  assert.throws(() => w.footer());
  const recs: RdbRecord[] = [];
  const r = RdbReader.fromBuffer(buf);
  for (let rec = r.next(); rec !== null; rec = r.next()) recs.push(rec);
  const k = recs.find((x) => x.kind === 'key');
  assert.ok(k?.kind === 'key');
  assert.equal(k.idleSeconds, 60);
  assert.equal(recs[recs.length - 1]!.kind === 'eof' && recs[recs.length - 1]!.kind, 'eof');
});

test('check-rdb reports OK with counts, or the error with its offset (exit 0 / 1)', async () => {
  const dump = await sampleDump();
  const dir = mkdtempSync(path.join(tmpdir(), 'rdb-check-'));
  try {
    const good = path.join(dir, 'good.rdb');
    writeFileSync(good, dump);
    const lines: string[] = [];
    assert.equal(checkRdbFile(good, (l) => lines.push(l), { now: 0 }), 0);
    assert.equal(lines[0], `[offset 0] Checking RDB file ${good}`);
    assert.ok(lines.some((l) => /^\[offset \d+\] Checksum OK$/.test(l)));
    assert.ok(lines.some((l) => /^\[offset \d+\] \\o\/ RDB looks OK! \\o\/$/.test(l)));
    assert.ok(lines.some((l) => /^\[info\] \d+ keys read$/.test(l)));
    const bad = path.join(dir, 'bad.rdb');
    writeFileSync(bad, dump.subarray(0, 5000));
    const out: string[] = [];
    assert.equal(checkRdbFile(bad, (l) => out.push(l)), 1);
    assert.ok(out.includes('--- RDB ERROR DETECTED ---'), out.join('\n'));
    assert.ok(out.some((l) => /^\[offset \d+\] .*(unexpected end of file|truncated file)/.test(l)), out.join('\n'));
    assert.ok(out.some((l) => l.startsWith('[additional info] While doing: ')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trackKeys false: the reader keeps no set of keys (a loader checks its database instead)', () => {
  const dup = duplicateKeyFile();
  const one = file((s) => {
    s.u8(0);
    s.string('k');
    s.string('a');
  });
  const tracking = RdbReader.fromBuffer(one);
  readAll(tracking);
  assert.equal(tracking.trackedKeys, 1);
  const plain = RdbReader.fromBuffer(dup, { trackKeys: false });
  const keys = readAll(plain).filter((r) => !r.startsWith('{'));
  assert.equal(keys.length, 2);
  assert.equal(plain.trackedKeys, 0);
});

test('a start-up load keeps no set of its keys and leaves no garbage; a key twice in a database is still refused (issue 17)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-load-mem-'));
  const opened: RdbReader[] = [];
  const openFile = RdbReader.openFile;
  RdbReader.openFile = (p, o) => {
    const r = openFile.call(RdbReader, p, o);
    opened.push(r);
    return r;
  };
  try {
    const count = 200_000;
    writeFileSync(
      path.join(dir, 'dump.rdb'),
      file((s) => {
        for (let i = 0; i < count; i++) {
          s.u8(0);
          s.string(`key:${String(i).padStart(12, '0')}`);
          s.string('xxx');
        }
      }),
    );
    const config: Array<[string, string]> = [
      ['dir', dir],
      ['save', ''],
    ];
    const srv = await startServer({ port: 0, config });
    // measured before anything else runs: what the load left in the heap
    const used = v8.getHeapStatistics().used_heap_size;
    fullCollection();
    const garbage = used - v8.getHeapStatistics().used_heap_size;
    try {
      assert.equal(srv.server.dbs[0]!.size, count);
      assert.equal(opened.length, 1);
      assert.equal(opened[0]!.trackedKeys, 0, 'the loader kept a set of the keys it read');
      // before: the duplicate-key set, the key tables the database outgrew and the decoded
      // records were left for the next major GC (12-20 MB here)
      assert.ok(garbage < 4 * 2 ** 20, `the load left ${(garbage / 2 ** 20).toFixed(1)} MB of garbage`);
    } finally {
      await srv.close();
    }
    writeFileSync(path.join(dir, 'dump.rdb'), duplicateKeyFile());
    await assert.rejects(startServer({ port: 0, config }), /duplicated key "k" in DB 0/);
  } finally {
    RdbReader.openFile = openFile;
    rmSync(dir, { recursive: true, force: true });
  }
});
