/**
 * Turns the `tls-*` directives into Node secure-context options, reading the files they
 * name. Every failure is reported as one sentence naming the directive's file and the
 * OpenSSL (or file system) reason, in the words redis-server logs, so a bad rotation or a
 * typo is diagnosed from the log line alone.
 */
import type { ConfigName } from '../config/config-table.js';
import { constants as cryptoConstants, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import tls, { type SecureContextOptions, type SecureVersion } from 'node:tls';
import { strerror } from '../config/config-values.js';

export type TlsAuthClients = 'no' | 'yes' | 'optional';

/** What the TLS acceptor needs: context options plus the per-connection verification mode. */
export interface TlsSettings {
  context: SecureContextOptions;
  authClients: TlsAuthClients;
  sessionCaching: boolean;
  sessionCacheSize: number;
  sessionCacheTimeoutSec: number;
}

/** The files a running TLS setup depends on (for `tls-auto-reload` polling). */
export function tlsWatchedPaths(get: (name: ConfigName) => string): string[] {
  return (['tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-dh-params-file'] as const).map(get).filter((p) => p !== '');
}

const PROTOCOLS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const NO_PROTOCOL_FLAG: Record<SecureVersion, number> = {
  TLSv1: cryptoConstants.SSL_OP_NO_TLSv1,
  'TLSv1.1': cryptoConstants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': cryptoConstants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': cryptoConstants.SSL_OP_NO_TLSv1_3,
};

/**
 * `tls-protocols`: a space-separated set, case-insensitive; empty means TLSv1.2 and
 * TLSv1.3 (Redis's default). Node takes a min..max range, so a gap inside the set is
 * closed with the SSL_OP_NO_* flag of each missing version.
 */
export function parseTlsProtocols(value: string): { min: SecureVersion; max: SecureVersion; secureOptions: number } | { error: string } {
  const words = value.split(' ').filter((w) => w !== '');
  const chosen = new Set<SecureVersion>();
  if (words.length === 0) {
    chosen.add('TLSv1.2');
    chosen.add('TLSv1.3');
  }
  for (const w of words) {
    const p = PROTOCOLS.find((x) => x.toLowerCase() === w.toLowerCase());
    if (p === undefined) return { error: "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'." };
    chosen.add(p);
  }
  const idx = PROTOCOLS.filter((p) => chosen.has(p)).map((p) => PROTOCOLS.indexOf(p));
  const lo = Math.min(...idx);
  const hi = Math.max(...idx);
  let secureOptions = 0;
  for (let i = lo; i <= hi; i++) if (!chosen.has(PROTOCOLS[i]!)) secureOptions |= NO_PROTOCOL_FLAG[PROTOCOLS[i]!];
  return { min: PROTOCOLS[lo]!, max: PROTOCOLS[hi]!, secureOptions };
}

function readFile(path: string): Buffer | { error: string } {
  try {
    return readFileSync(path);
  } catch (e) {
    return { error: strerror(e) };
  }
}

/** OpenSSL's reason as Node reports it ("error:...:PEM routines::no start line"). */
function sslReason(e: unknown): string {
  return (e as Error).message;
}

/** Every certificate in a CA directory (what OpenSSL's hashed-directory lookup would find). */
function readCaDir(dir: string): Buffer[] | { error: string } {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return { error: 'Not a directory' };
    names = readdirSync(dir).sort();
  } catch (e) {
    return { error: strerror(e) };
  }
  const out: Buffer[] = [];
  for (const n of names) {
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      const data = readFileSync(p);
      if (data.includes('-----BEGIN CERTIFICATE-----')) out.push(data);
    } catch {
      // an unreadable entry is skipped, as OpenSSL's directory lookup skips it
    }
  }
  if (out.length === 0) return { error: 'no PEM certificate found in the directory' };
  return out;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Node silently skips what is not a certificate in a CA bundle, which would leave a typo'd
 * or truncated CA file trusting nobody (or, worse, go unnoticed): every bundle must hold at
 * least one certificate and each must parse.
 */
function caBundleError(data: Buffer): string | null {
  const blocks = data.toString('latin1').match(PEM_CERT);
  if (blocks === null) return 'no PEM certificate found';
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (e) {
      return sslReason(e);
    }
  }
  return null;
}

/**
 * Node ignores DH parameters it cannot parse (the server then silently has no DHE), so the
 * file is checked here: a PEM `DH PARAMETERS` (PKCS#3) or `X9.42 DH PARAMETERS` block whose
 * DER is a SEQUENCE starting with the prime and the generator, the prime at least 1024 bits
 * (OpenSSL refuses smaller groups).
 */
export function dhParamsError(data: Buffer): string | null {
  const m = /-----BEGIN (X9\.42 )?DH PARAMETERS-----([\s\S]*?)-----END (X9\.42 )?DH PARAMETERS-----/.exec(data.toString('latin1'));
  if (m === null) return 'no PEM DH PARAMETERS block found';
  const der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
  let pos = 0;
  /** reads one DER header; returns [tag, content start, content length] or null */
  const header = (): [number, number, number] | null => {
    if (pos + 2 > der.length) return null;
    const tag = der[pos]!;
    let len = der[pos + 1]!;
    let at = pos + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || at + n > der.length) return null;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[at + i]!;
      at += n;
    }
    if (at + len > der.length) return null;
    return [tag, at, len];
  };
  const seq = header();
  if (seq === null || seq[0] !== 0x30) return 'not a DER SEQUENCE';
  pos = seq[1];
  const prime = header();
  if (prime === null || prime[0] !== 0x02) return 'the prime is missing';
  pos = prime[1] + prime[2];
  const gen = header();
  if (gen === null || gen[0] !== 0x02) return 'the generator is missing';
  let p = der.subarray(prime[1], prime[1] + prime[2]);
  while (p.length > 0 && p[0] === 0) p = p.subarray(1);
  const bits = p.length === 0 ? 0 : (p.length - 1) * 8 + (32 - Math.clz32(p[0]!));
  if (bits < 1024) return `the prime has ${bits} bits, fewer than 1024`;
  return null;
}

/**
 * Builds (and test-loads, so errors surface now rather than at the first handshake) the
 * settings for the TLS listener. Returns the settings or the error line to log.
 */
export function buildTlsSettings(get: (name: ConfigName) => string): TlsSettings | { error: string } {
  const certFile = get('tls-cert-file');
  const keyFile = get('tls-key-file');
  const authClients = get('tls-auth-clients') as TlsAuthClients;
  if (certFile === '') return { error: 'No tls-cert-file configured!' };
  if (keyFile === '') return { error: 'No tls-key-file configured!' };

  const cert = readFile(certFile);
  if ('error' in cert) return { error: `Failed to load certificate: ${certFile}: ${cert.error}` };
  try {
    tls.createSecureContext({ cert });
  } catch (e) {
    return { error: `Failed to load certificate: ${certFile}: ${sslReason(e)}` };
  }
  const key = readFile(keyFile);
  if ('error' in key) return { error: `Failed to load private key: ${keyFile}: ${key.error}` };
  const passphrase = get('tls-key-file-pass');
  try {
    tls.createSecureContext({ cert, key, ...(passphrase !== '' ? { passphrase } : {}) });
  } catch (e) {
    return { error: `Failed to load private key: ${keyFile}: ${sslReason(e)}` };
  }

  const ca: Buffer[] = [];
  const caFile = get('tls-ca-cert-file');
  const caDir = get('tls-ca-cert-dir');
  if (caFile !== '') {
    const data = readFile(caFile);
    if ('error' in data) return { error: `Failed to configure CA certificate(s) file/directory: ${caFile}: ${data.error}` };
    ca.push(data);
  }
  if (caDir !== '') {
    const data = readCaDir(caDir);
    if ('error' in data) return { error: `Failed to configure CA certificate(s) file/directory: ${caDir}: ${data.error}` };
    ca.push(...data);
  }
  if (ca.length > 0) {
    const bad = ca.map(caBundleError).find((e) => e !== null);
    if (bad !== undefined && bad !== null) return { error: `Failed to configure CA certificate(s) file/directory: ${caFile !== '' ? caFile : caDir}: ${bad}` };
    try {
      tls.createSecureContext({ ca });
    } catch (e) {
      return { error: `Failed to configure CA certificate(s) file/directory: ${caFile !== '' ? caFile : caDir}: ${sslReason(e)}` };
    }
  } else if (authClients !== 'no') {
    return { error: 'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!' };
  }

  const protocols = parseTlsProtocols(get('tls-protocols'));
  if ('error' in protocols) return protocols;

  // Node takes TLS 1.2 ciphers and TLS 1.3 suites in one list (suites are the TLS_ names);
  // an unset half keeps Node's defaults for that half.
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const ciphers12 = get('tls-ciphers');
  const suites13 = get('tls-ciphersuites');
  const cipherList = [
    suites13 !== '' ? suites13 : defaults.filter((c) => c.startsWith('TLS_')).join(':'),
    ciphers12 !== '' ? ciphers12 : defaults.filter((c) => !c.startsWith('TLS_')).join(':'),
  ].join(':');
  if (ciphers12 !== '') {
    try {
      tls.createSecureContext({ ciphers: ciphers12, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    } catch (e) {
      return { error: `Failed to configure ciphers: ${ciphers12}: ${sslReason(e)}` };
    }
  }
  if (suites13 !== '') {
    try {
      tls.createSecureContext({ ciphers: suites13, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    } catch (e) {
      return { error: `Failed to configure ciphersuites: ${suites13}: ${sslReason(e)}` };
    }
  }

  const sessionCaching = get('tls-session-caching') === 'yes';
  const sessionCacheTimeoutSec = Number(get('tls-session-cache-timeout'));
  const context: SecureContextOptions = {
    cert,
    key,
    ...(passphrase !== '' ? { passphrase } : {}),
    ...(ca.length > 0 ? { ca } : {}),
    minVersion: protocols.min,
    maxVersion: protocols.max,
    ciphers: cipherList,
    honorCipherOrder: get('tls-prefer-server-ciphers') === 'yes',
    // no session tickets when caching is off: a ticket is a cached session kept by the client
    secureOptions: protocols.secureOptions | (sessionCaching ? 0 : cryptoConstants.SSL_OP_NO_TICKET),
    ...(sessionCacheTimeoutSec > 0 ? { sessionTimeout: sessionCacheTimeoutSec } : {}),
  };
  const dhFile = get('tls-dh-params-file');
  if (dhFile !== '') {
    const dh = readFile(dhFile);
    if ('error' in dh) return { error: `Failed to load ${dhFile}: ${dh.error}` };
    const bad = dhParamsError(dh);
    if (bad !== null) return { error: `Failed to load DH params file: ${dhFile}: ${bad}` };
    context.dhparam = dh;
  }
  try {
    tls.createSecureContext(context);
  } catch (e) {
    if (dhFile !== '' && /dh/i.test(sslReason(e))) return { error: `Failed to load DH params file: ${dhFile}: ${sslReason(e)}` };
    return { error: `Failed to configure TLS: ${sslReason(e)}` };
  }
  return {
    context,
    authClients,
    sessionCaching,
    sessionCacheSize: Number(get('tls-session-cache-size')),
    sessionCacheTimeoutSec,
  };
}
