/**
 * The byte encodings between the host and the Lua instance (the format is
 * described at the top of native/redoubt-lua.c). Strings are binary strings: one
 * char per byte, written and read as latin1, never as UTF-8.
 */
import { Kind, type Reply } from '../protocol/reply.js';
import { formatDouble } from '../protocol/number-format.js';
import { SPECIAL_FIELDS, type LuaTable, type LuaValue, type ScriptResp, type SpecialField } from './lua-value.js';
import { errors } from '../errors.js';
import { parseRawReply } from './raw-reply.js';
import { luaArgNumberText } from './number-text.js';
import { RecentStrings } from '../protocol/recent-strings.js';

/** A growable little-endian byte writer. */
export class WireWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  reset(): void {
    this.len = 0;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }

  /** u32 length + the string's bytes (latin1: one byte per char). */
  str(s: string): void {
    this.u32(s.length);
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len + i] = s.charCodeAt(i) & 0xff;
    this.len += s.length;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Copies what it holds to `dest` at `at` (a loop for a few bytes: no view allocated). */
  copyTo(dest: Uint8Array, at: number): void {
    const n = this.len;
    const buf = this.buf;
    if (n <= 64) {
      for (let i = 0; i < n; i++) dest[at + i] = buf[i]!;
    } else {
      dest.set(buf.subarray(0, n), at);
    }
  }
}

const T = (c: string): number => c.charCodeAt(0);

/**
 * A command's reply as Redis hands it to the script (redisProtocolToLuaType): the
 * reply is first rendered in the script's protocol, then read back as Lua values.
 * RESP2: integers and bulks as numbers and strings, a null bulk or null array as
 * false, status {ok=}, error {err=}, arrays (maps flattened, sets as arrays,
 * doubles/verbatims/big numbers as bulks, booleans as 1/0). RESP3 adds nil,
 * booleans, {map=}, {set=}, {double=}, {big_number=}, {verbatim_string=}.
 */
export function writeReplyForLua(w: WireWriter, r: Reply, resp: ScriptResp): void {
  switch (r.k) {
    case Kind.Bulk:
      w.u8(T('s'));
      w.str(r.s);
      return;
    case Kind.Simple:
      w.u8(T('+'));
      w.str(r.s.replace(/[\r\n]/g, ' '));
      return;
    case Kind.Error:
      w.u8(T('-'));
      w.str(r.s.replace(/[\r\n]/g, ' '));
      return;
    case Kind.Int:
      w.u8(T('d'));
      w.f64(Number(r.n));
      return;
    case Kind.Null:
    case Kind.NullArray:
      w.u8(resp === 3 ? T('n') : T('F'));
      return;
    case Kind.Array:
    case Kind.Push:
      w.u8(T('*'));
      w.u32(r.items.length);
      for (const item of r.items) writeReplyForLua(w, item, resp);
      return;
    case Kind.Set:
      w.u8(resp === 3 ? T('~') : T('*'));
      w.u32(r.items.length);
      for (const item of r.items) writeReplyForLua(w, item, resp);
      return;
    case Kind.Map:
      if (resp === 3) {
        w.u8(T('%'));
        w.u32(r.items.length / 2);
      } else {
        w.u8(T('*'));
        w.u32(r.items.length);
      }
      for (const item of r.items) writeReplyForLua(w, item, resp);
      return;
    case Kind.Long:
      if (resp === 3 && r.of === Kind.Map) {
        w.u8(T('%'));
        w.u32(r.length / 2);
      } else {
        w.u8(resp === 3 && r.of === Kind.Set ? T('~') : T('*'));
        w.u32(r.length);
      }
      for (const part of r.parts) for (const item of part) writeReplyForLua(w, item, resp);
      return;
    case Kind.Double:
      if (resp === 3) {
        w.u8(T(','));
        w.f64(r.d);
      } else {
        w.u8(T('s'));
        w.str(formatDouble(r.d));
      }
      return;
    case Kind.Bool:
      if (resp === 3) w.u8(r.b ? T('T') : T('F'));
      else {
        w.u8(T('d'));
        w.f64(r.b ? 1 : 0);
      }
      return;
    case Kind.Verbatim:
      if (resp === 3) {
        w.u8(T('='));
        w.str(r.format);
        w.str(r.s);
      } else {
        w.u8(T('s'));
        w.str(r.s);
      }
      return;
    case Kind.BigNumber:
      w.u8(resp === 3 ? T('(') : T('s'));
      w.str(r.s);
      return;
    case Kind.Raw: {
      // a reply kept as bytes (random picks, GEO coordinates, DEBUG PROTOCOL): read back
      // as Redis reads every reply for a script; bytes that hold no reply answer an error
      const parsed = parseRawReply(r.bytes);
      if (parsed !== null && parsed.k !== Kind.Raw) writeReplyForLua(w, parsed, resp);
      else {
        w.u8(T('-'));
        w.str(errors.luaReplyNotRepresentable);
      }
      return;
    }
  }
}

/** A plain Lua value for the instance (a host function's result). */
export function writeLuaValue(w: WireWriter, v: null | boolean | number | string): void {
  if (v === null) w.u8(T('n'));
  else if (typeof v === 'boolean') w.u8(v ? T('T') : T('F'));
  else if (typeof v === 'number') {
    w.u8(T('d'));
    w.f64(v);
  } else {
    w.u8(T('s'));
    w.str(v);
  }
}

/** An argument a script passed to a host function. */
export type LuaArg =
  | { readonly type: 'nil' }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  /** a table, function, userdata or thread (its Lua type number) */
  | { readonly type: 'other'; readonly luaType: number };

const LUA_TNIL = 0;
const LUA_TBOOLEAN = 1;
const LUA_TNUMBER = 3;
const LUA_TSTRING = 4;

/** Reads from a byte view of the instance's memory. */
export class WireReader {
  private readonly view: DataView;
  constructor(
    private readonly mem: Uint8Array,
    public pos: number,
  ) {
    this.view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  }

  /** Reads this very view (the instance's memory was not replaced since). */
  over(mem: Uint8Array): boolean {
    return this.mem === mem;
  }

  u8(): number {
    return this.mem[this.pos++]!;
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** u32 length + bytes, as a binary string. */
  str(): string {
    const n = this.u32();
    const s = latin1(this.mem, this.pos, n);
    this.pos += n;
    return s;
  }
}

/** Node's latin1 decoder, applied to any Uint8Array (no Buffer view made for it). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/**
 * Recently read short strings (recent-strings.ts): a script's redis.calls send the same
 * command names and keys over and over ("incr", "bench:counter").
 */
const recent = new RecentStrings(1024, 32);

/** Bytes as a binary string: one char per byte (never decoded as UTF-8). */
function latin1(mem: Uint8Array, at: number, n: number): string {
  if (n > recent.maxLength) return latin1Slice.call(mem, at, at + n);
  return recent.get(mem, at, at + n, shortLatin1);
}

function shortLatin1(mem: Uint8Array, start: number, end: number): string {
  if (end - start >= 8) return latin1Slice.call(mem, start, end);
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(mem[i]!);
  return s;
}

/** The arguments of a host-function call (the args buffer). */
export function readArgs(r: WireReader, count: number): LuaArg[] {
  const out: LuaArg[] = [];
  for (let i = 0; i < count; i++) {
    const t = r.u8();
    if (t === LUA_TSTRING) out.push({ type: 'string', value: r.str() });
    else if (t === LUA_TNUMBER) out.push({ type: 'number', value: r.f64() });
    else if (t === LUA_TBOOLEAN) out.push({ type: 'boolean', value: r.u8() !== 0 });
    else if (t === LUA_TNIL) out.push({ type: 'nil' });
    else out.push({ type: 'other', luaType: t });
  }
  return out;
}

/**
 * The arguments of redis.call / redis.pcall as the command's argv: strings as they
 * are, numbers as Redis 7.2 turns them into arguments (fpconv_dtoa); null when one is
 * neither (Redis: "Lua redis lib command arguments must be strings or integers").
 */
export function readArgv(r: WireReader, count: number): string[] | null {
  const argv = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const t = r.u8();
    if (t === LUA_TSTRING) argv[i] = r.str();
    else if (t === LUA_TNUMBER) argv[i] = luaArgNumberText(r.f64());
    else return null;
  }
  return argv;
}

/** A value in the "lua" encoding (a script's result or error object). */
export function readLuaValue(r: WireReader): LuaValue {
  const tag = String.fromCharCode(r.u8());
  switch (tag) {
    case 'n':
      return null;
    case 'T':
      return true;
    case 'F':
      return false;
    case 'd':
      return r.f64();
    case 's':
      return r.str();
    case 'L':
      return { type: 'stack-limit' };
    case 'o':
      return { type: 'opaque' };
    case 'p': {
      const n = r.u32();
      const entries: (readonly [LuaValue, LuaValue])[] = [];
      for (let i = 0; i < n; i++) {
        const k = readLuaValue(r);
        entries.push([k, readLuaValue(r)]);
      }
      return { type: 'pairs', entries };
    }
    case 'v': {
      const format = readLuaValue(r);
      return { type: 'verbatim', format, string: readLuaValue(r) };
    }
    case 'e': {
      const err = readLuaValue(r);
      const source = readLuaValue(r);
      const line = readLuaValue(r);
      return { type: 'error-object', err, source, line, ignoreErrorStatsUpdate: readLuaValue(r) };
    }
    case 't': {
      const mask = r.u8();
      const fields: Partial<Record<SpecialField, LuaValue>> = {};
      for (let i = 0; i < SPECIAL_FIELDS.length; i++) {
        if (mask & (1 << i)) fields[SPECIAL_FIELDS[i]!] = readLuaValue(r);
      }
      const n = r.u32();
      const array: LuaValue[] = new Array<LuaValue>(n);
      for (let i = 0; i < n; i++) array[i] = readLuaValue(r);
      const t: LuaTable = { type: 'table', fields, array };
      return t;
    }
    default:
      throw new Error(`malformed value from the Lua instance (tag ${tag.charCodeAt(0)})`);
  }
}
