/**
 * The gateway's decoder for the replies it reads itself (CLUSTER SLOTS): nested arrays,
 * bulk strings kept as bytes, integers, nulls, errors, RESP3 maps as flat arrays, and a
 * truncated reply refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeReply } from '../../src/gateway/reply-decode.js';
import { ReplyFramingError } from '../../src/gateway/reply-framer.js';

test('CLUSTER SLOTS shaped reply', () => {
  const bytes = Buffer.from('*2\r\n*3\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n*3\r\n:5461\r\n:16383\r\n*2\r\n$0\r\n\r\n:7002\r\n', 'latin1');
  assert.deepEqual(decodeReply(bytes), [
    [0, 5460, ['127.0.0.1', 7001, 'id']],
    [5461, 16383, ['', 7002]],
  ]);
});

test('scalars, nulls, errors, binary bulks, RESP3 maps and empty arrays', () => {
  assert.equal(decodeReply(Buffer.from('+OK\r\n')), 'OK');
  assert.equal(decodeReply(Buffer.from('$-1\r\n')), null);
  assert.equal(decodeReply(Buffer.from('_\r\n')), null);
  assert.deepEqual(decodeReply(Buffer.from('*0\r\n')), []);
  const err = decodeReply(Buffer.from('-ERR This instance has cluster support disabled\r\n'));
  assert.ok(err instanceof Error && err.message.includes('cluster support disabled'));
  assert.equal(decodeReply(Buffer.from([0x24, 0x32, 0x0d, 0x0a, 0xff, 0x0d, 0x0d, 0x0a])), '\xff\r');
  assert.deepEqual(decodeReply(Buffer.from('%1\r\n+a\r\n*1\r\n:1\r\n')), ['a', [1]]);
  assert.throws(() => decodeReply(Buffer.from('*2\r\n:1\r\n')), ReplyFramingError);
});
