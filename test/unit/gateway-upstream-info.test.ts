/**
 * The gateway's INFO (gateway/upstream-info.ts): the primaries' keyspace lines summed,
 * avg_ttl weighted by each node's expires, the `# Upstream` section's totals and node
 * lines, error texts made safe for the line format, and the splice into the local report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyspaceLines, spliceInfo, upstreamLines, type UpstreamNodeReport } from '../../src/gateway/upstream-info.js';

const nodeInfo = (role: string, used: number, db0: string | null, extra = ''): string =>
  `# Server\r\nredis_version:7.0.15\r\n\r\n# Clients\r\nconnected_clients:3\r\n\r\n# Memory\r\nused_memory:${used}\r\n\r\n# Replication\r\nrole:${role}\r\n${extra}\r\n# Keyspace\r\n${db0 === null ? '' : `db0:${db0}\r\n`}`;

test('keyspace lines: keys and expires added, avg_ttl weighted by expires, empty dbs left out', () => {
  assert.deepEqual(
    keyspaceLines([nodeInfo('master', 1, 'keys=10,expires=2,avg_ttl=1000'), nodeInfo('master', 1, 'keys=5,expires=6,avg_ttl=3000'), nodeInfo('master', 1, null)]),
    ['db0:keys=15,expires=8,avg_ttl=2500'],
  );
  assert.deepEqual(keyspaceLines([nodeInfo('master', 1, 'keys=4,expires=0,avg_ttl=0')]), ['db0:keys=4,expires=0,avg_ttl=0']);
  assert.deepEqual(keyspaceLines([]), []);
});

test('the upstream section: totals over the nodes that answered, a line per node, errors made safe', () => {
  const nodes: UpstreamNodeReport[] = [
    { addr: { host: '10.0.0.1', port: 7000 }, role: 'master', slots: 8192, connected: true, text: nodeInfo('master', 2048, 'keys=10,expires=1,avg_ttl=5'), error: null, lastError: null },
    { addr: { host: '10.0.0.2', port: 7000 }, role: 'master', slots: 8192, connected: false, text: null, error: 'ERR upstream unreachable', lastError: { text: 'ERR a,b=c:d\r\ne', at: 1_000 } },
    { addr: { host: '10.0.0.3', port: 7000 }, role: 'slave', slots: 0, connected: true, text: nodeInfo('slave', 1024, 'keys=10,expires=1,avg_ttl=5', 'master_link_status:up\r\n'), error: null, lastError: null },
  ];
  const lines = upstreamLines('cluster', nodes, 11_500);
  assert.deepEqual(lines.slice(0, 10), [
    'upstream_mode:cluster',
    'upstream_nodes:3',
    'upstream_primaries:2',
    'upstream_nodes_answered:2',
    'upstream_nodes_failed:1',
    // the replica's copy is not counted
    'upstream_keys:10',
    'upstream_expires:1',
    'upstream_used_memory:3072',
    'upstream_used_memory_human:3.00K',
    'upstream_connected_clients:6',
  ]);
  assert.equal(lines[10], 'node0:ip=10.0.0.1,port=7000,role=master,slots=8192,status=ok,gateway_connected=1,keys=10,expires=1,used_memory=2048,connected_clients=3,total_commands_processed=0,redis_version=7.0.15,last_error=,last_error_seconds_ago=-1');
  assert.equal(lines[11], 'node1:ip=10.0.0.2,port=7000,role=master,slots=8192,status=error,gateway_connected=0,error=ERR upstream unreachable,last_error=ERR a b c d  e,last_error_seconds_ago=10');
  assert.match(lines[12]!, /^node2:ip=10\.0\.0\.3,port=7000,role=slave,slots=0,status=ok,.*,master_link_status=up,/);
});

test('splice: the local keyspace section replaced, the upstream section appended', () => {
  const local = '# Server\r\nredoubt_version:1\r\n\r\n# Keyspace\r\n';
  assert.equal(spliceInfo(local, ['db0:keys=3,expires=0,avg_ttl=0'], null), '# Server\r\nredoubt_version:1\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n');
  assert.equal(spliceInfo(local, [], ['upstream_nodes:0']), `${local}\r\n# Upstream\r\nupstream_nodes:0\r\n`);
  assert.equal(spliceInfo('', null, ['upstream_nodes:0']), '# Upstream\r\nupstream_nodes:0\r\n');
  // a section after the keyspace stays
  assert.equal(spliceInfo('# Keyspace\r\n\r\n# Security\r\nacl_users:1\r\n', ['db0:keys=1,expires=0,avg_ttl=0'], null), '# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n# Security\r\nacl_users:1\r\n');
});
