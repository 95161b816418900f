/**
 * The replication stream's encoder: the write feed's commands (persistence/propagator.ts)
 * as the RESP bytes a primary sends its replicas, Redis 7.2's replicationFeedSlaves:
 *  - a `SELECT db` goes before a command whose database differs from the last one sent;
 *    `resetSelect` forgets it (a full sync starts: the replica's link begins in db 0 and
 *    its first command must carry a SELECT);
 *  - every byte goes to the shared state (offset, backlog) before it goes to the
 *    replicas, so a partial resync can serve exactly what was sent;
 *  - the server's own messages (PING, REPLCONF GETACK) go out with no SELECT, as Redis
 *    feeds them with dictid -1.
 * While this server is a replica it produces nothing: the replica side feeds its
 * primary's stream verbatim instead, and a second writer would corrupt the offsets.
 *
 * After each command it records where it ended in bytes against the feed's command
 * offset (offset-map.ts), which is what WAIT needs to compare with ACKs.
 */
import { RespCommandBuilder } from '../persistence/aof/resp-command-builder.js';
import type { PropagationSink } from '../persistence/propagator.js';
import type { OffsetMap } from './offset-map.js';
import type { ReplicationState } from './replication-state.js';

/** What the stream reads of its surroundings. */
export interface StreamHost {
  readonly state: ReplicationState;
  /** true while this server follows a primary: nothing is produced here then */
  readonly isReplica: boolean;
  /** the feed's command offset right after the command being appended */
  commandOffset(): number;
  /** hands the encoded bytes to the replicas (the bytes are not changed afterwards) */
  deliver(bytes: Buffer): void;
}

export class ReplicationStream implements PropagationSink {
  /** database of the last SELECT sent; -1 forces one before the next command */
  private selected = -1;
  private readonly out = new RespCommandBuilder(4096);

  constructor(
    private readonly host: StreamHost,
    private readonly offsets: OffsetMap,
  ) {}

  append(dbIndex: number, argv: readonly string[]): void {
    const host = this.host;
    if (host.isReplica) return;
    const out = this.out;
    out.reset();
    if (dbIndex !== this.selected && dbIndex >= 0) {
      out.command(['SELECT', String(dbIndex)]);
      this.selected = dbIndex;
    }
    out.command(argv);
    this.send(out);
    this.offsets.record(host.commandOffset(), host.state.offset);
  }

  /** A message of the primary itself (PING, REPLCONF GETACK *): no SELECT. */
  appendOwn(argv: readonly string[]): void {
    if (this.host.isReplica) return;
    const out = this.out;
    out.reset();
    out.command(argv);
    this.send(out);
  }

  /** The database the stream last selected (0 before any: a replica's link starts there). */
  get selectedDb(): number {
    return this.selected < 0 ? 0 : this.selected;
  }

  /** The next command carries a SELECT (Redis's slaveseldb = -1). */
  resetSelect(): void {
    this.selected = -1;
  }

  private send(out: RespCommandBuilder): void {
    const bytes = Buffer.from(out.view());
    this.host.state.feed(bytes);
    this.host.deliver(bytes);
  }
}
