/**
 * A micro-driver for the scripting hot path: EVALSHA run in-process through the
 * dispatcher (no socket, no event loop turn), so a CPU profile shows only the cost of
 * a script call and of its redis.calls. Not a test; a tool for issue 12's profiling.
 *
 *   node dist/test/bench/script-micro.js [iterations] [which] [rounds]
 *   node --cpu-prof dist/test/bench/script-micro.js 300000 ten
 *
 * `which`: all (default), one (`return 1`), unlock (Redlock unlock, lock held by
 * another), ten (10 x INCR). Prints ns per EVALSHA for each, and for a plain GET through
 * the same path as the baseline: wall time, and CPU time (the better figure on a
 * loaded machine).
 */
import { startTestServer } from '../helpers/server.js';
import { localClient } from '../helpers/propagation.js';
import { Kind } from '../../src/protocol/reply.js';

const iterations = Number(process.argv[2] ?? 200_000);
const which = process.argv[3] ?? 'all';

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
  const rounds = Number(process.argv[4] ?? 5);
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
  time('GET', ['GET', 'bench:lock']);
  time('INCR', ['INCR', 'bench:counter']);
  for (const [name, s] of Object.entries(SCRIPTS)) {
    if (which !== 'all' && which !== name) continue;
    const sha = c.call('SCRIPT', 'LOAD', s.body);
    if (sha === null || sha.k !== Kind.Bulk) throw new Error('SCRIPT LOAD failed');
    time(name, ['EVALSHA', sha.s, ...s.args]);
  }
} finally {
  await running.close();
}
