/**
 * Gateway mode (issue 18, docs/gateway-design.md): with `gateway-upstream` set, the server
 * keeps its whole front (listeners, admission, login, ACL with key patterns, throttling,
 * MULTI queueing — all run by the dispatcher before `route` is called) and forwards each
 * keyed data command to the upstream node that serves its hash slot, instead of running
 * it on the (empty) local keyspace.
 *
 * - Topology: the seeds are asked CLUSTER SLOTS; a node that answers "cluster support
 *   disabled" makes the gateway front one standalone node (every forwarded command goes
 *   there as is). The map is refreshed after a MOVED, after a node is unreachable or
 *   lost, and every 10 s.
 * - MOVED is followed to the named node, ASK with ASKING, TRYAGAIN retried after a short
 *   wait, each a bounded number of times; the client only sees the final reply. A
 *   command is resent only when the upstream said it did not run it (a redirect) or it
 *   was never written (unreachable); one lost after it was written gets an error.
 * - Replies keep the client's order through the connection's reply slots
 *   (Client.replySlot): a forwarded command reserves its place and fills it when the
 *   upstream answers. Upstream connections are per node and per protocol version, so
 *   RESP3 clients get RESP3 bytes passed through unchanged.
 * - A client that needs upstream state of its own gets a session (client-session.ts):
 *   blocking commands wait on its dedicated connection (the client reads nothing more
 *   meanwhile, as a blocked Redis client), WATCH pins it to the watched slot's node until
 *   EXEC/DISCARD/UNWATCH, and subscriptions travel its pub/sub links (subscriber.ts).
 */
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import { errors } from '../errors.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import type { ConfigStore } from '../config/config-store.js';
import { ClusterTopology, nodeAddress, topologyFromClusterSlots, TopologyError, type ReplyValue } from './cluster-topology.js';
import { planRoute, type RoutePlan } from './route-plan.js';
import { arrayElements, mergeFanout, mergeSplit } from './reply-merge.js';
import { ReplyFramingError } from './reply-framer.js';
import { LOGIN_REFUSED_REPLY, LOST_REPLY, TIMEOUT_REPLY, UNREACHABLE_REPLY, UpstreamConnection, type UpstreamOptions } from './upstream-connection.js';
import { decodeReply } from './reply-decode.js';
import { SLOT_COUNT } from './key-slot.js';
import { execPermissionDenied } from '../commands/transactions.js';
import type { Client } from '../server/client.js';
import type { SubscriptionKind } from '../server/pubsub.js';
import { ClientSession, type WatchPin } from './client-session.js';
import { SubscriberLink, type MessageKind } from './subscriber.js';
import { SentinelWatch } from './sentinel-watch.js';
import { keyspaceLines, spliceInfo, upstreamLines, type UpstreamNodeReport } from './upstream-info.js';

export interface GatewayHost {
  readonly config: ConfigStore;
  readonly logger: { notice(m: string): void; warning(m: string): void };
  readonly dispatcher: { call(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null };
  readonly stats: { totalCommands: number };
  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number, failed: boolean): void;
  countError(r: Reply): void;
  readonly info: { register(section: 'cluster', source: () => readonly (readonly [string, string | number])[]): void };
  /** the local pub/sub registry: a gateway client's subscription state */
  readonly pubsub: {
    isSubscribed(client: Client, kind: SubscriptionKind, name: string): boolean;
    unsubscribe(client: Client, kind: SubscriptionKind, name: string): boolean;
    countFor(client: Client, kind: SubscriptionKind): number;
  };
  /** a client's connection: out-of-band messages, and going on after a blocking command */
  clientById(id: number): { push(r: Reply): void; unblocked(r: Reply | null): void } | undefined;
}

/**
 * The upstream connections one command may use: the shared per-node ones, or a client's
 * own (a blocking command, a pinned WATCH).
 */
interface Lane {
  readonly resp: 2 | 3;
  /** the pool index of the client's shared connections (its id modulo the pool size) */
  readonly index: number;
  conn(node: Addr, slot: number): UpstreamConnection;
  /** a blocking command's own timeout (ms), else the connection's */
  readonly timeoutMs?: number;
  /** a redirect or a lost connection on `slot`: a WATCH pinned there no longer holds */
  disturbed?(slot: number): void;
}

interface Addr {
  host: string;
  port: number;
}

type Done = (bytes: Buffer) => void;

/** Redirects and retries one command may go through before the client gets an error. */
const MAX_ATTEMPTS = 5;
const TRYAGAIN_DELAY_MS = 25;
const UNAVAILABLE_RETRY_MS = 200;
const REFRESH_INTERVAL_MS = 10_000;

const SUBSCRIPTION_KIND: Readonly<Record<string, SubscriptionKind>> = {
  subscribe: 'channel',
  unsubscribe: 'channel',
  psubscribe: 'pattern',
  punsubscribe: 'pattern',
  ssubscribe: 'shard',
  sunsubscribe: 'shard',
};
const MESSAGE_SUBSCRIPTION: Readonly<Record<MessageKind, SubscriptionKind>> = { message: 'channel', pmessage: 'pattern', smessage: 'shard' };
const MESSAGE_WORD: Readonly<Record<MessageKind, Reply>> = { message: reply.bulk('message'), pmessage: reply.bulk('pmessage'), smessage: reply.bulk('smessage') };
const SUNSUBSCRIBE_WORD = reply.bulk('sunsubscribe');

const bytesOf = (text: string): Buffer => Buffer.from(`-${text}\r\n`);
const CROSSSLOT_REPLY = bytesOf(errors.gatewayCrossSlot);
const NOT_SERVED_REPLY = bytesOf(errors.gatewaySlotNotServed);
const TOO_MANY_REDIRECTS_REPLY = bytesOf(errors.gatewayTooManyRedirects);
const OK_REPLY = Buffer.from('+OK\r\n');
/** EXEC of a transaction whose WATCH no longer holds upstream: as for a touched key */
const NULL_ARRAY: Record<2 | 3, Buffer> = { 2: Buffer.from('*-1\r\n'), 3: Buffer.from('_\r\n') };
const CONNECTION_ERRORS = new Set([UNREACHABLE_REPLY, LOST_REPLY, TIMEOUT_REPLY]);
/** what a demoted or restarting primary answers without running the command (Sentinel upstream) */
const NOT_PRIMARY = /^-(READONLY|LOADING|MASTERDOWN) /;
const noop = (): void => undefined;
/** SCAN is planned by the gateway itself (the route planner sees a keyless command) */
const SCAN_PLAN: RoutePlan = { kind: 'any' };
const SCAN_NODE_BITS = 1024n;

function parseAddr(s: string): Addr {
  const colon = s.lastIndexOf(':');
  const host = s.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(s.slice(colon + 1)) };
}

/** `-MOVED 3999 127.0.0.1:6381` / `-ASK …` / `-TRYAGAIN …`: what to do, or null for a final reply. */
function redirectOf(bytes: Buffer): { kind: 'moved' | 'ask'; to: Addr } | { kind: 'tryagain' } | null {
  if (bytes[0] !== 0x2d) return null;
  const head = bytes.toString('latin1', 1, Math.min(bytes.length - 2, 300));
  if (head.startsWith('TRYAGAIN')) return { kind: 'tryagain' };
  const moved = head.startsWith('MOVED ');
  if (!moved && !head.startsWith('ASK ')) return null;
  const parts = head.split(' ');
  if (parts.length < 3) return null;
  return { kind: moved ? 'moved' : 'ask', to: parseAddr(parts[2]!) };
}

export class Gateway {
  readonly seeds: Addr[];
  /** null until discovered; `standalone` when the upstream is one node without cluster mode */
  private mode: 'discovering' | 'cluster' | 'standalone' = 'discovering';
  private topology: ClusterTopology | null = null;
  private standaloneNode: Addr | null = null;
  private readonly waiting: { run: () => void; done: Done }[] = [];
  private discovering = false;
  private refreshing = false;
  /** shared connections by "host:port/resp/index" (gateway-upstream-pool-size per node and protocol) */
  private readonly pools = new Map<string, UpstreamConnection>();
  private readonly poolSize: number;
  private readonly timer: NodeJS.Timeout;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private closed = false;
  /** clients with a session (client-session.ts): blocked, pinned by WATCH or subscribed */
  private readonly sessions = new Map<number, ClientSession>();
  /** sessions with a WATCH pin: while 0, no command looks its client's session up */
  private pinned = 0;
  /**
   * The shared lanes, one per pool index and protocol version. A client always uses the
   * lane of its id modulo the pool size, so its commands to one node travel one connection
   * and keep their order there (SCRIPT LOAD before EVALSHA, a write before its read).
   */
  private readonly shared: Record<2 | 3, Lane[]>;
  /** INFO-style counters */
  readonly counters = { forwarded: 0, moved: 0, ask: 0, tryagain: 0, unavailableRetries: 0, refreshes: 0, primarySwitches: 0 };
  /** a Sentinel-managed upstream (gateway-sentinel): the primary is asked of the sentinels */
  private readonly sentinel: SentinelWatch | null = null;
  /** set while a Sentinel failover is under way: new commands wait (in `waiting`) for the switch */
  private held: NodeJS.Timeout | null = null;
  /** the last connection error met at each node ("host:port"), for INFO upstream */
  private readonly nodeErrors = new Map<string, { text: string; at: number }>();
  /** when a node's refused login was last logged (loginRefused) */
  private readonly refusalsLogged = new Map<string, number>();
  /**
   * A switch event, an abort or the hold's timeout came while the sentinels were being
   * asked: that answer may predate the event, so they are asked again once it is in, and
   * only that later answer may end a hold without a new primary.
   */
  private releaseAgain = false;

  /** The gateway for this configuration, or null when gateway-upstream and gateway-sentinel are empty (the normal server). */
  static fromConfig(host: GatewayHost): Gateway | null {
    const seeds = host.config.get('gateway-upstream');
    const sentinels = host.config.get('gateway-sentinel');
    if (seeds !== '' && sentinels !== '') throw new Error('gateway-upstream and gateway-sentinel are mutually exclusive');
    if (sentinels !== '') return new Gateway(host, [], sentinels.split(' ').map(parseAddr));
    return seeds === '' ? null : new Gateway(host, seeds.split(' ').map(parseAddr));
  }

  constructor(
    private readonly host: GatewayHost,
    seeds: Addr[],
    sentinels: Addr[] = [],
  ) {
    this.seeds = seeds;
    const c = host.config;
    this.poolSize = c.int('gateway-upstream-pool-size');
    const lanes = (resp: 2 | 3): Lane[] => Array.from({ length: this.poolSize }, (_, i): Lane => ({ resp, index: i, conn: (node) => this.connection(node, resp, i) }));
    this.shared = { 2: lanes(2), 3: lanes(3) };
    if (c.bool('gateway-upstream-tls')) {
      const file = (name: 'gateway-upstream-tls-ca-cert-file' | 'gateway-upstream-tls-cert-file' | 'gateway-upstream-tls-key-file') => {
        const p = c.get(name);
        return p === '' ? undefined : readFileSync(p);
      };
      this.tlsOptions = { ca: file('gateway-upstream-tls-ca-cert-file'), cert: file('gateway-upstream-tls-cert-file'), key: file('gateway-upstream-tls-key-file') };
    }
    this.timer = setInterval(() => this.refresh(), REFRESH_INTERVAL_MS);
    this.timer.unref();
    if (sentinels.length > 0) {
      const user = c.get('gateway-sentinel-user');
      const password = c.get('gateway-sentinel-pass');
      this.sentinel = new SentinelWatch(
        sentinels,
        c.get('gateway-sentinel-master'),
        { user: user === '' ? undefined : user, password: password === '' ? undefined : password, tls: this.tlsOptions, timeoutMs: c.int('gateway-upstream-timeout') },
        { failoverStarting: (replica) => this.hold(replica), switched: () => this.resolvePrimary(true) },
      );
    }
    host.info.register('cluster', () => this.infoFields());
    this.discover();
  }

  /** "cluster" / "standalone" / "discovering", and the seeds, for the banner and INFO. */
  describe(): string {
    const sentinel = this.sentinel;
    if (sentinel !== null) {
      const primary = this.standaloneNode === null ? 'not resolved' : nodeAddress(this.standaloneNode);
      return `${this.mode} via Sentinel master '${sentinel.master}' (sentinels ${sentinel.sentinels.map(nodeAddress).join(' ')}), primary ${primary}${this.tlsOptions !== undefined ? ' (TLS)' : ''}`;
    }
    return `${this.mode}, upstream ${this.seeds.map(nodeAddress).join(' ')}${this.tlsOptions !== undefined ? ' (TLS)' : ''}`;
  }

  /** INFO cluster: the gateway's state and counters (addresses only: no credential is shown). */
  private infoFields(): [string, string | number][] {
    const c = this.counters;
    let own = 0;
    let blocked = 0;
    for (const s of this.sessions.values()) {
      own += s.connections;
      if (s.blocked) blocked++;
    }
    return [
      ['gateway_mode', this.mode],
      ['gateway_upstream', this.sentinel !== null ? (this.standaloneNode === null ? '' : nodeAddress(this.standaloneNode)) : this.seeds.map(nodeAddress).join(',')],
      ['gateway_sentinel_master', this.sentinel?.master ?? ''],
      ['gateway_primary_switches', c.primarySwitches],
      ['gateway_upstream_primaries', this.mode === 'standalone' ? 1 : (this.topology?.primaries.length ?? 0)],
      ['gateway_upstream_connections', this.pools.size],
      ['gateway_upstream_pool_size', this.poolSize],
      ['gateway_client_upstream_connections', own],
      ['gateway_blocked_clients', blocked],
      ['gateway_watching_clients', this.pinned],
      ['gateway_forwarded_commands', c.forwarded],
      ['gateway_moved_redirects', c.moved],
      ['gateway_ask_redirects', c.ask],
      ['gateway_tryagain_retries', c.tryagain],
      ['gateway_unavailable_retries', c.unavailableRetries],
      ['gateway_topology_refreshes', c.refreshes],
    ];
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.sentinel?.close();
    if (this.held !== null) clearTimeout(this.held);
    for (const conn of this.pools.values()) conn.close();
    this.pools.clear();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
    this.pinned = 0;
  }

  /** A client left: its own upstream connections and pub/sub links go with it. */
  clientGone(client: Client): void {
    const s = this.sessions.get(client.id);
    if (s === undefined) return;
    if (s.pin !== null) this.pinned--;
    s.close();
    this.sessions.delete(client.id);
  }

  /**
   * Runs a command that passed every check of the dispatcher: locally (the gateway's own
   * connection, login, ACL, config and introspection commands), or forwarded upstream with
   * its reply slot reserved (returns null then; the connection writes the reply in order).
   */
  route(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const top = cmd.parent?.name ?? cmd.name;
    switch (top) {
      case 'exec':
        return this.exec(ctx, cmd, argv);
      case 'watch':
        return this.watch(ctx, cmd, argv);
      case 'unwatch':
      case 'discard': {
        const r = this.host.dispatcher.call(ctx, cmd, argv);
        if (r === null || r.k !== Kind.Error) this.unpin(ctx.client, true);
        return r;
      }
      case 'reset': {
        const r = this.host.dispatcher.call(ctx, cmd, argv);
        this.clientGone(ctx.client);
        return r;
      }
      case 'subscribe':
      case 'psubscribe':
      case 'ssubscribe':
        return this.subscribe(ctx, cmd, argv, SUBSCRIPTION_KIND[top]!);
      case 'unsubscribe':
      case 'punsubscribe':
      case 'sunsubscribe':
        return this.unsubscribe(ctx, cmd, argv, SUBSCRIPTION_KIND[top]!);
      case 'wait':
      case 'waitaof':
        // WAIT counts the replicas that have this connection's writes: a gateway client's
        // writes travel shared connections, so no upstream connection can answer for them
        return this.refuse(cmd, errors.gatewayWait(cmd.fullName));
      case 'client':
        if (cmd.name === 'unblock') return this.clientUnblock(ctx, cmd, argv);
        break;
      case 'select':
        if (/^[+-]?\d+$/.test(argv[1]!) && Number(argv[1]) !== 0) return this.refuse(cmd, errors.gatewaySelect);
        break;
      case 'info':
        return this.info(ctx, cmd, argv);
    }
    if (cmd.flags.includes('blocking')) {
      const timeoutMs = blockingTimeoutMs(top, argv);
      if (timeoutMs !== null) return this.blocking(ctx, cmd, argv, timeoutMs);
    }
    const plan = top === 'scan' ? SCAN_PLAN : planRoute(cmd, argv);
    if (plan.kind === 'local') return this.host.dispatcher.call(ctx, cmd, argv);
    if (plan.kind === 'crossslot' && this.mode !== 'standalone') return this.refuse(cmd, errors.gatewayCrossSlot);
    const fill = this.openSlot(ctx, cmd, argv);
    if (fill === null) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    const lane = plan.kind === 'all' && plan.merge === 'any-ok' ? this.ownLane(ctx.client) : this.laneOf(ctx.client);
    this.whenReady(() => this.forward(plan, argv, lane, fill), fill);
    return null;
  }

  /**
   * The client's own connections (SCRIPT KILL, FUNCTION KILL): a node running a busy
   * script reads no more from the connection that sent it, which may be a shared one.
   */
  private ownLane(client: Client): Lane {
    const s = this.session(client);
    const resp = client.resp;
    return { resp, index: 0, conn: (node) => s.dedicated(node, resp) };
  }

  private refuse(cmd: Command, text: string): Reply {
    cmd.stats.rejectedCalls++;
    const r = reply.error(text);
    this.host.countError(r);
    return r;
  }

  /** Reserves the reply's place and counts the call (commandstats, MONITOR) as it is sent. */
  private openSlot(ctx: CommandContext, cmd: Command, argv: string[]): Done | null {
    const open = ctx.client.replySlot;
    if (open === null) return null;
    const fill = open();
    ctx.command = cmd;
    cmd.stats.calls++;
    this.host.stats.totalCommands++;
    ctx.client.commandsProcessed++;
    this.counters.forwarded++;
    this.host.afterCommand(ctx, cmd, argv, 0, false);
    return (bytes) => {
      if (bytes[0] === 0x2d || bytes[0] === 0x21) {
        cmd.stats.failedCalls++;
        const line = bytes.toString('latin1', 1, Math.min(bytes.length - 2, 200));
        this.host.countError(reply.error(line));
      }
      fill({ k: Kind.Raw, bytes });
    };
  }

  // ---- client sessions: blocking commands, WATCH, pub/sub ----

  private session(client: Client): ClientSession {
    let s = this.sessions.get(client.id);
    if (s === undefined) {
      s = new ClientSession((node, resp) => this.newConnection(node, resp));
      this.sessions.set(client.id, s);
    }
    return s;
  }

  /** The lane of a client's ordinary commands: the shared connections, unless WATCH pinned it. */
  private laneOf(client: Client): Lane {
    const lane = this.sharedLane(client);
    if (this.pinned === 0) return lane;
    const s = this.sessions.get(client.id);
    return s === undefined || s.pin === null ? lane : this.pinnedLane(s, s.pin, client.resp, lane.index);
  }

  /** The client's shared lane: its pool index is fixed for its lifetime. */
  private sharedLane(client: Client): Lane {
    return this.shared[client.resp][client.id % this.poolSize]!;
  }

  /**
   * A pinned client's commands to the pinned node travel its own connection there (ordered
   * after the WATCH); a redirect or a lost connection on the pinned slot breaks the pin.
   */
  private pinnedLane(s: ClientSession, pin: WatchPin, resp: 2 | 3, index: number): Lane {
    return {
      resp,
      index,
      conn: (node) => {
        if (pin.node === null || nodeAddress(pin.node) !== nodeAddress(node)) return this.connection(node, resp, index);
        const conn = s.dedicated(node, resp);
        if (conn !== pin.conn) pin.broken = true;
        return conn;
      },
      disturbed: (slot) => {
        if (slot === pin.slot || this.mode === 'standalone') pin.broken = true;
      },
    };
  }

  /** Ends the client's WATCH: the upstream connection that holds it is told UNWATCH (unless EXEC just did). */
  private unpin(client: Client, unwatch: boolean): void {
    const s = this.sessions.get(client.id);
    if (s === undefined || s.pin === null) return;
    const conn = s.pin.conn;
    s.pin = null;
    this.pinned--;
    if (unwatch && conn !== null && !conn.closed) conn.send(['UNWATCH'], noop);
  }

  /**
   * WATCH: sent on the client's own connection to the node of the keys' slot, which the
   * client stays pinned to until EXEC, DISCARD or UNWATCH. Keys of several slots, or of
   * another slot than an earlier WATCH's, get CROSSSLOT (a cluster refuses them too).
   */
  private watch(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const client = ctx.client;
    // WATCH inside MULTI: the local handler answers the error
    if (client.multi !== null) return this.host.dispatcher.call(ctx, cmd, argv);
    const plan = planRoute(cmd, argv);
    const cluster = this.mode !== 'standalone';
    if (plan.kind === 'crossslot' && cluster) return this.refuse(cmd, errors.gatewayCrossSlot);
    const slot = plan.kind === 'slot' && cluster ? plan.slot : -1;
    const s = this.session(client);
    if (s.pin !== null && s.pin.slot !== slot && cluster) return this.refuse(cmd, errors.gatewayCrossSlot);
    const fill = this.openSlot(ctx, cmd, argv);
    if (fill === null) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    if (s.pin === null) {
      s.pin = { slot, node: null, conn: null, broken: false };
      this.pinned++;
    }
    const pin = s.pin;
    const resp = client.resp;
    this.whenReady(() => {
      const node = this.nodeFor(slot < 0 ? this.anySlot() : slot);
      if (node === null) return fill(NOT_SERVED_REPLY);
      // the slot moved between two WATCHes: the first one no longer covers its keys
      if (pin.node !== null && nodeAddress(pin.node) !== nodeAddress(node)) pin.broken = true;
      pin.node = node;
      const conn = s.dedicated(node, resp);
      if (pin.conn !== null && pin.conn !== conn) pin.broken = true;
      pin.conn = conn;
      conn.send(argv, (bytes, isError) => {
        if (!isError) return fill(bytes);
        // not watched where the keys are: EXEC will answer as for a touched key (the
        // client's usual retry), and the map is refreshed for that retry
        pin.broken = true;
        if (redirectOf(bytes) === null) return fill(bytes);
        this.refresh();
        fill(OK_REPLY);
      });
    }, fill);
    return null;
  }

  /**
   * A blocking command (BLPOP, BLMOVE, BZPOPMIN, XREAD … BLOCK …) waits upstream on the
   * client's own connection to the node, so replies queued on the shared connection behind
   * it are not held up; the client reads nothing more until it is answered, as a blocked
   * Redis client. The upstream applies the timeout; the gateway allows it that long plus
   * gateway-upstream-timeout (forever for a timeout of 0).
   */
  private blocking(ctx: CommandContext, cmd: Command, argv: string[], timeoutMs: number): Reply | null {
    const client = ctx.client;
    const plan = planRoute(cmd, argv);
    if (plan.kind === 'crossslot' && this.mode !== 'standalone') return this.refuse(cmd, errors.gatewayCrossSlot);
    const fill = this.openSlot(ctx, cmd, argv);
    if (fill === null) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    const s = this.session(client);
    const resp = client.resp;
    const allowed = timeoutMs === 0 ? Infinity : timeoutMs + this.host.config.int('gateway-upstream-timeout');
    const lane: Lane = {
      resp,
      index: 0,
      timeoutMs: Number.isNaN(allowed) ? undefined : allowed,
      conn: (node) => {
        const conn = s.dedicated(node, resp);
        s.blockedOn = { conn, node };
        return conn;
      },
    };
    s.blocked = true;
    client.blocked = true;
    const done: Done = (bytes) => {
      s.blocked = false;
      s.blockedOn = null;
      client.blocked = false;
      fill(bytes);
      this.host.clientById(client.id)?.unblocked(null);
    };
    this.whenReady(() => this.forward(plan, argv, lane, done), done);
    return null;
  }

  /**
   * CLIENT UNBLOCK of a client blocked upstream: the upstream is asked to unblock the
   * client's own connection there (so it answers the blocked command itself: a null reply
   * or -UNBLOCKED, and nothing is popped after the client gave up); its 1 or 0 is the reply.
   * Arguments are checked, and other clients answered, by the local command.
   */
  private clientUnblock(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const local = this.host.dispatcher.call(ctx, cmd, argv);
    if (local === null || local.k === Kind.Error) return local;
    const target = this.sessions.get(Number(argv[2]));
    const on = target?.blockedOn ?? null;
    const upstreamId = on === null ? undefined : target!.upstreamIds.get(on.conn);
    const open = ctx.client.replySlot;
    if (on === null || upstreamId === undefined || open === null || on.conn.closed) return local;
    const fill = open();
    const mode = argv.length > 3 ? [argv[3]!.toUpperCase()] : [];
    this.sharedLane(ctx.client).conn(on.node, -1).send(['CLIENT', 'UNBLOCK', upstreamId, ...mode], (bytes) => fill(reply.raw(bytes)));
    return null;
  }

  /**
   * INFO: the local report (the dispatcher has checked the ACL: INFO is @dangerous, and
   * `+info|<section>` grants single sections), with `# Keyspace` summed over the primaries
   * and `# Upstream` added when asked (upstream-info.ts). Each node (each primary, for the
   * keyspace alone) is asked a plain INFO on the client's pool connection to it; a node
   * that fails is reported, never waited for past gateway-upstream-timeout. Sections with no upstream figure are answered at once.
   */
  private info(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const local = this.host.dispatcher.call(ctx, cmd, argv);
    if (local === null || local.k !== Kind.Verbatim) return local;
    const upstream = argv.slice(1).some((a) => /^(upstream|all|everything)$/i.test(a));
    const keyspace = local.s.includes('# Keyspace\r\n');
    const open = ctx.client.replySlot;
    if ((!keyspace && !upstream) || open === null) return local;
    const fill = open();
    const { s: text, format } = local;
    // the keyspace alone needs the primaries (replicas hold copies)
    const reports: UpstreamNodeReport[] = this.upstreamNodes().filter((n) => upstream || n.role === 'master').map((n) => ({ ...n, connected: this.isConnected(n.addr), text: null, error: null, lastError: null }));
    const finish = (): void => {
      const primaries = reports.filter((r) => r.role === 'master' && r.text !== null).map((r) => r.text!);
      fill(reply.verbatim(spliceInfo(text, keyspace ? keyspaceLines(primaries) : null, upstream ? upstreamLines(this.mode, reports, Date.now()) : null), format));
    };
    let left = reports.length;
    if (left === 0) finish();
    const index = this.sharedLane(ctx.client).index;
    for (const r of reports) {
      this.connection(r.addr, 2, index).send(['INFO'], (bytes, isError) => {
        let value: ReplyValue = null;
        if (!isError) value = safeDecode(bytes);
        if (typeof value === 'string') r.text = value;
        else r.error = isError ? bytes.toString('latin1', 1, Math.max(1, bytes.length - 2)) : 'unexpected reply';
        if (isError && CONNECTION_ERRORS.has(bytes)) this.nodeFailed(r.addr, bytes);
        r.lastError = this.nodeErrors.get(nodeAddress(r.addr)) ?? null;
        if (--left === 0) finish();
      });
    }
    return null;
  }

  /** The nodes INFO reports on: the primaries in slot-map order, then their replicas (one node when standalone). */
  private upstreamNodes(): { addr: Addr; role: 'master' | 'slave'; slots: number }[] {
    if (this.mode === 'standalone') return this.standaloneNode === null ? [] : [{ addr: this.standaloneNode, role: 'master', slots: -1 }];
    const t = this.topology;
    if (t === null) return [];
    const slots = new Map<string, number>();
    for (const r of t.ranges) slots.set(nodeAddress(r.primary), (slots.get(nodeAddress(r.primary)) ?? 0) + r.end - r.start + 1);
    const out: { addr: Addr; role: 'master' | 'slave'; slots: number }[] = t.primaries.map((p) => ({ addr: p, role: 'master', slots: slots.get(nodeAddress(p)) ?? 0 }));
    const seen = new Set(out.map((n) => nodeAddress(n.addr)));
    for (const r of t.ranges) {
      for (const replica of r.replicas) {
        const key = nodeAddress(replica);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ addr: replica, role: 'slave', slots: 0 });
      }
    }
    return out;
  }

  /** Whether one of the shared connections to `node` is open. */
  private isConnected(node: Addr): boolean {
    const prefix = `${nodeAddress(node)}/`;
    for (const [key, conn] of this.pools) if (key.startsWith(prefix) && !conn.closed) return true;
    return false;
  }

  /** A connection error at `node` (unreachable, lost, timed out): remembered for INFO upstream. */
  private nodeFailed(node: Addr, bytes: Buffer): void {
    this.nodeErrors.set(nodeAddress(node), { text: bytes.toString('latin1', 1, Math.max(1, bytes.length - 2)), at: Date.now() });
  }

  /**
   * SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: the local registry takes the subscription (and makes
   * the confirmation, with the client's counts), the client's pub/sub link takes it
   * upstream, and the confirmation goes out once the upstream has it — a message
   * published after the client saw it is relayed. An upstream refusal undoes the local
   * subscription and is the reply.
   */
  private subscribe(ctx: CommandContext, cmd: Command, argv: string[], kind: SubscriptionKind): Reply | null {
    const client = ctx.client;
    let slot = -1;
    if (kind === 'shard' && this.mode !== 'standalone') {
      const plan = planRoute(cmd, argv);
      if (plan.kind === 'crossslot') return this.refuse(cmd, errors.gatewayCrossSlot);
      if (plan.kind === 'slot') slot = plan.slot;
    }
    const registry = this.host.pubsub;
    const fresh = argv.slice(1).filter((name) => !registry.isSubscribed(client, kind, name));
    const local = this.host.dispatcher.call(ctx, cmd, argv);
    const open = client.replySlot;
    if ((local !== null && local.k === Kind.Error) || open === null) return local;
    const fill = open();
    const s = this.session(client);
    const done = (error: Buffer | null): void => {
      if (error === null) return fill(local ?? reply.ok);
      for (const name of fresh) registry.unsubscribe(client, kind, name);
      this.closeIdleLinks(client, s);
      this.host.countError(reply.error(error.toString('latin1', 1, Math.min(error.length - 2, 200))));
      fill(reply.raw(error));
    };
    this.whenReady(() => this.subscribeUpstream(s, client, kind, slot, null, argv, done, 0), done);
    return null;
  }

  private subscribeUpstream(s: ClientSession, client: Client, kind: SubscriptionKind, slot: number, to: Addr | null, argv: string[], done: (error: Buffer | null) => void, attempt: number): void {
    if (s.closed) return done(null);
    const node = to ?? this.nodeFor(slot < 0 ? this.subscriberSlot(client) : slot);
    if (node === null) return done(NOT_SERVED_REPLY);
    const link = this.linkFor(s, client, kind, node);
    link.request(argv, (error) => {
      const r = error === null ? null : redirectOf(error);
      if (r === null || r.kind !== 'moved' || attempt + 1 >= MAX_ATTEMPTS) return done(error);
      // SSUBSCRIBE reached a node that no longer serves the channel's slot
      this.counters.moved++;
      this.refresh();
      this.subscribeUpstream(s, client, kind, slot, r.to, argv, done, attempt + 1);
    });
  }

  /** UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: answered by the local registry, passed on to the links. */
  private unsubscribe(ctx: CommandContext, cmd: Command, argv: string[], kind: SubscriptionKind): Reply | null {
    if (kind === 'shard' && argv.length > 1 && this.mode !== 'standalone' && planRoute(cmd, argv).kind === 'crossslot') {
      return this.refuse(cmd, errors.gatewayCrossSlot);
    }
    const local = this.host.dispatcher.call(ctx, cmd, argv);
    const s = this.sessions.get(ctx.client.id);
    if (s !== undefined && (local === null || local.k !== Kind.Error)) {
      if (kind === 'shard') for (const link of s.shardLinks.values()) link.request(argv);
      else s.channelLink?.request(argv);
      this.closeIdleLinks(ctx.client, s);
    }
    return local;
  }

  /** Links with no subscription left behind them are closed. */
  private closeIdleLinks(client: Client, s: ClientSession): void {
    const registry = this.host.pubsub;
    if (registry.countFor(client, 'channel') === 0 && s.channelLink !== null) {
      s.channelLink.close();
      s.channelLink = null;
    }
    if (registry.countFor(client, 'shard') === 0) {
      for (const link of s.shardLinks.values()) link.close();
      s.shardLinks.clear();
    }
  }

  /** A slot of the node a client's SUBSCRIBE/PSUBSCRIBE link goes to: clients spread over the primaries. */
  private subscriberSlot(client: Client): number {
    const primaries = this.topology?.primaries ?? [];
    if (this.mode !== 'cluster' || primaries.length === 0) return 0;
    const node = nodeAddress(primaries[client.id % primaries.length]!);
    const range = this.topology!.ranges.find((r) => nodeAddress(r.primary) === node);
    return range?.start ?? 0;
  }

  /** A slot served by the first primary (keyless commands that must reach one node). */
  private anySlot(): number {
    return this.topology?.ranges[0]?.start ?? 0;
  }

  private linkFor(s: ClientSession, client: Client, kind: SubscriptionKind, node: Addr): SubscriberLink {
    const key = nodeAddress(node);
    const existing = kind === 'shard' ? s.shardLinks.get(key) : s.channelLink;
    if (existing !== undefined && existing !== null && !existing.closed) return existing;
    const registry = this.host.pubsub;
    const link = new SubscriberLink(this.upstreamOptions(node, false), {
      message: (message, items) => {
        if (!registry.isSubscribed(client, MESSAGE_SUBSCRIPTION[message], items[0]!)) return;
        this.host.clientById(client.id)?.push(reply.push([MESSAGE_WORD[message], ...items.map((x) => reply.bulk(x))]));
      },
      shardDropped: (channel) => {
        if (!registry.unsubscribe(client, 'shard', channel)) return;
        this.host.clientById(client.id)?.push(reply.push([SUNSUBSCRIBE_WORD, reply.bulk(channel), reply.int(registry.countFor(client, 'shard'))]));
      },
      lost: () => {
        if (s.closed || !client.inPubSub) return;
        // messages would be lost silently: the client is closed, and its library subscribes again
        this.host.logger.warning(`Gateway: pub/sub link to ${key} lost, closing client ${client.addr} (id=${client.id})`);
        client.kill();
      },
    });
    if (kind === 'shard') s.shardLinks.set(key, link);
    else s.channelLink = link;
    return link;
  }

  /** MULTI … EXEC: the queued commands go to one node as one transaction (pinned to their slot). */
  private exec(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const client = ctx.client;
    // EXEC without MULTI: the local error, and a WATCH stays
    if (client.multi === null) return this.host.dispatcher.call(ctx, cmd, argv);
    const session = this.pinned === 0 ? undefined : this.sessions.get(client.id);
    const pin = session?.pin ?? null;
    // a doomed transaction: the local EXEC answers (and ends it, and the WATCH) as Redis does
    if (client.multiDirty || client.watchDirty) {
      this.unpin(client, true);
      return this.host.dispatcher.call(ctx, cmd, argv);
    }
    const queued = client.multi;
    const cluster = this.mode !== 'standalone';
    let slot = pin !== null ? pin.slot : -1;
    for (const q of queued) {
      const plan = planRoute(q.cmd, q.argv);
      const name = q.cmd.parent?.name ?? q.cmd.name;
      // keyless commands go along as they are (PING and ECHO answer the same upstream)
      if (plan.kind === 'any' || name === 'ping' || name === 'echo') continue;
      if (!cluster && (plan.kind === 'slot' || plan.kind === 'split' || plan.kind === 'crossslot')) continue;
      if (plan.kind === 'slot' && (slot === -1 || slot === plan.slot)) {
        slot = plan.slot;
        continue;
      }
      discardQueued(client);
      this.unpin(client, true);
      return this.refuse(cmd, plan.kind === 'local' || plan.kind === 'all' ? errors.gatewayUnsupported(`${name} inside MULTI`) : errors.gatewayCrossSlot);
    }
    // as Redis's EXEC: each queued command is checked again against the user's rules as
    // they are now; a denied one is not sent, its place in the array holds the NOPERM
    const denied = queued.map((q) => execPermissionDenied(ctx, q.cmd, q.argv));
    discardQueued(client);
    const open = this.openSlot(ctx, cmd, argv);
    if (open === null) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    const resp = client.resp;
    if (pin !== null) {
      // EXEC ends the WATCH upstream; one that no longer holds (the slot moved, the
      // connection was lost) fails the transaction as a touched key would
      this.unpin(client, false);
      if (pin.broken || pin.conn === null || pin.conn.closed) {
        if (pin.conn !== null && !pin.conn.closed) pin.conn.send(['UNWATCH'], noop);
        open(NULL_ARRAY[resp]);
        return null;
      }
    }
    const fill = denied.every((d) => d === null) ? open : (bytes: Buffer) => open(withDenials(bytes, denied));
    const commands = [['MULTI'], ...queued.filter((_, i) => denied[i] === null).map((q) => q.argv), ['EXEC']];
    const lane = pin !== null && session !== undefined ? this.pinnedLane(session, pin, resp, this.sharedLane(client).index) : this.sharedLane(client);
    this.whenReady(() => this.sendTransaction(slot, pin?.node ?? null, commands, lane, fill, pin !== null, 0), fill);
    return null;
  }

  /** `watched`: a transaction under WATCH, never resent elsewhere (the WATCH is where it was sent). */
  private sendTransaction(slot: number, to: Addr | null, commands: string[][], lane: Lane, done: Done, watched: boolean, attempt: number): void {
    const node = to ?? this.nodeFor(slot < 0 ? this.anySlot() : slot);
    if (node === null) return done(NOT_SERVED_REPLY);
    const conn = lane.conn(node, slot);
    let moved: Addr | null = null;
    for (let i = 0; i < commands.length - 1; i++) {
      conn.send(commands[i]!, (bytes) => {
        const r = redirectOf(bytes);
        if (r !== null && r.kind === 'moved') moved = r.to;
      });
    }
    conn.send(commands[commands.length - 1]!, (bytes) => {
      // a queued command was MOVED: the upstream aborted the whole transaction (nothing ran)
      if (moved !== null && bytes.toString('latin1', 0, 10) === '-EXECABORT') {
        this.counters.moved++;
        this.refresh();
        // under WATCH: the watched keys are elsewhere now, the client retries as for a touched key
        if (watched) return done(NULL_ARRAY[lane.resp]);
        if (attempt < MAX_ATTEMPTS) return this.sendTransaction(slot, moved, commands, lane, done, false, attempt + 1);
      }
      done(bytes);
    });
  }

  // ---- routing ----

  private forward(plan: RoutePlan, argv: string[], lane: Lane, done: Done): void {
    if (this.mode === 'standalone') return this.send(this.standaloneNode!, -1, argv, lane, done, 0);
    if (plan === SCAN_PLAN) return this.scan(argv, lane, done);
    switch (plan.kind) {
      case 'slot':
        return this.sendToSlot(plan.slot, argv, lane, done);
      case 'any': {
        const node = this.topology?.primaries[0];
        return node === undefined ? done(NOT_SERVED_REPLY) : this.send(node, -1, argv, lane, done, 0);
      }
      case 'split': {
        const replies = new Array<Buffer>(plan.parts.length);
        let left = plan.parts.length;
        plan.parts.forEach((part, i) =>
          this.sendToSlot(part.slot, part.argv, lane, (bytes) => {
            replies[i] = bytes;
            if (--left === 0) done(safeMerge(() => mergeSplit(plan.merge, plan.parts, replies, plan.total)));
          }),
        );
        return;
      }
      case 'all': {
        const nodes = this.topology?.primaries ?? [];
        if (nodes.length === 0) return done(NOT_SERVED_REPLY);
        const replies = new Array<Buffer>(nodes.length);
        let left = nodes.length;
        nodes.forEach((node, i) =>
          this.send(node, -1, argv, lane, (bytes) => {
            replies[i] = bytes;
            if (--left === 0) done(safeMerge(() => mergeFanout(plan.merge, replies)));
          }, 0),
        );
        return;
      }
      case 'crossslot':
        return done(CROSSSLOT_REPLY);
      case 'local':
        return done(NOT_SERVED_REPLY);
    }
  }

  /**
   * SCAN over every primary in turn. The client's cursor carries the node: upstream cursor
   * × 1024 + the node's index in the slot map (cursor 0 starts node 0; a node's last page
   * continues with the next node's first; the last node's ends the scan with 0).
   */
  private scan(argv: string[], lane: Lane, done: Done): void {
    const nodes = this.topology?.primaries ?? [];
    let cursor: bigint;
    try {
      cursor = BigInt(argv[1]!);
    } catch {
      cursor = -1n;
    }
    if (cursor < 0n || nodes.length === 0) return done(bytesOf(errors.invalidCursor));
    const index = Number(cursor % SCAN_NODE_BITS);
    if (index >= nodes.length) return done(Buffer.from('*2\r\n$1\r\n0\r\n*0\r\n'));
    const upstreamArgv = [...argv];
    upstreamArgv[1] = String(cursor / SCAN_NODE_BITS);
    this.send(nodes[index]!, -1, upstreamArgv, lane, (bytes) => {
      if (bytes[0] !== 0x2a) return done(bytes);
      const merged = safeMerge(() => {
        const [next, keys] = arrayElements(bytes);
        const nextCursor = BigInt(next!.toString('latin1', next!.indexOf(0x0a) + 1, next!.length - 2));
        const client = nextCursor !== 0n ? nextCursor * SCAN_NODE_BITS + BigInt(index) : index + 1 < nodes.length ? BigInt(index + 1) : 0n;
        const text = client.toString();
        return Buffer.concat([Buffer.from(`*2\r\n$${text.length}\r\n${text}\r\n`), keys!]);
      });
      done(merged);
    }, 0);
  }

  private nodeFor(slot: number): Addr | null {
    if (this.mode === 'standalone') return this.standaloneNode;
    return slot < 0 || slot >= SLOT_COUNT ? null : (this.topology?.primaryFor(slot) ?? null);
  }

  private sendToSlot(slot: number, argv: string[], lane: Lane, done: Done): void {
    const node = this.nodeFor(slot);
    if (node === null) return done(NOT_SERVED_REPLY);
    this.send(node, slot, argv, lane, done, 0);
  }

  /**
   * Sends to `node`, following redirects; `slot` -1 when the command has none. A command
   * the upstream did not run because its node is unreachable (never written) or the
   * cluster is failing over (CLUSTERDOWN) is tried again against a fresh map every
   * UNAVAILABLE_RETRY_MS until gateway-upstream-timeout has passed since the first
   * failure (`since`): a failover costs clients latency, not errors.
   */
  private send(node: Addr, slot: number, argv: string[], lane: Lane, done: Done, attempt: number, asking = false, since = 0): void {
    const conn = lane.conn(node, slot);
    if (asking) conn.send(['ASKING'], noop);
    conn.send(argv, (bytes, isError) => {
      if (!isError) return done(bytes);
      if (CONNECTION_ERRORS.has(bytes)) this.nodeFailed(node, bytes);
      if (lane.disturbed !== undefined && (CONNECTION_ERRORS.has(bytes) || redirectOf(bytes) !== null)) lane.disturbed(slot);
      const head = bytes.toString('latin1', 0, 12);
      const notPrimary = this.sentinel !== null && NOT_PRIMARY.test(head);
      if (bytes === UNREACHABLE_REPLY || head === '-CLUSTERDOWN' || notPrimary) {
        this.refresh();
        const first = since === 0 ? Date.now() : since;
        if ((slot < 0 && this.sentinel === null) || this.closed || Date.now() - first + UNAVAILABLE_RETRY_MS > this.host.config.int('gateway-upstream-timeout')) return done(bytes);
        this.counters.unavailableRetries++;
        const retry = (): void => {
          if (this.closed) return done(bytes);
          // a Sentinel failover under way: wait for the new primary with the other held commands
          if (this.held !== null) return this.whenReady(() => this.send(this.standaloneNode!, slot, argv, lane, done, attempt, false, first), done);
          const again = this.nodeFor(slot);
          if (again !== null) return this.send(again, slot, argv, lane, done, attempt, false, first);
          if (Date.now() - first + UNAVAILABLE_RETRY_MS > this.host.config.int('gateway-upstream-timeout')) return done(NOT_SERVED_REPLY);
          setTimeout(retry, UNAVAILABLE_RETRY_MS).unref();
        };
        setTimeout(retry, UNAVAILABLE_RETRY_MS).unref();
        return;
      }
      // a lost or silent primary may have been failed over: ask the sentinels (the command itself may have run: not resent)
      if (this.sentinel !== null && CONNECTION_ERRORS.has(bytes)) this.refresh();
      const r = redirectOf(bytes);
      if (r === null || this.closed) return done(bytes);
      if (attempt + 1 >= MAX_ATTEMPTS) return done(TOO_MANY_REDIRECTS_REPLY);
      if (r.kind === 'moved') {
        this.counters.moved++;
        this.refresh();
        return this.send(r.to, slot, argv, lane, done, attempt + 1);
      }
      if (r.kind === 'ask') {
        this.counters.ask++;
        return this.send(r.to, slot, argv, lane, done, attempt + 1, true);
      }
      this.counters.tryagain++;
      setTimeout(() => this.send(node, slot, argv, lane, done, attempt + 1), TRYAGAIN_DELAY_MS).unref();
    }, lane.timeoutMs);
  }

  /**
   * An upstream node refused the gateway's login (at start-up, or later: a password changed
   * upstream): its clients get LOGIN_REFUSED_REPLY; the operator gets one line per node per
   * REFRESH_INTERVAL_MS, naming the directives, never the user or the upstream's text.
   */
  private loginRefused(node: Addr): void {
    const key = nodeAddress(node);
    const now = Date.now();
    this.nodeErrors.set(key, { text: errors.gatewayUpstreamLoginRefused, at: now });
    if (now - (this.refusalsLogged.get(key) ?? -Infinity) < REFRESH_INTERVAL_MS) return;
    this.refusalsLogged.set(key, now);
    this.host.logger.warning(`Gateway: upstream ${key} refused the gateway's login (gateway-upstream-user/gateway-upstream-pass)`);
  }

  /** How to reach `node`: the upstream user, TLS, timeout and reply size limit from the config. */
  private upstreamOptions(node: Addr, resp3: boolean): UpstreamOptions {
    const c = this.host.config;
    const user = c.get('gateway-upstream-user');
    const password = c.get('gateway-upstream-pass');
    return {
      host: node.host,
      port: node.port,
      user: user === '' ? undefined : user,
      password: password === '' ? undefined : password,
      tls: this.tlsOptions,
      timeoutMs: c.int('gateway-upstream-timeout'),
      maxReplyLen: c.int('proto-max-bulk-len'),
      resp3,
      onLoginRefused: () => this.loginRefused(node),
    };
  }

  /** A new connection of a client's own (client-session.ts). */
  private newConnection(node: Addr, resp: 2 | 3): UpstreamConnection {
    return new UpstreamConnection(this.upstreamOptions(node, resp === 3));
  }

  /** The pipelined connection `index` of the pool to `node` for this protocol version (a new one if the last was lost). */
  private connection(node: Addr, resp: 2 | 3, index = 0): UpstreamConnection {
    const key = `${nodeAddress(node)}/${resp}/${index}`;
    let conn = this.pools.get(key);
    if (conn === undefined || conn.closed) {
      conn = this.newConnection(node, resp);
      const made = conn;
      made.onClose = () => {
        if (this.pools.get(key) === made) this.pools.delete(key);
      };
      this.pools.set(key, conn);
    }
    return conn;
  }

  // ---- topology ----

  /** Runs `run` once the upstream is known; `done` answers the command if no seed answers. */
  private whenReady(run: () => void, done: Done): void {
    if (this.mode !== 'discovering' && this.held === null) return run();
    this.waiting.push({ run, done });
    if (this.held === null) this.discover();
  }

  /**
   * Sentinel upstream: asks the sentinels for the primary (coalesced). A new address is
   * switched to at once; a hold (a failover under way) ends when the primary changed, or
   * with `release` (a switch or abort event, the hold's timeout); held commands then run.
   */
  private resolvePrimary(release: boolean): void {
    const sentinel = this.sentinel;
    if (sentinel === null || this.closed) return;
    if (this.discovering) {
      if (release) this.releaseAgain = true;
      return;
    }
    this.discovering = true;
    this.counters.refreshes++;
    sentinel.resolve((addr, refusedBy) => {
      this.discovering = false;
      if (this.closed) return;
      if (addr === null) {
        if (refusedBy !== null) this.host.logger.warning(`Gateway: sentinel ${nodeAddress(refusedBy)} refused the gateway's login (gateway-sentinel-user/gateway-sentinel-pass)`);
        else this.host.logger.warning(`Gateway: no sentinel answered for master '${sentinel.master}' (${sentinel.sentinels.map(nodeAddress).join(' ')})`);
        // nothing known yet: what waits gets a clear error now; the next command asks again
        if (this.mode === 'discovering') for (const w of this.waiting.splice(0)) w.done(refusedBy !== null ? LOGIN_REFUSED_REPLY : UNREACHABLE_REPLY);
        return;
      }
      const old = this.standaloneNode;
      const changed = old === null || nodeAddress(old) !== nodeAddress(addr);
      this.mode = 'standalone';
      this.standaloneNode = addr;
      if (changed) {
        if (old !== null) {
          this.counters.primarySwitches++;
          // idle shared connections to the old primary go; busy ones finish their replies
          for (const [key, conn] of this.pools) if (key.startsWith(`${nodeAddress(old)}/`) && conn.inFlight === 0) conn.close();
        }
        this.host.logger.notice(`Gateway: upstream is ${this.describe()}`);
      }
      if (this.held !== null && (changed || release)) {
        clearTimeout(this.held);
        this.held = null;
      }
      if (this.releaseAgain) {
        // an answer asked before the event: a hold it did not end waits for the next one
        this.releaseAgain = false;
        if (this.held !== null) return this.resolvePrimary(true);
      }
      if (this.held === null) for (const w of this.waiting.splice(0)) w.run();
    });
  }

  /**
   * Sentinel upstream: a failover started (the replica to promote was chosen). New commands
   * wait until the primary switched, so the old primary runs none of them after its replica
   * stopped following it; at most gateway-upstream-timeout, then the sentinels are asked again.
   */
  private hold(replica: string): void {
    if (this.held !== null || this.closed || this.mode === 'discovering') return;
    this.host.logger.notice(`Gateway: Sentinel failover of '${this.sentinel!.master}' under way: holding commands until the switch`);
    this.held = setTimeout(() => this.resolvePrimary(true), this.host.config.int('gateway-upstream-timeout'));
    this.held.unref();
    const primary = this.standaloneNode;
    if (primary !== null) for (const [key, conn] of this.pools) if (key.startsWith(`${nodeAddress(primary)}/`)) this.confirmInFlight(conn, replica);
  }

  /**
   * The commands already on their way to the primary being failed over may run there after
   * `replica` (the one being promoted) stopped following it, and be lost when it resyncs:
   * their replies are held until the primary says `replica` is one of its replicas (ROLE)
   * and they all have everything before (WAIT), else they get UNCONFIRMED_REPLY — their
   * fate is unknown. A write answered before the hold is beyond help (use WAIT).
   */
  private confirmInFlight(conn: UpstreamConnection, replica: string): void {
    const gate = conn.gate();
    if (gate === null) return;
    const waitMs = String(Math.min(1000, this.host.config.int('gateway-upstream-timeout')));
    conn.send(['ROLE'], (bytes, isError) => {
      let replicas: string[] = [];
      if (!isError) {
        try {
          const role = decodeReply(bytes);
          if (Array.isArray(role) && role[0] === 'master' && Array.isArray(role[2])) {
            replicas = role[2].map((r) => (Array.isArray(r) ? `${String(r[0])}:${String(r[1])}` : ''));
          }
        } catch (e) {
          if (!(e instanceof ReplyFramingError)) throw e;
        }
      }
      if (!replicas.includes(replica)) return conn.decide(gate, false);
      conn.send(['WAIT', String(replicas.length), waitMs], (reply, failed) => {
        conn.decide(gate, !failed && Number(reply.toString('latin1', 1, reply.length - 2)) >= replicas.length);
      });
    });
  }

  /** Start-up discovery: CLUSTER SLOTS from the seeds in turn; "cluster support disabled" = standalone. */
  private discover(): void {
    if (this.sentinel !== null) return this.resolvePrimary(false);
    if (this.discovering || this.closed) return;
    this.discovering = true;
    this.askSlots(0, (outcome, refusedBy) => {
      this.discovering = false;
      if (outcome === 'failed') {
        // nobody reachable, or no login accepted: what waits gets a clear error now (never the
        // upstream's own text, which may name the user); the next command tries again
        // (a refused login is logged as it happens: loginRefused)
        if (refusedBy === null) this.host.logger.warning(`Gateway: no upstream seed answered (${this.seeds.map(nodeAddress).join(' ')})`);
        for (const w of this.waiting.splice(0)) w.done(refusedBy !== null ? LOGIN_REFUSED_REPLY : UNREACHABLE_REPLY);
        return;
      }
      this.host.logger.notice(`Gateway: upstream is ${this.describe()}`);
      for (const w of this.waiting.splice(0)) w.run();
    });
  }

  /** Re-reads the slot map (coalesced: one refresh at a time). */
  private refresh(): void {
    if (this.sentinel !== null) return this.resolvePrimary(false);
    if (this.refreshing || this.mode !== 'cluster' || this.closed) return;
    this.refreshing = true;
    this.counters.refreshes++;
    this.askSlots(0, () => {
      this.refreshing = false;
    });
  }

  /** `refusedBy`: a node that refused the gateway's login (reported when no node answers). */
  private askSlots(i: number, done: (outcome: 'cluster' | 'standalone' | 'failed', refusedBy: Addr | null) => void, refusedBy: Addr | null = null): void {
    const candidates = [...(this.topology?.primaries ?? []), ...this.seeds];
    if (i >= candidates.length || this.closed) return done('failed', refusedBy);
    const node = candidates[i]!;
    this.connection(node, 2).send(['CLUSTER', 'SLOTS'], (bytes, isError) => {
      if (isError) {
        const text = bytes.toString('latin1');
        if (text.includes('cluster support disabled')) {
          this.mode = 'standalone';
          this.standaloneNode = node;
          return done('standalone', null);
        }
        return this.askSlots(i + 1, done, bytes === LOGIN_REFUSED_REPLY ? node : refusedBy);
      }
      try {
        const value: ReplyValue = decodeReply(bytes);
        const topology = topologyFromClusterSlots(value, node.host);
        if (topology.primaries.length === 0) return this.askSlots(i + 1, done, refusedBy);
        this.topology = topology;
        this.mode = 'cluster';
        done('cluster', null);
      } catch (e) {
        if (!(e instanceof TopologyError) && !(e instanceof ReplyFramingError)) throw e;
        this.askSlots(i + 1, done, refusedBy);
      }
    });
  }
}

/**
 * How long a blocking command may wait upstream, in ms (0: forever), from its own timeout
 * argument; null when this call does not block (XREAD without BLOCK), NaN when the
 * argument is no number (the upstream answers the error at once).
 */
function blockingTimeoutMs(top: string, argv: readonly string[]): number | null {
  switch (top) {
    case 'blmpop':
    case 'bzmpop':
      return seconds(argv[1]!);
    case 'xread':
    case 'xreadgroup':
      // XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS …
      for (let i = top === 'xread' ? 1 : 4; i < argv.length; i++) {
        const token = argv[i]!.toLowerCase();
        if (token === 'streams') return null;
        if (token === 'block') return i + 1 < argv.length ? milliseconds(argv[i + 1]!) : Number.NaN;
        if (token === 'count') i++;
      }
      return null;
    default:
      // BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BZPOPMIN, BZPOPMAX: the timeout comes last
      return seconds(argv[argv.length - 1]!);
  }
}

function seconds(s: string): number {
  const n = Number(s);
  return s.trim() === '' || !Number.isFinite(n) || n < 0 ? Number.NaN : n * 1000;
}

function milliseconds(s: string): number {
  return /^\d+$/.test(s) ? Number(s) : Number.NaN;
}

/** An upstream reply the gateway reads itself (INFO), null when it is malformed. */
function safeDecode(bytes: Buffer): ReplyValue {
  try {
    return decodeReply(bytes);
  } catch (e) {
    if (!(e instanceof ReplyFramingError)) throw e;
    return null;
  }
}

function safeMerge(merge: () => Buffer): Buffer {
  try {
    return merge();
  } catch (e) {
    if (!(e instanceof ReplyFramingError)) throw e;
    return bytesOf(errors.gatewayUpstreamLost);
  }
}

/** An EXEC array with the NOPERM errors of the commands not sent put back at their places. */
function withDenials(bytes: Buffer, denied: readonly (string | null)[]): Buffer {
  if (bytes[0] !== 0x2a) return bytes;
  return safeMerge(() => {
    const ran = arrayElements(bytes);
    let next = 0;
    const items = denied.map((d) => (d === null ? ran[next++]! : bytesOf(d)));
    return Buffer.concat([Buffer.from(`*${items.length}\r\n`), ...items]);
  });
}

function discardQueued(client: CommandContext['client']): void {
  client.multi = null;
  client.multiArgvBytes = 0;
  client.multiDirty = false;
  client.watchDirty = false;
}
