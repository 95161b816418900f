/**
 * The TLS report of `npm run bench -- --tls-only` (issue 17 goal 5: Redoubt's TLS loss at
 * most Redis's loss + 5 points). Not a test.
 *
 * A throwaway CA and server certificate (EC P-256, SAN localhost/127.0.0.1) are made with
 * `openssl` in a temporary directory, removed at the end. Each server runs once with a
 * plaintext port and a TLS port side by side (`tls-auth-clients no`, as session 3's figures
 * were taken): redis-server with `--port P --tls-port T ...`, Redoubt with the same
 * directives. redis-benchmark -c 50 runs SET and GET, unpipelined and -P 16, over each port
 * (`--tls --cacert ca.crt` for the TLS one); every (server, port) pair runs once per round,
 * the order rotated each round; medians of the rounds.
 *
 * Two figures per server:
 *   - ops/s plaintext and TLS and the loss in percentage points (what the goal names; only
 *     meaningful on an idle machine, since the client shares the CPUs);
 *   - server CPU time per command: utime+stime of the serving process from /proc/<pid>/stat
 *     (every thread: OpenSSL, libuv, GC helpers) before and after a fixed -n, plaintext and
 *     TLS. It holds on a loaded machine. `1 - plain/tls` is the throughput a CPU-bound
 *     server would lose to TLS. The 50 handshakes of a run are included (a few ms).
 *
 * `--also JS` adds a second Redoubt build (another tree's dist/src/main.js) to the same
 * rotation, for a before/after of a TLS change.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface TlsBenchChild {
  name: string;
  /** plaintext port */
  port: number;
  how: string;
  stop(): Promise<void>;
}

export interface TlsBenchResult {
  rps: number;
  p50: number;
  p99: number;
}

/** What run-bench.ts lends this report (its process and redis-benchmark helpers). */
export interface TlsBenchDeps {
  /** redis-benchmark's path; it must support --tls */
  bench: string;
  startRedis(extraArgs: string[]): Promise<TlsBenchChild>;
  /** a Redoubt build (main.js) with these extra server arguments */
  startRedoubt(serverArgs: string[], mainJs: string | null, name: string): Promise<TlsBenchChild>;
  /** redis-benchmark -t test [-P p] -n n against port, with extra client arguments */
  benchmark(port: number, test: string, csvName: string, pipeline: number, n: number, extra: string[]): Promise<TlsBenchResult>;
  freePort(): Promise<number>;
}

export interface TlsBenchOptions {
  seconds: number;
  rounds: number;
  /** fixed -n per unpipelined run, 4 x n at -P 16 (default: sized from a probe of Redis plaintext so a run lasts ~seconds) */
  n: number | null;
  also: string | null;
}

interface Pki {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

function makePki(): Pki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redoubt-tls-bench-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=bench-ca', '-days', '2']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  return { dir, ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

/** Clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux). */
function clockTicks(): number {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
}

/** utime+stime of a process, in clock ticks (fields 14 and 15, counted after the `(comm)`). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  return Number(fields[11]) + Number(fields[12]);
}

/** INFO server's process_id: the serving process (Redoubt's main.js may relaunch itself with a sized heap). */
function servingPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.once('error', reject);
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /process_id:(\d+)\r\n/.exec(got);
      if (m !== null) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.write('*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n');
  });
}

/** The protocol and cipher a TLS client (Node, OpenSSL defaults) gets from the port. */
function negotiated(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const c = s.getCipher();
      resolve(`${s.getProtocol() ?? '?'} ${c.standardName}`);
      s.end();
    });
    s.once('error', (e) => resolve(`handshake failed: ${e.message}`));
  });
}

interface Target {
  server: TlsBenchChild;
  pid: number;
  tlsPort: number;
}

interface Sample {
  rps: number;
  cpuUsPerOp: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

const TESTS = [
  { t: 'set', csvName: 'SET' },
  { t: 'get', csvName: 'GET' },
] as const;

export async function compareTls(deps: TlsBenchDeps, opts: TlsBenchOptions): Promise<void> {
  const pki = makePki();
  const directives = (tlsPort: number) => ['--tls-port', String(tlsPort), '--tls-cert-file', pki.cert, '--tls-key-file', pki.key, '--tls-ca-cert-file', pki.ca, '--tls-auth-clients', 'no'];
  const started: TlsBenchChild[] = [];
  try {
    const targets: Target[] = [];
    const add = async (start: (args: string[]) => Promise<TlsBenchChild>) => {
      // the TLS port can be taken between freePort() and the server's bind: a new one is tried
      for (let attempt = 1; ; attempt++) {
        const tlsPort = await deps.freePort();
        let server: TlsBenchChild;
        try {
          server = await start(directives(tlsPort));
        } catch (e) {
          if (attempt === 3) throw e;
          continue;
        }
        started.push(server);
        targets.push({ server, pid: await servingPid(server.port), tlsPort });
        return;
      }
    };
    await add((args) => deps.startRedis(args));
    await add((args) => deps.startRedoubt(args, null, 'redoubt'));
    if (opts.also !== null) await add((args) => deps.startRedoubt(args, opts.also, 'also'));
    const ticks = clockTicks();
    const ca = readFileSync(pki.ca);
    console.log(`TLS report: plaintext and TLS ports of one process per server, tls-auth-clients no, redis-benchmark -c 50, ${opts.rounds} round(s), order rotated`);
    for (const t of targets) console.log(`  ${t.server.name}: ${t.server.how} (serving pid ${t.pid}), TLS port negotiates ${await negotiated(t.tlsPort, ca)}`);
    console.log(`  server CPU from /proc/<pid>/stat (${ticks} ticks/s) before/after each run\n`);
    // a warm-up on every port (V8 compiles Redoubt's hot paths, both servers fill the keys GET reads)
    for (const target of targets) {
      for (const secure of [false, true]) {
        const port = secure ? target.tlsPort : target.server.port;
        const extra = secure ? ['--tls', '--cacert', pki.ca] : [];
        for (const { t, csvName } of TESTS) await deps.benchmark(port, t, csvName, 16, 100_000, extra);
      }
    }

    const opsRows: string[][] = [['test', 'pipeline', ...targets.flatMap((t) => [`${t.server.name} plain`, `${t.server.name} tls`, `${t.server.name} loss`])]];
    const cpuRows: string[][] = [['test', 'pipeline', ...targets.flatMap((t) => [`${t.server.name} plain`, `${t.server.name} tls`, `${t.server.name} +us`, `${t.server.name} cpu-loss`])]];
    const minRows: string[][] = [['test', 'pipeline', ...targets.flatMap((t) => [`${t.server.name} plain`, `${t.server.name} tls`, `${t.server.name} cpu-loss`])]];
    const gapRows: string[][] = [['test', 'pipeline', ...targets.slice(1).flatMap((t) => [`${t.server.name} ops gap`, `${t.server.name} cpu gap`])]];
    let turn = 0;
    for (const { t, csvName } of TESTS) {
      for (const p of [1, 16]) {
        let n = opts.n === null ? null : p === 1 ? opts.n : 4 * opts.n;
        if (n === null) {
          const probeN = p === 1 ? 20_000 : 200_000;
          const probe = await deps.benchmark(targets[0]!.server.port, t, csvName, p, probeN, []);
          n = Math.max(probeN, Math.min(20_000_000, Math.round((probe.rps * opts.seconds) / 1000) * 1000));
        }
        // every (server, plaintext|tls) pair once per round, the order rotated
        const runs = targets.flatMap((target) => [
          { target, secure: false },
          { target, secure: true },
        ]);
        const got = new Map<string, Sample[]>();
        for (let r = 0; r < opts.rounds; r++) {
          const k = turn++ % runs.length;
          for (const run of [...runs.slice(k), ...runs.slice(0, k)]) {
            const { target, secure } = run;
            const port = secure ? target.tlsPort : target.server.port;
            const extra = secure ? ['--tls', '--cacert', pki.ca] : [];
            const before = cpuTicks(target.pid);
            const res = await deps.benchmark(port, t, csvName, p, n, extra);
            const after = cpuTicks(target.pid);
            const key = `${target.server.name}/${secure ? 'tls' : 'plain'}`;
            const list = got.get(key) ?? [];
            list.push({ rps: res.rps, cpuUsPerOp: ((after - before) / ticks / n) * 1e6 });
            got.set(key, list);
          }
        }
        const med = (name: string, mode: string, f: (s: Sample) => number) => median((got.get(`${name}/${mode}`) ?? []).map(f));
        const pipe = p === 1 ? 'none' : `-P ${p}`;
        const opsRow = [csvName, pipe];
        const cpuRow = [csvName, pipe];
        const minRow = [csvName, pipe];
        const losses: Array<{ ops: number; cpu: number }> = [];
        for (const target of targets) {
          const name = target.server.name;
          const plain = med(name, 'plain', (s) => s.rps);
          const secure = med(name, 'tls', (s) => s.rps);
          const cPlain = med(name, 'plain', (s) => s.cpuUsPerOp);
          const cTls = med(name, 'tls', (s) => s.cpuUsPerOp);
          const opsLoss = 100 * (1 - secure / plain);
          const cpuLoss = 100 * (1 - cPlain / cTls);
          losses.push({ ops: opsLoss, cpu: cpuLoss });
          opsRow.push(Math.round(plain).toLocaleString('en-US'), Math.round(secure).toLocaleString('en-US'), `${opsLoss.toFixed(1)} %`);
          cpuRow.push(cPlain.toFixed(2), cTls.toFixed(2), (cTls - cPlain).toFixed(2), `${cpuLoss.toFixed(1)} %`);
          // the least of the rounds: load on a shared machine only ever adds CPU time
          const mPlain = Math.min(...(got.get(`${name}/plain`) ?? []).map((x) => x.cpuUsPerOp));
          const mTls = Math.min(...(got.get(`${name}/tls`) ?? []).map((x) => x.cpuUsPerOp));
          minRow.push(mPlain.toFixed(2), mTls.toFixed(2), `${(100 * (1 - mPlain / mTls)).toFixed(1)} %`);
        }
        opsRows.push(opsRow);
        cpuRows.push(cpuRow);
        minRows.push(minRow);
        gapRows.push([csvName, pipe, ...losses.slice(1).flatMap((l) => [`${(l.ops - losses[0]!.ops).toFixed(1)}`, `${(l.cpu - losses[0]!.cpu).toFixed(1)}`])]);
        console.log(`  done: ${csvName} ${pipe} (-n ${n})`);
      }
    }
    console.log('\nops/s (medians), plaintext vs TLS, and the loss to TLS (valid on an idle machine only):');
    console.log(table(opsRows));
    console.log('\nserver CPU-us per command (medians), plaintext vs TLS; cpu-loss = 1 - plain/tls, the loss of a CPU-bound server:');
    console.log(table(cpuRows));
    console.log('\nserver CPU-us per command, the least of the rounds (load on a shared machine only adds to it):');
    console.log(table(minRows));
    console.log(`\nloss minus ${targets[0]!.server.name}'s loss, in percentage points (goal: <= 5):`);
    console.log(table(gapRows));
    console.log('');
  } finally {
    for (const s of started.reverse()) await s.stop();
    rmSync(pki.dir, { recursive: true, force: true });
  }
}
