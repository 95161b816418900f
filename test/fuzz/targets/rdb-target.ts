/**
 * Fuzz targets: the RDB decoders. `restore` mutates valid DUMP payloads (RESTORE's
 * decoder, decodeDumpPayload) and `rdb` mutates whole RDB images (RdbReader, what start-up
 * loading and DEBUG RELOAD use): bit flips, byte changes, insertions, deletions,
 * duplications, truncations; the checksum is then recomputed so the decoder is reached.
 * Oracle: a value (or records) or an RdbFormatError — never another exception — within a
 * generous time bound; and any value accepted can be written back (DUMP of it works).
 */
import { Crc64 } from '../../../src/persistence/rdb/crc64.js';
import { createDumpPayload, decodeDumpPayload } from '../../../src/persistence/rdb/dump-payload.js';
import { RdbFormatError } from '../../../src/persistence/rdb/rdb-error.js';
import { RdbReader } from '../../../src/persistence/rdb/rdb-reader.js';
import { assertWithin, type FuzzTarget } from '../harness/fuzz-harness.js';
import { applyMutations, randomMutations, type Mutation } from '../harness/mutate.js';
import { samplePayloads, sampleRdbImages } from '../harness/rdb-samples.js';

export interface LoaderInput {
  /** index of the valid sample the mutations start from */
  base: number;
  mutations: Mutation[];
}

/** Per-input bound: decoding a few KB must never take long, even on a busy machine. */
const MAX_MS = 3000;

/** Sets the DUMP footer's CRC-64 after a mutation (payloads under 10 bytes are left as they are). */
function fixDumpCrc(p: Buffer): Buffer {
  if (p.length < 10) return p;
  new Crc64().update(p, 0, p.length - 8).digestBytes().copy(p, p.length - 8);
  return p;
}

/** Sets an RDB image's trailing CRC-64 (the last 8 bytes are the checksum of the rest). */
function fixRdbCrc(img: Buffer): Buffer {
  if (img.length < 17) return img;
  new Crc64().update(img, 0, img.length - 8).digestBytes().copy(img, img.length - 8);
  return img;
}

/** The oracle on one DUMP payload (also used for the fixed regression payloads). */
export function checkPayload(payload: Buffer): void {
  const t0 = performance.now();
  try {
    const v = decodeDumpPayload(payload);
    if (v !== null) createDumpPayload(v);
  } catch (e) {
    if (!(e instanceof RdbFormatError)) throw e;
  }
  assertWithin('decoding the payload', performance.now() - t0, MAX_MS);
}

/** The oracle on one RDB image. */
export function checkRdbImage(img: Buffer): void {
  const t0 = performance.now();
  try {
    const r = RdbReader.fromBuffer(img);
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      if (rec.kind === 'key') createDumpPayload(rec.value);
    }
  } catch (e) {
    if (!(e instanceof RdbFormatError)) throw e;
  }
  assertWithin('reading the RDB image', performance.now() - t0, MAX_MS);
}

function loaderTarget(name: string, samples: Buffer[], fix: (b: Buffer) => Buffer, check: (b: Buffer) => void): FuzzTarget<LoaderInput, Mutation> {
  const build = (input: LoaderInput): Buffer => fix(applyMutations(samples[input.base]!, input.mutations));
  return {
    name,
    generate: (rng) => ({ base: rng.int(samples.length), mutations: randomMutations(rng, 4) }),
    check: (input) => check(build(input)),
    split: (input) => input.mutations,
    join: (mutations, original) => ({ base: original.base, mutations }),
    show: (input) => `{ base: ${input.base}, mutations: ${JSON.stringify(input.mutations)} } → hex ${build(input).toString('hex')}`,
  };
}

export function restoreTarget(): FuzzTarget<LoaderInput, Mutation> {
  return loaderTarget('restore', samplePayloads(), (b) => fixDumpCrc(b), checkPayload);
}

export function rdbTarget(): FuzzTarget<LoaderInput, Mutation> {
  return loaderTarget('rdb', sampleRdbImages(), (b) => fixRdbCrc(b), checkRdbImage);
}
