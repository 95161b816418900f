/**
 * Test helpers: an in-process Redoubt on an ephemeral loopback port, and the real
 * clients tests talk to it with.
 */
import { Redis } from 'ioredis';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';

export async function startTestServer(opts: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, ...opts });
}

/** An ioredis client that fails fast instead of retrying forever. */
export function ioredisClient(port: number, extra: Record<string, unknown> = {}): Redis {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false, ...extra });
}
