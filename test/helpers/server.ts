/**
 * Test helpers: an in-process Redoubt on an ephemeral loopback port, and the real
 * clients tests talk to it with.
 */
import { Redis } from 'ioredis';
import { rmSync } from 'node:fs';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import { scratchDir } from './scratch-dir.js';

/**
 * An in-process server on an ephemeral port. Unless the test chooses a `dir` (or passes a
 * loaded store), it gets a fresh scratch directory, removed again by close().
 */
export async function startTestServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const ownDir = opts.store === undefined && !(opts.config ?? []).some(([name]) => name === 'dir');
  if (!ownDir) return startServer({ port: 0, ...opts });
  const dir = scratchDir();
  const running = await startServer({ port: 0, ...opts, config: [['dir', dir], ...(opts.config ?? [])] });
  const close = running.close.bind(running);
  running.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return running;
}

/** An ioredis client that fails fast instead of retrying forever. */
export function ioredisClient(port: number, extra: Record<string, unknown> = {}): Redis {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false, ...extra });
}
