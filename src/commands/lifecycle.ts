/**
 * Server lifecycle and clock: TIME and SHUTDOWN.
 *
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.2 parses it. Redoubt does not
 * wait for lagging replicas (NOW changes nothing) and shuts down at once; ABORT cancels a
 * shutdown a signal scheduled and the cron has not carried out yet (server/shutdown.ts).
 * Saving: SAVE, or configured save points without NOSAVE, writes the RDB file first; a
 * failure (or the AOF's first rewrite still running) keeps the server up unless FORCE,
 * exactly as Redis's finishShutdown. The AOF, when on, is flushed and fsynced as the
 * server closes.
 */
import { performance } from 'node:perf_hooks';
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';

export const time = defineCommand({
  name: 'time',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  tips: ['nondeterministic_output'],
  docs: { summary: 'Returns the server time.', since: '2.6.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    // microseconds: the real clock has sub-millisecond precision; an injected clock (tests) does
    // not. Inside a script time stands still, as Redis's cached time of the execution unit.
    let us: number;
    if (!ctx.services.monitor.systemClock) us = Math.floor(ctx.now) * 1000;
    else if (ctx.client.inScript) us = ctx.services.scriptBusy.startedAtUs();
    else us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const sec = Math.floor(us / 1e6);
    return reply.bulks([String(sec), String(us - sec * 1e6)]);
  },
});

export const shutdown = defineCommand({
  name: 'shutdown',
  arity: -1,
  flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'sentinel', 'allow_busy'],
  docs: {
    summary: 'Stops the server, optionally saving the data first.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
    arguments: [
      {
        name: 'save-selector',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'nosave', type: 'pure-token', token: 'NOSAVE' },
          { name: 'save', type: 'pure-token', token: 'SAVE' },
        ],
      },
      { name: 'now', type: 'pure-token', token: 'NOW', optional: true },
      { name: 'force', type: 'pure-token', token: 'FORCE', optional: true },
      { name: 'abort', type: 'pure-token', token: 'ABORT', optional: true },
    ],
  },
  run(ctx, argv) {
    let nosave = false;
    let save = false;
    let now = false;
    let force = false;
    let abort = false;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (a === 'nosave') nosave = true;
      else if (a === 'save') save = true;
      else if (a === 'now') now = true;
      else if (a === 'force') force = true;
      else if (a === 'abort') abort = true;
      else return reply.error(errors.syntax);
    }
    if ((abort && (nosave || save || now || force)) || (nosave && save)) return reply.error(errors.syntax);
    if (abort) return ctx.services.persistence.abortShutdown() ? reply.ok : reply.error(errors.shutdownNotInProgress);
    // while a script is paused past busy-reply-threshold only SHUTDOWN NOSAVE stops the
    // server: saving would write the script's half-done work
    if (!nosave) {
      const busy = ctx.services.scriptBusy.busyError();
      if (busy !== null) return reply.error(busy);
    }
    // save points without NOSAVE, or SAVE, write the final snapshot; the initial AOF
    // rewrite and a failed save keep the server up unless FORCE (logged there)
    if (!ctx.services.persistence.finishShutdown({ save, nosave, now, force })) return reply.error(errors.shutdownFailed);
    ctx.services.persistence.shutdown();
    // no reply: the connection closes with the server
    return null;
  },
});

export const serverCommands: CommandDefinition[] = [time, shutdown];
