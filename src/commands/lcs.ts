/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] — Redis 7.2 semantics and replies. */
import { defineCommand } from '../command-context/command-spec.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { keyword, lcs, type LcsResult } from '../types/string-ops.js';

export const lcsCommand = defineCommand({
  name: 'lcs',
  arity: -3,
  flags: ['readonly'],
  categories: ['string'],
  keySpecs: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { lastKey: 1, step: 1, limit: 0 } }],
  docs: {
    summary: 'Finds the longest common subsequence of two string values.',
    since: '7.0.0',
    group: 'string',
    complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
    arguments: [{ name: 'key1', type: 'key' }, { name: 'key2', type: 'key' }, { name: 'len', type: 'pure-token', token: 'LEN', optional: true }, { name: 'idx', type: 'pure-token', token: 'IDX', optional: true }, { name: 'len', type: 'integer', token: 'MINMATCHLEN', optional: true }, { name: 'withmatchlen', type: 'pure-token', token: 'WITHMATCHLEN', optional: true }],
  },
  run(ctx, argv) {
    const db = ctx.db;
    const ea = db.lookupRead(argv[1]!);
    const eb = db.lookupRead(argv[2]!);
    if ((ea !== undefined && ea.v.type !== 'string') || (eb !== undefined && eb.v.type !== 'string')) {
      return reply.error(errors.lcsNeedsStrings);
    }
    const a = ea === undefined ? '' : (ea.v.value as string);
    const b = eb === undefined ? '' : (eb.v.value as string);
    let getLen = false;
    let getIdx = false;
    let withMatchLen = false;
    let minMatchLen = 0;
    for (let j = 3; j < argv.length; j++) {
      const opt = keyword(argv[j]!);
      const more = argv.length - 1 - j;
      if (opt === 'idx') getIdx = true;
      else if (opt === 'len') getLen = true;
      else if (opt === 'withmatchlen') withMatchLen = true;
      else if (opt === 'minmatchlen' && more > 0) {
        const v = readLongLong(argv[++j]!);
        // negative means "no minimum"; anything beyond a string length filters everything
        minMatchLen = v < 0 ? 0 : v;
      } else {
        return reply.error(errors.syntax);
      }
    }
    if (getLen && getIdx) return reply.error(errors.lcsLenAndIdx);
    // Redis refuses a DP table (4 bytes per cell) larger than proto-max-bulk-len
    if ((a.length + 1) * (b.length + 1) * 4 > ctx.services.keyspace.maxBulkLen) {
      return reply.error(errors.lcsTooLarge);
    }
    let r: LcsResult;
    try {
      r = lcs(a, b, !getIdx && !getLen, getIdx, minMatchLen);
    } catch (e) {
      // the typed-array table could not be allocated: Redis's ztrymalloc failure
      if (e instanceof RangeError) return reply.error(errors.lcsAllocFailed);
      throw e;
    }
    if (getIdx) {
      const matches: Reply[] = r.matches.map((m) => {
        const item: Reply[] = [reply.array([reply.int(m.a[0]), reply.int(m.a[1])]), reply.array([reply.int(m.b[0]), reply.int(m.b[1])])];
        if (withMatchLen) item.push(reply.int(m.len));
        return reply.array(item);
      });
      return reply.map([reply.bulk('matches'), reply.array(matches), reply.bulk('len'), reply.int(r.length)]);
    }
    if (getLen) return reply.int(r.length);
    return reply.bulk(r.text);
  },
});
