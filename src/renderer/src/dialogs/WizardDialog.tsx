import { useState } from 'react';
import { machineKindLabels, natLabels, qualityLabels, siteKindLabels } from '../../../shared/model/labels';
import { templates, type WizardAnswers, type WizardSite } from '../../../shared/model/templates';
import type { WizardArgs } from '../commands/designCommands';
import type { LinkQuality, MachineKind, NatType, SiteKind } from '../../../shared/model/types';
import { appContext } from '../app/appContext';
import { executeCommand } from '../commands/registry';
import { useUiStore } from '../stores/uiStore';
import { Modal } from './Modal';
import { defaultDesignMeta } from '../../../shared/schema/designDefaults';

const steps = ['Start', 'Sites', 'Machines', 'Admin', 'Review'] as const;
const blankSite = (): WizardSite => ({ name: 'Home', kind: 'home', nat: 'nat', quality: 'good', machines: [{ name: 'server', kind: 'server' }] });
const opts = <T extends string>(labels: Record<T, string | { short: string; long: string }>) =>
  (Object.keys(labels) as T[]).map((v) => (
    <option key={v} value={v}>
      {typeof labels[v] === 'string' ? (labels[v] as string) : (labels[v] as { long: string }).long}
    </option>
  ));

/**
 * "Set up a family network": sites, then machines per site, then where the admin sits, then a review. The
 * result lands on the canvas as ONE undo step.
 */
export function WizardDialog() {
  const setDialog = useUiStore((s) => s.setDialog);
  const setWizardSeen = useUiStore((s) => s.setWizardSeen);
  const [step, setStep] = useState(0);
  const [answers, setAnswers] = useState<WizardAnswers>({ clanName: defaultDesignMeta.clanName, sites: [blankSite()], adminSiteIndex: 0 });
  const close = () => {
    setWizardSeen(true);
    setDialog(null);
  };
  const updateSite = (index: number, patch: Partial<WizardSite>) => setAnswers((a) => ({ ...a, sites: a.sites.map((s, i) => (i === index ? { ...s, ...patch } : s)) }));
  // The new network is one undo step; the command closes the wizard once it is on the canvas (not when the user
  // declined to replace the current design).
  const finish = () => void executeCommand(appContext, 'openWizard', { answers } satisfies WizardArgs);
  const canNext = step !== 1 || (answers.sites.length > 0 && answers.sites.every((s) => s.name.trim() !== ''));

  return (
    <Modal title="Set up a family network" onClose={close} className="wide wizard" testId="wizard">
      <ol className="wizard-steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s} className={i === step ? 'current' : i < step ? 'done' : ''} aria-current={i === step ? 'step' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <div className="wizard-body">
        {step === 0 && (
          <div className="template-grid">
            {templates.map((t) => (
              <button
                key={t.id}
                type="button"
                className="template-card"
                onClick={() => {
                  setAnswers(structuredClone(t.answers));
                  setStep(4);
                }}
              >
                <strong>{t.title}</strong>
                <span>{t.description}</span>
              </button>
            ))}
            <button type="button" className="template-card" onClick={() => setStep(1)}>
              <strong>Start from my own sites</strong>
              <span>Describe each place your machines live, then the machines in it.</span>
            </button>
          </div>
        )}
        {step === 1 && (
          <div className="wizard-sites">
            <p>Each site is a place with its own internet connection: your home, a relative's house, a rented server.</p>
            {answers.sites.map((site, i) => (
              <fieldset key={i} className="wizard-site">
                <legend>Site {i + 1}</legend>
                <label>
                  Name <input value={site.name} onChange={(e) => updateSite(i, { name: e.currentTarget.value })} />
                </label>
                <label>
                  Kind
                  <select value={site.kind} onChange={(e) => updateSite(i, { kind: e.currentTarget.value as SiteKind })}>
                    {opts(siteKindLabels)}
                  </select>
                </label>
                <label>
                  Internet connection
                  <select value={site.nat} onChange={(e) => updateSite(i, { nat: e.currentTarget.value as NatType })}>
                    {opts(natLabels)}
                  </select>
                </label>
                <label>
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
            <button type="button" onClick={() => setAnswers((a) => ({ ...a, sites: [...a.sites, { ...blankSite(), name: `Site ${a.sites.length + 1}`, machines: [] }] }))}>
              Add another site
            </button>
          </div>
        )}
        {step === 2 && (
          <div className="wizard-machines">
            {answers.sites.map((site, i) => (
              <fieldset key={i}>
                <legend>Machines at {site.name}</legend>
                {site.machines.map((m, j) => (
                  <div key={j} className="wizard-machine">
                    <input aria-label="Machine name" value={m.name} onChange={(e) => updateSite(i, { machines: site.machines.map((x, k) => (k === j ? { ...x, name: e.currentTarget.value } : x)) })} />
                    <select aria-label="Kind" value={m.kind} onChange={(e) => updateSite(i, { machines: site.machines.map((x, k) => (k === j ? { ...x, kind: e.currentTarget.value as MachineKind } : x)) })}>
                      {opts(machineKindLabels)}
                    </select>
                    <button type="button" aria-label={`Remove ${m.name}`} onClick={() => updateSite(i, { machines: site.machines.filter((_, k) => k !== j) })}>
                      Remove
                    </button>
                  </div>
                ))}
                <button type="button" onClick={() => updateSite(i, { machines: [...site.machines, { name: 'machine', kind: 'server' }] })}>
                  Add a machine
                </button>
              </fieldset>
            ))}
          </div>
        )}
        {step === 3 && (
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
        {step === 4 && (
          <div className="wizard-review">
            <label>
              Clan name <input value={answers.clanName} onChange={(e) => setAnswers((a) => ({ ...a, clanName: e.currentTarget.value }))} />
            </label>
            <ul>
              {answers.sites.map((site, i) => (
                <li key={i}>
                  <strong>{site.name}</strong> — {siteKindLabels[site.kind]}, {natLabels[site.nat].short}, {qualityLabels[site.quality].short.toLowerCase()} link
                  {answers.adminSiteIndex === i && ' (admin here)'}: {site.machines.map((m) => m.name).join(', ') || 'no machines yet'}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <div className="button-row">
        <button type="button" onClick={close}>
          Cancel
        </button>
        {step > 0 && (
          <button type="button" onClick={() => setStep(step === 4 && answers.sites.length > 0 && step - 1 === 3 ? 3 : step - 1)}>
            Back
          </button>
        )}
        {step > 0 && step < 4 && (
          <button type="button" className="primary" disabled={!canNext} onClick={() => setStep(step + 1)}>
            Next
          </button>
        )}
        {step === 4 && (
          <button type="button" className="primary" onClick={finish} data-testid="wizard-create">
            Create design
          </button>
        )}
      </div>
    </Modal>
  );
}
