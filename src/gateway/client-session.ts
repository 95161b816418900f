/**
 * What the gateway keeps for one client beyond the shared per-node connections (issue 18),
 * made the first time the client needs it and closed with the client:
 *
 *  - dedicated upstream connections (per node and protocol version) for its blocking
 *    commands — a BLPOP waiting upstream must not hold up other clients' replies queued
 *    behind it on a shared connection — and for a WATCH … EXEC, which has to run on the
 *    connection that holds the WATCH;
 *  - the WATCH pin: the slot every watched key hashes to; while pinned, the client's
 *    commands to that slot's node travel its dedicated connection (so a read after WATCH
 *    is ordered after it), and a redirect or a lost connection on the way marks the pin
 *    broken (the watch no longer protects anything: EXEC answers as for a touched key);
 *  - pub/sub links (subscriber.ts): one for SUBSCRIBE/PSUBSCRIBE, one per node for
 *    SSUBSCRIBE.
 */
import type { UpstreamConnection } from './upstream-connection.js';
import type { SubscriberLink } from './subscriber.js';
import { nodeAddress } from './cluster-topology.js';

interface Addr {
  host: string;
  port: number;
}

export interface WatchPin {
  /** the slot of the watched keys (-1 for a standalone upstream) */
  slot: number;
  /** the node that holds the WATCH, and the connection, once sent */
  node: Addr | null;
  conn: UpstreamConnection | null;
  /** a redirect or a lost connection: the upstream WATCH no longer covers the keys */
  broken: boolean;
}

export class ClientSession {
  private readonly own = new Map<string, UpstreamConnection>();
  pin: WatchPin | null = null;
  /** SUBSCRIBE/PSUBSCRIBE's link (null until the first subscription) */
  channelLink: SubscriberLink | null = null;
  /** SSUBSCRIBE's links by "host:port" */
  readonly shardLinks = new Map<string, SubscriberLink>();
  /** the client waits for a blocking command upstream: on this connection, to this node */
  blocked = false;
  blockedOn: { conn: UpstreamConnection; node: Addr } | null = null;
  /** each dedicated connection's CLIENT ID upstream (CLIENT UNBLOCK names it) */
  readonly upstreamIds = new WeakMap<UpstreamConnection, string>();
  closed = false;

  constructor(private readonly open: (node: Addr, resp: 2 | 3) => UpstreamConnection) {}

  /** The client's own connection to `node` in this protocol version; a new one if none or lost. */
  dedicated(node: Addr, resp: 2 | 3): UpstreamConnection {
    const key = `${nodeAddress(node)}/${resp}`;
    let conn = this.own.get(key);
    if (conn === undefined || conn.closed) {
      const made = this.open(node, resp);
      conn = made;
      this.own.set(key, made);
      // pipelined ahead of the first command; an upstream user without CLIENT ID simply
      // leaves the client unblockable by CLIENT UNBLOCK
      made.send(['CLIENT', 'ID'], (bytes, isError) => {
        if (!isError && bytes[0] === 0x3a) this.upstreamIds.set(made, bytes.toString('latin1', 1, bytes.length - 2));
      });
    }
    return conn;
  }

  /** How many upstream connections the session holds (INFO). */
  get connections(): number {
    let n = this.shardLinks.size + (this.channelLink !== null ? 1 : 0);
    for (const c of this.own.values()) if (!c.closed) n++;
    return n;
  }

  /** Closes the pub/sub links (the client unsubscribed from everything, or RESET). */
  closeLinks(): void {
    this.channelLink?.close();
    this.channelLink = null;
    for (const l of this.shardLinks.values()) l.close();
    this.shardLinks.clear();
  }

  close(): void {
    this.closed = true;
    this.closeLinks();
    for (const c of this.own.values()) c.close();
    this.own.clear();
    this.pin = null;
  }
}
