/**
 * Open-loop fixed-rate write load (issue 17 goal 2), run as its own process so the load
 * generator never shares an event loop (or a GC) with the code that started the server.
 *
 *   node dist/test/bench/rate-load.js --port P --count N --rate R --seconds S [--conns 50]
 *     [--warmup-seconds W]
 *
 * R SETs per second for S seconds, round-robin over `conns` connections, each overwriting a
 * random key `key:` + 12 digits below N with a 3-byte value (the keys the scale run loads).
 * The schedule is fixed in advance: request i is due at start + i/R. Every millisecond the
 * requests due by then are written, and a request's latency runs from its due time to its
 * reply, so a stall of the server is charged to every request it held back (no coordinated
 * omission), however long the stall.
 *
 * The generator's own lag is measured and reported, so a reader can tell whether the
 * figures are the server's: `sendLag` = how late a request was written after its due time
 * (this process descheduled or busy), and this process's event-loop delay. A run whose
 * send-lag p99.9 is near its latency p99.9 says more about this machine than the server.
 *
 * The first W seconds (default 5) run at the same rate but are not counted (connection
 * warm-up, JIT). Prints one line `RATE-LOAD {json}` on stdout at the end.
 */
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

interface Args {
  host: string;
  port: number;
  count: number;
  rate: number;
  seconds: number;
  warmup: number;
  conns: number;
}

function parse(argv: string[]): Args {
  const a: Args = { host: '127.0.0.1', port: 0, count: 1000, rate: 1000, seconds: 10, warmup: 5, conns: 50 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    const v = argv[i + 1] ?? '';
    if (k === '--host') a.host = v;
    else if (k === '--port') a.port = Number(v);
    else if (k === '--count') a.count = Number(v);
    else if (k === '--rate') a.rate = Number(v);
    else if (k === '--seconds') a.seconds = Number(v);
    else if (k === '--warmup-seconds') a.warmup = Number(v);
    else if (k === '--conns') a.conns = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!(a.port > 0 && a.count > 0 && a.rate > 0 && a.seconds > 0)) throw new Error('need --port, --count, --rate, --seconds');
  return a;
}

export interface RateLoadResult {
  rate: number;
  seconds: number;
  /** requests counted (after the warm-up) and answered */
  counted: number;
  answeredPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** the time of the worst request, seconds after the counted window began */
  maxAtS: number;
  /** requests of the counted window over 5 ms / 100 ms */
  over5ms: number;
  over100ms: number;
  /** from the time each request was written instead of due (what a closed-loop tool would report; the gap to p50..max is this generator's lag) */
  sentP50: number;
  sentP999: number;
  sentMax: number;
  sendLagP999: number;
  sendLagMax: number;
  loopDelayMaxMs: number;
  errors: number;
}

const pad12 = (i: number): string => i.toString().padStart(12, '0');

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const warmN = Math.round(a.rate * a.warmup);
  const total = warmN + Math.round(a.rate * a.seconds);
  const counted = total - warmN;
  const lat = new Float64Array(counted);
  const lagOf = new Float64Array(counted);
  const socks = await Promise.all(
    Array.from({ length: a.conns }, () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: a.host, port: a.port }, () => resolve(s));
        s.setNoDelay(true);
        s.once('error', reject);
      }),
    ),
  );
  // per connection: the indexes of the requests in flight, in order (a ring would do; the
  // queues stay short unless the server stalls)
  const inflight: number[][] = socks.map(() => []);
  const dueOf = (i: number): number => start + (i * 1000) / a.rate;
  let answered = 0;
  let errors = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));
  socks.forEach((s, k) => {
    const q = inflight[k]!;
    s.on('data', (d: Buffer) => {
      const now = performance.now();
      for (let p = d.indexOf(10); p >= 0; p = d.indexOf(10, p + 1)) {
        const i = q.shift();
        if (i === undefined) continue;
        answered++;
        if (i >= warmN) lat[i - warmN] = now - dueOf(i);
      }
      if (d[0] === 0x2d) errors++;
      if (answered === total) finish();
    });
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let start = performance.now();
  let sent = 0;
  let rr = 0;
  let windowOpen = false;
  const batches: string[] = socks.map(() => '');
  await new Promise<void>((resolve) => {
    start = performance.now();
    const tick = (): void => {
      const now = performance.now();
      const want = Math.min(total, Math.floor(((now - start) * a.rate) / 1000) + 1);
      for (; sent < want; sent++) {
        const k = rr++ % a.conns;
        const key = 'key:' + pad12(Math.floor(Math.random() * a.count));
        batches[k] += `*3\r\n$3\r\nSET\r\n$16\r\n${key}\r\n$3\r\nVXK\r\n`;
        inflight[k]!.push(sent);
        if (sent >= warmN) lagOf[sent - warmN] = now - dueOf(sent);
      }
      for (let k = 0; k < a.conns; k++) {
        if (batches[k] !== '') {
          socks[k]!.write(batches[k]!, 'latin1');
          batches[k] = '';
        }
      }
      if (!windowOpen && sent >= warmN) {
        windowOpen = true;
        loop.enable();
        process.stdout.write('WINDOW\n');
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await finished;
  loop.disable();
  const elapsed = (performance.now() - dueOf(warmN)) / 1000;
  for (const s of socks) s.destroy();
  let maxAt = 0;
  for (let i = 1; i < counted; i++) if (lat[i]! > lat[maxAt]!) maxAt = i;
  const maxAtS = maxAt / a.rate;
  const sorted = Float64Array.from(lat).sort();
  const lags = Float64Array.from(lagOf).sort();
  const fromSent = lat.map((x, i) => x - lagOf[i]!).sort();
  const at = (xs: Float64Array, q: number): number => +xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(3);
  let over5 = 0;
  let over100 = 0;
  for (const x of sorted) {
    if (x > 5) over5++;
    if (x > 100) over100++;
  }
  const r: RateLoadResult = {
    rate: a.rate,
    seconds: a.seconds,
    counted,
    answeredPerSecond: Math.round(counted / elapsed),
    p50: at(sorted, 0.5),
    p99: at(sorted, 0.99),
    p999: at(sorted, 0.999),
    max: +sorted[counted - 1]!.toFixed(3),
    maxAtS: +maxAtS.toFixed(3),
    over5ms: over5,
    over100ms: over100,
    sentP50: at(fromSent, 0.5),
    sentP999: at(fromSent, 0.999),
    sentMax: +fromSent[counted - 1]!.toFixed(3),
    sendLagP999: at(lags, 0.999),
    sendLagMax: +lags[counted - 1]!.toFixed(3),
    loopDelayMaxMs: +(loop.max / 1e6).toFixed(3),
    errors,
  };
  console.log(`RATE-LOAD ${JSON.stringify(r)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
