/**
 * The RDB half of a full resynchronization, in Redis 7.2's two forms:
 *  - diskless (`repl-diskless-sync yes`, replicas with `capa eof`): a snapshot
 *    (persistence/snapshot.ts) is walked a slice at a time between commands and written
 *    straight to the replicas' sockets as `$EOF:<40 random bytes>\r\n<rdb><the same 40
 *    bytes>`, the way Redis's child writes into the sockets;
 *  - disk: a BGSAVE writes the file (the persistence layer's own background save); the
 *    file is then sent to each replica as `$<length>\r\n<bytes>`, read in chunks with the
 *    socket's back-pressure.
 * Both keep serving other clients: the walk pauses while a replica's socket has more
 * than HIGH_WATER unsent bytes, and a replica that goes away is dropped from the transfer
 * (the walk stops when none is left).
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { KeySnapshot, type SnapshotEncoder, type SnapshotHost } from '../persistence/snapshot.js';
import { RdbWriter } from '../persistence/rdb/rdb-writer.js';
import type { PersistenceHost } from '../persistence/persistence-host.js';
import type { RdbFilter, ReplicaClient } from './replica-client.js';

/** A socket with more unsent bytes than this pauses the walk. */
const HIGH_WATER = 8 * 1024 * 1024;
/** time slice per turn of the event loop, ms */
const SLICE_MS = 2;
/** chunk size when sending a snapshot file */
const FILE_CHUNK = 256 * 1024;

/** The 40 random characters that end an EOF-marked RDB (Redis's CONFIG_RUN_ID_SIZE). */
export function eofMark(): string {
  return randomBytes(20).toString('hex');
}


const EMPTY = Buffer.alloc(0);

/**
 * The RDB a replica receives: the server's settings (rdbcompression, rdbchecksum), the
 * replication aux fields Redis 7.2 adds for a replica (repl-stream-db, repl-id,
 * repl-offset: the history and offset the image belongs to), and the filter asked for.
 */
export function replicationRdbEncoder(server: Pick<PersistenceHost, 'config' | 'functions' | 'now'>, replid: string, offset: number, filter: RdbFilter): SnapshotEncoder {
  const writer = new RdbWriter({ compression: server.config.bool('rdbcompression'), checksum: server.config.bool('rdbchecksum') });
  return {
    begin: () =>
      Buffer.concat([
        writer.header({
          ctime: Math.floor(Date.now() / 1000),
          usedMem: process.memoryUsage().heapUsed,
          extra: [
            ['repl-stream-db', '0'],
            ['repl-id', replid],
            ['repl-offset', String(offset)],
          ],
        }),
        filter.excludeFunctions ? EMPTY : writer.functions(server.functions.codes()),
      ]),
    selectDb: (index, keys, expires) => (filter.excludeData ? EMPTY : writer.selectDb(index, keys, expires)),
    entry: (key, entry, expireAt) => (filter.excludeData ? EMPTY : writer.entry(key, entry, expireAt, server.now())),
    end: () => writer.footer(),
    // a big key goes out in 1 MiB pieces as it is encoded, as in a save (issue 17)
    streamTo: (out) => writer.streamTo(out, 1 << 20),
  };
}

/** A diskless transfer to one or more replicas; `done` is called once. */
export class DisklessTransfer {
  private readonly snap: KeySnapshot;
  private readonly mark = eofMark();
  private ended = false;
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;

  constructor(
    host: SnapshotHost,
    encoder: SnapshotEncoder,
    private readonly targets: ReplicaClient[],
    /** rdb-key-save-delay (µs per key, a testing aid as in Redis) */
    private readonly keyDelayUs: number,
    private readonly done: (error: string | null, replicas: ReplicaClient[]) => void,
  ) {
    this.snap = new KeySnapshot(host, encoder, (chunk) => this.send(chunk), keyDelayUs > 0 ? 1 : undefined);
  }

  get running(): boolean {
    return !this.ended;
  }

  get replicas(): readonly ReplicaClient[] {
    return this.targets;
  }

  /** Freezes the image (takes the copy-on-write hooks) and starts the walk. */
  start(): void {
    for (const r of this.targets) r.write(`$EOF:${this.mark}\r\n`);
    this.snap.start();
    this.schedule();
  }

  /** A replica went away: the transfer goes on for the others. */
  drop(r: ReplicaClient): void {
    const i = this.targets.indexOf(r);
    if (i >= 0) this.targets.splice(i, 1);
  }

  /** Stops without a result (every replica gone, the server closing). */
  cancel(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimer();
    this.snap.abort();
    this.done(reason, this.targets);
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }

  private schedule(delayMs = 0): void {
    if (this.ended) return;
    const run = (): void => {
      this.timer = null;
      this.slice();
    };
    if (this.keyDelayUs > 0) delayMs = Math.max(delayMs, Math.max(1, Math.round(this.keyDelayUs / 1000)));
    this.timer = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
  }

  private slice(): void {
    if (this.ended) return;
    const alive = this.targets.filter((r) => !r.closed && !r.socket.destroyed);
    if (alive.length === 0) {
      this.cancel('Diskless rdb transfer, last replica dropped');
      return;
    }
    // the slowest replica sets the pace (as one pipe feeds every socket in Redis)
    if (alive.some((r) => r.socket.writableLength > HIGH_WATER)) {
      this.schedule(5);
      return;
    }
    let finished: boolean;
    try {
      finished = this.snap.step(this.keyDelayUs > 0 ? 0 : SLICE_MS);
    } catch (e) {
      this.cancel((e as Error).message);
      return;
    }
    if (!finished) {
      this.schedule();
      return;
    }
    this.ended = true;
    for (const r of this.targets) r.write(this.mark);
    this.done(null, this.targets);
  }

  private send(chunk: Buffer): void {
    for (const r of this.targets) r.write(chunk);
  }
}

/**
 * Sends a snapshot file to one replica: `$<length>\r\n` then the bytes. The file is
 * opened now, so a later save that replaces it does not change what is sent.
 * `done(error)` is called once (null: everything was handed to the socket).
 */
export function sendSnapshotFile(path: string, replica: ReplicaClient, done: (error: string | null) => void): void {
  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(path, 'r');
    size = fs.fstatSync(fd).size;
  } catch (e) {
    done(`Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
    return;
  }
  replica.write(`$${size}\r\n`);
  let pos = 0;
  let finished = false;
  const finish = (error: string | null): void => {
    if (finished) return;
    finished = true;
    fs.close(fd, () => {});
    done(error);
  };
  replica.socket.once('close', () => finish('replica gone'));
  const pump = (): void => {
    if (finished) return;
    if (replica.closed || replica.socket.destroyed) {
      finish('replica gone');
      return;
    }
    if (pos >= size) {
      finish(null);
      return;
    }
    const buf = Buffer.allocUnsafe(Math.min(FILE_CHUNK, size - pos));
    fs.read(fd, buf, 0, buf.length, pos, (err, n) => {
      if (err !== null || n === 0) {
        finish(`Read error sending DB to replica: ${err === null ? 'unexpected end of file' : err.message}`);
        return;
      }
      pos += n;
      const ok = replica.socket.write(n === buf.length ? buf : buf.subarray(0, n));
      replica.countOutput(n);
      if (ok) setImmediate(pump);
      else replica.socket.once('drain', pump);
    });
  };
  pump();
}
