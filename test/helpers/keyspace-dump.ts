/**
 * Every key of a server, read back through ordinary commands into one comparable text per
 * key: type, contents (sets sorted, hashes by field) and absolute expiry. Persistence tests
 * compare a server's keyspace before and after a save/load, or between Redoubt and
 * redis-server, without DEBUG DIGEST.
 *
 * Streams are compared by what both Redis 7.0 and 7.2 keep in the RDB: entries, length,
 * last/first/max-deleted ids, entries-added, and per group its last id, entries-read, PEL
 * (with delivery times and counts) and consumers (with seen-time). Radix-tree shape and
 * 7.2's active-time are not part of the data.
 */
import { RawClient } from './raw-client.js';
import { parse, type Node } from './diff-support.js';

async function call(c: RawClient, ...argv: string[]): Promise<Node> {
  return parse(await c.call(...argv))[0];
}

function flatPairs(n: Node): Map<string, Node> {
  const m = new Map<string, Node>();
  const items = n.items ?? [];
  for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i]!.s ?? items[i]!.raw, items[i + 1]!);
  return m;
}

function streamText(full: Node): string {
  const f = flatPairs(full);
  const parts: string[] = [];
  for (const k of ['length', 'last-generated-id', 'max-deleted-entry-id', 'entries-added', 'recorded-first-entry-id']) parts.push(`${k}=${f.get(k)?.raw ?? '?'}`);
  parts.push(`entries=${f.get('entries')?.raw ?? '?'}`);
  for (const g of f.get('groups')?.items ?? []) {
    const gm = flatPairs(g);
    parts.push(`group ${gm.get('name')?.s} last=${gm.get('last-delivered-id')?.s} read=${gm.get('entries-read')?.raw} pel=${gm.get('pending')?.raw}`);
    for (const c of gm.get('consumers')?.items ?? []) {
      const cm = flatPairs(c);
      parts.push(`  consumer ${cm.get('name')?.s} seen=${cm.get('seen-time')?.raw} pel=${cm.get('pending')?.raw}`);
    }
  }
  return parts.join('\n');
}

function scoreText(s: string): string {
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return 'inf';
  if (lower === '-inf') return '-inf';
  return String(Number(s));
}

/** The contents of one key as text. */
export async function keyText(c: RawClient, key: string): Promise<string> {
  const type = (await call(c, 'TYPE', key)).s ?? '?';
  let body: string;
  switch (type) {
    case 'string':
      body = (await call(c, 'GET', key)).raw;
      break;
    case 'list':
      body = (await call(c, 'LRANGE', key, '0', '-1')).raw;
      break;
    case 'set':
      body = ((await call(c, 'SMEMBERS', key)).items ?? []).map((n) => n.s ?? '').sort().join('\u0000');
      break;
    case 'zset': {
      // scores as numbers: Redis 7.0 and 7.2 print some doubles differently (0.10000000000000001 / 0.1)
      const items = (await call(c, 'ZRANGE', key, '0', '-1', 'WITHSCORES')).items ?? [];
      const pairs: string[] = [];
      for (let i = 0; i + 1 < items.length; i += 2) pairs.push(`${items[i]!.s ?? ''}=${scoreText(items[i + 1]!.s ?? '')}`);
      body = pairs.join('\u0000');
      break;
    }
    case 'hash': {
      const m = flatPairs(await call(c, 'HGETALL', key));
      body = [...m].map(([k, v]) => `${k}=${v.s ?? ''}`).sort().join('\u0000');
      break;
    }
    case 'stream':
      body = streamText(await call(c, 'XINFO', 'STREAM', key, 'FULL'));
      break;
    default:
      body = '';
  }
  const expire = (await call(c, 'PEXPIRETIME', key)).raw;
  return `${type} ${expire}${body}`;
}

/** db/key → text, for every key of the first `dbs` databases. */
export async function dumpKeyspace(c: RawClient, dbs = 16): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let db = 0; db < dbs; db++) {
    await c.call('SELECT', String(db));
    let cursor = '0';
    const keys: string[] = [];
    do {
      const r = await call(c, 'SCAN', cursor, 'COUNT', '1000');
      cursor = r.items![0]!.s!;
      for (const k of r.items![1]!.items ?? []) keys.push(k.s!);
    } while (cursor !== '0');
    for (const k of keys) out.set(`${db}/${k}`, await keyText(c, k));
  }
  await c.call('SELECT', '0');
  return out;
}
