/**
 * One value from RDB form (rdbLoadObject): every object type of RDB versions 1..11 except
 * module types, rebuilt in Redoubt's types with the encodings Redis 7.2 would choose on
 * load (limits from the caller). An empty aggregate decodes to null: Redis skips such a
 * key when loading a file and refuses it in RESTORE. Anything malformed throws an
 * RdbFormatError naming the offset.
 */
import type { Value } from '../../keyspace/value-types.js';
import { HashData } from '../../types/hash.js';
import { ListData, nodeLimit } from '../../types/list.js';
import { SetData, type SetLimits } from '../../types/set.js';
import { SortedSet } from '../../types/sorted-set.js';
import { Consumer, ConsumerGroup, INVALID_ENTRIES_READ, StreamData, StreamNode, type Counter, type Nack, type StreamEntry } from '../../types/stream.js';
import { compareIds, u64, type StreamId, type U64 } from '../../types/stream-id.js';
import type { ByteSource } from './byte-source.js';
import { decodeIntset } from './intset.js';
import { decodeListpack, type LpValue } from './listpack.js';
import { decodeZiplist } from './ziplist.js';
import { decodeZipmap } from './zipmap.js';
import type { RdbLoadLimits } from './load-limits.js';
import { BlobFormatError } from './rdb-error.js';
import { parseInteger } from '../../protocol/number-format.js';
import { QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN, RdbType, STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS } from './rdb-constants.js';
import { BigMap } from '../../types/big-map.js';

/** Whether `t` is an object type this decoder knows (module types excluded). */
export function isKnownObjectType(t: number): boolean {
  return (t >= 0 && t <= 5) || (t >= 9 && t <= 21);
}

export function decodeValue(type: number, src: ByteSource, lim: RdbLoadLimits): Value | null {
  const at = src.offset;
  switch (type) {
    case RdbType.STRING: {
      // Redis re-encodes a loaded string by content (tryObjectEncoding): int, embstr or raw
      return { type: 'string', value: src.string('string value'), raw: false };
    }
    case RdbType.LIST:
      return plainList(src, lim);
    case RdbType.LIST_ZIPLIST: {
      // pushed element by element into a quicklist, which Redis leaves as it is
      const items = blobDecode(src, 'list ziplist', decodeZiplist);
      if (items.length === 0) return null;
      const l = ListData.fromNodes([], []);
      for (const e of items) l.pushTail(e, lim.listMaxListpackSize);
      return { type: 'list', value: l };
    }
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2:
      return quicklist(src, type, lim);
    case RdbType.SET:
      return plainSet(src, lim);
    case RdbType.SET_INTSET:
    case RdbType.SET_LISTPACK: {
      const members =
        type === RdbType.SET_INTSET ? blobDecode(src, 'intset', decodeIntset) : (blobDecode(src, 'set listpack', (b) => decodeListpack(b)) as string[]);
      if (members.length === 0) return null;
      const s = SetData.empty(type === RdbType.SET_INTSET ? 'intset' : 'listpack');
      for (const m of members) if (!s.add(m, UNLIMITED_SET)) src.fail('duplicate set member in a set blob', at);
      // only the element count is checked on load, as Redis does
      s.maybeConvert(s.size, setLimits(lim));
      return { type: 'set', value: s };
    }
    case RdbType.ZSET:
    case RdbType.ZSET_2:
      return plainZset(src, type, lim);
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK: {
      const items =
        type === RdbType.ZSET_ZIPLIST ? blobDecode(src, 'zset ziplist', decodeZiplist) : (blobDecode(src, 'zset listpack', (b) => decodeListpack(b)) as string[]);
      if (items.length % 2 !== 0) src.fail('zset blob with an odd number of elements', at);
      if (items.length === 0) return null;
      const z = new SortedSet();
      for (let i = 0; i < items.length; i += 2) {
        const score = parseScore(items[i + 1]!);
        if (score === null) src.fail(`zset blob with an invalid score ${JSON.stringify(items[i + 1])}`, at);
        if (!z.set(items[i]!, score)) src.fail('duplicate zset member in a zset blob', at);
      }
      if (z.size > lim.zsetMaxListpackEntries) z.listpack = false;
      return { type: 'zset', value: z };
    }
    case RdbType.HASH:
      return plainHash(src, lim);
    case RdbType.HASH_ZIPMAP:
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK: {
      const items =
        type === RdbType.HASH_ZIPMAP
          ? blobDecode(src, 'hash zipmap', decodeZipmap)
          : type === RdbType.HASH_ZIPLIST
            ? blobDecode(src, 'hash ziplist', decodeZiplist)
            : (blobDecode(src, 'hash listpack', (b) => decodeListpack(b)) as string[]);
      if (items.length % 2 !== 0) src.fail('hash blob with an odd number of elements', at);
      if (items.length === 0) return null;
      const h = new HashData();
      let maxLen = 0;
      for (let i = 0; i < items.length; i += 2) {
        if (!h.set(items[i]!, items[i + 1]!)) src.fail('duplicate hash field in a hash blob', at);
        maxLen = Math.max(maxLen, items[i]!.length, items[i + 1]!.length);
      }
      if (h.size > lim.hashMaxListpackEntries) h.listpack = false;
      // a zipmap is converted whole; the value limit applies to it too
      if (type === RdbType.HASH_ZIPMAP && maxLen > lim.hashMaxListpackValue) h.listpack = false;
      return { type: 'hash', value: h };
    }
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
    case RdbType.STREAM_LISTPACKS_3:
      return { type: 'stream', value: stream(src, type) };
    case RdbType.MODULE_PRE_GA:
    case RdbType.MODULE_2:
      src.fail(`module value (type ${type}): modules are not supported`, at - 1);
    default:
      src.fail(`unknown object type ${type}`, at - 1);
  }
}

const UNLIMITED_SET: SetLimits = { intsetEntries: 1 << 30, listpackEntries: Number.MAX_SAFE_INTEGER, listpackValue: Number.MAX_SAFE_INTEGER };

function setLimits(lim: RdbLoadLimits): SetLimits {
  return { intsetEntries: lim.setMaxIntsetEntries, listpackEntries: lim.setMaxListpackEntries, listpackValue: lim.setMaxListpackValue };
}

/** Reads a blob and decodes it, turning a structural error into an RdbFormatError at the blob. */
function blobDecode<T>(src: ByteSource, what: string, decode: (b: Uint8Array) => T): T {
  const at = src.offset;
  const blob = src.blob(what);
  try {
    return decode(blob);
  } catch (e) {
    if (e instanceof BlobFormatError) src.fail(`${what}: ${e.message}`, at);
    throw e;
  }
}

// ---- lists ----

/** listTypeTryConvertQuicklist after a load: one node within the node limits → listpack. */
function settleList(l: ListData, lim: RdbLoadLimits): ListData {
  const counts = l.nodeCounts();
  if (l.listpack || counts.length !== 1) return l;
  const [sz, count] = nodeLimit(lim.listMaxListpackSize);
  if (l.listpackBytes > sz || l.length > count) return l;
  return ListData.fromNodes(l.slice(0, l.length), null);
}

function plainList(src: ByteSource, lim: RdbLoadLimits): Value | null {
  const n = src.count('list length');
  if (n === 0) return null;
  const l = ListData.fromNodes([], []);
  for (let i = 0; i < n; i++) l.pushTail(src.string('list element'), lim.listMaxListpackSize);
  return { type: 'list', value: settleList(l, lim) };
}

function listFromNodes(nodes: string[][], lim: RdbLoadLimits): Value | null {
  const elements: string[] = [];
  const counts: number[] = [];
  for (const node of nodes) {
    // empty nodes are dropped, as Redis does
    if (node.length === 0) continue;
    counts.push(node.length);
    for (const e of node) elements.push(e);
  }
  if (elements.length === 0) return null;
  return { type: 'list', value: settleList(ListData.fromNodes(elements, counts), lim) };
}

function quicklist(src: ByteSource, type: number, lim: RdbLoadLimits): Value | null {
  const n = src.count('quicklist node count');
  const nodes: string[][] = [];
  for (let i = 0; i < n; i++) {
    if (type === RdbType.LIST_QUICKLIST) {
      nodes.push(blobDecode(src, 'quicklist ziplist node', decodeZiplist));
      continue;
    }
    const at = src.offset;
    const container = src.len('quicklist node container');
    if (container === QUICKLIST_NODE_PLAIN) {
      const blob = src.blob('quicklist plain node');
      if (blob.length === 0) src.fail('empty quicklist plain node', at);
      nodes.push([blob.toString('latin1')]);
    } else if (container === QUICKLIST_NODE_PACKED) {
      nodes.push(blobDecode(src, 'quicklist listpack node', (b) => decodeListpack(b)) as string[]);
    } else {
      src.fail(`quicklist node with unknown container ${container}`, at);
    }
  }
  return listFromNodes(nodes, lim);
}

// ---- sets ----

function plainSet(src: ByteSource, lim: RdbLoadLimits): Value | null {
  const at = src.offset;
  const n = src.count('set size');
  if (n === 0) return null;
  const sl = setLimits(lim);
  const max = Math.min(lim.setMaxIntsetEntries, 1 << 30);
  // an intset while the size allows one; members decide from there (setTypeAdd's conversions)
  const s = SetData.empty(n > max ? 'hashtable' : 'intset');
  for (let i = 0; i < n; i++) {
    if (!s.add(src.string('set member'), sl)) src.fail('duplicate set member', at);
  }
  return { type: 'set', value: s };
}

// ---- sorted sets ----

/** A score as strtod reads it from a listpack or ziplist string; null when invalid or NaN. */
function parseScore(text: string): number | null {
  const t = text.trim().toLowerCase();
  let v: number;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') v = Infinity;
  else if (t === '-inf' || t === '-infinity') v = -Infinity;
  else if (t.length === 0 || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return null;
  else v = Number(t);
  return Number.isNaN(v) ? null : v;
}

function plainZset(src: ByteSource, type: number, lim: RdbLoadLimits): Value | null {
  const at = src.offset;
  const n = src.count('zset size');
  if (n === 0) return null;
  const z = new SortedSet();
  z.listpack = false;
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const member = src.string('zset member');
    const scoreAt = src.offset;
    const score = type === RdbType.ZSET_2 ? src.double() : src.asciiDouble();
    if (Number.isNaN(score)) src.fail('zset score is NaN', scoreAt);
    if (!z.set(member, score)) src.fail('duplicate zset member', at);
    if (member.length > maxLen) maxLen = member.length;
  }
  if (z.size <= lim.zsetMaxListpackEntries && maxLen <= lim.zsetMaxListpackValue) z.convertToListpack();
  return { type: 'zset', value: z };
}

// ---- hashes ----

function plainHash(src: ByteSource, lim: RdbLoadLimits): Value | null {
  const at = src.offset;
  const n = src.count('hash size');
  if (n === 0) return null;
  const h = new HashData();
  if (n > lim.hashMaxListpackEntries) h.listpack = false;
  for (let i = 0; i < n; i++) {
    const f = src.string('hash field');
    const v = src.string('hash value');
    if (!h.set(f, v)) src.fail('duplicate hash field', at);
    if (h.listpack && (f.length > lim.hashMaxListpackValue || v.length > lim.hashMaxListpackValue)) h.listpack = false;
  }
  return { type: 'hash', value: h };
}

// ---- streams ----

function idFromBytes(b: Buffer): StreamId {
  return { ms: u64(b.readBigUInt64BE(0)), seq: u64(b.readBigUInt64BE(8)) };
}

/** base + delta modulo 2^64 (entry IDs are stored as deltas from the node's master ID). */
function addDelta(base: U64, delta: number | bigint): U64 {
  if (typeof base === 'number' && typeof delta === 'number') {
    const r = base + delta;
    if (r >= 0 && Number.isSafeInteger(r)) return r;
  }
  return u64(BigInt.asUintN(64, BigInt(base) + BigInt(delta)));
}

/**
 * A stream listpack element read as an integer, as Redis's lpGetInteger does: an integer
 * entry, or a string entry that string2ll accepts (Redis never writes one; a crafted payload
 * may). Anything else is a format error, never a conversion exception: the payload is
 * untrusted (RESTORE), so no text of it reaches BigInt() or Number() unchecked.
 */
function lpInteger(v: LpValue | undefined, what: string): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  const n = v === undefined ? null : parseInteger(v);
  if (n === null) throw new BlobFormatError(`stream listpack: ${what} is not an integer`, 0);
  return n;
}

function asInt(v: LpValue | undefined, what: string): number {
  const n = lpInteger(v, what);
  if (typeof n !== 'number') throw new BlobFormatError(`stream listpack: ${what} is not a small integer`, 0);
  return n;
}

function asStr(v: LpValue): string {
  return typeof v === 'string' ? v : String(v);
}

/** One stream node: the master entry, then each entry relative to it (t_stream.c's layout). */
function streamNode(master: StreamId, lp: Buffer): StreamNode {
  const items = decodeListpack(lp, true);
  if (items.length === 0) throw new BlobFormatError('empty listpack inside stream', 0);
  let p = 0;
  const next = (): LpValue => {
    if (p >= items.length) throw new BlobFormatError('stream listpack ends inside an entry', 0);
    return items[p++]!;
  };
  const live = asInt(next(), 'entry count');
  const deleted = asInt(next(), 'deleted count');
  const numMaster = asInt(next(), 'master field count');
  const masterFields: string[] = [];
  for (let i = 0; i < numMaster; i++) masterFields.push(asStr(next()));
  if (lpInteger(next(), 'master entry terminator') !== 0) throw new BlobFormatError('stream listpack master entry not terminated by 0', 0);
  const node = new StreamNode(master, masterFields);
  let seenLive = 0;
  let seenDeleted = 0;
  let prev: StreamId | null = null;
  while (p < items.length) {
    const flags = asInt(next(), 'entry flags');
    const id: StreamId = { ms: addDelta(master.ms, lpInteger(next(), 'entry ID delta')), seq: addDelta(master.seq, lpInteger(next(), 'entry ID delta')) };
    if (prev !== null && compareIds(id, prev) <= 0) throw new BlobFormatError('stream listpack entries out of order', 0);
    prev = id;
    const fv: string[] = [];
    let lpCount: number;
    if ((flags & STREAM_ITEM_FLAG_SAMEFIELDS) !== 0) {
      for (let i = 0; i < numMaster; i++) fv.push(masterFields[i]!, asStr(next()));
      lpCount = numMaster + 3;
    } else {
      const nf = asInt(next(), 'entry field count');
      for (let i = 0; i < nf * 2; i++) fv.push(asStr(next()));
      lpCount = nf * 2 + 4;
    }
    if (lpInteger(next(), 'entry element count') !== lpCount) throw new BlobFormatError('stream listpack entry with a wrong element count', 0);
    const isDeleted = (flags & STREAM_ITEM_FLAG_DELETED) !== 0;
    if (isDeleted) seenDeleted++;
    else seenLive++;
    const entry: StreamEntry = { id, fv, deleted: isDeleted };
    node.entries.push(entry);
  }
  if (seenLive !== live || seenDeleted !== deleted) {
    throw new BlobFormatError(`stream listpack counts ${live} live and ${deleted} deleted entries, holds ${seenLive} and ${seenDeleted}`, 0);
  }
  // a node may hold only deleted entries: MINID trimming marks the live ones of a node whose
  // last entry (already deleted) is beyond the limit, and the node stays
  node.live = live;
  node.deleted = deleted;
  node.bytes = lp.length;
  return node;
}

function stream(src: ByteSource, type: number): StreamData {
  const s = new StreamData();
  const nodeCount = src.count('stream listpack count');
  for (let i = 0; i < nodeCount; i++) {
    const keyAt = src.offset;
    const key = src.blob('stream node key');
    if (key.length !== 16) src.fail('stream node key is not the size of a stream ID', keyAt);
    const master = idFromBytes(key);
    const lpAt = src.offset;
    const lp = src.blob('stream listpack');
    let node: StreamNode;
    try {
      node = streamNode(master, lp);
    } catch (e) {
      if (e instanceof BlobFormatError) src.fail(e.reason, lpAt);
      throw e;
    }
    const last = s.nodes.at(s.nodes.size - 1);
    if (last !== undefined) {
      const lastEntry = last.entries.get(last.entries.length - 1)!;
      if (compareIds(node.master, last.master) <= 0 || compareIds(node.entries.get(0)!.id, lastEntry.id) <= 0) {
        src.fail('stream listpacks out of order or re-added with an existing key', keyAt);
      }
    }
    s.nodes.push(node);
  }
  const lenAt = src.offset;
  const length = src.len('stream length');
  let live = 0;
  for (const n of s.nodes) live += n.live;
  if (live !== length) src.fail(`stream length ${length} does not match its ${live} entries`, lenAt);
  s.length = length;
  s.lastId = { ms: u64(src.u64len('stream last ID')), seq: u64(src.u64len('stream last ID')) };
  if (type === RdbType.STREAM_LISTPACKS) {
    s.firstId = s.edgeId(true) ?? { ms: 0, seq: 0 };
    s.entriesAdded = length;
  } else {
    s.firstId = { ms: u64(src.u64len('stream first ID')), seq: u64(src.u64len('stream first ID')) };
    s.maxDeletedId = { ms: u64(src.u64len('stream max deleted ID')), seq: u64(src.u64len('stream max deleted ID')) };
    s.entriesAdded = counter(src.u64len('stream entries added'));
  }
  const groupCount = src.count('stream consumer group count');
  for (let g = 0; g < groupCount; g++) {
    const groupAt = src.offset;
    const name = src.string('consumer group name');
    const lastId: StreamId = { ms: u64(src.u64len('group last ID')), seq: u64(src.u64len('group last ID')) };
    const entriesRead: Counter = type === RdbType.STREAM_LISTPACKS ? s.estimateDistance(lastId) : counter(src.u64len('group entries read'));
    if (s.groups === null) s.groups = new BigMap();
    if (s.groups.has(name)) src.fail(`duplicated consumer group name ${JSON.stringify(name)}`, groupAt);
    const group = new ConsumerGroup(lastId, entriesRead);
    s.groups.set(name, group);
    const pelCount = src.count('group PEL size');
    for (let i = 0; i < pelCount; i++) {
      const at = src.offset;
      const id = idFromBytes(src.take(16));
      const deliveryTime = Number(src.millis());
      const deliveryCount = src.len('PEL delivery count');
      // the owner is filled in from the consumers' PELs that follow
      const nack: Nack = { id, consumer: null as unknown as Consumer, deliveryTime, deliveryCount };
      if (!group.pel.insert(nack)) src.fail('duplicated global PEL entry in a consumer group', at);
    }
    const consumerCount = src.count('group consumer count');
    for (let c = 0; c < consumerCount; c++) {
      const at = src.offset;
      const cname = src.string('consumer name');
      const seen = Number(src.millis());
      const consumer = new Consumer(cname, seen);
      consumer.activeTime = type === RdbType.STREAM_LISTPACKS_3 ? Number(src.millis()) : seen;
      if (group.consumers.has(cname)) src.fail(`duplicate consumer ${JSON.stringify(cname)}`, at);
      group.consumers.set(cname, consumer);
      const n = src.count('consumer PEL size');
      for (let i = 0; i < n; i++) {
        const idAt = src.offset;
        const id = idFromBytes(src.take(16));
        const nack = group.pel.get(id);
        if (nack === undefined) src.fail('consumer PEL entry not found in the group PEL', idAt);
        if ((nack.consumer as Consumer | null) !== null) src.fail('PEL entry owned by two consumers', idAt);
        nack.consumer = consumer;
        consumer.pel.insert(nack);
      }
    }
    for (const nack of group.pel) {
      if ((nack.consumer as Consumer | null) === null) src.fail(`group ${JSON.stringify(name)} has a PEL entry without a consumer`, groupAt);
    }
  }
  return s;
}

/** A stored u64 counter back to Redis's long long (2^64 - 1 is -1, "unknown"). */
function counter(v: number | bigint): Counter {
  if (typeof v === 'number') return v;
  const signed = BigInt.asIntN(64, v);
  if (signed === -1n) return INVALID_ENTRIES_READ;
  return signed >= -9007199254740991n && signed <= 9007199254740991n ? Number(signed) : signed;
}
