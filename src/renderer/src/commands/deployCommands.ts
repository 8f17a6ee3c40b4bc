import { describeError } from '../../../shared/errors';
import { describeGenerateError } from '../../../shared/nix/errors';
import { loadChunk, reportChunkFailure } from '../app/chunks';
import { cancelCheck, startCheck, useCheckStore } from '../deploy/checkStore';
import { describeWrite, useGenerateStore } from '../deploy/generateStore';
import { useJobsStore } from '../stores/jobsStore';
import { displayName } from './fileActions';
import type { Command, CommandContext } from './types';

// The Deploy area's commands. They change no document (capture "never"): writing the configuration and checking
// machines are work on disk and over SSH, started here and shown by the Deploy area and the canvas.

const checkRunning = () => useJobsStore.getState().running.check !== undefined;

/**
 * Writes the Clan configuration the design turns into to the folder next to its file. Files edited there by hand
 * are replaced only after the user agreed.
 */
async function writeConfiguration(ctx: CommandContext): Promise<void> {
  const backend = ctx.backend;
  const { design, file } = ctx.design.getState();
  if (backend === null) return;
  if (file.name === null) {
    ctx.notify('Save the design first: its configuration is written next to the design file.');
    ctx.ui.getState().openDialog('saveAs');
    return;
  }
  // The generator is not part of the first screen: it loads on first use.
  const generator = await loadChunk('the configuration generator', () => import('../../../shared/nix/generate')).catch((error: unknown) => {
    if (!reportChunkFailure(error)) throw error;
    return null;
  });
  if (generator === null) return;
  const generated = generator.generateClan(design);
  if (!generated.ok) {
    ctx.notify(`The configuration cannot be generated yet. ${describeGenerateError(generated.error)}`);
    return;
  }
  const name = file.name;
  const { write } = useGenerateStore.getState();
  let result = await write(backend, name, design, generated.value.files, false);
  if (!result.ok && result.error.code === 'generatedFilesChanged') {
    if (!(await ctx.confirm('Overwrite your changes?', 'Files you edited in the configuration folder will be replaced by the generated ones.'))) return;
    result = await write(backend, name, design, generated.value.files, true);
  }
  if (!result.ok) {
    ctx.notify(`Could not write the configuration of ${displayName(name)}. ${describeError(result.error)}`);
    return;
  }
  ctx.notify(describeWrite(result.value));
}

/** Write configuration, Check machines and Cancel the check. */
export const deployCommands: readonly Command[] = [
  {
    id: 'writeConfiguration',
    label: 'Write configuration',
    group: 'deploy',
    capture: 'never',
    keywords: ['generate', 'clan', 'nix', 'flake', 'inventory', 'export'],
    predicate: (ctx) => ctx.backend !== null,
    perform: (ctx) => writeConfiguration(ctx),
  },
  {
    id: 'checkMachines',
    label: 'Check machines',
    group: 'deploy',
    capture: 'never',
    keywords: ['preflight', 'ssh', 'reachable', 'test', 'nixos'],
    predicate: (ctx) => ctx.backend !== null && !checkRunning() && !useCheckStore.getState().starting && Object.values(ctx.design.getState().design.machines).some((m) => m.managed),
    perform: async (ctx) => {
      const { design, file } = ctx.design.getState();
      await startCheck(ctx.backend!, design, file.name);
      const error = useCheckStore.getState().error;
      ctx.notify(error ?? 'Checking the machines: the canvas shows each one’s result, the Deploy area the details.');
    },
  },
  {
    id: 'cancelCheck',
    label: 'Cancel the check',
    group: 'deploy',
    capture: 'never',
    keywords: ['stop', 'abort', 'check machines'],
    predicate: (ctx) => ctx.backend !== null && checkRunning(),
    perform: (ctx) => cancelCheck(ctx.backend!),
  },
];
