/**
 * One client connection: bytes in → request parser → dispatcher → reply writer → one
 * socket write per batch. A protocol error gets its reply and the connection closes;
 * a command error only gets its reply.
 */
import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/request-parser.js';
import { ReplyWriter } from '../protocol/reply-writer.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandContext } from '../commands/context.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export class Connection {
  readonly parser: RequestParser;
  readonly writer = new ReplyWriter();
  readonly ctx: CommandContext;
  private closed = false;
  /** replies are being produced (a 'data' event is running): flush at the end */
  private processing = false;

  constructor(
    readonly server: Server,
    readonly client: Client,
    readonly socket: Socket,
  ) {
    this.ctx = new CommandContext(server, client);
    this.parser = new RequestParser(server.parserLimits, {
      get unauthenticated() {
        return !client.authenticated;
      },
    });
    client.kill = () => this.close();
    client.queryBufferBytes = () => this.parser.pendingBytes;
    client.outputBufferBytes = () => this.writer.size + socket.writableLength;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.onClosed());
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.client.netIn += chunk.length;
    this.server.stats.netInputBytes += chunk.length;
    this.parser.feed(chunk);
    this.processing = true;
    try {
      for (;;) {
        const argv = this.parser.next();
        if (argv === null) break;
        const r = this.server.dispatcher.dispatch(this.ctx, argv);
        this.emit(r);
        if (this.client.closeAfterReply || this.closed) break;
      }
    } finally {
      this.processing = false;
    }
    if (this.parser.error !== null && !this.client.closeAfterReply) {
      const err = reply.error(`ERR ${this.parser.error}`);
      this.server.countError(err);
      this.server.logger.verbose(`Protocol error (${this.parser.error}) from client: ${this.client.addr}`);
      this.writer.write(err, this.client.resp);
      this.client.closeAfterReply = true;
    }
    if (!this.client.closeAfterReply && this.parser.pendingBytes > this.server.queryBufferLimit) {
      this.server.logger.warning(`Closing client that reached max query buffer length: addr=${this.client.addr}`);
      this.server.stats.clientQueryBufferLimitDisconnections++;
      this.close();
      return;
    }
    this.flush();
    if (this.client.closeAfterReply) this.closeAfterFlush();
  }

  /** Queues a reply, honouring CLIENT REPLY OFF/SKIP. */
  emit(r: Reply | null): void {
    if (r === null) return;
    if (this.client.replyMode === 'off') return;
    if (this.client.skipNext) {
      this.client.skipNext = false;
      return;
    }
    if (this.client.replyMode === 'skip') {
      // CLIENT REPLY SKIP itself is not answered; it arms skipping for the next command
      this.client.replyMode = 'on';
      this.client.skipNext = true;
      return;
    }
    this.writer.write(r, this.client.resp);
  }

  /** Sends an out-of-band message (pub/sub push, unblocked reply) right away. */
  push(r: Reply): void {
    if (this.closed) return;
    this.writer.write(r, this.client.resp);
    if (!this.processing) this.flush();
  }

  flush(): void {
    if (this.writer.size === 0 || this.closed) return;
    const out = this.writer.take();
    this.client.netOut += out.length;
    this.server.stats.netOutputBytes += out.length;
    this.socket.write(out);
  }

  private closeAfterFlush(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.server.connectionClosed(this);
  }

  /** Closes now, dropping pending output (CLIENT KILL, limits). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.server.connectionClosed(this);
  }

  private onClosed(): void {
    if (!this.closed) {
      this.closed = true;
      this.server.connectionClosed(this);
    }
  }
}
