import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { KILL_TREE_SCRIPT, buildKillGroupCommand, buildRemoteCommand, quoteArgument, quoteCommand } from './quote';

/** Runs a command string through a real POSIX shell and returns the argv the program received. */
function argvSeenBy(shell: string, command: string): string[] {
  const out = execFileSync(shell, ['-c', `set -- ${command}; printf '%s\\0' "$@"`]).toString();
  return out.split('\0').slice(0, -1);
}

const corpus = ['', ' ', "it's", '"q"', '$(id)', '`id`', '; rm -rf /', '&&', '|', '>', '$HOME', '${IFS}', '~root', '*', '?', '[a]', '{a,b}', '-rf', '--', 'A=b', 'a\nb', '\t', '\\', "'\\''", '!', '#x', '%1', 'naïve 機械 🔥'];

describe('quoteArgument', () => {
  test('leaves plain words bare and single-quotes everything else', () => {
    expect(quoteArgument('nixos-rebuild')).toBe('nixos-rebuild');
    expect(quoteArgument('/etc/nixos/flake.nix')).toBe('/etc/nixos/flake.nix');
    expect(quoteArgument('A=b')).toBe("'A=b'");
    expect(quoteArgument('')).toBe("''");
    expect(quoteArgument("it's")).toBe("'it'\\''s'");
  });

  test('refuses a NUL byte, which no argv can carry', () => {
    expect(() => quoteArgument('a\0b')).toThrow(RangeError);
  });

  test.each(['sh', 'bash', 'dash'])('a hostile corpus reads back unchanged in %s', (shell) => {
    expect(argvSeenBy(shell, quoteCommand(corpus))).toEqual(corpus);
  });

  test('any string without NUL reads back unchanged in sh (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 5 }), (argv) => {
        expect(argvSeenBy('sh', quoteCommand(argv))).toEqual(argv);
      }),
      { numRuns: 60 },
    );
  });
});

describe('remote command builders', () => {
  test('an empty argv is a bug', () => {
    expect(() => quoteCommand([])).toThrow(RangeError);
  });

  test('the exec wrapper reports the pid after the marker and execs the quoted program', () => {
    expect(buildRemoteCommand(['echo', "a'b"], 'cndpid1')).toBe("echo cndpid1 $$ >&2; exec echo 'a'\\''b'");
    expect(() => buildRemoteCommand(['x'], 'bad marker')).toThrow(RangeError);
  });

  test('the group kill targets the negative pid and refuses pids that would signal everything', () => {
    expect(buildKillGroupCommand(4242)).toBe('kill -s KILL -- -4242');
    expect(buildKillGroupCommand(4242, { sudo: true })).toBe(`sudo -n sh -c ${quoteArgument(KILL_TREE_SCRIPT)} sh 4242`);
    expect(() => buildKillGroupCommand(1)).toThrow(RangeError);
    expect(() => buildKillGroupCommand(-5)).toThrow(RangeError);
  });
});
