/**
 * MIGRATE's connections to target instances (Redis 7.2 cluster.c migrateGetSocket /
 * migrateCloseSocket / migrateCloseTimedoutSockets), without blocking the event loop:
 *
 *  - one cached connection per "host:port" (as the client spelled them), at most 64
 *    (a new one then drops an idle one at random), closed after 10 s unused or when the
 *    peer closes it;
 *  - the exchanges of one target run one at a time, in arrival order: each is written
 *    whole, then its reply lines are read (AUTH's, SELECT's, one per RESTORE);
 *  - the target's selected database is remembered (`lastDb`, -1 = unknown) so SELECT is
 *    sent only when it changes; any error line from the target makes it unknown again;
 *  - `timeoutMs` bounds each wait (connecting, the write draining, each reply line);
 *  - a broken connection (not a timeout) before any RESTORE reply was read is retried
 *    once on a fresh connection, as Redis's `may_retry`. As with Redis's blocking
 *    connect, only an address that cannot be resolved fails as "connecting"; a refused
 *    connection (retried once) or a connect timeout fails as "writing".
 * Every socket and timer is unref'd: a cached connection never keeps the process alive.
 */
import net from 'node:net';
import type { MigrateExchange, MigrateOutcome, MigrateService } from '../command-context/services.js';

const CACHE_ITEMS = 64;
/** The longest delay setTimeout honours: a longer MIGRATE timeout waits this long. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const IDLE_CLOSE_MS = 10_000;
/** A reply line longer than this is not a reply MIGRATE expects (Redis reads 1 KiB). */
const MAX_LINE = 64 * 1024;

interface Cached {
  name: string;
  socket: net.Socket | null;
  connecting: boolean;
  lastDb: number;
  queue: MigrateExchange[];
  busy: boolean;
  idleTimer: NodeJS.Timeout | null;
  /** the running exchange's line sink (null while idle: stray bytes are dropped) */
  onLine: ((line: string) => void) | null;
  onBroken: (() => void) | null;
  partial: string;
}

export class MigrateSockets implements MigrateService {
  private readonly cache = new Map<string, Cached>();

  /** Open cached connections (tests, INFO-like introspection). */
  get size(): number {
    return this.cache.size;
  }

  send(ex: MigrateExchange): void {
    const name = `${ex.host}:${ex.port}`;
    let c = this.cache.get(name);
    if (c === undefined) {
      if (this.cache.size >= CACHE_ITEMS) this.dropIdle();
      c = { name, socket: null, connecting: false, lastDb: -1, queue: [], busy: false, idleTimer: null, onLine: null, onBroken: null, partial: '' };
      this.cache.set(name, c);
    }
    c.queue.push(ex);
    if (!c.busy) this.next(c);
  }

  /** Closes every cached connection (server shutdown); queued exchanges fail as I/O errors. */
  closeAll(): void {
    for (const c of [...this.cache.values()]) {
      const waiting = c.queue.splice(0);
      this.close(c);
      for (const ex of waiting) ex.done({ header: [], restores: [], ioError: 'connecting' });
    }
  }

  private dropIdle(): void {
    const idle = [...this.cache.values()].filter((c) => !c.busy && c.queue.length === 0);
    const victim = idle[Math.floor(Math.random() * idle.length)];
    if (victim !== undefined) this.close(victim);
  }

  private close(c: Cached): void {
    if (c.idleTimer !== null) clearTimeout(c.idleTimer);
    c.idleTimer = null;
    c.socket?.destroy();
    c.socket = null;
    c.lastDb = -1;
    c.partial = '';
    if (this.cache.get(c.name) === c && c.queue.length === 0 && !c.busy) this.cache.delete(c.name);
  }

  /** Starts the next queued exchange of this target, or arms the idle close. */
  private next(c: Cached): void {
    const ex = c.queue.shift();
    if (ex === undefined) {
      c.busy = false;
      if (c.socket === null) {
        this.cache.delete(c.name);
        return;
      }
      c.idleTimer = setTimeout(() => this.close(c), IDLE_CLOSE_MS);
      c.idleTimer.unref();
      return;
    }
    c.busy = true;
    if (c.idleTimer !== null) clearTimeout(c.idleTimer);
    c.idleTimer = null;
    this.attempt(c, ex, true);
  }

  private finish(c: Cached, ex: MigrateExchange, outcome: MigrateOutcome): void {
    c.onLine = null;
    c.onBroken = null;
    try {
      ex.done(outcome);
    } finally {
      this.next(c);
    }
  }

  private attempt(c: Cached, ex: MigrateExchange, mayRetry: boolean): void {
    if (c.socket !== null) {
      this.exchange(c, ex, mayRetry);
      return;
    }
    this.connect(c, ex.timeoutMs, (result) => {
      if (result === 'ok') this.exchange(c, ex, mayRetry);
      // Redis's blocking connect only fails at once when the address cannot be resolved;
      // a refused or timed-out connection shows as the write failing ("writing")
      else if (result === 'unresolved') this.finish(c, ex, { header: [], restores: [], ioError: 'connecting' });
      else if (result === 'refused' && mayRetry) this.attempt(c, ex, false);
      else this.finish(c, ex, { header: [], restores: [], ioError: 'writing' });
    });
  }

  private connect(c: Cached, timeoutMs: number, then: (result: 'ok' | 'unresolved' | 'refused' | 'timeout') => void): void {
    const sep = c.name.lastIndexOf(':');
    const host = c.name.slice(0, sep);
    const port = atoi(c.name.slice(sep + 1));
    // getaddrinfo refuses such a service number; port 0 is a connection refused
    if (port < 0 || port > 65535) {
      setImmediate(() => then('unresolved'));
      return;
    }
    if (port === 0) {
      setImmediate(() => then('refused'));
      return;
    }
    let settled = false;
    let socket: net.Socket;
    try {
      socket = net.connect({ host, port });
    } catch {
      setImmediate(() => then('unresolved'));
      return;
    }
    socket.unref();
    const timer = setTimeout(() => settle('timeout'), Math.min(timeoutMs, MAX_TIMER_MS));
    timer.unref();
    const settle = (result: 'ok' | 'unresolved' | 'refused' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result !== 'ok') {
        socket.destroy();
        then(result);
        return;
      }
      socket.setNoDelay(true);
      c.socket = socket;
      c.lastDb = -1;
      c.partial = '';
      then('ok');
    };
    socket.once('connect', () => settle('ok'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!settled) settle(err.syscall === 'getaddrinfo' ? 'unresolved' : 'refused');
      else if (c.socket === socket) this.broken(c);
    });
    socket.on('close', () => {
      if (!settled) settle('refused');
      else if (c.socket === socket) this.broken(c);
    });
    socket.on('data', (d: Buffer) => {
      if (c.socket !== socket) return;
      this.received(c, d.toString('latin1'));
    });
  }

  /** The connection failed or closed: the running exchange learns of it; idle, it is dropped. */
  private broken(c: Cached): void {
    const notify = c.onBroken;
    c.socket?.destroy();
    c.socket = null;
    c.lastDb = -1;
    c.partial = '';
    if (notify !== null) notify();
    else if (!c.busy) this.close(c);
  }

  private received(c: Cached, text: string): void {
    const sink = c.onLine;
    if (sink === null) return; // nothing expected: stray bytes are dropped
    let buf = c.partial + text;
    for (;;) {
      const nl = buf.indexOf('\n');
      if (nl === -1) break;
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      sink(line);
      // the exchange is over (the next one may have started): what follows is stray
      if (c.onLine !== sink) return;
    }
    c.partial = buf;
    if (c.partial.length > MAX_LINE && c.onBroken !== null) c.onBroken();
  }

  /** Writes one exchange and reads its replies. */
  private exchange(c: Cached, ex: MigrateExchange, mayRetry: boolean): void {
    const socket = c.socket!;
    c.partial = '';
    const plan = ex.build(c.lastDb);
    const header: string[] = [];
    const restores: string[] = [];
    let phase: 'writing' | 'reading' = 'writing';
    let over = false;
    let timer: NodeJS.Timeout | null = null;
    const arm = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => fail(true), Math.min(ex.timeoutMs, MAX_TIMER_MS));
      timer.unref();
    };
    const end = (): void => {
      over = true;
      if (timer !== null) clearTimeout(timer);
    };
    const fail = (timedOut: boolean): void => {
      if (over) return;
      end();
      // nothing of this exchange can be trusted any more: a fresh connection next time
      const s = c.socket;
      c.socket = null;
      c.lastDb = -1;
      c.partial = '';
      c.onLine = null;
      c.onBroken = null;
      s?.destroy();
      if (mayRetry && !timedOut && restores.length === 0) {
        this.attempt(c, ex, false);
        return;
      }
      this.finish(c, ex, { header, restores, ioError: phase });
    };
    c.onBroken = () => fail(false);
    c.onLine = (line) => {
      if (over) return;
      if (header.length < plan.headerLines) header.push(line);
      else restores.push(line);
      if (header.length + restores.length < plan.headerLines + plan.restoreLines) {
        arm();
        return;
      }
      end();
      const targetError = header.some((l) => l.startsWith('-')) || restores.some((l) => l.startsWith('-'));
      c.lastDb = targetError ? -1 : plan.selectedDb;
      this.finish(c, ex, { header, restores, ioError: null });
    };
    arm();
    socket.write(plan.bytes, (err) => {
      if (err !== undefined && err !== null) {
        fail(false);
        return;
      }
      if (over) return;
      phase = 'reading';
      arm();
    });
  }
}

/** C's atoi on a port argument: leading blanks, a sign, digits; anything else ends it. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : 0;
}
