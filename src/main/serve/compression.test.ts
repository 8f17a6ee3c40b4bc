import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { acceptsGzip, sendCompressed } from './compression';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe('gzip for static files in serve mode', () => {
  let dir: string;
  let server: Server;
  const script = `${'export const layout = () => "the same line, many times";\n'.repeat(200)}`;

  /** A raw request, so the test decides the Accept-Encoding header (fetch always sends its own). */
  const get = (name: string, acceptEncoding?: string, method = 'GET'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers = acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding };
      const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: `/${name}`, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serve-gzip-'));
    writeFileSync(join(dir, 'app.js'), script);
    writeFileSync(join(dir, 'tiny.js'), 'console.log(1)');
    writeFileSync(join(dir, 'icon.png'), Buffer.alloc(4096, 7));
    // The server's own send, as serve mode does it, for whatever sendCompressed leaves to it.
    server = createServer((req, res) => {
      const file = join(dir, (req.url ?? '/').slice(1));
      const headers = { 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': 0 };
      void sendCompressed(req, res, file, headers).then((sent) => {
        if (!sent) res.writeHead(200, { ...headers, 'X-Sent-By': 'caller' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('sends a script gzip-compressed to a browser that accepts gzip, much smaller and byte-identical unpacked', async () => {
    const reply = await get('app.js', 'gzip, deflate, br, zstd');
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    expect(reply.body.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(reply.body).toString('utf8')).toBe(script);
    expect(reply.headers.vary).toBe('Accept-Encoding');
  });

  test('leaves the file to the caller when the browser does not accept gzip, marked as varying by encoding', async () => {
    for (const header of [undefined, 'identity', 'gzip;q=0, deflate', 'br']) {
      const reply = await get('app.js', header);
      expect(reply.headers['x-sent-by']).toBe('caller');
      expect(reply.headers['content-encoding']).toBeUndefined();
      expect(reply.headers.vary).toBe('Accept-Encoding');
    }
  });

  test('does not compress tiny files, images, or files that are missing', async () => {
    for (const name of ['tiny.js', 'icon.png', 'missing.js']) {
      const reply = await get(name, 'gzip');
      expect(reply.headers['x-sent-by']).toBe('caller');
      expect(reply.headers['content-encoding']).toBeUndefined();
    }
  });

  test('answers HEAD with the compressed length and no body', async () => {
    const full = await get('app.js', 'gzip');
    const head = await get('app.js', 'gzip', 'HEAD');
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['content-length']).toBe(full.headers['content-length']);
    expect(head.body.length).toBe(0);
  });

  test('sends the new content after the file is rebuilt, not a stale compressed copy', async () => {
    await get('app.js', 'gzip');
    const rebuilt = `${script}export const version = 2;\n`;
    writeFileSync(join(dir, 'app.js'), rebuilt);
    utimesSync(join(dir, 'app.js'), new Date(), new Date(Date.now() + 5000));
    const reply = await get('app.js', 'gzip');
    expect(gunzipSync(reply.body).toString('utf8')).toBe(rebuilt);
  });

  test('reads Accept-Encoding the way browsers and proxies write it', () => {
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('GZIP')).toBe(true);
    expect(acceptsGzip('deflate, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('gzip ; q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip(['deflate', 'gzip'])).toBe(true);
  });
});
