/**
 * The replica's connection to its primary up to the PSYNC reply (Redis 7.2's
 * connectWithMaster + syncWithMaster + slaveTryPartialResynchronization), as a
 * non-blocking state machine driven by socket events:
 *
 *   connect (plain TCP, or TLS with tls-replication yes) → PING → one pipelined write of
 *   [AUTH [user] password] + REPLCONF listening-port + [REPLCONF ip-address] + REPLCONF capa
 *   eof capa psync2 → their replies in that order → PSYNC replid offset (`PSYNC ? -1`
 *   without a history to continue) → +FULLRESYNC / +CONTINUE / an error; an -ERR (a
 *   primary older than PSYNC, or one that refuses it) is followed by the old `SYNC`.
 *
 * Replies are read line by line from what arrived; empty lines (the newlines a primary
 * sends to keep the link alive while it prepares) are skipped before the PSYNC reply.
 * Whatever follows the PSYNC reply in the same read (the start of the RDB or of the
 * stream) is handed over with the outcome, so no byte is lost between the stages.
 *
 * The password is sent, never logged; log lines are Redis's.
 */
import net from 'node:net';
import tls from 'node:tls';

/** What the handshake needs to know, read from the config when the connection starts. */
export interface HandshakeSettings {
  host: string;
  port: number;
  /** masteruser (null: AUTH with the password only) */
  user: string | null;
  /** masterauth (null: no AUTH) */
  password: string | null;
  /** the port announced with REPLCONF listening-port */
  listeningPort: number;
  /** replica-announce-ip, or null */
  announceIp: string | null;
  /** bind-source-addr: the local address the link connects from, or null (the kernel's choice) */
  sourceAddr: string | null;
  /** TLS options with tls-replication yes, else null */
  tls: tls.ConnectionOptions | null;
  /** the history to continue (cached primary), or null for `PSYNC ? -1` */
  psync: { replid: string; offset: number } | null;
  /** this server's FAILOVER is in progress: PSYNC carries FAILOVER so the target promotes itself */
  failover: boolean;
}

/** How the primary answered PSYNC. */
export type PsyncOutcome =
  | { kind: 'full'; replid: string; offset: number }
  | { kind: 'continue'; replid: string | null }
  /** -NOMASTERLINK / -LOADING: try again later */
  | { kind: 'later' }
  /** an -ERR (or unexpected) answer: the primary predates PSYNC; SYNC was sent, its payload follows */
  | { kind: 'sync' }
  | { kind: 'failed' };

export interface MasterLinkEvents {
  /** the TCP (or TLS) connection is up: the handshake starts */
  connected(): void;
  /** the handshake or PSYNC failed; the link should be dropped and retried (already logged) */
  failed(reason: string, authFailure: boolean): void;
  /** PSYNC was answered; `rest` is what followed the reply in the same read */
  psync(outcome: PsyncOutcome, rest: Buffer): void;
  /** bytes arrived (the replica's last-I/O time) */
  io(): void;
}

export interface LinkLog {
  notice(m: string): void;
  warning(m: string): void;
}

/** One command as RESP, arguments as binary strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(out, 'latin1');
}

type Expect = { what: 'ping' | 'auth' | 'port' | 'ip' | 'capa' | 'psync' };

export class MasterLink {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  /** replies still awaited, in order */
  private readonly expecting: Expect[] = [];
  private done = false;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  constructor(
    private readonly settings: HandshakeSettings,
    private readonly events: MasterLinkEvents,
    private readonly log: LinkLog,
  ) {
    const s = settings;
    if (s.tls !== null) {
      // TLS has no local-address option: the TCP socket is made first when one is set
      const tcp = s.sourceAddr !== null ? net.connect({ host: s.host, port: s.port, localAddress: s.sourceAddr }) : undefined;
      this.socket = tls.connect({ ...s.tls, host: s.host, port: s.port, socket: tcp, servername: net.isIP(s.host) === 0 ? s.host : undefined });
      this.socket.once('secureConnect', () => this.start());
    } else {
      this.socket = net.connect({ host: s.host, port: s.port, localAddress: s.sourceAddr ?? undefined });
      this.socket.once('connect', () => this.start());
    }
    this.socket.on('data', this.onData);
  }

  /** Stops reading: the socket now belongs to the next stage (or is closed by the owner). */
  detach(): void {
    this.done = true;
    this.socket.off('data', this.onData);
  }

  private start(): void {
    this.socket.setNoDelay(true);
    this.log.notice('Non blocking connect for SYNC fired the event.');
    this.events.connected();
    this.expecting.push({ what: 'ping' });
    this.socket.write(encodeCommand(['PING']));
  }

  private receive(chunk: Buffer): void {
    if (this.done) return;
    this.events.io();
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (!this.done) {
      const nl = this.buf.indexOf(10);
      if (nl === -1) {
        // a reply line is short; a peer sending kilobytes without a newline is not a primary
        if (this.buf.length > 64 * 1024) this.fail('Bad protocol from MASTER: reply line too long', false);
        return;
      }
      const end = nl > 0 && this.buf[nl - 1] === 13 ? nl - 1 : nl;
      const line = this.buf.toString('latin1', 0, end);
      this.buf = this.buf.subarray(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const next = this.expecting[0];
    // newlines before a reply keep the link alive while the primary is busy
    if (line.length === 0 || next === undefined) return;
    this.expecting.shift();
    switch (next.what) {
      case 'ping':
        // as Redis: an authentication error here is fine, AUTH comes next (patterns of the
        // primary's replies, read here, not texts this server sends)
        if (line[0] !== '+' && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) {
          this.fail(`Error reply to PING from master: '${line}'`, false);
          return;
        }
        this.log.notice('Master replied to PING, replication can continue...');
        this.sendHandshake();
        return;
      case 'auth':
        if (line[0] === '-') this.fail(`Unable to AUTH to MASTER: ${line}`, true);
        return;
      case 'port':
        if (line[0] === '-') this.log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${line}`);
        return;
      case 'ip':
        if (line[0] === '-') this.log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${line}`);
        return;
      case 'capa':
        if (line[0] === '-') this.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${line}`);
        this.sendPsync();
        return;
      case 'psync':
        this.onPsyncReply(line);
        return;
    }
  }

  private sendHandshake(): void {
    const s = this.settings;
    const out: Buffer[] = [];
    if (s.password !== null) {
      out.push(encodeCommand(s.user !== null ? ['AUTH', s.user, s.password] : ['AUTH', s.password]));
      this.expecting.push({ what: 'auth' });
    }
    out.push(encodeCommand(['REPLCONF', 'listening-port', String(s.listeningPort)]));
    this.expecting.push({ what: 'port' });
    if (s.announceIp !== null) {
      out.push(encodeCommand(['REPLCONF', 'ip-address', s.announceIp]));
      this.expecting.push({ what: 'ip' });
    }
    out.push(encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']));
    this.expecting.push({ what: 'capa' });
    this.socket.write(Buffer.concat(out));
  }

  private sendPsync(): void {
    const p = this.settings.psync;
    const failover = this.settings.failover ? ['FAILOVER'] : [];
    if (p !== null) {
      this.log.notice(`Trying a partial resynchronization (request ${p.replid}:${p.offset + 1}).`);
      this.socket.write(encodeCommand(['PSYNC', p.replid, String(p.offset + 1), ...failover]));
    } else {
      this.log.notice('Partial resynchronization not possible (no cached master)');
      this.socket.write(encodeCommand(['PSYNC', '?', '-1', ...failover]));
    }
    this.expecting.push({ what: 'psync' });
  }

  private onPsyncReply(line: string): void {
    if (line.startsWith('+FULLRESYNC')) {
      const parts = line.split(' ');
      const replid = parts[1] ?? '';
      const offset = Number(parts[2]);
      if (replid.length !== 40 || !Number.isSafeInteger(offset)) {
        this.log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.finish({ kind: 'failed' });
        return;
      }
      this.log.notice(`Full resync from master: ${replid}:${offset}`);
      this.finish({ kind: 'full', replid, offset });
      return;
    }
    if (line.startsWith('+CONTINUE')) {
      this.log.notice('Successful partial resynchronization with master.');
      const id = line.slice(10).trim();
      this.finish({ kind: 'continue', replid: id.length === 40 ? id : null });
      return;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      this.log.notice(`Master is currently unable to PSYNC but should be in the future: ${line}`);
      this.finish({ kind: 'later' });
      return;
    }
    if (/^-ERR/.test(line)) this.log.notice(`Master does not support PSYNC or is in error state (reply: ${line})`);
    else this.log.warning(`Unexpected reply to PSYNC from master: ${line}`);
    // as Redis 7.2's syncWithMaster: fall back to the old protocol, a full payload without
    // +FULLRESYNC (an own FAILOVER's target answering so aborts it instead: replica-side.ts)
    if (this.settings.failover) {
      this.finish({ kind: 'failed' });
      return;
    }
    this.log.notice('Retrying with SYNC...');
    this.socket.write('SYNC\r\n');
    this.finish({ kind: 'sync' });
  }

  private finish(outcome: PsyncOutcome): void {
    const rest = this.buf;
    this.detach();
    this.events.psync(outcome, rest);
  }

  private fail(message: string, authFailure: boolean): void {
    this.log.warning(message);
    this.detach();
    this.events.failed(message, authFailure);
  }
}
