import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { SshClientPool } from '../../src/main/ssh/sshClient';
import { createLab, defaultLabSpec, destroyLeftovers, type Lab, type LabSpec } from './lab';

/** What a lab test file shares: its lab, a scratch folder, and the pools and clean-ups to run at the end. */
export interface LabSuite {
  readonly lab: Lab;
  /** A scratch folder for known_hosts files, keys and homes, removed after the file's tests. */
  readonly work: string;
  /** Pools created so far (their count names fresh known_hosts files). */
  readonly pools: readonly SshClientPool[];
  /** Keeps a pool to dispose of after the tests; returns it. */
  track(pool: SshClientPool): SshClientPool;
  /** Runs after the tests, before the lab is torn down (e.g. to stop an ssh-agent). */
  onTeardown(cleanup: () => unknown): void;
}

/**
 * Builds one lab for the calling test file (after removing labs left by crashed runs) and tears it down after its
 * tests: pools first, then the file's own clean-ups, the lab, and the scratch folder.
 */
export function useLab(name: string, spec: LabSpec = defaultLabSpec): LabSuite {
  let lab: Lab | undefined;
  let work: string | undefined;
  const pools: SshClientPool[] = [];
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    await destroyLeftovers();
    lab = await createLab(spec);
    work = mkdtempSync(join(tmpdir(), `cnd-${name}-lab-`));
  });
  afterAll(async () => {
    for (const pool of pools) pool.dispose();
    for (const cleanup of cleanups) await cleanup();
    await lab?.destroy();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });
  return {
    get lab() {
      if (lab === undefined) throw new Error('the lab is built in beforeAll; use it inside tests');
      return lab;
    },
    get work() {
      if (work === undefined) throw new Error('the scratch folder is made in beforeAll; use it inside tests');
      return work;
    },
    pools,
    track(pool) {
      pools.push(pool);
      return pool;
    },
    onTeardown(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
