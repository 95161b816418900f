/**
 * Which upstream node serves which hash slot, as an upstream cluster describes it in its
 * CLUSTER SLOTS reply (Redis 3.0+, still answered by 7.x and Valkey). The gateway asks a
 * seed node at start, again after every MOVED and periodically, and routes each command
 * by the slot of its keys (key-slot.ts).
 *
 * The map is a flat array of 16384 node indexes, so routing is one array read; nodes are
 * kept by "host:port" so a refresh that moves slots between known nodes keeps their
 * connection pools.
 *
 * A reply that is not shaped like CLUSTER SLOTS's is refused as a whole (TopologyError):
 * routing on half a map would send keys to the wrong node.
 */
import { SLOT_COUNT } from './key-slot.js';

/** A decoded reply value as the control connection returns it. */
export type ReplyValue = string | number | null | Error | ReplyValue[];

export class TopologyError extends Error {}

export interface UpstreamNode {
  host: string;
  port: number;
  /** the node ID the cluster reports, '' when it reported none */
  id: string;
}

export interface SlotRange {
  start: number;
  end: number;
  primary: UpstreamNode;
  replicas: UpstreamNode[];
}

export class ClusterTopology {
  /** node index + 1 per slot; 0 = no node serves the slot */
  private readonly slots = new Uint16Array(SLOT_COUNT);
  readonly primaries: UpstreamNode[] = [];
  readonly ranges: readonly SlotRange[];

  constructor(ranges: readonly SlotRange[]) {
    this.ranges = ranges;
    const index = new Map<string, number>();
    for (const r of ranges) {
      const addr = nodeAddress(r.primary);
      let i = index.get(addr);
      if (i === undefined) {
        i = this.primaries.length;
        index.set(addr, i);
        this.primaries.push(r.primary);
      }
      this.slots.fill(i + 1, r.start, r.end + 1);
    }
  }

  /** The primary serving `slot`, or null when the cluster reports none (CLUSTERDOWN). */
  primaryFor(slot: number): UpstreamNode | null {
    const i = this.slots[slot]!;
    return i === 0 ? null : this.primaries[i - 1]!;
  }

  /** Whether every slot has a primary. */
  get complete(): boolean {
    return !this.slots.includes(0);
  }
}

/** "host:port", the key nodes and pools are kept by. */
export function nodeAddress(n: { host: string; port: number }): string {
  return `${n.host}:${n.port}`;
}

function asInt(v: ReplyValue | undefined, what: string, min: number, max: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new TopologyError(`CLUSTER SLOTS: bad ${what}`);
  return n;
}

function node(v: ReplyValue | undefined, seedHost: string): UpstreamNode {
  if (!Array.isArray(v) || v.length < 2) throw new TopologyError('CLUSTER SLOTS: bad node entry');
  const host = v[0];
  if (typeof host !== 'string' && host !== null) throw new TopologyError('CLUSTER SLOTS: bad node host');
  // an empty or '?' endpoint means "the address you reached me at" (cluster-preferred-endpoint-type unknown-endpoint)
  const resolved = host === null || host === '' || host === '?' ? seedHost : host;
  const id = typeof v[2] === 'string' ? v[2] : '';
  return { host: resolved, port: asInt(v[1], 'node port', 1, 65535), id };
}

/**
 * Builds a topology from a CLUSTER SLOTS reply received from a node reached at
 * `seedHost` (used for nodes that report no endpoint). Overlapping ranges are refused.
 */
export function topologyFromClusterSlots(reply: ReplyValue, seedHost: string): ClusterTopology {
  if (!Array.isArray(reply)) throw new TopologyError('CLUSTER SLOTS: not an array');
  const ranges: SlotRange[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || entry.length < 3) throw new TopologyError('CLUSTER SLOTS: bad range entry');
    const start = asInt(entry[0], 'slot', 0, SLOT_COUNT - 1);
    const end = asInt(entry[1], 'slot', start, SLOT_COUNT - 1);
    ranges.push({
      start,
      end,
      primary: node(entry[2], seedHost),
      replicas: entry.slice(3).map((r) => node(r, seedHost)),
    });
  }
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.start <= ranges[i - 1]!.end) throw new TopologyError('CLUSTER SLOTS: overlapping slot ranges');
  }
  return new ClusterTopology(ranges);
}
