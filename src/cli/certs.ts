/**
 * `redoubt certs`: a development CA, a server certificate (SAN for the given host names and
 * IPs) and a client certificate whose CN is an ACL user name, made with the openssl binary.
 * Private keys are generated to stdout and written by us, so they are never on disk with a
 * mode wider than 0600.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { ensurePrivateDir, writePrivateFile } from './private-file.js';

export interface CertsOptions {
  outDir: string;
  hosts: string[];
  ips: string[];
  clientUser: string;
  days: number;
  force: boolean;
}

export interface CertsResult {
  files: string[];
}

function openssl(args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'latin1' });
  } catch (e) {
    const err = e as { stderr?: string; code?: string; message: string };
    if (err.code === 'ENOENT') throw new Error('the openssl binary was not found on PATH');
    throw new Error(`openssl ${args[0]} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

function newKey(): string {
  return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
}

function serial(): string {
  // Positive 127-bit serial: top bit cleared so DER never reads it as negative.
  const b = crypto.randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return '0x' + b.toString('hex');
}

function subjectValue(s: string): string {
  // openssl -subj treats "/" and "+" specially; escape them for names like "team/app".
  return s.replace(/[\\/+=]/g, (c) => '\\' + c);
}

export function makeCerts(o: CertsOptions): CertsResult {
  if (o.hosts.length === 0 && o.ips.length === 0) throw new Error('give at least one --host or --ip for the server certificate');
  for (const ip of o.ips) if (net.isIP(ip) === 0) throw new Error(`--ip ${ip}: not an IP address`);
  for (const h of o.hosts) if (!/^[A-Za-z0-9*.-]+$/.test(h)) throw new Error(`--host ${h}: not a host name`);
  if (o.clientUser === '' || /\s/.test(o.clientUser)) throw new Error('--client-user must be a user name without spaces');
  if (!Number.isInteger(o.days) || o.days < 1) throw new Error('--days must be a positive integer');
  ensurePrivateDir(o.outDir);
  const out = (n: string): string => path.join(o.outDir, n);
  const names = ['ca.key', 'ca.crt', 'server.key', 'server.crt', 'client.key', 'client.crt'];
  if (!o.force) for (const n of names) if (fs.existsSync(out(n))) throw new Error(`${out(n)} exists (use --force to overwrite)`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-certs-'));
  try {
    const days = String(o.days);
    const caKey = newKey();
    writePrivateFile(out('ca.key'), caKey, true);
    const caCrt = openssl([
      'req', '-x509', '-new', '-key', out('ca.key'), '-sha256', '-days', days, '-subj', '/O=Redoubt/CN=Redoubt development CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash',
    ]);
    fs.writeFileSync(out('ca.crt'), caCrt, { mode: 0o644 });

    const issue = (keyName: string, crtName: string, cn: string, ext: string): void => {
      writePrivateFile(out(keyName), newKey(), true);
      const csr = openssl(['req', '-new', '-key', out(keyName), '-subj', `/O=Redoubt/CN=${subjectValue(cn)}`]);
      const csrFile = path.join(work, `${crtName}.csr`);
      const extFile = path.join(work, `${crtName}.ext`);
      fs.writeFileSync(csrFile, csr);
      fs.writeFileSync(extFile, ext);
      const crt = openssl(['x509', '-req', '-in', csrFile, '-CA', out('ca.crt'), '-CAkey', out('ca.key'), '-set_serial', serial(), '-days', days, '-sha256', '-extfile', extFile]);
      fs.writeFileSync(out(crtName), crt, { mode: 0o644 });
    };
    const san = [...o.hosts.map((h) => `DNS:${h}`), ...o.ips.map((ip) => `IP:${ip}`)].join(',');
    issue('server.key', 'server.crt', o.hosts[0] ?? o.ips[0]!, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${san}`,
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'));
    issue('client.key', 'client.crt', o.clientUser, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { files: names.map(out) };
}
