import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { certificatePaths, loadOrCreateCertificate, readCertificateFiles } from './tls';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-cert-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the server\'s own certificate', () => {
  test('is made on first start for the given names, with a private key only its user can read, and kept for the next start', async () => {
    const dir = freshDir();
    const made = await loadOrCreateCertificate(dir, ['localhost', '127.0.0.1', 'homeserver.local', '::1']);
    expect(made.created).toBe('missing');
    expect(made.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const parsed = new X509Certificate(made.cert);
    expect(parsed.fingerprint256).toBe(made.fingerprint256);
    expect(parsed.checkHost('homeserver.local')).toBe('homeserver.local');
    expect(parsed.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(parsed.ca).toBe(false);
    expect(statSync(certificatePaths(dir).keyPath).mode & 0o077).toBe(0);
    const again = await loadOrCreateCertificate(dir, ['127.0.0.1', 'localhost']);
    expect(again.created).toBeUndefined();
    expect(again.fingerprint256).toBe(made.fingerprint256);
  });

  test('is made anew when it does not name a new address, is about to expire, or cannot be read', async () => {
    const dir = freshDir();
    const first = await loadOrCreateCertificate(dir, ['localhost']);
    const widened = await loadOrCreateCertificate(dir, ['localhost', '10.1.2.3']);
    expect(widened.created).toBe('newNames');
    expect(widened.fingerprint256).not.toBe(first.fingerprint256);
    const later = await loadOrCreateCertificate(dir, ['localhost'], new Date(Date.now() + 820 * 86_400_000));
    expect(later.created).toBe('expiring');
    writeFileSync(certificatePaths(dir).certPath, 'garbage');
    expect((await loadOrCreateCertificate(dir, ['localhost'])).created).toBe('unreadable');
  });

  test('a certificate and key given by the user must belong together', async () => {
    const a = await loadOrCreateCertificate(freshDir(), ['localhost']);
    const b = await loadOrCreateCertificate(freshDir(), ['localhost']);
    await expect(readCertificateFiles(a.certPath, b.keyPath)).rejects.toThrow(/does not belong/);
    expect((await readCertificateFiles(a.certPath, a.keyPath)).fingerprint256).toBe(a.fingerprint256);
  });
});

describe('files of serve mode in the data folder', () => {
  test('a certificate folder planted as a link out of the data folder is refused; nothing is written through it', async () => {
    const dir = freshDir();
    const outside = freshDir();
    symlinkSync(outside, join(dir, 'serve-tls'));
    await expect(loadOrCreateCertificate(dir, ['localhost'])).rejects.toThrow(/outside/);
    expect(readdirSync(outside)).toEqual([]);
  });
});
