/**
 * `redoubt check-aof`: the checks and the report of redis-check-aof 7.0, line for line, so
 * scripts written for one read the other. A manifest is checked file by file (base, then
 * incr files); a single file is checked as an old-style AOF. The report gives the offset of
 * the first problem ("0x<hex>: …"), then `AOF analyzed: … ok_up_to=…`; `--fix` truncates a
 * torn tail of the last file after asking `Continue? [y/N]:`, and
 * `--truncate-to-timestamp` cuts the last file at the first `#TS:` annotation later than
 * the given time. Exit status 0 when valid (or fixed), 1 otherwise.
 *
 * The C tool reads with fgets into a 128-byte stack buffer; a short line at the end of a
 * file leaves bytes of the previous line in it, which its messages print. That buffer is
 * emulated, so the reports match byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { utf8ToBinary } from '../../protocol/binary.js';
import { AofManifestError, parseManifest, type AofManifest } from './aof-manifest.js';
import { strerror } from './aof-fs.js';

/**
 * Checks the RDB at the start of `data` (a base file or an RDB preamble), printing its
 * report through `out`; returns whether it is sane and how many bytes it spans.
 */
export type RdbChecker = (data: Buffer, name: string, out: (line: string) => void) => { ok: boolean; length: number };

export interface CheckAofOptions {
  fix: boolean;
  /** --truncate-to-timestamp (unix seconds), 0 for none */
  truncateToTimestamp: number;
  /** output (stdout) as binary strings (bytes), written as the C tool's printf calls */
  out: (text: string) => void;
  /** the answer to `Continue? [y/N]:` (the first character of a stdin line) */
  confirm: () => Promise<string | null>;
  checkRdb?: RdbChecker;
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const enum Result {
  Ok,
  Empty,
  Truncated,
  TimestampTruncated,
}

/** printf("%02x") of a C char (signed: bytes >= 0x80 print as ffffffXX). */
const hexChar = (b: number): string => (b >= 0x80 ? 'ffffff' + b.toString(16) : b.toString(16).padStart(2, '0'));

class Checker {
  private error = '';
  private epos = 0;
  private line = 1;
  /**
   * The C tool's readLong stack buffers: one for `*` lines and one for `$` lines (they
   * are read from different call depths; the `$` one is overwritten by the calls between
   * two reads, so its leftovers read as zeros).
   */
  private readonly lbufs: Record<string, Buffer> = { '*': Buffer.alloc(128), $: Buffer.alloc(128) };

  constructor(private readonly o: CheckAofOptions) {}

  print(s: string): void {
    this.o.out(s);
  }

  private setError(msg: string): void {
    // the C message is built with snprintf: a NUL byte (a '%c' of 0) ends it
    const nul = msg.indexOf('\0');
    if (nul !== -1) msg = msg.slice(0, nul);
    this.error = `0x${this.epos.toString(16).padStart(16, ' ')}: ${msg}`;
  }

  /** `name`: the file's name as bytes (binary string); `filePath`: where it is. */
  async checkSingle(name: string, filePath: string, lastFile: boolean, preamble: boolean): Promise<Result> {
    const pathLabel = utf8ToBinary(filePath);
    let data: Buffer;
    try {
      data = fs.readFileSync(filePath);
    } catch (e) {
      this.print(`Cannot open file ${pathLabel}: ${strerror(e)}, aborting...\n`);
      throw new Exit(1);
    }
    const size = data.length;
    if (size === 0) return Result.Empty;
    let p = 0;
    let eof = false;
    let multi = 0;
    let pos = 0;
    if (preamble) {
      const r = this.runRdbCheck(data, name);
      if (!r.ok) {
        this.print('RDB preamble of AOF file is not sane, aborting.\n');
        throw new Exit(1);
      }
      this.print('RDB preamble is OK, proceeding with AOF tail...\n');
      p = r.length;
    }

    /** fgets(buf, n): up to n-1 bytes or through '\n'; sets eof when the end is reached first. */
    const fgets = (n: number): Buffer | null => {
      if (p >= size) {
        eof = true;
        return null;
      }
      const nl = data.indexOf(0x0a, p);
      let end = nl === -1 ? size : nl + 1;
      if (end - p > n - 1) end = p + n - 1;
      else if (nl === -1) eof = true;
      const b = data.subarray(p, end);
      p = end;
      return b;
    };

    const consumeNewline = (b: Buffer, at: number): boolean => {
      if (b[at] !== 0x0d || b[at + 1] !== 0x0a) {
        this.setError(`Expected \\r\\n, got: ${hexChar(b[at]!)}${hexChar(b[at + 1]!)}`);
        return false;
      }
      this.line++;
      return true;
    };

    const readLong = (prefix: string): number | null => {
      this.epos = p;
      const b = fgets(128);
      if (b === null) return null;
      const lbuf = this.lbufs[prefix]!;
      // observed with redis-check-aof 7.0.15: leftovers survive between `*` lines only
      if (prefix === '$') lbuf.fill(0);
      b.copy(lbuf, 0);
      lbuf[b.length] = 0;
      if (lbuf[0] !== prefix.charCodeAt(0)) {
        this.setError(`Expected prefix '${prefix}', got: '${String.fromCharCode(lbuf[0]!)}'`);
        return null;
      }
      // strtol(buf + 1)
      let i = 1;
      while (lbuf[i] === 0x20 || (lbuf[i]! >= 0x09 && lbuf[i]! <= 0x0d)) i++;
      let neg = false;
      if (lbuf[i] === 0x2b || lbuf[i] === 0x2d) {
        neg = lbuf[i] === 0x2d;
        i++;
      }
      const digitsStart = i;
      let v = 0n;
      while (lbuf[i]! >= 0x30 && lbuf[i]! <= 0x39) v = v * 10n + BigInt(lbuf[i++]! - 0x30);
      let eptr = i;
      if (i === digitsStart) {
        eptr = 1;
        v = 0n;
      }
      if (neg) v = -v;
      if (v > 9223372036854775807n) v = 9223372036854775807n;
      if (v < -9223372036854775808n) v = -9223372036854775808n;
      if (!consumeNewline(lbuf, eptr)) return null;
      return Number(v);
    };

    const readString = (): string | null => {
      const len = readLong('$');
      if (len === null) return null;
      if (len < 0 || len > Number.MAX_SAFE_INTEGER - 2) {
        this.setError(`Expected to read string of ${len} bytes, which is not in the suitable range`);
        return null;
      }
      this.epos = p;
      const want = len + 2;
      const real = Math.min(want, size - p);
      const b = data.subarray(p, p + real);
      p += real;
      if (real !== want) {
        eof = true;
        this.setError(`Expected to read ${want} bytes, got ${real} bytes`);
        return null;
      }
      if (!consumeNewline(b, len)) return null;
      const nul = b.indexOf(0);
      return b.toString('latin1', 0, nul === -1 || nul > len ? len : nul);
    };

    const processRESP = (): boolean => {
      const argc = readLong('*');
      if (argc === null) return false;
      for (let i = 0; i < argc; i++) {
        const s = readString();
        if (s === null) return false;
        if (i === 0) {
          const l = s.toLowerCase();
          if (l === 'multi') {
            if (multi++) {
              this.setError(`Unexpected MULTI in AOF ${pathLabel}`);
              return false;
            }
          } else if (l === 'exec') {
            if (--multi) {
              this.setError(`Unexpected EXEC in AOF ${pathLabel}`);
              return false;
            }
          }
        }
      }
      return true;
    };

    const ts = this.o.truncateToTimestamp;
    for (;;) {
      if (!multi) pos = p;
      if (p >= size) {
        eof = true;
        break;
      }
      eof = false;
      const c = data[p]!;
      if (c === 0x23 /* # */) {
        this.epos = p;
        const b = fgets(1024)!;
        const text = b.toString('latin1');
        if (ts !== 0 && text.startsWith('#TS:')) {
          const m = /^[ \t\n\v\f\r]*[+-]?\d+/.exec(text.slice(4));
          const t = m === null ? 0 : Number(m[0]);
          if (t <= ts) continue;
          if (this.epos === 0) {
            this.print(`AOF ${pathLabel} has nothing before timestamp ${ts}, aborting...\n`);
            throw new Exit(1);
          }
          if (!lastFile) {
            this.print(`Failed to truncate AOF ${pathLabel} to timestamp ${ts} to offset ${this.epos} because it is not the last file.\n`);
            this.print(
              'If you insist, please delete all files after this file according to the manifest file and delete the corresponding records in manifest file manually. Then re-run redis-check-aof.\n',
            );
            throw new Exit(1);
          }
          try {
            fs.truncateSync(filePath, this.epos);
          } catch {
            this.print(`Failed to truncate AOF ${pathLabel} to timestamp ${ts}\n`);
            throw new Exit(1);
          }
          return Result.TimestampTruncated;
        }
      } else if (c === 0x2a /* * */) {
        if (!processRESP()) break;
      } else {
        this.print(`AOF ${name} format error\n`);
        break;
      }
    }
    if (eof && multi && this.error.length === 0) this.setError('Reached EOF before reading EXEC for MULTI');
    if (this.error.length > 0) this.print(`${this.error}\n`);
    const diff = size - pos;
    if (diff === 0 && ts !== 0) {
      this.print(`Truncate nothing in AOF ${name} to timestamp ${ts}\n`);
      return Result.Ok;
    }
    this.print(`AOF analyzed: filename=${name}, size=${size}, ok_up_to=${pos}, ok_up_to_line=${this.line}, diff=${diff}\n`);
    if (diff > 0) {
      if (!this.o.fix) {
        this.print(`AOF ${name} is not valid. Use the --fix option to try fixing it.\n`);
        throw new Exit(1);
      }
      if (!lastFile) {
        this.print(`Failed to truncate AOF ${name} because it is not the last file\n`);
        throw new Exit(1);
      }
      this.print(`This will shrink the AOF ${name} from ${size} bytes, with ${diff} bytes, to ${pos} bytes\n`);
      this.print('Continue? [y/N]: ');
      const answer = await this.o.confirm();
      if (answer === null || answer.length === 0 || answer[0]!.toLowerCase() !== 'y') {
        this.print('Aborting...\n');
        throw new Exit(1);
      }
      try {
        fs.truncateSync(filePath, pos);
      } catch {
        this.print(`Failed to truncate AOF ${name}\n`);
        throw new Exit(1);
      }
      return Result.Truncated;
    }
    return Result.Ok;
  }

  runRdbCheck(data: Buffer, name: string): { ok: boolean; length: number } {
    if (this.o.checkRdb === undefined) {
      this.print(`[offset 0] Checking RDB file ${name}\n`);
      this.print('--- RDB ERROR DETECTED ---\n');
      this.print('RDB checking is not available in this build of redoubt check-aof: the RDB part was not verified\n');
      return { ok: false, length: 0 };
    }
    return this.o.checkRdb(data, name, (l) => this.print(l.endsWith('\n') ? l : l + '\n'));
  }

  reportResult(kind: string, name: string, r: Result): void {
    const ts = this.o.truncateToTimestamp;
    if (r === Result.Ok) this.print(`${kind}${name} is valid\n`);
    else if (r === Result.Empty) this.print(`${kind}${name} is empty\n`);
    else if (r === Result.TimestampTruncated) this.print(`Successfully truncated AOF ${name} to timestamp ${ts}\n`);
    else this.print(`Successfully truncated AOF ${name}\n`);
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * redis-check-aof 7.0 reads the manifest with the server's loader, whose messages go
 * through serverLog: `<pid>:C <date> # <message>` (a message's own trailing newline
 * leaves a blank line after it).
 */
function serverLog(c: Checker, msg: string): void {
  const d = new Date();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${p2(d.getDate())} ${MONTHS[d.getMonth()]!} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  c.print(`${process.pid}:C ${stamp} # ${msg}\n`);
}

function readManifestOrExit(c: Checker, manifestPath: string): AofManifest {
  let text: string;
  try {
    text = fs.readFileSync(manifestPath).toString('latin1');
  } catch (e) {
    serverLog(c, `Fatal error: can't open the AOF manifest file ${utf8ToBinary(manifestPath)} for reading: ${strerror(e)}`);
    throw new Exit(1);
  }
  try {
    return parseManifest(text);
  } catch (e) {
    if (!(e instanceof AofManifestError)) throw e;
    serverLog(c, '\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
    if (e.lineNumber !== undefined) {
      serverLog(c, `Reading the manifest file, at line ${e.lineNumber}\n`);
      serverLog(c, `>>> '${e.line ?? ''}'\n`);
    }
    serverLog(c, `${e.reason}\n`);
    throw new Exit(1);
  }
}

function startsWith(file: string, sig: string, minSize: number, c: Checker): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    c.print(`Cannot open file: ${utf8ToBinary(file)}\n`);
    throw new Exit(1);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0 || size < minSize) return false;
    const b = Buffer.alloc(sig.length);
    return fs.readSync(fd, b, 0, sig.length, 0) === sig.length && b.toString('latin1') === sig;
  } finally {
    fs.closeSync(fd);
  }
}

async function checkMultiPart(c: Checker, dirPath: string, manifestPath: string): Promise<void> {
  c.print('Start checking Multi Part AOF\n');
  const am = readManifestOrExit(c, manifestPath);
  const total = (am.base !== null ? 1 : 0) + am.incr.length;
  let n = 0;
  if (am.base !== null) {
    const name = am.base.name;
    const p = path.join(dirPath, Buffer.from(name, 'latin1').toString('utf8'));
    const last = ++n === total;
    if (startsWith(p, 'REDIS', 8, c)) {
      let data: Buffer;
      try {
        data = fs.readFileSync(p);
      } catch {
        c.print(`Cannot open BASE file: ${name}\n`);
        throw new Exit(1);
      }
      c.print('Start to check BASE AOF (RDB format).\n');
      if (!c.runRdbCheck(data, name).ok) {
        c.print(`BASE AOF (RDB format) ${name} is invalid, aborting.\n`);
        throw new Exit(1);
      }
      c.print(`BASE AOF (RDB format) ${name} is valid\n`);
    } else {
      c.print('Start to check BASE AOF (RESP format).\n');
      c.reportResult('BASE AOF ', name, await c.checkSingle(name, p, last, false));
    }
  }
  if (am.incr.length > 0) {
    c.print('Start to check INCR files.\n');
    for (const f of am.incr) {
      const p = path.join(dirPath, Buffer.from(f.name, 'latin1').toString('utf8'));
      const last = ++n === total;
      c.reportResult('INCR AOF ', f.name, await c.checkSingle(f.name, p, last, false));
    }
  }
  c.print('All AOF files and manifest are valid\n');
}

export const CHECK_AOF_USAGE = 'Usage: redoubt check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n';

/**
 * Runs the check on `file` (a manifest or a single AOF) and returns the exit status.
 */
export async function checkAof(file: string, opts: CheckAofOptions): Promise<number> {
  const c = new Checker(opts);
  try {
    if (startsWith(file, 'file', 30, c)) {
      await checkMultiPart(c, path.dirname(file), file);
    } else {
      const preamble = startsWith(file, 'REDIS', 8, c);
      c.print('Start checking Old-Style AOF\n');
      c.reportResult('AOF ', utf8ToBinary(file), await c.checkSingle(utf8ToBinary(file), file, true, preamble));
    }
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
}
