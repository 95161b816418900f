/**
 * Gateway benchmark (issue 18). Every node is its own process (test/helpers/topology.ts):
 * a Redis Cluster of 3 primaries (Debian's redis-server, `redis-cli --cluster create`),
 * two Redoubt gateways in front of it, and a plain TCP splitter (in this process,
 * round-robin per connection) in front of the two gateways.
 *
 * Default mode: redis-benchmark (`-t set,get -c C -n N -r 100000 -q`) three ways, in turn,
 * round after round:
 *   - direct:   `redis-benchmark --cluster` at the cluster (the client routes by slot);
 *   - gateway:  a plain redis-benchmark at one gateway;
 *   - splitter: a plain redis-benchmark at the splitter (two gateways behind it);
 * and reports requests/s and p50 latency per mode (medians over the rounds) and the
 * latency each hop adds over the direct run.
 *   node dist/test/bench/gateway-bench.js [-n N] [-c C] [--rounds R] [--pipeline P]
 * With --pool-sizes 1,2,4 the gateway modes are instead one gateway per
 * gateway-upstream-pool-size, each benchmarked in turn in the same rounds (an A/B of the pool).
 *
 * --failover: the cluster gets one replica per primary; clients write through one gateway
 * (SET k:i, each acknowledged key remembered) while one primary is SIGKILLed; reports the
 * errors clients saw, the slowest acknowledged write (held while the replica took over), and how many
 * acknowledged writes are missing afterwards (Redis Cluster's asynchronous replication
 * may lose the last ones; the gateway must not lose more).
 *   node dist/test/bench/gateway-bench.js --failover [--seconds S]
 *
 * --reshard: `redis-cli --cluster reshard` moves K slots (default 2000) from one primary to
 * another (after N keys, default 20,000, were written in every slot) while 8 clients write and
 * read back through one gateway (SET then GET of each
 * key, and MSET/MGET pairs across slots every 50th write); reports client errors (the
 * gateway should hide every ASK, MOVED and TRYAGAIN) and acknowledged writes missing after.
 *   node dist/test/bench/gateway-bench.js --reshard [--slots K] [--keys N]
 */
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startNode, stopAll, type ProcessHandle } from '../helpers/topology.js';
import { findOnPath, freePort } from '../helpers/redis-oracle.js';

const run = promisify(execFile);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `primaries` cluster nodes with `replicas` replicas each and waits for cluster_state:ok. */
async function startCluster(primaries: number, replicas: number): Promise<ProcessHandle[]> {
  const cli = findOnPath('redis-cli');
  if (cli === null) throw new Error('redis-cli not found (install Debian redis-tools)');
  const nodes: ProcessHandle[] = [];
  for (let i = 0; i < primaries * (1 + replicas); i++) {
    nodes.push(await startNode('redis', ['cluster-enabled yes', 'cluster-config-file nodes.conf', `cluster-port ${await freePort()}`, 'cluster-node-timeout 2000']));
  }
  await run(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 });
  const admins = nodes.map((n) => new Redis({ port: n.port, host: '127.0.0.1' }));
  try {
    for (const deadline = Date.now() + 30_000; ; ) {
      const states = await Promise.all(admins.map((a) => a.call('CLUSTER', 'INFO') as Promise<string>));
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error('cluster did not come up');
      await sleep(200);
    }
  } finally {
    for (const a of admins) a.disconnect();
  }
  return nodes;
}

/** A TCP splitter: each accepted connection goes to the next target in turn. */
function startSplitter(targets: number[]): Promise<{ port: number; close(): void }> {
  let next = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targets[next++ % targets.length]! });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as net.AddressInfo;
      resolve({ port: a.port, close: () => server.close() });
    });
  });
}

interface BenchResult {
  rps: Record<string, number>;
  p50: Record<string, number>;
}

/** redis-benchmark -q: "SET: 12345.67 requests per second, p50=0.215 msec" per test. */
async function benchmark(args: string[]): Promise<BenchResult> {
  const bin = findOnPath('redis-benchmark') ?? '/usr/bin/redis-benchmark';
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.stderr.on('data', (d: Buffer) => (text += d.toString()));
    p.on('error', reject);
    p.on('exit', () => resolve(text));
  });
  const result: BenchResult = { rps: {}, p50: {} };
  for (const m of out.matchAll(/([A-Z]+): ([\d.]+) requests per second, p50=([\d.]+) msec/g)) {
    result.rps[m[1]!] = Number(m[2]);
    result.p50[m[1]!] = Number(m[3]);
  }
  if (Object.keys(result.rps).length === 0) throw new Error(`redis-benchmark ${args.join(' ')}: ${out}`);
  return result;
}

async function throughput(): Promise<void> {
  const n = Number(arg('-n') ?? 100_000);
  const c = Number(arg('-c') ?? 50);
  const rounds = Number(arg('--rounds') ?? 3);
  const pipeline = Number(arg('--pipeline') ?? 1);
  const poolSizes = arg('--pool-sizes')?.split(',').map(Number) ?? null;
  const nodes = await startCluster(3, 0);
  const gateways: ProcessHandle[] = [];
  let splitter: { port: number; close(): void } | null = null;
  try {
    const common = ['-t', 'set,get', '-n', String(n), '-c', String(c), '-r', '100000', '-P', String(pipeline), '-q'];
    const modes: [string, string[]][] = [['direct (--cluster)', ['--cluster', '-h', '127.0.0.1', '-p', String(nodes[0]!.port), ...common]]];
    if (poolSizes !== null) {
      // one gateway per pool size, each benchmarked alone, in turn, in the same rounds
      for (const size of poolSizes) {
        const g = await startNode('redoubt', [`gateway-upstream 127.0.0.1:${nodes[0]!.port}`, `gateway-upstream-pool-size ${size}`]);
        gateways.push(g);
        modes.push([`one gateway, pool ${size}`, ['-h', '127.0.0.1', '-p', String(g.port), ...common]]);
      }
    } else {
      for (let i = 0; i < 2; i++) gateways.push(await startNode('redoubt', [`gateway-upstream 127.0.0.1:${nodes[i]!.port}`]));
      splitter = await startSplitter(gateways.map((g) => g.port));
      modes.push(['one gateway', ['-h', '127.0.0.1', '-p', String(gateways[0]!.port), ...common]], ['2 gateways + splitter', ['-h', '127.0.0.1', '-p', String(splitter.port), ...common]]);
    }
    const results = new Map<string, BenchResult[]>(modes.map(([name]) => [name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, args] of modes) {
        const res = await benchmark(args);
        results.get(name)!.push(res);
        console.log(`round ${r + 1} ${name}: ${Object.entries(res.rps).map(([t, v]) => `${t} ${v.toFixed(0)}/s p50 ${res.p50[t]} ms`).join(', ')}`);
      }
    }
    console.log(`\nmedians of ${rounds} rounds, -n ${n} -c ${c} -P ${pipeline}, 3 primaries (redis-server ${await redisVersion(nodes[0]!.port)})\n`);
    console.log('| mode | SET/s | SET p50 ms | GET/s | GET p50 ms | added p50 (SET / GET) |');
    console.log('|---|---|---|---|---|---|');
    const direct = results.get(modes[0]![0])!;
    for (const [name] of modes) {
      const rs = results.get(name)!;
      const m = (t: 'SET' | 'GET', k: 'rps' | 'p50') => median(rs.map((x) => x[k][t] ?? 0));
      const added = (t: 'SET' | 'GET') => (m(t, 'p50') - median(direct.map((x) => x.p50[t] ?? 0))).toFixed(3);
      console.log(`| ${name} | ${m('SET', 'rps').toFixed(0)} | ${m('SET', 'p50')} | ${m('GET', 'rps').toFixed(0)} | ${m('GET', 'p50')} | ${added('SET')} / ${added('GET')} |`);
    }
  } finally {
    splitter?.close();
    await stopAll([...gateways, ...nodes]);
  }
}

async function redisVersion(port: number): Promise<string> {
  const c = new Redis({ port, host: '127.0.0.1' });
  try {
    return /redis_version:(\S+)/.exec(await c.info('server'))?.[1] ?? '?';
  } finally {
    c.disconnect();
  }
}

async function failover(): Promise<void> {
  const seconds = Number(arg('--seconds') ?? 15);
  const nodes = await startCluster(3, 1);
  let gateway: ProcessHandle | undefined;
  const clients: Redis[] = [];
  try {
    gateway = await startNode('redoubt', [`gateway-upstream 127.0.0.1:${nodes[0]!.port}`]);
    const admin = new Redis({ port: nodes[0]!.port, host: '127.0.0.1' });
    const slotsReply = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    admin.disconnect();
    const primaryPorts = [...new Set(slotsReply.map((r) => r[2][1]))];
    const victim = nodes.find((n) => n.port === primaryPorts[primaryPorts.length - 1])!;
    const acked = new Set<string>();
    const errors = new Map<string, number>();
    let lastError = 0;
    let slowest = 0;
    let writes = 0;
    let stop = false;
    const started = Date.now();
    let killedAt = 0;
    const writer = async (w: number): Promise<void> => {
      const c = new Redis({ port: gateway!.port, host: '127.0.0.1', maxRetriesPerRequest: 0, commandTimeout: 10_000 });
      clients.push(c);
      for (let i = 0; !stop; i++) {
        const key = `fo:${w}:${i}`;
        const t0 = Date.now();
        try {
          await c.set(key, String(i));
          slowest = Math.max(slowest, Date.now() - t0);
          acked.add(key);
          writes++;
        } catch (e) {
          const text = (e as Error).message.split(':')[0]!;
          errors.set(text, (errors.get(text) ?? 0) + 1);
          lastError = Date.now();
          await sleep(20);
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await sleep(2000);
    killedAt = Date.now();
    console.log(`killing primary 127.0.0.1:${victim.port} after ${writes} writes`);
    await victim.kill();
    await sleep(seconds * 1000);
    stop = true;
    await Promise.all(writers);
    const check = new Redis({ port: gateway.port, host: '127.0.0.1' });
    const keys = [...acked];
    let missing = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const values = await check.mget(...keys.slice(i, i + 500));
      missing += values.filter((v) => v === null).length;
    }
    check.disconnect();
    console.log(`\n${writes} acknowledged writes in ${((Date.now() - started) / 1000).toFixed(1)} s through one gateway, 8 clients`);
    console.log(`client errors: ${errors.size === 0 ? 'none' : [...errors].map(([t, n]) => `${n} × ${t}`).join(', ')}`);
    console.log(`last client error ${lastError === 0 ? '-' : `${((lastError - killedAt) / 1000).toFixed(1)} s`} after the kill; slowest acknowledged write ${slowest} ms (held through the failover; cluster-node-timeout 2000 ms)`);
    console.log(`acknowledged writes missing afterwards: ${missing} of ${keys.length}`);
  } finally {
    for (const c of clients) c.disconnect();
    await stopAll([gateway, ...nodes]);
  }
}

async function reshard(): Promise<void> {
  const slots = Number(arg('--slots') ?? 2000);
  const cli = findOnPath('redis-cli')!;
  const nodes = await startCluster(3, 0);
  let gateway: ProcessHandle | undefined;
  const clients: Redis[] = [];
  try {
    gateway = await startNode('redoubt', [`gateway-upstream 127.0.0.1:${nodes[0]!.port}`]);
    const ids = await Promise.all(
      nodes.slice(0, 2).map(async (n) => {
        const c = new Redis({ port: n.port, host: '127.0.0.1' });
        const id = String(await c.call('CLUSTER', 'MYID'));
        c.disconnect();
        return id;
      }),
    );
    const acked = new Set<string>();
    const errors = new Map<string, number>();
    let mismatches = 0;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      const c = new Redis({ port: gateway!.port, host: '127.0.0.1', maxRetriesPerRequest: 0, commandTimeout: 10_000 });
      clients.push(c);
      for (let i = 0; !stop; i++) {
        const key = `rs:${w}:${i}`;
        try {
          if (i % 50 === 0) {
            const pairs = [key, String(i), `${key}:b`, 'b', `${key}:c`, 'c'];
            await c.mset(...pairs);
            if ((await c.mget(key, `${key}:b`, `${key}:c`)).join() !== `${i},b,c`) mismatches++;
            acked.add(`${key}:b`).add(`${key}:c`);
          } else {
            await c.set(key, String(i));
            if ((await c.get(key)) !== String(i)) mismatches++;
          }
          acked.add(key);
        } catch (e) {
          const text = (e as Error).message;
          errors.set(text, (errors.get(text) ?? 0) + 1);
        }
      }
    };
    // keys in every slot before the move, so MIGRATE has keys to carry (ASK while it does)
    const filler = new Redis({ port: gateway.port, host: '127.0.0.1' });
    const prefill = Number(arg('--keys') ?? 20_000);
    for (let i = 0; i < prefill; i += 1000) {
      const p = filler.pipeline();
      for (let j = i; j < Math.min(prefill, i + 1000); j++) p.set(`pre:${j}`, String(j));
      await p.exec();
    }
    filler.disconnect();
    for (let j = 0; j < prefill; j++) acked.add(`pre:${j}`);
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await sleep(1000);
    const started = Date.now();
    await run(cli, ['--cluster', 'reshard', `127.0.0.1:${nodes[0]!.port}`, '--cluster-from', ids[0]!, '--cluster-to', ids[1]!, '--cluster-slots', String(slots), '--cluster-yes'], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    const took = Date.now() - started;
    await sleep(500);
    stop = true;
    await Promise.all(workers);
    const check = new Redis({ port: gateway.port, host: '127.0.0.1' });
    const keys = [...acked];
    let missing = 0;
    for (let i = 0; i < keys.length; i += 500) missing += (await check.mget(...keys.slice(i, i + 500))).filter((v) => v === null).length;
    const info = await check.info('cluster');
    check.disconnect();
    const counter = (name: string) => new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? '?';
    console.log(`\n${slots} slots moved in ${(took / 1000).toFixed(1)} s while 8 clients wrote and read ${keys.length} keys through one gateway`);
    console.log(`client errors: ${errors.size === 0 ? 'none' : [...errors].map(([t, n]) => `${n} × ${t}`).join(', ')}; read-back mismatches: ${mismatches}`);
    console.log(`gateway redirects followed: ${counter('gateway_ask_redirects')} ASK, ${counter('gateway_moved_redirects')} MOVED, ${counter('gateway_tryagain_retries')} TRYAGAIN`);
    console.log(`acknowledged writes missing afterwards: ${missing} of ${keys.length}`);
  } finally {
    for (const c of clients) c.disconnect();
    await stopAll([gateway, ...nodes]);
  }
}

const main = process.argv.includes('--failover') ? failover : process.argv.includes('--reshard') ? reshard : throughput;
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
