/**
 * Applying the primary's write stream on the replica (Redis 7.2's master client:
 * processInputBuffer + commandProcessed for a CLIENT_MASTER client).
 *
 * Each command is parsed with the server's request parser and run through the same
 * dispatcher as a `master` client (Client.role): the dispatcher obeys it (no ACL,
 * memory, disk or read-only refusals), MULTI/EXEC from the primary queue and run as
 * usual, and no reply is written back. The one exception is REPLCONF GETACK, answered
 * with `REPLCONF ACK <offset>`; other REPLCONF subcommands from the primary are ignored
 * (as Redis's replconfCommand does for a master client).
 *
 * Offsets, as Redis counts them: the parser's consumption gives each command's exact byte
 * length; a command's bytes count into the replication offset once it ran, except inside
 * a MULTI from the primary, whose bytes count when its EXEC ran (so a link that drops
 * mid-transaction resumes before the MULTI). Counted bytes are fed verbatim to the
 * replication state (offset + backlog), so sub-replicas and a later promotion continue
 * with exactly the primary's bytes at exactly its offsets. GETACK answers the offset
 * before the GETACK itself.
 *
 * Invariant: `applied` (stream position of the first byte not yet counted) ≤ the parser's
 * consumption ≤ `received`; `pending[head…]` holds the received bytes from `applied` on,
 * the first `headUsed` bytes of `pending[head]` excepted. The chunks are kept as they
 * arrived (never concatenated), so a big value read in many small pieces costs linear time.
 */
import type net from 'node:net';
import { RequestParser } from '../protocol/request-parser.js';
import type { ParserLimits } from '../protocol/request-parser.js';
import type { CommandContext } from '../command-context/context.js';
import { Kind, type Reply } from '../protocol/reply.js';
import { encodeCommand } from './master-link.js';

/** What the applier needs of the server and the replication state. */
export interface ApplierHost {
  readonly parserLimits: ParserLimits;
  /** runs one command for the master client (the dispatcher) */
  dispatch(ctx: CommandContext, argv: string[]): Reply | null;
  /** counted stream bytes: replication offset + backlog */
  feed(data: Buffer): void;
  /** the replication offset (bytes counted so far) */
  offset(): number;
  /** once per batch of input: cached time, the client whose commands run */
  beginBatch(): void;
  endBatch(): void;
  /** a command the dispatcher could not run (logged by the host) */
  failed(argv: readonly string[], reply: Reply): void;
  /** REPLCONF ACK's extra FACK offset (appendonly yes), or null */
  fsyncedOffset(): number | null;
}

export class StreamApplier {
  private readonly parser: RequestParser;
  /** bytes handed to the parser since this applier started */
  private received = 0;
  /** stream position (relative to the start) of the first byte not yet counted */
  private applied = 0;
  /** received chunks not yet wholly counted, from index `head` */
  private pending: Buffer[] = [];
  private head = 0;
  /** bytes of pending[head] already counted */
  private headUsed = 0;
  private closed = false;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  constructor(
    private readonly socket: net.Socket,
    private readonly ctx: CommandContext,
    private readonly host: ApplierHost,
  ) {
    this.parser = new RequestParser(host.parserLimits, { unauthenticated: false });
  }

  /** Starts reading, first applying what arrived with the end of the RDB or the PSYNC reply. */
  start(initial: Buffer): void {
    this.socket.on('data', this.onData);
    if (initial.length > 0) this.receive(initial);
    this.socket.resume();
  }

  /** Bytes received from the primary, applied or not (slave_read_repl_offset − start). */
  get readBytes(): number {
    return this.received;
  }

  detach(): void {
    this.closed = true;
    this.socket.off('data', this.onData);
  }

  /** REPLCONF ACK <offset> [FACK <offset>] to the primary. */
  sendAck(): void {
    if (this.closed || this.socket.destroyed) return;
    const off = String(this.host.offset());
    const fack = this.host.fsyncedOffset();
    this.socket.write(encodeCommand(fack === null ? ['REPLCONF', 'ACK', off] : ['REPLCONF', 'ACK', off, 'FACK', String(fack)]));
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.pending.push(chunk);
    this.received += chunk.length;
    this.parser.feed(chunk);
    const host = this.host;
    const client = this.ctx.client;
    host.beginBatch();
    try {
      for (;;) {
        if (this.closed) return;
        const argv = this.parser.next();
        if (argv === null) break;
        const end = this.received - this.parser.bufferedBytes;
        if (isReplconf(argv)) {
          if (argv.length >= 2 && argv[1]!.toLowerCase() === 'getack') this.sendAck();
        } else {
          const r = host.dispatch(this.ctx, argv);
          if (r !== null && r.k === Kind.Error) host.failed(argv, r);
        }
        // inside the primary's MULTI nothing counts until its EXEC
        if (client.multi === null) this.count(end);
      }
    } finally {
      host.endBatch();
    }
    if (this.parser.error !== null) {
      // the primary's stream is broken: nothing after this point can be trusted
      this.closed = true;
      this.socket.destroy(new Error(`Protocol error from MASTER: ${this.parser.error}`));
      return;
    }
    // drop the chunks counted whole (amortised: compacted once half the array is spent)
    if (this.head > 64 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Counts the bytes up to stream position `end` (fed verbatim to the state). */
  private count(end: number): void {
    let n = end - this.applied;
    if (n <= 0) return;
    // a command inside one chunk is fed as one piece; one spanning chunks, piece by piece
    while (n > 0) {
      const chunk = this.pending[this.head]!;
      const take = Math.min(n, chunk.length - this.headUsed);
      this.host.feed(chunk.subarray(this.headUsed, this.headUsed + take));
      n -= take;
      this.headUsed += take;
      if (this.headUsed === chunk.length) {
        this.pending[this.head] = EMPTY;
        this.head++;
        this.headUsed = 0;
      }
    }
    this.applied = end;
  }
}

const EMPTY = Buffer.alloc(0);

function isReplconf(argv: readonly string[]): boolean {
  const name = argv[0]!;
  return name.length === 8 && name.toLowerCase() === 'replconf';
}
