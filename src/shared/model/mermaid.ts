import { machineKindLabels, natLabels } from './labels';
import type { Design } from './types';
import { byNameThenId, compareText } from '../text';

/** Escapes text for a quoted Mermaid label: quotes and angle brackets become entity codes, newlines spaces. */
export function mermaidLabel(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');
}

/** A Mermaid-safe node id derived from our ids (which are already [A-Za-z0-9_-]). */
function nodeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * The topology as a Mermaid flowchart, for documentation: sites as subgraphs with their NAT type, machines with
 * their kind and VPN roles, drawn links as edges. Output order is stable (sorted by name) so diffs stay small.
 */
export function toMermaid(design: Design): string {
  const lines = ['flowchart LR'];
  const sites = Object.values(design.sites).sort(byNameThenId);
  const machines = Object.values(design.machines).sort(byNameThenId);
  const machineLine = (m: (typeof machines)[number], indent: string) => {
    const roles = design.vpn.roles[m.id] ?? [];
    const detail = [machineKindLabels[m.kind], ...roles, ...(m.managed ? [] : ['unmanaged'])].join(', ');
    return `${indent}${nodeId(m.id)}["${mermaidLabel(m.name)}<br/><small>${mermaidLabel(detail)}</small>"]`;
  };
  for (const site of sites) {
    const admin = design.admin.siteId === site.id ? ', admin here' : '';
    lines.push(`  subgraph ${nodeId(site.id)}["${mermaidLabel(site.name || 'Unnamed site')} (${mermaidLabel(natLabels[site.nat].short)}${admin})"]`);
    for (const m of machines.filter((x) => x.siteId === site.id)) lines.push(machineLine(m, '    '));
    lines.push('  end');
  }
  for (const m of machines.filter((x) => x.siteId === null || design.sites[x.siteId] === undefined)) lines.push(machineLine(m, '  '));
  const links = Object.values(design.links).sort((a, b) => compareText(a.id, b.id));
  for (const link of links) {
    const label = link.label !== '' ? mermaidLabel(link.label) : link.kind === 'portForward' ? `port forward${link.ports ? ` ${link.ports.external}→${link.ports.internal}` : ''}` : link.kind === 'jumpHost' ? 'SSH jump' : '';
    const arrow = link.kind === 'cable' ? '---' : '-.->';
    lines.push(`  ${nodeId(link.source)} ${arrow}${label !== '' ? `|"${label}"|` : ''} ${nodeId(link.target)}`);
  }
  return `${lines.join('\n')}\n`;
}
