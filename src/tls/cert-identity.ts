/**
 * The identities a client certificate asserts, for certificate login: the subject's
 * common name(s) and the SAN URI, DNS and email entries. Pure: it reads the object Node's
 * `TLSSocket.getPeerCertificate()` returns and nothing else. Which identity maps to which
 * ACL user is the ACL layer's decision.
 */

export interface CertIdentities {
  /** subject CN values (a certificate may carry several) */
  cn: string[];
  /** SAN URI entries (e.g. spiffe://domain/workload) */
  uri: string[];
  /** SAN DNS names */
  dns: string[];
  /** SAN email addresses (rfc822Name) */
  email: string[];
}

/** The part of Node's PeerCertificate this module reads (an empty object when no certificate). */
export interface PeerCertificateLike {
  subject?: Record<string, string | string[] | undefined> | null;
  subjectaltname?: string;
}

export function certificateIdentities(peer: PeerCertificateLike | null | undefined): CertIdentities {
  const out: CertIdentities = { cn: [], uri: [], dns: [], email: [] };
  if (peer === null || peer === undefined) return out;
  const cn = peer.subject?.['CN'];
  if (typeof cn === 'string') out.cn.push(cn);
  else if (Array.isArray(cn)) out.cn.push(...cn);
  if (typeof peer.subjectaltname === 'string') {
    for (const [kind, value] of parseSubjectAltName(peer.subjectaltname)) {
      if (kind === 'URI') out.uri.push(value);
      else if (kind === 'DNS') out.dns.push(value);
      else if (kind === 'email') out.email.push(value);
    }
  }
  return out;
}

/**
 * Splits Node's `subjectaltname` text ("DNS:a.example, URI:spiffe://x, email:u@x").
 * Node writes a value containing a comma, quote or other special character as a JSON
 * string literal (DNS:"a, b"), precisely so that a crafted name cannot smuggle in a second
 * entry; such values are decoded, and a malformed literal ends the parse (nothing after it
 * is trusted).
 */
export function parseSubjectAltName(text: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const kind = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      if (k >= text.length) break;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        break;
      }
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      value = text.slice(j, end === -1 ? text.length : end);
      j = end === -1 ? text.length : end;
    }
    out.push([kind, value]);
    if (text.startsWith(', ', j)) j += 2;
    else if (j < text.length) break;
    i = j;
  }
  return out;
}
