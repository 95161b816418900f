/**
 * The differential oracle: a real (Debian) `redis-server` started for a test on a free
 * loopback port, with persistence off, and stopped again. Tests that compare Redoubt
 * with Redis use this; when no redis-server is installed they skip (loudly).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RedisOracle {
  port: number;
  /** the server's pid (benchmarks read its RSS from /proc) */
  pid: number;
  stop(): Promise<void>;
}

/** Absolute path of `redis-server` on PATH, or null when it is not installed. */
export function findRedisServer(): string | null {
  return findOnPath('redis-server');
}

/** Absolute path of an executable on PATH, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir.length === 0) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The message tests print when they skip for lack of an oracle. */
export const NO_ORACLE_MESSAGE =
  'SKIPPED: no `redis-server` on PATH, so the differential comparison with real Redis did not run ' +
  '(install Debian redis-server + redis-tools, as .ci/run does)';

/** A port the kernel just handed out for 127.0.0.1 (free at the time of the call). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const a = srv.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Children still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/**
 * Starts `redis-server --port P --save '' --appendonly no --bind 127.0.0.1` plus `extraArgs`
 * (e.g. ['--requirepass', 'x']) on a free port and resolves once it answers PING.
 * Throws when redis-server is missing or does not come up within `timeoutMs`.
 */
export async function startRedisOracle(extraArgs: string[] = [], timeoutMs = 10_000): Promise<RedisOracle> {
  const bin = findRedisServer();
  if (bin === null) throw new Error(NO_ORACLE_MESSAGE);
  installExitHook();
  let lastError = '';
  // The port can be taken between freePort() and redis-server's bind: retry a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      bin,
      ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--daemonize', 'no', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (output.length < 16384) output += d.toString('utf8');
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (output.length < 16384) output += d.toString('utf8');
    });
    // A failed spawn emits 'error' and never 'exit': count it as gone, or a wait on `exited`
    // would be left pending with nothing keeping the event loop alive.
    let spawnFailed = false;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (e) => {
        spawnFailed = true;
        lastError = `spawn failed: ${e.message}`;
        resolve();
      });
    });
    child.once('exit', () => running.delete(child));
    const up = await waitForPong(port, timeoutMs, () => spawnFailed || child.exitCode !== null || child.signalCode !== null);
    if (up) {
      return {
        port,
        pid: child.pid!,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            await exited;
            clearTimeout(timer);
          }
        },
      };
    }
    const refused = !spawnFailed && (child.exitCode !== null || child.signalCode !== null);
    if (!spawnFailed) lastError = output;
    child.kill('SIGKILL');
    await exited;
    // Only a lost race for the port is worth another process; a server that refused its
    // configuration (or is merely slow on a loaded machine) would do the same again.
    if (refused && !/address already in use/i.test(output)) throw new OracleRefusedToStart(output);
    if (!refused && !spawnFailed) throw new Error(`redis-server did not answer PING within ${timeoutMs} ms: ${output}`);
  }
  throw new Error(`redis-server did not start: ${lastError}`);
}

/** redis-server exited at start-up (a configuration or data file it refused), as opposed to a slow start. */
export class OracleRefusedToStart extends Error {
  constructor(readonly output: string) {
    super(`redis-server refused to start: ${output}`);
  }
}

/** Polls 127.0.0.1:port with PING until +PONG, `dead()` says the process died, or the deadline passes. */
export async function waitForPong(port: number, timeoutMs: number, dead: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead()) return false;
    if (await pingOnce(port)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(got === '+PONG\r\n');
    });
  });
}

export interface Exchange {
  /** every byte the server sent, as a binary string */
  data: string;
  /** true when the server closed the connection */
  closed: boolean;
}

export interface ExchangeOptions {
  /**
   * After the bytes, send `ECHO <sentinel>` and stop reading at its reply (which is
   * removed from `data`). Use false when the bytes leave a request incomplete, so the
   * server is expected to wait: reading then stops after `idleMs` of silence.
   */
  sentinel?: boolean;
  /** silence that ends the exchange when there is no sentinel */
  idleMs?: number;
  /** pause between chunks, so they tend to arrive as separate reads */
  gapMs?: number;
  /** hard bound for the whole exchange */
  timeoutMs?: number;
}

const SENTINEL = '__exchange_done__';
const SENTINEL_REQUEST = `*2\r\n$4\r\nECHO\r\n$${SENTINEL.length}\r\n${SENTINEL}\r\n`;
const SENTINEL_REPLY = `$${SENTINEL.length}\r\n${SENTINEL}\r\n`;

/**
 * Opens a fresh connection, writes `chunks` (binary strings or bytes) and collects the
 * server's raw answer and whether it closed the connection. The sentinel is only sent
 * once the server had a moment to act on the bytes (and possibly close), so a closing
 * server is not handed unread bytes (which would turn its FIN into a RST).
 */
export async function rawExchange(port: number, chunks: Array<string | Buffer>, opts: ExchangeOptions = {}): Promise<Exchange> {
  const { sentinel = true, idleMs = 150, gapMs = 0, timeoutMs = 5000 } = opts;
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const received: Buffer[] = [];
  let closed = false;
  let lastActivity = Date.now();
  let wake: (() => void) | null = null;
  const poke = () => {
    lastActivity = Date.now();
    const w = wake;
    wake = null;
    w?.();
  };
  socket.on('data', (d: Buffer) => {
    received.push(d);
    poke();
  });
  socket.on('close', () => {
    closed = true;
    poke();
  });
  socket.on('error', () => {
    // a reset after the server closed: `closed` is set by 'close'
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const deadline = Date.now() + timeoutMs;
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => {
        wake = null;
        r();
      }, Math.max(1, ms));
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  const text = () => Buffer.concat(received).toString('latin1');
  try {
    for (let i = 0; i < chunks.length && !closed; i++) {
      const c = chunks[i]!;
      socket.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
      lastActivity = Date.now();
      if (gapMs > 0 && i < chunks.length - 1) await new Promise((r) => setTimeout(r, gapMs));
    }
    if (sentinel) {
      // Let the server act on the bytes first: it may answer and close.
      await settle(() => closed, () => lastActivity, 40, deadline, sleep);
      if (!closed) {
        socket.write(SENTINEL_REQUEST);
        while (!closed && !text().endsWith(SENTINEL_REPLY) && Date.now() < deadline) await sleep(deadline - Date.now());
        const all = text();
        if (all.endsWith(SENTINEL_REPLY)) return { data: all.slice(0, all.length - SENTINEL_REPLY.length), closed: false };
        return { data: all, closed };
      }
      return { data: text(), closed };
    }
    await settle(() => closed, () => lastActivity, idleMs, deadline, sleep);
    return { data: text(), closed };
  } finally {
    socket.destroy();
  }
}

/** Waits until `done()` or until nothing happened for `quietMs`, bounded by `deadline`. */
async function settle(
  done: () => boolean,
  last: () => number,
  quietMs: number,
  deadline: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  while (!done() && Date.now() < deadline) {
    const quietFor = Date.now() - last();
    if (quietFor >= quietMs) return;
    await sleep(Math.min(quietMs - quietFor, deadline - Date.now()));
  }
}
