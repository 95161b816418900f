/**
 * Test PKI made on the spot with the `openssl` binary: a CA, a server certificate for
 * localhost / 127.0.0.1, client certificates (valid, expired, from another CA,
 * self-signed, with CN and SAN identities), in a fresh temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** signed by a second, unrelated CA */
  otherCaCert: string;
  otherClientCert: string;
  otherClientKey: string;
  expiredClientCert: string;
  expiredClientKey: string;
  selfSignedCert: string;
  selfSignedKey: string;
  /** issues another certificate from the main CA (server rotation, identities) */
  issue(name: string, subject: string, opts?: { san?: string; days?: number; ca?: 'main' | 'other'; rsa?: boolean }): { cert: string; key: string };
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-pki-'));
  const p = (f: string) => join(dir, f);
  const makeCa = (name: string) => openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '30']);
  makeCa('ca');
  makeCa('other-ca');
  const issue: TestPki['issue'] = (name, subject, opts = {}) => {
    const ca = opts.ca === 'other' ? 'other-ca' : 'ca';
    const keyArgs = opts.rsa === true ? ['-newkey', 'rsa:2048', '-nodes'] : EC;
    openssl(dir, ['req', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', String(opts.days ?? 30)];
    if (opts.san !== undefined) {
      writeFileSync(p(`${name}.ext`), `subjectAltName=${opts.san}\n`);
      args.push('-extfile', `${name}.ext`);
    }
    openssl(dir, args);
    return { cert: p(`${name}.crt`), key: p(`${name}.key`) };
  };
  issue('server', '/CN=localhost', { san: 'DNS:localhost,IP:127.0.0.1' });
  issue('client', '/CN=app-client');
  issue('other-client', '/CN=intruder', { ca: 'other' });
  issue('expired-client', '/CN=old-client', { days: -1 });
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'self.key', '-out', 'self.crt', '-subj', '/CN=app-client', '-days', '30']);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCaCert: p('other-ca.crt'),
    otherClientCert: p('other-client.crt'),
    otherClientKey: p('other-client.key'),
    expiredClientCert: p('expired-client.crt'),
    expiredClientKey: p('expired-client.key'),
    selfSignedCert: p('self.crt'),
    selfSignedKey: p('self.key'),
    issue,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The `tls-*` directives for a server using this PKI. */
export function tlsDirectives(pki: TestPki, authClients: 'yes' | 'no' | 'optional' = 'yes'): [string, string][] {
  return [
    ['tls-cert-file', pki.serverCert],
    ['tls-key-file', pki.serverKey],
    ['tls-ca-cert-file', pki.caCert],
    ['tls-auth-clients', authClients],
  ];
}
