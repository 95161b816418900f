/**
 * Replication topologies of separate processes for failover tests: nodes that are either
 * Debian's `redis-server` or Redoubt (`node dist/src/main.js`), each with its own config
 * file and directory on a free loopback port, and Redis Sentinels
 * (`redis-server <conf> --sentinel`) watching them. Processes, not in-process servers,
 * because a failover test must SIGKILL the primary.
 *
 * Every process is killed when the test process exits, so a failed test leaves nothing
 * running; `stopAll` stops them in order at the end of a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRedisServer, freePort, waitForPong, NO_ORACLE_MESSAGE } from './redis-oracle.js';

export type NodeKind = 'redis' | 'redoubt';

export interface ProcessHandle {
  readonly port: number;
  readonly kind: NodeKind | 'sentinel';
  readonly dir: string;
  readonly child: ChildProcess;
  /** stdout and stderr so far (bounded), for failure messages */
  output(): string;
  /** whether the process is still running */
  alive(): boolean;
  /** SIGKILL, and resolve once it is gone */
  kill(): Promise<void>;
}

/** The compiled server's entry point (dist/src/main.js), from dist/test/helpers. */
const REDOUBT_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

const everyChild = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  everyChild.add(child);
  child.once('exit', () => everyChild.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of everyChild) c.kill('SIGKILL');
  });
}

function launch(kind: ProcessHandle['kind'], port: number, dir: string, cmd: string, args: string[]): ProcessHandle {
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 64 * 1024) out = out.slice(-48 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    port,
    kind,
    dir,
    child,
    output: () => out,
    alive,
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await gone;
    },
  };
}

/**
 * Starts one data node. `lines` are extra config lines (e.g. `replicaof 127.0.0.1 6379`).
 * Both kinds get the same base config: loopback only, no persistence, a config file so
 * CONFIG REWRITE (which Sentinel sends after REPLICAOF) has somewhere to write.
 */
export async function startNode(kind: NodeKind, lines: string[] = []): Promise<ProcessHandle> {
  const redis = findRedisServer();
  if (redis === null) throw new Error(NO_ORACLE_MESSAGE);
  let lastOutput = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), `topology-${kind}-`));
    const conf = path.join(dir, 'node.conf');
    writeFileSync(
      conf,
      [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'save ""', 'appendonly no', 'repl-diskless-sync-delay 0', ...lines].join('\n') + '\n',
    );
    // Redoubt: a fixed small heap so it does not relaunch itself to size one (one pid to kill)
    const h =
      kind === 'redis'
        ? launch(kind, port, dir, redis, [conf])
        : launch(kind, port, dir, process.execPath, ['--max-old-space-size=512', REDOUBT_MAIN, conf]);
    if (await waitForPong(port, 15_000, () => !h.alive())) return h;
    lastOutput = h.output();
    await h.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`${kind} node did not start: ${lastOutput}`);
}

/** Starts a Sentinel watching `masterName` at 127.0.0.1:`masterPort` with a quorum of `quorum`. */
export async function startSentinel(masterName: string, masterPort: number, quorum: number): Promise<ProcessHandle> {
  const redis = findRedisServer();
  if (redis === null) throw new Error(NO_ORACLE_MESSAGE);
  let lastOutput = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'topology-sentinel-'));
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 6000`,
        `sentinel parallel-syncs ${masterName} 2`,
      ].join('\n') + '\n',
    );
    const h = launch('sentinel', port, dir, redis, [conf, '--sentinel']);
    if (await waitForPong(port, 10_000, () => !h.alive())) return h;
    lastOutput = h.output();
    await h.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`sentinel did not start: ${lastOutput}`);
}

/** Kills every handle and removes their directories. */
export async function stopAll(handles: readonly (ProcessHandle | undefined)[]): Promise<void> {
  for (const h of handles) {
    if (h === undefined) continue;
    await h.kill();
    rmSync(h.dir, { recursive: true, force: true });
  }
}
