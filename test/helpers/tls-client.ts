/**
 * A raw TLS client for tests: connects, optionally presents a certificate, sends one
 * request and collects everything until the server closes or the timeout passes.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface TlsAttempt {
  /** the handshake completed from the client's side */
  handshake: boolean;
  /** bytes the server answered */
  reply: string;
  /** the first error the client saw, if any */
  error: string | null;
  /** the server certificate's serial number, when the handshake completed */
  serverSerial: string | null;
}

export function tlsAttempt(
  port: number,
  opts: { ca: string; cert?: string; key?: string; request?: string; timeoutMs?: number; waitForBytes?: number },
): Promise<TlsAttempt> {
  return new Promise((resolve) => {
    const out: TlsAttempt = { handshake: false, reply: '', error: null, serverSerial: null };
    const s = tls.connect({
      port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: readFileSync(opts.ca),
      ...(opts.cert !== undefined ? { cert: readFileSync(opts.cert), key: readFileSync(opts.key!) } : {}),
    });
    const finish = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 3000);
    s.on('secureConnect', () => {
      out.handshake = true;
      out.serverSerial = s.getPeerCertificate().serialNumber ?? null;
      s.write(opts.request ?? 'PING\r\n');
    });
    s.on('data', (d: Buffer) => {
      out.reply += d.toString('latin1');
      if (opts.waitForBytes !== undefined && out.reply.length >= opts.waitForBytes) finish();
    });
    s.on('error', (e) => {
      if (out.error === null) out.error = e.message;
    });
    s.on('close', finish);
  });
}

/** The serial number of a PEM certificate file (to tell which certificate a server presents). */
export function serialOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).serialNumber;
}
