/**
 * The pub/sub registry (pubsub.c): channel → subscribers, pattern → subscribers, shard
 * channel → subscribers, and each client's own subscriptions. It delivers messages
 * through a `PubSubTarget` (the connection), so it has no socket knowledge.
 *
 * Invariants: a channel/pattern entry exists only while it has a subscriber; a client's
 * sets and the global maps always agree. Iteration is in subscription order (Redis uses
 * hash tables, whose order clients cannot rely on).
 */
import type { Client } from './client.js';
import { reply, type Reply } from '../protocol/reply.js';
import { compileGlob, type GlobMatcher } from '../keyspace/glob.js';
import { BigMap, BigSet } from '../types/big-map.js';

/** Where messages for one client go: its connection. */
export interface PubSubTarget {
  readonly client: Client;
  /** sends an out-of-band message (a push in RESP3, an array in RESP2) */
  push(r: Reply): void;
}

/** The three kinds of subscription, with the words Redis uses in their replies. */
export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

interface ClientSubscriptions {
  readonly target: PubSubTarget;
  readonly channels: BigSet<string>;
  readonly patterns: BigSet<string>;
  readonly shard: BigSet<string>;
}

interface PatternEntry {
  readonly match: GlobMatcher;
  readonly subs: Set<ClientSubscriptions>;
}

const MESSAGE = reply.bulk('message');
const PMESSAGE = reply.bulk('pmessage');
const SMESSAGE = reply.bulk('smessage');

export class PubSubRegistry {
  // BigMap/BigSet where clients choose the count (channel names): no 2^24 ceiling (issue 17);
  // subscriber sets are bounded by the number of connections and stay plain Sets
  private readonly channels = new BigMap<string, Set<ClientSubscriptions>>();
  private readonly patterns = new BigMap<string, PatternEntry>();
  private readonly shardChannels = new BigMap<string, Set<ClientSubscriptions>>();
  private readonly clients = new Map<Client, ClientSubscriptions>();

  /** Whether any client has a subscription (the dispatcher's cheap first test). */
  get anySubscriber(): boolean {
    return this.clients.size > 0;
  }

  /** INFO stats: pubsub_channels, pubsub_patterns, pubsubshard_channels. */
  get channelCount(): number {
    return this.channels.size;
  }
  get patternCount(): number {
    return this.patterns.size;
  }
  get shardChannelCount(): number {
    return this.shardChannels.size;
  }

  private stateOf(target: PubSubTarget): ClientSubscriptions {
    let s = this.clients.get(target.client);
    if (s === undefined) {
      const state: ClientSubscriptions = { target, channels: new BigSet(), patterns: new BigSet(), shard: new BigSet() };
      s = state;
      this.clients.set(target.client, state);
      // CLIENT LIST sub/psub/ssub and the client's pub/sub mode read these
      target.client.subscriptionCount = () => state.channels.size;
      target.client.patternSubscriptionCount = () => state.patterns.size;
      target.client.shardSubscriptionCount = () => state.shard.size;
    }
    return s;
  }

  /** The count a (un)subscribe reply carries: channels + patterns, or shard channels. */
  countFor(client: Client, kind: SubscriptionKind): number {
    const s = this.clients.get(client);
    if (s === undefined) return 0;
    return kind === 'shard' ? s.shard.size : s.channels.size + s.patterns.size;
  }

  /** Whether the client is subscribed to `name` (gateway mode: a message relayed from upstream is still wanted). */
  isSubscribed(client: Client, kind: SubscriptionKind, name: string): boolean {
    const s = this.clients.get(client);
    if (s === undefined) return false;
    return (kind === 'channel' ? s.channels : kind === 'pattern' ? s.patterns : s.shard).has(name);
  }

  /** This client's subscriptions of one kind, in subscription order. */
  subscriptionsOf(client: Client, kind: SubscriptionKind): string[] {
    const s = this.clients.get(client);
    if (s === undefined) return [];
    return [...(kind === 'channel' ? s.channels : kind === 'pattern' ? s.patterns : s.shard)];
  }

  /** Returns true when the subscription is new. */
  subscribe(target: PubSubTarget, kind: SubscriptionKind, name: string): boolean {
    const s = this.stateOf(target);
    const own = kind === 'channel' ? s.channels : kind === 'pattern' ? s.patterns : s.shard;
    if (own.has(name)) return false;
    own.add(name);
    if (kind === 'pattern') {
      let p = this.patterns.get(name);
      if (p === undefined) {
        p = { match: compileGlob(name), subs: new Set() };
        this.patterns.set(name, p);
      }
      p.subs.add(s);
    } else {
      const map = kind === 'channel' ? this.channels : this.shardChannels;
      let subs = map.get(name);
      if (subs === undefined) {
        subs = new Set();
        map.set(name, subs);
      }
      subs.add(s);
    }
    return true;
  }

  /** Returns true when the client was subscribed. */
  unsubscribe(client: Client, kind: SubscriptionKind, name: string): boolean {
    const s = this.clients.get(client);
    if (s === undefined) return false;
    const own = kind === 'channel' ? s.channels : kind === 'pattern' ? s.patterns : s.shard;
    if (!own.delete(name)) return false;
    if (kind === 'pattern') {
      const p = this.patterns.get(name);
      if (p !== undefined) {
        p.subs.delete(s);
        if (p.subs.size === 0) this.patterns.delete(name);
      }
    } else {
      const map = kind === 'channel' ? this.channels : this.shardChannels;
      const subs = map.get(name);
      if (subs !== undefined) {
        subs.delete(s);
        if (subs.size === 0) map.delete(name);
      }
    }
    return true;
  }

  /** Disconnection or RESET: every subscription goes, without replies. */
  clientGone(client: Client): void {
    const s = this.clients.get(client);
    if (s === undefined) return;
    for (const c of [...s.channels]) this.unsubscribe(client, 'channel', c);
    for (const p of [...s.patterns]) this.unsubscribe(client, 'pattern', p);
    for (const c of [...s.shard]) this.unsubscribe(client, 'shard', c);
    this.clients.delete(client);
    client.subscriptionCount = () => 0;
    client.patternSubscriptionCount = () => 0;
    client.shardSubscriptionCount = () => 0;
  }

  /**
   * PUBLISH (and keyspace events): channel subscribers first, then every matching pattern
   * subscription. Returns the number of messages delivered (a client matching through a
   * channel and two patterns counts three times, as in Redis).
   */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined && subs.size > 0) {
      const msg = reply.push([MESSAGE, reply.bulk(channel), reply.bulk(message)]);
      // (a subscriber closed by its output limit leaves the set during the loop: Set
      // iteration tolerates deletion)
      for (const s of subs) {
        s.target.push(msg);
        receivers++;
      }
    }
    if (this.patterns.size > 0) {
      let chan: Reply | null = null;
      let body: Reply | null = null;
      for (const [pattern, p] of this.patterns) {
        if (!p.match(channel)) continue;
        chan ??= reply.bulk(channel);
        body ??= reply.bulk(message);
        const msg = reply.push([PMESSAGE, reply.bulk(pattern), chan, body]);
        for (const s of p.subs) {
          s.target.push(msg);
          receivers++;
        }
      }
    }
    return receivers;
  }

  /** SPUBLISH: shard channel subscribers only. */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined || subs.size === 0) return 0;
    const msg = reply.push([SMESSAGE, reply.bulk(channel), reply.bulk(message)]);
    let receivers = 0;
    for (const s of subs) {
      s.target.push(msg);
      receivers++;
    }
    return receivers;
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS: active channels, optionally filtered by a glob. */
  activeChannels(shard: boolean, pattern: string | null): string[] {
    const map = shard ? this.shardChannels : this.channels;
    if (pattern === null) return [...map.keys()];
    const match = compileGlob(pattern);
    const out: string[] = [];
    for (const c of map.keys()) if (match(c)) out.push(c);
    return out;
  }

  /** PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel (patterns not counted). */
  subscriberCount(shard: boolean, channel: string): number {
    return (shard ? this.shardChannels : this.channels).get(channel)?.size ?? 0;
  }
}
