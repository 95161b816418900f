/**
 * What a connection (connection.ts) reaches in the server: server/server.ts satisfies it.
 * A leaf, so that connection.ts does not import the server module that builds it (issue
 * 14). The command context's host (CommandHost) is part of it: a connection builds its
 * client's context.
 */
import type { CommandHost } from '../command-context/services.js';
import type { CommandTable } from '../command-context/command-table.js';
import type { Dispatcher } from '../commands/dispatcher.js';
import type { ReplyBarrier } from '../persistence/reply-barrier.js';
import type { Reply } from '../protocol/reply.js';
import type { Client } from './client.js';
import type { ClientLimits } from './client-limits.js';
import type { ClientPause } from './client-pause.js';
import type { Logger } from './logger.js';
import type { ServerStats } from './stats.js';

/** A connection as the server's bookkeeping sees it once it closed. */
export interface ClosedConnection {
  readonly client: Client;
}

export interface ConnectionHost extends CommandHost {
  readonly commands: CommandTable;
  readonly dispatcher: Dispatcher;
  readonly limits: ClientLimits;
  readonly logger: Logger;
  readonly stats: ServerStats;
  /** CLIENT PAUSE: a paused connection's place in the queue */
  readonly pause: ClientPause;
  /** replies held until the AOF write (persistence/reply-barrier.ts) */
  readonly persistence: { readonly replies: ReplyBarrier };
  /** a request that looks like HTTP or another protocol (security event, closed) */
  readonly admission: { crossProtocolAttack(client: Client): void };
  /** the client whose command is executing */
  current: Client | null;
  now(): number;
  updateTime(): void;
  countError(r: Reply): void;
  connectionClosed(conn: ClosedConnection): void;
}
