/**
 * Run with `node --expose-gc`: fills a server (in-process, through the real dispatcher)
 * with one kind of data and prints, as JSON, how much the V8 heap grew (after full GCs)
 * next to how much the memory accounting grew. memory-calibration.test.ts checks the two
 * agree; src/keyspace/memory-estimate.ts documents the figures.
 */
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { CommandContext } from '../../src/command-context/context.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const [kind, keysArg, elemsArg, lenArg] = process.argv.slice(2);
const keys = Number(keysArg);
const elems = Number(elemsArg);
const len = Number(lenArg);

const server = new Server();
const client = new Client(1, 'test:1', 'test:2', 1, 0, server.acl.defaultUser);
const ctx = new CommandContext(server, client);
// arguments as the request parser makes them: flat one-byte strings from a buffer
const arg = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
const run = (argv: string[]): void => void server.dispatcher.dispatch(ctx, argv.map(arg));
const pad = (s: string): string => (s + 'x'.repeat(len)).slice(0, Math.max(len, s.length));

function heap(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function fill(): void {
  for (let i = 0; i < keys; i++) {
    const k = `key:${i}`;
    if (kind === 'string') run(['SET', k, pad(`v${i}`)]);
    else if (kind === 'volatile') run(['SET', k, pad(`v${i}`), 'EX', '100000']);
    else if (kind === 'append') for (let j = 0; j < elems; j++) run(['APPEND', k, pad(`a${j}`)]);
    else if (kind === 'stream') for (let j = 0; j < elems; j++) run(['XADD', k, '*', 'field', pad(`v${j}`)]);
    else {
      for (let j = 0; j < elems; j += 50) {
        const argv = kind === 'hash' ? ['HSET', k] : kind === 'set' ? ['SADD', k] : kind === 'zset' ? ['ZADD', k] : ['RPUSH', k];
        for (let q = j; q < Math.min(elems, j + 50); q++) {
          if (kind === 'hash') argv.push(`f${q}`, pad(`v${q}`));
          else if (kind === 'zset') argv.push(String(q * 1.5), pad(`m${q}`));
          else argv.push(pad(`m${q}`));
        }
        run(argv);
      }
    }
  }
}

const heapBefore = heap();
const accountedBefore = server.memory.used();
fill();
const heapAfter = heap();
const accountedAfter = server.memory.used();
process.stdout.write(JSON.stringify({ heap: heapAfter - heapBefore, accounted: accountedAfter - accountedBefore }) + '\n');
