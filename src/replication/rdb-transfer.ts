/**
 * Receiving the primary's RDB after +FULLRESYNC (Redis 7.2's readSyncBulkPayload). The
 * payload comes in one of two framings:
 *
 *  - `$<len>\r\n` then exactly len bytes (a disk-backed sync);
 *  - `$EOF:<40 bytes mark>\r\n` then the RDB then the same 40 bytes (a diskless sync,
 *    whose size the primary does not know beforehand).
 *
 * Before the header, a lone "\n" is the primary's keepalive while it prepares the file.
 * With a file (repl-diskless-load disabled), the bytes go to a temp file in `dir` through a
 * write stream: never a synchronous write, and the socket is paused while the stream's
 * buffer is full, so a fast primary cannot make the replica buffer the whole file in
 * memory. The file is flushed to disk before `done` reports it. Without one (a diskless
 * load: swapdb, on-empty-db with an empty dataset) nothing touches the disk: the payload
 * is kept in memory and handed to `done` for the RDB reader. Bytes after the payload in
 * the same read (the start of the stream, for a disk-backed sync) are handed over with
 * `done`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type net from 'node:net';
import type { LinkLog } from './master-link.js';

const EOF_MARK_LEN = 40;

export interface TransferEvents {
  /** the whole payload is on disk in `file` (or, without a file, is `payload`); `rest` followed it */
  done(rest: Buffer, payload: Buffer | null): void;
  /** the transfer cannot go on (already logged) */
  failed(reason: string): void;
  io(): void;
}

export class RdbReceiver {
  /** payload size announced ($len), 0 in EOF-mark mode, -1 before the header */
  size = -1;
  /** payload bytes received */
  read = 0;
  private header = Buffer.alloc(0);
  private eofMark: Buffer | null = null;
  /** EOF mode: the last bytes seen, held back until it is known they are not the mark */
  private tail = Buffer.alloc(0);
  private out: WriteStream | null = null;
  /** a diskless load: the payload's chunks, in order */
  private readonly chunks: Buffer[] = [];
  private finished = false;
  private readonly onData = (chunk: Buffer): void => this.feed(chunk);

  /** the payload came framed by an `$EOF:<mark>` line (a diskless sync), not by `$<len>` */
  get eofFramed(): boolean {
    return this.eofMark !== null;
  }

  constructor(
    private readonly socket: net.Socket,
    /** the temp file the payload goes to; null: kept in memory for a diskless load */
    readonly file: string | null,
    private readonly log: LinkLog,
    private readonly events: TransferEvents,
  ) {
    socket.on('data', this.onData);
  }

  /** Stops reading (link dropped or transfer over) and discards a file still being written. */
  detach(): void {
    this.socket.off('data', this.onData);
    if (!this.finished) {
      this.finished = true;
      this.out?.destroy();
    }
  }

  feed(chunk: Buffer): void {
    if (this.finished) return;
    this.events.io();
    if (this.size === -1) {
      chunk = this.readHeader(chunk);
      if (this.size === -1 || this.finished) return;
    }
    if (this.eofMark !== null) this.feedUntilMark(chunk);
    else this.feedCounted(chunk);
  }

  /** Consumes header bytes; returns what follows the header line. */
  private readHeader(chunk: Buffer): Buffer {
    let buf = this.header.length === 0 ? chunk : Buffer.concat([this.header, chunk]);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl === -1) {
        if (buf.length > 1024) this.fail("Bad protocol from MASTER, the first byte is not '$', are you sure the host and port are right?");
        this.header = Buffer.from(buf);
        return Buffer.alloc(0);
      }
      const line = buf.toString('latin1', 0, nl > 0 && buf[nl - 1] === 13 ? nl - 1 : nl);
      buf = buf.subarray(nl + 1);
      // a newline alone: the primary is still preparing the payload
      if (line.length === 0) continue;
      this.header = Buffer.alloc(0);
      if (line[0] === '-') {
        this.fail(`MASTER aborted replication with an error: ${line.slice(1)}`);
        return Buffer.alloc(0);
      }
      if (line[0] !== '$') {
        this.fail(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
        return Buffer.alloc(0);
      }
      if (line.startsWith('$EOF:') && line.length - 5 >= EOF_MARK_LEN) {
        this.eofMark = Buffer.from(line.slice(5, 5 + EOF_MARK_LEN), 'latin1');
        this.size = 0;
        this.log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to ${this.file === null ? 'parser' : 'disk'}`);
      } else {
        const n = Number(line.slice(1));
        if (!Number.isSafeInteger(n) || n < 0) {
          this.fail(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
          return Buffer.alloc(0);
        }
        this.size = n;
        this.log.notice(`MASTER <-> REPLICA sync: receiving ${n} bytes from master to ${this.file === null ? 'parser' : 'disk'}`);
      }
      this.open();
      return buf;
    }
  }

  private open(): void {
    if (this.file === null) return;
    // owner-only: the file holds the whole dataset
    this.out = createWriteStream(this.file, { mode: 0o600, flush: true });
    this.out.on('error', (e) => this.fail(`Opening the temp file needed for MASTER <-> REPLICA synchronization: ${e.message}`));
    this.out.on('drain', () => {
      if (!this.finished) this.socket.resume();
    });
  }

  private write(data: Buffer): void {
    if (data.length === 0) return;
    this.read += data.length;
    if (this.out === null) {
      this.chunks.push(data);
      return;
    }
    // a full write buffer pauses the socket until the disk caught up
    if (!this.out!.write(data)) this.socket.pause();
  }

  private feedCounted(chunk: Buffer): void {
    const need = this.size - this.read;
    if (chunk.length < need) {
      this.write(chunk);
      return;
    }
    this.write(chunk.subarray(0, need));
    this.complete(chunk.subarray(need));
  }

  private feedUntilMark(chunk: Buffer): void {
    const mark = this.eofMark!;
    const buf = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const at = buf.indexOf(mark);
    if (at !== -1) {
      this.write(buf.subarray(0, at));
      this.complete(buf.subarray(at + EOF_MARK_LEN));
      return;
    }
    const keep = Math.min(EOF_MARK_LEN - 1, buf.length);
    this.write(buf.subarray(0, buf.length - keep));
    this.tail = Buffer.from(buf.subarray(buf.length - keep));
  }

  private complete(rest: Buffer): void {
    this.finished = true;
    this.socket.off('data', this.onData);
    // the stream's bytes after the payload wait in the socket until the load is over
    this.socket.pause();
    const kept = Buffer.from(rest);
    if (this.out === null) {
      const payload = Buffer.concat(this.chunks);
      this.chunks.length = 0;
      this.events.done(kept, payload);
      return;
    }
    this.out.end(() => this.events.done(kept, null));
  }

  private fail(reason: string): void {
    if (this.finished) return;
    this.log.warning(reason);
    this.detach();
    this.events.failed(reason);
  }
}
