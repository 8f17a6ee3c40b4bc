import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseSha256sum, uploadFiles, type UploadProgress } from '../../src/main/services/upload';
import { SshClientPool, type SshTarget } from '../../src/main/ssh/sshClient';
import { shouldRunLab, type LabHost } from '../lab/lab';
import { useLab } from '../lab/suite';

// Uploads over SFTP to the lab's real sshd servers (test/lab/lab.ts; the hosts share this machine's filesystem, so
// what arrived can be read back directly): a small flake-like tree with hostile file names, checked byte for byte and
// by the machine's own sha256sum.
const runLab = await shouldRunLab();

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A flake-like tree whose names would break any command line built by concatenation. */
const tree: Record<string, string | Uint8Array> = {
  'flake.nix': '{\n  inputs.clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";\n  outputs = inputs: { };\n}\n',
  'flake.lock': '{ "nodes": { }, "root": "root", "version": 7 }\n',
  'machines/nas/configuration.nix': '{ networking.hostName = "nas"; }\n',
  'machines/with space/it\'s "quoted".nix': '{ }\n',
  'machines/$(touch pwned)/`id`;rm -rf ~.nix': '# hostile\n',
  '-rf/--help': 'leading dashes\n',
  'vars/naïve-Ünïcødé 機械 🔥.age': new Uint8Array([0, 1, 2, 3, 254, 255]),
  'back\\slash/a*b?[c]': 'glob characters\n',
};

describe.skipIf(!runLab)('uploads over SFTP against the lab', () => {
  const suite = useLab('upload');

  function pool(): SshClientPool {
    const created = new SshClientPool({ knownHostsPath: join(suite.work, `known_hosts_${suite.pools.length}`), connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true } });
    suite.track(created);
    return created;
  }
  function target(host: LabHost, jump?: LabHost): SshTarget {
    const self = { host: host.address, port: host.port, username: suite.lab.users.plain.name, privateKey: suite.lab.users.plain.privateKey };
    return jump === undefined ? self : { ...self, jump: target(jump) };
  }
  const homeOf = () => `/home/${suite.lab.users.plain.name}`;

  test('a flake-like tree with hostile names arrives byte for byte, checked by sha256sum on the machine, with no temporary files left', async () => {
    const p = pool();
    const alpha = suite.lab.host('alpha');
    const folder = `upload-${Date.now()}`;
    const progress: UploadProgress[] = [];
    rmSync(join(homeOf(), 'pwned'), { force: true });
    const result = await uploadFiles(p, target(alpha), { remoteDir: folder, files: tree }, { onProgress: (x) => progress.push(x) });
    expect(result).toMatchObject({ ok: true, value: { files: Object.keys(tree).length } });
    expect(progress.map((x) => x.path)).toEqual(Object.keys(tree));
    const root = join(homeOf(), folder);
    for (const [path, content] of Object.entries(tree)) {
      const arrived = readFileSync(join(root, path));
      expect([path, arrived]).toEqual([path, Buffer.from(content)]);
      expect(result.ok && result.value.sha256[path]).toBe(sha(arrived));
    }
    // The machine's own sha256sum, run by argv, agrees; nothing was executed from a name, no temporary file is left.
    const sums = await p.exec(target(alpha), ['sha256sum', '--', ...Object.keys(tree).map((path) => `${folder}/${path}`)]);
    expect(sums.ok && Object.fromEntries(parseSha256sum(sums.value.stdout))).toEqual(Object.fromEntries(Object.entries(tree).map(([path, c]) => [`${folder}/${path}`, sha(Buffer.from(c))])));
    expect(() => readFileSync(join(homeOf(), 'pwned'))).toThrow();
    const leftovers = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? leftovers(join(dir, e.name)) : e.name.startsWith('.cnd-upload-') ? [e.name] : []));
    expect(leftovers(root)).toEqual([]);
  });

  test('uploading again through the bastion to a NATed host replaces files in place', async () => {
    const p = pool();
    const gamma = suite.lab.host('gamma');
    const folder = `${homeOf()}/replace-${Date.now()}`;
    expect((await uploadFiles(p, target(gamma, suite.lab.host('bastion')), { remoteDir: folder, files: { 'flake.nix': 'old\n', 'keep.nix': 'kept\n' } })).ok).toBe(true);
    const again = await uploadFiles(p, target(gamma, suite.lab.host('bastion')), { remoteDir: folder, files: { 'flake.nix': 'new\n' } });
    expect(again).toMatchObject({ ok: true, value: { files: 1, sha256: { 'flake.nix': sha('new\n') } } });
    expect(readFileSync(join(folder, 'flake.nix'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(folder, 'keep.nix'), 'utf8')).toBe('kept\n');
  });

  test('a folder the user may not write to is uploadFailed naming the step', async () => {
    const p = pool();
    const result = await uploadFiles(p, target(suite.lab.host('beta')), { remoteDir: '/etc/cnd-upload-denied', files: { 'flake.nix': 'x' } });
    expect(result).toMatchObject({ ok: false, error: { code: 'uploadFailed', details: { operation: 'createFolder', path: '/etc/cnd-upload-denied', message: 'Permission denied' } } });
  });
});
