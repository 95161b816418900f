import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAof, type CheckAofOptions } from '../../src/persistence/aof/aof-check.js';
import { encodeCommand } from '../../src/persistence/aof/resp-command-builder.js';

async function check(file: string, extra: Partial<CheckAofOptions> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await checkAof(file, { fix: false, truncateToTimestamp: 0, out: (s) => (out += s), confirm: async () => 'y', ...extra });
  return { code, out };
}

test('check-aof: an RDB base is handed to the RDB checker seam; without one it is reported unverified (exit 1)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-check-'));
  try {
    const rdb = Buffer.from('REDIS0010\xff01234567', 'latin1');
    fs.writeFileSync(path.join(dir, 'a.aof.1.base.rdb'), rdb);
    fs.writeFileSync(path.join(dir, 'a.aof.1.incr.aof'), encodeCommand(['SET', 'k', 'v']));
    fs.writeFileSync(path.join(dir, 'a.aof.manifest'), 'file a.aof.1.base.rdb seq 1 type b\nfile a.aof.1.incr.aof seq 1 type i\n');
    const manifest = path.join(dir, 'a.aof.manifest');
    const none = await check(manifest);
    assert.equal(none.code, 1);
    assert.match(none.out, /Start to check BASE AOF \(RDB format\)\.\n/);
    assert.match(none.out, /BASE AOF \(RDB format\) a\.aof\.1\.base\.rdb is invalid, aborting\.\n$/);
    const seen: string[] = [];
    const ok = await check(manifest, {
      checkRdb: (data, name, out) => {
        seen.push(name);
        out('[offset 0] Checking RDB file ' + name);
        return { ok: data.subarray(0, 5).toString() === 'REDIS', length: data.length };
      },
    });
    assert.deepEqual(seen, ['a.aof.1.base.rdb']);
    assert.equal(ok.code, 0);
    assert.equal(
      ok.out,
      'Start checking Multi Part AOF\nStart to check BASE AOF (RDB format).\n[offset 0] Checking RDB file a.aof.1.base.rdb\n' +
        'BASE AOF (RDB format) a.aof.1.base.rdb is valid\nStart to check INCR files.\n' +
        'AOF analyzed: filename=a.aof.1.incr.aof, size=27, ok_up_to=27, ok_up_to_line=8, diff=0\n' +
        'INCR AOF a.aof.1.incr.aof is valid\nAll AOF files and manifest are valid\n',
    );
    // an old-style file with an RDB preamble: the RESP tail after the RDB part is checked
    const old = path.join(dir, 'old.aof');
    fs.writeFileSync(old, Buffer.concat([rdb, encodeCommand(['SET', 'k', 'v']), Buffer.from('*1\r\n$3\r\nab')]));
    const r = await check(old, { checkRdb: () => ({ ok: true, length: rdb.length }) });
    assert.equal(r.code, 1);
    assert.match(r.out, /RDB preamble is OK, proceeding with AOF tail\.\.\.\n/);
    assert.match(r.out, new RegExp(`ok_up_to=${rdb.length + encodeCommand(['SET', 'k', 'v']).length},`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('check-aof --fix refuses to truncate a file that is not the last; --truncate-to-timestamp cuts at the first later annotation', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-check-'));
  try {
    const good = encodeCommand(['SET', 'k', 'v']);
    fs.writeFileSync(path.join(dir, 'a.1.incr.aof'), good.subarray(0, good.length - 2));
    fs.writeFileSync(path.join(dir, 'a.2.incr.aof'), good);
    fs.writeFileSync(path.join(dir, 'a.manifest'), 'file a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 2 type i\n');
    const r = await check(path.join(dir, 'a.manifest'), { fix: true });
    assert.equal(r.code, 1);
    assert.match(r.out, /Failed to truncate AOF a\.1\.incr\.aof because it is not the last file\n$/);
    assert.equal(fs.statSync(path.join(dir, 'a.1.incr.aof')).size, good.length - 2);
    const ts = path.join(dir, 'ts.aof');
    const data = Buffer.concat([Buffer.from('#TS:100\r\n'), good, Buffer.from('#TS:200\r\n'), good]);
    fs.writeFileSync(ts, data);
    const t = await check(ts, { truncateToTimestamp: 150 });
    assert.equal(t.code, 0);
    assert.match(t.out, /Successfully truncated AOF .*ts\.aof to timestamp 150\n$/);
    assert.equal(fs.statSync(ts).size, 9 + good.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
