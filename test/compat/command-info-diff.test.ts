/**
 * Differential test of the command table: for EVERY command and subcommand Redoubt
 * registers, `COMMAND INFO <name>` from Redoubt and from a live redis-server must agree
 * field by field (arity, flags, first/last/step, ACL categories, tips, key specs,
 * subcommand names), except for the documented 7.0→7.2 differences in
 * known-differences.ts. A second test feeds redis-server's own key specs (all its commands)
 * through Redoubt's key extraction and checks (first, last, step), movablekeys and
 * COMMAND GETKEYSANDFLAGS answers against it. Skips loudly when no redis-server is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { knownDifferences, type InfoField } from './known-differences.js';
import type { CommandFlag, KeySpec, KeySpecFlag } from '../../src/command-context/command-spec.js';
import { extractKeys, legacyKeyRange, type KeyedCommand } from '../../src/command-model/key-extraction.js';

type Resp = string | number | null | Resp[] | { error: string };

/** Parses one RESP2 reply (as RawClient returns it) into plain values. */
function parseResp(s: string): Resp {
  let i = 0;
  const line = (): string => {
    const end = s.indexOf('\r\n', i);
    const l = s.slice(i, end);
    i = end + 2;
    return l;
  };
  const value = (): Resp => {
    const t = s[i++];
    const l = line();
    switch (t) {
      case '+':
        return l;
      case '-':
        return { error: l };
      case ':':
        return Number(l);
      case '$': {
        const n = Number(l);
        if (n < 0) return null;
        const v = s.slice(i, i + n);
        i += n + 2;
        return v;
      }
      case '*': {
        const n = Number(l);
        if (n < 0) return null;
        const out: Resp[] = [];
        for (let k = 0; k < n; k++) out.push(value());
        return out;
      }
      default:
        throw new Error(`unexpected RESP type ${JSON.stringify(t)}`);
    }
  };
  return value();
}

interface Info {
  exists: boolean;
  arity?: number;
  flags?: string[];
  range?: number[];
  categories?: string[];
  tips?: string[];
  keyspecs?: Resp;
  subcommands?: string[];
}

function toInfo(r: Resp): Info {
  if (!Array.isArray(r) || r.length !== 1) throw new Error(`unexpected COMMAND INFO reply ${JSON.stringify(r)}`);
  const e = r[0]!;
  if (e === null) return { exists: false };
  if (!Array.isArray(e) || e.length !== 10) throw new Error(`unexpected COMMAND INFO entry ${JSON.stringify(e)}`);
  const strs = (x: Resp) => (x as Resp[]).map(String);
  return {
    exists: true,
    arity: e[1] as number,
    flags: strs(e[2]!),
    range: [e[3] as number, e[4] as number, e[5] as number],
    categories: strs(e[6]!),
    tips: strs(e[7]!).sort(),
    keyspecs: e[8]!,
    subcommands: (e[9] as Resp[]).map((s) => String((s as Resp[])[0])).sort(),
  };
}

const FIELDS: InfoField[] = ['arity', 'flags', 'range', 'categories', 'tips', 'keyspecs', 'subcommands'];

test('COMMAND INFO of every Redoubt command matches redis-server (documented 7.0→7.2 differences aside)', async (t) => {
  if (findRedisServer() === null) {
    console.log(NO_ORACLE_MESSAGE);
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    // Redoubt's own commands (AUTHTHROTTLE…, docs.since 'redoubt-…') have no Redis counterpart
    const names = srv.server.commands.all.filter((c) => !c.docs.since.startsWith('redoubt')).map((c) => c.fullName);
    // commands 7.0 does not know: their absence from the oracle's subcommand lists is expected
    const addedIn72 = new Set(knownDifferences.filter((k) => k.field === 'exists').map((k) => k.command));
    const mismatches: string[] = [];
    const seenKnown = new Set<string>();
    for (const name of names) {
      const a = toInfo(parseResp(await ours.call('COMMAND', 'INFO', name)));
      const b = toInfo(parseResp(await theirs.call('COMMAND', 'INFO', name)));
      const diffs: [InfoField, unknown, unknown][] = [];
      if (a.exists !== b.exists) diffs.push(['exists', a.exists, b.exists]);
      else if (a.exists) {
        for (const f of FIELDS) {
          let av: unknown = a[f];
          const bv: unknown = b[f];
          if (f === 'subcommands') {
            // Redoubt may implement fewer subcommands; only extra ones (not new in 7.2) differ
            const extra = (av as string[]).filter((s) => !(bv as string[]).includes(s) && !addedIn72.has(s));
            av = extra.length === 0 ? bv : av;
          }
          if (JSON.stringify(av) !== JSON.stringify(bv)) diffs.push([f, av, bv]);
        }
      }
      for (const [field, redoubt, redis] of diffs) {
        const known = knownDifferences.find((k) => k.command === name && k.field === field);
        if (known !== undefined) {
          seenKnown.add(`${name}/${field}`);
          const ok72 = JSON.stringify(field === 'tips' ? [...(known.redis72 as string[])].sort() : known.redis72) === JSON.stringify(redoubt);
          const ok70 = JSON.stringify(field === 'tips' ? [...(known.redis70 as string[])].sort() : known.redis70) === JSON.stringify(redis);
          if (ok72 && ok70) continue;
          mismatches.push(
            `${name} ${field}: known difference no longer matches (redoubt ${JSON.stringify(redoubt)}, expected 7.2 ${JSON.stringify(known.redis72)}; ` +
              `redis-server ${JSON.stringify(redis)}, expected 7.0 ${JSON.stringify(known.redis70)})`,
          );
          continue;
        }
        mismatches.push(`${name} ${field}: redoubt ${JSON.stringify(redoubt)} ≠ redis-server ${JSON.stringify(redis)}`);
      }
    }
    // a listed difference for a registered command that did not show up is stale
    for (const k of knownDifferences) {
      if (names.includes(k.command) && !seenKnown.has(`${k.command}/${k.field}`)) {
        mismatches.push(`${k.command} ${k.field}: listed as a known difference but both servers agree (stale entry?)`);
      }
    }
    console.log(`compared COMMAND INFO of ${names.length} commands and subcommands; ${mismatches.length} undocumented mismatch(es)`);
    assert.deepEqual(mismatches, [], `undocumented COMMAND INFO mismatches:\n${mismatches.join('\n')}`);
  } finally {
    ours.close();
    theirs.close();
    await oracle.stop();
    await srv.close();
  }
});

// ---- key extraction and (first, last, step) against Redis, over ALL of Redis's commands ----

const KEY_FLAG: Record<string, KeySpecFlag> = {
  RO: 'RO',
  RW: 'RW',
  OW: 'OW',
  RM: 'RM',
  access: 'ACCESS',
  update: 'UPDATE',
  insert: 'INSERT',
  delete: 'DELETE',
  not_key: 'NOT_KEY',
  incomplete: 'INCOMPLETE',
  variable_flags: 'VARIABLE_FLAGS',
};

function pairs(r: Resp): Map<string, Resp> {
  const a = r as Resp[];
  const m = new Map<string, Resp>();
  for (let i = 0; i < a.length; i += 2) m.set(String(a[i]), a[i + 1]!);
  return m;
}

/** A key spec as COMMAND INFO shows it → Redoubt's KeySpec. */
function toKeySpec(r: Resp): KeySpec {
  const m = pairs(r);
  const flags = (m.get('flags') as string[]).map((f) => KEY_FLAG[f]!);
  const bs = pairs(m.get('begin_search')!);
  const bspec = pairs(bs.get('spec')!);
  const fk = pairs(m.get('find_keys')!);
  const fspec = pairs(fk.get('spec')!);
  const begin =
    bs.get('type') === 'index'
      ? { index: bspec.get('index') as number }
      : bs.get('type') === 'keyword'
        ? { keyword: bspec.get('keyword') as string, startFrom: bspec.get('startfrom') as number }
        : { unknown: true as const };
  const find =
    fk.get('type') === 'range'
      ? { lastKey: fspec.get('lastkey') as number, step: fspec.get('keystep') as number, limit: fspec.get('limit') as number }
      : fk.get('type') === 'keynum'
        ? { keynumIdx: fspec.get('keynumidx') as number, firstKey: fspec.get('firstkey') as number, step: fspec.get('keystep') as number }
        : { unknown: true as const };
  return { flags, begin, find };
}

const SAMPLE_LINES: string[][] = [
  ['get', 'k'],
  ['mset', 'a', '1', 'b', '2'],
  ['bitop', 'and', 'd', 's1', 's2'],
  ['zunionstore', 'd', '2', 'a', 'b', 'weights', '1', '2'],
  ['zinterstore', 'd', '3', 'a', 'b'],
  ['eval', 's', '2', 'k1', 'k2', 'a1'],
  ['xread', 'count', '2', 'streams', 's1', 's2', '0', '0'],
  ['xread', 'streams', 's1', 's2', '0'],
  ['xreadgroup', 'group', 'g', 'c', 'streams', 's1', '0'],
  ['migrate', 'h', '1', '', '0', '5', 'copy', 'auth2', 'u', 'p', 'keys', 'a', 'b'],
  ['migrate', 'h', '1', 'k', '0', '5'],
  ['sort', 'k', 'by', 'w_*', 'get', '#', 'store', 'd'],
  ['sort_ro', 'k', 'by', 'x'],
  ['set', 'k', 'v', 'get'],
  ['set', 'k', 'v', 'nx'],
  ['bitfield', 'k', 'get', 'u8', '0'],
  ['bitfield', 'k', 'set', 'u8', '0', '1'],
  ['lmpop', '2', 'a', 'b', 'left'],
  ['blmpop', '0', '2', 'a', 'b', 'left'],
  ['bzmpop', '0', '1', 'a', 'min'],
  ['georadius', 'k', '0', '0', '1', 'km', 'store', 'd', 'storedist', 'e'],
  ['georadiusbymember', 'k', 'm', '1', 'km', 'storedist', 'd'],
  ['geosearchstore', 'd', 's', 'frommember', 'm', 'byradius', '1', 'km'],
  ['brpoplpush', 'a', 'b', '0'],
  ['blmove', 'a', 'b', 'left', 'right', '0'],
  ['blpop', 'a', 'b', '0'],
  ['object', 'encoding', 'k'],
  ['memory', 'usage', 'k'],
  ['sintercard', '2', 'a', 'b'],
  ['zdiff', '2', 'a', 'b'],
  ['del', 'a', 'b'],
  ['rename', 'a', 'b'],
  ['smove', 'a', 'b', 'm'],
  ['xadd', 's', '*', 'f', 'v'],
  ['fcall', 'f', '1', 'k', 'a'],
  ['pfmerge', 'd', 'a', 'b'],
  ['pfcount', 'a', 'b'],
  ['copy', 'a', 'b'],
  ['watch', 'a', 'b'],
  ['msetnx', 'a', '1', 'b', '2'],
  ['lcs', 'a', 'b'],
  ['xautoclaim', 's', 'g', 'c', '0', '0'],
  ['xgroup', 'create', 's', 'g', '$'],
  ['xinfo', 'stream', 's'],
  ['zrangestore', 'd', 's', '0', '1'],
  ['smismember', 's', 'a', 'b'],
  ['hset', 'h', 'f', 'v'],
];

test('key extraction and (first, last, step) agree with redis-server for all its commands', async (t) => {
  if (findRedisServer() === null) {
    console.log(NO_ORACLE_MESSAGE);
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const theirs = await RawClient.connect(oracle.port);
  try {
    const all = parseResp(await theirs.call('COMMAND')) as Resp[];
    const byName = new Map<string, KeyedCommand>();
    const problems: string[] = [];
    const visit = (e: Resp[]) => {
      const name = e[0] as string;
      const flags = (e[2] as string[]).filter((f): f is CommandFlag => f === 'no_mandatory_keys' || f === 'movablekeys');
      const keySpecs = (e[8] as Resp[]).map(toKeySpec);
      byName.set(name, { name, fullName: name, arity: e[1] as number, flags, keySpecs });
      const r = legacyKeyRange(keySpecs);
      const want = [e[3], e[4], e[5], (e[2] as string[]).includes('movablekeys')];
      const got = [r.first, r.last, r.step, r.movable];
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${name}: range ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
      for (const s of e[9] as Resp[]) visit(s as Resp[]);
    };
    for (const e of all) visit(e as Resp[]);
    for (const line of SAMPLE_LINES) {
      const full = line[0] === 'object' || line[0] === 'memory' || line[0] === 'xgroup' || line[0] === 'xinfo' ? `${line[0]}|${line[1]}` : line[0]!;
      const cmd = byName.get(full);
      assert.ok(cmd, `redis-server knows ${full}`);
      const got = extractKeys(cmd, line).map((k) => [line[k.index]!, keyFlagNames(k.flags)]);
      const raw = parseResp(await theirs.call('COMMAND', 'GETKEYSANDFLAGS', ...line));
      const want = Array.isArray(raw) ? (raw as Resp[][]).map(([k, f]) => [k, f]) : [];
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${line.join(' ')}: keys ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
    console.log(`checked (first, last, step) of ${byName.size} commands and the keys of ${SAMPLE_LINES.length} command lines`);
    assert.deepEqual(problems, []);
  } finally {
    theirs.close();
    await oracle.stop();
  }
});

function keyFlagNames(flags: readonly KeySpecFlag[]): string[] {
  const names: [KeySpecFlag, string][] = Object.entries(KEY_FLAG).map(([n, f]) => [f, n]);
  return names.filter(([f]) => flags.includes(f)).map(([, n]) => n);
}
