import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { describe, expect, test } from 'vitest';
import { appError, describeError } from '../../shared/errors';
import { err, ok } from '../../shared/result';
import type { SshTarget } from '../ssh/sshClient';
import { parseSha256sum, uploadFiles, type UploadPool, type UploadProgress, type UploadSftp } from './upload';

const target: SshTarget = { host: 'nas.lan', username: 'root' };
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * An in-memory machine: an SFTP session over a file map, and an exec that runs `sha256sum -- paths...` over the same
 * map, printing names the way GNU sha256sum does (a leading backslash and \\ for names with a backslash).
 */
function fakeMachine(options: { corrupt?: (path: string, data: Buffer) => Buffer; onWrite?: (path: string) => void; posixRename?: boolean } = {}) {
  const files = new Map<string, Buffer>();
  const folders = new Set<string>(['/', '/srv']);
  const log: string[] = [];
  const execs: (readonly string[])[] = [];
  let ended = 0;
  const fail = (message: string) => Object.assign(new Error(message), { code: 2 });
  const sftp: UploadSftp = {
    stat: (path, cb) => (folders.has(path) ? cb(undefined, { isDirectory: () => true }) : files.has(path) ? cb(undefined, { isDirectory: () => false }) : cb(fail('No such file'), { isDirectory: () => false })),
    mkdir: (path, cb) => {
      log.push(`mkdir ${path}`);
      if (!folders.has(posix.dirname(path))) return cb(fail('No such file'));
      folders.add(path);
      cb();
    },
    writeFile: (path, data, opts, cb) => {
      log.push(`write ${path} ${opts.flag} ${opts.mode.toString(8)}`);
      options.onWrite?.(path);
      files.set(path, options.corrupt?.(path, data) ?? data);
      setTimeout(() => cb(), 1);
    },
    rename: (from, to, cb) => {
      log.push(`rename ${from} -> ${to}`);
      if (files.has(to)) return cb(fail('Failure'));
      files.set(to, files.get(from)!);
      files.delete(from);
      cb();
    },
    unlink: (path, cb) => {
      log.push(`unlink ${path}`);
      cb(files.delete(path) ? undefined : fail('No such file'));
    },
    end: () => void (ended += 1),
    ...(options.posixRename === false
      ? {}
      : {
          ext_openssh_rename: (from: string, to: string, cb: (error?: Error | null) => void) => {
            log.push(`posix-rename ${from} -> ${to}`);
            files.set(to, files.get(from)!);
            files.delete(from);
            cb();
          },
        }),
  };
  const pool: UploadPool = {
    sftp: async () => ok(sftp),
    exec: async (_target, argv) => {
      execs.push(argv);
      expect(argv.slice(0, 2)).toEqual(['sha256sum', '--']);
      const lines = argv.slice(2).flatMap((path) => {
        const data = files.get(path);
        if (data === undefined) return [];
        return [path.includes('\\') ? `\\${sha(data)}  ${path.replaceAll('\\', '\\\\')}` : `${sha(data)}  ${path}`];
      });
      return ok({ code: lines.length === argv.length - 2 ? 0 : 1, signal: null, stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' });
    },
  };
  return { pool, files, folders, log, execs, ended: () => ended };
}

const flake = {
  'flake.nix': '{ outputs = _: { }; }\n',
  'machines/nas/configuration.nix': '{ }\n',
  'machines/-rf/it\'s $(touch x) "quoted".nix': 'hostile\n',
  'vars/naïve 機械 🔥.age': Buffer.from([0, 1, 2, 255]),
};

describe('uploadFiles', () => {
  test('creates the folders, writes each file under a temporary name, renames it into place and verifies every checksum', async () => {
    const m = fakeMachine();
    const progress: UploadProgress[] = [];
    const result = await uploadFiles(m.pool, target, { remoteDir: '/srv/flake', files: flake }, { onProgress: (p) => progress.push(p) });
    const total = Object.values(flake).reduce((n, content) => n + Buffer.from(content).length, 0);
    expect(result).toMatchObject({ ok: true, value: { remoteDir: '/srv/flake', files: 4, bytes: total } });
    for (const [path, content] of Object.entries(flake)) expect(m.files.get(`/srv/flake/${path}`)).toEqual(Buffer.from(content));
    expect(result.ok && result.value.sha256['flake.nix']).toBe(sha(flake['flake.nix']));
    // No file is ever written under its final name, and no temporary file is left.
    const writes = m.log.filter((l) => l.startsWith('write '));
    expect(writes).toHaveLength(4);
    expect(writes.every((w) => /\/\.cnd-upload-[0-9a-f]{12}\.tmp wx 644$/.test(w))).toBe(true);
    expect([...m.files.keys()].filter((p) => p.includes('.cnd-upload-'))).toEqual([]);
    expect(m.log.filter((l) => l.startsWith('mkdir '))).toEqual(['mkdir /srv/flake', 'mkdir /srv/flake/machines', 'mkdir /srv/flake/machines/nas', 'mkdir /srv/flake/machines/-rf', 'mkdir /srv/flake/vars']);
    // The checksums were read with one argv: the names exactly as they are, after "--".
    expect(m.execs).toEqual([['sha256sum', '--', ...Object.keys(flake).map((p) => `/srv/flake/${p}`)]]);
    expect(progress.map((p) => [p.path, p.filesDone, p.filesTotal])).toEqual(Object.keys(flake).map((p, i) => [p, i + 1, 4]));
    expect(progress.at(-1)).toMatchObject({ bytesDone: total, bytesTotal: total });
    expect(m.ended()).toBe(1);
  });

  test('with skipUnchanged, only the files that differ on the machine or are missing are sent, and those are verified', async () => {
    const m = fakeMachine();
    expect((await uploadFiles(m.pool, target, { remoteDir: '/srv/flake', files: flake }, { skipUnchanged: true })).ok).toBe(true);
    expect(m.log.filter((l) => l.startsWith('write '))).toHaveLength(4);
    // A redeploy: one file changed here, one changed by hand on the machine, one new; the fourth is as it was.
    m.files.set('/srv/flake/flake.nix', Buffer.from('edited by hand\n'));
    m.log.length = 0;
    m.execs.length = 0;
    const next = { ...flake, 'machines/nas/configuration.nix': '{ networking.hostName = "nas"; }\n', 'machines/new.nix': '{ }\n' };
    const progress: UploadProgress[] = [];
    const result = await uploadFiles(m.pool, target, { remoteDir: '/srv/flake', files: next }, { skipUnchanged: true, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ ok: true, value: { files: 5, unchanged: 2 } });
    expect(progress.map((p) => [p.path, p.filesDone, p.filesTotal])).toEqual([
      ['flake.nix', 1, 3],
      ['machines/nas/configuration.nix', 2, 3],
      ['machines/new.nix', 3, 3],
    ]);
    expect(m.log.filter((l) => l.startsWith('write '))).toHaveLength(3);
    for (const [path, content] of Object.entries(next)) expect(m.files.get(`/srv/flake/${path}`)).toEqual(Buffer.from(content));
    // Every file's checksum is in the result, the ones not sent too.
    expect(result.ok && Object.keys(result.value.sha256).sort()).toEqual(Object.keys(next).sort());
    // First what the machine has (every file), then the check of the three sent.
    expect(m.execs).toEqual([
      ['sha256sum', '--', ...Object.keys(next).map((p) => `/srv/flake/${p}`)],
      ['sha256sum', '--', '/srv/flake/flake.nix', '/srv/flake/machines/nas/configuration.nix', '/srv/flake/machines/new.nix'],
    ]);
    // Nothing changed: no SFTP session at all, only the one checksum command.
    m.execs.length = 0;
    const again = await uploadFiles(m.pool, target, { remoteDir: '/srv/flake', files: next }, { skipUnchanged: true });
    expect(again).toMatchObject({ ok: true, value: { files: 5, unchanged: 5, bytes: 0 } });
    expect(m.execs).toHaveLength(1);
  });

  test('replaces existing files, also where the server has no POSIX rename', async () => {
    const m = fakeMachine({ posixRename: false });
    expect((await uploadFiles(m.pool, target, { remoteDir: '/srv/f', files: { a: 'one' } })).ok).toBe(true);
    expect((await uploadFiles(m.pool, target, { remoteDir: '/srv/f', files: { a: 'two' } })).ok).toBe(true);
    expect(m.files.get('/srv/f/a')?.toString()).toBe('two');
  });

  test('a file whose checksum on the machine differs is uploadChecksumMismatch naming that file', async () => {
    const m = fakeMachine({ corrupt: (_path, data) => (m.log.at(-1)?.includes('/machines/nas/') === true ? Buffer.concat([data, Buffer.from('!')]) : data) });
    const result = await uploadFiles(m.pool, target, { remoteDir: '/srv/flake', files: flake });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'uploadChecksumMismatch', details: { host: 'nas.lan', path: 'machines/nas/configuration.nix', expected: sha('{ }\n'), actual: sha('{ }\n!') } },
    });
    expect(!result.ok && describeError(result.error)).toContain('the file “machines/nas/configuration.nix” on machine “nas.lan” does not match what was sent');
  });

  test('a file the machine does not list after the upload is reported missing', async () => {
    const m = fakeMachine();
    const pool: UploadPool = { ...m.pool, exec: async () => ok({ code: 1, signal: null, stdout: `${sha('x')}  /srv/f/a\n`, stderr: 'sha256sum: /srv/f/b: No such file or directory\n' }) };
    const result = await uploadFiles(pool, target, { remoteDir: '/srv/f', files: { a: 'x', b: 'y' } });
    expect(result).toMatchObject({ ok: false, error: { code: 'uploadChecksumMismatch', details: { path: 'b', actual: 'missing' } } });
    expect(!result.ok && describeError(result.error)).toContain('the file “b” is missing on machine “nas.lan”');
  });

  test('names with line breaks, empty or dot parts, absolute paths, duplicates and file/folder clashes are refused before anything is sent', async () => {
    const m = fakeMachine();
    const refused = async (files: Record<string, string>, remoteDir = '/srv/f') => {
      const result = await uploadFiles(m.pool, target, { remoteDir, files });
      return result.ok ? 'uploaded' : `${result.error.code} ${String(result.error.details?.reason)}`;
    };
    expect(await refused({ 'a\nb.nix': 'x' })).toBe('uploadPathRefused controlCharacter');
    expect(await refused({ 'tab\there': 'x' })).toBe('uploadPathRefused controlCharacter');
    expect(await refused({ '../escape': 'x' })).toBe('uploadPathRefused dotSegment');
    expect(await refused({ 'a//b': 'x' })).toBe('uploadPathRefused dotSegment');
    expect(await refused({ '/etc/passwd': 'x' })).toBe('uploadPathRefused absolute');
    expect(await refused({ '': 'x' })).toBe('uploadPathRefused empty');
    expect(await refused({ a: 'x', 'a/b': 'y' })).toBe('uploadPathRefused conflict');
    expect(await refused({ a: 'x' }, '/srv/\nf')).toBe('uploadPathRefused controlCharacter');
    expect(m.log).toEqual([]);
    const result = await uploadFiles(m.pool, target, { remoteDir: '/srv/f', files: { 'ok.nix': 'x', 'bad\nname': 'y' } });
    expect(!result.ok && describeError(result.error)).toContain('contains a line break or another control character');
  });

  test('cancelling stops at once: the session is ended and no further file is written', async () => {
    const controller = new AbortController();
    const m = fakeMachine({ onWrite: (path) => path.startsWith('/srv/f/') && controller.abort() });
    const result = await uploadFiles(m.pool, target, { remoteDir: '/srv/f', files: { a: '1', b: '2', c: '3' } }, { signal: controller.signal });
    expect(result).toMatchObject({ ok: false, error: { code: 'sshCancelled' } });
    expect(m.log.filter((l) => l.startsWith('write '))).toHaveLength(1);
    expect(m.execs).toEqual([]);
    expect(m.ended()).toBeGreaterThanOrEqual(1);
  });

  test('an SFTP failure is uploadFailed with the step and the file; the temporary file is removed', async () => {
    const m = fakeMachine();
    const pool: UploadPool = {
      ...m.pool,
      sftp: async () => {
        const session = (await m.pool.sftp(target)) as { ok: true; value: UploadSftp };
        return ok({ ...session.value, ext_openssh_rename: (_from: string, _to: string, cb: (error?: Error | null) => void) => cb(new Error('Permission denied')) });
      },
    };
    const result = await uploadFiles(pool, target, { remoteDir: '/srv/f', files: { 'flake.nix': 'x' } });
    expect(result).toMatchObject({ ok: false, error: { code: 'uploadFailed', details: { operation: 'rename', path: 'flake.nix', message: 'Permission denied' } } });
    expect([...m.files.keys()]).toEqual([]);
    expect(!result.ok && describeError(result.error)).toContain('Uploading to machine “nas.lan” failed: rename of “flake.nix” did not work (Permission denied)');
  });

  test('a connection that cannot be made is returned as it is', async () => {
    const pool: UploadPool = { sftp: async () => err(appError('sshHostUnreachable', { host: 'nas.lan', port: 22, reason: 'ECONNREFUSED' })), exec: async () => ok({ code: 0, signal: null, stdout: '', stderr: '' }) };
    expect(await uploadFiles(pool, target, { remoteDir: '/srv', files: { a: 'x' } })).toMatchObject({ ok: false, error: { code: 'sshHostUnreachable' } });
  });
});

describe('parseSha256sum', () => {
  test('reads plain and escaped lines (GNU sha256sum escapes names with a backslash)', () => {
    const a = sha('a');
    expect(parseSha256sum(`${a}  /srv/plain name\n\\${a}  /srv/back\\\\slash\n${a} */srv/binary\n`)).toEqual(
      new Map([
        ['/srv/plain name', a],
        ['/srv/back\\slash', a],
        ['/srv/binary', a],
      ]),
    );
  });
});
