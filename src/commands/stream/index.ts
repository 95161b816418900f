/**
 * Stream commands (t_stream.c): XADD XRANGE XREVRANGE XLEN XDEL XTRIM XREAD XREADGROUP
 * XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO XSETID, one file per concern.
 *
 * Arguments are checked in Redis's order (option parsing before the key lookup where
 * Redis does so), error texts are Redis 7.2's, and times (auto IDs, delivery and idle
 * times, seen/active times) come from `ctx.now`, the cached time of the command.
 */
import type { CommandDefinition } from '../../command-context/command-spec.js';
import { xadd, xtrim } from './add-trim.js';
import { xrange, xrevrange, xlen, xdel } from './range.js';
import { xread, xreadgroup } from './read.js';
import { xgroup } from './group.js';
import { xack, xpending, xclaim, xautoclaim } from './pending.js';
import { xinfo } from './info.js';
import { xsetid } from './setid.js';

export const streamCommands: CommandDefinition[] = [
  xadd,
  xrange,
  xrevrange,
  xlen,
  xdel,
  xtrim,
  xread,
  xreadgroup,
  xgroup,
  xack,
  xpending,
  xclaim,
  xautoclaim,
  xinfo,
  xsetid,
];
