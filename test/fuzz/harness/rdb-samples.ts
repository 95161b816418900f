/**
 * Valid RDB material for the loader fuzz targets: values of every type in every encoding
 * Redoubt writes (small and large, compressed or not), and the older object types Redis
 * wrote before RDB 10 (ziplist, zipmap, intset, quicklist of ziplists, ASCII scores),
 * built by hand, as DUMP payloads and as whole RDB images.
 */
import type { Value } from '../../../src/keyspace/value-types.js';
import { ByteSink } from '../../../src/persistence/rdb/byte-sink.js';
import { Crc64 } from '../../../src/persistence/rdb/crc64.js';
import { encodeValue } from '../../../src/persistence/rdb/value-encoder.js';
import { RdbWriter } from '../../../src/persistence/rdb/rdb-writer.js';
import { hashValue, listValue, setValue, streamValue, stringValue, zsetValue } from '../../helpers/aof-sample-values.js';

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

/** Values of every type, in each encoding the writer chooses by size and content. */
export function sampleValues(): Value[] {
  return [
    stringValue('abc'),
    stringValue('12345'),
    stringValue('-9223372036854775808'),
    stringValue('a'.repeat(120)),
    stringValue('\x00\xff\r\n binary'),
    listValue(['a', '1', '-7', 'xyz', '']),
    listValue(range(300, (i) => `item-${i}-${'v'.repeat(i % 40)}`)),
    setValue(['1', '2', '3', '-5', '100000', '4294967296']),
    setValue(['a', 'b', 'c']),
    setValue(range(200, (i) => `m${i}`)),
    zsetValue([
      ['a', 1],
      ['b', 2.5],
      ['c', -3],
    ]),
    zsetValue(range(200, (i) => `z${i}`).map((m, i): [string, number] => [m, i === 0 ? Infinity : i === 1 ? -Infinity : i / 7])),
    hashValue([
      ['f', 'v'],
      ['n', '5'],
    ]),
    hashValue(range(200, (i) => `f${i}`).map((f, i): [string, string] => [f, 'x'.repeat(i % 70)])),
    streamValue(5, { deleted: [2], group: true }),
    streamValue(40, { deleted: [3, 4, 20] }),
    streamValue(1),
  ];
}

/** A ziplist of strings (6-bit lengths) and small integers (int16). */
function ziplist(items: (string | number)[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const it of items) {
    let body: Buffer;
    if (typeof it === 'number') {
      body = Buffer.alloc(3);
      body[0] = 0xc0;
      body.writeInt16LE(it, 1);
    } else {
      body = Buffer.concat([Buffer.from([it.length]), Buffer.from(it, 'latin1')]);
    }
    const entry = Buffer.concat([Buffer.from([prev]), body]);
    parts.push(entry);
    prev = entry.length;
  }
  const all = Buffer.concat(parts);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + all.length + 1, 0);
  head.writeUInt32LE(10, 4);
  head.writeUInt16LE(items.length, 8);
  return Buffer.concat([head, all, Buffer.from([0xff])]);
}

function intset(values: number[]): Buffer {
  const b = Buffer.alloc(8 + values.length * 2);
  b.writeUInt32LE(2, 0);
  b.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => b.writeInt16LE(v, 8 + i * 2));
  return b;
}

/** Old object types: [type byte, writer of the object after the type (and key)]. */
const OLD_OBJECTS: Array<[number, (s: ByteSink) => void]> = [
  [10, (s) => s.blob(ziplist(['a', 7, 'c']))],
  [13, (s) => s.blob(ziplist(['f', 'v', 'n', 5]))],
  [12, (s) => s.blob(ziplist(['m', '1.5', 'n', -2]))],
  [11, (s) => s.blob(intset([-3, 1, 2, 900]))],
  [9, (s) => s.blob(Buffer.concat([Buffer.from([1, 1]), Buffer.from('f'), Buffer.from([2, 0]), Buffer.from('vv'), Buffer.from([0xff])]))],
  [
    14,
    (s) => {
      s.len(2);
      s.blob(ziplist(['x', 'y']));
      s.blob(ziplist(['z']));
    },
  ],
  [
    3,
    (s) => {
      s.len(2);
      s.string('a');
      s.u8(3);
      s.bytes(Buffer.from('1.5'));
      s.string('b');
      s.u8(254);
    },
  ],
  [
    1,
    (s) => {
      s.len(2);
      s.string('p');
      s.string('q');
    },
  ],
];

function footer(body: Buffer, version: number): Buffer {
  const v = Buffer.alloc(2);
  v.writeUInt16LE(version, 0);
  const withVersion = Buffer.concat([body, v]);
  return Buffer.concat([withVersion, new Crc64().update(withVersion).digestBytes()]);
}

/** DUMP payloads: every sample value compressed and not, and the old object types (version 9). */
export function samplePayloads(): Buffer[] {
  const out: Buffer[] = [];
  for (const v of sampleValues()) {
    for (const compression of [false, true]) {
      const s = new ByteSink(compression, 64);
      encodeValue(s, v);
      out.push(footer(s.take(), 10));
    }
  }
  for (const [type, write] of OLD_OBJECTS) {
    const s = new ByteSink(false, 64);
    s.u8(type);
    write(s);
    out.push(footer(s.take(), 9));
  }
  return out;
}

/** Whole RDB images: all sample values in two databases with expiries and AUX fields, and an old-format file. */
export function sampleRdbImages(): Buffer[] {
  const images: Buffer[] = [];
  for (const compression of [false, true]) {
    const w = new RdbWriter({ compression, checksum: true, evictionMeta: compression ? 'lru' : 'lfu' });
    const parts = [w.header({ ctime: 1700000000, usedMem: 12345, extra: [['x-aux', 'y']] }), w.selectDb(0, 20, 2)];
    sampleValues().forEach((v, i) => parts.push(w.entry(`key:${i}`, v, i % 5 === 0 ? 1900000000000 + i : undefined, 1700000000000)));
    parts.push(w.selectDb(3));
    parts.push(w.entry('other', stringValue('x')));
    parts.push(w.footer());
    images.push(Buffer.concat(parts));
  }
  const s = new ByteSink(false, 256);
  s.bytes(Buffer.from('REDIS0009', 'latin1'));
  s.u8(0xfe);
  s.len(0);
  OLD_OBJECTS.forEach(([type, write], i) => {
    s.u8(type);
    s.string(`old:${i}`);
    write(s);
  });
  s.u8(0xff);
  const body = s.take();
  images.push(Buffer.concat([body, new Crc64().update(body).digestBytes()]));
  return images;
}
