/**
 * What a handler sees — the one narrow door between commands and the server:
 *   - `db` (the client's selected database), `client`, `now` (the command's cached time);
 *   - `notify(kind, event, key)`: a keyspace event for the selected database;
 *   - `keyModified(db, key)`: Redis's signalModifiedKey (WATCH, blocked clients, dirty);
 *   - `propagation`: the write feed's verbs (replace / also / prevent / force);
 *   - `config`: the configuration store (read-only use by handlers, CONFIG SET aside);
 *   - `services`: a few named services (services.ts), implemented by the server side.
 * Never the `Server`: nothing under `commands/` imports `server/server.ts`, so the same
 * context serves a client's command, an AOF replay, a script's `redis.call` and, later, a
 * replicated or gateway-routed command.
 *
 * One context object lives per connection and is reused for every command (the hot path
 * allocates nothing here).
 */
import type { Client } from '../server/client.js';
import type { Database } from '../keyspace/database.js';
import type { NotifyKindBit } from '../keyspace/keyspace-events.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Command } from './command-spec.js';
import type { CommandServices, PropagationVerbs } from './services.js';

/** What the server provides to build contexts (implemented by server/server.ts). */
export interface CommandHost {
  readonly dbs: readonly Database[];
  readonly config: ConfigStore;
  readonly propagator: PropagationVerbs;
  readonly services: CommandServices;
  /** the cached time of the current command, ms */
  now(): number;
  keyModified(db: Database, key: string): void;
  notifyKeyspaceEvent(kind: NotifyKindBit, event: string, key: string, dbIndex: number): void;
}

export class CommandContext {
  /** the command being executed (set by the dispatcher) */
  command!: Command;
  readonly config: ConfigStore;
  readonly propagation: PropagationVerbs;
  readonly services: CommandServices;

  constructor(
    private readonly host: CommandHost,
    readonly client: Client,
  ) {
    this.config = host.config;
    this.propagation = host.propagator;
    this.services = host.services;
  }

  /**
   * A context for another client of the same server: a script's own client, which
   * runs the script's redis.call commands in its own database and protocol.
   */
  forClient(client: Client): CommandContext {
    return new CommandContext(this.host, client);
  }

  get db(): Database {
    return this.host.dbs[this.client.dbIndex]!;
  }

  /** cached time of this command, ms */
  get now(): number {
    return this.host.now();
  }

  /**
   * A keyspace event (keyspace-events.ts) for `key` in the selected database, or in
   * `dbIndex` when the command works on another one (MOVE, COPY … DB).
   */
  notify(kind: NotifyKindBit, event: string, key: string, dbIndex: number = this.client.dbIndex): void {
    this.host.notifyKeyspaceEvent(kind, event, key, dbIndex);
  }

  /** Redis's signalModifiedKey: WATCH, blocked clients, memory accounting, dirty. */
  keyModified(db: Database, key: string): void {
    this.host.keyModified(db, key);
  }
}
