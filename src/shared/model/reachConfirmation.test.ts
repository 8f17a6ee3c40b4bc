import { describe, expect, test } from 'vitest';
import { appError, describeError, type AppError } from '../errors';
import { machineCheckIds, worstStatus, type MachineCheckResult, type CheckId, type CheckFinding, type CheckStatus } from '../check';
import { familyNetwork, familyWithJumpHost } from './designBuilder';
import { computeDeployWaves, planMachines, type DeployPlanMachine, type DeployWaves } from './deployWaves';
import { confirmReach, summarizeReach } from './reachConfirmation';
import type { Design, MachineId } from './types';

/*
 * Results are shaped the way the SSH half (main/services/checkMachines.ts) reports them: which of reachable / auth /
 * hostKey it marks ok, error or skipped for each kind of failure, with the error's own message.
 */

function result(machine: DeployPlanMachine, statuses: Partial<Record<CheckId, [CheckStatus, string]>>, via: string | null, target: string | null = `root@${machine.name}.lan`): MachineCheckResult {
  const findings = machineCheckIds.map((id): CheckFinding => {
    const [status, message] = statuses[id] ?? ['skipped', 'Not checked: the app could not log in to the machine.'];
    return { id, status, message };
  });
  return { machineId: machine.id, name: machine.name, target, via, status: worstStatus(findings), findings };
}

/** Logged in and ran the script; the machine is not NixOS (the overall status is an error, the way in is fine). */
function answered(machine: DeployPlanMachine, via: string | null = null): MachineCheckResult {
  return result(
    machine,
    {
      reachable: ['ok', 'The machine answered over SSH.'],
      auth: ['ok', 'Logged in as "root" with an SSH key.'],
      hostKey: ['ok', 'The host key matches known_hosts.'],
      nixos: ['error', `"${machine.name}" runs Debian, not NixOS.`],
    },
    via,
  );
}

function loginFailed(machine: DeployPlanMachine, via: string | null = null): MachineCheckResult {
  const error = appError('sshAuthFailed', { host: `${machine.name}.lan`, port: 22, username: 'root' });
  return result(machine, { reachable: ['ok', 'The machine answered on its SSH port.'], hostKey: ['ok', 'The host key matches known_hosts.'], auth: ['error', describeError(error)] }, via);
}

function hostKeyFailed(machine: DeployPlanMachine, via: string | null = null): MachineCheckResult {
  const error = appError('sshHostKeyRejected', { host: `${machine.name}.lan`, port: 22, fingerprint: 'SHA256:abc' });
  return result(
    machine,
    { reachable: ['ok', 'The machine answered on its SSH port.'], hostKey: ['error', describeError(error)], auth: ['skipped', 'Not tried: the host key is checked before logging in.'] },
    via,
  );
}

function failed(machine: DeployPlanMachine, error: AppError, via: string | null = null): MachineCheckResult {
  return result(machine, { reachable: ['error', describeError(error)] }, via);
}

const timeout = (machine: DeployPlanMachine, via?: string) =>
  appError('sshHostUnreachable', { host: `${machine.name}.lan`, port: 22, reason: 'timeout', timeoutMs: 30_000, ...(via === undefined ? {} : { via }) });

function cancelled(machine: DeployPlanMachine): MachineCheckResult {
  return result(machine, { reachable: ['skipped', describeError(appError('sshCancelled', { host: `${machine.name}.lan`, port: 22 }))] }, null);
}

/** No key at all: the target could not be worked out, so 'reachable' was never tried and 'auth' holds the error. */
function noKey(machine: DeployPlanMachine): MachineCheckResult {
  const error = appError('sshNoIdentity', { host: `${machine.name}.lan`, port: 22, username: 'root', agent: 'notSet' });
  return result(machine, { reachable: ['skipped', 'Not tried: there is no way to log in yet.'], auth: ['error', describeError(error)] }, null);
}

function noAddress(machine: DeployPlanMachine): MachineCheckResult {
  return result(machine, { reachable: ['error', `"${machine.name}" has no SSH address in the design, so the app cannot check or deploy it.`] }, null, null);
}

function machineIn(plan: DeployWaves, name: string): DeployPlanMachine {
  return planMachines(plan).find((m) => m.name === name)!;
}

/** nas at home (direct), a public bastion, tablet behind CGNAT through the bastion, pc with no way in. */
function withJumpHost() {
  const f = familyWithJumpHost();
  const design = f.b.design;
  const plan = computeDeployWaves(design);
  return { design, plan, nas: machineIn(plan, 'nas'), bastion: machineIn(plan, 'bastion'), tablet: machineIn(plan, 'tablet'), pc: machineIn(plan, 'pc') };
}

/** The same network with ZeroTier and no jump host: tablet and pc only over the VPN. */
function withVpn() {
  const f = familyNetwork();
  const design = f.b.vpn('zerotier');
  const plan = computeDeployWaves(design);
  return { design, plan, nas: machineIn(plan, 'nas'), tablet: machineIn(plan, 'tablet'), pc: machineIn(plan, 'pc') };
}

describe('confirmReach', () => {
  const fx = withJumpHost();
  const confirm = (m: DeployPlanMachine, r: MachineCheckResult | undefined, design: Pick<Design, 'machines'> = fx.design) => confirmReach(m, r, design);

  test('a machine that answered the predicted way is confirmed, whatever else the check found', () => {
    expect(fx.nas.reach.reach).toBe('direct');
    expect(confirm(fx.nas, answered(fx.nas))).toEqual({ state: 'confirmed', text: 'Check confirmed: answered directly' });
    expect(fx.tablet.reach.reach).toBe('jumpHost');
    expect(confirm(fx.tablet, answered(fx.tablet, 'bastion'))).toEqual({ state: 'confirmed', text: 'Check confirmed: answered through "bastion"' });
  });

  test('a machine that answered the predicted way but refused the login or the host key is answered, not confirmed', () => {
    expect(confirm(fx.nas, loginFailed(fx.nas))).toEqual({ state: 'answered', text: 'Answered directly, but the login failed' });
    expect(confirm(fx.tablet, hostKeyFailed(fx.tablet, 'bastion'))).toEqual({ state: 'answered', text: 'Answered through "bastion", but its host key was not accepted' });
  });

  test('a machine that did not answer says so, with the short reason and the jump host it was tried through', () => {
    expect(confirm(fx.nas, failed(fx.nas, timeout(fx.nas)))).toEqual({ state: 'failed', text: 'Did not answer over SSH: there was no answer within 30 seconds' });
    const refused = appError('sshHostUnreachable', { host: 'tablet.lan', port: 22, via: 'bastion', reason: 'forwardRefused' });
    expect(confirm(fx.tablet, failed(fx.tablet, refused, 'bastion'))).toEqual({ state: 'failed', text: 'Did not answer over SSH through "bastion": the jump host could not open a connection to it' });
    // An error without details still gives its reason.
    expect(confirm(fx.nas, failed(fx.nas, appError('sshHostUnreachable')))).toEqual({ state: 'failed', text: 'Did not answer over SSH: the network did not connect' });
  });

  test('a connection failure with no short reason points to the check results', () => {
    const broken = appError('sshFailed', { host: 'nas.lan', port: 22, message: 'kex failed' });
    expect(confirm(fx.nas, failed(fx.nas, broken))).toEqual({ state: 'failed', text: 'Could not connect over SSH (the check results say why)' });
    const config = appError('sshConfigInvalid', { path: '~/.ssh/config', line: 3, reason: 'bad' });
    expect(confirm(fx.tablet, failed(fx.tablet, config, 'bastion'))).toEqual({ state: 'failed', text: 'Could not connect over SSH through "bastion" (the check results say why)' });
  });

  test('machines the check did not try, or not to the end, are unchecked with the reason', () => {
    expect(confirm(fx.nas, undefined)).toEqual({ state: 'unchecked', text: 'Not checked yet' });
    expect(confirm(fx.nas, cancelled(fx.nas))).toEqual({ state: 'unchecked', text: 'Not checked (the check was cancelled)' });
    expect(confirm(fx.nas, noKey(fx.nas))).toEqual({ state: 'unchecked', text: 'Not tried: no SSH key could be used to log in' });
    expect(confirm(fx.nas, noAddress(fx.nas))).toEqual({ state: 'unchecked', text: 'Not tried: the design has no SSH address for it' });
    expect(confirm(fx.nas, { ...answered(fx.nas), findings: [] })).toEqual({ state: 'unchecked', text: 'Not checked yet' });
  });

  test('a machine that answered another way than predicted says how it answered', () => {
    // Direct in the design, but the person's ~/.ssh/config sends it through a ProxyJump.
    expect(confirm(fx.nas, answered(fx.nas, 'gw.example.org'))).toEqual({ state: 'different', text: 'Answered through "gw.example.org", not directly as the design expects' });
    expect(confirm(fx.tablet, answered(fx.tablet))).toEqual({ state: 'different', text: 'Answered directly, not through "bastion" as the design expects' });
    expect(confirm(fx.tablet, loginFailed(fx.tablet, 'gw'))).toEqual({ state: 'different', text: 'Answered through "gw", not through "bastion" as the design expects; the login failed' });
  });

  test('a jump host the design no longer names counts any jump host as the predicted one', () => {
    const orphan: DeployPlanMachine = { ...fx.tablet, reach: { ...fx.tablet.reach, via: 'mach_gone' as MachineId } };
    expect(confirm(orphan, answered(orphan, 'gw'))).toEqual({ state: 'confirmed', text: 'Check confirmed: answered through "gw"' });
    expect(confirm(orphan, answered(orphan))).toEqual({ state: 'different', text: 'Answered directly, not through a jump host as the design expects' });
  });

  test('a machine the design expects only over the VPN, or not at all, that answered is better than expected', () => {
    const vpn = withVpn();
    expect(vpn.tablet.reach.reach).toBe('overlayOnly');
    expect(confirmReach(vpn.tablet, answered(vpn.tablet), vpn.design)).toEqual({ state: 'better', text: 'Answered over SSH now, although the design expects it only over the VPN' });
    expect(confirmReach(vpn.tablet, loginFailed(vpn.tablet, 'gw'), vpn.design)).toEqual({
      state: 'better',
      text: 'Answered over SSH now through "gw", although the design expects it only over the VPN; the login failed',
    });
    expect(fx.pc.reach.reach).toBe('unreachable');
    expect(confirm(fx.pc, answered(fx.pc))).toEqual({ state: 'better', text: 'Answered over SSH now, although the design knows no way in' });
  });

  test('a machine the design expects no way in to yet that did not answer failed as expected', () => {
    const vpn = withVpn();
    expect(confirmReach(vpn.pc, failed(vpn.pc, timeout(vpn.pc)), vpn.design)).toEqual({ state: 'failed', text: 'Did not answer over SSH, as the design expects' });
    expect(confirm(fx.pc, failed(fx.pc, timeout(fx.pc)))).toEqual({ state: 'failed', text: 'Did not answer over SSH, as the design expects' });
  });
});

describe('summarizeReach', () => {
  test('counts the confirmed ways in out of the machines tried', () => {
    const fx = withJumpHost();
    const summary = summarizeReach(fx.plan, [answered(fx.nas), answered(fx.bastion), answered(fx.tablet, 'bastion'), failed(fx.pc, timeout(fx.pc))], fx.design);
    expect(summary.text).toBe('The check confirmed the way in to 3 of 4 machines; 1 did not answer, as the design expects.');
    expect(summary.counts).toEqual({ unchecked: 0, confirmed: 3, answered: 0, different: 0, better: 0, failed: 1 });
    expect(summary.failedAsExpected).toBe(1);
    expect(summary.total).toBe(4);
  });

  test('names every kind of outcome, with machines the check did not reach last', () => {
    const fx = withJumpHost();
    const summary = summarizeReach(fx.plan, [loginFailed(fx.nas), failed(fx.bastion, timeout(fx.bastion)), answered(fx.tablet), answered(fx.pc)], fx.design);
    expect(summary.text).toBe(
      'The check confirmed the way in to 1 of 4 machines (but could not log in to 1 of them); 1 answered another way than the design expects; 1 answered even though the design expects no way in yet; 1 did not answer.',
    );
    // Results of machines no longer in the design are ignored; machines without a result are not checked.
    const partial = summarizeReach(fx.plan, [answered(fx.nas), cancelled(fx.bastion), { ...answered(fx.nas), machineId: 'mach_gone' }], fx.design);
    expect(partial.text).toBe('The check confirmed the way in to 1 of 1 machine; 3 were not checked.');
    const one = summarizeReach(fx.plan, [answered(fx.nas), answered(fx.bastion), answered(fx.tablet, 'bastion')], fx.design);
    expect(one.text).toBe('The check confirmed the way in to 3 of 3 machines; 1 was not checked.');
  });

  test('says so when the check tried no machine, or there is none', () => {
    const fx = withJumpHost();
    expect(summarizeReach(fx.plan, [cancelled(fx.nas)], fx.design).text).toBe('The check did not get to try any machine.');
    const empty = familyNetwork();
    const design = { ...empty.b.design, machines: {} };
    expect(summarizeReach(computeDeployWaves(design), [], design).text).toBe('There are no machines to check.');
  });
});
