import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { bytesToHuman, selectSections } from '../../src/server/info-report.js';

/** Reads a RESP2 bulk reply's body. */
function bulkBody(raw: string): string {
  assert.match(raw, /^\$\d+\r\n/);
  return raw.slice(raw.indexOf('\r\n') + 2, -2);
}

/** INFO text → section title → field names (in order). */
function fieldsBySection(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = '';
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = line.slice(2);
      out.set(cur, []);
    } else if (line.length > 0) out.get(cur)!.push(line.slice(0, line.indexOf(':')));
  }
  return out;
}

const SERVER_FIELDS_72 = [
  'redis_version',
  'redis_git_sha1',
  'redis_git_dirty',
  'redis_build_id',
  'redis_mode',
  'os',
  'arch_bits',
  'monotonic_clock',
  'multiplexing_api',
  'atomicvar_api',
  'gcc_version',
  'process_id',
  'process_supervised',
  'run_id',
  'tcp_port',
  'server_time_usec',
  'uptime_in_seconds',
  'uptime_in_days',
  'hz',
  'configured_hz',
  'lru_clock',
  'executable',
  'config_file',
  'io_threads_active',
  'listener0',
  'redoubt_version',
];

test('INFO with no argument: the default sections, in order, with CRLF lines and blank separators', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const text = bulkBody(await c.call('INFO'));
    const titles = [...text.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]);
    assert.deepEqual(titles, ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
    assert.ok(text.startsWith('# Server\r\nredis_version:7.2.4\r\n'));
    assert.match(text, /\r\n\r\n# Clients\r\n/);
    assert.match(text, /\r\nredoubt_version:\d+\.\d+\.\d+\r\n/);
    assert.match(text, /\r\nrole:master\r\n/);
    assert.match(text, /\r\nloading:0\r\n/, 'ioredis waits for loading:0');
    assert.match(text, /\r\ncluster_enabled:0\r\n/);
    assert.deepEqual(fieldsBySection(text).get('Server'), SERVER_FIELDS_72);
    assert.match(text, new RegExp(`\\r\\nlistener0:name=tcp,bind=127\\.0\\.0\\.1,bind=-::1,port=${srv.port}\\r\\n`));
    assert.match(text, new RegExp(`\\r\\ntcp_port:${srv.port}\\r\\n`));
  } finally {
    c.close();
    await srv.close();
  }
});

test('INFO sections: several names, any case, default/all/everything, unknown names add nothing', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const two = bulkBody(await c.call('INFO', 'CPU', 'server'));
    assert.deepEqual([...two.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]), ['Server', 'CPU'], 'output order is Redis order');
    assert.match(two, /\r\n\r\n# CPU\r\nused_cpu_sys:\d+\.\d{6}\r\n/);
    assert.equal(await c.call('INFO', 'nosuchsection'), '$0\r\n\r\n');
    const all = bulkBody(await c.call('INFO', 'all'));
    const allTitles = [...all.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]);
    assert.deepEqual(allTitles, [
      'Server',
      'Clients',
      'Memory',
      'Persistence',
      'Stats',
      'Replication',
      'CPU',
      'Modules',
      'Commandstats',
      'Errorstats',
      'Latencystats',
      'Cluster',
      'Keyspace',
    ]);
    const everything = bulkBody(await c.call('INFO', 'everything'));
    assert.deepEqual([...everything.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]), allTitles);
    const dflt = bulkBody(await c.call('INFO', 'default', 'commandstats'));
    assert.ok(dflt.includes('# Commandstats\r\n') && dflt.includes('# Keyspace\r\n'));
    assert.deepEqual(selectSections(['KEYSPACE', 'keyspace']), ['keyspace'], 'a section is shown once');
    assert.deepEqual(selectSections(['module_list']), ['modules']);
  } finally {
    c.close();
    await srv.close();
  }
});

test('INFO keyspace, commandstats and errorstats reflect what happened', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(bulkBody(await c.call('INFO', 'keyspace')), '# Keyspace\r\n');
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2', 'PX', '100000');
    await c.call('SELECT', '3');
    await c.call('SET', 'c', '3');
    await c.call('GET', 'c');
    // avg_ttl is 0 until the expiry cron has sampled db0's volatile key (as in Redis); on a
    // busy machine the cron may run before INFO, and then it is that key's TTL left
    const keyspace = bulkBody(await c.call('INFO', 'keyspace'));
    const m = /^# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=(\d+)\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n$/.exec(keyspace);
    assert.ok(m !== null, keyspace);
    assert.ok(Number(m[1]) <= 100_000, `avg_ttl ${m[1]} is more than the key's TTL`);
    assert.match(await c.call('GET', 'a', 'b'), /^-ERR wrong number of arguments/);
    assert.match(await c.call('NOSUCHCMD'), /^-ERR unknown command/);
    await c.call('SET', 'k', 'v', 'EX', 'notanumber');
    const stats = bulkBody(await c.call('INFO', 'commandstats'));
    assert.match(stats, /\r\ncmdstat_set:calls=4,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r\n/);
    assert.match(stats, /\r\ncmdstat_get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0\r\n/);
    assert.match(stats, /\r\ncmdstat_select:calls=1,/);
    assert.doesNotMatch(stats, /cmdstat_nosuchcmd/);
    assert.equal(bulkBody(await c.call('INFO', 'errorstats')), '# Errorstats\r\nerrorstat_ERR:count=3\r\n');
    assert.match(bulkBody(await c.call('INFO', 'stats')), /\r\ntotal_error_replies:3\r\n/);
    // subcommands are reported under container|sub
    await c.call('CLIENT', 'ID');
    assert.match(bulkBody(await c.call('INFO', 'commandstats')), /\r\ncmdstat_client\|id:calls=1,/);
  } finally {
    c.close();
    await srv.close();
  }
});

test('INFO clients, stats and memory carry live numbers', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await b.call('PING');
    const text = bulkBody(await a.call('INFO', 'clients', 'stats', 'memory', 'persistence'));
    assert.match(text, /\r\nconnected_clients:2\r\n/);
    assert.match(text, /\r\nmaxclients:10000\r\n/);
    assert.match(text, /\r\ntotal_connections_received:2\r\n/);
    assert.match(text, /\r\ntotal_commands_processed:1\r\n/, 'INFO itself is counted after it ran');
    const used = Number(/\r\nused_memory:(\d+)\r\n/.exec(text)![1]);
    const rss = Number(/\r\nused_memory_rss:(\d+)\r\n/.exec(text)![1]);
    // an empty server: about redis-server's ~0.9 MB (the runtime's start-up heap is not counted)
    assert.ok(used > 512 * 1024 && rss >= used / 4, `plausible memory figures ${used} ${rss}`);
    assert.match(text, /\r\nused_memory_human:\d+\.\d\d[KM]\r\n/);
    assert.match(text, /\r\nused_memory_peak_perc:\d+\.\d\d%\r\n/);
    assert.match(text, /\r\nmaxmemory_policy:noeviction\r\n/);
    assert.match(text, /\r\nrdb_changes_since_last_save:0\r\n/);
    await b.call('SET', 'x', '1');
    assert.match(bulkBody(await a.call('INFO', 'persistence')), /\r\nrdb_changes_since_last_save:1\r\n/);
    const stats = bulkBody(await a.call('INFO', 'stats'));
    assert.match(stats, /\r\nkeyspace_hits:0\r\nkeyspace_misses:0\r\n/);
    await b.call('GET', 'x');
    await b.call('GET', 'nope');
    assert.match(bulkBody(await a.call('INFO', 'stats')), /\r\nkeyspace_hits:1\r\nkeyspace_misses:1\r\n/);
    assert.match(stats, /\r\nacl_access_denied_auth:0\r\nacl_access_denied_cmd:0\r\nacl_access_denied_key:0\r\nacl_access_denied_channel:0\r\n$/);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('INFO is a verbatim string in RESP3', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('HELLO', '3');
    const raw = await c.call('INFO', 'cluster');
    assert.equal(raw, '=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('ioredis and node-redis read INFO', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  const nr = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  try {
    const text = await io.info('server');
    assert.match(text, /redis_version:7\.2\.4/);
    await nr.connect();
    const t2 = await nr.info('replication');
    assert.match(t2, /role:master/);
    assert.match(t2, /master_failover_state:no-failover/);
    assert.match(t2, /master_replid:[0-9a-f]{40}\r\n/);
  } finally {
    io.disconnect();
    if (nr.isOpen) await nr.quit();
    await srv.close();
  }
});

test('bytesToHuman formats like Redis', () => {
  assert.equal(bytesToHuman(0), '0B');
  assert.equal(bytesToHuman(1023), '1023B');
  assert.equal(bytesToHuman(1024), '1.00K');
  assert.equal(bytesToHuman(1536), '1.50K');
  assert.equal(bytesToHuman(1024 * 1024 * 5.25), '5.25M');
  assert.equal(bytesToHuman(1024 ** 3 * 2), '2.00G');
});

/**
 * Field names per section against a live redis-server 7.0.15: Redoubt must print every field
 * 7.0 prints, in the same order, plus only the fields 7.2 added (and Redoubt's own, listed).
 */
const ADDED_IN_72: Record<string, string[]> = {
  Server: ['listener0', 'redoubt_version'],
  Clients: ['total_blocking_keys', 'total_blocking_keys_on_nokey'],
  // Redoubt's own: the V8 heap ceiling and the heap OOM refusal (server/heap-guard.ts)
  Memory: ['heap_size_limit', 'heap_size_limit_human', 'heap_old_space_limit', 'heap_used', 'heap_oom_refusing'],
  Stats: [
    'eventloop_cycles',
    'eventloop_duration_sum',
    'eventloop_duration_cmd_sum',
    'instantaneous_eventloop_cycles_per_sec',
    'instantaneous_eventloop_duration_usec',
    'acl_access_denied_auth',
    'acl_access_denied_cmd',
    'acl_access_denied_key',
    'acl_access_denied_channel',
    // Redoubt's own: connections refused by source-allowlist
    'rejected_connections_allowlist',
  ],
};

test('INFO field names and order match redis-server (7.2 additions aside)', async (t) => {
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
    const a = fieldsBySection(bulkBody(await ours.call('INFO', 'everything')));
    const b = fieldsBySection(bulkBody(await theirs.call('INFO', 'everything')));
    assert.deepEqual([...a.keys()], [...b.keys()], 'same sections in the same order');
    for (const [section, fields] of b) {
      if (['Commandstats', 'Errorstats', 'Latencystats', 'Keyspace'].includes(section)) continue;
      const added = ADDED_IN_72[section] ?? [];
      assert.deepEqual(
        a.get(section)!.filter((f) => !added.includes(f)),
        fields,
        `fields of ${section}`,
      );
    }
  } finally {
    ours.close();
    theirs.close();
    await oracle.stop();
    await srv.close();
  }
});
