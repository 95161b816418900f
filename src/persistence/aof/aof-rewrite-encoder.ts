/**
 * A dataset as AOF commands (aof-use-rdb-preamble no): what Redis's rewriteAppendOnlyFile
 * writes for each key. SET for a string; RPUSH / SADD / ZADD / HMSET batched by 64 items;
 * a stream as XADD of every entry (or `XADD key MAXLEN 0 0-1 x y` for an empty one), then
 * XSETID with ENTRIESADDED and MAXDELETEDID, then per group XGROUP CREATE … ENTRIESREAD,
 * XCLAIM … TIME RETRYCOUNT JUSTID FORCE for each pending entry of a consumer and
 * XGROUP CREATECONSUMER for a consumer without any; PEXPIREAT after a key with a TTL.
 * Each database with keys starts with a SELECT.
 */
import type { Value } from '../../keyspace/value-types.js';
import { formatDouble } from '../../protocol/number-format.js';
import { formatId, MAX_ID, MIN_ID } from '../../types/stream-id.js';
import type { StreamData } from '../../types/stream.js';
import { nodeAofFs, type AofFs } from './aof-fs.js';
import { openPrivate, writeFully } from './aof-files.js';
import { RespCommandBuilder } from './resp-command-builder.js';

/** Redis's AOF_REWRITE_ITEMS_PER_CMD */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;

export function rewriteSelect(out: RespCommandBuilder, dbIndex: number): void {
  out.command(['SELECT', String(dbIndex)]);
}

/** Emits `items` as variadic commands `<cmd> key <item>…`, 64 items per command. */
function batched<T>(out: RespCommandBuilder, cmd: string, key: string, total: number, items: Iterable<T>, argsPerItem: number, emit: (item: T) => void): void {
  let left = total;
  let inCmd = 0;
  for (const item of items) {
    if (inCmd === 0) {
      const n = Math.min(left, AOF_REWRITE_ITEMS_PER_CMD);
      out.arrayHeader(2 + n * argsPerItem);
      out.bulk(cmd);
      out.bulk(key);
    }
    emit(item);
    left--;
    if (++inCmd === AOF_REWRITE_ITEMS_PER_CMD) inCmd = 0;
  }
}

function* listItems(v: Extract<Value, { type: 'list' }>): Generator<string> {
  const l = v.value;
  for (let i = 0; i < l.length; i++) yield l.at(i);
}

function zsetItems(v: Extract<Value, { type: 'zset' }>): [string, number][] {
  const out: [string, number][] = [];
  if (v.value.size > 0) {
    v.value.walk(0, false, (m, s) => {
      out.push([m, s]);
      return true;
    });
  }
  return out;
}

function rewriteStream(out: RespCommandBuilder, key: string, s: StreamData): void {
  if (s.length > 0) {
    s.scan(MIN_ID, MAX_ID, false, (e) => {
      out.arrayHeader(3 + e.fv.length);
      out.bulk('XADD');
      out.bulk(key);
      out.bulk(formatId(e.id));
      for (const x of e.fv) out.bulk(x);
      return true;
    });
  } else {
    // an empty stream key: add an entry and trim it away in the same command
    out.command(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  out.command(['XSETID', key, formatId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', formatId(s.maxDeletedId)]);
  for (const [name, g] of s.sortedGroups()) {
    out.command(['XGROUP', 'CREATE', key, name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out.command(['XGROUP', 'CREATECONSUMER', key, name, c.name]);
        continue;
      }
      for (const n of c.pel) {
        out.command(['XCLAIM', key, name, c.name, '0', formatId(n.id), 'TIME', String(n.deliveryTime), 'RETRYCOUNT', String(n.deliveryCount), 'JUSTID', 'FORCE']);
      }
    }
  }
}

/**
 * The commands that rebuild one key (`expireAt`: absolute ms, or undefined for none),
 * appended to `out`.
 */
export function rewriteKey(out: RespCommandBuilder, key: string, v: Value, expireAt?: number | bigint): void {
  switch (v.type) {
    case 'string':
      out.command(['SET', key, v.value]);
      break;
    case 'list':
      batched(out, 'RPUSH', key, v.value.length, listItems(v), 1, (x) => out.bulk(x));
      break;
    case 'set':
      batched(out, 'SADD', key, v.value.size, v.value.members(), 1, (x) => out.bulk(x));
      break;
    case 'zset':
      batched(out, 'ZADD', key, v.value.size, zsetItems(v), 2, ([m, s]) => {
        out.bulk(formatDouble(s));
        out.bulk(m);
      });
      break;
    case 'hash':
      batched(out, 'HMSET', key, v.value.size, v.value.entries(), 2, ([f, x]) => {
        out.bulk(f);
        out.bulk(x);
      });
      break;
    case 'stream':
      rewriteStream(out, key, v.value);
      break;
  }
  if (expireAt !== undefined) out.command(['PEXPIREAT', key, String(expireAt)]);
}

/**
 * Writes a RESP base file (the temp path of a rewrite ticket): call selectDb() when
 * starting each database that has keys, key() for each key, then close(), which writes
 * the rest, fsyncs and closes. The buffer goes to disk every ~1 MiB so memory stays
 * bounded; abort() removes the partial file.
 */
export class AofRewriteFileWriter {
  private readonly out = new RespCommandBuilder(1024 * 1024);
  private fd: number | null;
  private bytes = 0;

  /** `timestampSec`: with aof-timestamp-enabled, the base starts with `#TS:<it>` (as Redis's rewrite). */
  constructor(
    private readonly path: string,
    private readonly fsys: AofFs = nodeAofFs,
    timestampSec?: number,
  ) {
    this.fd = openPrivate(fsys, path, 'w');
    if (timestampSec !== undefined) this.out.raw(`#TS:${timestampSec}\r\n`);
  }

  /** Bytes produced so far. */
  get size(): number {
    return this.bytes + this.out.length;
  }

  selectDb(dbIndex: number): void {
    rewriteSelect(this.out, dbIndex);
    this.spill();
  }

  key(key: string, v: Value, expireAt?: number | bigint): void {
    rewriteKey(this.out, key, v, expireAt);
    this.spill();
  }

  private spill(): void {
    if (this.out.length < 1024 * 1024) return;
    this.writeOut();
  }

  private writeOut(): void {
    if (this.fd === null) throw new Error('the rewrite file is closed');
    writeFully(this.fsys, this.fd, this.out.view());
    this.bytes += this.out.length;
    this.out.reset();
  }

  close(): void {
    if (this.fd === null) return;
    this.writeOut();
    this.fsys.fsyncSync(this.fd);
    this.fsys.closeSync(this.fd);
    this.fd = null;
  }

  abort(): void {
    if (this.fd !== null) {
      this.fsys.closeSync(this.fd);
      this.fd = null;
    }
    try {
      this.fsys.unlinkSync(this.path);
    } catch {
      // not created or already gone
    }
  }
}

/** Convenience for tests and small datasets: every database's keys to one RESP buffer. */
export function rewriteToBuffer(dbs: Iterable<[number, Iterable<[string, Value, (number | bigint)?]>]>): Buffer {
  const out = new RespCommandBuilder();
  for (const [index, keys] of dbs) {
    let selected = false;
    for (const [k, v, exp] of keys) {
      if (!selected) {
        rewriteSelect(out, index);
        selected = true;
      }
      rewriteKey(out, k, v, exp);
    }
  }
  return Buffer.from(out.view());
}

