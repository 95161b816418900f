/**
 * The two shapes a snapshot can take (snapshot.ts): an RDB image (SAVE, BGSAVE, an AOF
 * base with aof-use-rdb-preamble yes) and RESP commands (an AOF base without it).
 */
import type { PersistenceHost } from './persistence-host.js';
import type { SnapshotEncoder } from './snapshot.js';
import { RdbWriter } from './rdb/rdb-writer.js';
import { RespCommandBuilder } from './aof/resp-command-builder.js';
import { rewriteKey, rewriteSelect } from './aof/aof-rewrite-encoder.js';

const EMPTY = Buffer.alloc(0);
/** a key's encoding is handed to the file in pieces of about this size */
const SPILL_AT = 1 << 20;

/** An RDB image with the server's rdbcompression / rdbchecksum and eviction metadata. */
export function rdbSnapshotEncoder(server: PersistenceHost, aofBase: boolean): SnapshotEncoder {
  const policy = server.config.get('maxmemory-policy');
  const writer = new RdbWriter({
    compression: server.config.bool('rdbcompression'),
    checksum: server.config.bool('rdbchecksum'),
    // as Redis: idle time or LFU counter travel with the keys under those policies
    evictionMeta: policy.endsWith('-lru') ? 'lru' : policy.endsWith('-lfu') ? 'lfu' : 'none',
  });
  return {
    // the libraries as they are when the snapshot begins, before the databases (as Redis 7)
    begin: () =>
      Buffer.concat([
        // an AOF preamble carries no replication info (Redis passes no rsi there)
        writer.header({ ctime: Math.floor(Date.now() / 1000), usedMem: process.memoryUsage().heapUsed, aofBase, extra: aofBase ? [] : server.replication.saveInfo() }),
        writer.functions(server.functions.codes()),
      ]),
    selectDb: (index, keys, expires) => writer.selectDb(index, keys, expires),
    entry: (key, entry, expireAt) => writer.entry(key, entry, expireAt, server.now()),
    end: () => writer.footer(),
    // a big key is written out in 1 MiB pieces as it is encoded (issue 17)
    streamTo: (out) => writer.streamTo(out, SPILL_AT),
  };
}

/**
 * An AOF base as commands (SET/RPUSH/…/PEXPIREAT), as Redis rewrites without a preamble:
 * with aof-timestamp-enabled a `#TS:<unix time>` annotation first (Redis's
 * rewriteAppendOnlyFileRio), then one FUNCTION LOAD per library (rewriteFunctions), then the keys.
 */
export function aofCommandSnapshotEncoder(server: PersistenceHost): SnapshotEncoder {
  const out = new RespCommandBuilder();
  const take = (): Buffer => {
    const b = Buffer.from(out.view());
    out.reset();
    return b;
  };
  return {
    begin: () => {
      if (server.config.bool('aof-timestamp-enabled')) out.raw(`#TS:${Math.floor(Date.now() / 1000)}\r\n`);
      for (const code of server.functions.codes()) out.command(['FUNCTION', 'LOAD', code]);
      return take();
    },
    selectDb: (index) => {
      rewriteSelect(out, index);
      return take();
    },
    entry: (key, entry, expireAt) => {
      rewriteKey(out, key, entry.v, expireAt);
      return take();
    },
    end: () => EMPTY,
  };
}
