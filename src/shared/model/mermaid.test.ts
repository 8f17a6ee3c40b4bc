import { describe, expect, test } from 'vitest';
import { sequentialIds } from './ids';
import { toMermaid } from './mermaid';
import { buildDesignFromAnswers, templates } from './templates';

describe('Mermaid export', () => {
  test('draws sites as subgraphs with their NAT type and machines inside', () => {
    const design = buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
    const text = toMermaid(design);
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    expect(text).toContain('subgraph site_1["Home (NAT, admin here)"]');
    expect(text).toContain('["nas<br/><small>NAS</small>"]');
    expect(text).toContain('["phone<br/><small>Phone / tablet, unmanaged</small>"]');
    expect(text).toContain('(Public IP)');
    expect(text.match(/^\s+end$/gm)).toHaveLength(2);
  });

  test('escapes quotes and brackets in user text so the diagram cannot be broken out of', () => {
    const design = buildDesignFromAnswers({ clanName: 'x', adminSiteIndex: null, sites: [{ name: 'My "home"]\nclick evil', kind: 'home', nat: 'nat', quality: 'good', machines: [] }] }, sequentialIds());
    const text = toMermaid(design);
    expect(text).toContain('My #quot;home#quot;] click evil');
    expect(text.split('\n').filter((l) => l.includes('click evil'))).toHaveLength(1);
  });

  test('output is stable for the same design', () => {
    const design = buildDesignFromAnswers(templates[1]!.answers, sequentialIds());
    expect(toMermaid(design)).toBe(toMermaid(structuredClone(design)));
  });
});
