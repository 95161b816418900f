/**
 * ACL and its subcommands (Redis 7.2 replies and error texts). Rule parsing, descriptions
 * and checks live in src/acl/; this file is the command surface: argument handling,
 * reply shapes, and the side effects Redis has (connections of a deleted or replaced
 * user are closed).
 */
import { randomBytes } from 'node:crypto';
import { defineCommand, ACL_CATEGORIES, type AclCategory, type Command, type CommandDefinition } from '../command-context/command-spec.js';
import { helpReply } from './command-introspection.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { aclListLine, getUserDescription, type SelectorDescription } from '../acl/describe.js';
import { aclFileContent, loadAclFile, writeFileAtomically } from '../acl/acl-file.js';
import { commandsInCategory, isValidUsername, type User } from '../acl/user.js';
import { selectorAllowsChannel } from '../acl/check.js';
import type { CommandContext } from '../command-context/context.js';

const ADMIN_FLAGS = ['admin', 'noscript', 'loading', 'stale'] as const;
const PLAIN_FLAGS = ['noscript', 'loading', 'stale'] as const;

/** Closes every connection logged in as one of `users` (DELUSER, LOAD), as Redis does. */
function disconnectUsers(ctx: CommandContext, users: readonly User[]): void {
  if (users.length === 0) return;
  const gone = new Set(users);
  const acl = ctx.services.security.acl;
  for (const c of ctx.services.clients.list()) {
    if (!gone.has(c.aclUser)) continue;
    // never leave a live connection authenticated as a user that no longer exists
    c.aclUser = acl.defaultUser;
    c.authenticated = false;
    if (c === ctx.client) c.closeAfterReply = true;
    else c.kill();
  }
}

/** Redis's addReplySubcommandSyntaxError for a subcommand given too many arguments. */
function syntaxError(argv: readonly string[]): Reply {
  return reply.error(errors.subcommandSyntax(argv));
}

/**
 * After a user's rules changed: its subscribers whose channels or patterns are no longer
 * all permitted are disconnected, as Redis does (ACLKillPubsubClientsIfNeeded). A pattern
 * subscription must match a permitted pattern literally.
 */
function disconnectRevokedSubscribers(ctx: CommandContext, users: readonly User[]): void {
  const pubsub = ctx.services.pubsub;
  if (!pubsub.anySubscriber) return;
  const changed = new Set(users);
  for (const c of ctx.services.clients.list()) {
    if (!changed.has(c.aclUser) || !c.inPubSub) continue;
    const u = c.aclUser;
    const allowed = (name: string, pattern: boolean) => u.selectors.some((sel) => selectorAllowsChannel(sel, name, pattern));
    const revoked =
      pubsub.subscriptionsOf(c, 'pattern').some((p) => !allowed(p, true)) ||
      pubsub.subscriptionsOf(c, 'channel').some((ch) => !allowed(ch, false)) ||
      pubsub.subscriptionsOf(c, 'shard').some((ch) => !allowed(ch, false));
    if (!revoked) continue;
    if (c === ctx.client) c.closeAfterReply = true;
    else c.kill();
  }
}

const setuser = defineCommand({
  name: 'setuser',
  arity: -3,
  flags: ADMIN_FLAGS,
  docs: {
    summary: 'Creates or changes an ACL user and its rules.',
    since: '6.0.0',
    group: 'server',
    complexity: 'O(N). Where N is the number of rules provided.',
    arguments: [
      { name: 'username', type: 'string' },
      { name: 'rule', type: 'string', optional: true, multiple: true },
    ],
  },
  run(ctx, argv) {
    const name = argv[2]!;
    if (!isValidUsername(name)) return reply.error(errors.badUsername);
    const err = ctx.services.security.acl.users.setUser(name, argv.slice(3), (w) => ctx.services.monitor.logger.warning(w));
    if (err !== null) return reply.error(err);
    disconnectRevokedSubscribers(ctx, [ctx.services.security.acl.users.get(name)!]);
    ctx.services.security.events.aclChanged(ctx.services.security.actorOf(ctx.client), 'setuser', [name]);
    return reply.ok;
  },
});

const deluser = defineCommand({
  name: 'deluser',
  arity: -3,
  flags: ADMIN_FLAGS,
  docs: {
    summary: 'Deletes ACL users and closes their connections.',
    since: '6.0.0',
    group: 'server',
    complexity: 'O(1) amortized time considering the typical user.',
    arguments: [{ name: 'username', type: 'string', multiple: true }],
  },
  run(ctx, argv) {
    const names = argv.slice(2);
    if (names.includes('default')) return reply.error(errors.aclDeleteDefault);
    const removed: User[] = [];
    for (const n of names) {
      const u = ctx.services.security.acl.users.delete(n);
      if (u !== undefined) removed.push(u);
    }
    disconnectUsers(ctx, removed);
    if (removed.length > 0) ctx.services.security.events.aclChanged(ctx.services.security.actorOf(ctx.client), 'deluser', removed.map((u) => u.name));
    return reply.int(removed.length);
  },
});

function selectorReply(d: SelectorDescription): Reply[] {
  return [reply.bulk('commands'), reply.bulk(d.commands), reply.bulk('keys'), reply.bulk(d.keys), reply.bulk('channels'), reply.bulk(d.channels)];
}

const getuser = defineCommand({
  name: 'getuser',
  arity: 3,
  flags: ADMIN_FLAGS,
  docs: {
    summary: "Returns an ACL user's flags, password digests, permissions and selectors.",
    since: '6.0.0',
    group: 'server',
    complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
    arguments: [{ name: 'username', type: 'string' }],
  },
  run(ctx, argv) {
    const u = ctx.services.security.acl.users.get(argv[2]!);
    if (u === undefined) return reply.nil;
    const d = getUserDescription(u);
    return reply.map([
      reply.bulk('flags'),
      reply.set(d.flags.map((f) => reply.bulk(f))),
      reply.bulk('passwords'),
      reply.bulks(d.passwords),
      ...selectorReply(d),
      reply.bulk('selectors'),
      reply.array(d.selectors.map((s) => reply.map(selectorReply(s)))),
      ...(d.sources !== undefined ? [reply.bulk('sources'), reply.bulks(d.sources)] : []),
    ]);
  },
});

const list = defineCommand({
  name: 'list',
  arity: 2,
  flags: ADMIN_FLAGS,
  docs: { summary: 'Lists every ACL user in ACL file format.', since: '6.0.0', group: 'server', complexity: 'O(N). Where N is the number of configured users.' },
  run: (ctx) => reply.bulks(ctx.services.security.acl.users.list().map(aclListLine)),
});

const users = defineCommand({
  name: 'users',
  arity: 2,
  flags: ADMIN_FLAGS,
  docs: { summary: 'Lists the names of every ACL user.', since: '6.0.0', group: 'server', complexity: 'O(N). Where N is the number of configured users.' },
  run: (ctx) => reply.bulks(ctx.services.security.acl.users.list().map((u) => u.name)),
});

const whoami = defineCommand({
  name: 'whoami',
  arity: 2,
  flags: PLAIN_FLAGS,
  docs: { summary: 'Returns the ACL user of this connection.', since: '6.0.0', group: 'server', complexity: 'O(1)' },
  run: (ctx) => reply.bulk(ctx.client.user),
});

const cat = defineCommand({
  name: 'cat',
  arity: -2,
  flags: PLAIN_FLAGS,
  docs: {
    summary: 'Lists the ACL categories, or the commands of one category.',
    since: '6.0.0',
    group: 'server',
    complexity: 'O(1) since the categories and commands are a fixed set.',
    arguments: [{ name: 'categoryname', type: 'string', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length === 2) return reply.bulks(ACL_CATEGORIES);
    if (argv.length > 3) return syntaxError(argv);
    const name = argv[2]!.toLowerCase();
    const category = ACL_CATEGORIES.find((c) => c === name) as AclCategory | undefined;
    if (category === undefined) return reply.error(errors.aclUnknownCategory(argv[2]!.slice(0, 128)));
    return reply.bulks(commandsInCategory(ctx.services.commands.table, category).map((c: Command) => c.fullName));
  },
});

const GENPASS_MAX_BITS = 4096;

const genpass = defineCommand({
  name: 'genpass',
  arity: -2,
  flags: PLAIN_FLAGS,
  docs: {
    summary: 'Generates a random password (256 bits by default) from the system CSPRNG.',
    since: '6.0.0',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'bits', type: 'integer', optional: true }],
  },
  run(_ctx, argv) {
    if (argv.length > 3) return syntaxError(argv);
    let bits = 256;
    if (argv.length === 3) {
      bits = readLongLong(argv[2]!);
    }
    if (bits <= 0 || bits > GENPASS_MAX_BITS) {
      return reply.error(errors.aclGenpassBits(GENPASS_MAX_BITS));
    }
    const chars = Math.floor((bits + 3) / 4);
    return reply.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
  },
});

const log = defineCommand({
  name: 'log',
  arity: -2,
  flags: ADMIN_FLAGS,
  docs: {
    summary: 'Lists recent ACL denials and failed authentications, or clears them.',
    since: '6.0.0',
    group: 'server',
    complexity: 'O(N) with N being the number of entries shown.',
    arguments: [
      {
        name: 'operation',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'count', type: 'integer' },
          { name: 'reset', type: 'pure-token', token: 'RESET' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    if (argv.length > 3) return syntaxError(argv);
    let count = 10;
    if (argv.length === 3) {
      if (argv[2]!.toLowerCase() === 'reset') {
        ctx.services.security.acl.log.reset();
        return reply.ok;
      }
      count = Math.max(0, readLongLong(argv[2]!));
    }
    return ctx.services.security.acl.log.reply(count, ctx.now);
  },
});

const dryrun = defineCommand({
  name: 'dryrun',
  arity: -4,
  flags: ADMIN_FLAGS,
  docs: {
    summary: 'Tells whether a user may run a command, without running it.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(1).',
    arguments: [
      { name: 'username', type: 'string' },
      { name: 'command', type: 'string' },
      { name: 'arg', type: 'string', optional: true, multiple: true },
    ],
  },
  run(ctx, argv) {
    const acl = ctx.services.security.acl;
    const u = acl.users.get(argv[2]!);
    if (u === undefined) return reply.error(errors.aclUserNotFound(argv[2]!));
    const args = argv.slice(3);
    let cmd = ctx.services.commands.table.lookup(args[0]!);
    if (cmd !== undefined && cmd.subcommandMap !== null && args.length >= 2) cmd = cmd.subcommandMap.get(args[1]!.toLowerCase());
    if (cmd === undefined) return reply.error(errors.aclCommandNotFound(args[0]!));
    if ((cmd.arity > 0 && args.length !== cmd.arity) || args.length < -cmd.arity) return reply.error(errors.wrongArgs(cmd.fullName));
    const res = acl.permission(u, cmd, args);
    if (res.ok) return reply.ok;
    // Redis 7.2's verbose denial texts (7.0 said "This user has …")
    if (res.reason === 'key') return reply.bulk(`User ${u.name} has no permissions to access the '${res.key}' key`);
    if (res.reason === 'channel') return reply.bulk(`User ${u.name} has no permissions to access the '${res.channel}' channel`);
    return reply.bulk(`User ${u.name} has no permissions to run the '${cmd.fullName}' command`);
  },
});

const load = defineCommand({
  name: 'load',
  arity: 2,
  flags: ADMIN_FLAGS,
  docs: { summary: 'Replaces every ACL user with those of the ACL file, if the whole file is valid.', since: '6.0.0', group: 'server', complexity: 'O(N). Where N is the number of configured users.' },
  run(ctx) {
    const acl = ctx.services.security.acl;
    const file = ctx.config.get('aclfile');
    if (file === '') return reply.error(errors.aclNoFile);
    const res = loadAclFile(file, acl.users.aclContext);
    if (!res.ok) return reply.error(errors.plain(res.error));
    const replaced = acl.users.replaceAll(res.users);
    // Redis 7.2 frees every old user but default and closes their connections (the caller
    // after this reply), even when the file defines the same user again: a connection of
    // default moves to the new definition, every other one has to log in again.
    const gone: User[] = [];
    for (const old of replaced) {
      const now = old.name === 'default' ? acl.users.get(old.name) : undefined;
      if (now === undefined) gone.push(old);
      else for (const c of ctx.services.clients.list()) if (c.aclUser === old) c.aclUser = now;
    }
    disconnectUsers(ctx, gone);
    disconnectRevokedSubscribers(ctx, acl.users.list());
    ctx.services.security.events.aclChanged(ctx.services.security.actorOf(ctx.client), 'load', acl.users.list().map((u) => u.name));
    return reply.ok;
  },
});

const save = defineCommand({
  name: 'save',
  arity: 2,
  flags: ADMIN_FLAGS,
  docs: { summary: 'Writes every ACL user to the ACL file (crash-safe replace).', since: '6.0.0', group: 'server', complexity: 'O(N). Where N is the number of configured users.' },
  run(ctx) {
    const file = ctx.config.get('aclfile');
    if (file === '') return reply.error(errors.aclNoFile);
    const err = writeFileAtomically(file, aclFileContent(ctx.services.security.acl.users.list()));
    if (err !== null) {
      ctx.services.monitor.logger.warning(`Writing ACL file for ACL SAVE: ${err}`);
      return reply.error(errors.aclSaveFailed);
    }
    return reply.ok;
  },
});

const HELP_LINES = [
  'CAT [<category>]',
  '    The command categories, or the commands in <category>.',
  'DELUSER <username> [<username> ...]',
  '    Remove users; their connections are closed.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Tell whether <username> may run the command, without running it.',
  'GETUSER <username>',
  "    The user's flags, password digests, permissions and selectors.",
  'GENPASS [<bits>]',
  '    A random password of <bits> bits (default 256), in hex.',
  'LIST',
  '    Every user as an ACL file line.',
  'LOAD',
  '    Replace all users with those of the ACL file, if the whole file is valid.',
  'LOG [<count> | RESET]',
  '    Recent denials and failed logins, or clear them.',
  'SAVE',
  '    Write all users to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create a user or change its rules (all rules apply, or none).',
  'USERS',
  '    The names of all users.',
  'WHOAMI',
  '    The user of this connection.',
];

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Shows the ACL subcommands.', since: '6.0.0', group: 'server', complexity: 'O(1)' },
  run: () => helpReply('ACL', HELP_LINES),
});

export const acl = defineCommand({
  name: 'acl',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for Access List Control commands.', since: '6.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [cat, deluser, dryrun, genpass, getuser, help, list, load, log, save, setuser, users, whoami],
});

export const aclCommands: CommandDefinition[] = [acl];
