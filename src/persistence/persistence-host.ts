/**
 * What persistence/ (RDB snapshots, the AOF, start-up loading) takes from the server it
 * belongs to. server/server.ts satisfies it; persistence/ never names the Server, so the
 * server module can build the layer without an import cycle (issue 14).
 *
 * The members are the ones the layer reads or sets; replication is seen only through the
 * two calls RDB files need (its save info and its restore), and the persistence layer
 * itself only through the loading progress the loaders update.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Clock } from '../keyspace/clock.js';
import type { Database } from '../keyspace/database.js';
import type { CommandHost } from '../command-context/services.js';
import type { CommandTable } from '../command-context/command-table.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import type { Reply } from '../protocol/reply.js';
import type { FunctionLibraries } from '../scripting/function-libraries.js';
import type { User } from '../acl/user.js';
import type { Client } from '../server/client.js';
import type { InfoRegistry } from '../server/info-registry.js';
import type { Logger } from '../server/logger.js';
import type { ServerStats } from '../server/stats.js';
import type { Propagator } from './propagator.js';
import type { SnapshotHost } from './snapshot.js';

/** The loading figures the layer keeps (INFO persistence) and the loaders update. */
export interface LoadProgress {
  loadingTotalBytes: number;
  loadingLoadedBytes: number;
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
  beginLoading(totalBytes: number): void;
  maybeLogProgress(file: string, done: number, total: number): void;
}

/** An RDB file's replication fields (repl-id, repl-offset, repl-stream-db). */
export interface RdbReplicationInfo {
  saveInfo(): [string, string][];
  restoreFromRdb(rsi: { replid: string; offset: number; streamDb: number }): void;
}

export interface PersistenceHost extends CommandHost, SnapshotHost {
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly stats: ServerStats;
  readonly info: InfoRegistry;
  readonly dbs: Database[];
  /** the write feed: the AOF writer becomes its sink */
  readonly propagator: Propagator;
  readonly functions: FunctionLibraries;
  readonly commands: CommandTable;
  /** AOF replay runs its commands through the dispatcher (commands/dispatcher.ts) */
  readonly dispatcher: { call(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null };
  readonly acl: { readonly defaultUser: User };
  /** a script the AOF replay left running (BUSY) */
  readonly scripts: { busyError(): string | null };
  readonly replication: RdbReplicationInfo;
  readonly persistence: LoadProgress;
  /** true while the dataset is loaded at start-up */
  loading: boolean;
  /** the client whose command is executing (the AOF replay's own client) */
  current: Client | null;
  now(): number;
  updateTime(): void;
  /** recomputes MISCONF after a save or AOF write outcome */
  refreshDiskError(): void;
  /** an unrecoverable persistence error */
  fatal(message: string): void;
}
