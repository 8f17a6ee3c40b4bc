import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatValue } from '../../shared/bench/leaderboard';
import { measureReportSchema } from '../../shared/measure/report';
import type { Design } from '../../shared/model/types';
import { serializeDesign } from '../../shared/schema/envelope';
import { measuredMachines, TestInterrupts, yggdrasilAddresses, yggdrasilFamily as family, type ScriptedMachines } from './deployTestDoubles';
import { runMeasureCommand, type MeasureCommandDeps } from './measureCommand';

// `clan-designer measure`: "Measure my network" on the command line. The machines are the scripted SSH stand-in of
// the command tests, answering as NixOS machines running Yggdrasil and iperf3 (a TEST DOUBLE: deployTestDoubles.ts
// measuredMachines), and Ctrl+C a signal the test sends; the job engine, the measure service, the commands, the
// parsers, the comparison with the bundled benchmark and the history are the app's own.

function designFile(design: Design = family()): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'measure-cli-'));
  const file = join(dir, 'family.clan-design.json');
  writeFileSync(file, serializeDesign(design, '0.0.0'));
  return { dir, file };
}

async function measure(argv: string[], machines: ScriptedMachines, deps: MeasureCommandDeps = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runMeasureCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    createSsh: machines.createSsh,
    env: { CLAN_DESIGNER_DATA_DIR: mkdtempSync(join(tmpdir(), 'measure-cli-data-')) },
    homeDir: tmpdir(),
    interrupts: new TestInterrupts(),
    ...deps,
  });
  return { code, stdout, stderr };
}

describe('clan-designer measure', () => {
  test('the default pairs: progress, then per pair a table of your value next to the benchmark\'s with units, spread, factor, verdict and caveats; exit 0', async () => {
    const { dir, file } = designFile();
    const { machines } = measuredMachines();
    const result = await measure([file, '--seconds', '3', '--pings', '50'], machines);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [progress] = result.stdout.split('\n\n');
    const text = progress!.split('\n').map((l) => l.slice(21));
    expect(text[0]).toBe('measure started: 2 pairs, one after the other');
    expect(text).toContain('vps → nas: step 3/4 Throughput to nas and back (3 s)');
    expect(text).toContain('pi → nas: measured');
    expect(result.stdout).toMatch(/Measure of .*family\.clan-design\.json over Yggdrasil finished after 0:0\d \(3 s of iperf3 in both directions at once on TCP port 5201, then 50 pings 0\.2 s apart\)\./);
    expect(result.stdout).toContain(`vps → nas, to ${yggdrasilAddresses.nas} (the address its VPN reports):`);
    expect(result.stdout).toContain('  Closest benchmark profile: high impairment. 9.5 % of the pings got no reply');
    // The table: a head with the VPN and profile, one row per figure with units, the benchmark's spread and factor.
    const table = result.stdout.split('\n').filter((l) => l.startsWith('    '));
    expect(table[0]).toMatch(/^ {4}measured +yours +Yggdrasil, high +its pairs +factor +verdict +notes$/);
    expect(table.find((l) => l.includes('Single-stream TCP, "vps" → "nas" ↑'))).toMatch(/↑ +8198 Mbit\/s +3\.4 Mbit\/s ⚑ +3\.2 to 3\.6 Mbit\/s +\d+\.\dx +better \(<0\.1x\) +\[\d\]/);
    expect(table.find((l) => l.includes('Ping loss, "vps" → "nas" ↓'))).toMatch(/↓ +9\.5 % +\d+\.\d % .* +(worse|similar|better)/);
    expect(result.stdout).toContain('  Your link from "vps" to "nas" is faster than Yggdrasil in the high impairment profile: 8198 Mbit/s against 3.4 Mbit/s (its pairs: 3.2 to 3.6 Mbit/s).');
    expect(result.stdout).toContain('↑ higher is better, ↓ lower is better.');
    expect(result.stdout).toMatch(/Caveats:\n {2}\[1\] /);
    expect(result.stdout).toContain('The benchmark measured three pairs of data-centre machines with 1 Gbit/s network cards');
    // The scripted machines print a captured 200-ping summary; what was asked for is in the command.
    expect(machines.commandsOf('vps.lan').find((a) => a.includes('ping'))?.slice(4, 11)).toEqual(['ping', '-6', '-n', '-q', '-c', '50', '-i']);
    expect(result.stdout).toMatch(/\n2 of 2 links measured\. /);
    const kept = /Kept in (.*\/family\.measures\/([0-9a-z-]+)\/) \(measure\.json, measure\.log\)\./.exec(result.stdout);
    expect(kept![1]).toBe(join(dir, 'family.measures', kept![2]!, '/'));
    expect(readdirSync(kept![1]!).sort()).toEqual(['measure.json', 'measure.log']);
    const report = measureReportSchema.parse(JSON.parse(readFileSync(join(kept![1]!, 'measure.json'), 'utf8')));
    expect(report).toMatchObject({ seconds: 3, port: 5201, pings: { count: 50, intervalSeconds: 0.2 } });
  });

  test('--pairs picks the pairs by name and --json prints one object with the report; a pair that fails exits 1', async () => {
    const { dir, file } = designFile();
    const { machines } = measuredMachines({ clientRefused: true });
    const result = await measure([file, '--json', '--pairs', 'pi:vps', '--port', '5299'], machines);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; runId: string; history: string; measured: number; report: unknown };
    expect(parsed).toMatchObject({ ok: false, measured: 1 });
    expect(parsed.history).toBe(join(dir, 'family.measures', parsed.runId, '/'));
    const report = measureReportSchema.parse(parsed.report);
    expect(report.port).toBe(5299);
    expect(report.pairs.map((p) => [p.fromName, p.toName, p.address])).toEqual([['pi', 'vps', yggdrasilAddresses.vps]]);
    expect(report.pairs[0]!.problems[0]).toContain('"vps" refused the connection to port 5299');
  });

  test('says per link what changed since the run before, in the text and in --json', async () => {
    const { dir, file } = designFile();
    const { machines } = measuredMachines();
    const first = await measure([file, '--json'], machines);
    const { runId } = JSON.parse(first.stdout) as { runId: string };
    // The run before had vps -> nas at twice today's throughput, and also measured pi -> nas.
    const kept = join(dir, 'family.measures', runId, 'measure.json');
    const earlier = measureReportSchema.parse(JSON.parse(readFileSync(kept, 'utf8')));
    const vps = earlier.pairs.find((p) => p.fromName === 'vps')!.link!;
    const pi = earlier.pairs.find((p) => p.fromName === 'pi')!.link!;
    writeFileSync(kept, JSON.stringify({ ...earlier, pairs: earlier.pairs.map((p) => (p.fromName === 'vps' ? { ...p, link: { ...vps, forwardMbps: vps.forwardMbps! * 2 } } : p)) }));

    const second = await measure([file, '--pairs', 'vps:nas'], machines);
    expect(second.code).toBe(0);
    const [was, now, back] = [formatValue(vps.forwardMbps! * 2), formatValue(vps.forwardMbps!), formatValue(vps.reverseMbps!)];
    expect(second.stdout).toContain(
      [
        'Since the run before: vps → nas slower; pi → nas not measured this time.',
        `  vps → nas: ${now} Mbit/s, was ${was} (−50 %); back ${back} Mbit/s, was ${back} (±0 %); round trip ${formatValue(vps.rttAvgMs!)} ms, was ${formatValue(vps.rttAvgMs!)} (±0 %); loss 9.5 %, was 9.5 %.`,
        `  pi → nas: not measured this time; the run before had ${formatValue(pi.forwardMbps!)} Mbit/s, back ${formatValue(pi.reverseMbps!)} Mbit/s, round trip ${formatValue(pi.rttAvgMs!)} ms, loss 9.5 %.`,
      ].join('\n'),
    );

    const third = await measure([file, '--json', '--pairs', 'vps:nas'], machines);
    const report = measureReportSchema.parse((JSON.parse(third.stdout) as { report: unknown }).report);
    expect(report.previous?.changes.map((c) => [c.fromName, c.toName, c.before?.forwardMbps, c.after?.forwardMbps])).toEqual([['vps', 'nas', vps.forwardMbps, vps.forwardMbps]]);
  });

  test('bad input exits 2; no VPN, or no pair measured, exits 3; Ctrl+C exits 130', async () => {
    const { file } = designFile();
    const bad = await measure([file, '--seconds', '0'], measuredMachines().machines);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seconds must be a whole number from 1 to 60, not "0".');
    expect((await measure([file, '--pairs', 'pi-nas'], measuredMachines().machines)).stderr).toContain('--pairs takes FROM:TO pairs of machine names');
    expect((await measure([file, '--pairs', 'pi:printer'], measuredMachines().machines)).stderr).toContain('The design has no machine named "printer".');
    const same = await measure([file, '--json', '--pairs', 'pi:pi'], measuredMachines().machines);
    expect(same.code).toBe(3);
    expect(JSON.parse(same.stdout).error).toMatchObject({ code: 'measureRefused', message: 'A picked pair cannot be measured, so nothing was started: "pi" → "pi": both ends are "pi". Remove it or fix the design, then measure again.' });

    const noVpn = designFile(family(null));
    const refused = await measure([noVpn.file, '--json'], measuredMachines().machines);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).error.code).toBe('measureNoVpn');

    const { machines } = measuredMachines({ serverNotHere: true, pingsLost: true });
    const nothing = await measure([file, '--pairs', 'vps:nas'], machines);
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toContain('No pair could be measured.');

    const interrupts = new TestInterrupts();
    const hanging = measuredMachines({ clientHangs: true });
    const running = measure([file], hanging.machines, { interrupts });
    for (let i = 0; i < 200 && !hanging.machines.commands.some((c) => c.argv.includes('-c') && c.argv.includes('iperf3')); i += 1) await new Promise((r) => setTimeout(r, 5));
    interrupts.interrupt();
    const cancelled = await running;
    expect(cancelled.code).toBe(130);
    expect(cancelled.stdout).toContain('Cancelling the measurement: commands running on the machines are stopped.');
    expect(cancelled.stdout).toContain('vps → nas: not measured. Not measured: the measurement was cancelled.');
  });
});
