import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { benchDataset, failedDeploy } from '../../../test/unit/assistantFixtures';
import { designBuilder } from '../model/designBuilder';
import type { Design } from '../model/types';
import { createRedactor } from './redaction';
import { parseToolCall, runReadTool, type ReadToolCall } from './tools';
import { prepareAssistantRequest } from './prompt';

// Secrets of a family network, each spelled the way it is stored. None of them may leave the computer when
// redaction is on, wherever it appears: the design, the history, an attachment, a log, a tool's answer.
const secrets = {
  machines: ['grandma-pi', 'mueller-nas', 'annas-laptop', 'bastion'],
  sites: ["Oma Müller's flat", 'Schillerstraße 12'],
  clan: 'mueller-clan',
  domain: 'mueller.example.net',
  users: ['anna', 'hmueller'],
  ipv4: ['192.168.178.40', '203.0.113.77', '10.12.0.5'],
  ipv6: ['2001:db8:85a3::8a2e:370:7334', 'fd7a:115c:a1e0::1'],
  hosts: ['nas.mueller.example.net', 'oma-router.fritz.box', 'vps7.hoster.example'],
  keys: [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG2yjr8mQ3ZxRz7w9y0lkFz1f3gN7mQqz9vX0bE1c2dK anna@laptop',
    'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
    'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
    'AGE-SECRET-KEY-1QQPQ5Y3CCJ2XT5A6H2KM5E2S7LJ9PQ8Q3V5Q5Y8G9L0K8XG2ZPSQHK6Q2W',
  ],
};

const wireguardKey = secrets.keys[2]!;
const privateKeyBlock = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBtsoq/JkN2cUc+8PctJZBc9X94DezkKrPb17RsBNXNnSgAAAJD\n-----END OPENSSH PRIVATE KEY-----';
const everySecret = [...secrets.machines, ...secrets.sites, secrets.clan, secrets.domain, ...secrets.users, ...secrets.ipv4, ...secrets.ipv6, ...secrets.hosts, ...secrets.keys, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW'];

function secretDesign(): Design {
  const b = designBuilder();
  const home = b.site(secrets.sites[0]!, 'cgnat');
  const cloud = b.site(secrets.sites[1]!, 'public');
  b.machine('grandma-pi', home, 'sbc', { ssh: { host: secrets.ipv4[0]!, port: 22, user: 'anna' }, notes: `Her key: ${secrets.keys[0]}; backup to ${secrets.hosts[0]}` });
  b.machine('mueller-nas', home, 'nas', { ssh: { host: secrets.hosts[1]!, port: 2222, user: 'hmueller' }, notes: `age: ${secrets.keys[1]}\nwg: ${wireguardKey}` });
  b.machine('annas-laptop', home, 'laptop', { ssh: { host: secrets.ipv6[1]!, port: 22, user: 'root' } });
  b.machine('bastion', cloud, 'vps', { ssh: { host: secrets.hosts[2]!, port: 22, user: 'root' }, publicAddress: secrets.ipv6[0]! });
  b.admin(home);
  const design = b.vpn('nebula');
  return { ...design, meta: { ...design.meta, clanName: secrets.clan, domain: secrets.domain } };
}

function deployOf(design: Design): ReturnType<typeof failedDeploy> {
  const pi = Object.values(design.machines).find((m) => m.name === 'grandma-pi')!;
  const logs = {
    'grandma-pi': [
      `2026-11-30T10:00:00.000Z Connecting to anna@${secrets.ipv4[0]}:22 via hmueller@${secrets.ipv4[1]}`,
      `2026-11-30T10:00:05.000Z Offered key ${secrets.keys[0]}`,
      `2026-11-30T10:00:09.000Z wg pubkey ${wireguardKey} endpoint [${secrets.ipv6[0]}]:51820 peer ${secrets.ipv4[2]}`,
      `2026-11-30T10:00:10.000Z ${privateKeyBlock}`,
      '2026-11-30T10:00:30.000Z ssh: connect to host port 22: Connection timed out',
    ].join('\n'),
  };
  const failed = { machineId: pi.id, name: 'grandma-pi', step: 'connect' as const, message: `Couldn't connect to "grandma-pi" at ${secrets.ipv4[0]}:22 as anna: the connection timed out.`, whatToDo: `Check ${secrets.sites[0]}'s router.` };
  return failedDeploy([failed], logs, { status: 'made', helper: 'bastion', message: `Made the keys on "bastion" (${secrets.hosts[2]}).` });
}

function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  return everySecret.filter((s) => lower.includes(s.toLowerCase()));
}

describe('redaction round trip', () => {
  const design = secretDesign();
  const deploy = deployOf(design);
  const history = [
    { id: 'm1', role: 'user' as const, text: `Why can't I reach grandma-pi at ${secrets.ipv4[0]} from ${secrets.hosts[1]} as hmueller?`, at: 1 },
    { id: 'm2', role: 'assistant' as const, text: `"grandma-pi" is in ${secrets.sites[0]} behind CGNAT; "bastion" (${secrets.ipv6[0]}) could be its jump host.`, at: 2 },
  ];
  const attachments = [{ kind: 'deploy' as const, title: "Couldn't deploy grandma-pi", text: `anna@${secrets.ipv4[0]}: timed out. Key ${secrets.keys[1]} in ${secrets.domain}` }];

  test('nothing of the secrets in the design, history, attachments and logs appears in the outgoing messages', () => {
    const prepared = prepareAssistantRequest({
      design,
      dataset: benchDataset(),
      results: { deploy },
      history,
      question: `Is mueller-nas (${secrets.hosts[1]}, user hmueller) OK? My key is ${wireguardKey}.`,
      attachments,
      redact: true,
    });
    const outgoing = prepared.messages.map((m) => m.content).join('\n');
    expect(leaks(outgoing)).toEqual([]);
    // The placeholders are there instead, so the model can still talk about the machines.
    expect(outgoing).toMatch(/MACHINE_\d+/);
    expect(outgoing).toMatch(/SITE_\d+/);
    expect(outgoing).toMatch(/IP_\d+/);
    expect(outgoing).toMatch(/KEY_\d+/);
  });

  test("nothing of the secrets appears in the read-only tools' answers either", () => {
    const redactor = createRedactor(design);
    const context = { design, dataset: benchDataset(), deploy, redactor };
    const calls: ReadToolCall[] = [{ tool: 'get_design' }, { tool: 'get_problems' }, { tool: 'get_last_deploy_log' }, { tool: 'get_last_deploy_log', machine: 'grandma-pi' }];
    for (const call of calls) {
      expect(leaks(runReadTool(call, context)), call.tool).toEqual([]);
    }
  });

  test('restore gives the real names, addresses and keys back', () => {
    const redactor = createRedactor(design);
    const text = [...everySecret, `anna@${secrets.ipv4[0]}`, privateKeyBlock].join(' | ');
    const redacted = redactor.redact(text);
    expect(leaks(redacted)).toEqual([]);
    expect(redactor.restore(redacted)).toBe(text);
  });

  test('a proposal made with placeholders names the real machines and sites once restored', () => {
    const redactor = createRedactor(design);
    redactor.redact(JSON.stringify(history));
    const machine = redactor.redact('grandma-pi');
    const site = redactor.redact(secrets.sites[0]!);
    const call = parseToolCall('add_machine', JSON.stringify({ name: `${machine}-backup`, kind: 'sbc', site }), redactor);
    expect(call).toEqual({ ok: true, value: { kind: 'change', change: { tool: 'add_machine', name: 'grandma-pi-backup', kind: 'sbc', site: secrets.sites[0] } } });
    const connect = parseToolCall('connect', JSON.stringify({ from: machine, to: redactor.redact('bastion'), kind: 'jumpHost' }), redactor);
    expect(connect.ok && connect.value.kind === 'change' && connect.value.change).toEqual({ tool: 'connect', from: 'grandma-pi', to: 'bastion', kind: 'jumpHost' });
  });

  test('a name with quotes is restored inside JSON arguments without breaking them', () => {
    const b = designBuilder();
    b.site('Bob\'s "lab" \\ back', 'nat');
    const redactor = createRedactor(b.design);
    const site = redactor.redact('Bob\'s "lab" \\ back');
    expect(site).toBe('SITE_1');
    const call = parseToolCall('change_machine', JSON.stringify({ machine: 'x', changes: { site } }), redactor);
    expect(call.ok && call.value.kind === 'change' && call.value.change).toEqual({ tool: 'change_machine', machine: 'x', changes: { site: 'Bob\'s "lab" \\ back' } });
  });
});

describe('redactor', () => {
  test('gives the same placeholders for the same design, whatever order its records are stored in', () => {
    const design = secretDesign();
    const reversed: Design = { ...design, machines: Object.fromEntries(Object.entries(design.machines).reverse()) as Design['machines'], sites: Object.fromEntries(Object.entries(design.sites).reverse()) as Design['sites'] };
    const text = `${secrets.machines.join(' ')} ${secrets.sites.join(' ')} ${secrets.ipv4.join(' ')}`;
    expect(createRedactor(reversed).redact(text)).toBe(createRedactor(design).redact(text));
  });

  test('replaces names as whole words only, and leaves app words, root, store paths and times alone', () => {
    const b = designBuilder();
    b.machine('pi', null, 'sbc');
    b.machine('nas', null, 'nas', { ssh: { host: '10.0.0.2', port: 22, user: 'root' } });
    const redactor = createRedactor(b.design);
    const text = 'The nasty grandma-pi log: root@10.0.0.2 at 10:20:30 built /nix/store/0c3ka9x7l1p2m4n5q6r7s8t9v0w1y2z3-nixos-system 864 Mbit/s; pi and nas.';
    expect(redactor.redact(text)).toBe('The nasty grandma-pi log: root@IP_1 at 10:20:30 built /nix/store/0c3ka9x7l1p2m4n5q6r7s8t9v0w1y2z3-nixos-system 864 Mbit/s; MACHINE_2 and MACHINE_1.');
  });

  test('replaces addresses, private host names and user names it was never told about', () => {
    const redactor = createRedactor(designBuilder().design);
    const redacted = redactor.redact('alice@printer.lan answered from 172.16.4.20 and fe80::1ff:fe23:4567:890a');
    expect(redacted).toBe('USER_1@HOST_1 answered from IP_1 and IP_2');
    expect(redactor.restore(redacted)).toBe('alice@printer.lan answered from 172.16.4.20 and fe80::1ff:fe23:4567:890a');
  });

  test('leaves placeholders the model made up as they are', () => {
    expect(createRedactor(designBuilder().design).restore('MACHINE_99 and SITE_3')).toBe('MACHINE_99 and SITE_3');
  });
});

describe('stream restorer', () => {
  const design = secretDesign();
  const redactor = createRedactor(design);
  const answer = `${redactor.redact('grandma-pi')} is in ${redactor.redact(secrets.sites[0]!)}; use ${redactor.redact('bastion')} (IP ${redactor.redact(secrets.ipv6[0]!)}) as its jump host. MACHINE_ and KEYS stay. I think so. ${redactor.redact('mueller-nas')}`;
  const expected = redactor.restore(answer);

  test('never shows half a placeholder, one character at a time', () => {
    const restorer = redactor.createStreamRestorer();
    const shown: string[] = [];
    for (const ch of answer) shown.push(restorer.push(ch));
    shown.push(restorer.flush());
    expect(shown.join('')).toBe(expected);
    expect(shown.filter((s) => /(?:MACHINE|SITE|IP)_\d/.test(s))).toEqual([]);
  });

  test('gives the same text however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: answer.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set([0, ...cuts, answer.length])].sort((a, b) => a - b);
        const restorer = redactor.createStreamRestorer();
        let shown = '';
        for (let i = 1; i < points.length; i += 1) shown += restorer.push(answer.slice(points[i - 1], points[i]));
        shown += restorer.flush();
        expect(shown).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('shows text without placeholders as soon as it arrives', () => {
    const restorer = redactor.createStreamRestorer();
    expect(restorer.push('Hello there, ')).toBe('Hello there, ');
    expect(restorer.push('MACHI')).toBe('');
    expect(restorer.push('NE_1')).toBe('');
    expect(restorer.push(' is fine')).toBe(`${redactor.restore('MACHINE_1')} is fine`);
  });
});
