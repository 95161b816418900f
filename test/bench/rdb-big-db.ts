/**
 * An RDB file with more than 2^24 keys in one database, read back (a report, not a test; not
 * in npm test; issue 17). Until session 7 the reader's duplicate-key check was a V8 Set,
 * which throws "Set maximum size exceeded" at 2^24 entries, so such a file could be written
 * but never loaded. Builds the image in memory (tiny keys, so ~1.5 GiB of heap suffices),
 * reads it with RdbReader and counts the keys; first shows the plain Set failing at 2^24.
 *
 *   node --max-old-space-size=4000 dist/test/bench/rdb-big-db.js [keys, default 2^24 + 1000]
 */
import { RdbWriter } from '../../src/persistence/rdb/rdb-writer.js';
import { RdbReader } from '../../src/persistence/rdb/rdb-reader.js';

const N = Number(process.argv[2] ?? 2 ** 24 + 1000);

// what the reader used to hold its keys in
const plain = new Set<number>();
let setLimit = 0;
try {
  for (let i = 0; i <= 2 ** 24; i++) plain.add(i);
} catch (e) {
  setLimit = plain.size;
  console.log(`a plain Set: ${(e as Error).message} at ${setLimit.toLocaleString('en-US')} entries`);
}
plain.clear();

const started = performance.now();
const w = new RdbWriter({ compression: false, checksum: false });
const parts: Buffer[] = [w.header({ ctime: 0, usedMem: 0 }), w.selectDb(0, N, 0)];
// records written by hand (type 0 = string, 6-bit lengths): the writer's per-key path is not
// what is measured here; keys "k" + base-36 index (at most 6 characters), values "v"
const CHUNK = 1 << 20;
let buf = Buffer.allocUnsafe(CHUNK);
let pos = 0;
for (let i = 0; i < N; i++) {
  if (pos + 16 > CHUNK) {
    parts.push(buf.subarray(0, pos));
    buf = Buffer.allocUnsafe(CHUNK);
    pos = 0;
  }
  const key = `k${i.toString(36)}`;
  buf[pos++] = 0;
  buf[pos++] = key.length;
  pos += buf.write(key, pos, 'latin1');
  buf[pos++] = 1;
  buf[pos++] = 0x76;
}
parts.push(buf.subarray(0, pos), w.footer());
const image = Buffer.concat(parts);
console.log(`image: ${N.toLocaleString('en-US')} keys, ${(image.length / 2 ** 20).toFixed(0)} MiB, built in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const t = performance.now();
const reader = RdbReader.fromBuffer(image, { verifyChecksum: false });
let keys = 0;
let last = '';
for (;;) {
  const rec = reader.next();
  if (rec === null || rec.kind === 'eof') break;
  if (rec.kind === 'key') {
    keys++;
    last = rec.key;
  }
}
const ok = keys === N && last === `k${(N - 1).toString(36)}` && (setLimit === 0 || N > setLimit);
console.log(`read back: ${keys.toLocaleString('en-US')} keys in ${((performance.now() - t) / 1000).toFixed(1)} s, last ${last}: ${ok ? 'ok' : 'FAILED'}`);
if (!ok) process.exitCode = 1;
