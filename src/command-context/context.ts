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
 *
 * The class is declared in services.ts, beside the services it carries: their types refer
 * to each other (the context holds the services, a service takes the context), and one
 * file keeps that recursion out of the import graph. Handlers import it from here.
 */
export { CommandContext, type CommandHost } from './services.js';
