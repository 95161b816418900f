/**
 * The geohash arithmetic behind the GEO commands, reproducing Redis 7.2's numbers bit for
 * bit (geohash.c, geohash_helper.c): a position is a 52-bit interleave of 26-bit latitude
 * and longitude offsets (latitude on the even bits, longitude on the odd ones) over
 * Web Mercator's range, longitude ±180 and latitude ±85.05112878. Sorted-set scores hold
 * the 52-bit value, so a cell of any precision is a score interval.
 *
 * Invariants that keep the digits identical to Redis's C code:
 *  - every floating-point expression is evaluated in the same order with IEEE doubles
 *    (no fused multiply-add on the reference build), so results match exactly; only the
 *    libm functions (sin, cos, asin, sqrt) come from V8, which may differ from glibc's in
 *    the last bit on rare inputs;
 *  - offsets are converted to integers by truncation, as a C cast does; an offset of
 *    exactly 2^step (the maximum longitude or latitude) overflows its step bits, so such a
 *    hash carries a bit above the 52 (Redis does the same; decoding clamps it back);
 *  - 64-bit hash words are BigInts wherever C does uint64 arithmetic on them (encoding,
 *    neighbours, alignment); decoding a member's score, the hot path of a search, works on
 *    two 32-bit halves instead.
 */

export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
/** 26 bits per coordinate: 52-bit scores */
export const GEO_STEP_MAX = 26;

/** Redis's mean earth radius for the haversine, in meters */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LONG_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;

const MASK64 = (1n << 64n) - 1n;
const EVEN64 = 0x5555555555555555n;
const ODD64 = 0xaaaaaaaaaaaaaaaan;

/** A hash of `step` bits per coordinate; step 0 with bits 0 is the "no cell" marker. */
export interface HashBits {
  bits: bigint;
  step: number;
}

/** A cell's extent. */
export interface HashArea {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

export interface Range {
  min: number;
  max: number;
}

export const WGS84_LONG: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const WGS84_LAT: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
/** GEOHASH re-encodes with the standard geohash latitude range */
export const STANDARD_LAT: Range = { min: -90, max: 90 };

const ZERO_HASH: HashBits = { bits: 0n, step: 0 };

export function isZeroHash(h: HashBits): boolean {
  return h.bits === 0n && h.step === 0;
}

/** Spreads the low 16 bits of `x` onto the even bits of a 32-bit word. */
function spread16(x: number): number {
  x &= 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

/** Gathers the even bits of a 32-bit word into 16 bits. */
function squeeze16(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** Interleaves two uint32 values: `lat` on the even bits, `lon` on the odd bits. */
function interleave(lat: number, lon: number): bigint {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A non-negative double below 2^32 as a C cast to uint32 makes it (truncation). */
function toUint32(d: number): number {
  return Math.trunc(d) >>> 0;
}

/**
 * geohashEncode: the cell of `step` bits per coordinate holding (lon, lat) within the
 * given ranges, or null when the point is outside the GEO limits or the ranges.
 */
export function encode(lonRange: Range, latRange: Range, lon: number, lat: number, step: number): HashBits | null {
  if (step > 32 || step === 0) return null;
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latRange.min || lat > latRange.max || lon < lonRange.min || lon > lonRange.max) return null;
  let latOffset = (lat - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (lon - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  return { bits: interleave(toUint32(latOffset), toUint32(lonOffset)), step };
}

export function encodeWGS84(lon: number, lat: number, step: number): HashBits | null {
  return encode(WGS84_LONG, WGS84_LAT, lon, lat, step);
}

/** geohashAlign52Bits: the hash shifted to the score's 52-bit scale (exact, as a BigInt). */
export function align52(h: HashBits): bigint {
  return (h.bits << BigInt(52 - h.step * 2)) & MASK64;
}

/** The 52-bit score of a position (GEOADD), or null outside the limits. */
export function scoreOf(lon: number, lat: number): bigint | null {
  const h = encodeWGS84(lon, lat, GEO_STEP_MAX);
  return h === null ? null : align52(h);
}

/** Cell extent from the deinterleaved halves (geohashDecode's arithmetic). */
function areaOf(lonRange: Range, latRange: Range, ilat: number, ilon: number, step: number): HashArea {
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  const div = 2 ** step;
  // uint32 arithmetic: ilat + 1 wraps to 0 at 2^32 - 1
  const ilat1 = (ilat + 1) >>> 0;
  const ilon1 = (ilon + 1) >>> 0;
  return {
    latMin: latRange.min + (ilat / div) * latScale,
    latMax: latRange.min + (ilat1 / div) * latScale,
    lonMin: lonRange.min + (ilon / div) * lonScale,
    lonMax: lonRange.min + (ilon1 / div) * lonScale,
  };
}

/** geohashDecode of a cell (null for the "no cell" marker). */
export function decodeArea(lonRange: Range, latRange: Range, h: HashBits): HashArea | null {
  if (isZeroHash(h)) return null;
  const hi = Number(h.bits >> 32n) >>> 0;
  const lo = Number(h.bits & 0xffffffffn) >>> 0;
  return areaOf(lonRange, latRange, gatherLat(hi, lo), gatherLon(hi, lo), h.step);
}

function gatherLat(hi: number, lo: number): number {
  return (squeeze16(lo) | (squeeze16(hi) << 16)) >>> 0;
}

function gatherLon(hi: number, lo: number): number {
  return (squeeze16(lo >>> 1) | (squeeze16(hi >>> 1) << 16)) >>> 0;
}

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

/**
 * A score converted to uint64 as Redis's `(uint64_t)score` compiles on x86-64 (the
 * reference build): truncation in range; below 2^63 through a signed conversion, so a
 * negative score wraps modulo 2^64 and one at or below -2^63 gives 2^63; from 2^63 on,
 * through the subtract-and-flip sequence, which gives 0 at or above 2^64 (and for +inf).
 * Returned as two uint32 halves.
 */
function scoreToUint64(score: number): { hi: number; lo: number } {
  if (!(score < TWO63)) {
    if (score >= TWO64 || Number.isNaN(score)) return { hi: Number.isNaN(score) ? 0x80000000 : 0, lo: 0 };
    const t = Math.trunc(score);
    const hi = Math.floor(t / TWO32);
    return { hi: hi >>> 0, lo: (t - hi * TWO32) >>> 0 };
  }
  if (score <= -TWO63) return { hi: 0x80000000, lo: 0 };
  const t = Math.trunc(score);
  const hi = Math.floor(t / TWO32);
  return { hi: hi >>> 0, lo: (t - hi * TWO32) >>> 0 };
}

/**
 * decodeGeohash + geohashDecodeAreaToLongLat: the position a member's score stands for,
 * the center of its 26-bit cell clamped to the GEO limits. Every score decodes (Redis
 * never fails here: its step is never 0).
 */
export function decodeScore(score: number, out: { lon: number; lat: number }): void {
  const { hi, lo } = scoreToUint64(score);
  const a = areaOf(WGS84_LONG, WGS84_LAT, gatherLat(hi, lo), gatherLon(hi, lo), GEO_STEP_MAX);
  let lon = (a.lonMin + a.lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (a.latMin + a.latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  out.lon = lon;
  out.lat = lat;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character text of a score: the decoded position re-encoded over the
 * standard ranges (latitude ±90) at 26 bits, 10 characters of 5 bits each and a final '0'
 * (52 bits only fill ten).
 */
export function geohashString(score: number): string {
  const p = { lon: 0, lat: 0 };
  decodeScore(score, p);
  const h = encode(WGS84_LONG, STANDARD_LAT, p.lon, p.lat, GEO_STEP_MAX);
  // the decoded position is always inside the limits, so encoding cannot fail
  const bits = h === null ? 0n : h.bits;
  let s = '';
  for (let i = 0; i < 10; i++) s += GEOALPHABET[Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  return s + GEOALPHABET[0];
}

// ---- distances ----

function degRad(ang: number): number {
  return ang * D_R;
}

function radDeg(ang: number): number {
  return ang / D_R;
}

/** Distance along a meridian (the haversine when the longitudes are equal). */
export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: the haversine great-circle distance in meters. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---- search areas ----

/** A search shape: a circle of `radius` or a `width` × `height` box, in `conversion` units. */
export type GeoShape =
  | { kind: 'radius'; lon: number; lat: number; conversion: number; radius: number }
  | { kind: 'box'; lon: number; lat: number; conversion: number; width: number; height: number };

/**
 * Whether the point (lon, lat) lies in the shape; its distance from the center (meters)
 * when it does, or -1 when it does not.
 */
export function distanceIfWithin(shape: GeoShape, lon: number, lat: number): number {
  if (shape.kind === 'radius') {
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.conversion ? -1 : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  // geohashGetDistanceIfInRectangle: latitude first, it is the cheaper test
  if (latDistance(lat, shape.lat) > heightM / 2) return -1;
  if (distance(lon, lat, shape.lon, lat) > widthM / 2) return -1;
  return distance(shape.lon, shape.lat, lon, lat);
}

/** geohashEstimateStepsByRadius: cell precision for a search of that size at that latitude. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: [minLon, minLat, maxLon, maxLat] around the shape. */
function boundingBox(shape: GeoShape): [number, number, number, number] {
  const { lon, lat } = shape;
  const height = shape.conversion * (shape.kind === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.kind === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(lat - latDelta)));
  const southern = lat < 0;
  return [southern ? lon - lonDeltaBottom : lon - lonDeltaTop, lat - latDelta, southern ? lon + lonDeltaBottom : lon + lonDeltaTop, lat + latDelta];
}

function moveX(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  let x = h.bits & ODD64;
  const y = h.bits & EVEN64;
  const shift = BigInt(64 - h.step * 2);
  const zz = EVEN64 >> shift;
  if (d > 0) x = (x + (zz + 1n)) & MASK64;
  else {
    x = x | zz;
    x = (x - (zz + 1n)) & MASK64;
  }
  x &= ODD64 >> shift;
  return { bits: x | y, step: h.step };
}

function moveY(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const x = h.bits & ODD64;
  let y = h.bits & EVEN64;
  const shift = BigInt(64 - h.step * 2);
  const zz = ODD64 >> shift;
  if (d > 0) y = (y + (zz + 1n)) & MASK64;
  else {
    y = y | zz;
    y = (y - (zz + 1n)) & MASK64;
  }
  y &= EVEN64 >> shift;
  return { bits: x | y, step: h.step };
}

/**
 * The nine cells to scan, in Redis's order (center, N, S, E, W, NE, NW, SE, SW); a cell the
 * search area cannot reach is the "no cell" marker.
 */
export function searchCells(shape: GeoShape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters =
    (shape.kind === 'radius' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))) * shape.conversion;
  let steps = estimateStepsByRadius(radiusMeters, shape.lat);
  const around = (step: number) => {
    // the center is inside the limits (checked or decoded), so encoding succeeds
    const hash = encodeWGS84(shape.lon, shape.lat, step) ?? { bits: 0n, step };
    const n = {
      north: moveY(hash, 1),
      south: moveY(hash, -1),
      east: moveX(hash, 1),
      west: moveX(hash, -1),
    };
    return { hash, ...n, ne: moveY(moveX(hash, 1), 1), nw: moveY(moveX(hash, -1), 1), se: moveY(moveX(hash, 1), -1), sw: moveY(moveX(hash, -1), -1) };
  };
  let c = around(steps);
  // The estimated step may leave the area poking out of the outer cells near their edges.
  const north = decodeArea(WGS84_LONG, WGS84_LAT, c.north)!;
  const south = decodeArea(WGS84_LONG, WGS84_LAT, c.south)!;
  const east = decodeArea(WGS84_LONG, WGS84_LAT, c.east)!;
  const west = decodeArea(WGS84_LONG, WGS84_LAT, c.west)!;
  const decrease = north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    c = around(steps);
  }
  const cells = { n: c.north, s: c.south, e: c.east, w: c.west, ne: c.ne, nw: c.nw, se: c.se, sw: c.sw };
  if (steps >= 2) {
    const area = decodeArea(WGS84_LONG, WGS84_LAT, c.hash)!;
    if (area.latMin < minLat) cells.s = cells.sw = cells.se = ZERO_HASH;
    if (area.latMax > maxLat) cells.n = cells.ne = cells.nw = ZERO_HASH;
    if (area.lonMin < minLon) cells.w = cells.sw = cells.nw = ZERO_HASH;
    if (area.lonMax > maxLon) cells.e = cells.se = cells.ne = ZERO_HASH;
  }
  return [c.hash, cells.n, cells.s, cells.e, cells.w, cells.ne, cells.nw, cells.se, cells.sw];
}

/** The score interval [min, max) of a cell (scoresOfGeoHashBox), as doubles like Redis's. */
export function cellScoreRange(h: HashBits): { min: number; max: number } {
  return { min: Number(align52(h)), max: Number(align52({ bits: h.bits + 1n, step: h.step })) };
}
