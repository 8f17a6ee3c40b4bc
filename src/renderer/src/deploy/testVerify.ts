import { appError } from '../../../shared/errors';
import type { VerifyProgress } from '../../../shared/ipc/contract';
import type { MachineId } from '../../../shared/model/types';
import type { OverlayDiscovery, PeerView } from '../../../shared/verify/discovery';
import { buildMatrix, planPairs, type MachineFindings } from '../../../shared/verify/matrix';
import { parseProbeOutput, type ProbeReport } from '../../../shared/verify/probe';
import { verifyReportSchema, type VerifyReport } from '../../../shared/verify/schema';
import { sampleDesign } from './testDeploy';
import { recordJob } from './testJobRun';

// Verify results for the renderer's tests, made by the real matrix builder (buildMatrix) from findings in the shapes
// discovery and the probe produce, and checked against the contract's schemas, so the views are tested with what
// main really sends.

/** The ZeroTier address each member answers at. */
const addressOf: Record<string, string> = { nas: '10.147.17.11', bastion: '10.147.17.12', pc: '10.147.17.14' };

/** A probe's output for these results, the way the fixed script prints it (iputils summaries). */
function probe(results: { address: string; received: number }[]): ProbeReport {
  const lines = ['cnd-probe start 1'];
  for (const { address, received } of results) {
    lines.push(`ping ${address} | PING ${address} (${address}) 56(84) bytes of data.`, `ping ${address} | --- ${address} ping statistics ---`);
    lines.push(`ping ${address} | 5 packets transmitted, ${received} received, ${Math.round(((5 - received) / 5) * 100)}% packet loss, time 812ms`);
    if (received > 0) lines.push(`ping ${address} | rtt min/avg/max/mdev = 18.201/21.540/27.905/3.120 ms`);
    lines.push(`ping ${address} exit ${received > 0 ? 0 : 1}`);
  }
  lines.push('cnd-probe end');
  return parseProbeOutput(lines.join('\n'), results.map((r) => r.address));
}

/** A running ZeroTier node that sees the other running nodes: the bastion directly, the others relayed. */
function running(name: string): OverlayDiscovery {
  const peers: PeerView[] = Object.keys(addressOf)
    .filter((other) => other !== name)
    .map((other) => ({ identity: `zt-${other}`, name: null, addresses: [addressOf[other]!], networks: [], path: other === 'bastion' || name === 'bastion' ? 'direct' : 'relayed', via: null, connected: true, detail: other === 'bastion' || name === 'bastion' ? 'direct' : 'relayed through a ZeroTier root' }));
  return { machine: name, vpn: 'zerotier', state: 'running', addresses: [addressOf[name]!], source: 'vpn', identity: `zt-${name}`, peers, message: `ZeroTier runs on "${name}" with the address ${addressOf[name]!}.`, notes: [] };
}

/**
 * A verify of the shared family network (ZeroTier; members nas, bastion, tablet and pc): the app could not log in to
 * grandma's tablet over SSH, the nas gets no reply from the office pc, every other pair is reached.
 */
export function sampleVerifyReport(runId = '2026-12-07t10-05-00-000z-vvv111'): { report: VerifyReport; ids: ReturnType<typeof sampleDesign> } {
  const ids = sampleDesign();
  const { design } = ids;
  const others = (name: string) => Object.keys(addressOf).filter((o) => o !== name);
  const findings = new Map<string, MachineFindings>([
    [ids.nas, { sshError: null, discovery: running('nas'), probe: probe(others('nas').map((o) => ({ address: addressOf[o]!, received: o === 'pc' ? 0 : 5 }))) }],
    [ids.bastion, { sshError: null, discovery: running('bastion'), probe: probe(others('bastion').map((o) => ({ address: addressOf[o]!, received: 5 }))) }],
    [ids.pc, { sshError: null, discovery: running('pc'), probe: probe(others('pc').map((o) => ({ address: addressOf[o]!, received: 5 }))) }],
    [ids.tablet, { sshError: appError('sshHostUnreachable', { host: 'tablet.lan', port: 22, reason: 'timeout', timeoutMs: 30000 }), discovery: null, probe: null }],
  ]);
  const matrix = buildMatrix({ design, plan: planPairs(design), findings });
  const report = verifyReportSchema.parse({
    kind: 'clan-designer-verify',
    version: 1,
    runId,
    startedAt: Date.UTC(2026, 11, 7, 10, 5),
    finishedAt: Date.UTC(2026, 11, 7, 10, 6),
    outcome: 'finished',
    vpn: 'zerotier',
    matrix,
    tcpPort: null,
    count: 5,
  });
  return { report, ids };
}

/** The events of a verify job as main sends them, checked against the contract; `until: 'running'` stops while the nas is pinging. */
export function recordedVerify(jobId: string, options: { until?: 'running' | 'done' } = {}): { events: VerifyProgress[]; report: VerifyReport; ids: ReturnType<typeof sampleDesign> } {
  const { report, ids } = sampleVerifyReport();
  const { events, push } = recordJob<VerifyProgress>(jobId, 'verify');
  const machines = report.matrix!.machines.map((m) => ({ machineId: m.id, name: m.name }));
  push({ type: 'started', startedAt: report.startedAt, forFile: 'family.clan-design.json', machines });
  push({ type: 'machineStarted', machineId: ids.nas });
  push({ type: 'machineStep', machineId: ids.nas, step: { index: 2, total: 3, label: 'Ping the other machines over the VPN' } });
  push({ type: 'log', machineId: ids.nas, stream: 'stdout', text: 'ping 10.147.17.12 | 64 bytes from 10.147.17.12: icmp_seq=1 ttl=64 time=21.5 ms' });
  push({ type: 'machineStarted', machineId: ids.tablet as MachineId });
  if (options.until === 'running') return { events, report, ids };
  for (const m of report.matrix!.machines) {
    push({ type: 'machineDone', machineId: m.id, result: { machineId: m.id, name: m.name, ssh: m.ssh, state: m.ssh === null ? 'running' : null, addresses: m.addresses, message: m.overlay } });
  }
  push({ type: 'done', outcome: 'finished', report, saved: true });
  return { events, report, ids };
}
