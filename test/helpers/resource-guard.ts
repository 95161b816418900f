/**
 * The resource guard: runs an attack against a Redoubt CHILD process with an RSS ceiling and
 * a time ceiling, and SIGKILLs the server the moment either is passed, so a regression makes
 * the test fail instead of taking the (shared, 2-core) machine down.
 *
 * The server is `node dist/src/main.js --port P --save "" --appendonly no --bind 127.0.0.1`
 * plus the test's directives, started in a fresh scratch directory. Its RSS is read from
 * /proc/<pid>/status (VmRSS) every SAMPLE_MS while the guard lives — not only during an
 * attack — so memory kept after an attack still counts. An allocation faster than one
 * sampling period can overshoot the ceiling by what it allocates in SAMPLE_MS; ceilings are
 * therefore stated with a margin, and they are checked again by assertHealthy().
 *
 * Invariants: every child is killed when the test process exits; `killed` is set before
 * the SIGKILL is sent, so a report never says "not killed" about a server the guard killed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-oracle.js';
import { RawClient } from './raw-client.js';
import { scratchDir } from './scratch-dir.js';
import { EXPLICIT_HEAP_ARG } from './bin-heap.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const SAMPLE_MS = 50;
export const MiB = 1024 * 1024;

export type KillReason = 'rss' | 'time';

export interface GuardLimits {
  /** SIGKILL the server when its RSS passes this many bytes */
  rssCeilingBytes: number;
  /** SIGKILL the server when one attack (guard.run) takes longer than this */
  timeCeilingMs: number;
}

export interface GuardReport {
  /** the largest RSS sampled while the attack ran (bytes) */
  peakRssBytes: number;
  /** RSS when the attack started (bytes) */
  startRssBytes: number;
  durationMs: number;
  /** why the guard killed the server, or null when it did not */
  killed: KillReason | null;
  /** what the attack function threw, if it threw (undefined when it returned) */
  attackError: unknown;
}

/** Reads VmRSS of `pid` in bytes, or null when the process is gone. */
export function readRss(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

/** Children still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export class GuardedServer {
  /** the server's output so far (stdout and stderr, capped) */
  output = '';
  /** set once the guard killed the server */
  killed: KillReason | null = null;
  /** largest RSS sampled since the last reset (bytes) */
  peakRssBytes = 0;
  private sampler: NodeJS.Timeout;
  private readonly exited: Promise<void>;
  private killWaiters: (() => void)[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    public limits: GuardLimits,
    readonly directives: string[] = [],
  ) {
    const append = (d: Buffer): void => {
      if (this.output.length < 65536) this.output += d.toString('latin1');
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => live.delete(child));
    this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
  }

  /**
   * Starts a guarded server with `directives` (e.g. ['--proto-max-bulk-len', '4gb']) and
   * resolves when it logged "Ready to accept connections" and answers PING.
   */
  static async start(directives: string[], limits: GuardLimits, timeoutMs = 15_000): Promise<GuardedServer> {
    installExitHook();
    let lastOutput = '';
    // The port can be taken between freePort() and the server's bind: retry a few times.
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = await freePort();
      const dir = scratchDir();
      const args = [EXPLICIT_HEAP_ARG, MAIN, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...directives];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
      live.add(child);
      const server = new GuardedServer(child, port, dir, limits, directives);
      const deadline = Date.now() + timeoutMs;
      while (!/Ready to accept connections tcp/.test(server.output) && server.alive && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      if (server.alive && /Ready to accept connections tcp/.test(server.output)) {
        server.peakRssBytes = server.rss ?? 0;
        return server;
      }
      lastOutput = server.output;
      await server.stop();
    }
    throw new Error(`guarded server did not start:\n${lastOutput}`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Current RSS in bytes, or null when the process is gone. */
  get rss(): number | null {
    return this.alive ? readRss(this.pid) : null;
  }

  private sample(): void {
    if (!this.alive) return;
    const rss = readRss(this.pid);
    if (rss === null) return;
    if (rss > this.peakRssBytes) this.peakRssBytes = rss;
    if (rss > this.limits.rssCeilingBytes) this.kill('rss');
  }

  private kill(reason: KillReason): void {
    if (this.killed !== null || !this.alive) return;
    this.killed = reason;
    this.child.kill('SIGKILL');
    const w = this.killWaiters;
    this.killWaiters = [];
    for (const f of w) f();
  }

  /**
   * Runs `attack(port)` under the ceilings. The attack's own errors are reported, not
   * thrown (an attack against a server that closes the connection may well throw); when
   * the guard kills the server the attack is abandoned at once (its sockets see the
   * close). Never throws.
   */
  async run(attack: (port: number) => Promise<void>): Promise<GuardReport> {
    const startRssBytes = this.rss ?? 0;
    this.peakRssBytes = startRssBytes;
    this.sample();
    const started = Date.now();
    let attackError: unknown;
    const timer = setTimeout(() => this.kill('time'), this.limits.timeCeilingMs);
    const killedPromise = new Promise<void>((resolve) => {
      if (this.killed !== null) resolve();
      else this.killWaiters.push(resolve);
    });
    try {
      await Promise.race([
        attack(this.port).catch((e: unknown) => {
          attackError = e ?? new Error('attack rejected');
        }),
        killedPromise,
      ]);
    } finally {
      clearTimeout(timer);
    }
    this.sample();
    return { peakRssBytes: this.peakRssBytes, startRssBytes, durationMs: Date.now() - started, killed: this.killed, attackError };
  }

  /**
   * The health check every CVE test ends with: the guard did not kill the server, the
   * process is alive, a fresh connection gets +PONG within 2 s, and RSS is below the ceiling.
   */
  async assertHealthy(): Promise<void> {
    assert.equal(this.killed, null, `the resource guard killed the server (${this.killed} ceiling: ${this.describeLimits()})`);
    assert.ok(this.alive, `the server process died:\n${this.output.slice(-2000)}`);
    const i = this.directives.indexOf('--requirepass');
    const pong = await pingWithin(this.port, 2000, i === -1 ? undefined : this.directives[i + 1]);
    assert.equal(pong, '+PONG\r\n', 'PING answered within 2 s');
    const rss = this.rss;
    assert.ok(rss !== null && rss <= this.limits.rssCeilingBytes, `RSS ${fmtMiB(rss)} within ${fmtMiB(this.limits.rssCeilingBytes)}`);
  }

  describeLimits(): string {
    return `RSS ≤ ${fmtMiB(this.limits.rssCeilingBytes)}, ≤ ${this.limits.timeCeilingMs} ms per attack; peak ${fmtMiB(this.peakRssBytes)}`;
  }

  /** Stops the server (SIGTERM, SIGKILL after 3 s) and removes its scratch directory. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.alive) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function fmtMiB(bytes: number | null): string {
  return bytes === null ? 'n/a' : `${(bytes / MiB).toFixed(1)} MiB`;
}

/** PING on a new connection; resolves to the raw reply, or a description of the failure. */
export async function pingWithin(port: number, timeoutMs: number, password?: string): Promise<string> {
  let c: RawClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = Date.now() + timeoutMs;
  try {
    c = await Promise.race([
      RawClient.connect(port),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('connect timed out')), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (password !== undefined) {
      c.write(RawClient.encode(['AUTH', password]));
      const ok = await c.readReply(Math.max(1, deadline - Date.now()));
      if (ok !== '+OK\r\n') return `AUTH failed: ${ok}`;
    }
    c.write(RawClient.encode(['PING']));
    return await c.readReply(Math.max(1, deadline - Date.now()));
  } catch (e) {
    return `no PONG within ${timeoutMs} ms: ${(e as Error).message}`;
  } finally {
    clearTimeout(timer);
    c?.close();
  }
}
