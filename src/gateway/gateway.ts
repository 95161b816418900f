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
 */
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import { errors } from '../errors.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import type { Command } from '../command-model/command-spec.js';
import type { CommandContext } from '../command-model/context.js';
import type { ConfigStore } from '../config/config-store.js';
import { ClusterTopology, nodeAddress, topologyFromClusterSlots, TopologyError, type ReplyValue } from './cluster-topology.js';
import { planRoute, type RoutePlan } from './route-plan.js';
import { arrayElements, mergeFanout, mergeSplit } from './reply-merge.js';
import { ReplyFramingError } from './reply-framer.js';
import { UNREACHABLE_REPLY, UpstreamConnection } from './upstream-connection.js';
import { decodeReply } from './reply-decode.js';
import { SLOT_COUNT } from './key-slot.js';
import { execPermissionDenied } from '../commands/transactions.js';

export interface GatewayHost {
  readonly config: ConfigStore;
  readonly logger: { notice(m: string): void; warning(m: string): void };
  readonly dispatcher: { call(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null };
  readonly stats: { totalCommands: number };
  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number, failed: boolean): void;
  countError(r: Reply): void;
  readonly info: { register(section: 'cluster', source: () => readonly (readonly [string, string | number])[]): void };
}

interface Addr {
  host: string;
  port: number;
}

type Done = (bytes: Buffer) => void;

/** Redirects and retries one command may go through before the client gets an error. */
const MAX_ATTEMPTS = 5;
const TRYAGAIN_DELAY_MS = 25;
const REFRESH_INTERVAL_MS = 10_000;

/** Commands that need an upstream connection of their own (pub/sub, blocking, WATCH): not yet. */
const UNSUPPORTED = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'watch']);

const bytesOf = (text: string): Buffer => Buffer.from(`-${text}\r\n`);
const CROSSSLOT_REPLY = bytesOf(errors.gatewayCrossSlot);
const NOT_SERVED_REPLY = bytesOf(errors.gatewaySlotNotServed);
const TOO_MANY_REDIRECTS_REPLY = bytesOf(errors.gatewayTooManyRedirects);
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
  private readonly pools = new Map<string, UpstreamConnection>();
  private readonly timer: NodeJS.Timeout;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private closed = false;
  /** INFO-style counters */
  readonly counters = { forwarded: 0, moved: 0, ask: 0, tryagain: 0, refreshes: 0 };

  /** The gateway for this configuration, or null when gateway-upstream is empty (the normal server). */
  static fromConfig(host: GatewayHost): Gateway | null {
    const seeds = host.config.get('gateway-upstream');
    return seeds === '' ? null : new Gateway(host, seeds.split(' ').map(parseAddr));
  }

  constructor(
    private readonly host: GatewayHost,
    seeds: Addr[],
  ) {
    this.seeds = seeds;
    const c = host.config;
    if (c.bool('gateway-upstream-tls')) {
      const file = (name: 'gateway-upstream-tls-ca-cert-file' | 'gateway-upstream-tls-cert-file' | 'gateway-upstream-tls-key-file') => {
        const p = c.get(name);
        return p === '' ? undefined : readFileSync(p);
      };
      this.tlsOptions = { ca: file('gateway-upstream-tls-ca-cert-file'), cert: file('gateway-upstream-tls-cert-file'), key: file('gateway-upstream-tls-key-file') };
    }
    this.timer = setInterval(() => this.refresh(), REFRESH_INTERVAL_MS);
    this.timer.unref();
    host.info.register('cluster', () => this.infoFields());
    this.discover();
  }

  /** "cluster" / "standalone" / "discovering", and the seeds, for the banner and INFO. */
  describe(): string {
    return `${this.mode}, upstream ${this.seeds.map(nodeAddress).join(' ')}${this.tlsOptions !== undefined ? ' (TLS)' : ''}`;
  }

  /** INFO cluster: the gateway's state and counters (addresses only: no credential is shown). */
  private infoFields(): [string, string | number][] {
    const c = this.counters;
    return [
      ['gateway_mode', this.mode],
      ['gateway_upstream', this.seeds.map(nodeAddress).join(',')],
      ['gateway_upstream_primaries', this.mode === 'standalone' ? 1 : (this.topology?.primaries.length ?? 0)],
      ['gateway_upstream_connections', this.pools.size],
      ['gateway_forwarded_commands', c.forwarded],
      ['gateway_moved_redirects', c.moved],
      ['gateway_ask_redirects', c.ask],
      ['gateway_tryagain_retries', c.tryagain],
      ['gateway_topology_refreshes', c.refreshes],
    ];
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const conn of this.pools.values()) conn.close();
    this.pools.clear();
  }

  /**
   * Runs a command that passed every check of the dispatcher: locally (the gateway's own
   * connection, login, ACL, config and introspection commands), or forwarded upstream with
   * its reply slot reserved (returns null then; the connection writes the reply in order).
   */
  route(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const top = cmd.parent?.name ?? cmd.name;
    if (UNSUPPORTED.has(top) || cmd.flags.includes('blocking')) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    if (top === 'select' && /^[+-]?\d+$/.test(argv[1]!) && Number(argv[1]) !== 0) return this.refuse(cmd, errors.gatewaySelect);
    if (top === 'exec') return this.exec(ctx, cmd, argv);
    const plan = top === 'scan' ? SCAN_PLAN : planRoute(cmd, argv);
    if (plan.kind === 'local') return this.host.dispatcher.call(ctx, cmd, argv);
    if (plan.kind === 'crossslot' && this.mode !== 'standalone') return this.refuse(cmd, errors.gatewayCrossSlot);
    const fill = this.openSlot(ctx, cmd, argv);
    if (fill === null) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    const resp = ctx.client.resp;
    this.whenReady(() => this.forward(plan, argv, resp, fill), fill);
    return null;
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

  /** MULTI … EXEC: the queued commands go to one node as one transaction (pinned to their slot). */
  private exec(ctx: CommandContext, cmd: Command, argv: string[]): Reply | null {
    const client = ctx.client;
    // no transaction, or a doomed one: the local EXEC answers (and ends it) as Redis does
    if (client.multi === null || client.multiDirty || client.watchDirty) return this.host.dispatcher.call(ctx, cmd, argv);
    const queued = client.multi;
    let slot = -1;
    for (const q of queued) {
      const plan = planRoute(q.cmd, q.argv);
      const name = q.cmd.parent?.name ?? q.cmd.name;
      // keyless commands go along as they are (PING and ECHO answer the same upstream)
      if (plan.kind === 'any' || name === 'ping' || name === 'echo') continue;
      if (plan.kind === 'slot' && (slot === -1 || slot === plan.slot)) {
        slot = plan.slot;
        continue;
      }
      if (plan.kind === 'split' && this.mode === 'standalone') continue;
      discardQueued(client);
      return this.refuse(cmd, plan.kind === 'local' || plan.kind === 'all' ? errors.gatewayUnsupported(`${name} inside MULTI`) : errors.gatewayCrossSlot);
    }
    // as Redis's EXEC: each queued command is checked again against the user's rules as
    // they are now; a denied one is not sent, its place in the array holds the NOPERM
    const denied = queued.map((q) => execPermissionDenied(ctx, q.cmd, q.argv));
    discardQueued(client);
    const open = this.openSlot(ctx, cmd, argv);
    if (open === null) return this.refuse(cmd, errors.gatewayUnsupported(cmd.fullName));
    const fill = denied.every((d) => d === null) ? open : (bytes: Buffer) => open(withDenials(bytes, denied));
    const resp = client.resp;
    const commands = [['MULTI'], ...queued.filter((_, i) => denied[i] === null).map((q) => q.argv), ['EXEC']];
    this.whenReady(() => this.sendTransaction(slot, null, commands, resp, fill, 0), fill);
    return null;
  }

  private sendTransaction(slot: number, to: Addr | null, commands: string[][], resp: 2 | 3, done: Done, attempt: number): void {
    const node = to ?? this.nodeFor(slot);
    if (node === null) return done(NOT_SERVED_REPLY);
    const conn = this.connection(node, resp);
    let moved: Addr | null = null;
    for (let i = 0; i < commands.length - 1; i++) {
      conn.send(commands[i]!, (bytes) => {
        const r = redirectOf(bytes);
        if (r !== null && r.kind === 'moved') moved = r.to;
      });
    }
    conn.send(commands[commands.length - 1]!, (bytes) => {
      // a queued command was MOVED: the upstream aborted the whole transaction (nothing ran)
      if (moved !== null && bytes.toString('latin1', 0, 10) === '-EXECABORT' && attempt < MAX_ATTEMPTS) {
        this.counters.moved++;
        this.refresh();
        return this.sendTransaction(slot, moved, commands, resp, done, attempt + 1);
      }
      done(bytes);
    });
  }

  // ---- routing ----

  private forward(plan: RoutePlan, argv: string[], resp: 2 | 3, done: Done): void {
    if (this.mode === 'standalone') return this.send(this.standaloneNode!, -1, argv, resp, done, 0);
    if (plan === SCAN_PLAN) return this.scan(argv, resp, done);
    switch (plan.kind) {
      case 'slot':
        return this.sendToSlot(plan.slot, argv, resp, done);
      case 'any': {
        const node = this.topology?.primaries[0];
        return node === undefined ? done(NOT_SERVED_REPLY) : this.send(node, -1, argv, resp, done, 0);
      }
      case 'split': {
        const replies = new Array<Buffer>(plan.parts.length);
        let left = plan.parts.length;
        plan.parts.forEach((part, i) =>
          this.sendToSlot(part.slot, part.argv, resp, (bytes) => {
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
          this.send(node, -1, argv, resp, (bytes) => {
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
  private scan(argv: string[], resp: 2 | 3, done: Done): void {
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
    this.send(nodes[index]!, -1, upstreamArgv, resp, (bytes) => {
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

  private sendToSlot(slot: number, argv: string[], resp: 2 | 3, done: Done): void {
    const node = this.nodeFor(slot);
    if (node === null) return done(NOT_SERVED_REPLY);
    this.send(node, slot, argv, resp, done, 0);
  }

  /** Sends to `node`, following redirects; `slot` -1 when the command has none. */
  private send(node: Addr, slot: number, argv: string[], resp: 2 | 3, done: Done, attempt: number, asking = false): void {
    const conn = this.connection(node, resp);
    if (asking) conn.send(['ASKING'], noop);
    conn.send(argv, (bytes, isError) => {
      if (!isError) return done(bytes);
      if (bytes === UNREACHABLE_REPLY) {
        // never written: safe to try again once the map is fresh (a failover may have moved the slot)
        this.refresh();
        if (attempt + 1 >= 2 || slot < 0) return done(bytes);
        return setTimeout(() => {
          const again = this.nodeFor(slot);
          if (again === null) done(NOT_SERVED_REPLY);
          else this.send(again, slot, argv, resp, done, attempt + 1);
        }, 100).unref();
      }
      const r = redirectOf(bytes);
      if (r === null || this.closed) return done(bytes);
      if (attempt + 1 >= MAX_ATTEMPTS) return done(TOO_MANY_REDIRECTS_REPLY);
      if (r.kind === 'moved') {
        this.counters.moved++;
        this.refresh();
        return this.send(r.to, slot, argv, resp, done, attempt + 1);
      }
      if (r.kind === 'ask') {
        this.counters.ask++;
        return this.send(r.to, slot, argv, resp, done, attempt + 1, true);
      }
      this.counters.tryagain++;
      setTimeout(() => this.send(node, slot, argv, resp, done, attempt + 1), TRYAGAIN_DELAY_MS).unref();
    });
  }

  /** The pipelined connection to `node` for this protocol version (a new one if the last was lost). */
  private connection(node: Addr, resp: 2 | 3): UpstreamConnection {
    const key = `${nodeAddress(node)}/${resp}`;
    let conn = this.pools.get(key);
    if (conn === undefined || conn.closed) {
      const c = this.host.config;
      const user = c.get('gateway-upstream-user');
      const password = c.get('gateway-upstream-pass');
      conn = new UpstreamConnection({
        host: node.host,
        port: node.port,
        user: user === '' ? undefined : user,
        password: password === '' ? undefined : password,
        tls: this.tlsOptions,
        timeoutMs: c.int('gateway-upstream-timeout'),
        maxReplyLen: c.int('proto-max-bulk-len'),
        resp3: resp === 3,
      });
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
    if (this.mode !== 'discovering') return run();
    this.waiting.push({ run, done });
    this.discover();
  }

  /** Start-up discovery: CLUSTER SLOTS from the seeds in turn; "cluster support disabled" = standalone. */
  private discover(): void {
    if (this.discovering || this.closed) return;
    this.discovering = true;
    this.askSlots(0, (outcome) => {
      this.discovering = false;
      if (outcome === 'failed') {
        // nobody reachable: what waits gets a clear error now; the next command tries again
        this.host.logger.warning(`Gateway: no upstream seed answered (${this.seeds.map(nodeAddress).join(' ')})`);
        for (const w of this.waiting.splice(0)) w.done(UNREACHABLE_REPLY);
        return;
      }
      this.host.logger.notice(`Gateway: upstream is ${this.describe()}`);
      for (const w of this.waiting.splice(0)) w.run();
    });
  }

  /** Re-reads the slot map (coalesced: one refresh at a time). */
  private refresh(): void {
    if (this.refreshing || this.mode !== 'cluster' || this.closed) return;
    this.refreshing = true;
    this.counters.refreshes++;
    this.askSlots(0, () => {
      this.refreshing = false;
    });
  }

  private askSlots(i: number, done: (outcome: 'cluster' | 'standalone' | 'failed') => void): void {
    const candidates = [...(this.topology?.primaries ?? []), ...this.seeds];
    if (i >= candidates.length || this.closed) return done('failed');
    const node = candidates[i]!;
    this.connection(node, 2).send(['CLUSTER', 'SLOTS'], (bytes, isError) => {
      if (isError) {
        const text = bytes.toString('latin1');
        if (text.includes('cluster support disabled')) {
          this.mode = 'standalone';
          this.standaloneNode = node;
          return done('standalone');
        }
        return this.askSlots(i + 1, done);
      }
      try {
        const value: ReplyValue = decodeReply(bytes);
        const topology = topologyFromClusterSlots(value, node.host);
        if (topology.primaries.length === 0) return this.askSlots(i + 1, done);
        this.topology = topology;
        this.mode = 'cluster';
        done('cluster');
      } catch (e) {
        if (!(e instanceof TopologyError) && !(e instanceof ReplyFramingError)) throw e;
        this.askSlots(i + 1, done);
      }
    });
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
