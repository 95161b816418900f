/**
 * One replica as its primary sees it (Redis 7.2's client with CLIENT_SLAVE): the
 * connection that sent PSYNC or SYNC, what it announced with REPLCONF, where its sync
 * stands and what it acknowledged.
 *
 * States, as INFO shows them: `wait_bgsave` while it waits for a snapshot to start
 * (`wait-start`) or to end (`wait-end`), `send_bulk` while a disk snapshot file is sent,
 * `online` once the RDB went out. The stream's bytes produced from the snapshot's start
 * are held here until the replica may receive them (`streaming`): after the file (disk),
 * or after the replica's first ACK (diskless: the replica finds the end of an EOF-marked
 * RDB by its last 40 bytes, so nothing may follow it until it says it loaded).
 *
 * Writes go straight to the socket (the connection's reply writer is bypassed: a replica
 * gets no replies), corked for the rest of the turn of the event loop so the commands of
 * one batch leave in one write. Held and unsent bytes count against
 * `client-output-buffer-limit replica`.
 */
import type { Socket } from 'node:net';
import type { Client } from '../server/client.js';
import { OutputLimitState, type OutputLimit } from '../server/output-limits.js';

export type ReplicaSyncState = 'wait-start' | 'wait-end' | 'send-bulk' | 'online';

/** What a replica asked to receive (REPLCONF rdb-filter-only): the keys, the functions. */
export interface RdbFilter {
  excludeData: boolean;
  excludeFunctions: boolean;
}

export class ReplicaClient {
  state: ReplicaSyncState = 'wait-start';
  /** REPLCONF listening-port */
  listeningPort = 0;
  /** REPLCONF ip-address ('' = the peer address) */
  announcedIp = '';
  /** REPLCONF capa eof: takes a diskless, EOF-marked RDB */
  capaEof = false;
  /** REPLCONF capa psync2: understands +CONTINUE <replid> */
  capaPsync2 = false;
  /** REPLCONF rdb-only 1: the RDB and nothing after it (CLIENT_REPL_RDBONLY) */
  rdbOnly = false;
  /** REPLCONF rdb-filter-only: parts of the RDB left out */
  filter: RdbFilter = { excludeData: false, excludeFunctions: false };
  /** came with SYNC: no +FULLRESYNC line, no ACKs expected (Redis's CLIENT_PRE_PSYNC) */
  prePsync = false;
  /** last offset acknowledged (repl_ack_off) */
  ackOffset = 0;
  /** last offset its AOF fsynced (REPLCONF ACK … FACK, repl_aof_off) */
  aofOffset = 0;
  /** ms of the last ACK, or of going online (repl_ack_time) */
  ackTime: number;
  /** ms when it started waiting for a snapshot (the diskless delay counts from the oldest) */
  readonly waitingSince: number;
  /** the stream offset its snapshot was taken at (+FULLRESYNC <offset>) */
  initialOffset = 0;
  /** stream bytes flow to the socket (else they are held) */
  streaming = false;
  /** diskless: streaming starts at the first ACK (repl_start_cmd_stream_on_ack) */
  startOnAck = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private corked = false;
  private readonly limitState = new OutputLimitState();
  closed = false;

  constructor(
    readonly client: Client,
    readonly socket: Socket,
    now: number,
    /** where total_net_repl_output_bytes is counted (the server's stats) */
    private readonly counters: { netReplOutputBytes: number },
  ) {
    this.ackTime = now;
    this.waitingSince = now;
  }

  /** the address INFO and ROLE show: the announced one, else the peer's */
  get ip(): string {
    if (this.announcedIp !== '') return this.announcedIp;
    const a = this.client.addr;
    const colon = a.lastIndexOf(':');
    return colon < 0 ? a : a.slice(0, colon);
  }

  /** Redis's replicationGetSlaveName: "ip:port" with the listening port when known. */
  get name(): string {
    return this.listeningPort !== 0 ? `${this.ip}:${this.listeningPort}` : this.client.addr;
  }

  /** The INFO state word. */
  get infoState(): string {
    return this.state === 'online' ? 'online' : this.state === 'send-bulk' ? 'send_bulk' : 'wait_bgsave';
  }

  /** bytes not yet handed to the kernel: held stream plus the socket's queue */
  get pendingBytes(): number {
    return this.heldBytes + this.socket.writableLength;
  }

  /** Stream bytes: sent when streaming, held otherwise. */
  feed(bytes: Buffer): void {
    if (this.closed) return;
    if (this.streaming) this.write(bytes);
    else {
      this.held.push(bytes);
      this.heldBytes += bytes.length;
    }
  }

  /** Copies another replica's held stream (attaching to a snapshot already under way). */
  copyHeldFrom(other: ReplicaClient): void {
    this.held = [...other.held];
    this.heldBytes = other.heldBytes;
  }

  /** Sends what was held and lets the stream flow from now on. */
  startStreaming(): void {
    if (this.streaming || this.closed) return;
    this.streaming = true;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    if (held.length > 0) this.write(held.length === 1 ? held[0]! : Buffer.concat(held));
  }

  /** Bytes the caller wrote to the socket itself (a disk-backed RDB's chunks). */
  countOutput(n: number): void {
    this.client.netOut += n;
    this.counters.netReplOutputBytes += n;
  }

  /** Raw bytes to the socket (replies of the sync, the RDB, the stream). */
  write(bytes: Buffer | string): void {
    if (this.closed || this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
    this.client.netOut += bytes.length;
    this.counters.netReplOutputBytes += bytes.length;
  }

  /** Whether the output limit is broken now (the caller closes the replica). */
  overLimit(limit: OutputLimit, nowMs: number): boolean {
    if (limit.hard === 0 && limit.soft === 0) return false;
    return this.limitState.check(this.pendingBytes, limit, nowMs);
  }
}
