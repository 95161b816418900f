/**
 * MEMORY USAGE / STATS / MALLOC-STATS / PURGE / HELP, from the same accounting maxmemory
 * uses (keyspace/memory-accounting.ts), and MEMORY DOCTOR (memory-doctor.ts).
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { DEFAULT_SAMPLES, EXPIRE_OVERHEAD, KEY_OVERHEAD } from '../keyspace/memory-estimate.js';
import { helpReply } from './object.js';
import { memoryDoctor } from './memory-doctor.js';

const usage = defineCommand({
  name: 'usage',
  arity: -3,
  flags: ['readonly'],
  categories: [],
  keySpecs: [keys.one(2, 'RO')],
  docs: {
    summary: 'Estimates how many bytes a key and its value take.',
    since: '4.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of samples.',
    arguments: [
      { name: 'key', type: 'key' },
      { name: 'count', type: 'integer', token: 'SAMPLES', optional: true },
    ],
  },
  run(ctx, argv) {
    let samples = DEFAULT_SAMPLES;
    // as Redis: options are checked before the key is looked up
    for (let j = 3; j < argv.length; j++) {
      if (argv[j]!.toLowerCase() === 'samples' && j + 1 < argv.length) {
        const n = readLongLong(argv[j + 1]!);
        if (n < 0) return reply.error(errors.syntax);
        // 0 = every element (Redis: LLONG_MAX); past 2^53 just as many
        samples = n === 0 || n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
        j++;
      } else return reply.error(errors.syntax);
    }
    // Redis finds the key without expiring or touching it
    const e = ctx.db.storedEntry(argv[2]!);
    if (e === undefined) return reply.nil;
    return reply.int(ctx.services.keyspace.memory.keyUsage(argv[2]!, e, samples));
  },
});

/** A ratio as Redis keeps it (a C float) and replies it (a double). */
function ratio(a: number, b: number): Reply {
  return reply.double(Math.fround(b === 0 ? 0 : a / b));
}

const stats = defineCommand({
  name: 'stats',
  arity: 2,
  flags: [],
  categories: [],
  tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
  docs: { summary: 'Reports the server\'s memory usage in detail.', since: '4.0.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const keyspace = ctx.services.keyspace;
    const mem = keyspace.memory;
    mem.clients = ctx.services.clients.bufferBytes();
    const fig = mem.figures();
    const mu = process.memoryUsage();
    const net = fig.used > fig.startup ? fig.used - fig.startup : 0;
    const allocated = mu.heapUsed;
    const active = mu.heapTotal;
    const resident = mu.rss;
    const out: Reply[] = [];
    const int = (name: string, n: number) => out.push(reply.bulk(name), reply.int(Math.round(n)));
    const dbl = (name: string, r: Reply) => out.push(reply.bulk(name), r);
    int('peak.allocated', mem.peak);
    int('total.allocated', fig.used);
    int('startup.allocated', fig.startup);
    int('replication.backlog', 0);
    int('clients.slaves', 0);
    int('clients.normal', fig.clients);
    int('cluster.links', 0);
    int('aof.buffer', 0);
    int('lua.caches', 0);
    int('functions.caches', 0);
    for (const db of keyspace.dbs) {
      if (db.size === 0) continue;
      out.push(
        reply.bulk(`db.${db.index}`),
        reply.map([
          reply.bulk('overhead.hashtable.main'),
          reply.int(db.size * KEY_OVERHEAD),
          reply.bulk('overhead.hashtable.expires'),
          reply.int(db.expiresCount * EXPIRE_OVERHEAD),
          // cluster mode's slot index; Redoubt is never clustered
          reply.bulk('overhead.hashtable.slot-to-keys'),
          reply.int(0),
        ]),
      );
    }
    int('overhead.total', fig.overhead);
    int('keys.count', fig.keys);
    int('keys.bytes-per-key', fig.keys === 0 ? 0 : Math.floor(net / fig.keys));
    int('dataset.bytes', fig.dataset);
    dbl('dataset.percentage', ratio(fig.dataset * 100, net));
    dbl('peak.percentage', ratio(fig.used * 100, mem.peak));
    int('allocator.allocated', allocated);
    int('allocator.active', active);
    int('allocator.resident', resident);
    dbl('allocator-fragmentation.ratio', ratio(active, allocated));
    int('allocator-fragmentation.bytes', active - allocated);
    dbl('allocator-rss.ratio', ratio(resident, active));
    int('allocator-rss.bytes', resident - active);
    dbl('rss-overhead.ratio', ratio(mu.rss, resident));
    int('rss-overhead.bytes', mu.rss - resident);
    dbl('fragmentation', ratio(mu.rss, fig.used));
    int('fragmentation.bytes', mu.rss - fig.used);
    return reply.map(out);
  },
});

const mallocStats = defineCommand({
  name: 'malloc-stats',
  arity: 2,
  flags: [],
  categories: [],
  tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
  docs: { summary: 'Reports the memory allocator\'s internal statistics.', since: '4.0.0', group: 'server', complexity: 'Depends on how much memory is allocated, could be slow' },
  // what Redis answers when built without jemalloc, which is Redoubt's case (V8's heap)
  run: () => reply.bulk('Stats not supported for the current allocator'),
});

const purge = defineCommand({
  name: 'purge',
  arity: 2,
  flags: [],
  categories: [],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  docs: { summary: 'Asks the allocator to release memory.', since: '4.0.0', group: 'server', complexity: 'Depends on how much memory is allocated, could be slow' },
  // as Redis without jemalloc: nothing to purge; V8 returns memory on its own GC schedule
  run: () => reply.ok,
});

const HELP_LINES = [
  'DOCTOR',
  '    A plain-words report on memory use.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: [],
  docs: { summary: 'Lists the MEMORY subcommands.', since: '4.0.0', group: 'server', complexity: 'O(1)' },
  run: (_ctx, argv) => helpReply(argv[0]!, HELP_LINES),
});

export const memory = defineCommand({
  name: 'memory',
  arity: -2,
  flags: [],
  docs: { summary: 'Memory usage introspection.', since: '4.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [memoryDoctor, help, mallocStats, purge, stats, usage],
});

export const memoryCommands: CommandDefinition[] = [memory];
