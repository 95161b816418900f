/**
 * PFDEBUG GETREG|DECODE|ENCODING|TODENSE key and PFSELFTEST (hyperloglog.c), over the same
 * HLL bytes PFADD writes (types/hyperloglog.ts).
 *
 * GETREG and TODENSE turn a sparse HLL dense, as Redis does, writing the value back (the
 * key is modified: WATCH, dirty, propagation of the command itself). PFSELFTEST checks the
 * dense register packing on random values, then adds elements to a dense and a sparse HLL
 * side by side, requiring the sparse one to stay sparse while small, both to agree, and the
 * estimate to stay within Redis's bound at each power of ten. Redis goes to 10^7 elements;
 * Redoubt stops at 10^5 (the server does nothing else meanwhile) — the reply is the same.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandError, errors } from '../errors.js';
import { Hll, HLL_HDR_SIZE, HLL_REGISTERS, isHllString } from '../types/hyperloglog.js';
import type { StringValue } from '../keyspace/value-types.js';

const REGISTER_MAX = 63;
/** Register-packing cycles (Redis: 1000) and the largest checkpoint (Redis: 10^7). */
const SELFTEST_CYCLES = 20;
const SELFTEST_ELEMENTS = 100_000;

function hllOf(ctx: CommandContext, key: string): StringValue {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) throw new CommandError(errors.pfdebugNoKey);
  if (e.v.type !== 'string') throw new CommandError(errors.wrongType);
  if (!isHllString(e.v.value)) throw new CommandError(errors.hllWrongType);
  return e.v;
}

/** Sparse → dense, written back into the value; false when the sparse data is corrupt. */
function densify(ctx: CommandContext, key: string, v: StringValue, h: Hll): boolean {
  if (!h.toDense()) return false;
  v.value = h.toString();
  v.raw = true;
  ctx.keyModified(ctx.db, key);
  return true;
}

/** The sparse opcodes as Redis's PFDEBUG DECODE prints them: "z:<n>", "Z:<n>", "v:<value>,<n>". */
function decodeSparse(s: string): string {
  const out: string[] = [];
  for (let p = HLL_HDR_SIZE; p < s.length; ) {
    const op = s.charCodeAt(p);
    if ((op & 0xc0) === 0) {
      out.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      const next = p + 1 < s.length ? s.charCodeAt(p + 1) : 0;
      out.push(`Z:${(((op & 0x3f) << 8) | next) + 1}`);
      p += 2;
    } else {
      out.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return out.join(' ');
}

export const pfdebug = defineCommand({
  name: 'pfdebug',
  arity: 3,
  flags: ['write', 'denyoom', 'admin'],
  categories: ['hyperloglog'],
  keySpecs: [keys.one(2, 'RW', 'ACCESS')],
  docs: {
    summary: 'Internal HyperLogLog debugging: registers, sparse opcodes, encoding.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'N/A',
    arguments: [
      { name: 'subcommand', type: 'string' },
      { name: 'key', type: 'key' },
    ],
  },
  run(ctx, argv): Reply {
    const sub = argv[1]!;
    const key = argv[2]!;
    const v = hllOf(ctx, key);
    const h = Hll.fromString(v.value);
    switch (sub.toLowerCase()) {
      case 'getreg': {
        if (!h.dense && !densify(ctx, key, v, h)) return reply.error(errors.hllInvalid);
        const regs = new Uint8Array(HLL_REGISTERS);
        h.mergeInto(regs);
        const out: Reply[] = new Array(HLL_REGISTERS);
        for (let j = 0; j < HLL_REGISTERS; j++) out[j] = reply.int(regs[j]!);
        return reply.array(out);
      }
      case 'decode':
        if (h.dense) return reply.error(errors.pfdebugNotSparse);
        return reply.bulk(decodeSparse(v.value));
      case 'encoding':
        return reply.simple(h.dense ? 'dense' : 'sparse');
      case 'todense':
        if (h.dense) return reply.zero;
        if (!densify(ctx, key, v, h)) return reply.error(errors.hllInvalid);
        return reply.one;
      default:
        return reply.error(errors.pfdebugUnknownSubcommand(sub));
    }
  },
});

/** An empty dense HLL. */
function emptyDense(): Hll {
  const h = Hll.create();
  h.toDense();
  return h;
}

/** 8 bytes, little-endian, as Redis hashes its uint64 test elements. */
function u64le(n: bigint): string {
  let s = '';
  for (let i = 0n; i < 8n; i++) s += String.fromCharCode(Number((n >> (8n * i)) & 0xffn));
  return s;
}

function selfTest(sparseMaxBytes: number): string | null {
  for (let cycle = 0; cycle < SELFTEST_CYCLES; cycle++) {
    const h = emptyDense();
    const want = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      want[i] = Math.floor(Math.random() * (REGISTER_MAX + 1));
      h.set(i, want[i]!, sparseMaxBytes);
    }
    const got = new Uint8Array(HLL_REGISTERS);
    h.mergeInto(got);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (got[i] !== want[i]) return `TESTFAILED Register ${i} should be ${want[i]} but is ${got[i]}`;
    }
  }
  const dense = emptyDense();
  const sparse = Hll.create();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seed = BigInt(Math.floor(Math.random() * 2 ** 32)) | (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n);
  let checkpoint = 1;
  for (let j = 1; j <= SELFTEST_ELEMENTS; j++) {
    const ele = u64le(BigInt(j) ^ seed);
    dense.add(ele, sparseMaxBytes);
    sparse.add(ele, sparseMaxBytes);
    if (j !== checkpoint) continue;
    if (j < sparseMaxBytes / 2 && sparse.dense) return 'TESTFAILED sparse encoding not used';
    const card = dense.count();
    if (card === null || card !== sparse.count()) return 'TESTFAILED dense/sparse disagree';
    const abserr = Math.abs(checkpoint - card);
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return null;
}

export const pfselftest = defineCommand({
  name: 'pfselftest',
  arity: 1,
  flags: ['admin'],
  categories: ['hyperloglog'],
  docs: { summary: 'Self-test of the HyperLogLog implementation.', since: '2.8.9', group: 'hyperloglog', complexity: 'N/A' },
  run(ctx) {
    const failed = selfTest(ctx.config.int('hll-sparse-max-bytes'));
    return failed === null ? reply.ok : reply.error(failed);
  },
});

export const hyperloglogDebugCommands: CommandDefinition[] = [pfdebug, pfselftest];
