import Ajv from 'ajv';
import { describe, expect, test } from 'vitest';
import { benchDataset, evalFiles } from '../../../test/unit/assistantFixtures';
import { formatFigure } from '../bench/leaderboard';
import { getCell, getHeadline, getWorkload } from '../bench/query';
import { loadDesignFile } from '../schema/load';
import { evalResultsSchema } from './evaluate';
import { readToolNames } from './schema';
import { assistantTools, changeToolNames, parseToolCall, runReadTool, toolNames } from './tools';

const dataset = benchDataset();
const files = evalFiles();
const loaded = loadDesignFile(files.designs['grandma-cgnat']!);
if (!loaded.ok) throw new Error('grandma-cgnat does not load');
const design = loaded.value.design;
const deploy = evalResultsSchema.parse(JSON.parse(files.results['grandma-deploy-failed']!)).deploy!;

describe('assistantTools', () => {
  test('offers the four read-only tools and the six proposals, and nothing that deploys, runs or writes', () => {
    expect(assistantTools.map((t) => t.function.name)).toEqual(['get_design', 'get_benchmark_figure', 'get_problems', 'get_last_deploy_log', 'add_site', 'add_machine', 'connect', 'set_role', 'choose_vpn', 'change_machine']);
    expect(toolNames).toEqual([...readToolNames, ...changeToolNames]);
    for (const tool of assistantTools) {
      expect(tool.type).toBe('function');
      expect(tool.function.name).not.toMatch(/deploy$|run|write|setting|delete|shell/);
    }
  });

  test('describes each tool with parameters that are valid JSON Schema and match what the app accepts', () => {
    const ajv = new Ajv({ strict: false });
    const addMachine = assistantTools.find((t) => t.function.name === 'add_machine')!.function;
    const validate = ajv.compile(addMachine.parameters);
    expect(validate({ name: 'grandma-pi', kind: 'sbc', site: "Grandma's house" })).toBe(true);
    expect(validate({ name: 'grandma-pi', kind: 'toaster' })).toBe(false);
    expect(validate({ name: 'grandma-pi', kind: 'sbc', tool: 'deploy' })).toBe(false);
    expect(addMachine.parameters).toMatchObject({ type: 'object', required: ['name', 'kind'], additionalProperties: false });
    expect(addMachine.parameters).not.toHaveProperty('$schema');
    expect(addMachine.description).toMatch(/proposal/i);
    const figure = assistantTools.find((t) => t.function.name === 'get_benchmark_figure')!.function.parameters as { properties: Record<string, { enum: string[] }> };
    expect(figure.properties.vpn!.enum).toContain('none');
    expect(figure.properties.profile!.enum).toEqual(['baseline', 'low', 'medium', 'high']);
    // The same JSON every time: a request can be compared and cached.
    expect(JSON.stringify(assistantTools)).toBe(JSON.stringify(assistantTools));
  });
});

describe('parseToolCall', () => {
  test('accepts a proposal with valid arguments as a change', () => {
    expect(parseToolCall('add_machine', '{"name":"vps","kind":"vps"}')).toEqual({ ok: true, value: { kind: 'change', change: { tool: 'add_machine', name: 'vps', kind: 'vps' } } });
    expect(parseToolCall('choose_vpn', '{"vpn":"nebula","tool":"deploy"}')).toEqual({ ok: true, value: { kind: 'change', change: { tool: 'choose_vpn', vpn: 'nebula' } } });
  });

  test('accepts read-only calls, also with empty arguments', () => {
    expect(parseToolCall('get_problems', '')).toEqual({ ok: true, value: { kind: 'read', call: { tool: 'get_problems' } } });
    expect(parseToolCall('get_design', 'null')).toEqual({ ok: true, value: { kind: 'read', call: { tool: 'get_design' } } });
    expect(parseToolCall('get_benchmark_figure', '{"vpn":"nebula","workload":"tcp","profile":"medium"}')).toEqual({ ok: true, value: { kind: 'read', call: { tool: 'get_benchmark_figure', vpn: 'nebula', workload: 'tcp', profile: 'medium' } } });
  });

  test('answers a tool that does not exist with what exists and that nothing can deploy', () => {
    for (const name of ['deploy', 'run_command', 'write_file', 'change_settings']) {
      const result = parseToolCall(name, '{}');
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toContain(`There is no tool "${name}".`);
        expect(result.error).toContain('get_design');
        expect(result.error).toContain('add_machine');
        expect(result.error).toMatch(/Nothing can deploy, run commands, write files or change settings/);
      }
    }
  });

  test('answers broken JSON with an example of what to send', () => {
    const result = parseToolCall('add_site', '{"name": "Cloud",');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^The arguments of add_site are not valid JSON \(.+\)\. Send one JSON object, e\.g\. \{"name":/);
    expect(parseToolCall('add_site', '["Cloud"]')).toMatchObject({ ok: false, error: expect.stringContaining('must be one JSON object') });
  });

  test("answers wrong fields with zod's issues in plain words", () => {
    const result = parseToolCall('add_machine', '{"name":5,"kind":"toaster","color":"red"}');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('The arguments of add_machine are not valid:');
      expect(result.error).toContain('name: Invalid input: expected string, received number');
      expect(result.error).toContain('kind: Invalid option: expected one of "server"|"desktop"');
      expect(result.error).toContain('Unrecognized key: "color"');
      expect(result.error).toContain('Fix them and call add_machine again.');
    }
    expect(parseToolCall('get_benchmark_figure', '{"vpn":"openvpn","workload":"tcp","profile":"medium"}')).toMatchObject({ ok: false, error: expect.stringContaining('vpn: Invalid option') });
  });
});

describe('runReadTool', () => {
  const context = { design, dataset, deploy };

  test("get_benchmark_figure gives the figure in the leaderboard's unit, with the profile, spread, rank and no-VPN reference", () => {
    const answer = runReadTool({ tool: 'get_benchmark_figure', vpn: 'nebula', workload: 'tcp', profile: 'medium' }, context);
    const tcp = getWorkload(dataset, 'tcp')!;
    const value = getHeadline(getCell(dataset, 'nebula', 'medium', 'tcp')!, tcp)!;
    const reference = getHeadline(getCell(dataset, 'none', 'medium', 'tcp')!, tcp)!;
    expect(answer).toContain(`Nebula, ${tcp.label} (Mbit/s, higher is better) at medium impairment (profile "medium"`);
    expect(answer).toContain(`: ${formatFigure(value, 'Mbit/s')} mean of`);
    expect(answer).toContain(`Without a VPN: ${formatFigure(reference, 'Mbit/s')}`);
    expect(answer).toMatch(/Rank \d+ of 10 VPNs on this workload at this profile\./);
  });

  test('get_benchmark_figure says when a workload was measured at baseline only', () => {
    expect(runReadTool({ tool: 'get_benchmark_figure', vpn: 'nebula', workload: 'connectAfterDeploy', profile: 'high' }, context)).toContain('measured at baseline only');
    expect(runReadTool({ tool: 'get_benchmark_figure', vpn: 'nebula', workload: 'tcp', profile: 'high' }, { design, dataset: null })).toBe('No benchmark data is loaded, so there are no figures to give.');
  });

  test('get_design lists every machine with the details the summary leaves out', () => {
    const answer = runReadTool({ tool: 'get_design' }, context);
    for (const m of Object.values(design.machines)) expect(answer).toContain(`["${m.name}","${m.arch}",${m.managed},`);
    expect(answer).toContain('["grandma-pi","Photo frame and backups at grandma."]');
  });

  test('get_problems lists every problem with its whole message', () => {
    const answer = runReadTool({ tool: 'get_problems' }, context);
    expect(answer).toMatch(/^1 problem \[severity, code, message\]:\n\["error","adminCannotReach","\\"grandma-pi\\" is in \\"Grandma's house\\", behind carrier-grade NAT/);
    expect(answer).not.toContain('…');
  });

  test('get_last_deploy_log gives the run, or one machine with the end of its log', () => {
    const run = runReadTool({ tool: 'get_last_deploy_log' }, context);
    expect(run).toContain('Last deploy: finished (onMachine)');
    expect(run).toContain('["grandma-pi","failed","connect",');
    const pi = runReadTool({ tool: 'get_last_deploy_log', machine: 'grandma-pi' }, context);
    expect(pi).toContain('"grandma-pi" in the last deploy: failed at step connect.');
    expect(pi).toContain('"ssh: connect to host 192.168.178.40 port 22: Connection timed out"');
    expect(runReadTool({ tool: 'get_last_deploy_log', machine: 'toaster' }, context)).toMatch(/^The last deploy has no machine called "toaster"\. Its machines: "nas", "desktop"/);
    expect(runReadTool({ tool: 'get_last_deploy_log' }, { design })).toMatch(/^No deploy is kept with this design yet/);
  });
});
