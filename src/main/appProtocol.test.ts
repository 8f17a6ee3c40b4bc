import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mimeTypeFor, resolveAppRequest, serveAppRequest } from './appProtocol';
import { contentSecurityPolicy } from './security';

// A stand-in for out/renderer inside a folder that also holds a file the protocol must never reveal.
const secret = 'TOP-SECRET-OUTSIDE-THE-RENDERER';
let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'app-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(base, 'secret.txt'), secret);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), secret);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log("app")');
  writeFileSync(join(root, 'assets', 'index-AbC123.css'), 'body{margin:0}');
  writeFileSync(join(root, 'assets', 'layout.worker-Xy9.js'), 'self.onmessage = () => undefined');
  writeFileSync(join(root, 'assets', 'font-1.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(root, 'assets', 'blob.unknownext'), 'bytes');
  // A file whose name is what %252e%252e%252f decodes to once: it is a name, not a way up.
  writeFileSync(join(root, '%2e%2e%2fsecret.txt'), 'a file with an odd name');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

// Each URL next to its result, so a failure names the URL.
const resolveAll = (urls: string[]) => urls.map((url) => [url, resolveAppRequest('GET', url)]);
const pick = ({ status, body, refusal }: { status: number; body: Uint8Array | null; refusal?: string }) => ({ status, body, refusal });
const serveAll = async (urls: string[]) => Promise.all(urls.map(async (url) => [url, pick(await serveAppRequest(root, 'GET', url))]));
const expectAll = (keys: string[], expected: unknown) => keys.map((key) => [key, expected]);

describe('resolveAppRequest: URL to file of the renderer', () => {
  test('maps app://renderer paths to files, the bare origin to index.html, ignoring query and fragment', () => {
    const cases: [string, string, string][] = [
      ['app://renderer/index.html', 'index.html', 'text/html; charset=utf-8'],
      ['app://renderer/', 'index.html', 'text/html; charset=utf-8'],
      ['app://renderer', 'index.html', 'text/html; charset=utf-8'],
      ['app://renderer/index.html?profile=low#/deploy', 'index.html', 'text/html; charset=utf-8'],
      ['app://renderer/assets/index-AbC123.js', 'assets/index-AbC123.js', 'text/javascript; charset=utf-8'],
      ['app://renderer/assets/layout.worker-Xy9.js', 'assets/layout.worker-Xy9.js', 'text/javascript; charset=utf-8'],
      ['app://renderer/assets/index-AbC123.css', 'assets/index-AbC123.css', 'text/css; charset=utf-8'],
      ['app://renderer/icon.svg', 'icon.svg', 'image/svg+xml'],
      ['app://renderer/assets/Clan%20Logo.png', 'assets/Clan Logo.png', 'image/png'],
    ];
    expect(cases.map(([url]) => [url, resolveAppRequest('GET', url)])).toEqual(cases.map(([url, relativePath, mimeType]) => [url, { ok: true, relativePath, mimeType }]));
  });

  test('chooses the content type by extension, case-insensitively, and unknown types as plain bytes', () => {
    expect(mimeTypeFor('a.html')).toBe('text/html; charset=utf-8');
    expect(mimeTypeFor('a.js')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('a.mjs')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('A.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('a.css')).toBe('text/css; charset=utf-8');
    expect(mimeTypeFor('a.json')).toBe('application/json; charset=utf-8');
    expect(mimeTypeFor('a.wasm')).toBe('application/wasm');
    expect(mimeTypeFor('a.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('a.jpeg')).toBe('image/jpeg');
    expect(mimeTypeFor('a.ico')).toBe('image/x-icon');
    expect(mimeTypeFor('a.unknownext')).toBe('application/octet-stream');
    expect(mimeTypeFor('Makefile')).toBe('application/octet-stream');
  });

  test('refuses encoded separators, backslashes, NUL and control characters, drive letters and dot files', () => {
    const forbidden = [
      'app://renderer/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://renderer/%2E%2E%2Fsecret.txt',
      'app://renderer/assets%2f..%2f..%2fsecret.txt',
      'app://renderer/assets%2F..%2F..%2Fsecret.txt',
      'app://renderer/..%5c..%5csecret.txt',
      'app://renderer/..%5C..%5Csecret.txt',
      'app://renderer/..\\..\\secret.txt',
      'app://renderer/assets\\..\\..\\secret.txt',
      'app://renderer/index.html%00.js',
      'app://renderer/%00',
      'app://renderer/index%0a.html',
      'app://renderer/index%7f.html',
      'app://renderer/C:%5cWindows%5cwin.ini',
      'app://renderer/C:/Windows/win.ini',
      'app://renderer/index.html::$DATA',
      'app://renderer//etc/passwd',
      'app://renderer/assets//index-AbC123.js',
      'app://renderer/assets/',
      'app://renderer/.env',
      'app://renderer/.git/config',
      'app://renderer/%2egit/config',
      'app://renderer/assets/...',
    ];
    expect(resolveAll(forbidden)).toEqual(expectAll(forbidden, { ok: false, refusal: 'forbiddenPath' }));
  });

  test('refuses malformed escapes, including overlong UTF-8 spellings of a dot and a slash', () => {
    const malformed = ['app://renderer/%zz', 'app://renderer/%', 'app://renderer/%c0%ae%c0%ae/secret.txt', 'app://renderer/..%c0%afsecret.txt', 'app://renderer/%e0%80%ae', 'not a url', ''];
    expect(resolveAll(malformed)).toEqual(expectAll(malformed, { ok: false, refusal: 'badUrl' }));
  });

  test('dot segments, plain or percent-encoded, are resolved by the URL parser and stay inside the root', () => {
    const dotted = ['app://renderer/../../secret.txt', 'app://renderer/assets/../../secret.txt', 'app://renderer/%2e%2e/%2e%2e/secret.txt', 'app://renderer/.%2E/secret.txt', 'app://renderer/./secret.txt'];
    expect(resolveAll(dotted)).toEqual(expectAll(dotted, { ok: true, relativePath: 'secret.txt', mimeType: 'text/plain; charset=utf-8' }));
  });

  test('answers only its own origin', () => {
    const others = ['app://evil/index.html', 'app://renderer.evil/index.html', 'app://renderer:8080/index.html', 'app://user@renderer/index.html', 'app:renderer/index.html', 'app:///index.html', 'file:///index.html', 'https://renderer/index.html'];
    expect(resolveAll(others)).toEqual(expectAll(others, { ok: false, refusal: 'wrongOrigin' }));
  });

  test('answers only GET and HEAD', () => {
    expect(resolveAppRequest('HEAD', 'app://renderer/index.html').ok).toBe(true);
    const methods = ['POST', 'PUT', 'DELETE', 'OPTIONS', 'get'];
    expect(methods.map((method) => [method, resolveAppRequest(method, 'app://renderer/index.html')])).toEqual(expectAll(methods, { ok: false, refusal: 'method' }));
  });
});

describe('serveAppRequest: files from the renderer folder', () => {
  test('serves a file with its content type, the CSP and nosniff', async () => {
    const answer = await serveAppRequest(root, 'GET', 'app://renderer/assets/index-AbC123.js');
    expect(answer.status).toBe(200);
    expect(Buffer.from(answer.body!).toString()).toBe('console.log("app")');
    expect(answer.headers).toEqual({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
    });
  });

  test('serves index.html for the bare origin, binary files byte for byte, and unknown types as plain bytes', async () => {
    const index = await serveAppRequest(root, 'GET', 'app://renderer/');
    expect(Buffer.from(index.body!).toString()).toBe(readFileSync(join(root, 'index.html'), 'utf8'));
    expect(index.headers['Content-Type']).toBe('text/html; charset=utf-8');
    const font = await serveAppRequest(root, 'GET', 'app://renderer/assets/font-1.woff2');
    expect([...font.body!]).toEqual([0x77, 0x4f, 0x46, 0x32]);
    expect(font.headers['Content-Type']).toBe('font/woff2');
    const blob = await serveAppRequest(root, 'GET', 'app://renderer/assets/blob.unknownext');
    expect(blob.headers['Content-Type']).toBe('application/octet-stream');
  });

  test('HEAD answers the headers without a body', async () => {
    const answer = await serveAppRequest(root, 'HEAD', 'app://renderer/index.html');
    expect(answer.status).toBe(200);
    expect(answer.body).toBeNull();
    expect(answer.headers['Content-Type']).toBe('text/html; charset=utf-8');
  });

  test('missing files, folders and files used as folders are not found', async () => {
    const urls = ['app://renderer/missing.js', 'app://renderer/assets', 'app://renderer/index.html/x', 'app://renderer/secret.txt', 'app://renderer/../secret.txt'];
    expect(await serveAll(urls)).toEqual(expectAll(urls, { status: 404, body: null, refusal: 'notFound' }));
  });

  test('a doubly encoded way up is only an odd file name', async () => {
    const answer = await serveAppRequest(root, 'GET', 'app://renderer/%252e%252e%252fsecret.txt');
    expect(answer.status).toBe(200);
    expect(Buffer.from(answer.body!).toString()).toBe('a file with an odd name');
  });

  test('refusals carry their status and no body', async () => {
    expect(await serveAppRequest(root, 'GET', 'app://renderer/%2e%2e%2fsecret.txt')).toMatchObject({ status: 403, body: null, refusal: 'forbiddenPath' });
    expect(await serveAppRequest(root, 'GET', 'app://renderer/%zz')).toMatchObject({ status: 400, body: null, refusal: 'badUrl' });
    expect(await serveAppRequest(root, 'GET', 'app://evil/index.html')).toMatchObject({ status: 404, body: null, refusal: 'wrongOrigin' });
    const post = await serveAppRequest(root, 'POST', 'app://renderer/index.html');
    expect(post).toMatchObject({ status: 405, body: null, refusal: 'method' });
    expect(post.headers.Allow).toBe('GET, HEAD');
  });

  test.skipIf(process.platform === 'win32')('symbolic links and special files are refused, even when they point inside', async () => {
    symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link-out.js'));
    symlinkSync(join(root, 'index.html'), join(root, 'assets', 'link-in.html'));
    symlinkSync(join(base, 'outside'), join(root, 'linked'), 'dir');
    execFileSync('mkfifo', [join(root, 'assets', 'pipe.js')]);
    const urls = ['app://renderer/assets/link-out.js', 'app://renderer/assets/link-in.html', 'app://renderer/linked/secret.txt', 'app://renderer/assets/pipe.js'];
    expect(await serveAll(urls)).toEqual(expectAll(urls, { status: 404, body: null, refusal: 'notFound' }));
  });

  test('no URL built from traversal pieces reveals a file outside the root', async () => {
    // Every spelling of "one folder up" and of a separator, in any order, aimed at the secret files next to the root.
    const up = fc.constantFrom('..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%c0%ae%c0%ae', '.', '%2e');
    const name = fc.constantFrom('assets', 'linked', 'renderer', 'outside', 'index.html');
    const separator = fc.constantFrom('/', '//', '%2f', '%2F', '%5c', '%5C', '\\', '%00/');
    const target = fc.constantFrom('secret.txt', 'outside/secret.txt', 'outside%2fsecret.txt', 'linked/secret.txt', 'secret.txt%00.js');
    const path = fc.tuple(fc.array(fc.tuple(fc.oneof({ arbitrary: up, weight: 3 }, { arbitrary: name, weight: 1 }), separator), { maxLength: 5 }), target).map(([steps, last]) => steps.map(([step, sep]) => step + sep).join('') + last);
    await fc.assert(
      fc.asyncProperty(path, async (path) => {
        const url = `app://renderer/${path}`;
        const answer = await serveAppRequest(root, 'GET', url);
        // fast-check reports the URL that failed.
        if (answer.body !== null) expect(Buffer.from(answer.body).toString()).not.toContain(secret);
        if (answer.status === 200) expect(answer.headers['Content-Security-Policy']).toBe(contentSecurityPolicy);
      }),
      { numRuns: 300 },
    );
  });
});
