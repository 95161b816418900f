/**
 * One subscribed client's upstream connection for pub/sub (issue 18): SUBSCRIBE and
 * PSUBSCRIBE go to one node (a cluster broadcasts PUBLISH to every node), SSUBSCRIBE to
 * the node serving the shard channel's slot — one link per node.
 *
 * The link always speaks RESP3 upstream (HELLO 3 as the login), whatever the client
 * speaks: messages are pushes (`>`), and the answers to the link's own PINGs (`+PONG`) and
 * errors are the only other frames, so nothing can be mistaken for a message. Messages are
 * decoded and handed to the gateway, which delivers them to the client in the client's
 * protocol, and only while the client is still (locally) subscribed to that channel or
 * pattern: the gateway's own pub/sub registry is the client's subscription state (counts
 * in confirmations, RESP2's subscribed mode, CLIENT LIST), the upstream's confirmations are
 * dropped.
 *
 * Each request is followed by a PING: its PONG tells that the upstream has processed the
 * request (a SUBSCRIBE's confirmation is held back until then, so a message published
 * after the client saw the confirmation reaches it). An error frame before the PONG is
 * that request's error.
 */
import { decodeReply } from './reply-decode.js';
import { ReplyFramingError } from './reply-framer.js';
import { LOST_REPLY, UpstreamConnection, type UpstreamOptions } from './upstream-connection.js';

export type MessageKind = 'message' | 'pmessage' | 'smessage';

export interface SubscriberEvents {
  /** a message: [channel, payload] or, for pmessage, [pattern, channel, payload] */
  message(kind: MessageKind, items: readonly string[]): void;
  /** the upstream dropped a shard channel on its own (its slot moved to another node) */
  shardDropped(channel: string): void;
  /** the link was lost (not closed by the gateway) */
  lost(): void;
}

interface Barrier {
  /** null: processed; else the error frame the upstream answered */
  done: (error: Buffer | null) => void;
  error: Buffer | null;
  timer: NodeJS.Timeout;
}

const PONG = '+PONG\r\n';

export class SubscriberLink {
  private readonly conn: UpstreamConnection;
  private readonly barriers: Barrier[] = [];
  private closing = false;
  private readonly timeoutMs: number;

  constructor(
    opts: Omit<UpstreamOptions, 'onFrame' | 'resp3'>,
    private readonly events: SubscriberEvents,
  ) {
    this.timeoutMs = opts.timeoutMs;
    this.conn = new UpstreamConnection({ ...opts, resp3: true, onFrame: (f) => this.onFrame(f) });
    this.conn.onClose = () => this.onClose();
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  /**
   * Sends an (un)subscribe command; `done` is called once the upstream has processed it
   * (null), or with the error it answered, or with LOST_REPLY when the link went down first.
   */
  request(argv: readonly string[], done: (error: Buffer | null) => void = () => undefined): void {
    if (!this.conn.sendRaw(argv) || !this.conn.sendRaw(['PING'])) {
      queueMicrotask(() => done(LOST_REPLY));
      return;
    }
    const barrier: Barrier = {
      done,
      error: null,
      // an upstream that never answers: the link goes, and its client with it
      timer: setTimeout(() => this.conn.close(), this.timeoutMs),
    };
    barrier.timer.unref();
    this.barriers.push(barrier);
  }

  /** Closes the link on purpose: requests still waiting count as done. */
  close(): void {
    this.closing = true;
    this.conn.close();
  }

  private onFrame(frame: Buffer): void {
    const type = frame[0];
    if (type === 0x3e) return this.onPush(frame);
    const head = this.barriers[0];
    if (type === 0x2b && frame.toString('latin1') === PONG) {
      if (head === undefined) return;
      this.barriers.shift();
      clearTimeout(head.timer);
      head.done(head.error);
      return;
    }
    // an error answers the oldest request still waiting (its PONG follows)
    if ((type === 0x2d || type === 0x21) && head !== undefined && head.error === null) head.error = frame;
  }

  private onPush(frame: Buffer): void {
    let items: string[];
    try {
      const v = decodeReply(frame);
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return;
      items = v as string[];
    } catch (e) {
      if (!(e instanceof ReplyFramingError)) throw e;
      return;
    }
    const kind = items[0]!.toLowerCase();
    if (kind === 'message' || kind === 'smessage') {
      if (items.length === 3) this.events.message(kind, items.slice(1));
    } else if (kind === 'pmessage') {
      if (items.length === 4) this.events.message(kind, items.slice(1));
    } else if (kind === 'sunsubscribe' && this.barriers.length === 0 && items.length >= 2) {
      // not the answer to a request of ours: the node no longer serves the channel's slot
      this.events.shardDropped(items[1]!);
    }
    // (un)subscribe confirmations: the gateway answered the client itself
  }

  private onClose(): void {
    for (const b of this.barriers.splice(0)) {
      clearTimeout(b.timer);
      b.done(this.closing ? null : LOST_REPLY);
    }
    if (!this.closing) this.events.lost();
  }
}
