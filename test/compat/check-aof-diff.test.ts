/**
 * `redoubt check-aof` against Debian's redis-check-aof 7.0 on randomly damaged AOF files
 * (truncations, flipped bytes, inserted garbage, MULTI/EXEC cut short, annotations): the
 * report and the exit status must be identical byte for byte.
 *
 * One case in ten (and the first manifests) runs the real `redoubt check-aof` command line
 * in a child process (stdin answer, stdout bytes, exit status); the others call the same
 * checker in-process with the same RDB part checker, output sink and stdin-line answer —
 * a node child costs about 0.3 s, redis-check-aof's a few ms, and 120 children were most
 * of this file's time.
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
import { checkAof } from '../../src/persistence/aof/aof-check.js';
import { rdbPartChecker } from '../../src/cli/rdb-part-checker.js';
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

/**
 * `redoubt check-aof [--fix] file` with `answer` on stdin: through the command line in a
 * child when `viaCli`, else the checker the command runs, in-process, fed as the command
 * feeds it (the first stdin line without its newline, null at end of input; output bytes
 * as latin1 text).
 */
async function ours(args: string[], answer: string, viaCli: boolean): Promise<{ out: string; code: number }> {
  if (viaCli) return run(process.execPath, [REDOUBT_CLI, 'check-aof', ...args], answer);
  const fix = args[0] === '--fix';
  let out = '';
  const nl = answer.indexOf('\n');
  const line = nl === -1 ? (answer === '' ? null : answer) : answer.slice(0, nl);
  const code = await checkAof(args[args.length - 1]!, {
    fix,
    truncateToTimestamp: 0,
    out: (text) => (out += text),
    confirm: () => Promise.resolve(line),
    checkRdb: rdbPartChecker,
  });
  return { out, code };
}

test('check-aof: same report and exit status as redis-check-aof on damaged files', { skip: have ? false : 'SKIPPED: no redis-check-aof on PATH' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-checkaof-'));
  let n = 0;
  let viaCli = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 6 }), damage, fc.boolean(), fc.constantFrom('n\n', 'y\n', 'Yes\n', ''), async (items, dmg, fix, answer) => {
        const cli = n++ % 10 === 0;
        if (cli) viaCli++;
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
        const mine = await ours(args, answer, cli);
        assert.equal(mine.out, theirs.out, `input ${JSON.stringify(data.toString('latin1'))}${cli ? ' (command line)' : ''}`);
        assert.equal(mine.code, theirs.code);
        assert.deepEqual(fs.readFileSync(file), theirFile, 'same file after --fix');
      }),
      { numRuns: 120 },
    );
    assert.ok(viaCli >= 12, `only ${viaCli} cases went through the command line`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('check-aof: manifest problems are reported as redis-check-aof reports them', { skip: have ? false : 'SKIPPED: no redis-check-aof on PATH' }, async () => {
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
    for (const [i, m] of manifests.entries()) {
      const file = path.join(dir, 'a.manifest');
      fs.writeFileSync(file, m);
      const theirs = run('redis-check-aof', [file]);
      const mine = await ours([file], 'n\n', i < 2);
      // serverLog lines carry a pid and a time
      const norm = (s: string): string => s.replace(/^\d+:C \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} # /gm, '<log> ');
      assert.equal(norm(mine.out), norm(theirs.out), JSON.stringify(m));
      assert.equal(mine.code, theirs.code, JSON.stringify(m));
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
