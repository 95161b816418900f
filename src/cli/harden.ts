/**
 * `redoubt harden`: the article's Production Blueprint as a generator. Writes a config that
 * binds only where asked, keeps protected mode on, moves identity into an ACL file (default
 * user off, one admin, one user per service restricted to its key prefix and without
 * @dangerous) and, when certificates are given, closes the cleartext port for TLS + mTLS.
 * Passwords come from the CSPRNG, are printed once, and only their SHA-256 digests are stored.
 * With target 'redis' every line is one redis-server 7 reads; 'redoubt' may add Redoubt's own.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import net from 'node:net';
import { quoteArg } from '../config/split-args.js';
import { ensurePrivateDir, writePrivateFile } from './private-file.js';

export interface AppUserSpec {
  name: string;
  prefixes: string[];
}

export interface HardenOptions {
  outDir: string;
  bind: string[];
  port: number;
  apps: AppUserSpec[];
  admin: string;
  caCert?: string;
  cert?: string;
  key?: string;
  allowFrom: string[];
  /**
   * 'redis': only directives redis-server 7 reads (the allowlist stays firewall comments);
   * 'redoubt': adds Redoubt's own source-allowlist, which redis-server refuses.
   */
  target: 'redis' | 'redoubt';
  force: boolean;
  /**
   * A replica config: follow this primary, authenticated as `replicationUser` with
   * `masterAuth` (the password the primary's harden printed for that user), read-only.
   */
  replicaOf?: { host: string; port: number };
  /** adds the least-privilege replication user (+psync +replconf +ping, no keys); default name 'replica' with replicaOf */
  replicationUser?: string;
  /** the replication user's password (given: used as is and not printed; else generated) */
  masterAuth?: string;
}

export interface HardenResult {
  configFile: string;
  aclFile: string;
  passwords: Array<[string, string]>;
  warnings: string[];
}

const USER_NAME = /^[A-Za-z0-9_.:-]+$/;

/** Parses "name=prefix[,prefix…]" (the prefix defaults to "name:"). */
export function parseAppSpec(spec: string): AppUserSpec {
  const eq = spec.indexOf('=');
  const name = eq === -1 ? spec : spec.slice(0, eq);
  const prefixes = eq === -1 ? [`${name}:`] : spec.slice(eq + 1).split(',').filter((p) => p !== '');
  if (!USER_NAME.test(name) || name === 'default') throw new Error(`invalid app user name ${JSON.stringify(name)}`);
  if (prefixes.length === 0) throw new Error(`app user ${name}: empty key prefix`);
  for (const p of prefixes) if (/[\s*?[\]\\]/.test(p)) throw new Error(`app user ${name}: key prefix ${JSON.stringify(p)} must not contain spaces or glob characters`);
  return { name, prefixes };
}

function newPassword(): string {
  return crypto.randomBytes(32).toString('hex');
}

function digest(password: string): string {
  return crypto.createHash('sha256').update(password, 'utf8').digest('hex');
}

export function harden(o: HardenOptions): HardenResult {
  const warnings: string[] = [];
  if (!USER_NAME.test(o.admin) || o.admin === 'default') throw new Error(`invalid admin user name ${JSON.stringify(o.admin)}`);
  const names = new Set<string>([o.admin]);
  for (const a of o.apps) {
    if (names.has(a.name)) throw new Error(`user ${a.name} given twice`);
    names.add(a.name);
  }
  const replUser = o.replicaOf !== undefined || o.replicationUser !== undefined ? (o.replicationUser ?? 'replica') : null;
  if (replUser !== null) {
    if (!USER_NAME.test(replUser) || replUser === 'default') throw new Error(`invalid replication user name ${JSON.stringify(replUser)}`);
    if (names.has(replUser)) throw new Error(`user ${replUser} given twice`);
    names.add(replUser);
  }
  const tlsGiven = [o.caCert, o.cert, o.key].filter((x) => x !== undefined).length;
  if (tlsGiven !== 0 && tlsGiven !== 3) throw new Error('--ca-cert, --cert and --key go together');
  const tls = tlsGiven === 3;
  for (const b of o.bind) {
    const bare = b.startsWith('-') ? b.slice(1) : b;
    if (net.isIP(bare) === 0) throw new Error(`--bind ${b}: not an IP address`);
    if (bare === '0.0.0.0' || bare === '::') throw new Error(`--bind ${b}: binding every interface is what harden exists to avoid; name the private address`);
  }
  const exposed = o.bind.some((b) => !/^-?(127\.\d+\.\d+\.\d+|::1)$/.test(b));
  if (exposed && !tls) warnings.push('bound beyond loopback without TLS: pass --ca-cert/--cert/--key (see `redoubt certs`) so traffic is encrypted');
  for (const cidr of o.allowFrom) {
    const [addr, bits] = cidr.split('/');
    if (addr === undefined || net.isIP(addr) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`--allow-from ${cidr}: not an address or CIDR`);
  }
  const remoteSources = o.allowFrom.filter((c) => !/^(127\.\d+\.\d+\.\d+|::1)(\/\d+)?$/.test(c));
  if (remoteSources.length > 0 && !exposed) {
    // Contradictory: the allowed hosts could never reach a loopback-only listener.
    warnings.push(`--allow-from ${remoteSources.join(' ')} but bound to loopback only (${o.bind.join(' ')}): those hosts cannot connect; add --bind <this host's private address>`);
  }
  if (o.replicaOf !== undefined) {
    const { host, port } = o.replicaOf;
    if (host === '' || /\s/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--replica-of: expected host:port');
    if (o.masterAuth === undefined) throw new Error("--replica-of needs --master-auth-file: the replication user's password printed by the primary's harden");
    // as the audit's masterauth-without-tls check: the password must not cross a network in clear
    if (!tls && !/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) {
      throw new Error('--replica-of a non-loopback primary needs --ca-cert/--cert/--key: the replication password and data would cross the network in cleartext');
    }
  }
  if (o.port === 0 && !tls) warnings.push('--port 0 without certificates: the server listens on no TCP port');

  ensurePrivateDir(o.outDir);
  const configFile = path.resolve(o.outDir, 'redoubt.conf');
  const aclFile = path.resolve(o.outDir, 'users.acl');

  const passwords: Array<[string, string]> = [];
  // No comment line: redis-server refuses anything but user lines in an ACL file.
  const acl: string[] = ['user default off resetpass resetkeys resetchannels -@all'];
  const adminPass = newPassword();
  passwords.push([o.admin, adminPass]);
  acl.push(`user ${o.admin} on #${digest(adminPass)} ~* &* +@all`);
  for (const a of o.apps) {
    const pass = newPassword();
    passwords.push([a.name, pass]);
    const keys = a.prefixes.map((p) => quoteArg(`~${p}*`)).join(' ');
    const channels = a.prefixes.map((p) => quoteArg(`&${p}*`)).join(' ');
    acl.push(`user ${a.name} on #${digest(pass)} resetkeys ${keys} resetchannels ${channels} +@all -@dangerous`);
  }
  // the replication user: only what a replica sends its primary, no keys, no channels (also
  // on a replica, so that it can serve the other replicas once promoted)
  let replPass: string | null = null;
  if (replUser !== null) {
    replPass = o.masterAuth ?? newPassword();
    if (o.masterAuth === undefined) passwords.push([replUser, replPass]);
    acl.push(`user ${replUser} on #${digest(replPass)} resetkeys resetchannels -@all +psync +replconf +ping`);
  }

  const conf: string[] = [
    '# Generated by `redoubt harden`: the Production Blueprint (network, identity, encryption).',
    '# Network: listen only on these addresses; protected mode stays on.',
    `bind ${o.bind.join(' ')}`,
    'protected-mode yes',
  ];
  if (tls) {
    conf.push(
      '# Encryption: no cleartext port; TLS with client certificates (mTLS).',
      'port 0',
      `tls-port ${o.port}`,
      `tls-cert-file ${quoteArg(path.resolve(o.cert!))}`,
      `tls-key-file ${quoteArg(path.resolve(o.key!))}`,
      `tls-ca-cert-file ${quoteArg(path.resolve(o.caCert!))}`,
      'tls-auth-clients yes',
    );
  } else {
    conf.push(`port ${o.port}`);
  }
  conf.push(
    '# Identity: every user lives in the ACL file; the default user is off.',
    `aclfile ${quoteArg(aclFile)}`,
    '# No code loading or debugging from clients.',
    'enable-debug-command no',
    'enable-module-command no',
  );
  if (o.replicaOf !== undefined) {
    conf.push(
      '# Replication: follow the primary as the least-privilege replication user; read-only.',
      `replicaof ${o.replicaOf.host} ${o.replicaOf.port}`,
      `masteruser ${replUser!}`,
      `masterauth ${quoteArg(replPass!)}`,
      'replica-read-only yes',
    );
    // the server's own certificate is the client certificate towards the primary
    if (tls) conf.push('tls-replication yes');
  }
  if (o.allowFrom.length > 0) {
    if (o.target === 'redoubt') {
      // Redoubt's built-in allowlist (loopback kept for local administration); the same
      // rule at the host firewall is defence in depth.
      conf.push('# Allowed sources, checked before a byte of a connection is read.');
      conf.push('# Redoubt only: redis-server refuses this line (generate with --target redis for it).');
      conf.push(`source-allowlist ${[...o.allowFrom, '127.0.0.1/32', '::1/128'].join(' ')}`);
      conf.push('# The same at the host firewall, e.g.:');
    } else {
      conf.push('# Allowed sources: redis-server has no allowlist of its own; apply them at the host firewall, e.g.:');
    }
    for (const src of o.allowFrom) conf.push(`#   ufw allow from ${src} to any port ${o.port} proto tcp`);
    conf.push('#   ufw default deny incoming');
  }

  writePrivateFile(aclFile, acl.join('\n') + '\n', o.force);
  writePrivateFile(configFile, conf.join('\n') + '\n', o.force);
  return { configFile, aclFile, passwords, warnings };
}
