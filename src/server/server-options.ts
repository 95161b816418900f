/**
 * What a server is started with (ServerOptions: directives, a loaded store, clock, log
 * sink, test conveniences) and what `startServer` returns (RunningServer).
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Clock } from '../keyspace/clock.js';
import type { LogSink } from './logger.js';
import type { SyslogOutput } from './syslog-output.js';

export interface ServerOptions {
  /** config directives as (name, args) pairs, applied after defaults, like config-file lines */
  config?: ReadonlyArray<readonly [string, ...string[]]>;
  /** an already loaded store (main.ts loads files itself to report errors redis-style) */
  store?: ConfigStore;
  clock?: Clock;
  /** defaults to silent in tests; main.ts passes stdout or the logfile */
  logSink?: LogSink;
  /**
   * syslog-enabled: the output main.ts already started for its first log lines; without
   * it the server starts its own when the store says syslog-enabled yes.
   */
  syslog?: SyslogOutput;
  /**
   * Test convenience: listen on this TCP port, where 0 means an ephemeral port (unlike the
   * `port` directive, where 0 disables TCP). The bound port is then what CONFIG GET port shows.
   */
  port?: number;
  /** Test convenience: start the metrics endpoint on this port (0 = ephemeral). */
  metricsPort?: number;
  /** Test convenience like `port`, for `tls-port`: 0 means an ephemeral TLS port. */
  tlsPort?: number;
  /** false: resolve once listening, while the dataset still loads (tests of -LOADING) */
  awaitLoading?: boolean;
}

/** What `startServer` returns; `S` is the Server (server.ts names it RunningServer). */
export interface RunningServerOf<S> {
  server: S;
  /** first TCP listener's address */
  port: number;
  host: string;
  /** first TLS listener's port, 0 without TLS */
  tlsPort: number;
  /** settles when start-up loading is over (rejects with the LoadError when it failed) */
  loaded: Promise<void>;
  close(): Promise<void>;
}
