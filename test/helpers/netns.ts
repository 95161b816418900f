/**
 * A throwaway test host: a network namespace joined to this one by a veth pair, so a
 * test can connect from a real non-loopback address. Only this machine is involved.
 * Needs root and iproute2; `createTestHost` returns null when that is unavailable.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';

export interface TestHost {
  /** the namespace's name, for `ip netns exec` */
  ns: string;
  /** our side of the link (the server binds here) */
  hostAddress: string;
  /** the test host's address (the client's source address) */
  peerAddress: string;
  /**
   * Runs a command inside the test host and resolves with its stdout. Asynchronous, so an
   * in-process server keeps serving while the command runs.
   */
  exec(cmd: string, args: string[], timeoutMs?: number): Promise<string>;
  destroy(): void;
}

let counter = 0;

/**
 * `block` picks the /16 the host's /30 comes from: 18 (198.18.0.0/16, the default) or 19
 * (198.19.0.0/16), so tests run at once by different files never share a subnet.
 */
export function createTestHost(opts: { block?: 18 | 19 } = {}): TestHost | null {
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.status !== 0 || process.getuid?.() !== 0) return null;
  const n = (process.pid % 200) + (counter++ % 50);
  const ns = `rdt-${process.pid}-${counter}`;
  const hostIf = `rdh${n}x${counter}`.slice(0, 15);
  const peerIf = `rdp${n}x${counter}`.slice(0, 15);
  // 198.18.0.0/15 is reserved for benchmarking/testing; a /30 per host
  const base = 4 * ((n * 7 + counter) % 16000);
  const octet3 = Math.floor(base / 256);
  const octet4 = base % 256;
  const block = opts.block ?? 18;
  const hostAddress = `198.${block}.${octet3}.${octet4 + 1}`;
  const peerAddress = `198.${block}.${octet3}.${octet4 + 2}`;
  const run = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  try {
    run('netns', 'add', ns);
    run('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf);
    run('link', 'set', peerIf, 'netns', ns);
    run('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    run('link', 'set', hostIf, 'up');
    run('netns', 'exec', ns, 'ip', 'addr', 'add', `${peerAddress}/30`, 'dev', peerIf);
    run('netns', 'exec', ns, 'ip', 'link', 'set', peerIf, 'up');
    run('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch {
    spawnSync('ip', ['link', 'del', hostIf]);
    spawnSync('ip', ['netns', 'del', ns]);
    return null;
  }
  return {
    ns,
    hostAddress,
    peerAddress,
    exec(cmd, args, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        execFile('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'latin1', timeout: timeoutMs }, (err, stdout) =>
          err !== null ? reject(err) : resolve(stdout),
        );
      });
    },
    destroy() {
      spawnSync('ip', ['link', 'del', hostIf]);
      spawnSync('ip', ['netns', 'del', ns]);
    },
  };
}
