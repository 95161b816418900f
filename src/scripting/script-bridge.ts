/**
 * The redis.call / redis.pcall bridge: one command from a running script, checked and
 * executed for the script's caller as Redis 7.2's scriptCall does.
 *
 * Contract: `callFromScript(run, argv)` returns the command's reply, or the error reply
 * that refused it — never throws. Checks, in Redis's order:
 *   1. the command exists ("Unknown Redis command called from script") and its arity;
 *   2. it may run in scripts (not `noscript`: MULTI, EVAL, SUBSCRIBE, …);
 *   3. ACL of the CALLER's user: command bits, keys, channels; a denial goes to ACL LOG
 *      with context `lua` and reads "ACL failure in script: …";
 *   4. writes: refused in read-only runs (EVAL_RO, no-writes: also `may_replicate`
 *      commands); before the script's first write, refused while writes fail (MISCONF);
 *   5. deny-oom commands before the first write when memory was over maxmemory at the
 *      start, unless the run allows OOM.
 * A write marks the run dirty (later writes are not refused half-way through). The
 * command then runs through the dispatcher's `call` on the script's own client, so it
 * is counted, propagated (unless redis.set_repl said otherwise), signals WATCH and
 * keyspace events like any command. Rejections count in the command's rejected_calls
 * and in errorstats, as Redis.
 */
import type { CommandEntry } from '../command-model/command-data.js';
import { errors } from '../errors.js';
import { reply, type Reply } from '../protocol/reply.js';
import { denialObject, nopermMessage } from '../acl/access-control.js';
import type { ScriptRun } from './script-run.js';

/** Redis's lookupCommand for a script: a container needs a known subcommand. */
export function lookupScriptCommand(run: ScriptRun, argv: readonly string[]): CommandEntry | undefined {
  const found = run.ctx.services.commands.table.lookup(argv[0]!);
  if (found === undefined || found.subcommandMap === null || argv.length < 2) return found;
  return found.subcommandMap.get(argv[1]!.toLowerCase());
}

function refuse(run: ScriptRun, cmd: CommandEntry | undefined, text: string): Reply {
  if (cmd !== undefined) cmd.stats.rejectedCalls++;
  const r = reply.error(text);
  run.ctx.services.monitor.countError(r);
  return r;
}

/** The ACL check of redis.call / redis.acl_check_cmd: null when the caller's user may run it. */
export function scriptAclDenial(run: ScriptRun, cmd: CommandEntry, argv: readonly string[], log: boolean): string | null {
  const acl = run.ctx.services.security.acl;
  const user = run.caller.client.aclUser;
  const res = acl.permission(user, cmd, argv);
  if (res.ok) return null;
  if (log) acl.recordDenial(run.caller.client, res.reason, 'lua', denialObject(cmd.fullName, res), user.name);
  // Redis's getAclErrorMessage, without the NOPERM code
  return nopermMessage(user, cmd, res).replace(/^NOPERM /, '');
}

export function callFromScript(run: ScriptRun, argv: string[]): Reply {
  const admitted = admitScriptCall(run, argv);
  return 'k' in admitted ? admitted : runScriptCall(run, admitted, argv);
}

/** The checks of callFromScript: the command to run, or the error reply that refused it. */
export function admitScriptCall(run: ScriptRun, argv: string[]): CommandEntry | Reply {
  const cmd = lookupScriptCommand(run, argv);
  if (cmd === undefined) return refuse(run, undefined, errors.scriptUnknownCommand);
  if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) {
    return refuse(run, cmd, errors.scriptWrongArity);
  }
  // DEBUG SET-DISABLE-DENY-SCRIPTS 1 (Redis's testing switch) lets noscript commands through
  if (cmd.flags.includes('noscript') && !run.ctx.services.debug.knobs.disableDenyScripts) return refuse(run, cmd, errors.scriptNoScriptCommand);
  // a replica whose link is down with replica-serve-stale-data no: only `stale` commands
  // (an allow-stale script gets this far; Redis's scriptVerifyAllowStale)
  if (run.ctx.services.scripting.runningStale() && !cmd.flags.includes('stale')) return refuse(run, cmd, errors.scriptStaleCommand);
  const denied = scriptAclDenial(run, cmd, argv, true);
  if (denied !== null) return refuse(run, cmd, errors.scriptAclFailure(denied));
  // an AOF replay re-runs what the master accepted (Redis's mustObeyClient)
  const obey = run.ctx.services.keyspace.loading;
  if (run.readOnly && (cmd.isWrite || cmd.flags.includes('may_replicate'))) {
    return refuse(run, cmd, errors.scriptWriteFromReadOnly);
  }
  if (cmd.isWrite && !run.writeDirty && !obey) {
    // as Redis's scriptVerifyWriteCommandAllow: a read-only replica first, then the disk
    if (run.ctx.services.scripting.readOnlyReplica()) return refuse(run, cmd, errors.readOnlyReplica);
    const disk = run.ctx.services.scripting.diskError();
    if (disk !== null) return refuse(run, cmd, disk);
    // min-replicas-to-write (a script without flags; one with flags was refused before it ran)
    if (run.ctx.services.scripting.notEnoughReplicas()) return refuse(run, cmd, errors.noReplicas);
  }
  if (!run.allowOom && run.oomAtStart && !run.writeDirty && !obey && cmd.flags.includes('denyoom')) {
    return refuse(run, cmd, errors.oom);
  }
  return cmd;
}

/** Runs an admitted command on the script's client (callFromScript's second half). */
export function runScriptCall(run: ScriptRun, cmd: CommandEntry, argv: string[]): Reply {
  if (cmd.isWrite) run.writeDirty = true;
  const propagation = run.ctx.propagation;
  const targets = propagation.targets;
  propagation.targets = run.repl;
  try {
    return run.ctx.services.commands.call(run.ctx, cmd, argv) ?? reply.nil;
  } finally {
    propagation.targets = targets;
  }
}
