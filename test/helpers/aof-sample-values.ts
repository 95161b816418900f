/** Values of every type built directly with the data-type classes (AOF encoder tests). */
import type { Value } from '../../src/keyspace/value-types.js';
import { BigMap } from '../../src/types/big-map.js';
import { HashData } from '../../src/types/hash.js';
import { ListData } from '../../src/types/list.js';
import { SetData } from '../../src/types/set.js';
import { SortedSet } from '../../src/types/sorted-set.js';
import { Consumer, ConsumerGroup, StreamData, type Nack } from '../../src/types/stream.js';

export function listValue(items: string[]): Value {
  const l = new ListData();
  for (const i of items) l.pushTail(i, -2);
  return { type: 'list', value: l };
}

export function setValue(members: string[]): Value {
  const s = SetData.create(members[0]!, members.length);
  for (const m of members) s.add(m);
  return { type: 'set', value: s };
}

export function zsetValue(pairs: [string, number][]): Value {
  const z = new SortedSet();
  for (const [m, sc] of pairs) z.set(m, sc);
  return { type: 'zset', value: z };
}

export function hashValue(pairs: [string, string][]): Value {
  const h = new HashData();
  for (const [f, v] of pairs) h.set(f, v);
  return { type: 'hash', value: h };
}

export function stringValue(s: string): Value {
  return { type: 'string', value: s, raw: false };
}

/** A stream with entries 1-1..n-1 (each {f: v<i>}), `deleted` of them XDELed, and a group "g1" with consumers. */
export function streamValue(n: number, opts: { deleted?: number[]; group?: boolean } = {}): Value {
  const s = new StreamData();
  for (let i = 1; i <= n; i++) s.append({ ms: i, seq: 1 }, ['f', `v${i}`, 'g', String(i)], 4096, 100);
  const del = (opts.deleted ?? []).map((i) => ({ ms: i, seq: 1 }));
  for (const id of del) s.delete(id);
  s.afterDelete(del);
  if (opts.group === true) {
    const g = new ConsumerGroup({ ms: 2, seq: 1 }, 2);
    const alice = new Consumer('alice', 1000);
    const bob = new Consumer('bob', 1000);
    g.consumers.set('alice', alice);
    g.consumers.set('bob', bob);
    const nack: Nack = { id: { ms: 1, seq: 1 }, consumer: alice, deliveryTime: 1700000000123, deliveryCount: 3 };
    const nack2: Nack = { id: { ms: 2, seq: 1 }, consumer: alice, deliveryTime: 1700000000456, deliveryCount: 1 };
    for (const x of [nack, nack2]) {
      g.pel.insert(x);
      alice.pel.insert(x);
    }
    s.groups = new BigMap<string, ConsumerGroup>().set('g1', g).set('g0', new ConsumerGroup({ ms: 0, seq: 0 }, 0));
  }
  return { type: 'stream', value: s };
}
