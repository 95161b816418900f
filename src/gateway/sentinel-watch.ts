/**
 * A Sentinel-managed upstream (issue 18, `gateway-sentinel`): the sentinels are asked
 * `SENTINEL get-master-addr-by-name <master>` in turn (the first that answers with an
 * address wins), and every sentinel's event channels are watched so the gateway learns of
 * a failover as it happens:
 *
 *  - `+selected-slave` (the failover leader picked the replica it is about to promote):
 *    `failoverStarting` (with the replica's address) — the gateway holds new commands until the switch, so none is run
 *    by the old primary after the replica stopped replicating from it (such a write would
 *    be acknowledged, then dropped when the old primary resyncs as a replica);
 *  - `+switch-master` and `-failover-abort-*`: `switched` — ask again and resume.
 *
 * A watch connection that is lost is opened again after a second. Sentinel connections
 * use the sentinel credentials (`gateway-sentinel-user/-pass`), never the data nodes'.
 */
import { decodeReply } from './reply-decode.js';
import { ReplyFramingError } from './reply-framer.js';
import { LOGIN_REFUSED_REPLY, UpstreamConnection, type UpstreamOptions } from './upstream-connection.js';

export interface Addr {
  host: string;
  port: number;
}

export interface SentinelEvents {
  /** a failover of the watched master is under way, promoting `replica` ("ip:port"): hold new commands */
  failoverStarting(replica: string): void;
  /** the master switched (or the failover was aborted): resolve the primary again */
  switched(): void;
}

/** What a sentinel connection needs besides its address. */
export type SentinelConnectOptions = Omit<UpstreamOptions, 'host' | 'port' | 'onFrame' | 'resp3'>;

const RECONNECT_MS = 1000;

export class SentinelWatch {
  private readonly links = new Map<number, UpstreamConnection>();
  private closed = false;

  constructor(
    readonly sentinels: readonly Addr[],
    readonly master: string,
    private readonly opts: SentinelConnectOptions,
    private readonly events: SentinelEvents,
  ) {
    sentinels.forEach((_, i) => this.watch(i));
  }

  /**
   * The master's current address from the first sentinel that knows it, or null when none
   * does; then `refusedBy` is a sentinel that refused the login (gateway-sentinel-user/-pass).
   */
  resolve(done: (addr: Addr | null, refusedBy: Addr | null) => void, i = 0, refusedBy: Addr | null = null): void {
    if (i >= this.sentinels.length || this.closed) return done(null, refusedBy);
    const sentinel = this.sentinels[i]!;
    const conn = new UpstreamConnection({ ...this.opts, ...sentinel });
    conn.send(['SENTINEL', 'get-master-addr-by-name', this.master], (bytes, isError) => {
      conn.close();
      let addr: Addr | null = null;
      if (!isError) {
        try {
          const v = decodeReply(bytes);
          if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' && /^\d+$/.test(v[1])) addr = { host: v[0], port: Number(v[1]) };
        } catch (e) {
          if (!(e instanceof ReplyFramingError)) throw e;
        }
      }
      if (addr === null) return this.resolve(done, i + 1, bytes === LOGIN_REFUSED_REPLY ? sentinel : refusedBy);
      done(addr, null);
    });
  }

  close(): void {
    this.closed = true;
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }

  private watch(i: number): void {
    if (this.closed) return;
    const conn = new UpstreamConnection({ ...this.opts, ...this.sentinels[i]!, timeoutMs: 2 ** 31 - 1, onFrame: (f) => this.onFrame(f) });
    conn.onClose = () => {
      if (this.links.get(i) === conn) this.links.delete(i);
      if (!this.closed) setTimeout(() => this.watch(i), RECONNECT_MS).unref();
    };
    this.links.set(i, conn);
    conn.sendRaw(['SUBSCRIBE', '+switch-master', '+selected-slave']);
    conn.sendRaw(['PSUBSCRIBE', '-failover-abort-*']);
  }

  private onFrame(frame: Buffer): void {
    let v;
    try {
      v = decodeReply(frame);
    } catch (e) {
      if (!(e instanceof ReplyFramingError)) throw e;
      return;
    }
    if (!Array.isArray(v)) return;
    const kind = v[0];
    const channel = kind === 'message' ? v[1] : kind === 'pmessage' ? v[2] : undefined;
    const payload = v[v.length - 1];
    if (typeof channel !== 'string' || typeof payload !== 'string') return;
    if (masterNamed(channel, payload) !== this.master) return;
    // `slave <ip:port> <ip> <port> @ <master> …`
    if (channel === '+selected-slave') this.events.failoverStarting(payload.split(' ')[1] ?? '');
    else this.events.switched();
  }
}

/**
 * The master an event is about: `+switch-master <name> <old ip> <old port> <new ip> <new port>`,
 * `<type> <name> <ip> <port> @ <master name> <ip> <port>` for a replica's events, and
 * `master <name> <ip> <port>` for the master's own.
 */
function masterNamed(channel: string, payload: string): string | undefined {
  const words = payload.split(' ');
  if (channel === '+switch-master') return words[0];
  const at = words.indexOf('@');
  if (at !== -1) return words[at + 1];
  return words[0] === 'master' ? words[1] : undefined;
}
