/**
 * SCRIPT KILL and FUNCTION KILL (Redis 7.2's scriptKill): stop the script that is
 * paused past busy-reply-threshold, if it has not written. Both are `allow_busy`:
 * they are answered while a script keeps every other command out. The busy state
 * itself lives in server/script-busy.ts.
 */
import { defineCommand } from '../command-context/command-spec.js';

/** SCRIPT KILL: a subcommand of SCRIPT (commands/scripting.ts). */
export const scriptKill = defineCommand({
  name: 'kill',
  arity: 2,
  flags: ['noscript', 'allow_busy'],
  categories: ['scripting'],
  tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
  docs: { summary: 'Terminates a server-side Lua script during execution.', since: '2.6.0', group: 'scripting', complexity: 'O(1)' },
  run: (ctx) => ctx.services.scriptBusy.kill('eval'),
});

/** FUNCTION KILL: a subcommand of FUNCTION (the functions family registers it). */
export const functionKill = defineCommand({
  name: 'kill',
  arity: 2,
  flags: ['noscript', 'allow_busy'],
  categories: ['scripting'],
  tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
  docs: { summary: 'Terminates a function during execution.', since: '7.0.0', group: 'scripting', complexity: 'O(1)' },
  run: (ctx) => ctx.services.scriptBusy.kill('function'),
});
