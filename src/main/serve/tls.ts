import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ConfinedFolder } from '../fs/confinedFolder';
import { readTextIn, writePrivateFile } from '../fs/privateFile';

// TLS for serve mode on a LAN. A home server has no public name a certificate authority could vouch for, so the
// server makes its own certificate on first start (as Jupyter, code-server and Home Assistant add-ons do), keeps
// it in its data folder, and prints its SHA-256 fingerprint: the browser warns about a self-signed certificate,
// and the person compares the fingerprint it shows with the printed one before accepting it. The same
// certificate is used on every start, so the browser's exception keeps working; a new one is made only when it
// is missing, unreadable, about to expire, or does not name an address the server now answers on.

/** Validity of a made certificate: Apple's limit for TLS server certificates (825 days). */
const VALIDITY_DAYS = 825;
/** A certificate this close to its end is replaced at start. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** A certificate and key, and what to print about them. */
export interface ServeCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, as AA:BB:..., the form browsers show in their certificate viewer. */
  fingerprint256: string;
  /** The names and addresses it is valid for. */
  names: string[];
  validTo: Date;
  certPath: string;
  keyPath: string;
  /** Whether this start made it, and why. */
  created?: 'missing' | 'unreadable' | 'expiring' | 'newNames';
}

/** Where the made certificate lives inside the data folder. */
const CERT_FILE = 'serve-tls/certificate.pem';
const KEY_FILE = 'serve-tls/private-key.pem';

/** The absolute paths of the made certificate and key, for the console and for people who want to look. */
export function certificatePaths(dataDir: string): { certPath: string; keyPath: string } {
  return { certPath: join(dataDir, ...CERT_FILE.split('/')), keyPath: join(dataDir, ...KEY_FILE.split('/')) };
}

/** The DNS names and IP addresses a certificate names (from its subjectAltName). */
export function namesOf(certificate: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (certificate.subjectAltName ?? '').split(/,\s*/)) {
    const match = /^(DNS|IP Address):(.+)$/.exec(part.trim());
    if (match !== null) names.push(match[2]!.toLowerCase());
  }
  return names;
}

/** Whether an IPv6 address from a certificate (which Node prints expanded) and one from the system are the same. */
function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  if (isIP(a) === 6 && isIP(b) === 6) return new URL(`http://[${a}]`).hostname === new URL(`http://[${b}]`).hostname;
  return false;
}

/** Checks that a certificate and key belong together and describes them. */
function describeCertificate(cert: string, key: string, certPath: string, keyPath: string): ServeCertificate {
  const parsed = new X509Certificate(cert);
  if (!parsed.checkPrivateKey(createPrivateKey(key))) throw new Error(`the private key in ${keyPath} does not belong to the certificate in ${certPath}`);
  return { cert, key, fingerprint256: parsed.fingerprint256, names: namesOf(parsed), validTo: new Date(parsed.validTo), certPath, keyPath };
}

/** Reads a certificate and key the user gave (--tls-cert, --tls-key) and checks they belong together. */
export async function readCertificateFiles(certPath: string, keyPath: string): Promise<ServeCertificate> {
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return describeCertificate(cert, key, certPath, keyPath);
}

/**
 * Returns the server's own certificate from the data folder, making a new one (ECDSA P-256, SHA-256, valid for
 * `names`) when there is none, it cannot be read, it expires within 30 days, or it does not name all of `names`.
 */
export async function loadOrCreateCertificate(dataDir: string, names: readonly string[], now: Date = new Date()): Promise<ServeCertificate> {
  const { certPath, keyPath } = certificatePaths(dataDir);
  const data = new ConfinedFolder(dataDir, 'data');
  const wanted = [...new Set(names.map((n) => n.toLowerCase()))];
  let reason: ServeCertificate['created'];
  const [cert, key] = await Promise.all([readTextIn(data, CERT_FILE), readTextIn(data, KEY_FILE)]);
  if (cert === undefined || key === undefined) {
    reason = 'missing';
  } else {
    try {
      const existing = describeCertificate(cert, key, certPath, keyPath);
      if (existing.validTo.getTime() - now.getTime() < RENEW_BEFORE_MS) reason = 'expiring';
      else if (!wanted.every((name) => existing.names.some((have) => sameName(have, name)))) reason = 'newNames';
      else return existing;
    } catch {
      reason = 'unreadable';
    }
  }
  const altNames = wanted.map((name) => (isIP(name) === 0 ? { type: 2 as const, value: name } : { type: 7 as const, ip: name }));
  const made = await generate([{ name: 'commonName', value: 'Clan Network Designer (serve mode)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALIDITY_DAYS * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  await writePrivateFile(data, KEY_FILE, made.private);
  await writePrivateFile(data, CERT_FILE, made.cert);
  const parsed = new X509Certificate(made.cert);
  return { cert: made.cert, key: made.private, fingerprint256: parsed.fingerprint256, names: namesOf(parsed), validTo: new Date(parsed.validTo), certPath, keyPath, created: reason };
}
