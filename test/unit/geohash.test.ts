/**
 * The geohash arithmetic (src/types/geohash.ts) and the GEO number texts
 * (src/commands/geo-format.ts): known values from Redis's documentation (Palermo and
 * Catania), encode/decode round trips within half a 26-bit cell, the limits (a hash at the
 * maximum longitude or latitude carries the overflow bit, and decodes back clamped), the
 * uint64 cast of arbitrary scores, neighbour cells, and printf-exact formatting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cellScoreRange,
  decodeScore,
  distance,
  encodeWGS84,
  estimateStepsByRadius,
  geohashString,
  GEO_LAT_MAX,
  scoreOf,
  searchCells,
} from '../../src/types/geohash.js';
import { formatCoordinate, formatDistance, formatFixed } from '../../src/commands/geo-format.js';
import { prng } from '../helpers/diff-support.js';

test("Redis's documented examples: scores, positions, geohashes and the distance", () => {
  // GEOADD Sicily 13.361389 38.115556 "Palermo" 15.087269 37.502669 "Catania"
  assert.equal(scoreOf(13.361389, 38.115556), 3479099956230698n);
  assert.equal(scoreOf(15.087269, 37.502669), 3479447370796909n);
  const p = { lon: 0, lat: 0 };
  decodeScore(3479099956230698, p);
  assert.equal(formatCoordinate(p.lon), '13.36138933897018433');
  assert.equal(formatCoordinate(p.lat), '38.11555639549629859');
  assert.equal(geohashString(3479099956230698), 'sqc8b49rny0');
  assert.equal(geohashString(3479447370796909), 'sqdtr74hyu0');
  const c = { lon: 0, lat: 0 };
  decodeScore(3479447370796909, c);
  const d = distance(p.lon, p.lat, c.lon, c.lat);
  assert.equal(formatDistance(d), '166274.1516');
  assert.equal(formatDistance(d / 1000), '166.2742');
  assert.equal(formatDistance(d / 1609.34), '103.3182');
});

test('encode/decode round trips land within half a 26-bit cell', () => {
  const rand = prng(42);
  const cellLon = 360 / 2 ** 26;
  const cellLat = (2 * GEO_LAT_MAX) / 2 ** 26;
  for (let i = 0; i < 20000; i++) {
    const lon = -180 + rand() * 360;
    const lat = -GEO_LAT_MAX + rand() * 2 * GEO_LAT_MAX;
    const s = scoreOf(lon, lat)!;
    assert.ok(s >= 0n && s < 2n ** 52n, `52-bit score for ${lon},${lat}`);
    const p = { lon: 0, lat: 0 };
    decodeScore(Number(s), p);
    assert.ok(Math.abs(p.lon - lon) <= cellLon / 2 + 1e-12, `lon ${lon} → ${p.lon}`);
    assert.ok(Math.abs(p.lat - lat) <= cellLat / 2 + 1e-12, `lat ${lat} → ${p.lat}`);
    // decoding is stable: the decoded point encodes to the same cell
    assert.equal(scoreOf(p.lon, p.lat), s);
  }
});

test('the limits: out of range is refused, the maximum carries the overflow bit and decodes clamped', () => {
  assert.equal(scoreOf(180.0000001, 0), null);
  assert.equal(scoreOf(0, 85.0511288), null);
  assert.equal(scoreOf(-180, -GEO_LAT_MAX), 0n);
  const ne = scoreOf(180, GEO_LAT_MAX)!;
  assert.equal(ne, (1n << 53n) | (1n << 52n)); // both offsets equal 2^26
  const p = { lon: 0, lat: 0 };
  decodeScore(Number(ne), p);
  assert.deepEqual(p, { lon: 180, lat: GEO_LAT_MAX });
  assert.equal(encodeWGS84(0, 0, 0), null);
});

test('any score decodes, through the x86-64 uint64 cast', () => {
  const p = { lon: 0, lat: 0 };
  decodeScore(-1, p); // wraps to 2^64 - 1: every bit set
  assert.deepEqual(p, { lon: 180, lat: GEO_LAT_MAX });
  const zero = { lon: 0, lat: 0 };
  decodeScore(0, zero);
  decodeScore(Infinity, p); // 0, as the cast's out-of-range sequence gives
  assert.deepEqual(p, zero);
  decodeScore(2 ** 64, p);
  assert.deepEqual(p, zero);
  const q = { lon: 0, lat: 0 };
  decodeScore(3.7, q);
  const r = { lon: 0, lat: 0 };
  decodeScore(3, r);
  assert.deepEqual(q, r, 'a fractional score truncates');
});

test('search cells: nine around the center, the step from the radius, score ranges', () => {
  assert.equal(estimateStepsByRadius(0, 0), 26);
  // 1000 m doubles 15 times to pass Mercator's half width: 1 + 15 - 2
  assert.equal(estimateStepsByRadius(1000, 0), 14);
  assert.equal(estimateStepsByRadius(1000, 70), 13);
  assert.equal(estimateStepsByRadius(1000, 85), 12);
  assert.equal(estimateStepsByRadius(5e7, 0), 1);
  const cells = searchCells({ kind: 'radius', lon: 13.36, lat: 38.11, conversion: 1000, radius: 10 });
  assert.equal(cells.length, 9);
  const center = cells[0]!;
  const { min, max } = cellScoreRange(center);
  const s = Number(scoreOf(13.36, 38.11)!);
  assert.ok(min <= s && s < max, 'the center cell holds the center');
  assert.equal(max - min, 2 ** (52 - 2 * center.step));
  // the neighbours are distinct cells of the same step
  const bits = new Set(cells.filter((c) => c.step !== 0).map((c) => c.bits));
  assert.equal(bits.size, cells.filter((c) => c.step !== 0).length);
});

test('printf-exact texts: %f, %.17Lf human, fixedpoint 4 decimals', () => {
  assert.equal(formatFixed(181, 6), '181.000000');
  assert.equal(formatFixed(-0, 6), '-0.000000');
  assert.equal(formatFixed(1e300, 6).length, 301 + 7);
  assert.equal(formatFixed(Infinity, 6), 'inf');
  assert.equal(formatFixed(0.5, 0), '0'); // half to even
  assert.equal(formatFixed(1.5, 0), '2');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(0.1, 20), '0.10000000000000000555');
  assert.equal(formatCoordinate(-0), '0');
  assert.equal(formatCoordinate(180), '180');
  assert.equal(formatCoordinate(1e-18), '0');
  assert.equal(formatDistance(0), '0.0000');
  assert.equal(formatDistance(0.00004), '0.0000');
  assert.equal(formatDistance(0.00005), '0.0000'); // 0.5 after scaling: to even
  assert.equal(formatDistance(0.00015), '0.0001'); // 0.00015 × 10^4 is 1.4999999999999998
  assert.equal(formatDistance(0.00025), '0.0002'); // exactly 2.5: to even
  assert.equal(formatDistance(12.3456789), '12.3457');
});
