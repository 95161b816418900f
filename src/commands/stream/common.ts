/**
 * What the stream commands share: typed lookups, stream IDs as arguments and replies,
 * Redis's NOGROUP text, consumer creation and the propagation of consumer-group state
 * (streamPropagateXCLAIM / streamPropagateGroupID), and the argument docs they repeat.
 */
import { keys, type KeySpec } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { CommandError, errors } from '../../errors.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { decrId, formatId, incrId, parseStreamId, U64_MAX, type StreamId, type U64 } from '../../types/stream-id.js';
import { Consumer, ConsumerGroup, StreamData, type Nack, type StreamEntry } from '../../types/stream.js';
import type { CommandContext } from '../../command-context/context.js';

export function readStream(ctx: CommandContext, key: string): StreamData | undefined {
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'stream') throw new CommandError(errors.wrongType);
  return e.v.value;
}

export function writeStream(ctx: CommandContext, key: string): StreamData | undefined {
  const e = ctx.db.lookupWrite(key);
  if (e === undefined) return undefined;
  if (e.v.type !== 'stream') throw new CommandError(errors.wrongType);
  return e.v.value;
}

/** A change Redis counts in server.dirty without signalling the key (no WATCH abort). */
export function dirty(ctx: CommandContext, n = 1): void {
  ctx.services.keyspace.addDirty(n);
}

/** C-string view of an argument (Redis compares option texts with strcmp). */
export function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

/**
 * User text inside an error built with addReplyErrorFormat("...'%s'..."): `%s` stops at a
 * NUL byte, and CR/LF become spaces (the message never ends with them here: a quote follows).
 */
export function errArg(s: string): string {
  return cstr(s).replace(/[\r\n]/g, ' ');
}

export function idArg(arg: string, missingSeq: U64, strict: boolean): StreamId {
  const p = parseStreamId(arg, missingSeq, strict);
  if (p === null) throw new CommandError(errors.streamInvalidId);
  return p.id;
}

/** A range bound: `(` makes it exclusive (then `-`/`+` are refused), as streamParseIntervalIDOrReply. */
export function intervalArg(arg: string, start: boolean): StreamId {
  const exclusive = arg.length > 1 && arg.charCodeAt(0) === 40;
  if (!exclusive) return idArg(arg, start ? 0 : U64_MAX, false);
  const id = idArg(arg.slice(1), start ? 0 : U64_MAX, true);
  const moved = start ? incrId(id) : decrId(id);
  if (moved === null) throw new CommandError(start ? errors.streamIntervalStart : errors.streamIntervalEnd);
  return moved;
}

export function idReply(id: StreamId): Reply {
  return reply.bulk(formatId(id));
}

export function entryReply(e: StreamEntry): Reply {
  return reply.array([idReply(e.id), reply.bulks(e.fv)]);
}

export const IN_XREADGROUP = ' in XREADGROUP with GROUP option';

export function noGroupError(key: string, group: string, suffix = ''): CommandError {
  return new CommandError(errors.noKeyOrGroup(errArg(key), errArg(group), suffix));
}

/** addReplySubcommandSyntaxError */
export function subcommandSyntaxError(argv: string[]): CommandError {
  return new CommandError(errors.subcommandSyntax(argv));
}

export function nodeLimits(ctx: CommandContext): [number, number] {
  return [ctx.config.int('stream-node-max-bytes'), ctx.config.int('stream-node-max-entries')];
}

/**
 * Adds a consumer to a group. One created implicitly (XREADGROUP, XCLAIM, XAUTOCLAIM,
 * whose own propagation does not carry it) is propagated as XGROUP CREATECONSUMER, as
 * Redis 7.2's streamPropagateConsumerCreation.
 */
export function createConsumer(ctx: CommandContext, g: ConsumerGroup, name: string, key: string, implicitIn: string | null): Consumer {
  const c = new Consumer(name, ctx.now);
  g.consumers.set(name, c);
  dirty(ctx);
  ctx.notify(NotifyKind.stream, 'xgroup-createconsumer', key);
  if (implicitIn !== null && ctx.propagation.active) {
    ctx.propagation.also(ctx.client.dbIndex, ['XGROUP', 'CREATECONSUMER', key, implicitIn, name]);
  }
  return c;
}

// ---- propagation (Redis's streamPropagateXCLAIM / streamPropagateGroupID) ----

/**
 * A pending entry's state as one XCLAIM that sets it exactly on replay: owner, delivery
 * time and count, and the group's last ID; for an entry no longer in the stream the same
 * command removes it from the PEL.
 */
export function propagateClaim(ctx: CommandContext, key: string, group: string, g: ConsumerGroup, nack: Nack): void {
  ctx.propagation.also(ctx.client.dbIndex, [
    'XCLAIM', key, group, nack.consumer.name, '0', formatId(nack.id),
    'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount),
    'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId),
  ]);
}

/** The group's last delivered ID and read counter, as XGROUP SETID … ENTRIESREAD. */
export function propagateGroupId(ctx: CommandContext, key: string, group: string, g: ConsumerGroup): void {
  ctx.propagation.also(ctx.client.dbIndex, ['XGROUP', 'SETID', key, group, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}


export const keyArg = { name: 'key', type: 'key' } as const;
export const groupArg = { name: 'group', type: 'string' } as const;
export const consumerArg = { name: 'consumer', type: 'string' } as const;
export const idsArg = { name: 'id', type: 'string', multiple: true } as const;
export const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];
export const subKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(2, ...flags)];
