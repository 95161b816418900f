/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD / EXISTS / FLUSH / HELP (Redis
 * 7.2's eval.c). Scripts run through the scripting service's runner
 * (scripting/script-runner.ts); their redis.call commands go through the bridge
 * (scripting/script-bridge.ts). SCRIPT KILL lives with the suspendable engine.
 */
import { defineCommand, keys, type ArgumentDoc, type CommandDefinition } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { errors } from '../errors.js';
import { reply, type Reply } from '../protocol/reply.js';
import type { ScriptFlags } from '../scripting/shebang.js';
import { parseShebang } from '../scripting/shebang.js';
import type { CachedScript } from '../scripting/script-cache.js';
import { helpReply } from './command-introspection.js';
import { scriptKill } from './script-kill.js';
import { LuaDebugSession } from '../scripting/lua-debugger.js';
import { encodeReply } from '../protocol/reply-writer.js';

const SCRIPTING: ['scripting'] = ['scripting'];

function evalArguments(first: string): readonly ArgumentDoc[] {
  return [
    { name: first, type: 'string' },
    { name: 'numkeys', type: 'integer' },
    { name: 'key', type: 'key', optional: true, multiple: true },
    { name: 'arg', type: 'string', optional: true, multiple: true },
  ];
}

/**
 * What processCommand refuses for a script that declared flags (Redis's
 * evalGetCommandFlags / scriptFlagsToCmdFlags make EVAL a deny-oom write command
 * unless it says allow-oom / no-writes): the plain OOM and MISCONF texts. Inside EXEC
 * this check did not run for the queued command; the runner's own checks answer there.
 */
function commandLevelRefusal(ctx: CommandContext, flags: ScriptFlags): string | null {
  if (flags.compat || ctx.client.inExec || ctx.services.keyspace.loading) return null;
  const scripting = ctx.services.scripting;
  if (!flags.allowOom && !flags.noWrites && scripting.outOfMemory()) return errors.oom;
  if (!flags.noWrites) return scripting.diskError();
  return null;
}

/**
 * EVAL & co. for a client that asked for SCRIPT DEBUG (Redis's
 * evalGenericCommandWithDebugging): YES is refused (no fork, see scriptDebug); SYNC runs
 * the script in a debugger session. The session's log goes out before the reply and
 * the connection closes after it — here when the call ends before the script stopped
 * (a bad numkeys, a compile error), else in the busy gate. Inside EXEC or while
 * loading the script runs as usual.
 */
function evalCommandRun(ctx: CommandContext, argv: string[], evalsha: boolean, ro: boolean): Reply | null {
  const client = ctx.client;
  if (client.luaDebug === 'no' || client.inExec || ctx.services.keyspace.loading) return evalGeneric(ctx, argv, evalsha, ro, undefined);
  if (evalsha) {
    // Redis's evalShaCommand: shown to MONITOR, then NOSCRIPT for a digest of the wrong
    // length, else a debugging session needs the script's text
    const feed = ctx.services.monitorFeed;
    if (feed.active) feed.commandLine(client, ctx.command, argv);
    return reply.error(argv[1]!.length !== 40 ? errors.noScript : errors.evalshaDebugging);
  }
  if (client.luaDebug === 'yes') {
    client.luaDebug = 'no';
    return reply.error(errors.scriptDebugNoFork);
  }
  const session = new LuaDebugSession(argv[1]!, () => ctx.config.int('busy-reply-threshold'));
  const r = evalGeneric(ctx, argv, evalsha, ro, session);
  if (r === null) return null;
  client.closeAfterReply = true;
  return reply.raw(Buffer.concat([encodeReply(session.end(), client.resp), encodeReply(r, client.resp)]));
}

function evalGeneric(ctx: CommandContext, argv: string[], evalsha: boolean, ro: boolean, debug: LuaDebugSession | undefined): Reply | null {
  // EVAL is skip_monitor: it shows itself before it runs, so the commands the script calls
  // (`[db lua]`) come after its line, as Redis's evalCommand does
  const feed = ctx.services.monitorFeed;
  if (feed.active) feed.commandLine(ctx.client, ctx.command, argv);
  const scripting = ctx.services.scripting.eval;
  // EVALSHA: a wrong-length digest cannot match, answered before anything else
  if (evalsha && argv[1]!.length !== 40) return reply.error(errors.noScript);
  const numkeys = readLongLong(argv[2]!);
  if (numkeys > argv.length - 3) return reply.error(errors.evalNumkeysTooMany);
  if (numkeys < 0) return reply.error(errors.evalNumkeysNegative);
  let script: CachedScript;
  if (evalsha) {
    const found = scripting.cache.get(argv[1]!);
    if (found === undefined) return reply.error(errors.noScript);
    script = found;
  } else {
    // flags of a script not compiled yet come from its shebang, as evalGetCommandFlags
    const known = scripting.cache.get(argv[1]!);
    if (known === undefined) {
      const sb = parseShebang(argv[1]!);
      if (sb.ok) {
        const refused = commandLevelRefusal(ctx, sb.flags);
        if (refused !== null) return reply.error(refused);
      }
    }
    const loaded = scripting.load(argv[1]!, true);
    if (!loaded.ok) return reply.error(loaded.error);
    script = loaded.script;
    if (known !== undefined) {
      const refused = commandLevelRefusal(ctx, script.flags);
      if (refused !== null) return reply.error(refused);
    }
    return run(ctx, argv, script, numkeys, ro, debug);
  }
  const refused = commandLevelRefusal(ctx, script.flags);
  if (refused !== null) return reply.error(refused);
  return run(ctx, argv, script, numkeys, ro, debug);
}

/** The script's reply, or null when it paused past busy-reply-threshold (it answers later). */
function run(ctx: CommandContext, argv: string[], script: CachedScript, numkeys: number, ro: boolean, debug: LuaDebugSession | undefined): Reply | null {
  const first = 3 + numkeys;
  return ctx.services.scripting.eval.runner.run(
    ctx,
    { chunk: script.chunk, name: script.sha, flags: script.flags },
    { keys: argv.slice(3, first), args: argv.slice(first), readOnlyCommand: ro, mode: 'eval', debug },
  );
}

const RW_NOTE = 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE';
const RO_NOTE = 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS';

export const evalCommand = defineCommand({
  name: 'eval',
  arity: -3,
  flags: ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'],
  categories: SCRIPTING,
  keySpecs: [{ ...keys.counted(2, 'RW', 'ACCESS', 'UPDATE'), notes: RW_NOTE }],
  docs: { summary: 'Executes a server-side Lua script.', since: '2.6.0', group: 'scripting', complexity: 'Depends on the script that is executed.', arguments: evalArguments('script') },
  run: (ctx, argv) => evalCommandRun(ctx, argv, false, false),
});

export const evalshaCommand = defineCommand({
  name: 'evalsha',
  arity: -3,
  flags: ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'],
  categories: SCRIPTING,
  keySpecs: [keys.counted(2, 'RW', 'ACCESS', 'UPDATE')],
  docs: { summary: 'Executes a server-side Lua script by SHA1 digest.', since: '2.6.0', group: 'scripting', complexity: 'Depends on the script that is executed.', arguments: evalArguments('sha1') },
  run: (ctx, argv) => evalCommandRun(ctx, argv, true, false),
});

export const evalRoCommand = defineCommand({
  name: 'eval_ro',
  arity: -3,
  flags: ['readonly', 'noscript', 'skip_monitor', 'no_mandatory_keys', 'stale'],
  categories: SCRIPTING,
  keySpecs: [{ ...keys.counted(2, 'RO', 'ACCESS'), notes: RO_NOTE }],
  docs: { summary: 'Executes a read-only server-side Lua script.', since: '7.0.0', group: 'scripting', complexity: 'Depends on the script that is executed.', arguments: evalArguments('script') },
  run: (ctx, argv) => evalCommandRun(ctx, argv, false, true),
});

export const evalshaRoCommand = defineCommand({
  name: 'evalsha_ro',
  arity: -3,
  flags: ['readonly', 'noscript', 'skip_monitor', 'no_mandatory_keys', 'stale'],
  categories: SCRIPTING,
  keySpecs: [keys.counted(2, 'RO', 'ACCESS')],
  docs: { summary: 'Executes a read-only server-side Lua script by SHA1 digest.', since: '7.0.0', group: 'scripting', complexity: 'Depends on the script that is executed.', arguments: evalArguments('sha1') },
  run: (ctx, argv) => evalCommandRun(ctx, argv, true, true),
});

const scriptLoad = defineCommand({
  name: 'load',
  arity: 3,
  flags: ['noscript', 'stale'],
  categories: SCRIPTING,
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  docs: { summary: 'Loads a server-side Lua script to the script cache.', since: '2.6.0', group: 'scripting', complexity: 'O(N) with N being the length in bytes of the script body.', arguments: [{ name: 'script', type: 'string' }] },
  run(ctx, argv) {
    const loaded = ctx.services.scripting.eval.load(argv[2]!, false);
    if (!loaded.ok) return reply.error(loaded.error);
    return reply.bulk(loaded.script.sha);
  },
});

const scriptExists = defineCommand({
  name: 'exists',
  arity: -3,
  flags: ['noscript'],
  categories: SCRIPTING,
  tips: ['request_policy:all_shards', 'response_policy:agg_logical_and'],
  docs: {
    summary: 'Determines whether server-side Lua scripts exist in the script cache.',
    since: '2.6.0',
    group: 'scripting',
    complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).',
    arguments: [{ name: 'sha1', type: 'string', multiple: true }],
  },
  run(ctx, argv) {
    const cache = ctx.services.scripting.eval.cache;
    const out: Reply[] = [];
    for (let i = 2; i < argv.length; i++) out.push(cache.has(argv[i]!) ? reply.one : reply.zero);
    return reply.array(out);
  },
});

const scriptFlush = defineCommand({
  name: 'flush',
  arity: -2,
  flags: ['noscript'],
  categories: SCRIPTING,
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Removes all server-side Lua scripts from the script cache.',
    since: '2.6.0',
    group: 'scripting',
    complexity: 'O(N) with N being the number of scripts in cache',
    arguments: [
      {
        name: 'flush-type',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'async', type: 'pure-token', token: 'ASYNC' },
          { name: 'sync', type: 'pure-token', token: 'SYNC' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    // ASYNC and SYNC free the same way here: the old VM is dropped whole
    if (argv.length === 3) {
      const mode = argv[2]!.toLowerCase();
      if (mode !== 'sync' && mode !== 'async') return reply.error(errors.scriptFlushMode);
    } else if (argv.length !== 2) {
      return reply.error(errors.scriptFlushMode);
    }
    ctx.services.scripting.eval.flush();
    return reply.ok;
  },
});

/**
 * SCRIPT DEBUG YES|SYNC|NO: the client's next EVAL / EVALSHA runs in the Lua debugger
 * (scripting/lua-debugger.ts). SYNC: the session runs on the server's data, changes
 * kept. YES is Redis's forked session, whose changes are rolled back: Redoubt cannot
 * fork, so YES is accepted (redis-cli --ldb ignores this reply) and the EVAL that
 * follows is refused as Redis refuses it when fork() fails — the script never runs.
 */
const scriptDebug = defineCommand({
  name: 'debug',
  arity: 3,
  flags: ['noscript'],
  categories: SCRIPTING,
  docs: {
    summary: 'Sets the debug mode of server-side Lua scripts.',
    since: '3.2.0',
    group: 'scripting',
    complexity: 'O(1)',
    arguments: [
      {
        name: 'mode',
        type: 'oneof',
        arguments: [
          { name: 'yes', type: 'pure-token', token: 'YES' },
          { name: 'sync', type: 'pure-token', token: 'SYNC' },
          { name: 'no', type: 'pure-token', token: 'NO' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    if (ctx.client.replyBufferUsed() > 0) return reply.error(errors.scriptDebugInPipeline);
    const mode = argv[2]!.toLowerCase();
    if (mode !== 'no' && mode !== 'yes' && mode !== 'sync') return reply.error(errors.scriptDebugUsage);
    ctx.client.luaDebug = mode;
    return reply.ok;
  },
});

/** Redis 7.2's SCRIPT HELP text, whole (DEBUG and KILL included). */
const HELP_LINES = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

const scriptHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: SCRIPTING,
  docs: { summary: 'Returns helpful text about the different subcommands.', since: '5.0.0', group: 'scripting', complexity: 'O(1)' },
  run: () => helpReply('SCRIPT', HELP_LINES),
});

export const scriptCommand = defineCommand({
  name: 'script',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for Lua scripts management commands.', since: '2.6.0', group: 'scripting', complexity: 'Depends on subcommand.' },
  subcommands: [scriptDebug, scriptLoad, scriptExists, scriptFlush, scriptKill, scriptHelp],
});

export const scriptingCommands: CommandDefinition[] = [evalCommand, evalshaCommand, evalRoCommand, evalshaRoCommand, scriptCommand];
