/**
 * The server side of the command services (command-model/services.ts): each service is a
 * thin view over the server's registries, built once per server. Views read the server's
 * fields lazily (getters), so state replaced later (databases resized, persistence set up
 * after the services) is always the current one.
 */
import type { CommandServices } from '../command-model/services.js';
import { clientBufferBytes } from '../keyspace/memory-accounting.js';
import { systemClock } from '../keyspace/clock.js';
import { infoText } from './info-report.js';
import type { Server } from './server.js';
import { actorOf } from './auth-login.js';
import type { Client } from './client.js';
import { reply, Kind, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { internalErrorLog } from './internal-error-log.js';

export function commandServices(server: Server): CommandServices {
  return {
    keyspace: {
      get dbs() {
        return server.dbs;
      },
      keyIsExpired: (dbIndex, key) => server.keyspace.keyIsExpired(dbIndex, key),
      lfuEnabled: () => server.keyspace.lfuEnabled(),
      addDirty: (n) => {
        server.stats.dirty += n;
      },
      get loading() {
        return server.loading;
      },
      get maxBulkLen() {
        return server.limits.parser.maxBulkLen;
      },
      watches: server.watches,
      blocking: server.blocking,
      memory: server.memory,
    },
    clients: {
      list: () => [...server.connections.values()].map((conn) => conn.client),
      byId: (id) => server.connections.get(id)?.client,
      // a client with no connection (AOF loading, scripts) still gets a registry entry
      pubsubTarget: (client) => server.connections.get(client.id) ?? { client, push: () => {} },
      bufferBytes: () => clientBufferBytes(server.connections.values()),
      implicitLoginAllowed: (client) => server.login.implicitLoginAllowed(client),
      reset: (client) => server.onClientReset(client),
      pause: (mode, ms) => server.pause.pause(mode, ms),
      unpause: () => server.pause.unpause(),
      replyLater: (client, work) => replyLater(server, client, work),
    },
    pubsub: server.pubsub,
    tracking: server.tracking,
    persistence: {
      get rdb() {
        return server.persistence.rdb;
      },
      get aof() {
        return server.persistence.aof;
      },
      get snapshotOnShutdown() {
        return server.snapshotOnShutdown;
      },
      shutdown: () => void server.shutdown(),
    },
    monitor: {
      stats: server.stats,
      slowlog: server.slowlog,
      latency: server.latency,
      logger: server.logger,
      countError: (r) => server.countError(r),
      info: (args) => infoText(server, args),
      wallClock: () => server.clock.now(),
      get systemClock() {
        return server.clock === systemClock;
      },
    },
    security: {
      acl: server.acl,
      events: server.security,
      actorOf,
      authenticate: (ctx, user, password, commandName, finish) => server.login.authenticate(ctx, user, password, commandName, finish),
    },
    commands: {
      table: server.commands,
      call: (ctx, cmd, argv) => server.dispatcher.call(ctx, cmd, argv),
    },
  };
}

/** ClientRegistry.replyLater: the blocked-client path (as a throttled AUTH's reply). */
function replyLater(server: Server, client: Client, work: () => Promise<Reply>): boolean {
  const conn = server.connections.get(client.id);
  if (conn === undefined || conn.client !== client || client.inExec) return false;
  client.blocked = true;
  void work()
    .catch((e: unknown): Reply => {
      internalErrorLog(server.logger).report('finishing a deferred reply', e);
      return reply.error(errors.internal);
    })
    .then((out) => {
      // the client left meanwhile: nobody to answer
      if (server.connections.get(client.id) !== conn) return;
      client.blocked = false;
      if (out.k === Kind.Error) server.countError(out);
      conn.unblocked(out);
    });
  return true;
}
