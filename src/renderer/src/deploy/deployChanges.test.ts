import { describe, expect, test } from 'vitest';
import type { DeployHistoryEntry } from '../../../shared/deploy/report';
import type { Design, MachineId } from '../../../shared/model/types';
import { generateClan, manifestPath, parseManifest } from '../../../shared/nix/generate';
import { sha256Hex } from '../../../shared/nix/hash';
import { generatedFilesChangedSince } from './deployChanges';
import { lastSuccessfulDeploy } from './deployStore';
import { sampleDesign } from './testDeploy';

// "Changed since the last deploy": what the design generates now against the checksums the last successful deploy
// kept of the flake it put on the machines.

function manifestOf(design: Design): Record<string, string> {
  const generated = generateClan(design);
  if (!generated.ok) throw new Error('the sample design does not generate');
  return parseManifest(generated.value.files[manifestPath]!)!.files;
}

/** The checksums a deploy of `design` keeps: every file of its flake folder, Clan's own files included. */
function deployedFlake(design: Design): Record<string, string> {
  const generated = generateClan(design);
  if (!generated.ok) throw new Error('the sample design does not generate');
  const files = Object.fromEntries(Object.entries(generated.value.files).map(([path, text]) => [path, sha256Hex(text)]));
  return { ...files, 'flake.lock': 'a'.repeat(64), 'vars/per-machine/nas/zerotier/identity/value': 'b'.repeat(64), 'sops/users/clan-network-designer/key.json': 'c'.repeat(64) };
}

const entry = (runId: string, deployed: number, flakeFiles: Record<string, string> = {}): DeployHistoryEntry => ({
  runId,
  startedAt: 1,
  finishedAt: 2,
  outcome: 'finished',
  way: 'onMachine',
  counts: { deployed, failed: 0, rolledBack: 0, skipped: 0, cancelled: 0, unknown: 0 },
  flakeFiles,
});

describe('changed since the last deploy', () => {
  test('the design that was deployed has no changed files, whatever Clan made beside them', () => {
    const { design } = sampleDesign();
    expect(generatedFilesChangedSince(manifestOf(design), deployedFlake(design))).toEqual([]);
  });

  test('renaming a machine changes the generated files that name it', () => {
    const { design, nas } = sampleDesign();
    const id = nas as MachineId;
    const renamed: Design = { ...design, machines: { ...design.machines, [id]: { ...design.machines[id]!, name: 'storage' } } };
    expect(generatedFilesChangedSince(manifestOf(renamed), deployedFlake(design))).toEqual(expect.arrayContaining(['inventory.json', 'machines/storage/configuration.nix']));
  });

  test('a file edited by hand before the deploy counts as changed', () => {
    const { design } = sampleDesign();
    expect(generatedFilesChangedSince(manifestOf(design), { ...deployedFlake(design), 'clan.nix': 'd'.repeat(64) })).toEqual(['clan.nix']);
  });

  test('the reference is the newest deploy that deployed at least one machine', () => {
    expect(lastSuccessfulDeploy([entry('c', 0), entry('b', 2), entry('a', 1)])?.runId).toBe('b');
    expect(lastSuccessfulDeploy([entry('b', 0), entry('a', 0)])).toBeUndefined();
    expect(lastSuccessfulDeploy([])).toBeUndefined();
  });
});
