/**
 * The replica's stream applier (replication/stream-applier.ts): every command's bytes
 * are counted exactly once and fed verbatim, whatever the read boundaries (down to one
 * byte per read, through the parser's large-bulk path); a MULTI from the primary counts
 * only once its EXEC ran; REPLCONF GETACK answers the offset before itself and is not
 * dispatched; the reply of a command is never written back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { StreamApplier, type ApplierHost } from '../../src/replication/stream-applier.js';
import type { CommandContext } from '../../src/command-context/context.js';
import { Client } from '../../src/server/client.js';
import { reply, type Reply } from '../../src/protocol/reply.js';
import { RawClient } from '../helpers/raw-client.js';

/** The socket surface the applier uses: data events in, writes recorded. */
class FakeSocket extends EventEmitter {
  written: Buffer[] = [];
  destroyed = false;
  write(b: Buffer): boolean {
    this.written.push(b);
    return true;
  }
  resume(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

function setup(): { socket: FakeSocket; applier: StreamApplier; ran: string[][]; fed: Buffer[]; client: Client; offsetAt: number[] } {
  const socket = new FakeSocket();
  const client = new Client(1, 'master:1', 'local:1', 8, 0, { name: 'default' } as never);
  client.role = 'master';
  const ran: string[][] = [];
  const fed: Buffer[] = [];
  let offset = 100;
  const offsetAt: number[] = [];
  const host: ApplierHost = {
    parserLimits: { maxBulkLen: 512 * 1024 * 1024, maxMultibulkLen: 1024 * 1024, maxInlineLen: 64 * 1024 },
    dispatch: (_ctx, argv): Reply | null => {
      const name = argv[0]!.toLowerCase();
      offsetAt.push(offset);
      ran.push(argv);
      // the MULTI state as the dispatcher keeps it: queued until EXEC
      if (name === 'multi') client.multi = [];
      else if (name === 'exec') client.multi = null;
      return reply.ok;
    },
    feed: (data) => {
      fed.push(Buffer.from(data));
      offset += data.length;
    },
    offset: () => offset,
    beginBatch: () => {},
    endBatch: () => {},
    failed: () => {},
    fsyncedOffset: () => null,
  };
  const ctx = { client } as unknown as CommandContext;
  const applier = new StreamApplier(socket as unknown as net.Socket, ctx, host);
  return { socket, applier, ran, fed, client, offsetAt };
}

const stream = [
  ['SELECT', '3'],
  ['SET', 'k', 'v\r\n\x00\xff'],
  ['MULTI'],
  ['INCR', 'c'],
  ['RPUSH', 'l', 'a', 'b'],
  ['EXEC'],
  ['REPLCONF', 'GETACK', '*'],
  ['SET', 'big', 'x'.repeat(40_000)], // past the parser's large-bulk threshold (32 KiB)
  ['PING'],
].map((argv) => RawClient.encode(argv));
const wire = Buffer.from(stream.join(''), 'latin1');

for (const step of [wire.length, 4096, 7, 1]) {
  test(`offsets are exact with reads of ${step} bytes`, () => {
    const { socket, applier, ran, fed, offsetAt } = setup();
    applier.start(Buffer.alloc(0));
    for (let i = 0; i < wire.length; i += step) socket.emit('data', wire.subarray(i, Math.min(wire.length, i + step)));
    // everything counted, verbatim, in order
    assert.equal(Buffer.concat(fed).toString('latin1'), wire.toString('latin1'));
    assert.deepEqual(
      ran.map((a) => a[0]),
      ['SELECT', 'SET', 'MULTI', 'INCR', 'RPUSH', 'EXEC', 'SET', 'PING'],
    );
    // the transaction was counted as one piece, when EXEC ran
    const txStart = stream.slice(0, 2).join('').length;
    const txLen = stream.slice(2, 6).join('').length;
    // what the offset was when each command ran: nothing of MULTI … EXEC before EXEC ran
    const ackLen = stream[6]!.length;
    assert.deepEqual(offsetAt, [100, 100 + stream[0]!.length, 100 + txStart, 100 + txStart, 100 + txStart, 100 + txStart, 100 + txStart + txLen + ackLen, 100 + wire.length - stream[8]!.length]);
    // GETACK answered with the offset before it (start 100 + what preceded it)
    const before = 100 + stream.slice(0, 6).join('').length;
    assert.equal(Buffer.concat(socket.written).toString('latin1'), RawClient.encode(['REPLCONF', 'ACK', String(before)]));
  });
}

test('a partial command is not counted until it is complete', () => {
  const { socket, applier, fed, ran } = setup();
  applier.start(Buffer.alloc(0));
  const one = Buffer.from(RawClient.encode(['SET', 'a', 'b']), 'latin1');
  socket.emit('data', one.subarray(0, one.length - 1));
  assert.equal(fed.length, 0);
  assert.equal(ran.length, 0);
  assert.equal(applier.readBytes, one.length - 1);
  socket.emit('data', one.subarray(one.length - 1));
  assert.equal(Buffer.concat(fed).length, one.length);
  assert.equal(ran.length, 1);
});

test('a broken stream closes the link instead of guessing', () => {
  const { socket, applier } = setup();
  applier.start(Buffer.alloc(0));
  socket.emit('data', Buffer.from('*2\r\n$3\r\nGET\r\n:x\r\n', 'latin1'));
  assert.equal(socket.destroyed, true);
});
