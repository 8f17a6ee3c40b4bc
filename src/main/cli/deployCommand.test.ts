import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { deployReportSchema } from '../../shared/deploy/report';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { serializeDesign } from '../../shared/schema/envelope';
import { runDeployCommand, type DeployCommandDeps } from './deployCommand';
import { ScriptedMachines, storePathOf, TestInterrupts, type ScriptedMachine } from './deployTestDoubles';
import type { LiveRegion } from './liveTerminal';
import { runCli } from './run';

// `clan-designer deploy`: the deploy job on the command line. The machines are a scripted SSH stand-in and Ctrl+C a
// signal the test sends (test doubles, deployTestDoubles.ts); the job engine, the deploy service, the run, the
// history and the view are the app's own.

/** Home with the admin and a NAS, a public cloud machine, and grandma's tablet behind CGNAT reached through the cloud machine. */
function family(options: { withUnreachable?: boolean } = {}): Design {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const grandma = b.site('Grandma', 'cgnat');
  b.machine('nas', home, 'nas');
  const bastion = b.machine('bastion', cloud, 'vps');
  const tablet = b.machine('tablet', grandma, 'sbc');
  b.link('jumpHost', bastion, tablet);
  if (options.withUnreachable === true) b.machine('pc', b.site('Office', 'portForward'), 'desktop');
  b.admin(home);
  return b.design;
}

function designFile(design: Design = family()): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-cli-'));
  const file = join(dir, 'family.clan-design.json');
  writeFileSync(file, serializeDesign(design, '0.0.0'));
  return { dir, file };
}

const running = (extra: Record<string, ScriptedMachine> = {}) =>
  new ScriptedMachines({ 'nas.lan': { system: storePathOf('nas', 1) }, 'bastion.lan': { system: storePathOf('bastion', 1) }, 'tablet.lan': { system: null }, 'pc.lan': { system: null }, ...extra });

/** Builds: which commands ran `nix build`, by machine, in name order (machines get ready side by side). */
const builtOn = (machines: ScriptedMachines) => machines.commands.filter((c) => c.argv[0] === 'nix' && c.argv[1] === 'build').map((c) => c.host).sort();

/** Switches: the machines that ran `switch-to-configuration switch` under systemd-run, in the order they did. */
const switchedOn = (machines: ScriptedMachines) => machines.commands.filter((c) => c.argv.includes('systemd-run') && c.argv.at(-1) === 'switch').map((c) => c.host);

/** A TEST DOUBLE of the live region: records every frame and message. */
function recordingRegion(): LiveRegion & { frames: string[]; persisted: string[]; closed: number } {
  const region = {
    frames: [] as string[],
    persisted: [] as string[],
    closed: 0,
    render: (text: string) => void region.frames.push(text),
    persist: (text: string) => void region.persisted.push(text),
    close: () => void (region.closed += 1),
    size: () => ({ columns: 120, rows: 40 }),
  };
  return region;
}

async function deploy(argv: string[], machines = running(), deps: DeployCommandDeps = {}) {
  let stdout = '';
  let stderr = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'deploy-cli-data-'));
  const code = await runDeployCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    createSsh: machines.createSsh,
    hasLocalClan: async () => false,
    env: { CLAN_DESIGNER_DATA_DIR: dataDir },
    homeDir: tmpdir(),
    terminal: { stdin: false, stdout: false },
    timeouts: { retryEvery: 10 },
    interrupts: new TestInterrupts(),
    exitNow: () => undefined,
    ...deps,
  });
  return { code, stdout, stderr, machines, dataDir };
}

const until = async (what: string, condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error(`${what} did not happen`);
};

describe('clan-designer deploy', () => {
  test('--yes off a terminal: plain timestamped lines, every machine deployed wave by wave, the summary, the history; exit 0', async () => {
    const { dir, file } = designFile();
    const result = await deploy([file, '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [progress, summary] = result.stdout.split('\n\n');
    const lines = progress!.split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S/);
    const text = lines.map((l) => l.slice(21));
    expect(text[0]).toBe('deploy started: 3 machines');
    expect(text[1]).toMatch(/^plan \(run [0-9a-z-]+\): way: on the machines over SSH \(no Nix on this computer\); wave 1: tablet; wave 2: nas; wave 3: bastion$/);
    expect(text).toContain('nas: step 4/7 Build the system on the machine');
    expect(text).toContain('nas | building the system of nas (test double)');
    expect(text).toContain('nas: deployed');
    // Wave by wave: each machine is done before the next wave's watchdog and switch (they all get ready at once).
    const armed = (name: string) => text.findIndex((l) => l.startsWith(`${name}: step`) && l.endsWith('Arm the rollback watchdog'));
    expect(armed('nas')).toBeGreaterThan(0);
    expect(text.indexOf('tablet: deployed')).toBeLessThan(armed('nas'));
    expect(text.indexOf('nas: deployed')).toBeLessThan(armed('bastion'));
    expect(builtOn(result.machines)).toEqual(['bastion.lan', 'nas.lan', 'tablet.lan']);
    expect(switchedOn(result.machines)).toEqual(['tablet.lan', 'nas.lan', 'bastion.lan']);
    expect(result.machines.systemOf('nas.lan')).not.toBe(storePathOf('nas', 1));

    expect(summary).toMatch(/^Deploy of .*family\.clan-design\.json finished after 0:0\d, on the machines over SSH/);
    expect(result.stdout).toMatch(/ {2}deployed {4}nas {6}Deployed: it runs the new system, confirmed over a new SSH connection; the watchdog is disarmed\./);
    expect(result.stdout).toContain('3 machines: 3 deployed.');
    expect(result.stdout).toContain('Every machine runs the new configuration. Verify the network next.');
    const kept = /Kept in (.*\/family\.deploys\/([0-9a-z-]+)\/) \(plan\.json, result\.json, logs\/\)\./.exec(result.stdout);
    expect(kept).not.toBeNull();
    expect(kept![1]).toBe(join(dir, 'family.deploys', kept![2]!, '/'));
    expect(readdirSync(kept![1]!).sort()).toEqual(['logs', 'plan.json', 'result.json']);
    expect(deployReportSchema.parse(JSON.parse(readFileSync(join(kept![1]!, 'result.json'), 'utf8'))).machines.map((m) => m.status)).toEqual(['deployed', 'deployed', 'deployed']);
    // The configuration was written beside the design, and the app's age key into the data folder.
    expect(existsSync(join(dir, 'family.clan', 'flake.nix'))).toBe(true);
    expect(readdirSync(result.dataDir).length).toBeGreaterThan(0);
  });

  test('off a terminal without --yes it refuses, says how to go on, and changes nothing', async () => {
    const { dir, file } = designFile();
    const result = await deploy([file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('deploy changes your machines, so it asks first, but there is no terminal to ask on.');
    expect(result.stderr).toContain(`"clan-designer plan ${file}"`);
    expect(result.stderr).toContain('--yes');
    expect(result.machines.commands).toEqual([]);
    expect(readdirSync(dir)).toEqual(['family.clan-design.json']);
    const json = await deploy([file, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe('confirmationNeeded');
  });

  test('on a terminal without --yes it shows the plan and asks: no deploys nothing (exit 1), yes deploys, Ctrl+C at the question exits 130', async () => {
    const { file } = designFile();
    const questions: string[] = [];
    // The line typed: null is Ctrl+C at the question.
    const asking = (answer: string | null) => ({
      terminal: { stdin: true, stdout: false },
      askLine: async (question: string) => {
        questions.push(question);
        return answer;
      },
    });
    const declined = await deploy([file], running(), asking(''));
    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain('Wave 1 (Behind a jump host): tablet [first deploy:');
    expect(declined.stdout).toContain('  warning (tablet, nas and bastion): The machines were not checked yet; problems show up during the deploy instead.');
    expect(declined.stdout).toContain('  warning (tablet): First deploy: there is no previous system to roll back to, so no watchdog is armed.');
    expect(declined.stdout).toContain('Can be deployed: tablet, nas and bastion (3).');
    expect(declined.stdout).toContain('Nothing was deployed.');
    expect(questions).toEqual(['Deploy tablet, nas and bastion now? Each switches to the new configuration. [y/N] ']);
    expect(builtOn(declined.machines)).toEqual([]);

    // Only y or yes goes ahead.
    expect((await deploy([file], running(), asking('yes please'))).code).toBe(1);
    const interrupted = await deploy([file], running(), asking(null));
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain('Cancelled; nothing was changed.');
    expect(builtOn(interrupted.machines)).toEqual([]);

    const agreed = await deploy([file], running(), asking(' Y '));
    expect(agreed.code).toBe(0);
    expect(switchedOn(agreed.machines)).toEqual(['tablet.lan', 'nas.lan', 'bastion.lan']);
  });

  test('--json prints one JSON object at the end: the report, its run id and where it is kept', async () => {
    const { dir, file } = designFile(family({ withUnreachable: true }));
    const result = await deploy([file, '--yes', '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; file: string; runId: string; history: string; report: unknown };
    expect(Object.keys(parsed).sort()).toEqual(['file', 'history', 'ok', 'report', 'runId']);
    expect(parsed.ok).toBe(false);
    const report = deployReportSchema.parse(parsed.report);
    expect(report.runId).toBe(parsed.runId);
    expect(parsed.history).toBe(join(dir, 'family.deploys', parsed.runId, '/'));
    expect(report.machines.map((m) => [m.name, m.status])).toEqual([
      ['tablet', 'deployed'],
      ['nas', 'deployed'],
      ['bastion', 'deployed'],
      ['pc', 'skipped'],
    ]);
  });

  test('a machine that fails does not stop the others; the summary says what to do, and the exit code is 1', async () => {
    const { file } = designFile();
    const result = await deploy([file, '--yes'], running({ 'nas.lan': { system: storePathOf('nas', 1), unreachable: true } }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('nas: failed (at connect)');
    expect(result.stdout).toMatch(/ {2}failed {6}nas {6}"Connect over SSH" failed: Couldn't reach/);
    expect(result.stdout).toMatch(/what to do: Fix the cause named above, then deploy again/);
    expect(result.stdout).toContain('3 machines: 2 deployed and 1 failed.');
    expect(result.stdout).toContain('Read the log of nas, fix the cause, then deploy again');
    expect(builtOn(result.machines)).toEqual(['bastion.lan', 'tablet.lan']);
    expect(switchedOn(result.machines)).toEqual(['tablet.lan', 'bastion.lan']);
  });

  test('host keys: unknown ones refuse the machine without --accept-new; with it they are trusted and printed', async () => {
    const { file } = designFile();
    const unknownKey = () => running({ 'tablet.lan': { system: null, unknownHostKey: true } });
    const strict = await deploy([file, '--yes'], unknownKey());
    expect(strict.code).toBe(1);
    expect(strict.machines.hooks.map((h) => h.hostKeyMode)).toEqual(['strict']);
    expect(strict.stdout).toMatch(/failed {6}tablet {3}"Connect over SSH" failed: .*is not in your known hosts yet/);
    const trusting = await deploy([file, '--yes', '--accept-new'], unknownKey());
    expect(trusting.code).toBe(0);
    expect(trusting.machines.hooks.map((h) => h.hostKeyMode)).toEqual(['ask']);
    expect(trusting.stdout).toMatch(/Z Trusting the new ssh-ed25519 host key of tablet \(tablet\.lan, SHA256:testdouble-tablet\.lan\) and recording it in \/home\/test\/\.ssh\/known_hosts\.\n/);
    expect((await deploy([file, '--yes', '--strict', '--accept-new'])).stderr).toContain('contradict');
  });

  test('--machines deploys only those; the others are listed as not selected', async () => {
    const { file } = designFile();
    const result = await deploy([file, '--yes', '--machines', 'nas']);
    expect(result.code).toBe(0);
    expect(builtOn(result.machines)).toEqual(['nas.lan']);
    expect(result.stdout).toContain('deploy started: 1 machine');
    expect(result.stdout).toContain('  not selected: tablet and bastion');
    expect(result.stdout).toContain('1 machine: 1 deployed.');
    const unknown = await deploy([file, '--yes', '--machines', 'printer']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('The design has no machine named "printer".');
  });

  test('Ctrl+C cancels as the app does: the machine under way stops before its switch, the rest never start; exit 130', async () => {
    // One machine at a time, so the others are still waiting for their place when Ctrl+C comes.
    const oneAtATime = family();
    const { file } = designFile({ ...oneAtATime, deploy: { ...oneAtATime.deploy, concurrency: 1 } });
    const machines = running();
    const interrupts = new TestInterrupts();
    // Its second survey: the first is the deploy's own read of every machine before it plans.
    const held = machines.hold('tablet.lan', 2);
    const run = deploy([file, '--yes'], machines, { interrupts });
    await until('tablet waits in its survey', held.waiting);
    interrupts.interrupt();
    const result = await run;
    expect(result.code).toBe(130);
    expect(interrupts.listening).toBe(0);
    expect(result.stdout).toMatch(/Z Cancelling the deploy \(Ctrl\+C again quits at once, which may leave machines mid-switch\)\.\n/);
    expect(result.stdout).toMatch(/Deploy of .* was cancelled after/);
    expect(result.stdout).toMatch(/cancelled {3}tablet {3}Cancelled at "Read what the machine runs"\. Nothing was changed on it: its switch had not started\./);
    expect(result.stdout).toMatch(/cancelled {3}nas {6}Not started: the deploy was cancelled before its turn\. Nothing was changed on it\./);
    expect(result.stdout).toContain('Deploy again to finish the machines the cancel left out.');
    expect(builtOn(machines)).toEqual([]);
    expect(machines.commands.some((c) => c.argv.includes('systemd-run'))).toBe(false);
  });

  test('a second Ctrl+C quits at once with a warning about machines mid-switch', async () => {
    const { dir, file } = designFile();
    const machines = running();
    const interrupts = new TestInterrupts();
    const exits: number[] = [];
    const held = machines.hold('tablet.lan');
    const run = deploy([file, '--yes'], machines, { interrupts, exitNow: (code) => void exits.push(code) });
    await until('tablet waits in its survey', held.waiting);
    interrupts.interrupt();
    interrupts.interrupt();
    const result = await run;
    expect(exits).toEqual([130]);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Quit at once. Machines that were switching may be left mid-switch');
    expect(result.stderr).toContain('its watchdog switches the machine back');
    // The process would be gone here; in the test the cancelled job still ends and keeps its history.
    await until('the cancelled run is kept', () => existsSync(join(dir, 'family.deploys')) && readdirSync(join(dir, 'family.deploys')).some((run) => existsSync(join(dir, 'family.deploys', run, 'result.json'))));
  });

  test('on a terminal the live view shows each machine\'s step and last log line and the whole run\'s progress', async () => {
    const { file } = designFile(family({ withUnreachable: true }));
    const region = recordingRegion();
    const result = await deploy([file, '--yes', '--accept-new'], running({ 'nas.lan': { system: storePathOf('nas', 1), unknownHostKey: true } }), { terminal: { stdin: true, stdout: true }, liveRegion: async () => region, color: false });
    expect(result.code).toBe(1);
    // No plain lines: the view is redrawn in place, and the summary follows it.
    expect(result.stdout).toMatch(/^\nDeploy of .* finished after/);
    expect(region.closed).toBe(1);
    const building = region.frames.find((f) => /▶ nas {6}4\/7 Build the system on the machine\n {11}› building the system of nas \(test double\)\n/.test(f));
    expect(building).toBeDefined();
    expect(building).toMatch(/^Deploying family\.clan-design\.json {2}\[[█░]+\] \d+% {2}\d of 4 done, 1 not deployed/);
    expect(building).toMatch(/- pc {7}skipped: Not deployed:/);
    // Every machine gets ready at once: the jump host is under way (not waiting for a place) while tablet is done.
    expect(region.frames.some((f) => /\n✓ tablet {3}deployed\n/.test(f) && /\n▶ bastion {2}\d\/7 /.test(f))).toBe(true);
    expect(building).toContain('Ctrl+C cancels: machines not started yet do not start; a switch under way finishes.');
    const last = region.frames.at(-1)!;
    expect(last).toMatch(/\[█+\] 100% {2}4 of 4 done, 1 not deployed/);
    expect(region.persisted).toEqual(['Trusting the new ssh-ed25519 host key of nas (nas.lan, SHA256:testdouble-nas.lan) and recording it in /home/test/.ssh/known_hosts.']);
  });

  test('it is a command of the CLI, with its help', async () => {
    let stdout = '';
    const code = await runCli(['deploy', '--help'], { stdout: (t) => (stdout += t), stderr: () => undefined });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: clan-designer deploy <design-file>');
    expect(stdout).toContain('Ctrl+C cancels as the app\'s Cancel does');
    expect(stdout).toContain('130 cancelled (Ctrl+C)');
  });
});
