/**
 * One client described as CLIENT LIST / CLIENT INFO show it. The server's own log lines
 * (client-output-buffer-limit closes, REPLICAOF by whom, the client a kill names) describe
 * a client the same way, so the line is built here, with the client state it reads, and
 * not in the CLIENT command's module: server/ and replication/ take it from here without
 * reaching into a command family.
 */
import type { Client } from './client.js';
import { argvBytes, clientMemoryUsage, multiMemory, outputMemory } from './client-eviction.js';

/**
 * Redis's flags letters, in its order; N when none applies. Redoubt adds 'h' (not a Redis
 * letter) while the AUTH throttle holds the client back: its last failed login's reply was
 * delayed, or a login of its waited for budget, until it authenticates successfully.
 */
function flagLetters(c: Client): string {
  let f = '';
  if (c.monitoring) f += 'O';
  if (c.role === 'replica') f += 'S';
  if (c.role === 'master') f += 'M';
  if (c.inPubSub) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.blocked || c.postponed) f += 'b';
  const t = c.tracking;
  if (t !== null && t.on) f += 't';
  if (t !== null && t.brokenRedirect) f += 'R';
  if (t !== null && t.bcast) f += 'B';
  if (c.watchDirty) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.isUnix) f += 'U';
  if (c.noEvict) f += 'e';
  if (c.noTouch) f += 'T';
  if (c.authThrottled) f += 'h';
  return f === '' ? 'N' : f;
}

/**
 * One CLIENT LIST line (without the newline), fields in Redis 7.2's order. `currentArgv` is
 * the command being executed when `c` is the caller (its argv-mem). `qbuf` is the unparsed
 * input (for the caller, the whole read its command came in); `qbuf-free`, `rbs` and `rbp`
 * follow Redis's buffer sizing (Client.queryBufferCapacity: emulated for the query buffer);
 * the other memory fields are client eviction's own measure (server/client-eviction.ts):
 * `obl` encoded replies not yet given
 * to the socket, `oll`/`omem` the writes the socket still queues, `tot-mem` the sum
 * maxmemory-clients compares.
 */
export function clientInfoLine(now: number, c: Client, currentArgv: readonly string[] | null): string {
  // the caller sees its own command still in the buffer, as in Redis (trimmed after the read's commands)
  const qbuf = currentArgv !== null ? Math.max(c.readBytes(), c.unparsedBytes()) : c.unparsedBytes();
  const qbufFree = Math.max(0, c.queryBufferCapacity() - qbuf);
  const rbs = c.replyBufferKept();
  const obl = c.replyBufferUsed();
  const omem = outputMemory(c);
  const argvMem = currentArgv !== null ? argvBytes(currentArgv) : c.partialArgvBytes();
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name}` +
    ` age=${Math.max(0, Math.floor((now - c.createdAt) / 1000))} idle=${Math.max(0, Math.floor((now - c.lastInteraction) / 1000))}` +
    ` flags=${flagLetters(c)} db=${c.dbIndex}` +
    ` sub=${c.subscriptionCount()} psub=${c.patternSubscriptionCount()} ssub=${c.shardSubscriptionCount()}` +
    ` multi=${c.multi === null ? -1 : c.multi.length} qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=${multiMemory(c)}` +
    ` rbs=${rbs} rbp=${c.replyBufferPeak()} obl=${obl} oll=${c.pendingWrites()} omem=${omem} tot-mem=${clientMemoryUsage(c, currentArgv)}` +
    ` events=${obl + omem > 0 ? 'rw' : 'r'} cmd=${c.lastCommand} user=${c.user} redir=${c.tracking !== null && c.tracking.on ? c.tracking.redirect : -1} resp=${c.resp}` +
    ` lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}
