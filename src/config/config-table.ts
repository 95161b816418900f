/**
 * The config table: every redis.conf directive Redoubt knows. Entries with status
 * 'active' take effect; 'noeffect' ones load and answer CONFIG GET but do nothing yet;
 * 'unsupported-security' ones are refused until their layer lands.
 */
import type { ConfigDef } from './config-def.js';

export const configTable: ConfigDef[] = [
  { name: 'port', kind: 'int', default: '6379', min: 0, max: 65535, status: 'active', flags: ['immutable'] },
  {
    name: 'bind',
    kind: 'special',
    default: '127.0.0.1 -::1',
    status: 'active',
    flags: ['immutable'],
    parse: (args) => (args.length === 0 ? { error: 'wrong number of arguments' } : args.join(' ')),
  },
  { name: 'protected-mode', kind: 'bool', default: 'yes', status: 'active' },
  { name: 'databases', kind: 'int', default: '16', min: 1, max: 2147483647, status: 'active', flags: ['immutable'] },
  { name: 'maxclients', kind: 'int', default: '10000', min: 1, max: 2147483647, status: 'active' },
  { name: 'timeout', kind: 'int', default: '0', min: 0, max: 2147483647, status: 'active' },
  { name: 'tcp-keepalive', kind: 'int', default: '300', min: 0, max: 2147483647, status: 'active' },
  { name: 'hz', kind: 'int', default: '10', min: 0, max: 2147483647, status: 'active' },
  { name: 'active-expire-effort', kind: 'int', default: '1', min: 1, max: 10, status: 'active' },
  {
    name: 'maxmemory-policy',
    kind: 'enum',
    default: 'noeviction',
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    status: 'noeffect',
  },
  {
    name: 'proto-max-bulk-len',
    kind: 'memory',
    default: '536870912',
    min: 1024 * 1024,
    max: Number.MAX_SAFE_INTEGER,
    status: 'active',
    apply: (server, v) => {
      server.parserLimits.maxBulkLen = Number(v);
      return null;
    },
  },
  {
    name: 'client-query-buffer-limit',
    kind: 'memory',
    default: '1073741824',
    min: 1024 * 1024,
    max: Number.MAX_SAFE_INTEGER,
    status: 'active',
    apply: (server, v) => {
      server.queryBufferLimit = Number(v);
      return null;
    },
  },
  { name: 'slowlog-log-slower-than', kind: 'int', default: '10000', min: -1, max: Number.MAX_SAFE_INTEGER, status: 'active' },
  { name: 'slowlog-max-len', kind: 'int', default: '128', min: 0, max: Number.MAX_SAFE_INTEGER, status: 'active' },
  { name: 'latency-monitor-threshold', kind: 'int', default: '0', min: 0, max: Number.MAX_SAFE_INTEGER, status: 'active' },
  { name: 'loglevel', kind: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'], status: 'active' },
  { name: 'logfile', kind: 'string', default: '', status: 'active', flags: ['immutable'] },
  { name: 'pidfile', kind: 'string', default: '', status: 'active', flags: ['immutable'] },
  { name: 'daemonize', kind: 'bool', default: 'no', status: 'active', flags: ['immutable'] },
  { name: 'always-show-logo', kind: 'bool', default: 'no', status: 'active', flags: ['immutable'] },
];
