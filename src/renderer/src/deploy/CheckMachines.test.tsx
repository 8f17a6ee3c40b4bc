// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { machineCheckIds, type MachineCheckResult } from '../../../shared/check';
import { designBuilder } from '../../../shared/model/designBuilder';
import type { Design } from '../../../shared/model/types';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useCheckStore } from './checkStore';
import { DeployTabHarness, settle, testFileName as fileName, text } from './testDeployTab';

// The Deploy area's Machines tab (Check machines): a problem several machines share word for word is said once, above
// the list, and each row still says whether its machine answered at all.

/** The message for a machine, naming its address as the app's messages do. */
const noKey = (host: string) => `No SSH key could be offered to machine “${host}:22” for user “root”: no ssh-agent is running and none of ~/.ssh/id_ed25519 could be used. Make one with ssh-keygen -t ed25519, add it to the machines, then check again.`;

function family(): { design: Design; ids: Record<string, string> } {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const ids: Record<string, string> = {};
  for (const name of ['nas', 'pi', 'desktop']) ids[name] = b.machine(name, home, 'server', { ssh: { host: `${name}.lan`, port: 22, user: 'root' } });
  b.admin(home);
  return { design: b.design, ids };
}

function result(machineId: string, name: string, answered: boolean, authMessage: string): MachineCheckResult {
  return {
    machineId,
    name,
    target: `root@${name}.lan:22`,
    via: null,
    status: 'error',
    findings: machineCheckIds.map((id) =>
      id === 'reachable'
        ? { id, status: answered ? 'ok' : 'error', message: answered ? 'The machine answered on its SSH port.' : `"${name}.lan" did not answer on port 22.` }
        : id === 'auth' && answered
          ? { id, status: 'error', message: authMessage }
          : { id, status: 'skipped', message: 'Not checked: the app could not log in to the machine.' },
    ),
  };
}

const tab = new DeployTabHarness({
  tab: 'machines',
  answer: () => undefined,
  reset: (design) => {
    useDesignStore.getState().reset(design, { name: fileName, revision: 'r' });
    useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  },
});

let ids: Record<string, string>;
beforeEach(() => {
  const f = family();
  ids = f.ids;
  tab.setUp(f.design);
});
afterEach(() => tab.tearDown());

/** Shows the tab with a check of nas, pi and desktop that ended with `results`. */
async function showCheck(results: readonly MachineCheckResult[], outcome: 'finished' | 'cancelled'): Promise<void> {
  useCheckStore.setState({
    forFile: fileName,
    order: [ids.nas!, ids.pi!, ids.desktop!],
    machines: Object.fromEntries(results.map((r) => [r.machineId, { status: r.status, result: r }])),
    report: { finishedAt: Date.UTC(2026, 11, 7, 9), outcome, machines: results } as never,
  });
  tab.render();
  await settle();
}

describe('the Machines tab', () => {
  test('a problem two machines share (each naming its own address) is said once above the list; each row says whether its machine answered', async () => {
    const results = [result(ids.nas!, 'nas', true, noKey('nas.lan')), result(ids.pi!, 'pi', true, noKey('pi.lan')), result(ids.desktop!, 'desktop', false, '')];
    await showCheck(results, 'finished');
    const common = [...tab.container.querySelectorAll('[data-testid="check-common"]')].map(text);
    expect(common).toEqual([`2 of 3 machines have the same problem; as found on “nas”: ${noKey('nas.lan')}`]);
    expect(text(tab.byTestId('check-nas')!.querySelector('.check-summary'))).toBe('The machine answered on its SSH port; the problem above.');
    expect(text(tab.byTestId('check-pi')!.querySelector('.check-summary'))).toBe('The machine answered on its SSH port; the problem above.');
    // A problem of one machine alone stays in its row.
    expect(text(tab.byTestId('check-desktop')!.querySelector('.check-summary'))).toBe('"desktop.lan" did not answer on port 22.');
    // The long message appears once on the page; pi's own is in its row's tooltip.
    expect(tab.container.textContent!.split('No SSH key could be offered')).toHaveLength(2);
    expect(tab.byTestId('check-pi')!.querySelector('.check-summary')!.getAttribute('title')).toBe(noKey('pi.lan'));
  });

  test('machines a cancelled check never got to each say so in their row, not as a problem shared above', async () => {
    const cancelled = (machineId: string, name: string): MachineCheckResult => ({
      machineId,
      name,
      target: `root@${name}.lan:22`,
      via: null,
      status: 'skipped',
      findings: machineCheckIds.map((id) => ({
        id,
        status: 'skipped',
        message: id === 'reachable' ? `The operation on ${name}.lan:22 was cancelled and its remote commands were stopped. Nothing more will run; start it again when you are ready.` : 'Not checked: the app could not log in to the machine.',
      })),
    });
    const results = [result(ids.nas!, 'nas', false, ''), cancelled(ids.pi!, 'pi'), cancelled(ids.desktop!, 'desktop')];
    await showCheck(results, 'cancelled');
    expect(tab.container.querySelectorAll('[data-testid="check-common"]')).toHaveLength(0);
    for (const name of ['pi', 'desktop']) expect(text(tab.byTestId(`check-${name}`)!.querySelector('.check-summary'))).toContain('was cancelled');
    expect(text(tab.byTestId('check-summary'))).toContain('(cancelled)');
  });
});
