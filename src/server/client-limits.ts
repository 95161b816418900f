/**
 * The per-client limits a connection checks on every read and write: the request parser's
 * caps (proto-max-bulk-len), client-query-buffer-limit, client-output-buffer-limit and
 * maxmemory-clients (client eviction, client-eviction.ts).
 *
 * Contract: one object per server, shared by every connection; its fields are written
 * only by the config hooks registered here (push: they are read per request or per write,
 * and the output limits are kept parsed). `parser` is the very object each connection's
 * request parser holds, so a CONFIG SET reaches parsers already running.
 */
import { OBUF_DEFAULT } from '../config/config-values.js';
import type { ParserLimits } from '../protocol/request-parser.js';
import { clientInfoLine } from './client-info.js';
import { ClientEviction } from './client-eviction.js';
import { parseOutputLimits, type OutputLimits } from './output-limits.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Client } from './client.js';
import type { Logger } from './logger.js';
import type { ServerStats } from './stats.js';

/** What the limits read of the server (server/server.ts). */
export interface ClientLimitsHost {
  readonly config: ConfigStore;
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly evictor: { readonly maxmemory: number };
  readonly connections: ReadonlyMap<number, { readonly client: Client }>;
  now(): number;
}

export class ClientLimits {
  readonly parser: ParserLimits = { maxBulkLen: 512 * 1024 * 1024, maxMultibulkLen: 1024 * 1024, maxInlineLen: 64 * 1024 };
  queryBuffer = 1024 * 1024 * 1024;
  /** gateway mode: a client's forwarded commands awaiting their reply before its input stops being read */
  gatewayInflight = 1024;
  /** client-output-buffer-limit, parsed */
  output: OutputLimits = parseOutputLimits(OBUF_DEFAULT);
  /** maxmemory-clients: per-client memory, its totals and the eviction of the largest */
  readonly eviction: ClientEviction;

  constructor(server: ClientLimitsHost) {
    const config = server.config;
    this.eviction = new ClientEviction({
      stats: server.stats,
      logger: server.logger,
      maxmemory: () => server.evictor.maxmemory,
      describe: (c) => clientInfoLine(server.now(), c, null),
      clients: function* () {
        for (const conn of server.connections.values()) yield conn.client;
      },
    });
    config.onChange('client-output-buffer-limit', (v) => {
      this.output = parseOutputLimits(v);
      return null;
    });
    config.onChange('client-query-buffer-limit', (v) => {
      this.queryBuffer = Number(v);
      return null;
    });
    config.onChange('gateway-max-inflight', (v) => {
      this.gatewayInflight = Number(v);
      return null;
    });
    config.onChange('proto-max-bulk-len', (v) => {
      this.parser.maxBulkLen = Number(v);
      return null;
    });
    config.onChange('maxmemory-clients', (v) => {
      this.eviction.configure(v);
      return null;
    });
  }
}
