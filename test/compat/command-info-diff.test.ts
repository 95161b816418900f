/**
 * Differential test of the command table: for EVERY command and subcommand Redoubt
 * registers, `COMMAND INFO <name>` from Redoubt and from a live redis-server must agree
 * field by field (arity, flags, first/last/step, ACL categories, tips, key specs,
 * subcommand names), except for the documented 7.0→7.2 differences in
 * known-differences.ts. Skips loudly when no redis-server is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { knownDifferences, type InfoField } from './known-differences.js';

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
    const names = srv.server.commands.all.map((c) => c.fullName);
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
