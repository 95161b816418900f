/**
 * FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE / STATS / KILL / HELP and FCALL /
 * FCALL_RO (Redis 7's functions.c). FCALL runs a function through the scripting runner
 * (scripting/script-runner.ts: flag rules, the script client, redis.call's bridge with the
 * caller's ACL, effects propagation) on the libraries' VM. The registry is scripting/function-libraries.ts, reached through
 * `ctx.services.functions`. Every change counts as one dirty change (server.dirty++ in
 * Redis), so the write feed carries the command as called and an AOF replay rebuilds the
 * libraries; a replayed LOAD runs without the load timeout, as Redis's mustObeyClient.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import { errors } from '../errors.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { reply, type Reply } from '../protocol/reply.js';
import { globMatch } from '../keyspace/glob.js';
import { FUNCTION_FLAG_NAMES } from '../scripting/lua-vm.js';
import {
  FLAG_ALLOW_CROSS_SLOT,
  FLAG_ALLOW_OOM,
  FLAG_ALLOW_STALE,
  FLAG_NO_CLUSTER,
  FLAG_NO_WRITES,
  LOAD_TIMEOUT_MS,
  LUA_ENGINE_NAME,
  type FunctionInfo,
  type LoadEnvironment,
  type RestorePolicy,
} from '../scripting/function-libraries.js';
import type { ScriptFlags } from '../scripting/shebang.js';
import { createFunctionsPayload, readFunctionsPayload } from '../persistence/rdb/function-payload.js';
import { functionKill } from './script-kill.js';
import { helpReply } from './command-introspection.js';

const GROUP = 'scripting';

/** How a load runs for this caller: no timeout while replaying the AOF. */
function loadEnvironment(ctx: CommandContext): LoadEnvironment {
  return { timeoutMs: ctx.services.keyspace.loading ? 0 : LOAD_TIMEOUT_MS, hostFunction: ctx.services.functions.loadHostFunction };
}

const load = defineCommand({
  name: 'load',
  categories: ['scripting'],
  arity: -3,
  flags: ['write', 'denyoom', 'noscript'],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Creates a library.',
    since: '7.0.0',
    group: GROUP,
    complexity: 'O(1) (considering compilation time is redundant)',
    arguments: [
      { name: 'replace', type: 'pure-token', token: 'REPLACE', optional: true },
      { name: 'function-code', type: 'string' },
    ],
  },
  run(ctx, argv) {
    let replace = false;
    let i = 2;
    // every argument but the last is an option; the last is the code
    for (; i < argv.length - 1; i++) {
      if (argv[i]!.toLowerCase() === 'replace') replace = true;
      else return reply.error(errors.fnLoadUnknownOption(argv[i]!));
    }
    const r = ctx.services.functions.libraries.load(argv[i]!, replace, loadEnvironment(ctx));
    if (!r.ok) return reply.error(errors.fnLibrary(r.error));
    ctx.services.keyspace.addDirty(1);
    return reply.bulk(r.name);
  },
});

function flagsReply(flags: number): Reply {
  const out: Reply[] = [];
  FUNCTION_FLAG_NAMES.forEach((name, i) => {
    if (flags & (1 << i)) out.push(reply.simple(name));
  });
  return reply.set(out);
}

const list = defineCommand({
  name: 'list',
  categories: ['scripting'],
  arity: -2,
  flags: ['noscript'],
  tips: ['nondeterministic_output_order'],
  docs: {
    summary: 'Returns information about all libraries.',
    since: '7.0.0',
    group: GROUP,
    complexity: 'O(N) where N is the number of functions',
    arguments: [
      { name: 'library-name-pattern', type: 'string', token: 'LIBRARYNAME', optional: true },
      { name: 'withcode', type: 'pure-token', token: 'WITHCODE', optional: true },
    ],
  },
  run(ctx, argv) {
    let withCode = false;
    let pattern: string | null = null;
    for (let i = 2; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (!withCode && a === 'withcode') {
        withCode = true;
        continue;
      }
      if (pattern === null && a === 'libraryname') {
        if (i >= argv.length - 1) return reply.error(errors.fnListNoLibraryName);
        pattern = argv[++i]!;
        continue;
      }
      return reply.error(errors.fnListUnknownArgument(argv[i]!));
    }
    const out: Reply[] = [];
    for (const li of ctx.services.functions.libraries.libraries.values()) {
      if (pattern !== null && !globMatch(pattern, li.name, true)) continue;
      const fns = li.functions.map((fi) =>
        reply.map([
          reply.bulk('name'),
          reply.bulk(fi.name),
          reply.bulk('description'),
          fi.description === null ? reply.nil : reply.bulk(fi.description),
          reply.bulk('flags'),
          flagsReply(fi.flags),
        ]),
      );
      const fields: Reply[] = [reply.bulk('library_name'), reply.bulk(li.name), reply.bulk('engine'), reply.bulk(LUA_ENGINE_NAME), reply.bulk('functions'), reply.array(fns)];
      if (withCode) fields.push(reply.bulk('library_code'), reply.bulk(li.code));
      out.push(reply.map(fields));
    }
    return reply.array(out);
  },
});

const del = defineCommand({
  name: 'delete',
  categories: ['scripting'],
  arity: 3,
  flags: ['write', 'noscript'],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  docs: { summary: 'Deletes a library and its functions.', since: '7.0.0', group: GROUP, complexity: 'O(1)', arguments: [{ name: 'library-name', type: 'string' }] },
  run(ctx, argv) {
    if (!ctx.services.functions.libraries.delete(argv[2]!)) return reply.error(errors.fnLibraryNotFound);
    ctx.services.keyspace.addDirty(1);
    return reply.ok;
  },
});

const flush = defineCommand({
  name: 'flush',
  categories: ['scripting'],
  arity: -2,
  flags: ['write', 'noscript'],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Deletes all libraries and functions.',
    since: '7.0.0',
    group: GROUP,
    complexity: 'O(N) where N is the number of functions deleted',
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
    if (argv.length > 3) return reply.error(errors.subcommandSyntax(argv));
    if (argv.length === 3) {
      const mode = argv[2]!.toLowerCase();
      if (mode !== 'sync' && mode !== 'async') return reply.error(errors.fnFlushOption);
    }
    // ASYNC and SYNC free the same way here: the libraries' memory is one VM, dropped at once
    ctx.services.functions.libraries.flush();
    ctx.services.keyspace.addDirty(1);
    return reply.ok;
  },
});

const dump = defineCommand({
  name: 'dump',
  categories: ['scripting'],
  arity: 2,
  flags: ['noscript'],
  docs: { summary: 'Dumps all libraries into a serialized binary payload.', since: '7.0.0', group: GROUP, complexity: 'O(N) where N is the number of functions' },
  run(ctx) {
    const payload = createFunctionsPayload(ctx.services.functions.libraries.codes(), ctx.config.bool('rdbcompression'));
    return reply.bulk(payload.toString('latin1'));
  },
});

const restore = defineCommand({
  name: 'restore',
  categories: ['scripting'],
  arity: -3,
  flags: ['write', 'denyoom', 'noscript'],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Restores all libraries from a payload.',
    since: '7.0.0',
    group: GROUP,
    complexity: 'O(N) where N is the number of functions on the payload',
    arguments: [
      { name: 'serialized-value', type: 'string' },
      {
        name: 'policy',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'flush', type: 'pure-token', token: 'FLUSH' },
          { name: 'append', type: 'pure-token', token: 'APPEND' },
          { name: 'replace', type: 'pure-token', token: 'REPLACE' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    if (argv.length > 4) return reply.error(errors.subcommandSyntax(argv));
    let policy: RestorePolicy = 'append';
    if (argv.length === 4) {
      const p = argv[3]!.toLowerCase();
      if (p === 'append' || p === 'replace' || p === 'flush') policy = p;
      else return reply.error(errors.fnRestorePolicy);
    }
    const payload = readFunctionsPayload(Buffer.from(argv[2]!, 'latin1'));
    if (!payload.ok) return reply.error(errors.fnLibrary(payload.error));
    // Redis restores without the load timeout, so a payload whose library never returns
    // hangs it; Redoubt gives a client's RESTORE the same 500 ms as LOAD (not a replay)
    const err = ctx.services.functions.libraries.restore(payload.codes, policy, loadEnvironment(ctx));
    if (err !== null) return reply.error(errors.fnLibrary(err));
    ctx.services.keyspace.addDirty(1);
    return reply.ok;
  },
});

const stats = defineCommand({
  name: 'stats',
  categories: ['scripting'],
  arity: 2,
  flags: ['noscript', 'allow_busy'],
  tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
  docs: { summary: 'Returns information about a function during execution.', since: '7.0.0', group: GROUP, complexity: 'O(1)' },
  run(ctx) {
    // while an EVAL script is paused FUNCTION STATS is refused as Redis does (only
    // a running function is reported)
    if (ctx.services.scriptBusy.running()?.kind === 'eval') return reply.error(errors.busyScriptEval);
    const libs = ctx.services.functions.libraries;
    const running = ctx.services.functions.runningFunction();
    const runningReply =
      running === null
        ? reply.nil
        : reply.map([reply.bulk('name'), reply.bulk(running.name), reply.bulk('command'), reply.bulks(running.argv), reply.bulk('duration_ms'), reply.int(running.durationMs)]);
    return reply.map([
      reply.bulk('running_script'),
      runningReply,
      reply.bulk('engines'),
      reply.map([reply.bulk(LUA_ENGINE_NAME), reply.map([reply.bulk('libraries_count'), reply.int(libs.libraryCount), reply.bulk('functions_count'), reply.int(libs.functionCount)])]),
    ]);
  },
});


const HELP_LINES = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const help = defineCommand({
  name: 'help',
  categories: ['scripting'],
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Returns helpful text about the different subcommands.', since: '7.0.0', group: GROUP, complexity: 'O(1)' },
  run: () => helpReply('FUNCTION', HELP_LINES),
});

export const functionCommand = defineCommand({
  name: 'function',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for function commands.', since: '7.0.0', group: GROUP, complexity: 'Depends on subcommand.' },
  subcommands: [del, dump, flush, help, functionKill, list, load, restore, stats],
});

/** A function's registered flags as the runner reads them (functions are never in compat mode). */
function scriptFlags(fi: FunctionInfo): ScriptFlags {
  return {
    compat: false,
    noWrites: (fi.flags & FLAG_NO_WRITES) !== 0,
    allowOom: (fi.flags & FLAG_ALLOW_OOM) !== 0,
    allowStale: (fi.flags & FLAG_ALLOW_STALE) !== 0,
    noCluster: (fi.flags & FLAG_NO_CLUSTER) !== 0,
    allowCrossSlot: (fi.flags & FLAG_ALLOW_CROSS_SLOT) !== 0,
  };
}

/**
 * Redis's fcallCommandGeneric with processCommand's refusal first: the function's flags
 * make FCALL a deny-oom write command unless it declared allow-oom / no-writes
 * (fcallGetCommandFlags), so OOM and MISCONF are refused before the arguments are read.
 */
function fcall(ctx: CommandContext, argv: string[], ro: boolean): Reply | null {
  // FCALL is skip_monitor: fed before the function runs, so its commands come after it
  const feed = ctx.services.monitorFeed;
  if (feed.active) feed.commandLine(ctx.client, ctx.command, argv);
  const fns = ctx.services.functions;
  const fi = fns.libraries.lookup(argv[1]!);
  if (fi === undefined) return reply.error(errors.fnNotFound);
  const flags = scriptFlags(fi);
  if (!ctx.client.inExec && !ctx.services.keyspace.loading) {
    const scripting = ctx.services.scripting;
    if (!flags.allowOom && !flags.noWrites && scripting.outOfMemory()) return reply.error(errors.oom);
    if (!flags.noWrites) {
      const disk = scripting.diskError();
      if (disk !== null) return reply.error(disk);
    }
  }
  // getLongLongFromObject with FCALL's own text for anything string2ll refuses
  const numkeys = readLongLong(argv[2]!, errors.fnBadNumKeys);
  if (numkeys > argv.length - 3) return reply.error(errors.fnNumKeysTooMany);
  if (numkeys < 0) return reply.error(errors.fnNumKeysNegative);
  const first = 3 + numkeys;
  // stays set while the function is paused past busy-reply-threshold (FUNCTION STATS reads
  // it then); the next FCALL replaces it
  fns.libraries.current = { name: fi.name, argv, startedAt: performance.now() };
  return fns.runner.run(ctx, { chunk: fi.chunk, name: fi.name, flags }, { keys: argv.slice(3, first), args: argv.slice(first), readOnlyCommand: ro, mode: 'function' });
}

function fcallArguments(): CommandDefinition['docs']['arguments'] {
  return [
    { name: 'function', type: 'string' },
    { name: 'numkeys', type: 'integer' },
    { name: 'key', type: 'key', optional: true, multiple: true },
    { name: 'arg', type: 'string', optional: true, multiple: true },
  ];
}

export const fcallCommand = defineCommand({
  name: 'fcall',
  arity: -3,
  flags: ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'],
  categories: ['scripting'],
  keySpecs: [{ ...keys.counted(2, 'RW', 'ACCESS', 'UPDATE'), notes: 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE' }],
  docs: { summary: 'Invokes a function.', since: '7.0.0', group: GROUP, complexity: 'Depends on the function that is executed.', arguments: fcallArguments() },
  run: (ctx, argv) => fcall(ctx, argv, false),
});

export const fcallRoCommand = defineCommand({
  name: 'fcall_ro',
  arity: -3,
  flags: ['readonly', 'noscript', 'skip_monitor', 'no_mandatory_keys', 'stale'],
  categories: ['scripting'],
  keySpecs: [{ ...keys.counted(2, 'RO', 'ACCESS'), notes: 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS' }],
  docs: { summary: 'Invokes a read-only function.', since: '7.0.0', group: GROUP, complexity: 'Depends on the function that is executed.', arguments: fcallArguments() },
  run: (ctx, argv) => fcall(ctx, argv, true),
});

export const functionCommands: CommandDefinition[] = [functionCommand, fcallCommand, fcallRoCommand];
