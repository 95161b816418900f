/**
 * The GEO commands (geo.c of Redis 7.2). A geo set is a sorted set whose scores are the
 * 52-bit geohashes of src/types/geohash.ts; searches scan the score intervals of up to nine
 * cells around the center and keep the members inside the circle or box.
 *
 * Redis's behaviour kept here:
 *  - GEOADD turns its triples into a ZADD (score = the geohash as an integer) and runs it:
 *    the reply, the "zadd" event and the write feed's command are ZADD's (Redis rewrites
 *    the command vector, so the AOF holds `zadd key [opts] score member …`);
 *  - searches check the source key's type first, then their fixed arguments, then the
 *    options left to right (the first bad one answers), then STORE against the WITH
 *    options, GEOSEARCH's FROMMEMBER/FROMLONLAT and BYRADIUS/BYBOX requirements and ANY
 *    without COUNT; GEORADIUSBYMEMBER on a missing
 *    key does not look at its member, radius or unit at all;
 *  - cells are scanned in Redis's order (center, N, S, E, W, NE, NW, SE, SW), skipping a
 *    cell equal to the last one scanned; ANY stops once COUNT members were found; results
 *    are sorted by distance with a stable sort (glibc's qsort is a merge sort), COUNT
 *    without ASC/DESC (and without ANY) sorts ascending;
 *  - STORE/STOREDIST and GEOSEARCHSTORE write a new sorted set (listpack when small
 *    enough, TTL dropped; "georadiusstore"/"geosearchstore" event), or delete the
 *    destination when nothing matched; they are propagated as sent (the search is a
 *    function of the data, so a replay stores the same set).
 */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import { SortedSet } from '../types/sorted-set.js';
import {
  cellScoreRange,
  decodeScore,
  distance,
  distanceIfWithin,
  geohashString,
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  isZeroHash,
  scoreOf,
  searchCells,
  type GeoShape,
} from '../types/geohash.js';
import { formatCoordinate, formatDistance, formatFixed } from './geo-format.js';
import { limits, readZset } from './zset/common.js';
import { readDouble, readLongLong } from '../command-model/argument-reader.js';
import { formatErrorArg, optionWord } from './keyspace-args.js';
import { sortedSetCommands } from './zset/index.js';
import type { CommandContext } from '../command-context/context.js';

const zaddRun = sortedSetCommands.find((c) => c.name === 'zadd')!.run!;

// ---- arguments ----

/** extractLongLatOrReply: two floats, then the GEO limits. */
function lonLatArg(argv: string[], at: number): { lon: number; lat: number } {
  const lon = readDouble(argv[at]!);
  const lat = readDouble(argv[at + 1]!);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new CommandError(errors.geoInvalidPair(formatFixed(lon, 6), formatFixed(lat, 6)));
  }
  return { lon, lat };
}

/** extractUnitOrReply: meters per unit. */
function unitArg(arg: string): number {
  switch (optionWord(arg)) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      throw new CommandError(errors.geoUnit);
  }
}

/** extractDistanceOrReply: radius, then unit. */
function radiusArgs(argv: string[], at: number): { radius: number; conversion: number } {
  const radius = readDouble(argv[at]!, errors.geoNeedRadius);
  if (radius < 0) throw new CommandError(errors.geoNegativeRadius);
  return { radius, conversion: unitArg(argv[at + 1]!) };
}

/** extractBoxOrReply: width, height, then unit. */
function boxArgs(argv: string[], at: number): { width: number; height: number; conversion: number } {
  const width = readDouble(argv[at]!, errors.geoNeedWidth);
  const height = readDouble(argv[at + 1]!, errors.geoNeedHeight);
  if (height < 0 || width < 0) throw new CommandError(errors.geoNegativeBox);
  return { width, height, conversion: unitArg(argv[at + 2]!) };
}

/** The position a member's score stands for, or null when the member is missing. */
function memberPosition(z: SortedSet, member: string): { lon: number; lat: number } | null {
  const score = z.score(member);
  if (score === undefined) return null;
  const p = { lon: 0, lat: 0 };
  decodeScore(score, p);
  return p;
}

/** A coordinate reply: a bulk string in RESP2, a RESP3 double with the same digits. */
function coordinateReply(ctx: CommandContext, d: number): Reply {
  const text = formatCoordinate(d);
  return ctx.client.resp === 3 ? reply.raw(Buffer.from(`,${text}\r\n`, 'latin1')) : reply.bulk(text);
}

// ---- GEOADD ----

function geoadd(ctx: CommandContext, argv: string[]): Reply | null {
  let nx = false;
  let xx = false;
  let longIdx = 2;
  for (; longIdx < argv.length; longIdx++) {
    const o = optionWord(argv[longIdx]!);
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o !== 'ch') break; // CH is ZADD's business
  }
  if ((argv.length - longIdx) % 3 !== 0 || (xx && nx)) return reply.error(errors.syntax);
  const elements = (argv.length - longIdx) / 3;
  const zargv = ['zadd', ...argv.slice(1, longIdx)];
  for (let i = 0; i < elements; i++) {
    const at = longIdx + i * 3;
    const { lon, lat } = lonLatArg(argv, at);
    // inside the limits, so the encoding exists
    zargv.push(scoreOf(lon, lat)!.toString(), argv[at + 2]!);
  }
  if (ctx.propagation.active) ctx.propagation.replace(zargv);
  return zaddRun(ctx, zargv);
}

// ---- GEODIST / GEOHASH / GEOPOS ----

function geodist(ctx: CommandContext, argv: string[]): Reply {
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitArg(argv[4]!);
  else if (argv.length > 5) return reply.error(errors.syntax);
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return reply.nil;
  const a = memberPosition(z, argv[2]!);
  const b = memberPosition(z, argv[3]!);
  if (a === null || b === null) return reply.nil;
  return reply.bulk(formatDistance(distance(a.lon, a.lat, b.lon, b.lat) / toMeter));
}

function geohash(ctx: CommandContext, argv: string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  const out = new Array<Reply>(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]!);
    out[j - 2] = score === undefined ? reply.nil : reply.bulk(geohashString(score));
  }
  return reply.array(out);
}

function geopos(ctx: CommandContext, argv: string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  const out = new Array<Reply>(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const p = z === undefined ? null : memberPosition(z, argv[j]!);
    out[j - 2] = p === null ? reply.nilArray : reply.array([coordinateReply(ctx, p.lon), coordinateReply(ctx, p.lat)]);
  }
  return reply.array(out);
}

// ---- the searches ----

const enum Variant {
  /** GEORADIUS[_RO]: center and radius are fixed arguments */
  Coords,
  /** GEORADIUSBYMEMBER[_RO] */
  Member,
  /** GEOSEARCH / GEOSEARCHSTORE: FROM* and BY* options */
  Search,
}

interface SearchMode {
  variant: Variant;
  /** the _RO forms: no STORE/STOREDIST */
  noStore: boolean;
  /** GEOSEARCHSTORE: the destination is argv[1], STOREDIST is a flag */
  searchStore: boolean;
}

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

type Sort = 'none' | 'asc' | 'desc';

/**
 * membersOfAllNeighbors: the members inside the shape, cell by cell; with `limit` > 0
 * (ANY) the scan stops once that many were found.
 */
function membersInShape(z: SortedSet, shape: GeoShape, limit: number): GeoPoint[] {
  const found: GeoPoint[] = [];
  const cells = searchCells(shape);
  const pos = { lon: 0, lat: 0 };
  let last = -1;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (isZeroHash(cell)) continue;
    // huge areas can make adjacent cells the same one: skip a repeat of the last scanned
    if (last > 0 && cell.bits === cells[last]!.bits && cell.step === cells[last]!.step) continue;
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    const { min, max } = cellScoreRange(cell);
    const first = z.firstInScore({ min, max, minex: false, maxex: true });
    if (first >= 0) {
      z.walk(first, false, (member, score) => {
        if (!(score < max)) return false;
        decodeScore(score, pos);
        const d = distanceIfWithin(shape, pos.lon, pos.lat);
        if (d >= 0) found.push({ member, score, lon: pos.lon, lat: pos.lat, dist: d });
        return !(found.length > 0 && limit > 0 && found.length >= limit);
      });
    }
    last = i;
  }
  return found;
}

function georadiusGeneric(ctx: CommandContext, argv: string[], mode: SearchMode): Reply {
  const srcIdx = mode.searchStore ? 2 : 1;
  const z = readZset(ctx, argv[srcIdx]!);
  let storeKey: string | null = null;
  let storeDist = false;
  let lon = 0;
  let lat = 0;
  let conversion = 1;
  let radius = 0;
  let width = 0;
  let height = 0;
  let base: number;
  if (mode.variant === Variant.Coords) {
    base = 6;
    ({ lon, lat } = lonLatArg(argv, 2));
    ({ radius, conversion } = radiusArgs(argv, 4));
  } else if (mode.variant === Variant.Member) {
    base = 5;
    // without the key there is nothing to decode: the member and radius go unread
    if (z !== undefined) {
      const p = memberPosition(z, argv[2]!);
      if (p === null) return reply.error(errors.geoMemberDecode);
      ({ lon, lat } = p);
      ({ radius, conversion } = radiusArgs(argv, 3));
    }
  } else {
    base = mode.searchStore ? 3 : 2;
    if (mode.searchStore) storeKey = argv[1]!;
  }

  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort: Sort = 'none';
  let any = false;
  let count = 0;
  const search = mode.variant === Variant.Search;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const at = base + i;
    const o = optionWord(argv[at]!);
    if (o === 'withdist') withDist = true;
    else if (o === 'withhash') withHash = true;
    else if (o === 'withcoord') withCoord = true;
    else if (o === 'any') any = true;
    else if (o === 'asc') sort = 'asc';
    else if (o === 'desc') sort = 'desc';
    else if (o === 'count' && i + 1 < remaining) {
      count = readLongLong(argv[at + 1]!);
      if (count <= 0) return reply.error(errors.geoCountPositive);
      i++;
    } else if ((o === 'store' || o === 'storedist') && i + 1 < remaining && !mode.noStore && !search) {
      storeKey = argv[at + 1]!;
      storeDist = o === 'storedist';
      i++;
    } else if (o === 'storedist' && search && mode.searchStore) {
      storeDist = true;
    } else if (o === 'frommember' && i + 1 < remaining && search && !fromLoc) {
      // a missing source key is answered after parsing, with the reply STORE decides
      if (z !== undefined) {
        const p = memberPosition(z, argv[at + 1]!);
        if (p === null) return reply.error(errors.geoMemberDecode);
        ({ lon, lat } = p);
      }
      fromMember = true;
      i++;
    } else if (o === 'fromlonlat' && i + 2 < remaining && search && !fromMember) {
      ({ lon, lat } = lonLatArg(argv, at + 1));
      fromLoc = true;
      i += 2;
    } else if (o === 'byradius' && i + 2 < remaining && search && !byBox) {
      ({ radius, conversion } = radiusArgs(argv, at + 1));
      byRadius = true;
      i += 2;
    } else if (o === 'bybox' && i + 3 < remaining && search && !byRadius) {
      ({ width, height, conversion } = boxArgs(argv, at + 1));
      byBox = true;
      i += 3;
    } else {
      return reply.error(errors.syntax);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoord)) {
    return reply.error(errors.geoStoreWith(mode.searchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'));
  }
  if (search && !(fromMember || fromLoc)) return reply.error(errors.geoNeedFrom(formatErrorArg(argv[0]!)));
  if (search && !(byRadius || byBox)) return reply.error(errors.geoNeedBy(formatErrorArg(argv[0]!)));
  if (any && count === 0) return reply.error(errors.geoAnyNeedsCount);

  if (z === undefined) {
    if (storeKey === null) return reply.emptyArray;
    if (ctx.db.delete(storeKey)) ctx.notify(NotifyKind.generic, 'del', storeKey);
    return reply.zero;
  }

  if (count !== 0 && sort === 'none' && !any) sort = 'asc';
  const shape: GeoShape = byBox
    ? { kind: 'box', lon, lat, conversion, width, height }
    : { kind: 'radius', lon, lat, conversion, radius };
  const found = membersInShape(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === null) return reply.emptyArray;

  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort === 'asc') found.sort((a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1));
  else if (sort === 'desc') found.sort((a, b) => (a.dist > b.dist ? -1 : a.dist === b.dist ? 0 : 1));

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withCoord ? 1 : 0) + (withHash ? 1 : 0);
    const out = new Array<Reply>(returned);
    for (let i = 0; i < returned; i++) {
      const p = found[i]!;
      if (options === 0) {
        out[i] = reply.bulk(p.member);
        continue;
      }
      const entry: Reply[] = [reply.bulk(p.member)];
      if (withDist) entry.push(reply.bulk(formatDistance(p.dist / conversion)));
      if (withHash) entry.push(reply.int(hashInteger(p.score)));
      if (withCoord) entry.push(reply.array([coordinateReply(ctx, p.lon), coordinateReply(ctx, p.lat)]));
      out[i] = reply.array(entry);
    }
    return reply.array(out);
  }

  if (returned > 0) {
    const result = new SortedSet();
    result.listpack = false;
    let maxLen = 0;
    for (let i = 0; i < returned; i++) {
      const p = found[i]!;
      result.set(p.member, storeDist ? p.dist / conversion : p.score);
      if (p.member.length > maxLen) maxLen = p.member.length;
    }
    const lim = limits(ctx);
    if (returned <= lim.entries && maxLen <= lim.value) result.convertToListpack();
    ctx.db.set(storeKey, { type: 'zset', value: result });
    ctx.notify(NotifyKind.zset, search ? 'geosearchstore' : 'georadiusstore', storeKey);
    // Redis counts one change per stored member; the set above counted one
    ctx.services.keyspace.addDirty(returned - 1);
  } else if (ctx.db.delete(storeKey)) {
    ctx.notify(NotifyKind.generic, 'del', storeKey);
  }
  return reply.int(returned);
}

/** WITHHASH: the score as a C long long (a cast truncates). */
function hashInteger(score: number): number | bigint {
  const t = Math.trunc(score);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

// ---- declarations ----

const group = 'geo';
const keyArg = { name: 'key', type: 'key' } as const;
const memberArg = { name: 'member', type: 'string' } as const;
const unitDoc = {
  name: 'unit',
  type: 'oneof',
  arguments: [
    { name: 'm', type: 'pure-token', token: 'M' },
    { name: 'km', type: 'pure-token', token: 'KM' },
    { name: 'ft', type: 'pure-token', token: 'FT' },
    { name: 'mi', type: 'pure-token', token: 'MI' },
  ],
} as const;
const searchOptionDocs = [
  { name: 'withcoord', type: 'pure-token', token: 'WITHCOORD', optional: true },
  { name: 'withdist', type: 'pure-token', token: 'WITHDIST', optional: true },
  { name: 'withhash', type: 'pure-token', token: 'WITHHASH', optional: true },
  { name: 'count-block', type: 'block', optional: true, arguments: [{ name: 'count', type: 'integer', token: 'COUNT' }, { name: 'any', type: 'pure-token', token: 'ANY', optional: true }] },
  { name: 'order', type: 'oneof', optional: true, arguments: [{ name: 'asc', type: 'pure-token', token: 'ASC' }, { name: 'desc', type: 'pure-token', token: 'DESC' }] },
] as const;
const storeDocs = {
  name: 'store',
  type: 'oneof',
  optional: true,
  arguments: [
    { name: 'storekey', type: 'key', token: 'STORE' },
    { name: 'storedistkey', type: 'key', token: 'STOREDIST' },
  ],
} as const;
const fromDocs = {
  name: 'from',
  type: 'oneof',
  arguments: [
    { name: 'member', type: 'string', token: 'FROMMEMBER' },
    { name: 'fromlonlat', type: 'block', token: 'FROMLONLAT', arguments: [{ name: 'longitude', type: 'double' }, { name: 'latitude', type: 'double' }] },
  ],
} as const;
const byDocs = {
  name: 'by',
  type: 'oneof',
  arguments: [
    { name: 'circle', type: 'block', arguments: [{ name: 'radius', type: 'double', token: 'BYRADIUS' }, unitDoc] },
    { name: 'box', type: 'block', arguments: [{ name: 'width', type: 'double', token: 'BYBOX' }, { name: 'height', type: 'double' }, unitDoc] },
  ],
} as const;
const searchComplexity =
  'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.';
const boxComplexity =
  'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape';

/** GEORADIUS[BYMEMBER]'s STORE and STOREDIST keys, found by keyword from `startFrom`. */
const storeKeys = (startFrom: number): KeySpec[] => [
  { flags: ['OW', 'UPDATE'], begin: { keyword: 'STORE', startFrom }, find: { lastKey: 0, step: 1, limit: 0 } },
  { flags: ['OW', 'UPDATE'], begin: { keyword: 'STOREDIST', startFrom }, find: { lastKey: 0, step: 1, limit: 0 } },
];

/**
 * georadiusGetKeys: the source key and, when STORE or STOREDIST is followed by a key, the
 * last such key (the keyword specs alone would find the first one).
 */
function georadiusKeys(argv: string[]): number[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const o = optionWord(argv[i]!);
    if ((o === 'store' || o === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored === -1 ? [1] : [1, stored];
}

const coordsMode: SearchMode = { variant: Variant.Coords, noStore: false, searchStore: false };
const coordsRoMode: SearchMode = { variant: Variant.Coords, noStore: true, searchStore: false };
const memberMode: SearchMode = { variant: Variant.Member, noStore: false, searchStore: false };
const memberRoMode: SearchMode = { variant: Variant.Member, noStore: true, searchStore: false };
const searchMode: SearchMode = { variant: Variant.Search, noStore: true, searchStore: false };
const searchStoreMode: SearchMode = { variant: Variant.Search, noStore: true, searchStore: true };

const coordsArgs = [keyArg, { name: 'longitude', type: 'double' }, { name: 'latitude', type: 'double' }, { name: 'radius', type: 'double' }, unitDoc] as const;
const memberArgs = [keyArg, memberArg, { name: 'radius', type: 'double' }, unitDoc] as const;

export const geoCommands: CommandDefinition[] = [
  defineCommand({
    name: 'geoadd',
    arity: -5,
    flags: ['write', 'denyoom'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RW', 'UPDATE')],
    docs: {
      summary: "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
      since: '3.2.0',
      group,
      complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
      arguments: [
        keyArg,
        { name: 'condition', type: 'oneof', optional: true, arguments: [{ name: 'nx', type: 'pure-token', token: 'NX' }, { name: 'xx', type: 'pure-token', token: 'XX' }] },
        { name: 'change', type: 'pure-token', token: 'CH', optional: true },
        { name: 'data', type: 'block', multiple: true, arguments: [{ name: 'longitude', type: 'double' }, { name: 'latitude', type: 'double' }, memberArg] },
      ],
    },
    run: geoadd,
  }),
  defineCommand({
    name: 'geodist',
    arity: -4,
    flags: ['readonly'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS')],
    docs: {
      summary: 'Returns the distance between two members of a geospatial index.',
      since: '3.2.0',
      group,
      complexity: 'O(1)',
      arguments: [keyArg, { name: 'member1', type: 'string' }, { name: 'member2', type: 'string' }, { ...unitDoc, optional: true }],
    },
    run: geodist,
  }),
  defineCommand({
    name: 'geohash',
    arity: -2,
    flags: ['readonly'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS')],
    docs: {
      summary: 'Returns members from a geospatial index as geohash strings.',
      since: '3.2.0',
      group,
      complexity: 'O(1) for each member requested.',
      arguments: [keyArg, { ...memberArg, optional: true, multiple: true }],
    },
    run: geohash,
  }),
  defineCommand({
    name: 'geopos',
    arity: -2,
    flags: ['readonly'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS')],
    docs: {
      summary: 'Returns the longitude and latitude of members from a geospatial index.',
      since: '3.2.0',
      group,
      complexity: 'O(1) for each member requested.',
      arguments: [keyArg, { ...memberArg, optional: true, multiple: true }],
    },
    run: geopos,
  }),
  defineCommand({
    name: 'georadius',
    arity: -6,
    flags: ['write', 'denyoom'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS'), ...storeKeys(6)],
    getKeys: georadiusKeys,
    docs: {
      summary: 'Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.',
      since: '3.2.0',
      group,
      complexity: searchComplexity,
      deprecatedSince: '6.2.0',
      replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument',
      arguments: [...coordsArgs, ...searchOptionDocs, storeDocs],
    },
    run: (ctx, argv) => georadiusGeneric(ctx, argv, coordsMode),
  }),
  defineCommand({
    name: 'georadius_ro',
    arity: -6,
    flags: ['readonly'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS')],
    docs: {
      summary: 'Returns members from a geospatial index that are within a distance from a coordinate.',
      since: '3.2.10',
      group,
      complexity: searchComplexity,
      deprecatedSince: '6.2.0',
      replacedBy: '`GEOSEARCH` with the `BYRADIUS` argument',
      arguments: [...coordsArgs, ...searchOptionDocs],
    },
    run: (ctx, argv) => georadiusGeneric(ctx, argv, coordsRoMode),
  }),
  defineCommand({
    name: 'georadiusbymember',
    arity: -5,
    flags: ['write', 'denyoom'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS'), ...storeKeys(5)],
    getKeys: georadiusKeys,
    docs: {
      summary: 'Queries a geospatial index for members within a distance from a member, optionally stores the result.',
      since: '3.2.0',
      group,
      complexity: searchComplexity,
      deprecatedSince: '6.2.0',
      replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments',
      arguments: [...memberArgs, ...searchOptionDocs, storeDocs],
    },
    run: (ctx, argv) => georadiusGeneric(ctx, argv, memberMode),
  }),
  defineCommand({
    name: 'georadiusbymember_ro',
    arity: -5,
    flags: ['readonly'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS')],
    docs: {
      summary: 'Returns members from a geospatial index that are within a distance from a member.',
      since: '3.2.10',
      group,
      complexity: searchComplexity,
      deprecatedSince: '6.2.0',
      replacedBy: '`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments',
      arguments: [...memberArgs, ...searchOptionDocs],
    },
    run: (ctx, argv) => georadiusGeneric(ctx, argv, memberRoMode),
  }),
  defineCommand({
    name: 'geosearch',
    arity: -7,
    flags: ['readonly'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'RO', 'ACCESS')],
    docs: {
      summary: 'Queries a geospatial index for members inside an area of a box or a circle.',
      since: '6.2.0',
      group,
      complexity: boxComplexity,
      arguments: [keyArg, fromDocs, byDocs, ...searchOptionDocs],
    },
    run: (ctx, argv) => georadiusGeneric(ctx, argv, searchMode),
  }),
  defineCommand({
    name: 'geosearchstore',
    arity: -8,
    flags: ['write', 'denyoom'],
    categories: ['geo'],
    keySpecs: [keys.one(1, 'OW', 'UPDATE'), keys.one(2, 'RO', 'ACCESS')],
    docs: {
      summary: 'Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.',
      since: '6.2.0',
      group,
      complexity: boxComplexity,
      arguments: [
        { name: 'destination', type: 'key' },
        { name: 'source', type: 'key' },
        fromDocs,
        byDocs,
        ...searchOptionDocs.filter((d) => d.name !== 'withcoord' && d.name !== 'withdist' && d.name !== 'withhash'),
        { name: 'storedist', type: 'pure-token', token: 'STOREDIST', optional: true },
      ],
    },
    run: (ctx, argv) => georadiusGeneric(ctx, argv, searchStoreMode),
  }),
];
