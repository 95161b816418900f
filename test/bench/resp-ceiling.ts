/**
 * The ceiling reference of `npm run bench` (issue 17): about the least a Node RESP server
 * can do per request. It frames each multibulk request, reads the command name and
 * answers from constants: GET `$-1`, INCR/LPUSH/RPUSH/HSET/SADD/DEL `:1`, PING `+PONG`,
 * `CONFIG GET x` `x` with an empty value (redis-benchmark asks for save and appendonly),
 * anything else `+OK`. It has no keyspace, no checks and no statistics. Like Redoubt, it
 * makes one socket write per read, carrying the replies to every complete request in it.
 *
 * Redoubt's throughput divided by this one says how much of the gap to redis-server is
 * Node's own socket path (the same for both) and how much is Redoubt's work per request.
 *
 * An inline request (a readiness probe's `PING`) gets `+PONG` or `+OK` by its first letter.
 *
 *   node dist/test/bench/resp-ceiling.js PORT     (listens on 127.0.0.1:PORT; SIGTERM stops it)
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const NIL = Buffer.from('$-1\r\n');
const ONE = Buffer.from(':1\r\n');
const OK = Buffer.from('+OK\r\n');
const PONG = Buffer.from('+PONG\r\n');
const EMPTY = Buffer.alloc(0);

/** The reply to a command named by bytes [start, end) of `buf` (case-insensitive). */
function replyFor(buf: Buffer, start: number, end: number): Buffer {
  const n = end - start;
  const c = buf[start]! | 0x20;
  if (n === 3 && c === 0x67 /* g */) return NIL; // GET
  if ((n === 4 && (c === 0x69 /* i */ || c === 0x68 /* h */ || c === 0x73 /* s */)) || (n === 5 && (c === 0x6c /* l */ || c === 0x72) /* r */) || (n === 3 && c === 0x64 /* d */)) {
    return ONE; // INCR HSET SADD LPUSH RPUSH DEL
  }
  if (n === 4 && c === 0x70 /* p */) return PONG;
  return OK;
}

/** Parses a decimal count at [start, end); -1 when malformed. */
function decimal(buf: Buffer, start: number, end: number): number {
  let v = 0;
  if (start >= end) return -1;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Index of the first CR at or after `from` in buf[from, end), -1 if none (a JS scan: lines are short). */
function findCR(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === 13) return i;
  return -1;
}

export function serveConnection(socket: net.Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer = EMPTY;
  // the replies of one read, encoded into one reused buffer and written as one copy
  let outBuf = Buffer.allocUnsafe(16 * 1024);
  let o = 0;
  const put = (b: Buffer): void => {
    if (o + b.length > outBuf.length) {
      const grown = Buffer.allocUnsafe(Math.max(outBuf.length * 2, o + b.length));
      outBuf.copy(grown, 0, 0, o);
      outBuf = grown;
    }
    for (let i = 0; i < b.length; i++) outBuf[o++] = b[i]!;
  };
  socket.on('data', (chunk: Buffer) => {
    const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let pos = 0;
    const len = buf.length;
    for (;;) {
      // one request: *N\r\n then N times $L\r\n<L bytes>\r\n
      if (pos >= len) break;
      if (buf[pos] !== 0x2a) {
        // an inline request (a readiness probe's PING): answered by its first letter
        const lf = buf.indexOf(10, pos);
        if (lf === -1) break;
        put((buf[pos]! | 0x20) === 0x70 ? PONG : OK);
        pos = lf + 1;
        continue;
      }
      let p = findCR(buf, pos, len);
      if (p === -1 || p + 1 >= len) break;
      const argc = decimal(buf, pos + 1, p);
      if (argc < 1) {
        socket.destroy();
        return;
      }
      p += 2;
      let nameStart = -1;
      let nameEnd = -1;
      let thirdStart = -1;
      let thirdEnd = -1;
      let complete = true;
      for (let a = 0; a < argc; a++) {
        if (p >= len) {
          complete = false;
          break;
        }
        const cr = findCR(buf, p, len);
        if (cr === -1 || cr + 1 >= len) {
          complete = false;
          break;
        }
        const l = decimal(buf, p + 1, cr);
        if (buf[p] !== 0x24 || l < 0) {
          socket.destroy();
          return;
        }
        const start = cr + 2;
        if (start + l + 2 > len) {
          complete = false;
          break;
        }
        if (a === 0) {
          nameStart = start;
          nameEnd = start + l;
        } else if (a === 2) {
          thirdStart = start;
          thirdEnd = start + l;
        }
        p = start + l + 2;
      }
      if (!complete) break;
      const isConfig = nameEnd - nameStart === 6 && (buf[nameStart]! | 0x20) === 0x63 /* c */ && thirdStart !== -1;
      if (isConfig) {
        const name = buf.subarray(thirdStart, thirdEnd);
        put(Buffer.concat([Buffer.from(`*2\r\n$${name.length}\r\n`), name, Buffer.from('\r\n$0\r\n\r\n')]));
      } else {
        put(replyFor(buf, nameStart, nameEnd));
      }
      pos = p;
    }
    pending = pos >= len ? EMPTY : Buffer.from(buf.subarray(pos));
    if (o > 0) {
      const out = Buffer.allocUnsafe(o);
      outBuf.copy(out, 0, 0, o);
      o = 0;
      socket.write(out);
    }
  });
  socket.on('error', () => socket.destroy());
}

/** Starts the reference server; resolves with its port. */
export function startCeiling(port: number, host = '127.0.0.1'): Promise<{ port: number; close(): void }> {
  const server = net.createServer({ noDelay: true }, serveConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({ port: typeof addr === 'object' && addr !== null ? addr.port : port, close: () => server.close() });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.env['NODE_TEST_CONTEXT'] === undefined) {
  const port = Number(process.argv[2] ?? 0);
  void startCeiling(port).then((s) => {
    process.stdout.write(`resp-ceiling listening on ${s.port}\n`);
    const stop = (): void => {
      s.close();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
