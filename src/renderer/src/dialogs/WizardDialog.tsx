import { useMemo, useState } from 'react';
import { sequentialIds } from '../../../shared/model/ids';
import { machineKindLabels, natLabels, qualityLabels, siteKindLabels } from '../../../shared/model/labels';
import { suggestMachineName } from '../../../shared/model/ops';
import { computeDeployReach, type DeployReach } from '../../../shared/model/reachability';
import { buildWizardDesign, checkWizardNames, templates, wizardSshTarget, type WizardAccess, type WizardAnswers, type WizardMachine, type WizardSite } from '../../../shared/model/templates';
import type { LinkQuality, MachineKind, NatType, SiteKind } from '../../../shared/model/types';
import { clanNamePattern, isHostOrAddress } from '../../../shared/validation/syntax';
import { validateDesign } from '../../../shared/validation/validate';
import { quote } from '../../../shared/text';
import type { WizardArgs } from '../commands/designCommands';
import { appContext } from '../app/appContext';
import { executeCommand } from '../commands/registry';
import { NameHint } from '../components/NameHint';
import { computeChecklist } from '../panels/problemChecklist';
import { useUiStore } from '../stores/uiStore';
import { Modal } from './Modal';
import { defaultDesignMeta } from '../../../shared/schema/designDefaults';
import './wizard.css';

const steps = ['Start', 'Sites', 'Machines', 'Admin', 'Access', 'Review'] as const;
const step = { start: 0, sites: 1, machines: 2, admin: 3, access: 4, review: 5 } as const;

const later: WizardAccess = { how: 'later', host: '', user: '', jumpHost: null };
const howLabels: Record<WizardAccess['how'], string> = { later: 'I will add it later', address: 'Directly at an address', jump: 'Through a jump host' };
/** Where a site's machines sit, said of a site the app cannot reach into. */
const natWhere: Record<NatType, string> = {
  public: 'public',
  portForward: 'behind a router without a port forward for it',
  nat: 'behind a home router (NAT)',
  cgnat: 'behind carrier-grade NAT',
  symmetric: 'behind a strict NAT or firewall',
};

const opts = <T extends string>(labels: Record<T, string | { short: string; long: string }>) =>
  (Object.keys(labels) as T[]).map((v) => (
    <option key={v} value={v}>
      {typeof labels[v] === 'string' ? (labels[v] as string) : (labels[v] as { long: string }).long}
    </option>
  ));

/** A key for a machine of the wizard, unique in the window (keys only have to differ within one wizard). */
let keyCount = 0;
const newKey = () => `machine-${++keyCount}`;

/** Gives every machine a key, so a jump host can name it while machines are added and removed. */
function withKeys(answers: WizardAnswers, newKey: () => string): WizardAnswers {
  return { ...answers, sites: answers.sites.map((site) => ({ ...site, machines: site.machines.map((m) => (m.key === undefined ? { ...m, key: newKey() } : m)) })) };
}

/** The wizard's design as it would be created now, with each machine's reach and the problems it would have. */
function usePreview(answers: WizardAnswers) {
  return useMemo(() => {
    const { design, machineIds } = buildWizardDesign(answers, sequentialIds('wizard-'));
    return { design, machineIds, reach: computeDeployReach(design), problems: validateDesign(design), names: checkWizardNames(answers) };
  }, [answers]);
}

type Preview = ReturnType<typeof usePreview>;

/** One line under a machine in the access step: how the app will reach it, or what is still missing. */
function reachStatus(machine: WizardMachine, reach: DeployReach | undefined, keys: ReadonlySet<string>, siteNat: NatType): { text: string; tone: 'ok' | 'todo' | 'bad' } {
  const access = machine.access ?? later;
  if (reach?.reach === 'unmanaged') return { text: 'Not deployed to: phones and tablets join the VPN with its app.', tone: 'ok' };
  if (access.how === 'later') return { text: 'Left for later: after Create, the problems panel asks for its address.', tone: 'todo' };
  if (access.how === 'jump' && (access.jumpHost === null || !keys.has(access.jumpHost))) return { text: 'Choose the machine the app goes through.', tone: 'todo' };
  const target = wizardSshTarget(access);
  if (target === null) return { text: 'Enter the address the app connects to: an IP address or a host name.', tone: 'todo' };
  if (!isHostOrAddress(target.host)) return { text: `${quote(access.host.trim())} is not an IP address or a host name.`, tone: 'bad' };
  if (reach === undefined) return { text: '', tone: 'todo' };
  if (reach.reach === 'direct' || reach.reach === 'jumpHost') return { text: reach.reason, tone: 'ok' };
  const why =
    access.how === 'jump'
      ? 'the jump host is not reached directly either. Choose a machine on your own site or one with a public address.'
      : `its site is ${natWhere[siteNat]}, so the address cannot be reached from outside. Choose “${howLabels.jump}”.`;
  return { text: `No way in from your computer yet: ${why}`, tone: 'bad' };
}

/** The access step: per machine, how the app reaches it (an address, a jump host, or later). */
function AccessStep({ answers, preview, setAccess }: { answers: WizardAnswers; preview: Preview; setAccess: (site: number, machine: number, patch: Partial<WizardAccess>) => void }) {
  const all = answers.sites.flatMap((site, i) => site.machines.map((m, j) => ({ m, i, j, saved: preview.names[i]![j]!.saved, id: preview.machineIds[i]![j]! })));
  const keys = new Set(all.flatMap((x) => (x.m.key === undefined ? [] : [x.m.key])));
  const managed = all.filter((x) => preview.design.machines[x.id]?.managed === true);
  const direct = (x: (typeof all)[number]) => preview.reach.get(x.id)?.reach === 'direct';
  return (
    <div className="wizard-access">
      <p>
        How does the app reach each machine to deploy it? It connects with SSH from this computer, at {quote(answers.sites[answers.adminSiteIndex ?? 0]?.name ?? 'your site')}. A
        machine behind someone else&apos;s router is reached through a <em>jump host</em>: a machine the app reaches that can reach it.
      </p>
      {answers.sites.map((site, i) => (
        <fieldset key={i}>
          <legend>Machines at {site.name}</legend>
          {site.machines.length === 0 && <p className="field-hint">No machines here yet.</p>}
          {site.machines.map((m, j) => {
            const saved = preview.names[i]![j]!.saved;
            const id = preview.machineIds[i]![j]!;
            const reach = preview.reach.get(id);
            const access = m.access ?? later;
            const status = reachStatus(m, reach, keys, site.nat);
            const candidates = managed.filter((x) => x.id !== id);
            return (
              <div key={m.key ?? j} className="wizard-access-row" data-testid={`wizard-access-${saved}`}>
                <div className="wizard-access-title">
                  <strong>{saved}</strong> <span className="wizard-access-kind">{machineKindLabels[m.kind]}</span>
                </div>
                {reach?.reach !== 'unmanaged' && (
                  <div className="wizard-access-fields">
                    <label>
                      How the app reaches it
                      <select aria-label={`How the app reaches ${saved}`} value={access.how} onChange={(e) => setAccess(i, j, { how: e.currentTarget.value as WizardAccess['how'] })}>
                        {(Object.keys(howLabels) as WizardAccess['how'][]).map((how) => (
                          <option key={how} value={how}>
                            {howLabels[how]}
                          </option>
                        ))}
                      </select>
                    </label>
                    {access.how === 'jump' && (
                      <label>
                        Jump host
                        <select aria-label={`Jump host for ${saved}`} value={access.jumpHost ?? ''} onChange={(e) => setAccess(i, j, { jumpHost: e.currentTarget.value === '' ? null : e.currentTarget.value })}>
                          <option value="">Choose a machine…</option>
                          {[true, false].map((isDirect) => {
                            const group = candidates.filter((x) => direct(x) === isDirect);
                            return (
                              group.length > 0 && (
                                <optgroup key={String(isDirect)} label={isDirect ? 'Reached directly' : 'Other machines'}>
                                  {group.map((x) => (
                                    <option key={x.m.key} value={x.m.key}>
                                      {x.saved}
                                    </option>
                                  ))}
                                </optgroup>
                              )
                            );
                          })}
                        </select>
                      </label>
                    )}
                    {access.how !== 'later' && (
                      <>
                        <label>
                          SSH address
                          <input aria-label={`SSH address of ${saved}`} placeholder="192.168.1.10 or nas.local" spellCheck={false} value={access.host} onChange={(e) => setAccess(i, j, { host: e.currentTarget.value })} />
                        </label>
                        <label>
                          User
                          <input aria-label={`SSH user of ${saved}`} placeholder="root" spellCheck={false} value={access.user} onChange={(e) => setAccess(i, j, { user: e.currentTarget.value })} />
                        </label>
                      </>
                    )}
                  </div>
                )}
                <p className={`wizard-reach wizard-reach-${status.tone}`} data-testid="wizard-reach" aria-live="polite">
                  {status.text}
                </p>
              </div>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}

/** The review: the clan name, the sites, and what the new design will still need (or that it has no errors). */
function ReviewStep({ answers, preview, setClanName }: { answers: WizardAnswers; preview: Preview; setClanName: (name: string) => void }) {
  const checklist = computeChecklist(preview.problems, preview.design);
  const clanNameValid = clanNamePattern.test(answers.clanName);
  return (
    <div className="wizard-review">
      <label>
        Clan name
        <input value={answers.clanName} aria-invalid={!clanNameValid || undefined} onChange={(e) => setClanName(e.currentTarget.value)} />
        {!clanNameValid && <span className="field-hint name-hint-error">A clan name uses only letters, digits, &apos;-&apos; and &apos;_&apos;.</span>}
      </label>
      <ul>
        {answers.sites.map((site, i) => (
          <li key={i}>
            <strong>{site.name}</strong> — {siteKindLabels[site.kind]}, {natLabels[site.nat].short}, {qualityLabels[site.quality].short.toLowerCase()} link
            {answers.adminSiteIndex === i && ' (admin here)'}: {preview.names[i]!.map((n) => n.saved).join(', ') || 'no machines yet'}
          </li>
        ))}
      </ul>
      <section className={`wizard-checklist${checklist.length === 0 ? ' done' : ''}`} data-testid="wizard-checklist" aria-label="What is left">
        {checklist.length === 0 ? (
          <p>
            <strong>The new design will have no errors.</strong> Next, choose a VPN in the Choose VPN area; then the Deploy area writes the configuration and deploys it.
          </p>
        ) : (
          <>
            <p>
              <strong>After Create, the design still needs:</strong>
            </p>
            <ul>
              {checklist.map((entry) => (
                <li key={entry.key}>
                  {entry.label}
                  {entry.names.length > 0 && `: ${entry.names.join(', ')}`}
                </li>
              ))}
            </ul>
            <p className="field-hint">The problems panel lists each one with a button to the field to fill. Or go back to Access and fill them in now.</p>
          </>
        )}
      </section>
    </div>
  );
}

/**
 * "Set up a family network": sites, machines per site, where the admin sits, how the app reaches each machine,
 * then a review of what is left. Names are checked as they are typed. The result lands on the canvas as ONE undo
 * step; Create is offered from the access step on, leaving addresses for later.
 */
export function WizardDialog() {
  const setDialog = useUiStore((s) => s.setDialog);
  const setWizardSeen = useUiStore((s) => s.setWizardSeen);
  const [current, setStep] = useState<number>(step.start);
  const [answers, setAnswers] = useState<WizardAnswers>(() =>
    withKeys({ clanName: defaultDesignMeta.clanName, sites: [{ name: 'Home', kind: 'home', nat: 'nat', quality: 'good', machines: [{ name: 'server', kind: 'server' }] }], adminSiteIndex: 0 }, newKey),
  );
  const preview = usePreview(answers);
  const close = () => {
    setWizardSeen(true);
    setDialog(null);
  };
  const updateSite = (index: number, patch: Partial<WizardSite>) => setAnswers((a) => ({ ...a, sites: a.sites.map((s, i) => (i === index ? { ...s, ...patch } : s)) }));
  const updateMachine = (site: number, machine: number, patch: Partial<WizardMachine>) =>
    setAnswers((a) => ({ ...a, sites: a.sites.map((s, i) => (i !== site ? s : { ...s, machines: s.machines.map((m, j) => (j === machine ? { ...m, ...patch } : m)) })) }));
  const setAccess = (site: number, machine: number, patch: Partial<WizardAccess>) =>
    setAnswers((a) => ({
      ...a,
      sites: a.sites.map((s, i) => (i !== site ? s : { ...s, machines: s.machines.map((m, j) => (j === machine ? { ...m, access: { ...(m.access ?? later), ...patch } } : m)) })),
    }));
  const addMachine = (site: number) =>
    setAnswers((a) => {
      // A free name at once, so a new row does not start with "another machine is already called server".
      const used = new Set(checkWizardNames(a).flat().map((c) => c.saved));
      const machine: WizardMachine = { name: suggestMachineName('server', used), kind: 'server', key: newKey() };
      return { ...a, sites: a.sites.map((s, i) => (i === site ? { ...s, machines: [...s.machines, machine] } : s)) };
    });
  // The new network is one undo step; the command closes the wizard once it is on the canvas (not when the user
  // declined to replace the current design).
  const finish = () => void executeCommand(appContext, 'openWizard', { answers } satisfies WizardArgs);
  const namesGiven = answers.sites.every((s) => s.machines.every((m) => m.name.trim() !== ''));
  const canNext =
    (current !== step.sites || (answers.sites.length > 0 && answers.sites.every((s) => s.name.trim() !== ''))) && (current !== step.machines || namesGiven);

  return (
    <Modal title="Set up a family network" onClose={close} className="wide wizard" testId="wizard">
      <ol className="wizard-steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s} className={i === current ? 'current' : i < current ? 'done' : ''} aria-current={i === current ? 'step' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <div className="wizard-body">
        {current === step.start && (
          <div className="template-grid">
            {templates.map((t) => (
              <button
                key={t.id}
                type="button"
                className="template-card"
                onClick={() => {
                  setAnswers(withKeys(structuredClone(t.answers), newKey));
                  // A template knows the sites and machines, not how to reach them: that is asked next.
                  setStep(step.access);
                }}
              >
                <strong>{t.title}</strong>
                <span>{t.description}</span>
              </button>
            ))}
            <button type="button" className="template-card" onClick={() => setStep(step.sites)}>
              <strong>Start from my own sites</strong>
              <span>Describe each place your machines live, then the machines in it.</span>
            </button>
          </div>
        )}
        {current === step.sites && (
          <div className="wizard-sites">
            <p>Each site is a place with its own internet connection: your home, a relative&apos;s house, a rented server.</p>
            {answers.sites.map((site, i) => (
              <fieldset key={i} className="wizard-site">
                <legend>Site {i + 1}</legend>
                <label>
                  Name <input value={site.name} aria-invalid={site.name.trim() === '' || undefined} onChange={(e) => updateSite(i, { name: e.currentTarget.value })} />
                </label>
                <label>
                  Kind
                  <select value={site.kind} onChange={(e) => updateSite(i, { kind: e.currentTarget.value as SiteKind })}>
                    {opts(siteKindLabels)}
                  </select>
                </label>
                <label className="wide-field">
                  Internet connection
                  <select value={site.nat} onChange={(e) => updateSite(i, { nat: e.currentTarget.value as NatType })}>
                    {opts(natLabels)}
                  </select>
                </label>
                <label className="wide-field">
                  Link quality
                  <select value={site.quality} onChange={(e) => updateSite(i, { quality: e.currentTarget.value as LinkQuality })}>
                    {opts(qualityLabels)}
                  </select>
                </label>
                <button type="button" disabled={answers.sites.length === 1} onClick={() => setAnswers((a) => ({ ...a, sites: a.sites.filter((_, j) => j !== i), adminSiteIndex: 0 }))}>
                  Remove site
                </button>
              </fieldset>
            ))}
            <button type="button" onClick={() => setAnswers((a) => ({ ...a, sites: [...a.sites, { name: `Site ${a.sites.length + 1}`, kind: 'home', nat: 'nat', quality: 'good', machines: [] }] }))}>
              Add another site
            </button>
          </div>
        )}
        {current === step.machines && (
          <div className="wizard-machines">
            <p>Name each machine as you like: the app shows the name Clan will use for it (lowercase letters, digits and &apos;-&apos;).</p>
            {answers.sites.map((site, i) => (
              <fieldset key={i}>
                <legend>Machines at {site.name}</legend>
                {site.machines.map((m, j) => {
                  const check = preview.names[i]![j]!;
                  const hintId = `wizard-name-${i}-${j}`;
                  return (
                    <div key={m.key ?? j} className="wizard-machine">
                      <input
                        aria-label="Machine name"
                        aria-describedby={check.change === 'none' ? undefined : hintId}
                        aria-invalid={check.change === 'empty' || undefined}
                        value={m.name}
                        onChange={(e) => updateMachine(i, j, { name: e.currentTarget.value })}
                      />
                      <select aria-label="Kind" value={m.kind} onChange={(e) => updateMachine(i, j, { kind: e.currentTarget.value as MachineKind })}>
                        {opts(machineKindLabels)}
                      </select>
                      <button type="button" aria-label={m.name.trim() === '' ? `Remove machine ${j + 1}` : `Remove ${m.name}`} onClick={() => updateSite(i, { machines: site.machines.filter((_, k) => k !== j) })}>
                        Remove
                      </button>
                      <NameHint check={check} id={hintId} />
                    </div>
                  );
                })}
                <button type="button" onClick={() => addMachine(i)}>
                  Add a machine
                </button>
              </fieldset>
            ))}
          </div>
        )}
        {current === step.admin && (
          <fieldset className="wizard-admin">
            <legend>Where is the computer you manage the network from?</legend>
            {answers.sites.map((site, i) => (
              <label key={i}>
                <input type="radio" name="admin" checked={answers.adminSiteIndex === i} onChange={() => setAnswers((a) => ({ ...a, adminSiteIndex: i }))} /> {site.name}
              </label>
            ))}
            <p className="field-hint">Deployments start from that computer. Machines on other sites need a public address, a port forward, a jump host or the VPN to be reached.</p>
          </fieldset>
        )}
        {current === step.access && <AccessStep answers={answers} preview={preview} setAccess={setAccess} />}
        {current === step.review && <ReviewStep answers={answers} preview={preview} setClanName={(clanName) => setAnswers((a) => ({ ...a, clanName }))} />}
      </div>
      <div className="button-row">
        <button type="button" onClick={close}>
          Cancel
        </button>
        {current > step.start && (
          <button type="button" onClick={() => setStep(current - 1)}>
            Back
          </button>
        )}
        {current >= step.access && (
          // From the access step on, the design can be created as it is: what is not filled in is left for later.
          <button type="button" className={current === step.review ? 'primary' : undefined} onClick={finish} data-testid="wizard-create" disabled={!namesGiven}>
            Create design
          </button>
        )}
        {current > step.start && current < step.review && (
          <button type="button" className="primary" disabled={!canNext} onClick={() => setStep(current + 1)}>
            Next
          </button>
        )}
      </div>
    </Modal>
  );
}
