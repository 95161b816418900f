/**
 * What a handler sees: the server, the calling client and its selected database.
 * One context object lives per connection and is reused for every command.
 */
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Database } from '../keyspace/database.js';
import type { Command } from './command-spec.js';

export class CommandContext {
  /** the command being executed (set by the dispatcher) */
  command!: Command;

  constructor(
    readonly server: Server,
    readonly client: Client,
  ) {}

  get db(): Database {
    return this.server.dbs[this.client.dbIndex]!;
  }

  /** cached time of this command, ms */
  get now(): number {
    return this.server.now();
  }
}
