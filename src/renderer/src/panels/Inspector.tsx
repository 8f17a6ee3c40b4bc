import { useEffect, useRef, type RefObject } from 'react';
import { isLinkId, isMachineId, isSiteId } from '../../../shared/model/ids';
import { jumpHostOf } from '../../../shared/model/jumpHost';
import { checkMachineName, machineNamesInUse } from '../../../shared/model/machineNames';
import { archLabels, linkKindLabels, machineKindLabels, natLabels, qualityLabels, siteKindLabels } from '../../../shared/model/labels';
import type { CpuArch, Design, Link, LinkKind, LinkQuality, Machine, MachineId, MachineKind, NatType, Site, SiteId, SiteKind } from '../../../shared/model/types';
import { suggestVarsHelper } from '../../../shared/model/varsHelper';
import { concurrencyRange, rollbackSecondsRange } from '../../../shared/schema/designDefaults';
import { compareText } from '../../../shared/text';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { vpnIds, type VpnId } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import type { ChooseVpnArgs } from '../commands/comparisonCommands';
import type { AdminSiteArgs, DeploySettingsArgs, EditClanArgs, EditItemArgs, JumpHostArgs, MachinePatch } from '../commands/designCommands';
import { executeCommand } from '../commands/registry';
import { CheckField, NumberField, SelectField, TextField } from '../components/fields';
import { describeMachineName } from '../components/NameHint';
import { getDerived } from '../stores/derived';
import { useDesign } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { ProblemList } from './ProblemList';

// Every field is one edit, one undo step: text fields commit when they lose focus or on Enter (typing is not an
// edit), selects and checkboxes when they change.
const edit = (args: EditItemArgs) => void executeCommand(appContext, 'editItem', args);
const editClan = (args: EditClanArgs) => void executeCommand(appContext, 'editClan', args);
const editDeploy = (args: DeploySettingsArgs) => void executeCommand(appContext, 'setDeploySettings', args);
const options = <T extends string>(labels: Record<T, string | { short: string; long: string }>) =>
  (Object.keys(labels) as T[]).map((value) => {
    const label = labels[value];
    return { value, label: typeof label === 'string' ? label : label.long };
  });

function ItemProblems({ id }: { id: string }) {
  const design = useDesign((s) => s.design);
  const problems = getDerived(design).problemsById.get(id) ?? [];
  if (problems.length === 0) return null;
  return (
    <section className="inspector-problems" aria-label="Problems with this item">
      <ProblemList problems={problems} compact />
    </section>
  );
}

/** The machines another machine can be reached through: the other managed ones, by name. */
function jumpHostOptions(design: Design, machine: Machine) {
  const others = Object.values(design.machines)
    .filter((m) => m.id !== machine.id && m.managed)
    .sort((a, b) => compareText(a.name, b.name));
  return [{ value: '', label: 'None (connect directly)' }, ...others.map((m) => ({ value: m.id as string, label: m.name || 'Unnamed machine' }))];
}

function MachineInspector({ machine, design }: { machine: Machine; design: Design }) {
  const id = machine.id;
  const set = (patch: MachinePatch) => edit({ id, patch });
  const siteOptions = [{ value: '', label: 'No site' }, ...Object.values(design.sites).map((s) => ({ value: s.id as string, label: s.name || 'Unnamed site' }))];
  const vpn = design.vpn.id === null ? undefined : vpnCatalog[design.vpn.id];
  const roles = design.vpn.roles[id] ?? [];
  const toggleRole = (role: string, on: boolean) => set({ vpnRoles: on ? [...roles.filter((r) => r !== role), role] : roles.filter((r) => r !== role) });
  // A typed name is saved as the nearest name Clan accepts, and the field says so while it is typed.
  const checkName = (typed: string) => checkMachineName(typed, machineNamesInUse(design, id));
  const jumpHost = jumpHostOf(design, id);
  return (
    <>
      <h2 className="inspector-title">Machine</h2>
      <TextField
        label="Name"
        value={machine.name}
        onCommit={(typed) => {
          const check = checkName(typed);
          if (check.change !== 'empty') set({ name: check.saved });
        }}
        hint={(draft) => describeMachineName(checkName(draft))}
        testId="inspector-name"
        field="name"
      />
      <SelectField label="Kind" value={machine.kind} options={options<MachineKind>(machineKindLabels)} onChange={(kind) => set({ kind })} />
      <SelectField label="CPU architecture" value={machine.arch} options={options<CpuArch>(archLabels)} onChange={(arch) => set({ arch })} />
      <SelectField
        label="Site"
        value={(machine.siteId ?? '') as string}
        options={siteOptions}
        onChange={(siteId) => set({ siteId: siteId === '' ? null : (siteId as SiteId) })}
        field="site"
      />
      <CheckField
        label="Managed (deployed with NixOS)"
        checked={machine.managed}
        onChange={(managed) => set({ managed })}
        hint={machine.managed ? undefined : 'Shown and counted in the network, never deployed to (phones, tablets, appliances).'}
        field="managed"
      />
      <fieldset className="field-group">
        <legend>SSH target</legend>
        <TextField
          label="Host"
          value={machine.ssh?.host ?? ''}
          placeholder="192.168.1.10 or nas.local"
          onCommit={(host) => set({ ssh: host.trim() === '' && machine.ssh === null ? null : { host: host.trim(), port: machine.ssh?.port ?? 22, user: machine.ssh?.user ?? 'root' } })}
          testId="inspector-ssh-host"
          field="ssh-host"
        />
        <TextField
          label="Port"
          inputMode="numeric"
          value={String(machine.ssh?.port ?? 22)}
          onCommit={(text) => {
            const port = Number(text);
            if (Number.isInteger(port) && port >= 1 && port <= 65535) set({ ssh: { host: machine.ssh?.host ?? '', user: machine.ssh?.user ?? 'root', port } });
          }}
        />
        <TextField label="User" value={machine.ssh?.user ?? 'root'} onCommit={(user) => set({ ssh: { host: machine.ssh?.host ?? '', port: machine.ssh?.port ?? 22, user: user.trim() } })} field="ssh-user" />
        <SelectField
          label="Jump host"
          value={(jumpHost ?? '') as string}
          options={jumpHostOptions(design, machine)}
          onChange={(via) => void executeCommand(appContext, 'setJumpHost', { machineId: id, via: via === '' ? null : (via as MachineId) } satisfies JumpHostArgs)}
          hint="A machine the app reaches that can reach this one (ssh -J): for a machine behind NAT without a port forward."
          testId="inspector-jump-host"
          field="jump-host"
        />
      </fieldset>
      <TextField
        label="Public address"
        placeholder="only if others can reach it from the internet"
        value={machine.publicAddress ?? ''}
        onCommit={(a) => set({ publicAddress: a.trim() === '' ? null : a.trim() })}
        field="public-address"
      />
      <TextField
        label="Tags"
        placeholder="comma-separated"
        value={machine.tags.join(', ')}
        onCommit={(text) => set({ tags: [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t !== ''))] })}
      />
      <TextField label="Notes" multiline value={machine.notes} onCommit={(notes) => set({ notes })} />
      {/* Offered on managed machines; a helper that is not managed any more can still be unticked here. */}
      {(machine.managed || design.deploy.varsHelper === id) && (
        <CheckField
          label="Vars helper"
          checked={design.deploy.varsHelper === id}
          onChange={(on) => editDeploy({ varsHelper: on ? id : null })}
          hint="Makes the network's keys and certificates (Clan's vars) when the computer you deploy from has no Nix."
        />
      )}
      {vpn !== undefined && (
        <fieldset className="field-group" data-field="vpn-roles">
          <legend>{vpn.name} roles</legend>
          {vpn.roles.map((role) => (
            <CheckField key={role.id} label={role.label} checked={roles.includes(role.id)} onChange={(on) => toggleRole(role.id, on)} hint={role.description} />
          ))}
        </fieldset>
      )}
      <ItemProblems id={id} />
    </>
  );
}

function SiteInspector({ site, design }: { site: Site; design: Design }) {
  const set = (patch: Partial<Omit<Site, 'id'>>) => edit({ id: site.id, patch });
  const mbps = (text: string) => {
    const n = Number(text);
    return text.trim() === '' || !Number.isFinite(n) || n <= 0 ? null : n;
  };
  return (
    <>
      <h2 className="inspector-title">Site</h2>
      <TextField label="Name" value={site.name} onCommit={(name) => set({ name: name.trim() })} testId="inspector-name" field="name" />
      <SelectField label="Kind" value={site.kind} options={options<SiteKind>(siteKindLabels)} onChange={(kind) => set({ kind })} />
      <SelectField label="Internet connection (NAT)" value={site.nat} options={options<NatType>(natLabels)} onChange={(nat) => set({ nat })} testId="inspector-nat" />
      <SelectField label="Link quality" value={site.quality} options={options<LinkQuality>(qualityLabels)} onChange={(quality) => set({ quality })} />
      <div className="field-row">
        <TextField label="Download Mbit/s" inputMode="numeric" value={site.uplink.downMbps === null ? '' : String(site.uplink.downMbps)} onCommit={(t) => set({ uplink: { ...site.uplink, downMbps: mbps(t) } })} />
        <TextField label="Upload Mbit/s" inputMode="numeric" value={site.uplink.upMbps === null ? '' : String(site.uplink.upMbps)} onCommit={(t) => set({ uplink: { ...site.uplink, upMbps: mbps(t) } })} />
      </div>
      <CheckField
        label="The admin is here"
        checked={design.admin.siteId === site.id}
        onChange={(on) => void executeCommand(appContext, 'setAdminSite', { siteId: on ? site.id : null } satisfies AdminSiteArgs)}
        hint="Your own computer is on this site's network; deployments start from here."
        field="admin-here"
      />
      <ItemProblems id={site.id} />
    </>
  );
}

function LinkInspector({ link }: { link: Link }) {
  const set = (patch: Partial<Omit<Link, 'id'>>) => edit({ id: link.id, patch });
  return (
    <>
      <h2 className="inspector-title">Link</h2>
      <SelectField label="What it means" value={link.kind} options={options<LinkKind>(linkKindLabels)} onChange={(kind) => set({ kind, ports: kind === 'portForward' ? (link.ports ?? { external: 22, internal: 22 }) : null })} />
      <TextField label="Label" value={link.label} onCommit={(label) => set({ label })} />
      {link.kind === 'portForward' && (
        <div className="field-row">
          <TextField label="External port" field="external-port" inputMode="numeric" value={String(link.ports?.external ?? '')} onCommit={(t) => Number.isInteger(Number(t)) && set({ ports: { external: Number(t), internal: link.ports?.internal ?? Number(t) } })} />
          <TextField label="Internal port" inputMode="numeric" value={String(link.ports?.internal ?? '')} onCommit={(t) => Number.isInteger(Number(t)) && set({ ports: { internal: Number(t), external: link.ports?.external ?? Number(t) } })} />
        </div>
      )}
      <ItemProblems id={link.id} />
    </>
  );
}

/** Problems of the deploy settings: shown in the group too, so what is wrong is said where it is changed. */
const deployProblemCodes: ReadonlySet<string> = new Set(['varsHelperUnusable', 'varsHelperNotChosen']);

/** The clan's deploy settings: the vars helper, the rollback time limit and how many machines at once. */
function DeploySettingsGroup({ design }: { design: Design }) {
  const { varsHelper, rollbackSeconds, concurrency } = design.deploy;
  // Managed machines can be chosen; a chosen one that is not managed any more stays listed so the select shows it.
  const choices = Object.values(design.machines)
    .filter((m) => m.managed || m.id === varsHelper)
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
  // The "none" entry says what none means: the machine the deploy would pick by itself.
  const suggestion = suggestVarsHelper(design);
  const none = suggestion === undefined ? 'None chosen' : `None: the deploy picks ${suggestion.machine.name}`;
  const problems = getDerived(design).problems.filter((p) => deployProblemCodes.has(p.code));
  return (
    <fieldset className="field-group" aria-label="Deploy">
      <legend>Deploy</legend>
      <SelectField
        label="Vars helper (for deploying without Nix)"
        value={(varsHelper ?? '') as string}
        options={[{ value: '', label: none }, ...choices.map((m) => ({ value: m.id as string, label: m.managed ? m.name || 'Unnamed machine' : `${m.name} (not managed)` }))]}
        onChange={(id) => editDeploy({ varsHelper: id === '' ? null : (id as MachineId) })}
        testId="inspector-vars-helper"
        field="vars-helper"
      />
      <NumberField
        label="Rollback time limit"
        unit="seconds"
        value={rollbackSeconds}
        min={rollbackSecondsRange.min}
        max={rollbackSecondsRange.max}
        onCommit={(value) => editDeploy({ rollbackSeconds: value })}
        testId="inspector-rollback-seconds"
      />
      <NumberField
        label="Machines deployed at once"
        unit="per wave"
        value={concurrency}
        min={concurrencyRange.min}
        max={concurrencyRange.max}
        onCommit={(value) => editDeploy({ concurrency: value })}
        testId="inspector-concurrency"
      />
      <p className="inspector-hint">
        The vars helper makes the network&apos;s keys and certificates (Clan&apos;s vars) when the computer you deploy from has no Nix. A machine that switched to
        a new configuration rolls back by itself unless the app confirms it within the time limit.
      </p>
      {problems.length > 0 && (
        <section className="inspector-problems" aria-label="Problems with the deploy settings">
          <ProblemList problems={problems} compact />
        </section>
      )}
    </fieldset>
  );
}

function DesignInspector({ design }: { design: Design }) {
  const machines = Object.values(design.machines);
  return (
    <>
      <h2 className="inspector-title">Clan</h2>
      <TextField label="Clan name" value={design.meta.clanName} onCommit={(clanName) => editClan({ clanName: clanName.trim() })} field="clan-name" />
      <TextField label="Domain" value={design.meta.domain} onCommit={(domain) => editClan({ domain: domain.trim() })} field="domain" />
      <TextField label="Description" multiline value={design.meta.description} onCommit={(description) => editClan({ description })} />
      <SelectField
        label="Mesh VPN"
        value={(design.vpn.id ?? '') as VpnId | ''}
        options={[{ value: '' as VpnId | '', label: 'Not chosen yet' }, ...vpnIds.map((id) => ({ value: id as VpnId | '', label: vpnCatalog[id].name }))]}
        // Choosing a VPN also assigns its roles (controller on the best public machine, ...): one undo step.
        onChange={(id) => void executeCommand(appContext, 'chooseVpn', { vpn: id === '' ? null : id } satisfies ChooseVpnArgs)}
        testId="inspector-vpn"
      />
      <TextField label="VPN instance name" value={design.vpn.instance} onCommit={(instance) => editClan({ vpnInstance: instance.trim() })} field="vpn-instance" />
      <DeploySettingsGroup design={design} />
      <p className="inspector-summary">
        {Object.keys(design.sites).length} sites · {machines.length} machines ({machines.filter((m) => m.managed).length} managed) · {Object.keys(design.links).length} links
        {design.vpn.id !== null && ` · VPN: ${vpnCatalog[design.vpn.id].name}`}
      </p>
      <p className="inspector-hint">Select a site, machine or link to edit it.</p>
    </>
  );
}

/** How long a request to focus a field waits for the inspector to show it (the Design area may be opening). */
const focusRequestLifetimeMs = 3000;

/**
 * Puts the cursor in the field a problem asked for ("Enter the SSH address"), once the inspector shows the item: the
 * problems panel, the Deploy area and the checklist send a focus request with the field's name (data-field).
 */
function useFieldFocus(inspector: RefObject<HTMLElement | null>, selectedIds: readonly string[]) {
  const focusRequest = useSelectionStore((s) => s.focusRequest);
  const done = useRef<typeof focusRequest>(null);
  useEffect(() => {
    if (focusRequest === null || focusRequest.field === null || done.current === focusRequest) return;
    // A request is for now: coming back to the Design area later does not move the cursor again.
    if (Date.now() - focusRequest.at > focusRequestLifetimeMs) return;
    // Wait until the inspector shows the requested item (or the clan's settings, for a request without items).
    const wanted = focusRequest.ids;
    if (wanted.length !== selectedIds.length || wanted.some((id, i) => id !== selectedIds[i])) return;
    const marked = inspector.current?.querySelector<HTMLElement>(`[data-field="${focusRequest.field}"]`);
    if (marked === null || marked === undefined) return;
    done.current = focusRequest;
    // A group (the VPN roles) takes the cursor in its first control.
    const field = marked.matches('input, select, textarea') ? marked : marked.querySelector<HTMLElement>('input, select, textarea');
    if (field === null) return;
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: 'nearest' });
    field.classList.remove('field-arrived');
    void field.offsetWidth;
    field.classList.add('field-arrived');
  }, [focusRequest, selectedIds, inspector]);
}

/** The properties of the selection, with inline validation. */
export function Inspector() {
  const selectedIds = useSelectionStore((s) => s.selectedIds);
  const design = useDesign((s) => s.design);
  const ref = useRef<HTMLElement>(null);
  useFieldFocus(ref, selectedIds);
  let body;
  if (selectedIds.length > 1) body = <p className="inspector-hint">{selectedIds.length} items selected. Drag to move them together, or press Delete to remove them.</p>;
  else {
    const id = selectedIds[0];
    const machine = id !== undefined && isMachineId(id) ? design.machines[id] : undefined;
    const site = id !== undefined && isSiteId(id) ? design.sites[id] : undefined;
    const link = id !== undefined && isLinkId(id) ? design.links[id] : undefined;
    if (machine !== undefined) body = <MachineInspector key={machine.id} machine={machine} design={design} />;
    else if (site !== undefined) body = <SiteInspector key={site.id} site={site} design={design} />;
    else if (link !== undefined) body = <LinkInspector key={link.id} link={link} />;
    else body = <DesignInspector design={design} />;
  }
  return (
    <aside ref={ref} className="inspector" aria-label="Inspector">
      {body}
    </aside>
  );
}
