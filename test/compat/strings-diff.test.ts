/**
 * Differential test for the string and bitmap commands: the same command sequences go
 * to a real redis-server (Debian 7.0.15, the local oracle for 7.2 behaviour) and to
 * Redoubt, and every reply is compared byte for byte. Hand-written edge cases come
 * first, then seeded random sequences (reproducible: the seed is printed on failure).
 *
 * Keys are prefixed per sequence so no FLUSHALL is needed. A sequence that uses a
 * command Redoubt does not implement yet (e.g. LPUSH before the list family lands) is
 * skipped and counted, never compared half-way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

type Seq = string[][];

/** "K:name" in a sequence is a key; it gets the sequence's unique prefix. */
function bind(seq: Seq, prefix: string): Seq {
  return seq.map((argv) => argv.map((a) => (a.startsWith('K:') ? prefix + a.slice(2) : a)));
}

const BIN = '\x00\x80\xff\r\n\x01';
const LLMAX = '9223372036854775807';
const LLMIN = '-9223372036854775808';

/** Hand-written edge cases, one sequence per concern. */
const CASES: Seq[] = [
  // GET / SET and options
  [['GET', 'K:a'], ['SET', 'K:a', 'v'], ['GET', 'K:a'], ['SET', 'K:a', BIN], ['GET', 'K:a'], ['STRLEN', 'K:a']],
  [['SET', 'K:a', 'v', 'NX'], ['SET', 'K:a', 'w', 'NX'], ['GET', 'K:a'], ['SET', 'K:a', 'x', 'XX'], ['SET', 'K:b', 'x', 'XX'], ['GET', 'K:b']],
  [['SET', 'K:a', 'v', 'NX', 'XX'], ['SET', 'K:a', 'v', 'XX', 'NX'], ['SET', 'K:a', 'v', 'NX', 'NX'], ['SET', 'K:a', 'v', 'GET', 'GET']],
  [['SET', 'K:a', 'v', 'GET'], ['SET', 'K:a', 'w', 'GET'], ['SET', 'K:a', 'x', 'NX', 'GET'], ['SET', 'K:b', 'x', 'XX', 'GET'], ['GET', 'K:a']],
  [['SET', 'K:a', 'v', 'NX\x00zz'], ['SET', 'K:a', 'v', 'nx'], ['SET', 'K:a', 'v', 'Xx'], ['SET', 'K:a', 'v', 'NXX'], ['SET', 'K:a', 'v', 'GE']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['TTL', 'K:a'], ['SET', 'K:a', 'v', 'EX', '10', 'EX', '200'], ['TTL', 'K:a'], ['SET', 'K:a', 'v', 'PX', '5000', 'PX', '300000'], ['TTL', 'K:a']],
  [['SET', 'K:a', 'v', 'EX', '10', 'PX', '20'], ['SET', 'K:a', 'v', 'EX', '10', 'KEEPTTL'], ['SET', 'K:a', 'v', 'KEEPTTL', 'EX', '10'], ['SET', 'K:a', 'v', 'EX'], ['SET', 'K:a', 'v', 'PXAT']],
  [['SET', 'K:a', 'v', 'EX', 'abc'], ['SET', 'K:a', 'v', 'EX', '-0'], ['SET', 'K:a', 'v', 'EX', '0'], ['SET', 'K:a', 'v', 'EX', '-5'], ['SET', 'K:a', 'v', 'PX', '0'], ['SET', 'K:a', 'v', 'EX', '1.5'], ['SET', 'K:a', 'v', 'EX', ' 1']],
  [['SET', 'K:a', 'v', 'EX', '9223372036854776'], ['SET', 'K:a', 'v', 'PX', LLMAX], ['SET', 'K:a', 'v', 'EXAT', LLMAX], ['SET', 'K:a', 'v', 'EX', '99999999999999999999'], ['EXISTS', 'K:a']],
  [['SET', 'K:a', 'v', 'PXAT', '1'], ['EXISTS', 'K:a'], ['GET', 'K:a'], ['SET', 'K:a', 'v', 'EXAT', '1'], ['GET', 'K:a']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['SET', 'K:a', 'w', 'KEEPTTL'], ['TTL', 'K:a'], ['SET', 'K:a', 'x'], ['TTL', 'K:a'], ['SET', 'K:a', 'y', 'KEEPTTL', 'KEEPTTL'], ['TTL', 'K:a']],
  [['SET', 'K:a', 'v', 'EX', '100', 'GET'], ['SET', 'K:a', 'w', 'GET', 'EX', '100', 'NX'], ['SET', 'K:a', 'w', 'GET', 'PERSIST'], ['SET', 'K:a', 'w', 'foo']],
  [['LPUSH', 'K:l', 'x'], ['SET', 'K:l', 'v', 'GET'], ['SET', 'K:l', 'v', 'NX', 'GET'], ['SET', 'K:l', 'v', 'EX', 'bad', 'GET'], ['GET', 'K:l'], ['SET', 'K:l', 'v'], ['GET', 'K:l']],
  // SETNX / SETEX / PSETEX / GETSET / GETDEL / MGET / MSET / MSETNX
  [['SETNX', 'K:a', '1'], ['SETNX', 'K:a', '2'], ['GET', 'K:a'], ['SETEX', 'K:b', '100', 'v'], ['TTL', 'K:b'], ['PSETEX', 'K:c', '100000', 'v'], ['TTL', 'K:c']],
  [['SETEX', 'K:a', '0', 'v'], ['SETEX', 'K:a', '-1', 'v'], ['SETEX', 'K:a', 'x', 'v'], ['PSETEX', 'K:a', '0', 'v'], ['SETEX', 'K:a', '-0', 'v'], ['SETEX', 'K:a', LLMAX, 'v'], ['PSETEX', 'K:a', LLMAX, 'v'], ['EXISTS', 'K:a']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['GETSET', 'K:a', 'w'], ['TTL', 'K:a'], ['GETSET', 'K:b', 'x'], ['GET', 'K:b'], ['GETDEL', 'K:b'], ['GETDEL', 'K:b'], ['EXISTS', 'K:b']],
  [['LPUSH', 'K:l', 'x'], ['GETSET', 'K:l', 'v'], ['GETDEL', 'K:l'], ['SETNX', 'K:l', 'v'], ['SETEX', 'K:l', '10', 'v'], ['TYPE', 'K:l']],
  [['MSET', 'K:a', '1', 'K:b', '2', 'K:a', '3'], ['MGET', 'K:a', 'K:b', 'K:c'], ['MSET', 'K:a'], ['MSET', 'K:a', '1', 'K:b'], ['MSETNX', 'K:c', '1', 'K:a', '2'], ['MGET', 'K:c'], ['MSETNX', 'K:c', '1', 'K:d', '2', 'K:c', '3'], ['MGET', 'K:c', 'K:d'], ['MSETNX', 'K:x', '1', 'K:y']],
  [['LPUSH', 'K:l', 'x'], ['SET', 'K:s', 's'], ['MGET', 'K:l', 'K:s', 'K:missing']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['MSET', 'K:a', 'w'], ['TTL', 'K:a']],
  // GETEX
  [['SET', 'K:a', 'v'], ['GETEX', 'K:a'], ['GETEX', 'K:a', 'EX', '100'], ['TTL', 'K:a'], ['GETEX', 'K:a', 'PERSIST'], ['TTL', 'K:a'], ['GETEX', 'K:a', 'PX', '100000'], ['TTL', 'K:a']],
  [['SET', 'K:a', 'v'], ['GETEX', 'K:a', 'EX', '10', 'EX', '200'], ['TTL', 'K:a'], ['GETEX', 'K:a', 'PERSIST', 'PERSIST'], ['GETEX', 'K:a', 'PERSIST', 'EX', '1'], ['GETEX', 'K:a', 'EX', '1', 'PERSIST'], ['GETEX', 'K:a', 'KEEPTTL'], ['GETEX', 'K:a', 'NX'], ['GETEX', 'K:a', 'GET'], ['GETEX', 'K:a', 'EX']],
  [['GETEX', 'K:missing', 'EX', 'abc'], ['GETEX', 'K:missing', 'EX'], ['SET', 'K:a', 'v'], ['GETEX', 'K:a', 'EX', 'abc'], ['GETEX', 'K:a', 'EX', '0'], ['GETEX', 'K:a', 'PX', '-1'], ['GETEX', 'K:a', 'EXAT', LLMAX]],
  [['SET', 'K:a', 'v'], ['GETEX', 'K:a', 'PXAT', '1'], ['EXISTS', 'K:a'], ['SET', 'K:a', 'v'], ['GETEX', 'K:a', 'EXAT', '1'], ['GET', 'K:a']],
  [['LPUSH', 'K:l', 'x'], ['GETEX', 'K:l'], ['GETEX', 'K:l', 'EX', 'abc'], ['GETEX', 'K:l', 'FOO']],
  // APPEND / STRLEN / GETRANGE / SUBSTR / SETRANGE
  [['APPEND', 'K:a', 'hello'], ['APPEND', 'K:a', ' world'], ['GET', 'K:a'], ['APPEND', 'K:a', ''], ['APPEND', 'K:b', ''], ['EXISTS', 'K:b'], ['STRLEN', 'K:a'], ['STRLEN', 'K:zz']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['APPEND', 'K:a', 'x'], ['TTL', 'K:a'], ['SET', 'K:n', '123'], ['APPEND', 'K:n', '4'], ['GET', 'K:n'], ['INCR', 'K:n']],
  [['LPUSH', 'K:l', 'x'], ['APPEND', 'K:l', 'v'], ['STRLEN', 'K:l'], ['GETRANGE', 'K:l', '0', '1'], ['SETRANGE', 'K:l', '0', 'x'], ['SETRANGE', 'K:l', '0', '']],
  [
    ['SET', 'K:a', 'Hello World'],
    ['GETRANGE', 'K:a', '0', '4'],
    ['GETRANGE', 'K:a', '-3', '-1'],
    ['GETRANGE', 'K:a', '0', '-1'],
    ['GETRANGE', 'K:a', '10', '100'],
    ['GETRANGE', 'K:a', '5', '3'],
    ['GETRANGE', 'K:a', '-1', '-5'],
    ['GETRANGE', 'K:a', '-100', '-50'],
    ['GETRANGE', 'K:a', '0', '-100'],
    ['GETRANGE', 'K:a', '-100', '3'],
    ['GETRANGE', 'K:a', '11', '11'],
    ['GETRANGE', 'K:a', LLMIN, LLMAX],
    ['GETRANGE', 'K:a', '-9223372036854775807', LLMIN],
    ['GETRANGE', 'K:a', LLMAX, LLMIN],
    ['GETRANGE', 'K:a', 'x', '1'],
    ['GETRANGE', 'K:a', '1', '9223372036854775808'],
    ['GETRANGE', 'K:missing', '0', '-1'],
    ['GETRANGE', 'K:missing', 'x', 'y'],
    ['SUBSTR', 'K:a', '1', '3'],
    ['SUBSTR', 'K:a', '-2', '-1'],
    ['SET', 'K:e', ''],
    ['GETRANGE', 'K:e', '0', '-1'],
    ['GETRANGE', 'K:e', '0', '0'],
    ['SET', 'K:n', '12345'],
    ['GETRANGE', 'K:n', '1', '2'],
  ],
  [
    ['SETRANGE', 'K:a', '0', ''],
    ['EXISTS', 'K:a'],
    ['SETRANGE', 'K:a', '5', 'xy'],
    ['GET', 'K:a'],
    ['SETRANGE', 'K:a', '1', 'ABCDEFGHIJ'],
    ['GET', 'K:a'],
    ['SETRANGE', 'K:a', '0', ''],
    ['SETRANGE', 'K:a', '100', ''],
    ['SETRANGE', 'K:a', '-1', 'x'],
    ['SETRANGE', 'K:a', 'x', 'x'],
    ['SETRANGE', 'K:a', '536870911', ''],
    ['SETRANGE', 'K:a', '536870912', 'x'],
    ['SETRANGE', 'K:a', '536870911', 'xy'],
    ['SETRANGE', 'K:b', '536870912', 'x'],
    ['SETRANGE', 'K:b', LLMAX, 'x'],
    ['SETRANGE', 'K:b', '9223372036854775808', 'x'],
    ['EXISTS', 'K:b'],
    ['SETRANGE', 'K:c', '3', BIN],
    ['GET', 'K:c'],
  ],
  [['SET', 'K:a', 'v', 'EX', '100'], ['SETRANGE', 'K:a', '2', 'x'], ['TTL', 'K:a'], ['GET', 'K:a'], ['SET', 'K:n', '1234'], ['SETRANGE', 'K:n', '1', '9'], ['INCR', 'K:n']],
  // INCR family
  [['INCR', 'K:a'], ['INCR', 'K:a'], ['DECR', 'K:a'], ['INCRBY', 'K:a', '100'], ['DECRBY', 'K:a', '50'], ['INCRBY', 'K:a', '-1000'], ['GET', 'K:a'], ['DECR', 'K:b'], ['DECRBY', 'K:c', '-7']],
  [['SET', 'K:a', LLMAX], ['INCR', 'K:a'], ['INCRBY', 'K:a', '0'], ['DECR', 'K:a'], ['INCRBY', 'K:a', '1'], ['GET', 'K:a'], ['SET', 'K:b', LLMIN], ['DECR', 'K:b'], ['INCRBY', 'K:b', '-1'], ['INCR', 'K:b'], ['DECRBY', 'K:b', '1']],
  [['DECRBY', 'K:a', LLMIN], ['DECRBY', 'K:a', '-9223372036854775807'], ['GET', 'K:a'], ['INCRBY', 'K:a', '1'], ['INCRBY', 'K:b', LLMIN], ['INCRBY', 'K:b', '-1'], ['INCRBY', 'K:c', '9223372036854775808']],
  [['SET', 'K:a', '9007199254740991'], ['INCR', 'K:a'], ['INCR', 'K:a'], ['INCRBY', 'K:a', '9007199254740993'], ['DECRBY', 'K:a', '18014398509481990'], ['GET', 'K:a']],
  [['SET', 'K:a', 'abc'], ['INCR', 'K:a'], ['SET', 'K:a', ' 1'], ['INCR', 'K:a'], ['SET', 'K:a', '1 '], ['INCR', 'K:a'], ['SET', 'K:a', '01'], ['INCR', 'K:a'], ['SET', 'K:a', '-0'], ['INCR', 'K:a'], ['SET', 'K:a', '+1'], ['INCR', 'K:a'], ['SET', 'K:a', '1.0'], ['INCR', 'K:a'], ['SET', 'K:a', ''], ['INCR', 'K:a'], ['SET', 'K:a', '9223372036854775808'], ['INCR', 'K:a'], ['SET', 'K:a', '-'], ['DECR', 'K:a']],
  [['INCRBY', 'K:a', 'x'], ['INCRBY', 'K:a', '1.5'], ['INCRBY', 'K:a', ''], ['DECRBY', 'K:a', 'x'], ['LPUSH', 'K:l', 'x'], ['INCR', 'K:l'], ['INCRBY', 'K:l', 'x'], ['INCRBY', 'K:l', '1'], ['INCRBYFLOAT', 'K:l', 'x'], ['INCRBYFLOAT', 'K:l', '1']],
  [['SET', 'K:a', '10', 'EX', '100'], ['INCR', 'K:a'], ['TTL', 'K:a'], ['INCRBYFLOAT', 'K:a', '1.5'], ['TTL', 'K:a'], ['DECRBY', 'K:a', '1']],
  // INCR across the keyspace's inline integer forms (1-3 packed bytes, small integers, text past 2^31-1)
  [['SET', 'K:a', '998'], ['INCR', 'K:a'], ['INCR', 'K:a'], ['OBJECT', 'ENCODING', 'K:a'], ['DECR', 'K:a'], ['STRLEN', 'K:a'], ['APPEND', 'K:a', '0'], ['INCR', 'K:a'], ['OBJECT', 'ENCODING', 'K:a'], ['GETRANGE', 'K:a', '0', '1'], ['SET', 'K:b', '2147483646', 'EX', '100'], ['INCR', 'K:b'], ['INCR', 'K:b'], ['TTL', 'K:b'], ['DECRBY', 'K:b', '2147483648'], ['INCR', 'K:b'], ['GET', 'K:b'], ['SETRANGE', 'K:b', '0', '7'], ['INCR', 'K:b'], ['SET', 'K:c', '9'], ['INCR', 'K:c'], ['INCRBY', 'K:c', '90'], ['INCR', 'K:c'], ['GET', 'K:c']],
  // INCRBYFLOAT formatting and errors
  [['SET', 'K:a', '10.5'], ['INCRBYFLOAT', 'K:a', '0.1'], ['INCRBYFLOAT', 'K:b', '3.0e3'], ['SET', 'K:c', '5.0e3'], ['INCRBYFLOAT', 'K:c', '2.0e2'], ['INCRBYFLOAT', 'K:d', '0.1'], ['INCRBYFLOAT', 'K:d', '0.2'], ['INCRBYFLOAT', 'K:d', '-0.3']],
  [['INCRBYFLOAT', 'K:a', '1e20'], ['INCRBYFLOAT', 'K:b', '1.5e-10'], ['INCRBYFLOAT', 'K:c', '1e-30'], ['INCRBYFLOAT', 'K:d', '-1e-20'], ['INCRBYFLOAT', 'K:e', '0.000003814697265625'], ['INCRBYFLOAT', 'K:f', '1.5e-17'], ['INCRBYFLOAT', 'K:f', '2.5e-17']],
  [['SET', 'K:a', '1e308'], ['INCRBYFLOAT', 'K:a', '1e308'], ['INCRBYFLOAT', 'K:b', '1e4000'], ['INCRBYFLOAT', 'K:c', '1e5000'], ['INCRBYFLOAT', 'K:c', '-1e4932'], ['INCRBYFLOAT', 'K:c', '1.18e4932'], ['INCRBYFLOAT', 'K:c', '1.18e4932']],
  [['INCRBYFLOAT', 'K:a', 'inf'], ['INCRBYFLOAT', 'K:a', '-inf'], ['INCRBYFLOAT', 'K:a', 'nan'], ['INCRBYFLOAT', 'K:a', 'infinity'], ['SET', 'K:b', 'inf'], ['INCRBYFLOAT', 'K:b', '1'], ['SET', 'K:b', '-INF'], ['INCRBYFLOAT', 'K:b', 'inf'], ['EXISTS', 'K:a']],
  [['INCRBYFLOAT', 'K:a', '0x10'], ['INCRBYFLOAT', 'K:a', '0x1p-2'], ['INCRBYFLOAT', 'K:a', '0X1.8P1'], ['INCRBYFLOAT', 'K:a', '0x'], ['INCRBYFLOAT', 'K:a', '0x.8'], ['INCRBYFLOAT', 'K:a', '0x1p'], ['INCRBYFLOAT', 'K:a', '1e'], ['INCRBYFLOAT', 'K:a', '.5'], ['INCRBYFLOAT', 'K:a', '5.'], ['INCRBYFLOAT', 'K:a', '+5'], ['INCRBYFLOAT', 'K:a', '.'], ['INCRBYFLOAT', 'K:a', '-.e1']],
  [['INCRBYFLOAT', 'K:a', ' 1'], ['INCRBYFLOAT', 'K:a', '1 '], ['INCRBYFLOAT', 'K:a', ''], ['INCRBYFLOAT', 'K:a', '1.5\x00x'], ['INCRBYFLOAT', 'K:a', '\x00'], ['SET', 'K:b', '\x00'], ['INCRBYFLOAT', 'K:b', '1'], ['SET', 'K:b', ''], ['INCRBYFLOAT', 'K:b', '1'], ['INCRBYFLOAT', 'K:a', '1e-4951'], ['INCRBYFLOAT', 'K:a', '3.6e-4951'], ['INCRBYFLOAT', 'K:a', '1e-5000'], ['INCRBYFLOAT', 'K:a', '0e-99999'], ['INCRBYFLOAT', 'K:a', '-0']],
  [['SET', 'K:a', '-0'], ['INCRBYFLOAT', 'K:a', '-0.0'], ['SET', 'K:a', '-0.0'], ['INCRBYFLOAT', 'K:a', '-0'], ['INCRBYFLOAT', 'K:b', '123456789012345678901234567890'], ['INCRBYFLOAT', 'K:b', '0.5'], ['INCRBYFLOAT', 'K:c', LLMAX], ['INCRBYFLOAT', 'K:c', '1'], ['INCRBYFLOAT', 'K:d', '0.1e-16'], ['INCRBYFLOAT', 'K:e', '99999999999999999.5']],
  [['INCRBYFLOAT', 'K:a', '1' + '0'.repeat(5118)], ['INCRBYFLOAT', 'K:a', '1' + '0'.repeat(5119)], ['INCRBYFLOAT', 'K:b', '0.' + '0'.repeat(5000) + '1']],
  // LCS
  [['MSET', 'K:a', 'ohmytext', 'K:b', 'mynewtext'], ['LCS', 'K:a', 'K:b'], ['LCS', 'K:a', 'K:b', 'LEN'], ['LCS', 'K:a', 'K:b', 'IDX'], ['LCS', 'K:a', 'K:b', 'IDX', 'MINMATCHLEN', '4'], ['LCS', 'K:a', 'K:b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], ['LCS', 'K:a', 'K:b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'K:a', 'K:b', 'MINMATCHLEN', '-5', 'idx']],
  [['SET', 'K:a', 'abc'], ['LCS', 'K:a', 'K:missing'], ['LCS', 'K:missing', 'K:a', 'IDX'], ['LCS', 'K:a', 'K:a', 'IDX', 'WITHMATCHLEN'], ['LCS', 'K:a', 'K:b', 'LEN', 'IDX'], ['LCS', 'K:a', 'K:b', 'MINMATCHLEN'], ['LCS', 'K:a', 'K:b', 'MINMATCHLEN', 'x'], ['LCS', 'K:a', 'K:b', 'FOO'], ['LCS', 'K:a', 'K:b', 'LEN', 'LEN']],
  [['LPUSH', 'K:l', 'x'], ['SET', 'K:s', 's'], ['LCS', 'K:l', 'K:s'], ['LCS', 'K:s', 'K:l', 'FOO'], ['LCS', 'K:s', 'K:missing', 'FOO']],
  [['SET', 'K:a', 'x'.repeat(12000)], ['SET', 'K:b', 'y'.repeat(12000)], ['LCS', 'K:a', 'K:b'], ['LCS', 'K:a', 'K:b', 'LEN']],
  [['SET', 'K:a', BIN + 'abc' + BIN], ['SET', 'K:b', 'zz' + BIN + 'q' + BIN], ['LCS', 'K:a', 'K:b'], ['LCS', 'K:a', 'K:b', 'IDX', 'WITHMATCHLEN']],
  // SETBIT / GETBIT
  [['SETBIT', 'K:a', '7', '1'], ['GET', 'K:a'], ['SETBIT', 'K:a', '7', '0'], ['GETBIT', 'K:a', '7'], ['SETBIT', 'K:a', '100', '1'], ['STRLEN', 'K:a'], ['GETBIT', 'K:a', '100'], ['GETBIT', 'K:a', '1000'], ['GETBIT', 'K:missing', '0']],
  [['SETBIT', 'K:a', '-1', '1'], ['SETBIT', 'K:a', 'x', '1'], ['SETBIT', 'K:a', '0', '2'], ['SETBIT', 'K:a', '0', '-1'], ['SETBIT', 'K:a', '0', 'x'], ['SETBIT', 'K:a', 'x', 'y'], ['SETBIT', 'K:a', '4294967296', '1'], ['GETBIT', 'K:a', '4294967296'], ['GETBIT', 'K:a', '-1'], ['GETBIT', 'K:a', '4294967295'], ['EXISTS', 'K:a']],
  [['LPUSH', 'K:l', 'x'], ['SETBIT', 'K:l', '0', '1'], ['SETBIT', 'K:l', 'x', '1'], ['SETBIT', 'K:l', '0', '5'], ['GETBIT', 'K:l', '0'], ['GETBIT', 'K:l', 'x']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['SETBIT', 'K:a', '3', '1'], ['TTL', 'K:a'], ['SET', 'K:n', '12'], ['SETBIT', 'K:n', '7', '0'], ['GET', 'K:n'], ['GETBIT', 'K:n', '2']],
  // BITCOUNT
  [['SET', 'K:a', 'foobar'], ['BITCOUNT', 'K:a'], ['BITCOUNT', 'K:a', '0', '0'], ['BITCOUNT', 'K:a', '1', '1'], ['BITCOUNT', 'K:a', '1', '1', 'BYTE'], ['BITCOUNT', 'K:a', '5', '30', 'BIT'], ['BITCOUNT', 'K:a', '-2', '-1'], ['BITCOUNT', 'K:a', '-1', '-5'], ['BITCOUNT', 'K:a', '0', '-100'], ['BITCOUNT', 'K:a', '-100', '-1', 'BIT'], ['BITCOUNT', 'K:a', '3', '1']],
  [['SET', 'K:a', 'foobar'], ['BITCOUNT', 'K:a', '0'], ['BITCOUNT', 'K:a', '0', '1', 'BIT', 'x'], ['BITCOUNT', 'K:a', '0', '1', 'foo'], ['BITCOUNT', 'K:a', '-1', '-5', 'foo'], ['BITCOUNT', 'K:a', 'x', '1'], ['BITCOUNT', 'K:a', '1', 'x', 'foo'], ['BITCOUNT', 'K:a', '0', '1', 'bit\x00x'], ['BITCOUNT', 'K:a', LLMIN, LLMAX, 'BIT']],
  [['BITCOUNT', 'K:missing'], ['BITCOUNT', 'K:missing', 'a', 'b', 'c', 'd'], ['BITCOUNT', 'K:missing', '0'], ['LPUSH', 'K:l', 'x'], ['BITCOUNT', 'K:l'], ['BITCOUNT', 'K:l', 'x']],
  [['SET', 'K:e', ''], ['BITCOUNT', 'K:e'], ['BITCOUNT', 'K:e', '0', '-1'], ['BITPOS', 'K:e', '0'], ['BITPOS', 'K:e', '1'], ['BITPOS', 'K:e', '0', '0']],
  // BITPOS
  [['SET', 'K:a', '\xff\xf0\x00'], ['BITPOS', 'K:a', '0'], ['BITPOS', 'K:a', '1', '2'], ['BITPOS', 'K:a', '1', '1', '1'], ['BITPOS', 'K:a', '0', '2', '-1'], ['BITPOS', 'K:a', '0', '7', '15', 'BIT'], ['BITPOS', 'K:a', '1', '7', '15', 'BIT'], ['BITPOS', 'K:a', '1', '12', '-1', 'BIT'], ['BITPOS', 'K:a', '0', '0', '0']],
  [['SET', 'K:f', '\xff\xff'], ['BITPOS', 'K:f', '0'], ['BITPOS', 'K:f', '0', '0'], ['BITPOS', 'K:f', '0', '0', '-1'], ['BITPOS', 'K:f', '0', '0', '15', 'BIT'], ['BITPOS', 'K:f', '0', '3', '100', 'BIT'], ['BITPOS', 'K:f', '1', '3', '100', 'BIT'], ['BITPOS', 'K:f', '1', '20', '100', 'BIT'], ['BITPOS', 'K:f', '0', '-1'], ['BITPOS', 'K:f', '1', '-1', '-2']],
  [['SET', 'K:a', 'x'], ['BITPOS', 'K:a', '2'], ['BITPOS', 'K:a', 'x'], ['BITPOS', 'K:a', '1', '0', '1', 'foo'], ['BITPOS', 'K:a', '1', 'x', '1', 'foo'], ['BITPOS', 'K:a', '1', '0', 'x', 'foo'], ['BITPOS', 'K:a', '1', '0', '1', 'BIT', 'x'], ['BITPOS', 'K:a', '-1']],
  [['BITPOS', 'K:missing', '0'], ['BITPOS', 'K:missing', '1'], ['BITPOS', 'K:missing', '2'], ['BITPOS', 'K:missing', '1', 'a', 'b', 'c', 'd'], ['LPUSH', 'K:l', 'x'], ['BITPOS', 'K:l', '1'], ['BITPOS', 'K:l', '2'], ['BITPOS', 'K:l', '1', 'x']],
  // BITOP
  [['SET', 'K:a', 'foobar'], ['SET', 'K:b', 'abcdef'], ['BITOP', 'AND', 'K:d', 'K:a', 'K:b'], ['GET', 'K:d'], ['BITOP', 'OR', 'K:d', 'K:a', 'K:b'], ['GET', 'K:d'], ['BITOP', 'XOR', 'K:d', 'K:a', 'K:b', 'K:missing'], ['GET', 'K:d'], ['BITOP', 'NOT', 'K:d', 'K:a'], ['GET', 'K:d']],
  [['SET', 'K:a', 'ab'], ['SET', 'K:b', 'abcdefgh'], ['BITOP', 'AND', 'K:d', 'K:a', 'K:b'], ['GET', 'K:d'], ['BITOP', 'or', 'K:d', 'K:b', 'K:a'], ['GET', 'K:d'], ['BITOP', 'xor', 'K:d', 'K:b'], ['GET', 'K:d']],
  [['SET', 'K:d', 'old', 'EX', '100'], ['BITOP', 'AND', 'K:d', 'K:m1', 'K:m2'], ['EXISTS', 'K:d'], ['SET', 'K:d', 'old', 'EX', '100'], ['SET', 'K:a', 'x'], ['BITOP', 'OR', 'K:d', 'K:a'], ['TTL', 'K:d'], ['GET', 'K:d']],
  [['BITOP', 'NOT', 'K:d', 'K:a', 'K:b'], ['BITOP', 'FOO', 'K:d', 'K:a'], ['BITOP', 'AND\x00x', 'K:d', 'K:a'], ['LPUSH', 'K:l', 'x'], ['BITOP', 'AND', 'K:d', 'K:l'], ['BITOP', 'AND', 'K:l', 'K:missing'], ['EXISTS', 'K:l'], ['SET', 'K:s', 'v'], ['BITOP', 'OR', 'K:l', 'K:s'], ['GET', 'K:l']],
  [['SET', 'K:a', 'x'.repeat(100) + BIN], ['SET', 'K:b', 'y'.repeat(90)], ['SET', 'K:c', 'z'.repeat(120)], ['BITOP', 'AND', 'K:d', 'K:a', 'K:b', 'K:c'], ['GET', 'K:d'], ['BITOP', 'XOR', 'K:d', 'K:a', 'K:b', 'K:c'], ['GET', 'K:d'], ['BITOP', 'NOT', 'K:d', 'K:c'], ['GET', 'K:d']],
  // BITFIELD
  [['BITFIELD', 'K:a', 'SET', 'i8', '0', '-100'], ['BITFIELD', 'K:a', 'GET', 'i8', '0', 'GET', 'u8', '0', 'GET', 'u4', '4', 'GET', 'i4', '0'], ['GET', 'K:a'], ['BITFIELD', 'K:a', 'INCRBY', 'i8', '0', '300'], ['BITFIELD', 'K:a', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '300', 'INCRBY', 'i8', '0', '-1000']],
  [['BITFIELD', 'K:a', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1'], ['BITFIELD', 'K:a', 'GET', 'u2', '100'], ['STRLEN', 'K:a']],
  [['BITFIELD', 'K:a', 'OVERFLOW', 'FAIL', 'SET', 'u8', '800', '256'], ['EXISTS', 'K:a'], ['STRLEN', 'K:a'], ['BITFIELD', 'K:a', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'SET', 'i8', '8', '200', 'SET', 'i8', '16', '-200', 'SET', 'u8', '24', '300'], ['BITFIELD', 'K:a', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '-1', 'SET', 'i8', '8', '200', 'SET', 'u8', '24', '300', 'GET', 'u32', '0']],
  [['BITFIELD', 'K:a', 'SET', 'i64', '0', LLMIN], ['BITFIELD', 'K:a', 'INCRBY', 'i64', '0', '-1'], ['BITFIELD', 'K:a', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1'], ['BITFIELD', 'K:a', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '-1'], ['BITFIELD', 'K:a', 'SET', 'i64', '0', LLMAX, 'INCRBY', 'i64', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', LLMAX, 'INCRBY', 'i64', '0', LLMIN]],
  [['BITFIELD', 'K:a', 'SET', 'u63', '1', LLMAX], ['BITFIELD', 'K:a', 'GET', 'u63', '1', 'GET', 'i64', '0', 'GET', 'u63', '0'], ['BITFIELD', 'K:a', 'INCRBY', 'u63', '1', '1'], ['BITFIELD', 'K:a', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '1', LLMIN, 'INCRBY', 'u63', '1', LLMAX, 'INCRBY', 'u63', '1', '5'], ['BITFIELD', 'K:a', 'OVERFLOW', 'SAT', 'SET', 'u63', '0', '-1', 'SET', 'u1', '70', '-1', 'SET', 'i1', '70', '1', 'GET', 'i1', '70']],
  [['BITFIELD', 'K:a', 'SET', 'u8', '#1', '255', 'SET', 'u8', '#0', '1', 'GET', 'u16', '#0', 'GET', 'u8', '#2'], ['GET', 'K:a'], ['BITFIELD', 'K:a', 'GET', 'u8', '#-1'], ['BITFIELD', 'K:a', 'GET', 'u8', '#x'], ['BITFIELD', 'K:a', 'GET', 'u8', '##1'], ['BITFIELD', 'K:a', 'GET', 'u8', '#'], ['BITFIELD', 'K:a', 'GET', 'u64', '#288230376151711745']],
  [['BITFIELD', 'K:a', 'GET', 'u64', '0'], ['BITFIELD', 'K:a', 'GET', 'i65', '0'], ['BITFIELD', 'K:a', 'GET', 'i0', '0'], ['BITFIELD', 'K:a', 'GET', 'x8', '0'], ['BITFIELD', 'K:a', 'GET', 'I8', '0'], ['BITFIELD', 'K:a', 'GET', 'i08', '0'], ['BITFIELD', 'K:a', 'GET', 'i', '0'], ['BITFIELD', 'K:a', 'GET', 'i8\x00x', '0'], ['BITFIELD', 'K:a', 'GET', '', '0'], ['BITFIELD', 'K:a', 'GET', 'i-1', '0']],
  [['BITFIELD', 'K:a', 'GET', 'i8', '-1'], ['BITFIELD', 'K:a', 'GET', 'i8', 'x'], ['BITFIELD', 'K:a', 'GET', 'i8', '4294967296'], ['BITFIELD', 'K:a', 'GET', 'i8', '4294967295'], ['BITFIELD', 'K:a', 'SET', 'i8', '0', 'x'], ['BITFIELD', 'K:a', 'SET', 'i8', '0'], ['BITFIELD', 'K:a', 'GET', 'i8'], ['BITFIELD', 'K:a', 'FOO', 'i8', '0'], ['BITFIELD', 'K:a', 'OVERFLOW', 'FOO'], ['BITFIELD', 'K:a', 'OVERFLOW'], ['BITFIELD', 'K:a', 'GET', 'i8', '0', 'SET', 'x8', '0', '1'], ['EXISTS', 'K:a']],
  [['BITFIELD', 'K:a'], ['EXISTS', 'K:a'], ['BITFIELD', 'K:a', 'OVERFLOW', 'SAT'], ['EXISTS', 'K:a'], ['BITFIELD', 'K:a', 'get', 'i8', '0', 'overflow', 'fail', 'incrby', 'u8', '0', '1'], ['BITFIELD_RO', 'K:a', 'GET', 'u8', '0'], ['BITFIELD_RO', 'K:a', 'SET', 'u8', '0', '1'], ['BITFIELD_RO', 'K:a', 'INCRBY', 'u8', '0', '1', 'GET', 'x', '0'], ['BITFIELD_RO', 'K:a'], ['BITFIELD_RO', 'K:a', 'OVERFLOW', 'WRAP']],
  [['LPUSH', 'K:l', 'x'], ['BITFIELD', 'K:l', 'GET', 'u8', '0'], ['BITFIELD', 'K:l', 'SET', 'u8', '0', '1'], ['BITFIELD', 'K:l'], ['BITFIELD_RO', 'K:l', 'GET', 'u8', '0'], ['BITFIELD', 'K:l', 'GET', 'x', '0']],
  [['SET', 'K:a', 'v', 'EX', '100'], ['BITFIELD', 'K:a', 'SET', 'u8', '0', '65'], ['TTL', 'K:a'], ['GET', 'K:a'], ['BITFIELD', 'K:b', 'INCRBY', 'i5', '100', '1', 'GET', 'u4', '0', 'INCRBY', 'u7', '3', '1000', 'OVERFLOW', 'WRAP', 'INCRBY', 'i33', '7', '-9999999999']],
  // OBJECT ENCODING: values modified in place become "raw" (INCRBYFLOAT's "embstr" for integer-looking results is a known difference)
  [
    ['SET', 'K:a', 'abc'], ['APPEND', 'K:a', ''], ['OBJECT', 'ENCODING', 'K:a'], ['APPEND', 'K:b', ''], ['OBJECT', 'ENCODING', 'K:b'], ['APPEND', 'K:c', '12'], ['OBJECT', 'ENCODING', 'K:c'],
    ['SET', 'K:d', 'abc'], ['SETRANGE', 'K:d', '0', ''], ['OBJECT', 'ENCODING', 'K:d'], ['SETRANGE', 'K:d', '0', 'x'], ['OBJECT', 'ENCODING', 'K:d'], ['SETRANGE', 'K:e', '0', '12'], ['OBJECT', 'ENCODING', 'K:e'],
    ['SET', 'K:f', '12'], ['SETBIT', 'K:f', '7', '0'], ['OBJECT', 'ENCODING', 'K:f'], ['SETBIT', 'K:g', '1', '1'], ['OBJECT', 'ENCODING', 'K:g'],
    ['SET', 'K:h', 'abc'], ['BITFIELD', 'K:h', 'GET', 'u8', '0'], ['OBJECT', 'ENCODING', 'K:h'], ['BITFIELD', 'K:h', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '999'], ['OBJECT', 'ENCODING', 'K:h'],
    ['SET', 'K:i', '1'], ['BITOP', 'NOT', 'K:j', 'K:i'], ['OBJECT', 'ENCODING', 'K:j'], ['INCR', 'K:i'], ['OBJECT', 'ENCODING', 'K:i'], ['SET', 'K:k', '123456789012345678'], ['INCR', 'K:k'], ['OBJECT', 'ENCODING', 'K:k'],
    ['GETSET', 'K:i', '77'], ['OBJECT', 'ENCODING', 'K:i'], ['MSET', 'K:i', 'x'.repeat(50)], ['OBJECT', 'ENCODING', 'K:i'], ['GETEX', 'K:a', 'PERSIST'], ['OBJECT', 'ENCODING', 'K:a'],
  ],
  // bitmaps written in place keep behaving as plain strings for every other command
  [
    ['SETBIT', 'K:a', '100', '1'], ['SETRANGE', 'K:a', '2', 'xy'], ['BITFIELD', 'K:a', 'SET', 'u8', '0', '65'], ['COPY', 'K:a', 'K:b'], ['SETBIT', 'K:b', '7', '0'], ['GET', 'K:a'], ['GET', 'K:b'],
    ['RENAME', 'K:a', 'K:c'], ['SETBIT', 'K:c', '8', '1'], ['GETBIT', 'K:c', '8'], ['GET', 'K:c'], ['APPEND', 'K:c', 'zz'], ['SETBIT', 'K:c', '0', '0'], ['GET', 'K:c'], ['STRLEN', 'K:c'],
    ['OBJECT', 'ENCODING', 'K:b'], ['OBJECT', 'ENCODING', 'K:c'], ['INCR', 'K:c'], ['SET', 'K:d', '5'], ['SETBIT', 'K:d', '6', '1'], ['INCR', 'K:d'], ['GET', 'K:d'], ['TYPE', 'K:c'], ['LCS', 'K:c', 'K:b'],
  ],
  // wrong number of arguments
  [['GET'], ['SET', 'K:a'], ['GETRANGE', 'K:a', '0'], ['SETBIT', 'K:a', '0'], ['BITOP', 'AND', 'K:d'], ['LCS', 'K:a'], ['MGET'], ['INCRBY', 'K:a'], ['GETEX'], ['BITFIELD']],
];

/** mulberry32: a small, seedable PRNG so random sequences can be replayed from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random command sequence over a handful of keys, mixing values that stress edge cases. */
function randomSequence(rand: () => number, length: number): Seq {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const keysPool = ['K:a', 'K:b', 'K:c', 'K:d'];
  const key = () => pick(keysPool);
  const bytes = () => {
    let s = '';
    const n = int(0, 12);
    for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.5 ? int(0, 255) : pick([0, 0x80, 0xff, 13, 10, 48, 49, 97]));
    return s;
  };
  const intText = () =>
    pick([
      () => String(int(-1000, 1000)),
      () => pick([LLMAX, LLMIN, '9223372036854775806', '-9223372036854775807', '0', '-1', '1']),
      () => String(int(-(2 ** 40), 2 ** 40)),
      () => pick(['x', '', '1.5', ' 1', '01', '-0', '9223372036854775808']),
    ])();
  const floatText = () =>
    pick([
      () => (rand() * 2000 - 1000).toFixed(int(0, 6)),
      () => `${int(-99, 99)}e${int(-30, 30)}`,
      () => `${int(1, 9)}.${int(0, 999)}e${int(-5, 20)}`,
      () => pick(['0.1', '0.2', '-0.3', '1e308', '1e-308', '3.0e3', 'inf', 'nan', 'abc', '0x1p3', '.5', '5.', '1e4000', '-1e4000']),
      () => String(rand() * 10 ** int(-20, 25)),
    ])();
  const index = () => String(pick([int(-20, 20), int(-200, 200), 0, -1]));
  const value = () => pick([bytes, intText, floatText, () => 'foobar', () => ''])();
  const ftype = () => (rand() < 0.5 ? `i${int(1, 64)}` : `u${int(1, 63)}`);
  const foffset = () => (rand() < 0.2 ? `#${int(0, 10)}` : String(int(0, 100)));
  const gens: (() => string[])[] = [
    () => ['SET', key(), value()],
    () => ['SET', key(), value(), ...pick([['NX'], ['XX'], ['GET'], ['NX', 'GET'], ['XX', 'GET'], ['KEEPTTL'], ['EX', '100'], ['PX', '100000', 'GET']])],
    () => ['GET', key()],
    () => ['APPEND', key(), value()],
    () => ['STRLEN', key()],
    () => ['GETRANGE', key(), index(), index()],
    () => ['SETRANGE', key(), String(int(0, 20)), bytes()],
    () => ['INCR', key()],
    () => ['DECR', key()],
    () => ['INCRBY', key(), intText()],
    () => ['DECRBY', key(), intText()],
    () => ['INCRBYFLOAT', key(), floatText()],
    () => ['INCRBYFLOAT', key(), floatText()],
    () => ['GETSET', key(), value()],
    () => ['GETDEL', key()],
    () => ['MSET', key(), value(), key(), value()],
    () => ['MSETNX', key(), value(), key(), value()],
    () => ['MGET', key(), key(), key()],
    () => ['SETNX', key(), value()],
    () => ['SETBIT', key(), String(int(0, 80)), String(int(0, 1))],
    () => ['GETBIT', key(), String(int(0, 100))],
    () => ['BITCOUNT', key()],
    () => ['BITCOUNT', key(), index(), index(), ...(rand() < 0.5 ? [pick(['BIT', 'BYTE'])] : [])],
    () => ['BITPOS', key(), String(int(0, 1))],
    () => ['BITPOS', key(), String(int(0, 1)), index()],
    () => ['BITPOS', key(), String(int(0, 1)), index(), index(), ...(rand() < 0.5 ? [pick(['BIT', 'BYTE'])] : [])],
    () => ['BITOP', pick(['AND', 'OR', 'XOR']), key(), key(), key(), key()],
    () => ['BITOP', 'NOT', key(), key()],
    () => ['LCS', key(), key(), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', String(int(0, 3))]])],
    () => ['BITFIELD', key(), 'GET', ftype(), foffset()],
    () => [
      'BITFIELD',
      key(),
      'OVERFLOW',
      pick(['WRAP', 'SAT', 'FAIL']),
      pick(['SET', 'INCRBY']),
      ftype(),
      foffset(),
      intText(),
      'GET',
      ftype(),
      foffset(),
    ],
    () => ['BITFIELD_RO', key(), 'GET', ftype(), foffset()],
  ];
  const seq: Seq = [];
  for (let i = 0; i < length; i++) seq.push(pick(gens)());
  return seq;
}

/** Focused random sequences: long float chains, dense bitmap ranges, LCS over tiny alphabets, bitfield edges. */
function focusedSequence(rand: () => number, kind: number): Seq {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const seq: Seq = [];
  if (kind === 0) {
    const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
    const num = () =>
      pick([
        () => `${pick(['', '-', '+'])}${digits(int(1, 25))}.${digits(int(0, 25))}`,
        () => `${pick(['', '-'])}${int(1, 9)}.${digits(int(0, 20))}e${int(-40, 40)}`,
        () => `${pick(['', '-'])}0.${'0'.repeat(int(0, 20))}${digits(int(1, 5))}`,
        () => `${pick(['', '-'])}0x${int(1, 0xffffff).toString(16)}${pick(['', '.8', '.0001'])}p${int(-80, 80)}`,
        () => `${pick(['', '-'])}${int(1, 9)}e${pick([300, 308, 309, 400, 1000, 4931, 4932, 4933, -300, -4940, -4950, -4951])}`,
        () => String(rand() * 10 ** int(-18, 20) * (rand() < 0.5 ? -1 : 1)),
      ])();
    if (rand() < 0.5) seq.push(['SET', 'K:f', num()]);
    for (let i = 0; i < 30; i++) seq.push(['INCRBYFLOAT', 'K:f', num()]);
    seq.push(['GET', 'K:f']);
  } else if (kind === 1) {
    const n = int(0, 40);
    let v = '';
    for (let i = 0; i < n; i++) v += String.fromCharCode(pick([0, 0xff, 0x80, 0x01, 0x7f, int(0, 255)]));
    seq.push(['SET', 'K:b', v]);
    const idx = () => String(pick([int(-50, 50), int(-400, 400), int(-5, 5)]));
    for (let i = 0; i < 25; i++) {
      const unit = pick([[], [], ['BYTE'], ['BIT'], ['bit']]);
      if (rand() < 0.5) seq.push(['BITCOUNT', 'K:b', idx(), idx(), ...unit]);
      else if (unit.length > 0 || rand() < 0.5) seq.push(['BITPOS', 'K:b', String(int(0, 1)), idx(), idx(), ...unit]);
      else seq.push(['BITPOS', 'K:b', String(int(0, 1)), ...(rand() < 0.5 ? [idx()] : [])]);
    }
  } else if (kind === 2) {
    const str = () => {
      const alphabet = pick(['ab', 'abc', 'abcdefgh', 'a\x00\xff']);
      return Array.from({ length: int(0, 30) }, () => alphabet[int(0, alphabet.length - 1)]).join('');
    };
    seq.push(['SET', 'K:x', str()], ['SET', 'K:y', str()]);
    for (let i = 0; i < 6; i++) {
      seq.push(['LCS', pick(['K:x', 'K:y']), pick(['K:x', 'K:y']), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', String(int(-1, 5)), 'WITHMATCHLEN']])]);
    }
  } else {
    const edge = () => pick(['0', '1', '-1', LLMAX, LLMIN, '9223372036854775806', '-9223372036854775807', String(2 ** int(0, 62)), String(-(2 ** int(0, 62))), String(int(-300, 300))]);
    for (let i = 0; i < 12; i++) {
      const bits = int(1, 64);
      const type = rand() < 0.5 || bits === 64 ? `i${bits}` : `u${bits}`;
      const off = rand() < 0.3 ? `#${int(0, 6)}` : String(int(0, 130));
      seq.push(['BITFIELD', 'K:z', 'OVERFLOW', pick(['WRAP', 'SAT', 'FAIL']), pick(['SET', 'INCRBY', 'INCRBY']), type, off, edge(), 'GET', type, off]);
    }
    seq.push(['GET', 'K:z']);
  }
  return seq;
}

function show(s: string): string {
  return JSON.stringify(s.length > 300 ? s.slice(0, 300) + '…' : s);
}

test('string and bitmap commands answer byte for byte like redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    console.warn(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const rc = await RawClient.connect(oracle.port);
  const oc = await RawClient.connect(srv.port);
  let skipped = 0;
  let compared = 0;
  let seqNo = 0;
  /** Runs one sequence on both servers; returns false if it was skipped. */
  async function run(seq: Seq, label: string): Promise<boolean> {
    const prefix = `t${process.pid}:${seqNo++}:`;
    const bound = bind(seq, prefix);
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const argv of bound) {
      const mine = await oc.call(...argv);
      if (mine.startsWith('-ERR unknown command')) {
        skipped++;
        return false;
      }
      ours.push(mine);
      theirs.push(await rc.call(...argv));
    }
    for (let i = 0; i < bound.length; i++) {
      compared++;
      if (ours[i] !== theirs[i]) {
        const context = seq
          .slice(0, i + 1)
          .map((a) => a.map(show).join(' '))
          .join('\n  ');
        assert.fail(`${label}: reply ${i} differs\n  ${context}\nredis:   ${show(theirs[i]!)}\nredoubt: ${show(ours[i]!)}`);
      }
    }
    return true;
  }
  try {
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i}`);
    // RESP3: nulls, maps (LCS IDX) and arrays in the other protocol
    const hello = await oc.call('HELLO', '3');
    if (hello.startsWith('%')) {
      await rc.call('HELLO', '3');
      const resp3 = (seq: Seq) => seq.some((a) => a.includes('IDX') || a[0] === 'MGET' || a.includes('FAIL') || a[0] === 'GETEX' || a[0] === 'BITFIELD');
      for (let i = 0; i < CASES.length; i++) if (resp3(CASES[i]!)) await run(CASES[i]!, `case ${i} (RESP3)`);
      await oc.call('HELLO', '2');
      await rc.call('HELLO', '2');
    }
    const seed = Number(process.env['STRINGS_DIFF_SEED'] ?? 20240607);
    const rand = prng(seed);
    for (let i = 0; i < 400; i++) await run(randomSequence(rand, 25), `random sequence ${i} (seed ${seed})`);
    for (let i = 0; i < 400; i++) await run(focusedSequence(rand, i % 4), `focused sequence ${i} (seed ${seed})`);
    t.diagnostic(`compared ${compared} replies; ${skipped} sequences skipped (commands Redoubt lacks)`);
    assert.ok(compared > 5000, `too few replies compared: ${compared}`);
  } finally {
    rc.close();
    oc.close();
    await srv.close();
    await oracle.stop();
  }
});
