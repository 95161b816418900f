/**
 * Differential test for the GEO family: the same sequences go to a real redis-server
 * (Debian 7.0.15, the local oracle) and to Redoubt, and every reply is compared byte for
 * byte — geohash scores (ZSCORE/ZRANGE WITHSCORES of what GEOADD stored), GEOPOS and
 * WITHCOORD coordinates (17 decimals), GEODIST and WITHDIST distances (4 decimals) in
 * every unit, GEOHASH strings, WITHHASH integers, the members each search finds and their
 * order, what STORE/STOREDIST/GEOSEARCHSTORE store, and every error text and precedence.
 * geo.c, geohash.c and geohash_helper.c did not change between 7.0.15 and 7.2.4 in
 * anything these sequences reach.
 *
 * The hand-written cases cover every option and error; the seeded random sequences add
 * points anywhere, at the latitude limits (±85.05112878) and on the antimeridian (±180),
 * clusters, searches from points and members with radii from 0 to beyond the earth's
 * circumference, boxes, and every unit. Random points are distinct, so equal distances
 * (whose order under COUNT depends on Redis's unstable partial quicksort) do not occur
 * there (the hand-written cases that have them avoid COUNT). HELLO replies (server names and versions) are not compared. Stored distances
 * (STOREDIST) read back with ZRANGE WITHSCORES print differently on 7.0, which used
 * "%.17g" for scores (7.2 prints the shortest round-trip digits, as Redoubt does): such a
 * reply is compared member by member with the scores as doubles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { bind, parse, prng, show, type Seq } from '../helpers/diff-support.js';

const LAT = '85.05112878';
const PALERMO = ['13.361389', '38.115556', 'Palermo'];
const CATANIA = ['15.087269', '37.502669', 'Catania'];
const SICILY = ['GEOADD', 'K:g', ...PALERMO, ...CATANIA, '12.758489', '38.788135', 'edge1', '13.5', '37.5', 'mid'];

const CASES: Seq[] = [
  // GEOADD: scores, NX/XX/CH, option order and case, errors and their order
  [
    SICILY,
    ['ZRANGE', 'K:g', '0', '-1', 'WITHSCORES'],
    ['GEOADD', 'K:g', 'NX', '13.361389', '38.115556', 'Palermo', '1', '1', 'new'],
    ['GEOADD', 'K:g', 'xx', 'ch', '0', '0', 'Palermo', '2', '2', 'other'],
    ['GEOADD', 'K:g', 'CH', 'nx', '0', '0', 'Palermo'],
    ['GEOADD', 'K:g', 'ch', '13.361389', '38.115556', 'Palermo'],
    ['GEOADD', 'K:g', 'ch', 'ch', '1', '1', 'new'],
    ['GEOADD', 'K:g', 'nx', 'xx', '1', '1', 'x'],
    ['GEOADD', 'K:g', 'gt', '1', '1', 'x'],
    ['GEOADD', 'K:g', '1', '1', 'x', '2'],
    ['GEOADD', 'K:g', 'ch', 'nx', 'xx'],
    ['GEOADD', 'K:g', 'ch', 'ch', 'ch'],
    ['GEOADD', 'K:g', 'abc', '1', 'x'],
    ['GEOADD', 'K:g', '1', 'abc', 'x'],
    ['GEOADD', 'K:g', '1', '1', 'ok', 'x', '1', 'bad'],
    ['GEOADD', 'K:g', '180.000001', '0', 'x'],
    ['GEOADD', 'K:g', '0', '85.05112879', 'x'],
    ['GEOADD', 'K:g', '-181', '-86', 'x'],
    ['GEOADD', 'K:g', '1e300', '0', 'x'],
    ['GEOADD', 'K:g', '-inf', '0', 'x'],
    ['GEOADD', 'K:g', '0', 'inf', 'x'],
    ['GEOADD', 'K:g', '0', 'nan', 'x'],
    ['GEOADD', 'K:g', '0.0000001', '-0.0000004', 'x'],
    ['GEOADD', 'K:g', '1', '2'],
    ['GEOADD', 'K:g'],
    ['ZRANGE', 'K:g', '0', '-1', 'WITHSCORES'],
    ['OBJECT', 'ENCODING', 'K:g'],
  ],
  // the limits: poles, antimeridian, corners, zero, negative zero, hex and exponent forms
  [
    ['GEOADD', 'K:g', '180', LAT, 'ne', '-180', `-${LAT}`, 'sw', '180', `-${LAT}`, 'se', '-180', LAT, 'nw', '0', '0', 'zero', '-0', '-0', 'negzero'],
    ['GEOADD', 'K:g', '179.9999999', '85.0511287', 'a', '-179.9999999', '-85.0511287', 'b', '0x1p-3', '1e1', 'hex', '1E-5', '.5', 'exp'],
    ['ZRANGE', 'K:g', '0', '-1', 'WITHSCORES'],
    ['GEOPOS', 'K:g', 'ne', 'sw', 'se', 'nw', 'zero', 'negzero', 'a', 'b', 'hex', 'exp', 'missing'],
    ['GEOHASH', 'K:g', 'ne', 'sw', 'se', 'nw', 'zero', 'negzero', 'a', 'b', 'hex', 'exp', 'missing'],
    ['GEODIST', 'K:g', 'ne', 'sw'],
    ['GEODIST', 'K:g', 'ne', 'nw', 'km'],
    ['GEODIST', 'K:g', 'ne', 'se', 'MI'],
    ['GEODIST', 'K:g', 'a', 'ne', 'ft'],
    ['GEODIST', 'K:g', 'zero', 'negzero'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '180', '0', 'BYRADIUS', '20000', 'km', 'ASC', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'ne', 'BYRADIUS', '100', 'km', 'WITHDIST'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'ne', 'BYBOX', '40000', '100', 'km', 'DESC', 'WITHDIST'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '-180', '-85', 'BYRADIUS', '1', 'km'],
    ['GEORADIUS', 'K:g', '0', '0', '0', 'm', 'WITHCOORD'],
    ['GEORADIUS', 'K:g', '0', '0', '50000', 'km', 'WITHCOORD', 'ASC'],
  ],
  // scores that are not geohashes decode too (GEOPOS/GEOHASH/GEODIST of any sorted set)
  [
    ['ZADD', 'K:z', '0', 'zero', '1', 'one', '-1', 'neg', '4503599627370495', 'max52', '4503599627370496', 'p52', '9007199254740992', 'p53', '1e18', 'big', '0.5', 'half', '3.7', 'frac', '18014398509481984', 'p54', 'inf', 'inf', '-inf', 'ninf', '1e19', 'p64', '-1e19', 'nbig', '9.3e18', 'p63'],
    ['GEOPOS', 'K:z', 'zero', 'one', 'neg', 'max52', 'p52', 'p53', 'big', 'half', 'frac', 'p54', 'inf', 'ninf', 'p64', 'nbig', 'p63'],
    ['GEOHASH', 'K:z', 'zero', 'one', 'neg', 'max52', 'p52', 'p53', 'big', 'half', 'frac', 'p54', 'inf', 'ninf', 'p64', 'nbig', 'p63'],
    ['GEODIST', 'K:z', 'zero', 'max52', 'km'],
    ['GEOSEARCH', 'K:z', 'FROMMEMBER', 'zero', 'BYRADIUS', '100', 'km', 'WITHHASH', 'WITHCOORD'],
    ['GEOSEARCH', 'K:z', 'FROMMEMBER', 'frac', 'BYBOX', '1', '1', 'm', 'WITHHASH', 'WITHDIST'],
  ],
  // GEODIST / GEOPOS / GEOHASH: missing keys and members, units, errors, wrong type
  [
    SICILY,
    ['GEODIST', 'K:g', 'Palermo', 'Catania'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'km'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'KM'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'mi'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'Ft'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'M'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'yd'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'km\x00x'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania', 'km', 'x'],
    ['GEODIST', 'K:g', 'Palermo', 'nobody'],
    ['GEODIST', 'K:g', 'Palermo', 'Palermo'],
    ['GEODIST', 'K:nokey', 'a', 'b'],
    ['GEODIST', 'K:nokey', 'a', 'b', 'parsec'],
    ['GEODIST', 'K:g', 'a'],
    ['GEOPOS', 'K:g', 'Palermo', 'nobody', 'Catania'],
    ['GEOPOS', 'K:g'],
    ['GEOPOS', 'K:nokey', 'a', 'b'],
    ['GEOHASH', 'K:g', 'Palermo', 'Catania', 'nobody'],
    ['GEOHASH', 'K:g'],
    ['GEOHASH', 'K:nokey', 'a'],
    ['SET', 'K:s', 'v'],
    ['GEOADD', 'K:s', '1', '1', 'x'],
    ['GEODIST', 'K:s', 'a', 'b'],
    ['GEODIST', 'K:s', 'a', 'b', 'bad'],
    ['GEOPOS', 'K:s', 'a'],
    ['GEOHASH', 'K:s', 'a'],
    ['GEOSEARCH', 'K:s', 'FROMLONLAT', '1', 'x', 'BYRADIUS', '1', 'km'],
    ['GEORADIUS', 'K:s', 'x', '0', '1', 'km'],
    ['GEORADIUSBYMEMBER', 'K:s', 'm', 'x', 'km'],
    ['GEOSEARCHSTORE', 'K:d', 'K:s', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
  ],
  // GEORADIUS / GEORADIUS_RO: every option, the units, errors and their order
  [
    SICILY,
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'withhash', 'withcoord', 'ASC'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'DESC', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '1'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '2', 'DESC'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '1', 'ANY'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '3', 'ANY', 'ASC', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '10'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'ASC', 'DESC'],
    ['GEORADIUS', 'K:g', '15', '37', '200000', 'm', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '656168', 'ft', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '124.27', 'MI', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '0', 'km'],
    ['GEORADIUS', 'K:g', '15', '37', '1e300', 'km', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', 'inf', 'km', 'WITHDIST'],
    ['GEORADIUS_RO', 'K:g', '15', '37', '200', 'km', 'WITHDIST', 'COUNT', '2'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '0'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', '-1'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT', 'x'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'COUNT'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'ANY'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'ANY', 'COUNT', '0'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'BOGUS'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STORE'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'FROMLONLAT', '1', '1'],
    ['GEORADIUS', 'K:g', '15', '37', '-1', 'km'],
    ['GEORADIUS', 'K:g', '15', '37', 'x', 'km'],
    ['GEORADIUS', 'K:g', '15', '37', '-1', 'parsec'],
    ['GEORADIUS', 'K:g', '15', '37', '1', 'parsec'],
    ['GEORADIUS', 'K:g', 'x', '37', 'x', 'parsec'],
    ['GEORADIUS', 'K:g', '15', 'y', '1', 'km'],
    ['GEORADIUS', 'K:g', '200', '100', 'x', 'km'],
    ['GEORADIUS', 'K:g', '15', '37', '200'],
    ['GEORADIUS', 'K:nokey', '15', '37', '200', 'km'],
    ['GEORADIUS', 'K:nokey', '15', '37', '200', 'parsec'],
    ['GEORADIUS', 'K:nokey', '15', '37', '200', 'km', 'BOGUS'],
    ['GEORADIUS', 'K:g', '0', '0', '1', 'km'],
    ['GEORADIUS_RO', 'K:g', '15', '37', '200', 'km', 'STORE', 'K:d'],
    ['GEORADIUS_RO', 'K:g', '15', '37', '200', 'km', 'STOREDIST', 'K:d'],
  ],
  // GEORADIUS STORE / STOREDIST: stored scores, the last one wins, empty results delete
  [
    SICILY,
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STORE', 'K:d'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['OBJECT', 'ENCODING', 'K:d'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STOREDIST', 'K:d'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'mi', 'STOREDIST', 'K:d', 'COUNT', '2', 'DESC'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STORE', 'K:d', 'STOREDIST', 'K:e'],
    ['EXISTS', 'K:d', 'K:e'],
    ['ZRANGE', 'K:e', '0', '-1', 'WITHSCORES'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STORE', 'K:d', 'WITHDIST'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'WITHCOORD', 'STOREDIST', 'K:d'],
    ['EXPIRE', 'K:e', '100'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STORE', 'K:e'],
    ['TTL', 'K:e'],
    ['GEORADIUS', 'K:g', '0', '0', '1', 'km', 'STORE', 'K:e'],
    ['EXISTS', 'K:e'],
    ['GEORADIUS', 'K:nokey', '0', '0', '1', 'km', 'STORE', 'K:d'],
    ['EXISTS', 'K:d'],
    ['GEORADIUS', 'K:nokey', '0', '0', '1', 'km', 'STORE', 'K:d'],
    ['GEORADIUS', 'K:g', '15', '37', '200', 'km', 'STORE', 'K:g'],
    ['ZRANGE', 'K:g', '0', '-1', 'WITHSCORES'],
  ],
  // GEORADIUSBYMEMBER (_RO): the member's position, a missing member or key
  [
    SICILY,
    ['GEORADIUSBYMEMBER', 'K:g', 'Palermo', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'],
    ['GEORADIUSBYMEMBER', 'K:g', 'Palermo', '100', 'km', 'COUNT', '1', 'DESC'],
    ['GEORADIUSBYMEMBER_RO', 'K:g', 'Catania', '1000', 'km', 'COUNT', '2', 'ANY'],
    ['GEORADIUSBYMEMBER', 'K:g', 'Palermo', '200', 'km', 'STOREDIST', 'K:d'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['GEORADIUSBYMEMBER', 'K:g', 'nobody', '200', 'km'],
    ['GEORADIUSBYMEMBER', 'K:g', 'nobody', 'x', 'parsec'],
    ['GEORADIUSBYMEMBER', 'K:g', 'Palermo', 'x', 'km'],
    ['GEORADIUSBYMEMBER', 'K:g', 'Palermo', '-5', 'km'],
    ['GEORADIUSBYMEMBER', 'K:g', 'Palermo', '5', 'parsec'],
    ['GEORADIUSBYMEMBER', 'K:nokey', 'nobody', 'x', 'parsec'],
    ['GEORADIUSBYMEMBER', 'K:nokey', 'nobody', 'x', 'parsec', 'STORE', 'K:d'],
    ['EXISTS', 'K:d'],
    ['GEORADIUSBYMEMBER', 'K:nokey', 'nobody', 'x', 'parsec', 'BOGUS'],
    ['GEORADIUSBYMEMBER', 'K:nokey', 'm', '1', 'km', 'ANY'],
    ['GEORADIUSBYMEMBER_RO', 'K:g', 'Palermo', '1', 'km', 'STORE', 'K:d'],
  ],
  // GEOSEARCH: FROM*/BY* combinations, option order, every error
  [
    SICILY,
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
    ['GEOSEARCH', 'K:g', 'BYBOX', '400', '400', 'km', 'FROMLONLAT', '15', '37', 'DESC', 'COUNT', '2'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'Palermo', 'BYBOX', '200', '100', 'mi', 'WITHDIST'],
    ['GEOSEARCH', 'K:g', 'frommember', 'Palermo', 'frommember', 'Catania', 'byradius', '10', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '10', 'km', 'BYRADIUS', '500', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '3', 'ANY'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '3', 'ANY', 'DESC'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'Palermo', 'BYBOX', '0', '0', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'BYRADIUS', '1', 'km', 'WITHDIST', 'ASC'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'WITHDIST', 'ASC'],
    ['geosearch', 'K:g', 'ASC', 'WITHDIST', 'DESC'],
    ['GEOSEARCH', 'K:g', 'FROMMEMBER', 'nobody', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '200', '1', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '-1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'parsec'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYBOX', 'w', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYBOX', '1', 'h', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYBOX', '-1', '1', 'km'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYBOX', '1', '1', 'yd'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYBOX', '1', '1'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'STORE', 'K:d'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'STOREDIST'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'ANY'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'COUNT', '0', 'ANY'],
    ['GEOSEARCH', 'K:nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'K:nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'parsec'],
    ['GEOSEARCH', 'K:nokey', 'FROMMEMBER', 'x', 'WITHDIST', 'COUNT', '1'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'WITHDIST', 'COUNT', '99999999999999999999'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'WITHDIST', 'COUNT', '9223372036854775807'],
  ],
  // GEOSEARCHSTORE: STOREDIST as a flag, WITH* refused, empty results, missing source
  [
    SICILY,
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'STOREDIST', 'COUNT', '2', 'DESC'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'ft', 'STOREDIST'],
    ['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'WITHDIST'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'STORE', 'K:e'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'STOREDIST', 'K:e'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'BYRADIUS', '200', 'km', 'STOREDIST'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ['EXISTS', 'K:d'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ['GEOSEARCHSTORE', 'K:d', 'K:nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['EXISTS', 'K:d'],
    ['GEOSEARCHSTORE', 'K:g', 'K:g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '100', 'km', 'STOREDIST'],
    ['ZRANGE', 'K:g', '0', '-1', 'WITHSCORES'],
    ['TYPE', 'K:g'],
  ],
  // RESP3: coordinates are doubles with the same digits, distances stay strings
  [
    SICILY,
    ['HELLO', '3'],
    ['GEOPOS', 'K:g', 'Palermo', 'nobody'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
    ['GEODIST', 'K:g', 'Palermo', 'Catania'],
    ['GEODIST', 'K:g', 'Palermo', 'nobody'],
    ['GEOHASH', 'K:g', 'Palermo', 'nobody'],
    ['GEOSEARCH', 'K:nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['HELLO', '2'],
  ],
  // many members in one cell (listpack and skiplist), COUNT ANY stopping mid-cell
  [
    ['GEOADD', 'K:g', ...Array.from({ length: 150 }, (_, i) => [`${(i * 0.001).toFixed(3)}`, `${(i * 0.0007).toFixed(4)}`, `p${i}`]).flat()],
    ['OBJECT', 'ENCODING', 'K:g'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '0.05', '0.05', 'BYRADIUS', '3', 'km', 'WITHDIST'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '0.05', '0.05', 'BYRADIUS', '3', 'km', 'COUNT', '5', 'ANY'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '0.05', '0.05', 'BYRADIUS', '3', 'km', 'COUNT', '5'],
    ['GEOSEARCH', 'K:g', 'FROMLONLAT', '0.05', '0.05', 'BYBOX', '6', '2', 'km', 'COUNT', '7', 'DESC', 'WITHHASH'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMLONLAT', '0.05', '0.05', 'BYRADIUS', '30', 'km'],
    ['OBJECT', 'ENCODING', 'K:d'],
    ['GEOSEARCHSTORE', 'K:d', 'K:g', 'FROMLONLAT', '0.05', '0.05', 'BYRADIUS', '3', 'km', 'COUNT', '100'],
    ['OBJECT', 'ENCODING', 'K:d'],
    ['ZCARD', 'K:d'],
  ],
];

// ---- random sequences ----

type Rand = () => number;

const UNITS = ['m', 'km', 'ft', 'mi', 'M', 'KM', 'Ft', 'mI'];
const SIZES = ['0', '0.001', '0.5', '1', '10', '75', '300', '1000', '5000', '20000', '150000', '1000000', '5000000', '20000000', '40000000', '1e9'];

/** A coordinate text: shortest digits, or a fixed number of decimals. */
function coord(rand: Rand, x: number): string {
  const r = rand();
  if (r < 0.5) return String(x);
  return x.toFixed(Math.floor(rand() * 9));
}

/** A random point: anywhere, at the latitude limits, on the antimeridian or in a cluster. */
function randomPoint(rand: Rand, center: [number, number]): [string, string] {
  const kind = Math.floor(rand() * 7);
  const lat0 = 85.05112878;
  const sign = () => (rand() < 0.5 ? -1 : 1);
  const anyLon = () => -180 + rand() * 360;
  const anyLat = () => -lat0 + rand() * 2 * lat0;
  switch (kind) {
    case 0:
      return [coord(rand, anyLon()), coord(rand, sign() * (lat0 - rand() * 0.5))];
    case 1:
      return [coord(rand, anyLon()), sign() < 0 ? `-${LAT}` : LAT];
    case 2:
      return [coord(rand, sign() * (180 - rand() * 0.5)), coord(rand, anyLat())];
    case 3:
      return [sign() < 0 ? '-180' : '180', coord(rand, anyLat())];
    case 4:
    case 5: {
      const lon = Math.max(-180, Math.min(180, center[0] + (rand() - 0.5) * 2));
      const lat = Math.max(-lat0, Math.min(lat0, center[1] + (rand() - 0.5) * 2));
      return [coord(rand, lon), coord(rand, lat)];
    }
    default:
      return [coord(rand, anyLon()), coord(rand, anyLat())];
  }
}

function searchOptions(rand: Rand, storeAllowed: 'none' | 'radius' | 'flag'): string[] {
  const opts: string[][] = [];
  const storing = storeAllowed !== 'none' && rand() < 0.3;
  if (!storing) {
    if (rand() < 0.4) opts.push(['WITHDIST']);
    if (rand() < 0.3) opts.push(['WITHCOORD']);
    if (rand() < 0.3) opts.push(['WITHHASH']);
  }
  const r = rand();
  if (r < 0.3) opts.push(['ASC']);
  else if (r < 0.5) opts.push(['DESC']);
  if (rand() < 0.4) {
    opts.push(['COUNT', String(1 + Math.floor(rand() * 12))]);
    if (rand() < 0.3) opts.push(['ANY']);
  }
  if (storing) {
    if (storeAllowed === 'radius') opts.push([rand() < 0.5 ? 'STORE' : 'STOREDIST', 'K:d']);
    else if (rand() < 0.5) opts.push(['STOREDIST']);
  }
  return opts.flat();
}

function randomSequence(rand: Rand): Seq {
  const seq: Seq = [];
  const center: [number, number] = [-180 + rand() * 360, -85 + rand() * 170];
  const members: string[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const add = (n: number) => {
    const argv = ['GEOADD', 'K:g'];
    for (let i = 0; i < n; i++) {
      const m = `m${members.length}`;
      members.push(m);
      argv.push(...randomPoint(rand, center), m);
    }
    seq.push(argv);
  };
  add(10 + Math.floor(rand() * 30));
  if (rand() < 0.3) add(100); // past zset-max-listpack-entries: a skiplist
  const from = (): string[] => (rand() < 0.5 ? ['FROMMEMBER', pick(members)] : ['FROMLONLAT', ...randomPoint(rand, center)]);
  const by = (): string[] => (rand() < 0.6 ? ['BYRADIUS', pick(SIZES), pick(UNITS)] : ['BYBOX', pick(SIZES), pick(SIZES), pick(UNITS)]);
  for (let i = 0; i < 40; i++) {
    const r = Math.floor(rand() * 10);
    if (r === 0) seq.push(['GEODIST', 'K:g', pick(members), pick(members), ...(rand() < 0.7 ? [pick(UNITS)] : [])]);
    else if (r === 1) seq.push(['GEOPOS', 'K:g', pick(members), pick(members), pick(members)]);
    else if (r === 2) seq.push(['GEOHASH', 'K:g', pick(members), pick(members)]);
    else if (r <= 5) seq.push(['GEOSEARCH', 'K:g', ...from(), ...by(), ...searchOptions(rand, 'none')]);
    else if (r === 6) {
      seq.push(['GEOSEARCHSTORE', 'K:d', 'K:g', ...from(), ...by(), ...searchOptions(rand, 'flag')]);
      seq.push(['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES']);
    } else if (r === 7) {
      seq.push([rand() < 0.7 ? 'GEORADIUS' : 'GEORADIUS_RO', 'K:g', ...randomPoint(rand, center), pick(SIZES), pick(UNITS), ...searchOptions(rand, 'none')]);
    } else if (r === 8) {
      seq.push(['GEORADIUSBYMEMBER', 'K:g', pick(members), pick(SIZES), pick(UNITS), ...searchOptions(rand, 'radius')]);
      seq.push(['ZRANGE', 'K:d', '0', '-1', 'WITHSCORES']);
    } else add(1 + Math.floor(rand() * 3));
  }
  seq.push(['ZRANGE', 'K:g', '0', '-1', 'WITHSCORES']);
  return seq;
}

test('the GEO commands answer like redis-server', async (t) => {
  if (findRedisServer() === null) {
    console.warn(NO_ORACLE_MESSAGE);
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const rc = await RawClient.connect(oracle.port);
  const oc = await RawClient.connect(srv.port);
  let compared = 0;
  let searchesWithResults = 0;
  let scoresAsDoubles = 0;
  let ulpDiffs = 0;
  let seqNo = 0;

  /**
   * ZRANGE … WITHSCORES: same members, same scores as doubles (7.0 prints %.17g); stored
   * distances may differ in the last places (V8's sin/cos/asin against glibc's, see the
   * README; near-antipodal points amplify it through asin), so two nearly equal ones may
   * also swap places: compared per member, within a relative 1e-9.
   */
  const sameScores = (mine: string, theirs: string): boolean => {
    const [m] = parse(mine);
    const [o] = parse(theirs);
    const a = m.items ?? [];
    const b = o.items ?? [];
    if (m.t !== '*' || o.t !== '*' || a.length !== b.length) return false;
    const theirsByMember = new Map<string, number>();
    for (let i = 0; i < b.length; i += 2) theirsByMember.set(b[i]!.raw, Number(b[i + 1]!.s));
    for (let i = 0; i < a.length; i += 2) {
      const u = Number(a[i + 1]!.s);
      const v = theirsByMember.get(a[i]!.raw);
      if (v === undefined) return false;
      if (u === v) continue;
      ulpDiffs++;
      if (Math.abs(u - v) > 1e-9 * Math.max(Math.abs(u), Math.abs(v))) return false;
    }
    return true;
  };

  async function run(seq: Seq, label: string): Promise<void> {
    const bound = bind(seq, `t${process.pid}:${seqNo++}:`);
    for (let i = 0; i < bound.length; i++) {
      const argv = bound[i]!;
      const mine = await oc.call(...argv);
      const theirs = await rc.call(...argv);
      if (argv[0]!.toUpperCase() === 'HELLO') continue;
      compared++;
      if (/^GEO(SEARCH|RADIUS)/i.test(argv[0]!) && /^(\*[1-9]|:[1-9])/.test(theirs)) searchesWithResults++;
      if (mine !== theirs && argv[0] === 'ZRANGE' && sameScores(mine, theirs)) {
        scoresAsDoubles++;
        continue;
      }
      if (mine !== theirs) {
        assert.fail(
          `${label}, command ${i}: ${JSON.stringify(argv)}\n   redis:   ${show(theirs)}\n   redoubt: ${show(mine)}\n` +
            `   sequence: ${JSON.stringify(seq.slice(0, i + 1)).slice(0, 4000)}`,
        );
      }
    }
  }

  try {
    for (let c = 0; c < CASES.length; c++) await run(CASES[c]!, `case ${c}`);
    const hand = compared;
    for (let s = 1; s <= 40; s++) await run(randomSequence(prng(s * 9973)), `random sequence seed ${s * 9973}`);
    console.log(
      `GEO differential: ${compared} replies compared (${hand} hand-written), ${compared - scoresAsDoubles} byte-identical, ` +
        `${scoresAsDoubles} stored-distance ZRANGEs compared as doubles (${ulpDiffs} stored distances not bit-identical); ${searchesWithResults} searches returned or stored members`,
    );
    assert.ok(searchesWithResults > 300, 'the random searches find real data');
  } finally {
    rc.close();
    oc.close();
    await oracle.stop();
    await srv.close();
  }
});
