/**
 * `redoubt check-aof` against Debian's redis-check-aof 7.0 on randomly damaged AOF files
 * (truncations, flipped bytes, inserted garbage, MULTI/EXEC cut short, annotations): the
 * report and the exit status must be identical byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { RespCommandBuilder } from '../../src/persistence/aof/resp-command-builder.js';
import { findOnPath } from '../helpers/redis-oracle.js';

const REDOUBT_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/redoubt.js');
const have = findOnPath('redis-check-aof') !== null;

const word = fc.constantFrom('SET', 'multi', 'EXEC', 'INCR', 'k', 'v', '', 'x\r\ny', '\x00\xff');
const item = fc.oneof(
  { weight: 6, arbitrary: fc.array(word, { minLength: 1, maxLength: 4 }).map((argv) => ({ kind: 'cmd' as const, argv })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ts' as const, argv: [] as string[] }) },
);
const damage = fc.oneof(
  fc.record({ kind: fc.constant('none' as const) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('garbage', '*', '$', '\r\n', '#', '*1\r\n', '$-1\r\n', '*2\r\n$3\r\nabc') }),
);

function run(cmd: string, args: string[], answer = 'n\n'): { out: string; code: number } {
  const r = spawnSync(cmd, args, { encoding: 'latin1', input: answer });
  return { out: r.stdout + r.stderr, code: r.status ?? -1 };
}

test('check-aof: same report and exit status as redis-check-aof on damaged files', { skip: have ? false : 'SKIPPED: no redis-check-aof on PATH' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-checkaof-'));
  try {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), damage, fc.boolean(), fc.constantFrom('n\n', 'y\n', 'Yes\n', ''), (items, dmg, fix, answer) => {
        const b = new RespCommandBuilder(64);
        for (const it of items) {
          if (it.kind === 'ts') b.raw('#TS:1700000000\r\n');
          else b.command(it.argv);
        }
        let data = Buffer.from(b.view());
        if (dmg.kind === 'truncate') data = data.subarray(0, dmg.at % (data.length + 1));
        else if (dmg.kind === 'flip') data[dmg.at % data.length] = dmg.byte;
        else if (dmg.kind === 'insert') {
          const at = dmg.at % (data.length + 1);
          data = Buffer.concat([data.subarray(0, at), Buffer.from(dmg.text, 'latin1'), data.subarray(at)]);
        }
        const file = path.join(dir, 'x.aof');
        fs.writeFileSync(file, data);
        const args = fix ? ['--fix', file] : [file];
        const theirs = run('redis-check-aof', args, answer);
        const theirFile = fs.readFileSync(file);
        fs.writeFileSync(file, data);
        const ours = run(process.execPath, [REDOUBT_CLI, 'check-aof', ...args], answer);
        assert.equal(ours.out, theirs.out, `input ${JSON.stringify(data.toString('latin1'))}`);
        assert.equal(ours.code, theirs.code);
        assert.deepEqual(fs.readFileSync(file), theirFile, 'same file after --fix');
      }),
      { numRuns: 120 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('check-aof: manifest problems are reported as redis-check-aof reports them', { skip: have ? false : 'SKIPPED: no redis-check-aof on PATH' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-checkaof-m-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.1.base.aof'), encodeRaw(['SET', 'a', '1']));
    fs.writeFileSync(path.join(dir, 'a.1.incr.aof'), encodeRaw(['SET', 'b', '2']));
    fs.writeFileSync(path.join(dir, 'a b.2.incr.aof'), '');
    const manifests = [
      'file a.1.base.aof seq 1 type b\nfile a.1.incr.aof seq 1 type i\n',
      'file a.1.base.aof seq 1 type b\nfile "a b.2.incr.aof" seq 2 type i\n',
      'file a.1.base.aof seq 1 type b\nfile a.1.base.aof seq 1 type b\n',
      'file a.1.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n',
      'file a.1.incr.aof seq 1 type z\n',
      'file x/a.1.incr.aof seq 1 type i\n',
      'file a.1.incr.aof seq 1 type i\n\n',
      'file a.1.incr.aof seq 1 type i',
      'file a.1.incr.aof seq 0 type i\n',
      'file a.1.incr.aof seq 1 type i\nfile missing.aof seq 2 type i\n',
      '# comment only, long enough\n',
      'file a.1.incr.aof seq 1 type i\nfile a.1.base.aof seq 1 type h\n',
    ];
    for (const m of manifests) {
      const file = path.join(dir, 'a.manifest');
      fs.writeFileSync(file, m);
      const theirs = run('redis-check-aof', [file]);
      const ours = run(process.execPath, [REDOUBT_CLI, 'check-aof', file]);
      // serverLog lines carry a pid and a time
      const norm = (s: string): string => s.replace(/^\d+:C \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} # /gm, '<log> ');
      assert.equal(norm(ours.out), norm(theirs.out), JSON.stringify(m));
      assert.equal(ours.code, theirs.code, JSON.stringify(m));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function encodeRaw(argv: string[]): Buffer {
  const b = new RespCommandBuilder(64);
  b.command(argv);
  return Buffer.from(b.view());
}
