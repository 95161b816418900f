/**
 * The command table against Redis 7.2.4 itself (command-info-diff.test.ts compares with
 * Debian's 7.0 live): fixtures/redis-7.2.4-command-info.json is what a 7.2.4 build answers
 * to COMMAND INFO — arity, flags, first/last/step and ACL categories of every command and
 * subcommand — recorded with scripts/command-info-fixture.py. Every command both have must
 * agree on all four; every 7.2.4 command Redoubt lacks must be one of the listed, reasoned
 * absences; COMMAND COUNT, COMMAND LIST and COMMAND INFO must describe the same table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

type Row = [number, string[], number, number, number, string[]];
const FIXTURE = JSON.parse(readFileSync(new URL('../../../test/compat/fixtures/redis-7.2.4-command-info.json', import.meta.url), 'latin1')) as Record<string, Row>;

/**
 * 7.2.4 commands Redoubt does not register, and why. Replication's commands arrive with
 * the replication branch (issue 16), all present now; this list only bounds what may be missing.
 */
const ABSENT = new Map<string, string>([
  ...['asking', 'restore-asking'].map((n): [string, string] => [n, 'cluster mode only']),
]);

type Resp = string | number | null | Resp[];

/** Parses one RESP2 reply (no errors expected here). */
function parse(s: string): Resp {
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
    if (t === '+') return l;
    if (t === ':') return Number(l);
    if (t === '$') {
      const n = Number(l);
      if (n < 0) return null;
      const v = s.slice(i, i + n);
      i += n + 2;
      return v;
    }
    if (t === '*') {
      const n = Number(l);
      if (n < 0) return null;
      const out: Resp[] = [];
      for (let k = 0; k < n; k++) out.push(value());
      return out;
    }
    throw new Error(`unexpected reply ${JSON.stringify(s.slice(i - 1, i + 40))}`);
  };
  return value();
}

function rows(entries: Resp[], into: Map<string, Row>): void {
  for (const e of entries) {
    if (!Array.isArray(e)) continue;
    const [name, arity, flags, first, last, step, cats, , , subs] = e as [string, number, string[], number, number, number, string[], Resp, Resp, Resp[]];
    into.set(name, [arity, [...flags].sort(), first, last, step, [...cats].sort()]);
    rows(subs, into);
  }
}

test('every command both have agrees with Redis 7.2.4 on arity, flags, first/last/step and ACL categories', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    c.write(RawClient.encode(['COMMAND', 'INFO']));
    const ours = new Map<string, Row>();
    rows(parse(await c.readReply(15_000)) as Resp[], ours);
    const mismatches: string[] = [];
    let compared = 0;
    for (const [name, want] of Object.entries(FIXTURE)) {
      const got = ours.get(name);
      if (got === undefined) {
        if (!ABSENT.has(name)) mismatches.push(`${name}: in Redis 7.2.4, not registered`);
        continue;
      }
      compared++;
      const fields = ['arity', 'flags', 'first', 'last', 'step', 'categories'];
      for (let i = 0; i < fields.length; i++) {
        if (JSON.stringify(got[i]) !== JSON.stringify(want[i])) mismatches.push(`${name} ${fields[i]}: ours ${JSON.stringify(got[i])}, 7.2.4 ${JSON.stringify(want[i])}`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.ok(compared >= 320, `only ${compared} commands compared`);
    // what Redoubt adds beyond 7.2.4 is its own, documented family
    const extra = [...ours.keys()].filter((n) => FIXTURE[n] === undefined);
    assert.deepEqual(extra.filter((n) => n !== 'auththrottle' && !n.startsWith('auththrottle|')), []);
  } finally {
    c.close();
    await srv.close();
  }
});

test('COMMAND COUNT, COMMAND LIST and COMMAND INFO describe the same table', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const count = parse(await c.call('COMMAND', 'COUNT')) as number;
    c.write(RawClient.encode(['COMMAND', 'LIST']));
    const list = (parse(await c.readReply(15_000)) as string[]).slice().sort();
    c.write(RawClient.encode(['COMMAND', 'INFO']));
    const info = parse(await c.readReply(15_000)) as Resp[];
    const all = new Map<string, Row>();
    rows(info, all);
    assert.equal(info.length, count, 'COMMAND INFO without names lists COMMAND COUNT commands');
    assert.deepEqual(list, [...all.keys()].sort(), 'COMMAND LIST names every command and subcommand COMMAND INFO has');
    assert.equal(list.filter((n) => !n.includes('|')).length, count);
    c.write(RawClient.encode(['COMMAND', 'INFO', ...list]));
    const each = parse(await c.readReply(15_000)) as Resp[];
    assert.equal(each.filter((e) => e === null).length, 0, 'a listed name COMMAND INFO does not know');
  } finally {
    c.close();
    await srv.close();
  }
});
