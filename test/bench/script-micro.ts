/**
 * A micro-driver for the scripting hot path: EVALSHA run in-process through the
 * dispatcher (no socket, no event loop turn), so a CPU profile shows only the cost of
 * a script call and of its redis.calls. Not a test; a tool for issue 12's profiling.
 *
 *   node dist/test/bench/script-micro.js [iterations] [which] [rounds] [--after-load N]
 *   node --cpu-prof dist/test/bench/script-micro.js 300000 ten
 *
 * `which`: all (default), one (`return 1`), unlock (Redlock unlock, lock held by
 * another), ten (10 x INCR). Prints ns per EVALSHA for each, and for a plain GET through
 * the same path as the baseline: wall time, and CPU time (the better figure on a
 * loaded machine).
 *
 * --after-load N: then puts `npm run bench`'s throughput load on the same server in
 * process (N each of SET, GET, INCR, LPUSH, HSET and MSET of 10 keys, the keys
 * redis-benchmark uses, FLUSHALL before each, as its runs), and measures everything
 * again: whether the scripting report can suffer from the state that load leaves.
 */
import { startTestServer } from '../helpers/server.js';
import { localClient } from '../helpers/propagation.js';
import { Kind } from '../../src/protocol/reply.js';
import v8 from 'node:v8';

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--after-load');
const iterations = Number(positional[0] ?? 200_000);
const which = positional[1] ?? 'all';
const loadAt = process.argv.indexOf('--after-load');
const afterLoad = loadAt === -1 ? 0 : Number(process.argv[loadAt + 1]);

const SCRIPTS: Record<string, { body: string; args: string[] }> = {
  one: { body: 'return 1', args: ['0'] },
  unlock: {
    body: 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end',
    args: ['1', 'bench:lock', 'my-token'],
  },
  ten: { body: "for i = 1, 10 do redis.call('incr', KEYS[1]) end return 1", args: ['1', 'bench:counter'] },
};

const running = await startTestServer({ config: [['save', ''], ['appendonly', 'no']] });
try {
  const c = localClient(running.server);
  c.call('SET', 'bench:lock', 'other-token');
  const rounds = Number(positional[2] ?? 5);
  /** the best of `rounds` rounds: on a loaded machine the minimum is the stable figure */
  const time = (label: string, argv: string[]): void => {
    for (let i = 0; i < Math.min(20_000, iterations); i++) c.call(...argv);
    let wall = Infinity;
    let cpu = Infinity;
    for (let round = 0; round < rounds; round++) {
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < iterations; i++) {
        const r = c.call(...argv);
        if (r !== null && r.k === Kind.Error) throw new Error(`${label}: ${r.s}`);
      }
      wall = Math.min(wall, Number(process.hrtime.bigint() - t0) / iterations);
      const used = process.cpuUsage(cpu0);
      cpu = Math.min(cpu, ((used.user + used.system) * 1000) / iterations);
    }
    console.log(`${label.padEnd(10)} ${wall.toFixed(0).padStart(7)} ns/call wall, ${cpu.toFixed(0).padStart(7)} ns/call CPU (best of ${rounds})`);
  };
  const all = (): void => {
    time('GET', ['GET', 'bench:lock']);
    time('INCR', ['INCR', 'bench:counter']);
    for (const [name, s] of Object.entries(SCRIPTS)) {
      if (which !== 'all' && which !== name) continue;
      const sha = c.call('SCRIPT', 'LOAD', s.body);
      if (sha === null || sha.k !== Kind.Bulk) throw new Error('SCRIPT LOAD failed');
      c.call('SET', 'bench:lock', 'other-token');
      time(name, ['EVALSHA', sha.s, ...s.args]);
    }
  };
  const heap = (): string => {
    const h = process.memoryUsage();
    const young = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space');
    return `heap used ${(h.heapUsed / 1048576).toFixed(1)} MiB, new space ${((young?.space_size ?? 0) / 1048576).toFixed(1)} MiB, RSS ${(h.rss / 1048576).toFixed(1)} MiB`;
  };
  console.log(`fresh server: ${heap()}`);
  all();
  if (afterLoad > 0) {
    // redis-benchmark's commands and keys (no -r: one key each), FLUSHALL before each run
    const value = 'x'.repeat(3);
    const load: string[][] = [
      ['SET', 'key:__rand_int__', value],
      ['GET', 'key:__rand_int__'],
      ['INCR', 'counter:__rand_int__'],
      ['LPUSH', 'mylist', value],
      ['HSET', 'myhash', 'element:__rand_int__', value],
      ['MSET', ...Array.from({ length: 10 }, () => ['key:__rand_int__', value]).flat()],
    ];
    const t0 = process.hrtime.bigint();
    for (const argv of load) {
      c.call('FLUSHALL');
      for (let i = 0; i < afterLoad; i++) c.call(...argv);
    }
    c.call('FLUSHALL');
    c.call('SET', 'bench:lock', 'other-token');
    console.log(`\nafter ${afterLoad} each of SET/GET/INCR/LPUSH/HSET/MSET in process (${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s): ${heap()}`);
    all();
  }
} finally {
  await running.close();
}
