import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shouldRunE2e, startServe, type ServeProcess } from './support';

// Serve mode as a flaky network and an attacker see it: raw bytes on a socket, not what a well-behaved browser
// sends. The server runs as its own process, started the way a user starts it, so a request that ends the
// process fails the test (the process is checked after every single request), and so does one that only the
// process-wide guard caught (its "INTERNAL ERROR" line in the output): every request must be handled where it
// arrives.

const runE2e = shouldRunE2e();

interface Sent {
  /** What was sent, for the failure message. */
  label: string;
  /** The status line of the answer, or '' when the server closed without one. */
  status: string;
}

/**
 * Sends raw bytes and reads what comes back until the server closes, a pause, or abortAfter (then the client
 * drops the connection itself, like a closed tab).
 */
function raw(port: number, bytes: Buffer | string, options: { abortAfterWrite?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(finish, options.waitMs ?? 1500);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      // One answer is enough: keep-alive connections would otherwise wait for the timer.
      if (/\r\n\r\n/.test(answer) && /^HTTP\/1\.[01] \d{3}/.test(answer)) {
        const length = /content-length: *(\d+)/i.exec(answer);
        const head = answer.indexOf('\r\n\r\n') + 4;
        if (length === null || answer.length - head >= Number(length[1])) finish();
      }
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(bytes, () => {
      if (options.abortAfterWrite === true) setTimeout(finish, 5);
    });
  });
}

function statusOf(answer: string): string {
  return /^(HTTP\/1\.[01] \d{3})/.exec(answer)?.[1] ?? '';
}

describe.skipIf(!runE2e)('serve mode survives any request', () => {
  let serve: ServeProcess;
  let port: number;
  let cookie: string;
  const host = () => `127.0.0.1:${port}`;

  /** A request a signed-in browser would send; it must still work after whatever came before. */
  const validCall = async (): Promise<string> => raw(port, `POST /api/rpc/app:info.get HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);

  const expectAlive = async (after: Sent[]) => {
    // Give a crash that follows the answer (an unhandled rejection, a late stream error) time to happen.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const last = after.slice(-3).map((s) => `${s.label} -> ${s.status || 'no answer'}`);
    expect(serve.child.exitCode, `the server exited after: ${last.join(' | ')}`).toBeNull();
    const answer = await validCall();
    expect(statusOf(answer), `a valid call after: ${last.join(' | ')}`).toBe('HTTP/1.1 200');
    expect(answer).toContain('"mode":"serve"');
  };

  beforeAll(async () => {
    serve = await startServe();
    port = Number(new URL(serve.url).port);
    const paired = await raw(port, `POST /api/session/pair HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ code: serve.pairingCode }).length}\r\nConnection: close\r\n\r\n${JSON.stringify({ code: serve.pairingCode })}`);
    const setCookie = /set-cookie: *([^;\r\n]+)/i.exec(paired);
    if (setCookie === null) throw new Error(`pairing failed:\n${paired}`);
    cookie = setCookie[1]!;
  });

  afterAll(async () => {
    await serve?.stop();
  });

  test('the requests that used to end the process are answered, and the server keeps serving', async () => {
    const cases: [string, string | Buffer, { abortAfterWrite?: boolean }, RegExp][] = [
      ['GET //[ without a session', `GET //[ HTTP/1.1\r\nHost: ${host()}\r\n\r\n`, {}, /^HTTP\/1\.1 403/],
      ['GET http://[ without a session', `GET http://[ HTTP/1.1\r\nHost: ${host()}\r\n\r\n`, {}, /^HTTP\/1\.1 400/],
      ['GET http://[ with a foreign Host', `GET http://[ HTTP/1.1\r\nHost: [\r\n\r\n`, {}, /^HTTP\/1\.1 400/],
      ['a malformed escape in the channel, signed in', `POST /api/rpc/%E0%A4%A HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`, {}, /^HTTP\/1\.1 400/],
      ['a malformed escape in a page path', `GET /%E0%A4%A HTTP/1.1\r\nHost: ${host()}\r\n\r\n`, {}, /^HTTP\/1\.1 400/],
      [
        'a save whose client goes away mid-body, signed in',
        `POST /api/rpc/project:save HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"x","design":{"sites":`,
        { abortAfterWrite: true },
        /^$/,
      ],
    ];
    const sent: Sent[] = [];
    for (const [label, bytes, options, expected] of cases) {
      const answer = await raw(port, bytes, options);
      sent.push({ label, status: statusOf(answer) });
      expect(statusOf(answer), label).toMatch(expected);
      await expectAlive(sent);
    }
    expect(serve.output()).not.toContain('INTERNAL ERROR');
  });

  test('thousands of malformed request lines, headers, paths, encodings, bodies and aborted uploads, with and without a session', async () => {
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'CONNECT', 'TRACE', 'G\0T', 'GE T', '', 'POST\t'];
    const targets = [
      '/',
      '/index.html',
      '//[',
      'http://[',
      'http://127.0.0.1/',
      '*',
      '%',
      '/%',
      '/%%',
      '/%E0%A4%A',
      '/%C0%AE%C0%AE/%C0%AE%C0%AE/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/assets/..\\..\\secret',
      '/\0',
      '/api/',
      '/api/rpc/',
      '/api/rpc/%',
      '/api/rpc/%E0%A4%A',
      '/api/rpc/%FF%FE',
      '/api/rpc/app:info.get',
      '/api/rpc/project:save',
      '/api/rpc/project:open',
      '/api/rpc/check:start',
      '/api/rpc/__proto__',
      '/api/rpc/constructor',
      '/api/events',
      '/api/session',
      '/api/session/pair',
      '/api/session/new-code',
      '/api/session/sign-out',
      '/api/session/%ZZ',
      `/${'a'.repeat(9000)}`,
      '/ü/∆/😀',
      '/?x=%E0%A4%A',
      '/#frag',
    ];
    const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', '', 'HTTP/1.1 extra'];
    const hostHeaders = () => [`Host: ${host()}`, '', 'Host: [', 'Host: evil.example', `Host: ${host()}\r\nHost: other`, `Host: ${'h'.repeat(5000)}`, 'Host: 127.0.0.1:0', 'Host:'];
    const extraHeaders = () => [
      '',
      `Cookie: ${cookie}`,
      `Cookie: ${cookie.split('=')[0]}=garbage`,
      `Cookie: ;;;==;${'x'.repeat(3000)}`,
      'Origin: https://evil.example',
      'Origin: null',
      `Origin: http://${host()}`,
      'Sec-Fetch-Site: cross-site',
      'Content-Type: application/json',
      'Content-Type: text/plain',
      'Content-Type: application/json; charset=\0',
      'Content-Length: -1',
      'Content-Length: 99999999999999999999',
      'Content-Length: abc',
      'Content-Length: 5\r\nContent-Length: 6',
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip, chunked',
      'Transfer-Encoding: chunked\r\nContent-Length: 3',
      'Expect: 100-continue',
      'Connection: upgrade\r\nUpgrade: websocket',
      'X-No-Colon-Here',
      ' folded: continuation',
      'Bad\0Header: x',
      Array.from({ length: 150 }, (_, i) => `X-H${i}: ${i}`).join('\r\n'),
    ];
    const bodies = [
      '',
      '{}',
      '{',
      'null',
      '[]',
      '"x"',
      '{"name":"a","design":null}',
      '{"url":"http://evil.example"}',
      '{"code":"AAAA-AAAA"}',
      '{"code":123}',
      '{"__proto__":{"polluted":true}}',
      '['.repeat(50_000),
      '{"a":'.repeat(20_000),
      '0\r\n\r\n',
      'zz\r\nxx\r\n',
      '5\r\nhello\r\n0\r\n\r\n',
      '\xff\xfe\x00\x01',
    ];
    const request = fc.record({
      method: fc.constantFrom(...methods),
      target: fc.constantFrom(...targets),
      version: fc.constantFrom(...versions),
      hostHeader: fc.nat(hostHeaders().length - 1),
      headers: fc.array(fc.nat(extraHeaders().length - 1), { maxLength: 4 }),
      body: fc.oneof(fc.constantFrom(...bodies), fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1'))),
      declaredLength: fc.oneof(fc.constant('exact'), fc.constant('none'), fc.constant('more'), fc.constant('less')),
      lineEnd: fc.constantFrom('\r\n', '\n', '\r'),
      abort: fc.boolean(),
      withSession: fc.boolean(),
    });
    const samples = fc.sample(request, { numRuns: 2400, seed: 20261207 });
    const sent: Sent[] = [];
    let valid = 0;
    const work = samples.map((r) => async () => {
      const headers = [hostHeaders()[r.hostHeader]!, ...r.headers.map((i) => extraHeaders()[i]!), r.withSession ? `Cookie: ${cookie}` : ''].filter((h) => h !== '');
      const bodyBytes = Buffer.from(r.body, 'latin1');
      if (r.declaredLength === 'exact') headers.push(`Content-Length: ${bodyBytes.length}`);
      if (r.declaredLength === 'more') headers.push(`Content-Length: ${bodyBytes.length + 50}`);
      if (r.declaredLength === 'less') headers.push(`Content-Length: ${Math.max(0, bodyBytes.length - 3)}`);
      const head = `${r.method} ${r.target} ${r.version}`.trimEnd();
      const bytes = Buffer.concat([Buffer.from(`${head}${r.lineEnd}${headers.join(r.lineEnd)}${r.lineEnd}${r.lineEnd}`, 'latin1'), bodyBytes]);
      const answer = await raw(port, bytes, { abortAfterWrite: r.abort || r.declaredLength === 'more', waitMs: 800 });
      const label = JSON.stringify(`${head} ${headers.join(' | ').slice(0, 200)} body ${r.body.slice(0, 40)}`);
      sent.push({ label, status: statusOf(answer) });
      if (statusOf(answer) !== '') valid += 1;
      expect(serve.child.exitCode, `the server exited after ${label}`).toBeNull();
    });
    // Twenty connections at a time, as a busy page and a hostile one would open together.
    const queue = [...work];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          await next();
          if (sent.length % 400 === 0) await expectAlive(sent);
        }
      }),
    );
    // Large bodies: over the limit (refused without reading it all) and cut off in the middle of an upload.
    const big = Buffer.alloc(6 * 1024 * 1024, 0x61);
    const tooLarge = await raw(port, Buffer.concat([Buffer.from(`POST /api/rpc/project:save HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`), big]), { waitMs: 5000 });
    sent.push({ label: '6 MB body', status: statusOf(tooLarge) });
    expect(statusOf(tooLarge)).toBe('HTTP/1.1 413');
    const cut = await raw(port, Buffer.concat([Buffer.from(`POST /api/rpc/project:save HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`), big.subarray(0, 2 * 1024 * 1024)]), { abortAfterWrite: true });
    sent.push({ label: 'upload cut at 2 of 6 MB', status: statusOf(cut) });

    expect(sent.length).toBe(samples.length + 2);
    // Most of the garbage is answered (400, 401, 403, 404, 405, 413, 415, 431), not just dropped.
    expect(valid).toBeGreaterThan(samples.length / 2);
    await expectAlive(sent);
    const page = await raw(port, `GET / HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(page)).toBe('HTTP/1.1 200');
    expect(serve.output()).not.toContain('INTERNAL ERROR');
  });
});

describe.skipIf(!runE2e)('serve mode over HTTPS survives broken handshakes', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServe(['--tls']);
  });

  afterAll(async () => {
    await serve?.stop();
  });

  test('random bytes, truncated and abandoned TLS handshakes, and plain HTTP on the TLS port', async () => {
    const port = Number(new URL(serve.url).port);
    expect(serve.url.startsWith('https://')).toBe(true);
    const blobs = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 600 }), { numRuns: 300, seed: 7 });
    for (const [i, blob] of blobs.entries()) {
      // Every other blob starts like a TLS record, so it reaches the TLS layer instead of the plain-HTTP redirect.
      const bytes = i % 2 === 0 ? Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), blob]) : Buffer.from(blob);
      await raw(port, bytes, { abortAfterWrite: i % 3 === 0, waitMs: 200 });
      expect(serve.child.exitCode, `exited after blob ${i}`).toBeNull();
    }
    for (let i = 0; i < 20; i += 1) {
      // A client that starts a real handshake and disappears halfway.
      await new Promise<void>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
        socket.on('error', () => resolve());
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, i);
      });
    }
    const redirect = await raw(port, `GET /x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect(statusOf(redirect)).toBe('HTTP/1.1 308');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/api/session', rejectUnauthorized: false, headers: { Host: `127.0.0.1:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(serve.child.exitCode).toBeNull();
    expect(serve.output()).not.toContain('INTERNAL ERROR');
  });
});
