// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseMachineDisks } from '../../../shared/deploy/install';
import { appError, describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import { err, ok, type Result } from '../../../shared/result';
import { appContext, setBackend } from '../app/appContext';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useCheckStore } from './checkStore';
import { InstallDialog } from './InstallDialog';
import { useInstallStore } from './installStore';
import { useSshKeysStore } from './sshKeysStore';
import { sampleDesign } from './testDeploy';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The "Install NixOS" dialog on the app's own stores, against a back end double that answers deploy:disks with disks
// made by main's own parser (parseMachineDisks, from lsblk's JSON and the by-id listing, in lsblk's order) and records
// every request, answering deploy:install as the test says.

const fileName = 'family.clan-design.json';
const SSD = '/dev/disk/by-id/ata-Samsung_SSD_860_S3Z1';

/** lsblk's answer on the office pc, in lsblk's own order (not by size), with a loop device that is not offered. */
const lsblk = JSON.stringify({
  blockdevices: [
    { name: 'sda', size: 500107862016, model: 'Samsung SSD 860', serial: 'S3Z1', type: 'disk', tran: 'sata', rm: false },
    { name: 'sdb', size: 31457280000, model: 'Flash Disk', serial: null, type: 'disk', tran: 'usb', rm: true },
    { name: 'loop0', size: 73728000, model: null, serial: null, type: 'loop', tran: null, rm: false },
    { name: 'nvme0n1', size: 2000398934016, model: 'WD Blue SN570', serial: null, type: 'disk', tran: 'nvme', rm: false },
    { name: 'sdc', size: 1000204886016, model: null, serial: null, type: 'disk', tran: 'sata', rm: false },
  ],
});
const byId = [
  'total 0',
  'lrwxrwxrwx 1 root root 9 Dec  7 10:00 ata-Samsung_SSD_860_S3Z1 -> ../../sda',
  'lrwxrwxrwx 1 root root 9 Dec  7 10:00 usb-Flash_Disk_0:1-0:0 -> ../../sdb',
  'lrwxrwxrwx 1 root root 13 Dec  7 10:00 nvme-WD_Blue_SN570_2TB_X1 -> ../../nvme0n1',
].join('\n');

let container: HTMLDivElement;
let root: Root;
let invoked: { channel: string; request: unknown }[];
let before: ApiTransport | null;
let ids: ReturnType<typeof sampleDesign>;
/** What the back end double answers; tests replace them. */
let disksAnswer: () => Result<unknown, AppError>;
let installAnswer: () => Result<unknown, AppError>;

const byTestId = (id: string) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const text = (el: Element | null | undefined) => el?.textContent ?? '';
const settle = () => act(async () => await new Promise((r) => setTimeout(r, 0)));
const startButton = () => byTestId('install-start') as HTMLButtonElement;

/** Types into an input the way a browser does (React watches the native value setter) and fires input. */
async function type(element: HTMLInputElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(element, value);
  await act(async () => {
    element.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function pickDisk(name: string) {
  await act(async () => byTestId(`install-disk-${name}`)!.click());
}

/** Opens the dialog for the office pc (as "Install NixOS…" in the plan does) and lets the disk listing answer. */
async function openForPc() {
  act(() => useInstallStore.getState().openFor(ids.pc));
  act(() => root.render(<InstallDialog />));
  await settle();
}

beforeEach(() => {
  ids = sampleDesign();
  invoked = [];
  disksAnswer = () => ok({ machine: 'pc', target: 'root@pc.lan', disks: parseMachineDisks(lsblk, byId) });
  installAnswer = () => ok({ jobId: '0000000000000def' });
  before = appContext.backend;
  setBackend(
    {
      subscribe: () => () => undefined,
      invoke: (async (channel: string, request: unknown) => {
        invoked.push({ channel, request });
        if (channel === 'deploy:disks') return disksAnswer();
        if (channel === 'deploy:install') return installAnswer();
        return ok({});
      }) as ApiTransport['invoke'],
    },
    'serve',
  );
  useDesignStore.getState().reset(ids.design, { name: fileName, revision: 'r' });
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useInstallStore.setState({ open: false, machineId: null, diskList: null, starting: false, startError: null, jobId: null, report: null });
  useSshKeysStore.getState().setPicked(null);
  useCheckStore.getState().setHostKeyMode('ask');
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  appContext.backend = before;
});

describe('the Install NixOS dialog', () => {
  test('reads the machine’s disks once and lists them biggest first with size, model, how attached and the path to erase', async () => {
    await openForPc();
    expect(text(container.querySelector('h2'))).toBe('Install NixOS on pc');
    expect(invoked).toEqual([{ channel: 'deploy:disks', request: { design: ids.design, machineId: ids.pc } }]);
    expect(text(container.querySelector('.install-heading'))).toBe('Disks of pc (root@pc.lan)');
    expect(text(byTestId('install-disks')!.previousElementSibling)).toBe('4 disks, biggest first. Pick the one to erase.');
    const rows = [...byTestId('install-disks')!.querySelectorAll('li')];
    expect(rows.map((li) => text(li.querySelector('strong')))).toEqual(['2.0 TB WD Blue SN570', '1.0 TB disk', '500 GB Samsung SSD 860', '31.5 GB Flash Disk']);
    expect(rows.map((li) => text(li.querySelector('.install-disk-path')))).toEqual(['/dev/disk/by-id/nvme-WD_Blue_SN570_2TB_X1', '/dev/sdc', SSD, '/dev/disk/by-id/usb-Flash_Disk_0:1-0:0']);
    expect(text(rows[2]!.querySelector('.deploy-meta'))).toBe('sata · serial S3Z1 · /dev/sda');
    expect(text(rows[3]!.querySelector('.deploy-meta'))).toBe('usb · removable · /dev/sdb');
    // A disk known only by its /dev name says that name can change.
    expect(text(rows[1])).toContain('no stable by-id name: /dev names can change between restarts');
    expect(text(rows[0])).not.toContain('no stable by-id name');
    // The loop device is not offered.
    expect(byTestId('install-disk-loop0')).toBeNull();
  });

  test('the red button stays disabled until a disk is picked and the exact name is typed; near misses keep it disabled', async () => {
    await openForPc();
    const button = startButton();
    expect(button.className).toBe('danger');
    expect(button.disabled).toBe(true);
    expect(text(button)).toBe('Erase the disk and install');
    // No name to type before a disk is picked.
    expect(byTestId('install-confirm-name')).toBeNull();

    await pickDisk('sda');
    expect(text(byTestId('install-warning'))).toBe(`This erases every file on ${SSD} (500 GB Samsung SSD 860) of pc and installs NixOS with its configuration.`);
    expect(text(startButton())).toBe(`Erase ${SSD} and install`);
    expect(startButton().disabled).toBe(true);
    const name = byTestId('install-confirm-name') as HTMLInputElement;
    for (const nearMiss of ['PC', 'Pc', 'pc ', ' pc', 'p', 'pc2', 'nas']) {
      await type(name, nearMiss);
      expect([nearMiss, startButton().disabled]).toEqual([nearMiss, true]);
    }
    await type(name, 'pc');
    expect(startButton().disabled).toBe(false);
    await type(name, 'pc.');
    expect(startButton().disabled).toBe(true);
    // Nothing was sent while the button was disabled.
    expect(invoked.map((c) => c.channel)).toEqual(['deploy:disks']);
  });

  test('the button is disabled for an unsaved design even with the disk and name given', async () => {
    useDesignStore.getState().reset(ids.design, { name: null, revision: null });
    await openForPc();
    await pickDisk('sda');
    await type(byTestId('install-confirm-name') as HTMLInputElement, 'pc');
    expect(startButton().disabled).toBe(true);
    expect(text(container.querySelector('.install-form'))).toContain('Save the design first');
  });

  test('clicking sends deploy:install confirmed with the typed name and the chosen disk, then follows the install', async () => {
    await openForPc();
    await pickDisk('nvme0n1');
    await pickDisk('sda');
    await type(byTestId('install-confirm-name') as HTMLInputElement, 'pc');
    await act(async () => startButton().click());
    await settle();
    const sent = invoked.filter((c) => c.channel === 'deploy:install');
    expect(sent).toEqual([
      {
        channel: 'deploy:install',
        request: { name: fileName, design: ids.design, machineId: ids.pc, disk: SSD, confirm: { machine: 'pc', disk: SSD }, hostKeys: 'ask' },
      },
    ]);
    // The dialog now shows the running install (the job the jobs store follows).
    expect(byTestId('install-start')).toBeNull();
    expect(text(byTestId('install-status'))).toBe('Installing NixOS on pc…');
    expect(useJobsStore.getState().running.install).toBe('0000000000000def');
  });

  test('a refused start shows the reason as a sentence and keeps the form', async () => {
    const refusal = appError('installNeedsClanCli', { machine: 'pc' });
    installAnswer = () => err(refusal);
    await openForPc();
    await pickDisk('sdb');
    await type(byTestId('install-confirm-name') as HTMLInputElement, 'pc');
    await act(async () => startButton().click());
    await settle();
    expect(invoked.filter((c) => c.channel === 'deploy:install')).toHaveLength(1);
    const shown = text(byTestId('install-start-error'));
    expect(shown).toBe(`NixOS was not installed. ${describeError(refusal)}`);
    expect(shown).toContain('installing needs the clan CLI and Nix on this computer');
    expect(byTestId('install-start-error')!.getAttribute('role')).toBe('alert');
    expect(byTestId('install-run')).toBeNull();
    // The person can try again once the cause is fixed.
    expect(startButton().disabled).toBe(false);
  });

  test('a disk listing that fails says why, and offers nothing to erase', async () => {
    const failure = appError('installDisksUnreadable', { machine: 'pc', reason: 'lsblkFailed', output: 'sh: 1: lsblk: not found' });
    disksAnswer = () => err(failure);
    await openForPc();
    const shown = text(byTestId('install-disks-error'));
    expect(shown).toBe(`The disks could not be listed. ${describeError(failure)}`);
    expect(shown).toContain('lsblk failed there (sh: 1: lsblk: not found)');
    expect(byTestId('install-disks')).toBeNull();
    expect(byTestId('install-confirm-name')).toBeNull();
    expect(startButton().disabled).toBe(true);
  });

  test('a machine that cannot be reached over SSH says so in the disk list', async () => {
    const failure = appError('sshHostUnreachable', { host: 'pc.lan', port: 22, reason: 'ETIMEDOUT' });
    disksAnswer = () => err(failure);
    await openForPc();
    expect(text(byTestId('install-disks-error'))).toBe(`The disks could not be listed. ${describeError(failure)}`);
    expect(text(byTestId('install-disks-error'))).toContain('pc.lan');
  });
});
