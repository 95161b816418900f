#!/usr/bin/env node
/**
 * `redoubt`: operator tools beside the server. `audit` grades a config file and/or a live
 * server (Redoubt or Redis 6/7) against the hardening blueprint, `harden` writes a hardened
 * config and ACL file, `certs` makes development certificates for TLS/mTLS.
 * Exit status: 0 clean (nothing medium or worse), 1 findings, 2 error or bad usage.
 */
import { Command, CommanderError, Option } from 'commander';
import { REDOUBT_VERSION } from '../version.js';
import { factsFromConfigFile, ConfigReadError } from './audit/config-source.js';
import { factsFromLiveServer, LiveAuditError } from './audit/live-source.js';
import { grade } from './audit/checks.js';
import { exitCodeFor, type Finding } from './audit/finding.js';
import { renderJson, renderTable } from './audit/report.js';
import { harden, parseAppSpec } from './harden.js';
import fs from 'node:fs';
import { makeCerts } from './certs.js';
import { registerCheckRdb } from './check-rdb.js';
import { registerCheckAof } from './check-aof.js';
import { rdbPartChecker } from './rdb-part-checker.js';

class UsageError extends Error {}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new UsageError(`invalid port ${JSON.stringify(value)}`);
  return n;
}

interface AuditOpts {
  host: string;
  port: string;
  user?: string;
  pass?: string;
  tls?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  config?: string;
  json?: boolean;
}

async function runAudit(opts: AuditOpts, cmd: Command): Promise<number> {
  const explicitLive = ['host', 'port', 'user', 'pass', 'tls', 'cacert', 'cert', 'key'].some((o) => {
    const src = cmd.getOptionValueSource(o);
    return src !== undefined && src !== 'default';
  });
  const findings: Finding[] = [];
  const fromFile = opts.config !== undefined ? factsFromConfigFile(opts.config) : undefined;
  if (fromFile !== undefined) findings.push(...grade(fromFile));
  if (opts.config === undefined || explicitLive) {
    if ((opts.cert === undefined) !== (opts.key === undefined)) throw new UsageError('--cert and --key go together');
    const pass = opts.pass ?? process.env['REDISCLI_AUTH'];
    const facts = await factsFromLiveServer({
      host: opts.host,
      port: parsePort(opts.port),
      tls: opts.tls === true,
      cacert: opts.cacert,
      cert: opts.cert,
      key: opts.key,
      user: opts.user,
      pass: pass === '' ? undefined : pass,
      // The file's rename-command lines let the live audit call renamed commands.
      renames: fromFile?.renames,
    });
    findings.push(...grade(facts));
  }
  const code = exitCodeFor(findings);
  process.stdout.write(opts.json === true ? renderJson(findings, code) : renderTable(findings));
  return code;
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('redoubt')
    .description('Redoubt operator tools: audit a Redis/Redoubt deployment, generate a hardened config, make dev certificates')
    .version(`redoubt ${REDOUBT_VERSION}`, '-v, --version')
    // -h at the top level is help; `audit -h <host>` keeps redis-cli's meaning (audit's own --help).
    .helpOption('-h, --help', 'display help')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ outputError: (s, write) => write(s) });

  program
    .command('audit')
    .description('grade a config file and/or a live server against the hardening blueprint (exit 0 clean, 1 findings of medium severity or worse, 2 error)')
    .helpOption('--help', 'display help for audit')
    .option('-h, --host <hostname>', 'server host name or IP (as redis-cli)', '127.0.0.1')
    .option('-p, --port <port>', 'server port (as redis-cli)', '6379')
    .option('--user <username>', 'ACL user to authenticate as')
    .addOption(new Option('-a, --pass <password>', 'password (or set REDISCLI_AUTH)'))
    .option('--tls', 'connect over TLS')
    .option('--cacert <file>', 'CA certificate that signed the server certificate')
    .option('--cert <file>', 'client certificate (mTLS)')
    .option('--key <file>', 'client private key (mTLS)')
    .option('--config <file>', 'grade this redis.conf / Redoubt config (alone unless connection flags are also given)')
    .option('--json', 'print findings as JSON')
    .action(async (opts: AuditOpts, cmd: Command) => setExit(await runAudit(opts, cmd)));

  program
    .command('harden')
    .description('write a hardened config and ACL file (the Production Blueprint); prints generated passwords once')
    .helpOption('--help', 'display help for harden')
    .requiredOption('--out-dir <dir>', 'directory for redoubt.conf and users.acl (created 0700, files 0600)')
    .option('--bind <address>', 'listen address (repeatable; default 127.0.0.1 and -::1)', collect, [])
    .option('--port <port>', 'port (the TLS port when certificates are given)', '6379')
    .option('--app <name=prefix[,prefix]>', 'an application user limited to its key prefixes, without @dangerous (repeatable)', collect, [])
    .option('--admin <name>', 'the one full-access operator user', 'admin')
    .option('--ca-cert <file>', 'CA certificate for client certificates (enables TLS + mTLS with --cert/--key)')
    .option('--cert <file>', 'server certificate')
    .option('--key <file>', 'server private key')
    .option('--allow-from <cidr>', 'a source allowed to connect (repeatable): written as firewall rules to apply', collect, [])
    .addOption(new Option('--target <server>', 'redis: only lines redis-server 7 reads; redoubt: also Redoubt-only ones (source-allowlist)').choices(['redis', 'redoubt']).default('redoubt'))
    .option('--force', 'overwrite existing files')
    .option('--replication-user <name>', 'add the least-privilege replication user (+psync +replconf +ping); its password is printed (default name with --replica-of: replica)')
    .option('--replica-of <host:port>', "a replica config: replicaof, masteruser/masterauth, replica-read-only yes, tls-replication with certificates")
    .option('--master-auth-file <file>', "file holding the replication user's password (the one the primary's harden printed)")
    .action((opts: { outDir: string; bind: string[]; port: string; app: string[]; admin: string; caCert?: string; cert?: string; key?: string; allowFrom: string[]; target: 'redis' | 'redoubt'; force?: boolean; replicationUser?: string; replicaOf?: string; masterAuthFile?: string }) => {
      let apps;
      let replicaOf: { host: string; port: number } | undefined;
      let masterAuth: string | undefined;
      try {
        apps = opts.app.map(parseAppSpec);
        if (opts.replicaOf !== undefined) {
          const at = opts.replicaOf.lastIndexOf(':');
          if (at <= 0) throw new Error('--replica-of: expected host:port');
          replicaOf = { host: opts.replicaOf.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: parsePort(opts.replicaOf.slice(at + 1)) };
        }
        if (opts.masterAuthFile !== undefined) masterAuth = fs.readFileSync(opts.masterAuthFile, 'utf8').split('\n')[0]!.trim();
        if (masterAuth === '') throw new Error('--master-auth-file: the file is empty');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const r = harden({
        outDir: opts.outDir,
        bind: opts.bind.length > 0 ? opts.bind : ['127.0.0.1', '-::1'],
        port: parsePort(opts.port),
        apps,
        admin: opts.admin,
        caCert: opts.caCert,
        cert: opts.cert,
        key: opts.key,
        allowFrom: opts.allowFrom,
        target: opts.target,
        force: opts.force === true,
        replicaOf,
        replicationUser: opts.replicationUser,
        masterAuth,
      });
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`wrote ${r.configFile}\nwrote ${r.aclFile}\n\nPasswords (shown once; only their SHA-256 digests are stored):\n`);
      for (const [user, pass] of r.passwords) process.stdout.write(`  ${user} ${pass}\n`);
      setExit(0);
    });

  program
    .command('certs')
    .description('make a development CA, a server certificate and a client certificate with openssl')
    .helpOption('--help', 'display help for certs')
    .requiredOption('--out-dir <dir>', 'directory for ca/server/client .crt and .key files (keys 0600)')
    .option('--host <name>', 'DNS name for the server certificate (repeatable; default localhost)', collect, [])
    .option('--ip <address>', 'IP address for the server certificate (repeatable; default 127.0.0.1 and ::1)', collect, [])
    .option('--client-user <name>', 'CN of the client certificate: the ACL user it stands for', 'admin')
    .option('--days <n>', 'validity in days', '365')
    .option('--force', 'overwrite existing files')
    .action((opts: { outDir: string; host: string[]; ip: string[]; clientUser: string; days: string; force?: boolean }) => {
      const defaults = opts.host.length === 0 && opts.ip.length === 0;
      const r = makeCerts({
        outDir: opts.outDir,
        hosts: defaults ? ['localhost'] : opts.host,
        ips: defaults ? ['127.0.0.1', '::1'] : opts.ip,
        clientUser: opts.clientUser,
        days: Number(opts.days),
        force: opts.force === true,
      });
      for (const f of r.files) process.stdout.write(`wrote ${f}\n`);
      setExit(0);
    });

  registerCheckRdb(program, setExit);
  registerCheckAof(program, setExit, rdbPartChecker);

  return program;
}

async function main(): Promise<void> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    if (process.argv.length <= 2) {
      program.outputHelp();
      process.exitCode = 2;
      return;
    }
    await program.parseAsync(process.argv);
    process.exitCode = code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, successfully.
      process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
      return;
    }
    const known = e instanceof UsageError || e instanceof ConfigReadError || e instanceof LiveAuditError || e instanceof Error;
    process.stderr.write(`redoubt: ${known ? (e as Error).message : String(e)}\n`);
    process.exitCode = 2;
  }
}

await main();
