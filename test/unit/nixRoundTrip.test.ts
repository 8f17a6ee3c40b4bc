import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import type { Design, MachineId, SiteId } from '../../src/shared/model/types';
import { describeGenerateError, generateErrorCodes, type GenerateError } from '../../src/shared/nix/errors';
import { nixString } from '../../src/shared/nix/escape';
import { generateClan } from '../../src/shared/nix/generate';
import { referenceAdminKey, referenceDesigns } from '../../src/shared/nix/referenceDesigns';
import { assignDefaultRoles } from '../../src/shared/vpn/catalog';
import { vpnIds, type VpnId } from '../../src/shared/vpn/ids';

// Property test for the one promise about user text: thousands of random names, descriptions and settings
// (quotes, backslashes, ${, newlines, CR, unicode, NUL, broken surrogates, very long strings) are either refused
// with a clear message, or come back EXACTLY equal when Nix evaluates the generated files: inventory.json through
// builtins.fromJSON (builtins.readFile ...) and clan.nix's meta through import, with nix-instantiate --eval
// --strict --json under restrict-eval. All accepted cases are evaluated in one nix-instantiate call.
// Also: every string of up to four characters over the escaping-relevant alphabet goes through nixString and Nix.

const nixAvailable = spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' }).status === 0;
const onCi = process.env.CI === 'true';
const work = mkdtempSync(join(tmpdir(), 'nix-roundtrip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

if (!nixAvailable && !onCi) {
  console.warn('nixRoundTrip.test.ts: nix-instantiate not found, so the round trip through Nix is skipped. Install it with scripts/install-test-deps.sh (Debian: nix-bin).');
}

function evaluate(file: string): unknown {
  const result = spawnSync('nix-instantiate', ['--store', 'dummy://', '--option', 'restrict-eval', 'true', '-I', work, '--eval', '--strict', '--json', file], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const stderr = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes("group 'nixbld'"));
  if (result.status !== 0 || stderr.length > 0) throw new Error(`nix-instantiate failed: ${stderr.join('\n')}`);
  return JSON.parse(result.stdout);
}

// ---------------------------------------------------------------- random inputs

// Characters that matter to Nix, JSON or shells. NUL and unpaired surrogates cannot be represented at all: they
// must be refused, so they appear in a smaller share of the free text ("dirty").
const specials = ['"', '\\', '${', '$', '{', '}', '\n', '\r', '\r\n', '\t', "''", "'''", "''${", 'é', 'ß', '中文', '😀', '\u2028', '\u007f', '\u0001', '\uFEFF', ' ', '#', ';', '`', '/*'];
const unrepresentable = ['\0', '\uD800', '\uDC00'];
const pieces = (dirty: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...specials, ...(dirty ? unrepresentable : [])),
    fc.string({ unit: 'binary', maxLength: 12 }).map((t) => (dirty ? t : t.replaceAll('\0', ''))),
    fc.string({ maxLength: 12 }),
  );
const weird = (maxLength: number, dirty = false): fc.Arbitrary<string> => fc.array(pieces(dirty), { maxLength: 24 }).map((parts) => parts.join('').slice(0, maxLength));
const long = (maxLength: number): fc.Arbitrary<string> => fc.tuple(weird(60), fc.integer({ min: 20, max: 400 })).map(([text, n]) => (text === '' ? 'x' : text).repeat(n).slice(0, maxLength));
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Mostly valid values, sometimes anything: each field that validation checks is wrong in about one case in eleven. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: valid, weight: 10 }, { arbitrary: other, weight: 1 });
/** Free text nothing validates: clean most of the time, with NUL or a broken surrogate now and then. */
const freeText = (maxLength: number): fc.Arbitrary<string> => fc.oneof({ arbitrary: weird(maxLength), weight: 15 }, { arbitrary: weird(maxLength, true), weight: 1 });

const caseArbitrary = fc.record({
  clanName: mostly(fc.oneof(fc.constant('family'), fc.stringMatching(/^[a-zA-Z0-9_-]{1,40}$/)), weird(200, true)),
  domain: mostly(fc.constantFrom('clan', 'home.arpa', 'family.example.org', 'x'), weird(100, true)),
  description: fc.oneof(freeText(400), long(10_000), fc.constant('')),
  machineName: mostly(fc.oneof(fc.constant('nas'), fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/)), weird(60, true)),
  tags: fc.array(freeText(64), { maxLength: 3 }),
  siteName: fc.oneof(freeText(200), fc.constant('Home')),
  publicAddress: mostly(fc.constantFrom(null, '198.51.100.7', '2001:db8::7', 'home.example.org'), weird(60, true)),
  sshHost: mostly(fc.constantFrom('192.168.1.10', '2001:db8::1', 'nas.local'), weird(60, true)),
  sshUser: mostly(fc.constantFrom('root', 'admin', 'deploy_user'), weird(20, true)),
  sshPort: fc.integer({ min: 1, max: 65535 }),
  instance: mostly(fc.oneof(fc.constant('mesh'), fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/)), weird(20, true)),
  vpn: fc.constantFrom<VpnId | null>(null, ...vpnIds),
  keyComment: mostly(fc.oneof(fc.constant(null), printable), weird(30, true)),
});

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

const base = referenceDesigns()[0]!.design;
const nasId = Object.values(base.machines).find((m) => m.name === 'nas')!.id as MachineId;
const homeId = Object.values(base.sites).find((s) => s.name === 'Home')!.id as SiteId;
const keyBody = referenceAdminKey.split(' ').slice(0, 2).join(' ');

function buildCase(c: Case): { design: Design; adminPublicKey: string | undefined } {
  const nas = base.machines[nasId]!;
  let design: Design = {
    ...base,
    meta: { clanName: c.clanName, domain: c.domain, description: c.description },
    sites: { ...base.sites, [homeId]: { ...base.sites[homeId]!, name: c.siteName } },
    machines: { ...base.machines, [nasId]: { ...nas, name: c.machineName, tags: c.tags, publicAddress: c.publicAddress, ssh: { host: c.sshHost, port: c.sshPort, user: c.sshUser } } },
  };
  design = { ...design, vpn: c.vpn === null ? { id: null, instance: c.instance, roles: {} } : { id: c.vpn, instance: c.instance, roles: assignDefaultRoles(design, c.vpn) } };
  return { design, adminPublicKey: c.keyComment === null ? undefined : `${keyBody} ${c.keyComment}` };
}

function expectClearRefusal(error: GenerateError): void {
  expect(generateErrorCodes).toContain(error.code);
  const message = describeGenerateError(error);
  expect(message.length).toBeGreaterThan(60);
  expect(message).toMatch(/\.$/);
  if (error.code === 'designInvalid') {
    expect(error.details.problems.length).toBeGreaterThan(0);
    for (const p of error.details.problems) {
      expect(p.severity).toBe('error');
      expect(p.message.length).toBeGreaterThan(40);
    }
  }
}

describe('user text round trip through Nix', () => {
  test.runIf(!nixAvailable && onCi)('nix-instantiate is installed on CI', () => {
    expect.fail('nix-instantiate is missing; CI must run scripts/install-test-deps.sh (Debian package nix-bin)');
  });

  test.skipIf(!nixAvailable)('3,000 random designs are refused with a clear message or evaluate to exactly their input', () => {
    const cases = fc.sample(caseArbitrary, { numRuns: 3000, seed: 20260822 });
    const accepted: { c: Case; inventory: unknown; adminPublicKey: string | undefined }[] = [];
    const refusals = new Map<string, number>();
    const entries: string[] = [];
    for (const c of cases) {
      const { design, adminPublicKey } = buildCase(c);
      const result = generateClan(design, { adminPublicKey });
      if (!result.ok) {
        expectClearRefusal(result.error);
        const key = result.error.code === 'designInvalid' ? `designInvalid:${result.error.details.problems[0]!.code}` : result.error.code;
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
        continue;
      }
      const dir = join(work, `c${accepted.length}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'inventory.json'), result.value.files['inventory.json']!);
      writeFileSync(join(dir, 'clan.nix'), result.value.files['clan.nix']!);
      entries.push(`{ meta = (import ./c${accepted.length}/clan.nix).meta; inventory = builtins.fromJSON (builtins.readFile ./c${accepted.length}/inventory.json); }`);
      accepted.push({ c, inventory: JSON.parse(result.value.files['inventory.json']!), adminPublicKey });
    }
    // Both paths must be well exercised, including the ones that matter most here.
    expect(accepted.length).toBeGreaterThan(1000);
    expect(cases.length - accepted.length).toBeGreaterThan(500);
    expect(refusals.get('unrepresentableText') ?? 0).toBeGreaterThan(20);

    const file = join(work, 'cases.nix');
    writeFileSync(file, `[\n${entries.join('\n')}\n]\n`);
    const evaluated = evaluate(file) as { meta: Record<string, string>; inventory: Record<string, Record<string, Record<string, unknown>>> }[];
    expect(evaluated).toHaveLength(accepted.length);
    let longest = 0;
    for (const [i, { c, inventory, adminPublicKey }] of accepted.entries()) {
      const { meta, inventory: fromNix } = evaluated[i]!;
      expect(meta).toEqual(c.description === '' ? { name: c.clanName, domain: c.domain } : { name: c.clanName, domain: c.domain, description: c.description });
      expect(fromNix).toEqual(inventory);
      const machine = fromNix.machines![c.machineName] as { tags: string[]; description: string; deploy?: { targetHost: string } };
      expect(machine.tags).toEqual(c.tags);
      expect(machine.description).toBe(`NAS in ${c.siteName}`);
      const host = c.sshHost.includes(':') ? `[${c.sshHost}]` : c.sshHost;
      // An empty SSH user or host only blocks deploy (managedWithoutSsh), and then there is no targetHost.
      const reachable = c.sshHost.trim() !== '' && c.sshUser.trim() !== '';
      expect(machine.deploy?.targetHost).toBe(reachable ? `${c.sshUser}@${host}${c.sshPort === 22 ? '' : `:${c.sshPort}`}` : undefined);
      const instances = fromNix.instances as Record<string, { roles: Record<string, { machines: Record<string, { settings: Record<string, unknown> }>; settings?: { authorizedKeys: { admin: string } } }> }>;
      if (c.publicAddress !== null) expect(instances.internet!.roles.default!.machines[c.machineName]!.settings.host).toBe(c.publicAddress);
      if (adminPublicKey !== undefined) expect(instances.sshd!.roles.server!.settings!.authorizedKeys.admin).toBe(adminPublicKey.trim());
      if (c.vpn !== null) expect(Object.keys(instances)).toContain(c.instance);
      longest = Math.max(longest, c.description.length);
    }
    expect(longest).toBeGreaterThan(5000);
  }, 60_000);

  test.skipIf(!nixAvailable)('every string of up to four characters over the escaping alphabet survives nixString and Nix (11,111 strings)', () => {
    const alphabet = ['\\', '"', '$', '{', '}', '\n', '\r', '\t', 'a', "'"];
    const strings = [''];
    let level = [''];
    for (let n = 1; n <= 4; n += 1) {
      level = level.flatMap((prefix) => alphabet.map((ch) => prefix + ch));
      strings.push(...level);
    }
    const extra = ['é 😀 中文 \u2028 \uFEFF', '\u0001\u001f\u007f', 'x'.repeat(100_000), `${'${'.repeat(1000)}${'\\'.repeat(1001)}`, '\r\n\r\n', "''${x}''"];
    const all = [...strings, ...extra];
    const file = join(work, 'strings.nix');
    writeFileSync(file, `[\n${all.map(nixString).join('\n')}\n]\n`);
    expect(evaluate(file)).toEqual(all);
    expect(strings).toHaveLength(11_111);
  });
});
