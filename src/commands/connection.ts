/** Connection commands: PING, ECHO, QUIT, RESET, SELECT, HELLO, AUTH. */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { readCInt } from '../command-model/argument-reader.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { readLongLong } from '../command-model/argument-reader.js';
import type { CommandContext } from '../command-context/context.js';
import { REDIS_COMPAT_VERSION } from '../version.js';

const pong = reply.pong;
const pongWord = reply.bulk('pong');

export const ping = defineCommand({
  name: 'ping',
  arity: -1,
  flags: ['fast'],
  categories: ['connection'],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  docs: { summary: 'Returns the server\'s liveliness response.', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
  run(ctx, argv) {
    if (argv.length > 2) return reply.error(errors.wrongArgs('ping'));
    // a RESP2 subscriber's replies must look like messages: ["pong", argument or ""]
    if (ctx.client.resp === 2 && ctx.client.inPubSub) return reply.array([pongWord, argv.length === 2 ? reply.bulk(argv[1]!) : reply.emptyBulk]);
    return argv.length === 2 ? reply.bulk(argv[1]!) : pong;
  },
});

export const echo = defineCommand({
  name: 'echo',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  categories: ['connection'],
  docs: { summary: 'Returns the given string.', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
  run: (_ctx, argv) => reply.bulk(argv[1]!),
});

export const quit = defineCommand({
  name: 'quit',
  arity: -1,
  flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
  categories: ['connection'],
  docs: { summary: 'Closes the connection.', since: '1.0.0', group: 'connection', complexity: 'O(1)', deprecatedSince: '7.2.0' },
  run(ctx) {
    ctx.client.closeAfterReply = true;
    return reply.ok;
  },
});

const resetReply = reply.simple('RESET');

export const reset = defineCommand({
  name: 'reset',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  categories: ['connection'],
  docs: { summary: 'Resets the connection.', since: '6.2.0', group: 'connection', complexity: 'O(1)' },
  run(ctx) {
    const c = ctx.client;
    c.multi = null;
    c.multiArgvBytes = 0;
    c.multiDirty = false;
    c.dbIndex = 0;
    c.resp = 2;
    c.replyMode = 'on';
    c.skipNext = false;
    c.noEvict = false;
    c.noTouch = false;
    c.aclUser = ctx.services.security.acl.defaultUser;
    // the name goes too (library name and version stay: they describe the connection)
    c.name = '';
    c.authenticated = ctx.services.clients.implicitLoginAllowed(c);
    ctx.services.clients.reset(ctx.client);
    return resetReply;
  },
});

export const select = defineCommand({
  name: 'select',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  categories: ['connection'],
  docs: { summary: 'Changes the selected database.', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
  run(ctx, argv) {
    const n = readCInt(argv[1]!);
    if (n < 0 || n >= ctx.services.keyspace.dbs.length) return reply.error(errors.dbIndexOutOfRange);
    ctx.client.dbIndex = n;
    return reply.ok;
  },
});

/** A client name may not contain spaces, newlines or other special characters (as Redis). */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

export const hello = defineCommand({
  name: 'hello',
  arity: -1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  categories: ['connection'],
  docs: { summary: 'Handshakes with the server.', since: '6.0.0', group: 'connection', complexity: 'O(1)' },
  run(ctx, argv) {
    let proto = ctx.client.resp as number;
    if (argv.length >= 2) {
      // a long long, as Redis: any other integer is NOPROTO, not a parse error
      const v = readLongLong(argv[1]!, errors.helloProtoNotInteger);
      if (v < 2 || v > 3) return reply.error(errors.noProto);
      proto = v;
    }
    let auth: [string, string] | null = null;
    let setName: string | null = null;
    for (let j = 2; j < argv.length; j++) {
      const more = argv.length - j - 1;
      const opt = argv[j]!.toLowerCase();
      if (opt === 'auth' && more >= 2) {
        auth = [argv[j + 1]!, argv[j + 2]!];
        j += 2;
      } else if (opt === 'setname' && more >= 1) {
        setName = argv[j + 1]!;
        j += 1;
      } else {
        return reply.error(errors.helloOption(argv[j]!));
      }
    }
    if (auth !== null) {
      // the login may wait for the AUTH throttle's budget: the rest of HELLO runs after it
      return ctx.services.security.authenticate(ctx, auth[0], auth[1], argv[0]!, (err) => err ?? helloFinish(ctx, proto, setName));
    }
    return helloFinish(ctx, proto, setName);
  },
});

/** HELLO after its optional AUTH: requires a login, then SETNAME and the protocol switch. */
function helloFinish(ctx: CommandContext, proto: number, setName: string | null): Reply {
  if (!ctx.client.authenticated) {
    return reply.error(
      errors.noAuthHello,
    );
  }
  if (setName !== null) {
    if (!validClientName(setName)) return reply.error(errors.clientNameChars);
    ctx.client.name = setName;
  }
  ctx.client.resp = proto as 2 | 3;
  return helloReply(ctx);
}

function helloReply(ctx: CommandContext): Reply {
  return reply.map([
    reply.bulk('server'),
    reply.bulk('redis'),
    reply.bulk('version'),
    reply.bulk(REDIS_COMPAT_VERSION),
    reply.bulk('proto'),
    reply.int(ctx.client.resp),
    reply.bulk('id'),
    reply.int(ctx.client.id),
    reply.bulk('mode'),
    reply.bulk('standalone'),
    reply.bulk('role'),
    reply.bulk(ctx.services.replicaOf.isReplica ? 'replica' : 'master'),
    reply.bulk('modules'),
    reply.emptyArray,
  ]);
}

export const auth = defineCommand({
  name: 'auth',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  categories: ['connection'],
  docs: { summary: 'Authenticates the connection.', since: '1.0.0', group: 'connection', complexity: 'O(N) where N is the number of passwords defined for the user' },
  run(ctx, argv) {
    if (argv.length > 3) return reply.error(errors.syntax);
    const user = argv.length === 3 ? argv[1]! : 'default';
    const pass = argv[argv.length - 1]!;
    // Redis asks the nopass flag, not whether a password exists: a default user with
    // neither (after `resetpass`) gets WRONGPASS, not this hint.
    if (argv.length === 2 && ctx.services.security.acl.defaultUser.nopass) return reply.error(errors.authNoPassword);
    // null: the check waits for the AUTH throttle's budget and is answered later
    return ctx.services.security.authenticate(ctx, user, pass, argv[0]!, (err) => err ?? reply.ok);
  },
});

export const connectionCommands: CommandDefinition[] = [ping, echo, quit, reset, select, hello, auth];
