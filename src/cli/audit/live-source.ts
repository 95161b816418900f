/**
 * Reads a running server (Redoubt or Redis 6/7) into ServerFacts through INFO server,
 * CONFIG GET *, ACL LIST, COMMAND INFO and ACL DRYRUN. Nothing it sends changes state.
 * Commands renamed by the config file's rename-command lines (when the audit was given
 * the file too) are called by their new names.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type ConnectOptions, RespClient, RespError, type RespValue, TlsPortError } from '../resp-client.js';
import { DANGEROUS_COMMANDS, type ServerFacts, userFromRules } from './facts.js';
import { splitArgs } from '../../config/split-args.js';

export class LiveAuditError extends Error {}

export interface LiveOptions extends ConnectOptions {
  user?: string;
  pass?: string;
  /** rename-command pairs (original lowercase → new name, "" = disabled) from --config */
  renames?: ReadonlyArray<readonly [string, string]>;
}

/**
 * Dangerous commands every Redoubt release implements: on Redoubt, one of these that
 * COMMAND INFO does not find under its name was renamed or disabled by rename-command
 * (Redoubt's COMMAND LIST shows the new name, unlike Redis's, so the list cannot tell).
 */
const REDOUBT_BUILTIN = new Set(['flushall', 'flushdb', 'config', 'keys', 'shutdown']);

function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

export async function factsFromLiveServer(opts: LiveOptions): Promise<ServerFacts> {
  const origin = `${opts.host}:${opts.port}${opts.tls === true ? ' (TLS)' : ''}`;
  let client: RespClient;
  try {
    client = await RespClient.connect(opts);
  } catch (e) {
    throw new LiveAuditError(`cannot connect to ${origin}: ${(e as Error).message}`);
  }
  try {
    return await gather(client, opts, origin);
  } catch (e) {
    if (e instanceof LiveAuditError) throw e;
    // Cleartext refused before any reply: confirm with a TLS handshake whether the port speaks TLS.
    if (opts.tls !== true && (e instanceof TlsPortError || /without a reply|before any reply/.test((e as Error).message)) && (await speaksTls(opts.host, opts.port))) {
      throw new LiveAuditError(`${origin}: this port speaks TLS: use --tls (with --cacert, and --cert/--key for mTLS)`);
    }
    throw new LiveAuditError(`${origin}: ${(e as Error).message}`);
  } finally {
    client.close();
  }
}

/**
 * Whether host:port completes (or fails inside) a TLS handshake. Nothing is sent beyond the
 * handshake and no certificate is trusted: the answer only picks the error message.
 */
function speaksTls(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false, servername: net.isIP(host) === 0 ? host : undefined });
    const done = (v: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), 3000);
    s.once('secureConnect', () => done(true));
    s.once('error', (e: NodeJS.ErrnoException) => done(/alert|certificate|handshake/i.test(e.message) && !/wrong version number|packet length too long/i.test(e.message)));
  });
}

async function gather(client: RespClient, opts: LiveOptions, origin: string): Promise<ServerFacts> {
  const gaps: string[] = [];
  if (opts.pass !== undefined) {
    const r = opts.user !== undefined ? await client.call('AUTH', opts.user, opts.pass) : await client.call('AUTH', opts.pass);
    if (r instanceof RespError) throw new LiveAuditError(`authentication failed: ${r.message}`);
  }
  const info = await client.call('INFO', 'server');
  let version: string | undefined;
  let redoubtVersion: string | undefined;
  if (info instanceof RespError && info.message.startsWith('NOPERM')) {
    // A user without INFO can still be graded on what else it may read.
    gaps.push(`INFO refused (${info.message}): version checks skipped`);
  } else if (info instanceof RespError) {
    throw new LiveAuditError(`INFO server failed: ${info.message}`);
  } else if (typeof info !== 'string') {
    throw new LiveAuditError('INFO server: unexpected reply');
  } else {
    version = infoField(info, 'redis_version');
    redoubtVersion = infoField(info, 'redoubt_version');
  }

  const renamed = new Map((opts.renames ?? []).map(([from, to]) => [from.toLowerCase(), to]));
  /** the name a command answers to on this server, as far as the audit knows */
  const nameOf = (c: string): string => renamed.get(c) ?? c;

  const commandPresent = new Map<string, boolean>();
  for (const c of DANGEROUS_COMMANDS) {
    const r = await client.call('COMMAND', 'INFO', c.name);
    if (Array.isArray(r)) commandPresent.set(c.name, r.length > 0 && r[0] !== null);
  }

  // Redis's COMMAND LIST (7.0+) still names a command renamed or disabled by rename-command,
  // while COMMAND INFO finds it only under its current name: the difference reveals the
  // rename. Redoubt lists the new name, but it implements every REDOUBT_BUILTIN command,
  // so one missing under its name there was renamed or disabled too.
  const hiddenCommands: string[] = [];
  const list = await client.call('COMMAND', 'LIST');
  const listed = Array.isArray(list) ? new Set(list.map((n) => String(n).toLowerCase())) : null;
  for (const c of DANGEROUS_COMMANDS) {
    if (commandPresent.get(c.name) !== false) continue;
    const builtIn = redoubtVersion !== undefined ? REDOUBT_BUILTIN.has(c.name) : listed?.has(c.name) === true;
    if (builtIn || renamed.has(c.name)) hiddenCommands.push(c.name);
  }
  const configHidden = hiddenCommands.includes('config') && nameOf('config') === 'config';

  const directives = new Map<string, string[]>();
  const conf = nameOf('config') === '' ? new RespError("ERR unknown command 'CONFIG' (disabled by rename-command)") : await client.call(nameOf('config'), 'GET', '*');
  if (Array.isArray(conf)) {
    for (let i = 0; i + 1 < conf.length; i += 2) {
      const name = String(conf[i]).toLowerCase();
      const value = String(conf[i + 1]);
      directives.set(name, name === 'bind' ? value.split(' ').filter((s) => s !== '') : [value]);
    }
  } else if (configHidden || (conf instanceof RespError && /^ERR unknown command/i.test(conf.message))) {
    // Not a permission problem: an admin gets the same answer, so do not ask for one.
    gaps.push(
      `CONFIG is renamed or disabled (rename-command), so CONFIG GET * could not run: network, TLS and protected-mode checks skipped; ` +
        `give the config file too (--config <file>): its rename-command lines are then used to call CONFIG by its new name`,
    );
  } else {
    gaps.push(`CONFIG GET * refused (${describe(conf)}): network, TLS and protected-mode checks skipped`);
  }

  const users = [];
  let usersKnown = false;
  const acl = nameOf('acl') === '' ? new RespError("ERR unknown command 'ACL' (disabled by rename-command)") : await client.call(nameOf('acl'), 'LIST');
  if (Array.isArray(acl)) {
    usersKnown = true;
    for (const line of acl) {
      const args = splitArgs(String(line));
      if (args !== null && args.length >= 2 && args[0] === 'user') users.push(userFromRules(args[1]!, args.slice(2)));
    }
  } else if (acl instanceof RespError && /^ERR unknown command/i.test(acl.message)) {
    gaps.push(`ACL is renamed or disabled (rename-command), so ACL LIST could not run: user checks skipped`);
  } else {
    gaps.push(`ACL LIST refused (${describe(acl)}): user checks skipped`);
  }

  // ACL DRYRUN (Redis 7+, Redoubt) answers per user without running anything.
  const dryRun = new Map<string, string[]>();
  for (const u of users) {
    if (!u.enabled) continue;
    const callable: string[] = [];
    let supported = true;
    for (const c of DANGEROUS_COMMANDS) {
      // A renamed command is probed under its new name: a user allowed to call it there
      // can still run it (ACL rules follow the command, not its name).
      const callName = nameOf(c.name);
      if (callName === '' || (commandPresent.get(c.name) !== true && callName === c.name)) continue;
      const r = await client.call(nameOf('acl'), 'DRYRUN', u.name, callName, ...c.probe.slice(1));
      if (r === 'OK') callable.push(c.name);
      else if (r instanceof RespError && /unknown subcommand|unknown command/i.test(r.message)) supported = false;
    }
    if (supported) dryRun.set(u.name, callable);
  }

  let luaPackageProbe: ServerFacts['luaPackageProbe'] = 'unavailable';
  if (redoubtVersion === undefined) {
    // CVE-2022-0543: Debian/Ubuntu builds linked Lua dynamically and left the `package`
    // library reachable from scripts. Reading the types is read-only and conclusive:
    // package.loadlib is the function that loads native code.
    const r = await client.call('EVAL', 'if type(package) ~= "table" then return type(package) end return type(package.loadlib)', '0');
    if (r === 'function') luaPackageProbe = 'exposed';
    else if (r instanceof RespError && /nonexistent global|not defined|nil/i.test(r.message)) luaPackageProbe = 'sandboxed';
    else if (r === 'nil') luaPackageProbe = 'sandboxed';
  }

  return {
    source: 'live',
    origin,
    directives,
    renames: [],
    users,
    usersKnown,
    version,
    redoubtVersion,
    commandPresent,
    hiddenCommands,
    dryRun,
    luaPackageProbe,
    gaps,
  };
}

function describe(v: RespValue): string {
  return v instanceof RespError ? v.message : 'unexpected reply';
}
