/**
 * CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: the client-side caching controls of
 * one connection (the table and the messages are server/tracking.ts), with Redis 7.2's
 * argument order, checks and error texts.
 *
 * One deliberate difference: when two PREFIX arguments of the same command overlap and
 * the first of them is not the first prefix given, Redis 7.2 replies with the overlap
 * error *and* then +OK (its check returns a non-zero index as success), enabling tracking
 * — two replies to one command, which desynchronises every client. Redoubt replies with
 * the error only and leaves tracking as it was.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { exactLongLong } from '../command-model/argument-reader.js';
import type { TrackingOptions } from '../server/client-tracking.js';

const CONN: ['connection'] = ['connection'];
const FLAGS = ['noscript', 'loading', 'stale'] as const;

const tracking = defineCommand({
  name: 'tracking',
  arity: -3,
  flags: FLAGS,
  categories: CONN,
  docs: {
    summary: 'Turns server-assisted client-side caching on or off for this connection.',
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1). Some options may introduce additional complexity.',
    arguments: [
      {
        name: 'status',
        type: 'oneof',
        arguments: [
          { name: 'on', type: 'pure-token', token: 'ON' },
          { name: 'off', type: 'pure-token', token: 'OFF' },
        ],
      },
      { name: 'client-id', type: 'integer', token: 'REDIRECT', optional: true },
      { name: 'prefix', type: 'string', token: 'PREFIX', optional: true, multiple: true },
      { name: 'BCAST', type: 'pure-token', token: 'BCAST', optional: true },
      { name: 'OPTIN', type: 'pure-token', token: 'OPTIN', optional: true },
      { name: 'OPTOUT', type: 'pure-token', token: 'OPTOUT', optional: true },
      { name: 'NOLOOP', type: 'pure-token', token: 'NOLOOP', optional: true },
    ],
  },
  run(ctx, argv) {
    const client = ctx.client;
    const services = ctx.services;
    let redirect = 0;
    const opts: TrackingOptions = { bcast: false, optin: false, optout: false, noloop: false };
    const prefixes: string[] = [];
    // options first, for ON and OFF alike (as Redis: OFF REDIRECT <gone> is an error too)
    for (let j = 3; j < argv.length; j++) {
      const word = argv[j]!.toLowerCase();
      const more = j < argv.length - 1;
      if (word === 'redirect' && more) {
        j++;
        if (redirect !== 0) return reply.error(errors.trackingRedirectTwice);
        const id = exactLongLong(argv[j]!);
        // the target must exist now (it may go away later: then the redirect is "broken")
        if (typeof id !== 'number' || services.clients.byId(id) === undefined) return reply.error(errors.trackingRedirectMissing);
        redirect = id;
      } else if (word === 'bcast') opts.bcast = true;
      else if (word === 'optin') opts.optin = true;
      else if (word === 'optout') opts.optout = true;
      else if (word === 'noloop') opts.noloop = true;
      else if (word === 'prefix' && more) prefixes.push(argv[++j]!);
      else return reply.error(errors.syntax);
    }
    const status = argv[2]!.toLowerCase();
    if (status === 'off') {
      services.tracking.disable(client);
      return reply.ok;
    }
    if (status !== 'on') return reply.error(errors.syntax);
    const err = checkEnable(ctx.client.tracking, opts, prefixes.length > 0);
    if (err !== null) return reply.error(err);
    if (opts.bcast) {
      const overlap = services.tracking.prefixOverlap(client, prefixes);
      if (overlap !== null) return reply.error(errors.trackingPrefixOverlap(overlap.prefix, overlap.other, overlap.existing));
    }
    services.tracking.enable(client, redirect, opts, prefixes);
    return reply.ok;
  },
});

/** CLIENT TRACKING ON's checks against the options and the client's current mode, in Redis's order. */
function checkEnable(current: { on: boolean; bcast: boolean; optin: boolean; optout: boolean } | null, opts: TrackingOptions, hasPrefixes: boolean): string | null {
  if (!opts.bcast && hasPrefixes) return errors.trackingPrefixNeedsBcast;
  const on = current !== null && current.on;
  if (on && current.bcast !== opts.bcast) return errors.trackingBcastSwitch;
  if (opts.bcast && (opts.optin || opts.optout)) return errors.trackingOptWithBcast;
  if (opts.optin && opts.optout) return errors.trackingOptinAndOptout;
  if (on && ((opts.optin && current.optout) || (opts.optout && current.optin))) return errors.trackingOptSwitch;
  return null;
}

const caching = defineCommand({
  name: 'caching',
  arity: 3,
  flags: FLAGS,
  categories: CONN,
  docs: {
    summary: 'Says whether the keys of the next command are tracked (OPTIN / OPTOUT modes).',
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [
      {
        name: 'mode',
        type: 'oneof',
        arguments: [
          { name: 'yes', type: 'pure-token', token: 'YES' },
          { name: 'no', type: 'pure-token', token: 'NO' },
        ],
      },
    ],
  },
  run(ctx, argv) {
    const t = ctx.client.tracking;
    if (t === null || !t.on) return reply.error(errors.cachingNotTracking);
    const opt = argv[2]!.toLowerCase();
    if (opt === 'yes') {
      if (!t.optin) return reply.error(errors.cachingYesNeedsOptin);
    } else if (opt === 'no') {
      if (!t.optout) return reply.error(errors.cachingNoNeedsOptout);
    } else return reply.error(errors.syntax);
    // lasts for the next command (or transaction): cleared by the connection layer
    t.caching = true;
    return reply.ok;
  },
});

const getredir = defineCommand({
  name: 'getredir',
  arity: 2,
  flags: FLAGS,
  categories: CONN,
  docs: {
    summary: 'Returns the client id tracking invalidations go to: 0 for this connection, -1 when not tracking.',
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1)',
  },
  run(ctx) {
    const t = ctx.client.tracking;
    return reply.int(t !== null && t.on ? t.redirect : -1);
  },
});

const trackinginfo = defineCommand({
  name: 'trackinginfo',
  arity: 2,
  flags: FLAGS,
  categories: CONN,
  docs: {
    summary: "Describes this connection's client-side caching: flags, redirect and prefixes.",
    since: '6.2.0',
    group: 'connection',
    complexity: 'O(1)',
  },
  run(ctx) {
    const t = ctx.client.tracking;
    const on = t !== null && t.on;
    const flags: Reply[] = [reply.bulk(on ? 'on' : 'off')];
    if (t !== null && on) {
      if (t.bcast) flags.push(reply.bulk('bcast'));
      if (t.optin) flags.push(reply.bulk('optin'));
      if (t.optin && t.caching) flags.push(reply.bulk('caching-yes'));
      if (t.optout) flags.push(reply.bulk('optout'));
      if (t.optout && t.caching) flags.push(reply.bulk('caching-no'));
      if (t.noloop) flags.push(reply.bulk('noloop'));
      if (t.brokenRedirect) flags.push(reply.bulk('broken_redirect'));
    }
    return reply.map([
      reply.bulk('flags'),
      reply.set(flags),
      reply.bulk('redirect'),
      reply.int(t !== null && on ? t.redirect : -1),
      reply.bulk('prefixes'),
      reply.bulks(t !== null ? t.prefixes : []),
    ]);
  },
});

/** The tracking subcommands of CLIENT (commands/client.ts lists them in its container). */
export const clientTrackingSubcommands: CommandDefinition[] = [caching, getredir, tracking, trackinginfo];
