/**
 * Fuzz target: the AOF loader (src/persistence/aof/aof-loader.ts) replaying mutated valid
 * AOF files into a real in-process server through the AOF client (aofExecutor), read in
 * random chunk sizes. Oracle: loading succeeds (possibly truncating a torn tail) or fails
 * with an AofLoadError — never another exception — no command answers `internal error`,
 * the server logs no internal error, and each file loads within a generous time bound.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AofLoadError, loadAof } from '../../../src/persistence/aof/aof-loader.js';
import { createDumpPayload } from '../../../src/persistence/rdb/dump-payload.js';
import { stringValue } from '../../helpers/aof-sample-values.js';
import { encodeCommand } from '../../../src/persistence/aof/resp-command-builder.js';
import { aofExecutor } from '../../../src/persistence/loading.js';
import type { RunningServer } from '../../../src/server/server.js';
import { startTestServer } from '../../helpers/server.js';
import { assertWithin, type FuzzTarget } from '../harness/fuzz-harness.js';
import { applyMutations, randomMutations, type Mutation } from '../harness/mutate.js';

export interface AofInput {
  base: number;
  mutations: Mutation[];
  /** bytes per read, so commands straddle read boundaries */
  chunkSize: number;
  loadTruncated: boolean;
}

const MAX_MS = 5000;

/** Valid AOF files: every type's write commands, transactions, database switches, expiries. */
const SAMPLE_COMMANDS: string[][][] = [
  [
    ['SELECT', '0'],
    ['SET', 'k', 'v'],
    ['SET', 'n', '10'],
    ['INCRBY', 'n', '5'],
    ['INCRBYFLOAT', 'n', '1.5'],
    ['APPEND', 'k', '\x00\xff\r\n'],
    ['SETRANGE', 'k', '5', 'xyz'],
    ['PEXPIREAT', 'k', '4102444800000'],
    ['RPUSH', 'l', 'a', 'b', 'c', '1', '2'],
    ['LSET', 'l', '0', 'z'],
    ['LTRIM', 'l', '0', '3'],
    ['SADD', 's', '1', '2', '3', 'x'],
    ['SREM', 's', '2'],
    ['ZADD', 'z', '1', 'a', '2.5', 'b', '-inf', 'c'],
    ['ZINCRBY', 'z', '3', 'a'],
    ['HSET', 'h', 'f', 'v', 'g', '7'],
    ['HINCRBY', 'h', 'g', '3'],
    ['SETBIT', 'bits', '100', '1'],
    ['PFADD', 'hll', 'a', 'b', 'c'],
  ],
  [
    ['SELECT', '3'],
    ['MULTI'],
    ['SET', 'a', '1'],
    ['LPUSH', 'q', 'x'],
    ['EXEC'],
    ['SELECT', '0'],
    ['XADD', 'st', '1-1', 'f', 'v'],
    ['XADD', 'st', '2-1', 'f', 'w', 'g', 'z'],
    ['XGROUP', 'CREATE', 'st', 'grp', '0'],
    ['XCLAIM', 'st', 'grp', 'alice', '0', '1-1', 'FORCE', 'JUSTID'],
    ['XDEL', 'st', '2-1'],
    ['XTRIM', 'st', 'MAXLEN', '5'],
    ['DEL', 'st'],
    ['RESTORE', 'r', '0', createDumpPayload(stringValue('abc')).toString('latin1')],
  ],
];

const SAMPLES: Buffer[] = SAMPLE_COMMANDS.map((cmds) => Buffer.concat(cmds.map((c) => encodeCommand(c))));

export function aofTarget(): FuzzTarget<AofInput, Mutation> {
  let running: RunningServer | null = null;
  let dir = '';
  const internal: string[] = [];
  const build = (input: AofInput): Buffer => applyMutations(SAMPLES[input.base]!, input.mutations);
  return {
    name: 'aof',
    async setup() {
      internal.length = 0;
      running = await startTestServer({
        // no save points: FLUSHALL between inputs would otherwise write an RDB each time
        config: [
          ['proto-max-bulk-len', '4mb'],
          ['save', ''],
        ],
        logSink: {
          write: (line: string) => {
            if (/internal error/i.test(line)) internal.push(line);
          },
        },
      });
      // one small file is rewritten per input: a RAM disk keeps that cheap where there is one
      dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'redoubt-fuzz-aof-'));
      mkdirSync(path.join(dir, 'appendonlydir'));
    },
    async teardown() {
      await running?.close();
      running = null;
      rmSync(dir, { recursive: true, force: true });
    },
    generate: (rng) => ({
      base: rng.int(SAMPLES.length),
      mutations: randomMutations(rng, 4),
      chunkSize: rng.pick([7, 64, 4096, 1 << 20]),
      loadTruncated: rng.chance(0.7),
    }),
    async check(input) {
      const server = running!.server;
      const name = 'appendonly.aof.1.incr.aof';
      writeFileSync(path.join(dir, 'appendonlydir', name), build(input));
      const exec = aofExecutor(server);
      const bad: string[] = [];
      const t0 = performance.now();
      try {
        await loadAof({
          dir,
          dirname: 'appendonlydir',
          filename: 'appendonly.aof',
          loadTruncated: input.loadTruncated,
          manifest: { base: null, history: [], incr: [{ name, seq: 1, type: 'i' }], currBaseSeq: 0, currIncrSeq: 1 },
          chunkSize: input.chunkSize,
          execute: (argv) => {
            const note = (err: string | null): string | null => {
              if (err !== null && /internal error/i.test(err)) bad.push(`${JSON.stringify(argv)} → ${err}`);
              return err;
            };
            const err = exec(argv);
            return err instanceof Promise ? err.then(note) : note(err);
          },
        });
      } catch (e) {
        if (!(e instanceof AofLoadError)) throw e;
      } finally {
        exec(['FLUSHALL']);
        exec(['SELECT', '0']);
      }
      assertWithin('loading the AOF', performance.now() - t0, MAX_MS);
      if (bad.length > 0) throw new Error(`internal error replies: ${bad.join('; ')}`);
      if (internal.length > 0) throw new Error(`internal error logged: ${internal.splice(0).join('; ')}`);
    },
    split: (input) => input.mutations,
    join: (mutations, original) => ({ ...original, mutations }),
    show: (input) => `{ base: ${input.base}, chunkSize: ${input.chunkSize}, loadTruncated: ${input.loadTruncated}, mutations: ${JSON.stringify(input.mutations)} } → ${JSON.stringify(build(input).toString('latin1'))}`,
  };
}
