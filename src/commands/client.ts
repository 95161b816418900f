/**
 * CLIENT: the connection's own settings (ID, SETNAME, GETNAME, SETINFO, REPLY, NO-EVICT,
 * NO-TOUCH, INFO) and server-wide client management (LIST, KILL, PAUSE, UNPAUSE, UNBLOCK), with
 * Redis 7.2's replies and error texts. The client-side caching subcommands (CACHING,
 * TRACKING, GETREDIR, TRACKINGINFO) live in client-tracking.ts.
 *
 * CLIENT KILL also accepts MAXAGE (kill clients connected for at least N seconds), a
 * Redis 7.4 filter, because it is what an operator wants after rotating credentials.
 */
import { defineCommand, type ArgumentDoc, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { LLONG_MAX } from '../protocol/number-format.js';
import { readLongLong, readRangeLong, readTimeoutMs } from '../command-model/argument-reader.js';
import { validClientName } from './connection.js';
import { helpReply } from './command-introspection.js';
import { clientTrackingSubcommands } from './client-tracking.js';
import { clientTypeByName, type Client, type ClientType } from '../server/client.js';
import { clientInfoLine } from '../server/client-info.js';
import type { CommandContext } from '../command-context/context.js';

const CONN: ['connection'] = ['connection'];

// ---- the connection's own settings ----

const id = defineCommand({
  name: 'id',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  docs: { summary: 'Returns the id of this connection.', since: '5.0.0', group: 'connection', complexity: 'O(1)' },
  run: (ctx) => reply.int(ctx.client.id),
});

const setname = defineCommand({
  name: 'setname',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Names this connection (an empty name removes it).',
    since: '2.6.9',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{ name: 'connection-name', type: 'string' }],
  },
  run(ctx, argv) {
    const name = argv[2]!;
    if (!validClientName(name)) return reply.error(errors.clientNameChars);
    ctx.client.name = name;
    return reply.ok;
  },
});

const getname = defineCommand({
  name: 'getname',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  docs: { summary: 'Returns the name of this connection.', since: '2.6.9', group: 'connection', complexity: 'O(1)' },
  run: (ctx) => (ctx.client.name === '' ? reply.nil : reply.bulk(ctx.client.name)),
});

const setinfo = defineCommand({
  name: 'setinfo',
  arity: 4,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Records the client library name or version of this connection.',
    since: '7.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [
      {
        name: 'attr',
        type: 'oneof',
        arguments: [
          { name: 'libname', type: 'string', token: 'LIB-NAME' },
          { name: 'libver', type: 'string', token: 'LIB-VER' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    const attr = argv[2]!;
    const value = argv[3]!;
    const which = attr.toLowerCase();
    if (which !== 'lib-name' && which !== 'lib-ver') return reply.error(errors.clientSetinfoOption(attr));
    if (!validClientName(value)) return reply.error(errors.clientAttrChars(attr));
    if (which === 'lib-name') ctx.client.libName = value;
    else ctx.client.libVer = value;
    return reply.ok;
  },
});

const replyCmd = defineCommand({
  name: 'reply',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  docs: {
    summary: 'Turns the replies to this connection on or off, or skips the next one.',
    since: '3.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [
      {
        name: 'action',
        type: 'oneof',
        arguments: [
          { name: 'on', type: 'pure-token', token: 'ON' },
          { name: 'off', type: 'pure-token', token: 'OFF' },
          { name: 'skip', type: 'pure-token', token: 'SKIP' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    const c = ctx.client;
    switch (argv[2]!.toLowerCase()) {
      case 'on':
        c.replyMode = 'on';
        c.skipNext = false;
        return reply.ok;
      case 'off':
        // the connection layer drops this OK and every reply until ON
        c.replyMode = 'off';
        return reply.ok;
      case 'skip':
        // no effect while OFF; otherwise the connection layer drops this OK and the next reply
        if (c.replyMode !== 'off') c.replyMode = 'skip';
        return reply.ok;
      default:
        return reply.error(errors.syntax);
    }
  },
});

function onOff(ctx: CommandContext, value: string, set: (on: boolean) => void): Reply {
  const v = value.toLowerCase();
  if (v === 'on') set(true);
  else if (v === 'off') set(false);
  else return reply.error(errors.syntax);
  return reply.ok;
}

/** The single ON|OFF argument of NO-EVICT and NO-TOUCH. */
const ON_OFF_ARGUMENT: readonly ArgumentDoc[] = [
  {
    name: 'enabled',
    type: 'oneof',
    arguments: [
      { name: 'on', type: 'pure-token', token: 'ON' },
      { name: 'off', type: 'pure-token', token: 'OFF' },
    ],
  },
];

const noEvict = defineCommand({
  name: 'no-evict',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  categories: CONN,
  docs: {
    summary: 'Exempts this connection from client eviction, or not.',
    since: '7.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: ON_OFF_ARGUMENT,
  },
  run: (ctx, argv) => onOff(ctx, argv[2]!, (on) => (ctx.client.noEvict = on)),
});

const noTouch = defineCommand({
  name: 'no-touch',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  docs: {
    summary: 'Stops (or resumes) this connection updating the access time and frequency of keys it reads.',
    since: '7.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: ON_OFF_ARGUMENT,
  },
  run: (ctx, argv) => onOff(ctx, argv[2]!, (on) => (ctx.client.noTouch = on)),
});

const infoCmd = defineCommand({
  name: 'info',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  categories: CONN,
  tips: ['nondeterministic_output'],
  docs: { summary: 'Describes this connection.', since: '6.2.0', group: 'connection', complexity: 'O(1)' },
  run: (ctx, argv) => reply.verbatim(`${clientInfoLine(ctx.now, ctx.client, argv)}\n`),
});

// ---- server-wide client management ----

const list = defineCommand({
  name: 'list',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  categories: CONN,
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Lists the open connections.',
    since: '2.4.0',
    group: 'connection',
    complexity: 'O(N) where N is the number of client connections',
    arguments: [
      {
        name: 'client-type',
        type: 'oneof',
        token: 'TYPE',
        optional: true,
        arguments: [
          { name: 'normal', type: 'pure-token', token: 'NORMAL' },
          { name: 'master', type: 'pure-token', token: 'MASTER' },
          { name: 'replica', type: 'pure-token', token: 'REPLICA' },
          { name: 'pubsub', type: 'pure-token', token: 'PUBSUB' },
        ],
      },
      { name: 'client-id', type: 'integer', token: 'ID', optional: true, multiple: true },
    ],
  },
  run(ctx, argv) {
    const clients = ctx.services.clients;
    const now = ctx.now;
    const line = (c: Client) => `${clientInfoLine(now, c, c === ctx.client ? argv : null)}\n`;
    if (argv.length === 4 && argv[2]!.toLowerCase() === 'type') {
      const type = clientTypeByName(argv[3]!);
      if (type === null) return reply.error(errors.clientUnknownType(argv[3]!));
      return reply.verbatim(clients.list().filter((c) => c.type === type).map(line).join(''));
    }
    if (argv.length > 3 && argv[2]!.toLowerCase() === 'id') {
      let out = '';
      for (let i = 3; i < argv.length; i++) {
        const c = clients.byId(readLongLong(argv[i]!, errors.clientInvalidId));
        if (c !== undefined) out += line(c);
      }
      return reply.verbatim(out);
    }
    if (argv.length !== 2) return reply.error(errors.syntax);
    return reply.verbatim(clients.list().map(line).join(''));
  },
});

interface KillFilter {
  addr?: string;
  laddr?: string;
  type?: ClientType;
  id?: number;
  user?: string;
  maxAge?: number;
  skipMe: boolean;
}

function parseKillFilter(ctx: CommandContext, argv: string[]): KillFilter | Reply {
  if (argv.length === 3) return { addr: argv[2]!, skipMe: false }; // old form: may kill yourself
  const f: KillFilter = { skipMe: true };
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    if (i + 1 >= argv.length) return reply.error(errors.syntax);
    const v = argv[i + 1]!;
    switch (opt) {
      case 'id': {
        // 1..LONG_MAX, as Redis; an ID past 2^53 matches no client
        f.id = readRangeLong(v, 1n, LLONG_MAX, errors.clientIdPositive);
        break;
      }
      case 'type': {
        const t = clientTypeByName(v);
        if (t === null) return reply.error(errors.clientUnknownType(v));
        f.type = t;
        break;
      }
      case 'addr':
        f.addr = v;
        break;
      case 'laddr':
        f.laddr = v;
        break;
      case 'user':
        if (!ctx.services.security.acl.users.has(v)) return reply.error(errors.clientNoSuchUser(v));
        f.user = v;
        break;
      case 'skipme': {
        const s = v.toLowerCase();
        if (s === 'yes') f.skipMe = true;
        else if (s === 'no') f.skipMe = false;
        else return reply.error(errors.syntax);
        break;
      }
      case 'maxage': {
        f.maxAge = readLongLong(v, errors.clientMaxAge);
        break;
      }
      default:
        return reply.error(errors.syntax);
    }
  }
  return f;
}

const kill = defineCommand({
  name: 'kill',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  categories: CONN,
  docs: {
    summary: 'Closes connections by address, id, type, user, local address or age.',
    since: '2.4.0',
    group: 'connection',
    complexity: 'O(N) where N is the number of client connections',
    arguments: [
      {
        name: 'filter',
        type: 'oneof',
        arguments: [
          { name: 'old-format', type: 'string' },
          {
            name: 'new-format',
            type: 'oneof',
            multiple: true,
            arguments: [
              { name: 'client-id', type: 'integer', token: 'ID', optional: true },
              {
                name: 'client-type',
                type: 'oneof',
                token: 'TYPE',
                optional: true,
                arguments: [
                  { name: 'normal', type: 'pure-token', token: 'NORMAL' },
                  { name: 'master', type: 'pure-token', token: 'MASTER' },
                  { name: 'slave', type: 'pure-token', token: 'SLAVE' },
                  { name: 'replica', type: 'pure-token', token: 'REPLICA' },
                  { name: 'pubsub', type: 'pure-token', token: 'PUBSUB' },
                ],
              },
              { name: 'username', type: 'string', token: 'USER', optional: true },
              { name: 'addr', type: 'string', token: 'ADDR', optional: true },
              { name: 'laddr', type: 'string', token: 'LADDR', optional: true },
              {
                name: 'skipme',
                type: 'oneof',
                token: 'SKIPME',
                optional: true,
                arguments: [
                  { name: 'yes', type: 'pure-token', token: 'YES' },
                  { name: 'no', type: 'pure-token', token: 'NO' },
                ],
              },
              { name: 'maxage', type: 'integer', token: 'MAXAGE', optional: true },
            ],
          },
        ],
      },
    ],
  },
  run(ctx, argv) {
    const f = parseKillFilter(ctx, argv);
    if ('k' in f) return f;
    const now = ctx.now;
    let killed = 0;
    let self = false;
    for (const c of ctx.services.clients.list()) {
      if (f.addr !== undefined && c.addr !== f.addr) continue;
      if (f.laddr !== undefined && c.laddr !== f.laddr) continue;
      if (f.type !== undefined && c.type !== f.type) continue;
      if (f.id !== undefined && c.id !== f.id) continue;
      if (f.user !== undefined && c.user !== f.user) continue;
      if (f.maxAge !== undefined && f.maxAge > 0 && Math.floor((now - c.createdAt) / 1000) < f.maxAge) continue;
      if (c === ctx.client && f.skipMe) continue;
      killed++;
      if (c === ctx.client) self = true;
      else {
        ctx.services.monitor.logger.verbose(`Client ${c.addr} killed by ${ctx.client.addr}`);
        c.kill();
      }
    }
    // killing yourself: the reply still goes out, then the connection closes
    if (self) ctx.client.closeAfterReply = true;
    if (argv.length === 3) return killed === 0 ? reply.error(errors.clientNoSuchClient) : reply.ok;
    return reply.int(killed);
  },
});

const pause = defineCommand({
  name: 'pause',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  categories: CONN,
  docs: {
    summary: 'Holds the commands of all clients (or only writes) for a while.',
    since: '3.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [
      { name: 'timeout', type: 'integer' },
      {
        name: 'mode',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'write', type: 'pure-token', token: 'WRITE' },
          { name: 'all', type: 'pure-token', token: 'ALL' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    if (argv.length > 4) {
      return reply.error(errors.subcommandSyntax(argv));
    }
    // as Redis 7.2: the mode is checked before the timeout
    let mode: 'all' | 'write' = 'all';
    if (argv.length === 4) {
      const m = argv[3]!.toLowerCase();
      if (m === 'write') mode = 'write';
      else if (m !== 'all') return reply.error(errors.clientPauseMode);
    }
    ctx.services.clients.pause(mode, readTimeoutMs(argv[2]!, ctx.now));
    return reply.ok;
  },
});

const unpause = defineCommand({
  name: 'unpause',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  categories: CONN,
  docs: { summary: 'Ends a CLIENT PAUSE: held commands run, in order.', since: '6.2.0', group: 'connection', complexity: 'O(N) Where N is the number of paused clients' },
  run(ctx) {
    ctx.services.clients.unpause();
    return reply.ok;
  },
});

const unblock = defineCommand({
  name: 'unblock',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  categories: CONN,
  docs: {
    summary: 'Answers a client blocked on keys now, as if its wait had timed out (or with an error).',
    since: '5.0.0',
    group: 'connection',
    complexity: 'O(log N) where N is the number of client connections',
    arguments: [
      { name: 'client-id', type: 'integer' },
      {
        name: 'unblock-type',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'timeout', type: 'pure-token', token: 'TIMEOUT' },
          { name: 'error', type: 'pure-token', token: 'ERROR' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    if (argv.length > 4) {
      return reply.error(errors.subcommandSyntax(argv));
    }
    let withError = false;
    if (argv.length === 4) {
      const reason = argv[3]!.toLowerCase();
      if (reason === 'error') withError = true;
      else if (reason !== 'timeout') return reply.error(errors.clientUnblockReason);
    }
    const id = readLongLong(argv[2]!);
    // only clients blocked on keys can be unblocked (not those held by CLIENT PAUSE)
    if (!ctx.services.keyspace.blocking.unblock(id, withError)) return reply.zero;
    return reply.one;
  },
});

const HELP_LINES = [
  'ID',
  '    The id of this connection.',
  'INFO',
  '    Describe this connection (one CLIENT LIST line).',
  'GETNAME',
  '    The name of this connection.',
  'SETNAME <name>',
  '    Name this connection.',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  '    Record the client library name or version.',
  'KILL <ip:port>',
  '    Close the connection from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Close every connection matching all options:',
  '    * ID <client-id>',
  '    * ADDR (<ip:port>|<unixsocket>:0)      remote address',
  '    * LADDR (<ip:port>|<unixsocket>:0)     local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '    * USER <username>',
  '    * MAXAGE <seconds>                     connected at least that long',
  '    * SKIPME (YES|NO)                      spare this connection (default: yes)',
  'LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB) | ID <client-id> ...]',
  '    Describe the open connections.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Hold the commands of all clients, or only their writes, for <timeout> milliseconds.',
  'UNPAUSE',
  '    End a pause; held commands run in order.',
  'UNBLOCK <client-id> [TIMEOUT|ERROR]',
  '    Answer a client blocked on keys now: as on timeout (default), or with an error.',
  'REPLY (ON|OFF|SKIP)',
  '    Turn replies to this connection on or off, or skip the next one.',
  'NO-EVICT (ON|OFF)',
  '    Exempt this connection from client eviction.',
  'NO-TOUCH (ON|OFF)',
  '    Read keys without updating their access time or frequency.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]',
  '    Turn client-side caching invalidations on or off for this connection:',
  '    * REDIRECT <id>      send them to that connection instead',
  '    * BCAST              for every key under the PREFIXes (all keys without PREFIX)',
  '    * OPTIN / OPTOUT     track only after CLIENT CACHING YES / unless CLIENT CACHING NO',
  '    * NOLOOP             not for keys this connection changed itself',
  'CACHING (YES|NO)',
  '    Track, or do not track, the keys of the next command (OPTIN / OPTOUT modes).',
  'GETREDIR',
  '    The id invalidations are redirected to (0: none, -1: tracking off).',
  'TRACKINGINFO',
  '    Describe the tracking state of this connection.',
];

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: CONN,
  docs: { summary: 'Shows the CLIENT subcommands.', since: '5.0.0', group: 'connection', complexity: 'O(1)' },
  run: () => helpReply('CLIENT', HELP_LINES),
});

export const client = defineCommand({
  name: 'client',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for client connection commands.', since: '2.4.0', group: 'connection', complexity: 'Depends on subcommand.' },
  subcommands: [...clientTrackingSubcommands, getname, help, id, infoCmd, kill, list, noEvict, noTouch, pause, replyCmd, setinfo, setname, unblock, unpause].sort((a, b) =>
    a.name < b.name ? -1 : 1,
  ),
});

export const clientCommands: CommandDefinition[] = [client];
