/**
 * WAIT numreplicas timeout and WAITAOF numlocal numreplicas timeout (Redis 7.2
 * replication.c): argument checks in Redis's order and texts; the counting and the
 * blocking are the wait service's (server/wait-registry.ts).
 *
 * Until replication lands no replica ever acknowledges: WAIT 0 … answers 0 at once, a
 * WAIT that asks for replicas blocks its client (never the server) until the timeout
 * (0 = forever; CLIENT UNBLOCK ends it) and then answers 0. WAITAOF counts the local
 * fsync as Redis does: under `appendfsync always` the write is synced before the reply
 * leaves, under `everysec` the next background fsync (within about a second) releases
 * it, under `no` only the timeout does. Inside MULTI (and scripts, where WAITAOF is
 * refused by its `noscript` flag) neither blocks: the counts are answered as they are.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { readLongLong, readPositiveLong, readRangeLong } from '../command-model/argument-reader.js';
import { parseTimeout } from '../command-model/timeout-argument.js';

export const wait = defineCommand({
  name: 'wait',
  arity: 3,
  flags: [],
  categories: ['connection'],
  tips: ['request_policy:all_shards', 'response_policy:agg_min'],
  docs: {
    summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.',
    since: '3.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arguments: [
      { name: 'numreplicas', type: 'integer' },
      { name: 'timeout', type: 'integer' },
    ],
  },
  run(ctx, argv) {
    const service = ctx.services.replication;
    if (service.isReplica) return reply.error(errors.waitOnReplica);
    const numreplicas = readLongLong(argv[1]!);
    const deadline = parseTimeout(argv[2]!, ctx.now, 'milliseconds');
    return service.wait(ctx, numreplicas, deadline);
  },
});

export const waitaof = defineCommand({
  name: 'waitaof',
  arity: 4,
  flags: ['noscript'],
  categories: ['connection'],
  tips: ['request_policy:all_shards', 'response_policy:agg_min'],
  docs: {
    summary: 'Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.',
    since: '7.2.0',
    group: 'generic',
    complexity: 'O(1)',
    arguments: [
      { name: 'numlocal', type: 'integer' },
      { name: 'numreplicas', type: 'integer' },
      { name: 'timeout', type: 'integer' },
    ],
  },
  run(ctx, argv) {
    const numlocal = readRangeLong(argv[1]!, 0n, 1n);
    const numreplicas = readPositiveLong(argv[2]!);
    const deadline = parseTimeout(argv[3]!, ctx.now, 'milliseconds');
    const service = ctx.services.replication;
    if (service.isReplica) return reply.error(errors.waitAofOnReplica);
    if (numlocal > 0 && !service.aofEnabled) return reply.error(errors.waitAofAppendOnlyOff);
    return service.waitAof(ctx, numlocal, numreplicas, deadline);
  },
});

export const waitCommands: CommandDefinition[] = [wait, waitaof];
