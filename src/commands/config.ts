/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP, driven by the config table. Semantics and
 * error texts follow Redis 7.2's config.c: GET takes several glob patterns (hidden configs
 * only by exact name); SET takes several pairs and is all-or-nothing, restoring what it
 * changed when a later value or an owner's hook (ConfigStore.onChange) refuses.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { compileGlob } from '../keyspace/glob.js';
import type { ConfigDef } from '../config/config-def.js';
import type { ApplyHook, AsyncApplyHook } from '../config/config-store.js';
import type { Client } from '../server/client.js';
import { rewriteConfigFile } from '../config/config-rewrite.js';
import { aclListLine } from '../acl/describe.js';
import { strerror } from '../config/config-values.js';
import type { CommandContext } from '../command-context/context.js';

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

const configGet = defineCommand({
  name: 'get',
  arity: -3,
  flags: ADMIN,
  docs: {
    summary: 'Returns the effective values of configuration parameters.',
    since: '2.0.0',
    group: 'server',
    complexity: 'O(N) when N is the number of configuration parameters provided',
    arguments: [{ name: 'parameter', type: 'block', multiple: true, arguments: [{ name: 'parameter', type: 'string' }] }],
  },
  run(ctx, argv) {
    const config = ctx.config;
    // lower-case name → [name as replied, def]; case-insensitive like Redis's dicts
    const matches = new Map<string, [string, ConfigDef]>();
    for (let i = 2; i < argv.length; i++) {
      const pattern = argv[i]!;
      if (!/[[*?]/.test(pattern)) {
        const key = pattern.toLowerCase();
        if (matches.has(key)) continue;
        const def = config.def(pattern);
        if (def !== undefined) matches.set(key, [pattern, def]);
        continue;
      }
      // Bound once per argument, not once per config name.
      const match = compileGlob(pattern, true);
      for (const [name, def] of config.allNames()) {
        if ((def.flags ?? []).includes('hidden')) continue;
        if (matches.has(name)) continue;
        if (match(name)) matches.set(name, [name, def]);
      }
    }
    const items: Reply[] = [];
    for (const [name, def] of matches.values()) {
      const value = config.valueOf(def);
      // a credential the server uses upstream is never shown back, even to an admin
      items.push(reply.bulk(name), reply.bulk(value !== '' && (def.flags ?? []).includes('secret') ? '(redacted)' : value));
    }
    return reply.map(items);
  },
});

const configSet = defineCommand({
  name: 'set',
  arity: -4,
  flags: ADMIN,
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  docs: {
    summary: 'Sets configuration parameters, all of them or none.',
    since: '2.0.0',
    group: 'server',
    complexity: 'O(N) when N is the number of configuration parameters provided',
    arguments: [
      {
        name: 'parameter_value',
        type: 'block',
        multiple: true,
        arguments: [
          { name: 'parameter', type: 'string' },
          { name: 'value', type: 'string' },
        ],
      },
    ],
  },
  run: (ctx, argv) => configSetRun(ctx, argv),
});

interface Pending {
  def: ConfigDef;
  /** the registered name that matched (canonical or alias), for error messages */
  name: string;
  value: string;
}

function configSetRun(ctx: CommandContext, argv: string[]): Reply | null {
  if (argv.length % 2 === 1) return reply.error(errors.syntax);
  const config = ctx.config;
  const pending: Pending[] = [];
  let unknownName: string | null = null;
  let err: { name: string; reason: string } | null = null;
  // Redis answers -LOADING, not a CONFIG SET failure, for a DENY_LOADING_CONFIG while loading
  let denyLoading = false;

  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]!;
    const def = config.def(name);
    if (def === undefined) {
      if (unknownName === null && err === null) unknownName = name;
      continue;
    }
    const value = argv[i + 1]!;
    // Secrets never stay in the slow log or anywhere argv is recorded, even when the
    // command fails: redact every sensitive value before any early exit.
    if ((def.flags ?? []).includes('sensitive')) argv[i + 1] = '(redacted)';
    if (unknownName !== null || err !== null) continue;
    const flags = def.flags ?? [];
    if (flags.includes('immutable')) {
      err = { name, reason: "can't set immutable config" };
      continue;
    }
    if (flags.includes('protected') && !protectedAllowed(ctx)) {
      err = { name, reason: "can't set protected config" };
      continue;
    }
    if (flags.includes('deny-loading') && ctx.services.keyspace.loading) {
      denyLoading = true;
      err = { name, reason: 'loading' };
      continue;
    }
    if (pending.some((p) => p.def === def)) {
      err = { name, reason: 'duplicate parameter' };
      continue;
    }
    pending.push({ def, name: name.toLowerCase(), value });
  }
  if (unknownName !== null) return reply.error(errors.configSetUnknown(unknownName));
  if (denyLoading) return reply.error(errors.loading);
  if (err !== null) return setFailed(err.name, err.reason);

  const old = pending.map((p) => config.valueOf(p.def));
  // each distinct hook once, however many of its settings changed (one TLS reload)
  const applies: Apply[] = [];
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    const isMulti = (p.def.flags ?? []).includes('multi-arg');
    // Redis splits a multi-argument value on single spaces; "" is no argument at all.
    const args = isMulti ? (p.value === '' ? [] : p.value.split(' ')) : [p.value];
    const v = config.parse(p.def, args, 'set');
    const refused = typeof v !== 'string' ? null : config.refusal(p.def, v);
    // a refused value without effect says why; an unsupported security layer only that it is unsupported
    const reason = typeof v !== 'string' ? v.error : refused === null ? null : p.def.refuse !== undefined ? refused : `'${p.def.name}' is not supported yet by Redoubt`;
    if (reason !== null) {
      restore(ctx, pending, old, i + 1, null);
      return setFailed(p.name, reason);
    }
    const changed = (v as string) !== config.valueOf(p.def);
    config.store(p.def, v as string);
    if (changed) for (const hook of config.hooksOf(p.def)) if (!applies.some((a) => a.hook === hook)) applies.push({ hook, def: p.def, name: p.name });
  }
  for (const a of applies) {
    const e = a.hook(config.valueOf(a.def));
    if (e !== null) {
      ctx.services.monitor.logger.warning(`Failed applying new configuration. Possibly related to new ${a.def.name} setting. Restoring previous settings.`);
      restore(ctx, pending, old, pending.length, applies);
      return setFailed(a.name, e);
    }
  }
  // owners whose change completes later (listeners): the reply waits for them
  const asyncApplies: AsyncApply[] = [];
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    if (config.valueOf(p.def) === old[i]) continue;
    for (const hook of config.asyncHooksOf(p.def)) if (!asyncApplies.some((a) => a.hook === hook)) asyncApplies.push({ hook, def: p.def, name: p.name });
  }
  if (asyncApplies.length > 0) {
    const client = ctx.client;
    if (ctx.services.clients.replyLater(client, () => applyAsync(ctx, client, pending, old, applies, asyncApplies))) return null;
    // inside EXEC nothing can wait (no listener was touched): undo at once
    restore(ctx, pending, old, pending.length, applies);
    return setFailed(asyncApplies[0]!.name, 'cannot be changed inside MULTI/EXEC');
  }
  configChangedEvent(ctx, ctx.client, pending);
  return reply.ok;
}

function configChangedEvent(ctx: CommandContext, client: Client, pending: readonly Pending[]): void {
  const changes: Record<string, string> = {};
  for (const p of pending) changes[`config.${p.def.name}`] = (p.def.flags ?? []).includes('sensitive') ? '(redacted)' : ctx.config.valueOf(p.def);
  ctx.services.security.events.configChanged(ctx.services.security.actorOf(client), changes);
}

/** An owner's asynchronous hook to run after a CONFIG SET (config-store.ts). */
interface AsyncApply {
  hook: AsyncApplyHook;
  def: ConfigDef;
  name: string;
}

/**
 * The asynchronous hooks, one after the other. On a refusal the previous values are put
 * back and every hook that ran, the refusing one included, runs again with them (a
 * listener rebinds to its old addresses; one that never moved is left as it is).
 */
async function applyAsync(ctx: CommandContext, client: Client, pending: Pending[], old: string[], applies: Apply[], asyncApplies: AsyncApply[]): Promise<Reply> {
  const config = ctx.config;
  for (let i = 0; i < asyncApplies.length; i++) {
    const a = asyncApplies[i]!;
    const e = await a.hook(config.valueOf(a.def));
    if (e === null) continue;
    ctx.services.monitor.logger.warning(`Failed applying new configuration. Possibly related to new ${a.def.name} setting. Restoring previous settings.`);
    restore(ctx, pending, old, pending.length, applies);
    for (let j = 0; j <= i; j++) {
      const back = asyncApplies[j]!;
      const e2 = await back.hook(config.valueOf(back.def));
      if (e2 !== null) ctx.services.monitor.logger.warning(`Failed applying restored failed CONFIG SET command: ${e2}`);
    }
    return setFailed(a.name, e);
  }
  configChangedEvent(ctx, client, pending);
  return reply.ok;
}

function setFailed(name: string, reason: string): Reply {
  return reply.error(errors.configSetFailed(name, reason));
}

/** A setting's owner hook to run after a CONFIG SET (config-store.ts: push). */
interface Apply {
  hook: ApplyHook;
  def: ConfigDef;
  name: string;
}

/** Puts back the first `count` previous values (and re-runs the hooks that ran). */
function restore(ctx: CommandContext, pending: Pending[], old: string[], count: number, applies: Apply[] | null): void {
  for (let i = 0; i < count; i++) ctx.config.store(pending[i]!.def, old[i]!);
  for (const a of applies ?? []) {
    const e = a.hook(ctx.config.valueOf(a.def));
    if (e !== null) ctx.services.monitor.logger.warning(`Failed applying restored failed CONFIG SET command: ${e}`);
  }
}

/** enable-protected-configs: yes, or local for loopback / unix socket clients. */
function protectedAllowed(ctx: CommandContext): boolean {
  const mode = ctx.config.get('enable-protected-configs');
  if (mode === 'yes') return true;
  if (mode !== 'local') return false;
  const c = ctx.client;
  if (c.isUnix) return true;
  const host = c.addr.slice(0, c.addr.lastIndexOf(':'));
  return host === '127.0.0.1' || host === '::1';
}

const configResetStat = defineCommand({
  name: 'resetstat',
  arity: 2,
  flags: ADMIN,
  docs: { summary: 'Resets the server statistics INFO reports.', since: '2.0.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const monitor = ctx.services.monitor;
    // Redis resets server stats, per-command stats, error stats and the per-command
    // latency histograms (not the slow log, not LATENCY events).
    monitor.stats.reset();
    monitor.latency.resetHistograms();
    for (const cmd of ctx.services.commands.table.all) {
      cmd.stats.calls = 0;
      cmd.stats.usec = 0;
      cmd.stats.rejectedCalls = 0;
      cmd.stats.failedCalls = 0;
    }
    return reply.ok;
  },
});

const configRewrite = defineCommand({
  name: 'rewrite',
  arity: 2,
  flags: ADMIN,
  docs: { summary: 'Writes the running configuration back to the config file.', since: '2.8.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const config = ctx.config;
    const logger = ctx.services.monitor.logger;
    const file = config.configFile;
    if (file === null) return reply.error(errors.configNoFile);
    try {
      // users go into the config file unless an aclfile holds them (then user lines are dropped)
      const userLines = config.get('aclfile') !== '' ? [] : ctx.services.security.acl.users.list().map(aclListLine);
      rewriteConfigFile(config, file, userLines);
    } catch (e) {
      const reason = strerror(e);
      logger.warning(`CONFIG REWRITE failed: ${reason}`);
      return reply.error(errors.configRewrite(reason));
    }
    logger.warning('CONFIG REWRITE executed with success.');
    return reply.ok;
  },
});

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
].map((l) => reply.simple(l));

const configHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Lists the CONFIG subcommands.', since: '5.0.0', group: 'server', complexity: 'O(1)' },
  run: () => reply.array(HELP),
});

export const config = defineCommand({
  name: 'config',
  arity: -2,
  flags: [],
  docs: { summary: 'Groups the server configuration subcommands.', since: '2.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [configGet, configSet, configResetStat, configRewrite, configHelp],
});

export const configCommands: CommandDefinition[] = [config];
