#!/usr/bin/env node
// A browser's network side, run inside a lab namespace (ip netns exec NS node httpsProbe.mjs PLAN): it takes
// the server's certificate only after comparing its SHA-256 fingerprint with the one the server printed (as a
// person does before accepting a self-signed certificate), then sends the plan's requests with that certificate
// as the only trusted one, keeping cookies like a browser. Prints one JSON object: the fingerprint seen and
// each answer.
//
// PLAN (JSON): { "url": "https://10.0.0.5:7420", "fingerprint": "AA:BB:...", "servername"?: "name",
//                "steps": [{ "method": "POST", "path": "/api/session/pair", "headers": {...}, "body": "..." }] }
import { request } from 'node:https';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';

const plan = JSON.parse(process.argv[2]);
const target = new URL(plan.url);
const port = Number(target.port || 443);
const host = target.hostname.replace(/^\[|\]$/g, '');

/** The certificate the server presents, fetched without sending anything else. */
function peerCertificate() {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: plan.servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      resolve(raw);
    });
    socket.on('error', reject);
  });
}

function send(step, ca, cookies) {
  return new Promise((resolve, reject) => {
    const headers = { Host: plan.hostHeader ?? target.host, ...(step.headers ?? {}) };
    if (cookies.size > 0) headers.Cookie = [...cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    if (step.body !== undefined) headers['Content-Length'] = Buffer.byteLength(step.body);
    const req = request({ host, port, path: step.path, method: step.method ?? 'GET', headers, ca, servername: plan.servername ?? '' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        for (const line of [].concat(res.headers['set-cookie'] ?? [])) {
          const [pair, ...attributes] = line.split(';');
          const eq = pair.indexOf('=');
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') cookies.delete(name);
          else cookies.set(name, value);
        }
        resolve({ status: res.statusCode, setCookie: res.headers['set-cookie'] ?? [], retryAfter: res.headers['retry-after'] ?? null, location: res.headers.location ?? null, body });
      });
    });
    req.on('error', reject);
    if (step.body !== undefined) req.write(step.body);
    req.end();
  });
}

const certificate = await peerCertificate();
const seen = certificate.fingerprint256;
if (seen !== plan.fingerprint) {
  // A person would stop here: the certificate is not the one the server printed.
  process.stdout.write(JSON.stringify({ fingerprint: seen, refused: 'fingerprint mismatch', steps: [] }));
  process.exit(0);
}
const ca = new X509Certificate(certificate.raw).toString();
const cookies = new Map();
const results = [];
for (const step of plan.steps) {
  if (step.waitMs !== undefined) await new Promise((resolve) => setTimeout(resolve, step.waitMs));
  results.push(await send(step, ca, cookies));
}
process.stdout.write(JSON.stringify({ fingerprint: seen, steps: results }));
