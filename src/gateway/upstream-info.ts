/**
 * INFO on a gateway (issue 18, docs/gateway-design.md "INFO"): the gateway's own sections
 * as a standalone Redoubt reports them (server, clients, memory of the gateway process,
 * stats, cluster with the gateway's counters, security…), except the data it does not
 * hold:
 *  - `# Keyspace` is the sum over the upstream primaries of their own keyspace lines
 *    (keys and expires added, avg_ttl weighted by each node's expires), so monitoring that
 *    reads `db0:keys=` sees the dataset behind the gateway;
 *  - `# Upstream` (asked by name, or with `all`/`everything`) gives the fleet's totals and
 *    one `nodeN:` line per upstream node, primaries then replicas: address, role, slots,
 *    whether the gateway holds a connection to it, its keys, memory, clients, version,
 *    and the last error the gateway met there.
 * Only whitelisted fields of a node's INFO are copied, so nothing of the node's
 * configuration (paths, the gateway's upstream user) is shown. Pure: the gateway gathers
 * the nodes' INFO texts and hands them here.
 */
import { bytesToHuman } from '../server/bytes-human.js';

/** What the gateway knows of one upstream node when INFO is asked. */
export interface UpstreamNodeReport {
  addr: { host: string; port: number };
  /** the role the slot map gives it (a standalone or Sentinel upstream: 'master') */
  role: 'master' | 'slave';
  /** slots it serves as a primary (-1: not a cluster) */
  slots: number;
  /** the gateway has an open connection to it */
  connected: boolean;
  /** its INFO text, or null when it did not answer (`error` says why) */
  text: string | null;
  error: string | null;
  /** the last error the gateway met on its connections to the node, and when (ms epoch) */
  lastError: { text: string; at: number } | null;
}

/** `field:value` lines of an INFO text ('# Section' headers and blank lines skipped). */
export function infoFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l === '' || l.startsWith('#')) continue;
    const colon = l.indexOf(':');
    if (colon > 0) out.set(l.slice(0, colon), l.slice(colon + 1));
  }
  return out;
}

interface DbTotals {
  keys: number;
  expires: number;
  /** avg_ttl × expires, summed: the weighted mean's numerator */
  ttlWeight: number;
}

/** `db0:keys=1,expires=0,avg_ttl=0` → numbers, null for anything else. */
function dbLine(value: string): DbTotals | null {
  const m = /^keys=(\d+),expires=(\d+),avg_ttl=(\d+)/.exec(value);
  if (m === null) return null;
  const expires = Number(m[2]);
  return { keys: Number(m[1]), expires, ttlWeight: Number(m[3]) * expires };
}

/** Each db's keys and expires over the given INFO texts (the primaries': replicas hold copies). */
function keyspaceTotals(texts: readonly string[]): Map<number, DbTotals> {
  const dbs = new Map<number, DbTotals>();
  for (const text of texts) {
    for (const [k, v] of infoFields(text)) {
      const m = /^db(\d+)$/.exec(k);
      const t = m === null ? null : dbLine(v);
      if (t === null) continue;
      const db = Number(m![1]);
      const sum = dbs.get(db) ?? { keys: 0, expires: 0, ttlWeight: 0 };
      sum.keys += t.keys;
      sum.expires += t.expires;
      sum.ttlWeight += t.ttlWeight;
      dbs.set(db, sum);
    }
  }
  return dbs;
}

/** The summed `# Keyspace` lines, in db order, as Redis prints them (empty dbs left out). */
export function keyspaceLines(primaryTexts: readonly string[]): string[] {
  const dbs = keyspaceTotals(primaryTexts);
  return [...dbs.keys()]
    .sort((a, b) => a - b)
    .map((db) => {
      const t = dbs.get(db)!;
      return `db${db}:keys=${t.keys},expires=${t.expires},avg_ttl=${t.expires === 0 ? 0 : Math.floor(t.ttlWeight / t.expires)}`;
    });
}

/** An error text as one INFO value: no ',' '=' (the line's own separators), ':', CR or LF. */
function safeValue(s: string): string {
  return s.replace(/[,=:\r\n]/g, ' ').slice(0, 120);
}

const num = (fields: Map<string, string> | null, name: string): number => {
  const v = fields?.get(name);
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : 0;
};

/** The `# Upstream` section's lines. `now` (ms) dates the last errors. */
export function upstreamLines(mode: string, nodes: readonly UpstreamNodeReport[], now: number): string[] {
  const parsed = nodes.map((n) => (n.text === null ? null : infoFields(n.text)));
  const primaries = nodes.filter((n) => n.role === 'master');
  const answered = parsed.filter((f) => f !== null).length;
  const keyTotals = keyspaceTotals(nodes.filter((n, i) => n.role === 'master' && parsed[i] !== null).map((n) => n.text!));
  let keys = 0;
  let expires = 0;
  for (const t of keyTotals.values()) {
    keys += t.keys;
    expires += t.expires;
  }
  const usedMemory = parsed.reduce((sum, f) => sum + num(f, 'used_memory'), 0);
  const lines = [
    `upstream_mode:${mode}`,
    `upstream_nodes:${nodes.length}`,
    `upstream_primaries:${primaries.length}`,
    `upstream_nodes_answered:${answered}`,
    `upstream_nodes_failed:${nodes.length - answered}`,
    `upstream_keys:${keys}`,
    `upstream_expires:${expires}`,
    `upstream_used_memory:${usedMemory}`,
    `upstream_used_memory_human:${bytesToHuman(usedMemory)}`,
    `upstream_connected_clients:${parsed.reduce((sum, f) => sum + num(f, 'connected_clients'), 0)}`,
  ];
  nodes.forEach((n, i) => {
    const f = parsed[i]!;
    const nodeKeys = f === null ? null : keyspaceTotals([n.text!]);
    let k = 0;
    let e = 0;
    for (const t of nodeKeys?.values() ?? []) {
      k += t.keys;
      e += t.expires;
    }
    const fields: [string, string | number][] = [
      ['ip', n.addr.host],
      ['port', n.addr.port],
      ['role', f?.get('role') ?? n.role],
      ['slots', n.slots],
      ['status', f === null ? 'error' : 'ok'],
      ['gateway_connected', n.connected ? 1 : 0],
    ];
    if (f !== null) {
      fields.push(['keys', k], ['expires', e], ['used_memory', num(f, 'used_memory')], ['connected_clients', num(f, 'connected_clients')]);
      fields.push(['total_commands_processed', num(f, 'total_commands_processed')], ['redis_version', safeValue(f.get('redis_version') ?? '')]);
      const link = f.get('master_link_status');
      if (link !== undefined) fields.push(['master_link_status', safeValue(link)]);
    } else {
      fields.push(['error', safeValue(n.error ?? '')]);
    }
    fields.push(['last_error', n.lastError === null ? '' : safeValue(n.lastError.text)]);
    fields.push(['last_error_seconds_ago', n.lastError === null ? -1 : Math.floor((now - n.lastError.at) / 1000)]);
    lines.push(`node${i}:${fields.map(([name, v]) => `${name}=${v}`).join(',')}`);
  });
  return lines;
}

/**
 * The gateway's own INFO text with its (empty) `# Keyspace` section's lines replaced by
 * `keyspace` (when the section is shown), and `# Upstream` appended (when `upstream` is
 * not null).
 */
export function spliceInfo(local: string, keyspace: readonly string[] | null, upstream: readonly string[] | null): string {
  let text = local;
  if (keyspace !== null) {
    text = text.replace(/# Keyspace\r\n(?:db[^\r\n]*\r\n)*/, () => `# Keyspace\r\n${keyspace.map((l) => `${l}\r\n`).join('')}`);
  }
  if (upstream !== null) {
    const section = `# Upstream\r\n${upstream.map((l) => `${l}\r\n`).join('')}`;
    text = text === '' ? section : `${text}\r\n${section}`;
  }
  return text;
}
