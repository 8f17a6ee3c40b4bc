import { isLinkId, isMachineId, isSiteId } from '../../../shared/model/ids';
import { machineKindLabels, siteKindLabels } from '../../../shared/model/labels';
import {
  deleteItems,
  extractFragment,
  insertFragment,
  makeMachine,
  makeSite,
  moveItems,
  putLink,
  putMachine,
  putSite,
  setAdminSite,
  setDeploySettings,
  uniqueMachineName,
  updateLink,
  updateMachine,
  updateSite,
} from '../../../shared/model/ops';
import { setJumpHost } from '../../../shared/model/jumpHost';
import { checkMachineName, machineNamesInUse } from '../../../shared/model/machineNames';
import { PLACEMENT_GAP } from '../../../shared/model/placement';
import { buildDesignFromAnswers, siteSizeFor, type WizardAnswers } from '../../../shared/model/templates';
import type { DeploySettings, Design, Link, LinkId, Machine, MachineId, MachineKind, Site, SiteId, SiteKind } from '../../../shared/model/types';
import { applyFix } from '../../../shared/validation/fixes';
import type { Fix } from '../../../shared/validation/types';
import { loadChunk, reportChunkFailure } from '../app/chunks';
import { computeAutoLayout } from '../canvas/autoLayout';
import { movesForDrag, resizeSite, type DraggedNode } from '../canvas/canvasActions';
import { areas, type AreaId } from '../stores/uiStore';
import { clearChangeNotice } from './changeNotice';
import { newDocument, saveCurrent } from './fileActions';
import { fitSiteAround, placeInNewSite, placeNewMachine, settleMachines, sizeOfFor } from './placementCommands';
import { key, mod, primary, redoShortcut } from './keys';
import type { Command, CommandContext, CommandResult, ExportKind } from './types';

// The Design area's commands and the window's own (areas, palette, help). Every one that changes the design returns
// the new design from perform; executeCommand records it as its capture mode says.

const selectedIds = (ctx: CommandContext) => ctx.selection.getState().selectedIds;
const currentDesign = (ctx: CommandContext) => ctx.design.getState().design;
const hasArgs = (_ctx: CommandContext, args?: unknown) => args !== undefined;

/** Arguments of the insert commands: what to add and, optionally, where (a canvas point). */
export interface InsertArgs {
  kind?: string;
  at?: { x: number; y: number };
}

/** Arguments of rename when an inline rename on the canvas ends: the new name, or null when it was cancelled. */
export interface RenameArgs {
  id: string;
  name: string | null;
}

/** Arguments of moveItems: the nodes of a finished drag where React Flow left them. */
export interface MoveArgs {
  dragged: readonly DraggedNode[];
}

/** Arguments of resizeSite: the site's new box, as the resize handles left it. */
export interface ResizeArgs {
  id: string;
  box: { x: number; y: number; width: number; height: number };
}

/** A machine's fields as the inspector changes them, plus its roles in the chosen VPN. */
export type MachinePatch = Partial<Omit<Machine, 'id'>> & { vpnRoles?: readonly string[] };

/** Arguments of editItem: one item and the fields to change (one inspector field is one edit). */
export type EditItemArgs = { id: MachineId; patch: MachinePatch } | { id: SiteId; patch: Partial<Omit<Site, 'id'>> } | { id: LinkId; patch: Partial<Omit<Link, 'id'>> };

/** Arguments of editClan: the clan's own settings. */
export interface EditClanArgs {
  clanName?: string;
  domain?: string;
  description?: string;
  vpnInstance?: string;
}

/** Arguments of connectMachines when a connection was drawn between two handles. */
export interface ConnectArgs {
  source: MachineId;
  target: MachineId;
}

/** Arguments of setAdminSite from the inspector's checkbox: the site, or null for "nowhere". */
export interface AdminSiteArgs {
  siteId: SiteId | null;
}

/** Arguments of setDeploySettings: the deploy settings to change (one inspector field is one edit). */
export type DeploySettingsArgs = Partial<DeploySettings>;

/** Arguments of useAsVarsHelper: the machine; without them, the one selected machine. */
export interface VarsHelperArgs {
  machineId: MachineId;
}

/** Arguments of applyFix: a problem's one-click fix, and the items to select afterwards (the problem's own). */
export interface ApplyFixArgs {
  fix: Fix;
  select?: readonly string[];
}

/** Arguments of setJumpHost: the machine, and the machine the app goes through to reach it (null: none). */
export interface JumpHostArgs {
  machineId: MachineId;
  via: MachineId | null;
}

/** Arguments of openWizard when the wizard finishes: the answers to build the design from. */
export interface WizardArgs {
  answers: WizardAnswers;
}

/** Adds a site of a kind at a canvas point. */
export function addSiteResult(ctx: CommandContext, kind: SiteKind, at: { x: number; y: number }): CommandResult {
  const design = currentDesign(ctx);
  const id = ctx.ids.site();
  const defaults: Record<SiteKind, { nat: Design['sites'][SiteId]['nat']; name: string }> = {
    home: { nat: 'nat', name: 'Home' },
    family: { nat: 'nat', name: "Family member's home" },
    office: { nat: 'nat', name: 'Office' },
    cloud: { nat: 'public', name: 'Cloud VPS' },
    mobile: { nat: 'cgnat', name: 'On the road' },
  };
  const size = siteSizeFor(3);
  const site = makeSite(id, { kind, nat: defaults[kind].nat, name: defaults[kind].name, position: { x: Math.round(at.x - size.width / 2), y: Math.round(at.y - size.height / 2) }, size });
  return { design: putSite(design, site), select: [id] };
}

/**
 * Adds a machine of a kind in free space: dropped at a canvas point, inside the site there (or outside every site);
 * without a point, inside the selected site or the one in view (placementCommands.placeNewMachine).
 */
export function addMachineResult(ctx: CommandContext, kind: MachineKind, at?: { x: number; y: number }): CommandResult {
  const design = currentDesign(ctx);
  const id = ctx.ids.machine();
  const base = kind === 'sbc' ? 'pi' : kind;
  const machine = makeMachine(id, { kind, name: uniqueMachineName(design, base) });
  return { design: placeNewMachine(ctx, putMachine(design, machine), id, at), select: [id] };
}

function deletionMessage(design: Design, ids: readonly string[]): { needsConfirm: boolean; message: string } {
  const { report } = deleteItems(design, ids);
  const selectedMachines = ids.filter(isMachineId).length;
  const cascadedMachines = report.machines.length - selectedMachines;
  const parts: string[] = [];
  if (cascadedMachines > 0) parts.push(`${cascadedMachines} machine${cascadedMachines === 1 ? '' : 's'} inside the deleted site${report.sites.length === 1 ? '' : 's'}`);
  if (report.roles.length > 0) parts.push(`the VPN role${report.roles.length === 1 ? '' : 's'} ${report.roles.map((r) => `“${r}”`).join(', ')}`);
  if (report.adminLocationCleared) parts.push('the admin location');
  if (report.varsHelperCleared) parts.push(`the choice of “${design.machines[design.deploy.varsHelper!]!.name}” as the vars helper`);
  return {
    needsConfirm: parts.length > 0,
    message: `This also removes ${parts.join(', ')}. You can undo it afterwards.`,
  };
}

/** The machine useAsVarsHelper would make the helper: the one in its arguments, or the one selected machine. */
function varsHelperTarget(ctx: CommandContext, args: unknown): Machine | undefined {
  const ids = selectedIds(ctx);
  const id = args === undefined ? (ids.length === 1 && isMachineId(ids[0]!) ? ids[0] : undefined) : (args as VarsHelperArgs).machineId;
  return id === undefined ? undefined : currentDesign(ctx).machines[id as MachineId];
}

/** Drops selected ids that no longer exist (after undo, redo or delete). */
function pruneSelection(ctx: CommandContext): void {
  const design = currentDesign(ctx);
  const ids = selectedIds(ctx).filter((id) => design.sites[id as SiteId] !== undefined || design.machines[id as MachineId] !== undefined || design.links[id as LinkId] !== undefined);
  ctx.selection.getState().select(ids);
}

/** A machine's roles in the chosen VPN replaced by `roles` (none: the machine has no entry). */
function withVpnRoles(design: Design, id: MachineId, roles: readonly string[]): Design {
  const all = { ...design.vpn.roles };
  if (roles.length === 0) delete all[id];
  else all[id] = [...roles];
  return { ...design, vpn: { ...design.vpn, roles: all } };
}

function editItem(ctx: CommandContext, design: Design, args: EditItemArgs): Design {
  const { id } = args;
  if (isMachineId(id)) {
    const { vpnRoles, ...fields } = args.patch as MachinePatch;
    // A new site decides the place: free space in that site, never a fixed spot another machine may hold.
    const changed = Object.keys(fields).length === 0 ? design : updateMachine(design, id, fields);
    const next = fields.siteId === undefined ? changed : placeInNewSite(ctx, design, changed, id);
    return vpnRoles === undefined ? next : withVpnRoles(next, id, vpnRoles);
  }
  if (isSiteId(id)) return updateSite(design, id, args.patch as Partial<Omit<Site, 'id'>>);
  if (isLinkId(id)) return updateLink(design, id, args.patch as Partial<Omit<Link, 'id'>>);
  return design;
}

/**
 * Pasted or duplicated machines in free space: the copies land 32 px off the originals, on top of them. A copy that
 * came with its own (pasted) site keeps its place in it; the pasted sites are where the user put them.
 */
function settlePasted(ctx: CommandContext, design: Design, newIds: readonly string[]): Design {
  const pastedSites = new Set(newIds.filter(isSiteId));
  const loose = newIds.filter((id) => isMachineId(id) && !pastedSites.has(design.machines[id]?.siteId as SiteId));
  return settleMachines(ctx, design, loose, PLACEMENT_GAP);
}

/** Whether an item exists in the design. */
function exists(design: Design, id: string): boolean {
  return design.machines[id as MachineId] !== undefined || design.sites[id as SiteId] !== undefined || design.links[id as LinkId] !== undefined;
}

/**
 * Lays the design out with ELK in a Web Worker, downloaded on first use; null when the engine could not be loaded
 * or failed (the user is told why). The first layout takes a moment: a note says what is going on.
 */
async function layOut(ctx: CommandContext, design: Design): Promise<Design | null> {
  const busyMessage = 'Tidying up the layout…';
  const busy = setTimeout(() => ctx.notify(busyMessage), 300);
  try {
    const { layoutInWorker } = await loadChunk('the layout engine', () => import('../canvas/elkLayout'));
    return await computeAutoLayout(design, layoutInWorker, sizeOfFor(ctx));
  } catch (error) {
    if (!reportChunkFailure(error)) {
      console.error('Tidy up layout failed', error);
      ctx.notify('Could not tidy up the layout: the layout engine stopped with an error. The design was not changed.');
    }
    return null;
  } finally {
    clearTimeout(busy);
    ctx.clearNotice(busyMessage);
  }
}

/**
 * An export of the design (exportImage.ts): the drawing as a picture, or the one-page network sheet. The canvas
 * makes it, from the design and the sizes it measured; an empty design has nothing to export.
 */
function exportCommand(id: string, label: string, kind: ExportKind, keywords: readonly string[]): Command {
  return {
    id,
    label,
    group: 'file',
    capture: 'never',
    keywords: ['export', ...keywords],
    predicate: (ctx) => ctx.view !== null && (Object.keys(currentDesign(ctx).sites).length > 0 || Object.keys(currentDesign(ctx).machines).length > 0),
    perform: (ctx) => ctx.view?.exportImage(kind),
  };
}

/** One command per work area: Ctrl/Cmd+1..4 from anywhere in the window. */
function areaCommand(area: (typeof areas)[number]): Command {
  const ids: Record<AreaId, string> = { design: 'showDesignArea', 'choose-vpn': 'showChooseVpnArea', deploy: 'showDeployArea', assistant: 'showAssistantArea' };
  return {
    id: ids[area.id],
    label: `Go to ${area.label}`,
    group: 'view',
    capture: 'never',
    keywords: ['area', 'tab', 'switch'],
    shortcut: `${mod}${area.shortcut}`,
    keyScope: 'anywhere',
    // Ctrl or Cmd on every platform, as the tabs' tooltips say.
    keyTest: (e) => (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key === area.shortcut,
    perform: (ctx) => ctx.ui.getState().setActiveArea(area.id),
  };
}

/** The file, edit, insert, network and view commands, and the window's own. */
export const designCommands: readonly Command[] = [
  // ---- file
  {
    id: 'newDesign',
    label: 'New design',
    group: 'file',
    capture: 'never',
    shortcut: `${mod}N`,
    keywords: ['empty', 'start'],
    keyScope: 'anywhere',
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'n'),
    perform: async (ctx) => {
      await newDocument(ctx);
    },
  },
  {
    id: 'openDesign',
    label: 'Open…',
    group: 'file',
    capture: 'never',
    shortcut: `${mod}O`,
    keyScope: 'anywhere',
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'o'),
    predicate: (ctx) => ctx.backend !== null,
    perform: (ctx) => ctx.ui.getState().openDialog('open'),
  },
  {
    id: 'save',
    label: 'Save',
    group: 'file',
    capture: 'never',
    shortcut: `${mod}S`,
    keyScope: 'anywhere',
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 's'),
    predicate: (ctx) => ctx.backend !== null,
    perform: async (ctx) => {
      await saveCurrent(ctx, false);
    },
  },
  {
    id: 'saveAs',
    label: 'Save as…',
    group: 'file',
    capture: 'never',
    shortcut: `${mod}Shift+S`,
    keyScope: 'anywhere',
    keyTest: (e) => primary(e) && e.shiftKey && key(e, 's'),
    predicate: (ctx) => ctx.backend !== null,
    perform: (ctx) => ctx.ui.getState().openDialog('saveAs'),
  },
  {
    id: 'openWizard',
    label: 'Set up a family network…',
    group: 'file',
    // Run with the wizard's answers, the whole new network is one undo step ("Replace the current design?" says so).
    capture: 'immediately',
    keywords: ['wizard', 'template', 'first run'],
    perform: async (ctx, args) => {
      if (args === undefined) {
        ctx.ui.getState().openDialog('wizard');
        return;
      }
      const { answers } = args as WizardArgs;
      const design = currentDesign(ctx);
      const isEmpty = Object.keys(design.sites).length === 0 && Object.keys(design.machines).length === 0;
      if (!isEmpty && !(await ctx.confirm('Replace the current design?', 'The wizard builds a new design on the canvas. You can undo it afterwards.'))) return;
      // Re-read: the design may have changed while the question was open. The clan's settings stay.
      const base = currentDesign(ctx);
      const next = buildDesignFromAnswers(answers, ctx.ids, {
        ...base,
        sites: {},
        machines: {},
        links: {},
        vpn: { ...base.vpn, id: null, roles: {} },
        admin: { siteId: null },
        // The machines are new, so the old vars helper is gone; the rollback time limit and concurrency stay.
        deploy: { ...base.deploy, varsHelper: null },
      });
      const ui = ctx.ui.getState();
      ui.setWizardSeen(true);
      ui.setDialog(null);
      return { design: next, select: [], fitView: true };
    },
  },
  // ---- edit
  {
    id: 'undo',
    label: 'Undo',
    group: 'edit',
    // Steps through the history instead of adding to it.
    capture: 'never',
    shortcut: `${mod}Z`,
    keyScope: 'outsideFields',
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'z'),
    predicate: (ctx) => ctx.design.temporal.getState().pastStates.length > 0 || ctx.design.getState().gestureStart !== null,
    perform: (ctx) => {
      ctx.design.getState().undo();
      clearChangeNotice(ctx);
      pruneSelection(ctx);
    },
  },
  {
    id: 'redo',
    label: 'Redo',
    group: 'edit',
    capture: 'never',
    shortcut: redoShortcut,
    keyScope: 'outsideFields',
    keyTest: (e) => primary(e) && ((e.shiftKey && key(e, 'z')) || (!e.shiftKey && key(e, 'y'))),
    predicate: (ctx) => ctx.design.temporal.getState().futureStates.length > 0 && ctx.design.getState().gestureStart === null,
    perform: (ctx) => {
      ctx.design.getState().redo();
      clearChangeNotice(ctx);
      pruneSelection(ctx);
    },
  },
  {
    id: 'copy',
    label: 'Copy',
    group: 'edit',
    capture: 'never',
    shortcut: `${mod}C`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'c'),
    predicate: (ctx) => selectedIds(ctx).length > 0,
    perform: (ctx) => {
      ctx.clipboard.fragment = extractFragment(currentDesign(ctx), selectedIds(ctx));
    },
  },
  {
    id: 'cut',
    label: 'Cut',
    group: 'edit',
    capture: 'immediately',
    shortcut: `${mod}X`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'x'),
    predicate: (ctx) => selectedIds(ctx).length > 0,
    perform: (ctx) => {
      const design = currentDesign(ctx);
      ctx.clipboard.fragment = extractFragment(design, selectedIds(ctx));
      return { design: deleteItems(design, selectedIds(ctx)).design, select: [] };
    },
  },
  {
    id: 'paste',
    label: 'Paste',
    group: 'edit',
    capture: 'immediately',
    shortcut: `${mod}V`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'v'),
    predicate: (ctx) => ctx.clipboard.fragment !== null,
    perform: (ctx) => {
      const { design, newIds } = insertFragment(currentDesign(ctx), ctx.clipboard.fragment!, ctx.ids, { x: 32, y: 32 });
      return { design: settlePasted(ctx, design, newIds), select: newIds.filter((id) => !id.startsWith('link_')) };
    },
  },
  {
    id: 'duplicate',
    label: 'Duplicate',
    group: 'edit',
    capture: 'immediately',
    shortcut: `${mod}D`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'd'),
    predicate: (ctx) => selectedIds(ctx).some((id) => isSiteId(id) || isMachineId(id)),
    perform: (ctx) => {
      const design = currentDesign(ctx);
      const fragment = extractFragment(design, selectedIds(ctx));
      const { design: next, newIds } = insertFragment(design, fragment, ctx.ids, { x: 32, y: 32 });
      return { design: settlePasted(ctx, next, newIds), select: newIds.filter((id) => !id.startsWith('link_')) };
    },
  },
  {
    id: 'deleteSelection',
    label: 'Delete',
    group: 'edit',
    capture: 'immediately',
    shortcut: 'Delete',
    keyTest: (e) => (e.key === 'Delete' || e.key === 'Backspace') && !e.ctrlKey && !e.metaKey && !e.altKey,
    predicate: (ctx) => selectedIds(ctx).length > 0,
    perform: async (ctx) => {
      const ids = selectedIds(ctx);
      const design = currentDesign(ctx);
      const { needsConfirm, message } = deletionMessage(design, ids);
      if (needsConfirm && !(await ctx.confirm('Delete the selection?', message))) return;
      // Re-read: the design may have changed while the dialog was open.
      return { design: deleteItems(currentDesign(ctx), ids).design, select: [] };
    },
  },
  {
    id: 'selectAll',
    label: 'Select all',
    group: 'edit',
    capture: 'never',
    shortcut: `${mod}A`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'a'),
    perform: (ctx) => {
      const design = currentDesign(ctx);
      ctx.selection.getState().select([...Object.keys(design.sites), ...Object.keys(design.machines)]);
    },
  },
  {
    id: 'rename',
    label: 'Rename',
    group: 'edit',
    // Without arguments it starts the inline rename; the rename's end (Enter or leaving the field) is one edit.
    capture: 'immediately',
    shortcut: 'F2',
    keyTest: (e) => e.key === 'F2',
    predicate: (ctx, args) => (args === undefined ? selectedIds(ctx).length === 1 && (isSiteId(selectedIds(ctx)[0]!) || isMachineId(selectedIds(ctx)[0]!)) : true),
    perform: (ctx, args) => {
      const selection = ctx.selection.getState();
      if (args === undefined) {
        selection.setEditing(selectedIds(ctx)[0]!);
        return;
      }
      const { id, name } = args as RenameArgs;
      // Enter ends the rename and the field's blur follows: only the first of them counts.
      if (selection.editingId !== id) return;
      selection.setEditing(null);
      if (name === null) return;
      const trimmed = name.trim();
      const design = currentDesign(ctx);
      // A machine is saved under the nearest name Clan accepts; the rename field said which while it was typed.
      const check = isMachineId(id) ? checkMachineName(trimmed, machineNamesInUse(design, id)) : null;
      if (isMachineId(id) && check !== null && check.change !== 'empty') return { design: updateMachine(design, id, { name: check.saved }) };
      if (isSiteId(id)) return { design: updateSite(design, id, { name: trimmed }) };
    },
  },
  {
    id: 'moveItems',
    label: 'Move items',
    group: 'edit',
    // The drag's intermediate positions live in the transient store; the finished drag is this one edit.
    capture: 'immediately',
    gesture: 'Drag sites and machines on the canvas',
    keywords: ['drag', 'position', 'place'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const design = currentDesign(ctx);
      const moves = movesForDrag(design, (args as MoveArgs).dragged);
      // Dropped on another machine it moves aside; dropped half out of its site, the site grows around it.
      return moves.length === 0 ? undefined : { design: settleMachines(ctx, moveItems(design, moves), moves.map((m) => m.id)) };
    },
  },
  {
    id: 'resizeSite',
    label: 'Resize a site',
    group: 'edit',
    capture: 'immediately',
    gesture: 'Drag the edge or corner of a selected site',
    keywords: ['size', 'bigger', 'smaller'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const { id, box } = args as ResizeArgs;
      const design = currentDesign(ctx);
      // Never smaller than what it holds: the site keeps room for all its machines.
      return isSiteId(id) && design.sites[id] !== undefined ? { design: fitSiteAround(ctx, resizeSite(design, id, box), id) } : undefined;
    },
  },
  {
    id: 'editItem',
    label: 'Edit a site, machine or link',
    group: 'edit',
    capture: 'immediately',
    gesture: 'Select it and change its fields in the inspector',
    keywords: ['properties', 'inspector', 'nat', 'ssh', 'address', 'roles', 'port'],
    predicate: (ctx, args) => args !== undefined && exists(currentDesign(ctx), (args as EditItemArgs).id),
    perform: (ctx, args) => ({ design: editItem(ctx, currentDesign(ctx), args as EditItemArgs) }),
  },
  {
    id: 'editClan',
    label: 'Edit the clan settings',
    group: 'edit',
    capture: 'immediately',
    gesture: 'Click an empty spot on the canvas and change them in the inspector',
    keywords: ['clan name', 'domain', 'description', 'instance'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const { vpnInstance, ...meta } = args as EditClanArgs;
      const design = currentDesign(ctx);
      return {
        design: {
          ...design,
          meta: { ...design.meta, ...meta },
          vpn: vpnInstance === undefined ? design.vpn : { ...design.vpn, instance: vpnInstance },
        },
      };
    },
  },
  {
    id: 'applyFix',
    label: 'Fix a problem',
    group: 'edit',
    capture: 'immediately',
    gesture: 'Click the fix next to a problem in the problems panel',
    keywords: ['repair', 'problem', 'error', 'warning'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const { fix, select } = args as ApplyFixArgs;
      const design = applyFix(currentDesign(ctx), fix, ctx.ids);
      // What the fix changed is shown in the inspector: its items stay (or become) the selection.
      const kept = select?.filter((id) => exists(design, id));
      return kept === undefined || kept.length === 0 ? { design } : { design, select: kept };
    },
  },
  {
    id: 'setJumpHost',
    label: 'Reach a machine through a jump host',
    group: 'network',
    capture: 'immediately',
    gesture: "Select the machine and choose its jump host in the inspector's SSH target",
    keywords: ['jump host', 'proxyjump', 'bastion', 'ssh', 'reach'],
    predicate: (ctx, args) => args !== undefined && currentDesign(ctx).machines[(args as JumpHostArgs).machineId] !== undefined,
    perform: (ctx, args) => {
      const { machineId, via } = args as JumpHostArgs;
      const design = currentDesign(ctx);
      const next = setJumpHost(design, machineId, via, ctx.ids);
      return next === design ? undefined : { design: next };
    },
  },
  // ---- insert
  {
    id: 'addSite',
    label: 'Add site',
    group: 'insert',
    capture: 'immediately',
    keywords: ['home', 'location', 'area', 'vps', 'cloud'],
    perform: (ctx, args) => {
      const a = (args ?? {}) as InsertArgs;
      return addSiteResult(ctx, (a.kind as SiteKind | undefined) ?? 'home', a.at ?? ctx.view?.center() ?? { x: 0, y: 0 });
    },
  },
  {
    id: 'addMachine',
    label: 'Add machine',
    group: 'insert',
    capture: 'immediately',
    keywords: ['server', 'device', 'node', 'computer'],
    perform: (ctx, args) => {
      const a = (args ?? {}) as InsertArgs;
      return addMachineResult(ctx, (a.kind as MachineKind | undefined) ?? 'server', a.at);
    },
  },
  {
    id: 'connectMachines',
    label: 'Connect the two selected machines',
    group: 'insert',
    capture: 'immediately',
    keywords: ['link', 'cable', 'edge'],
    // Drawn on the canvas from one handle to another, or the two selected machines.
    predicate: (ctx, args) => (args === undefined ? selectedIds(ctx).filter(isMachineId).length === 2 : (args as ConnectArgs).source !== (args as ConnectArgs).target),
    perform: (ctx, args) => {
      const [source, target] = args === undefined ? (selectedIds(ctx).filter(isMachineId) as [MachineId, MachineId]) : [(args as ConnectArgs).source, (args as ConnectArgs).target];
      const design = currentDesign(ctx);
      const exists = Object.values(design.links).some((l) => (l.source === source && l.target === target) || (l.source === target && l.target === source));
      if (exists) return;
      const id = ctx.ids.link();
      return { design: putLink(design, { id, kind: 'cable', source, target, ports: null, label: '', meta: {} }), select: [id] };
    },
  },
  {
    id: 'setAdminSite',
    label: 'The admin is here',
    group: 'network',
    capture: 'immediately',
    keywords: ['admin', 'my computer', 'deploy from'],
    predicate: (ctx, args) => args !== undefined || (selectedIds(ctx).length === 1 && isSiteId(selectedIds(ctx)[0]!)),
    perform: (ctx, args) => ({ design: setAdminSite(currentDesign(ctx), args === undefined ? (selectedIds(ctx)[0] as SiteId) : (args as AdminSiteArgs).siteId) }),
  },
  {
    id: 'setDeploySettings',
    label: 'Edit the deploy settings',
    group: 'network',
    capture: 'immediately',
    gesture: "Click an empty spot on the canvas and change them in the inspector's Deploy group",
    keywords: ['vars helper', 'rollback', 'time limit', 'concurrency', 'at once', 'parallel'],
    predicate: hasArgs,
    perform: (ctx, args) => ({ design: setDeploySettings(currentDesign(ctx), args as DeploySettingsArgs) }),
  },
  {
    id: 'useAsVarsHelper',
    label: 'Use as the vars helper',
    group: 'network',
    capture: 'immediately',
    keywords: ['vars', 'secrets', 'keys', 'certificates', 'nix', 'deploy'],
    // Only a managed machine can make the vars (the problems panel explains the rest); the helper already is one.
    predicate: (ctx, args) => {
      const machine = varsHelperTarget(ctx, args);
      return machine !== undefined && machine.managed && currentDesign(ctx).deploy.varsHelper !== machine.id;
    },
    perform: (ctx, args) => ({ design: setDeploySettings(currentDesign(ctx), { varsHelper: varsHelperTarget(ctx, args)!.id }) }),
  },
  // ---- view
  { id: 'fitView', label: 'Fit to screen', group: 'view', capture: 'never', shortcut: 'Shift+1', keyTest: (e) => e.shiftKey && e.code === 'Digit1' && !e.ctrlKey && !e.metaKey, predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.fitView() },
  { id: 'zoomIn', label: 'Zoom in', group: 'view', capture: 'never', shortcut: '+', keyTest: (e) => (e.key === '+' || e.key === '=') && !e.ctrlKey && !e.metaKey, predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.zoomIn() },
  { id: 'zoomOut', label: 'Zoom out', group: 'view', capture: 'never', shortcut: '-', keyTest: (e) => e.key === '-' && !e.ctrlKey && !e.metaKey, predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.zoomOut() },
  {
    id: 'autoLayout',
    label: 'Tidy up layout',
    group: 'view',
    capture: 'immediately',
    shortcut: 'Shift+L',
    keywords: ['auto layout', 'arrange', 'elk'],
    keyTest: (e) => e.shiftKey && key(e, 'l') && !e.ctrlKey && !e.metaKey,
    predicate: (ctx) => Object.keys(currentDesign(ctx).machines).length + Object.keys(currentDesign(ctx).sites).length > 0,
    perform: async (ctx) => {
      const before = currentDesign(ctx);
      const next = await layOut(ctx, before);
      // An edit made while ELK was working wins: the layout of the older design is dropped, not mixed in.
      if (next === null || currentDesign(ctx) !== before) return { fitView: next !== null };
      return { design: next, fitView: true };
    },
  },
  {
    id: 'toggleOverlay',
    label: 'Show or hide VPN connections',
    group: 'view',
    capture: 'never',
    keywords: ['overlay', 'mesh', 'edges'],
    perform: (ctx) => ctx.ui.getState().setOverlayVisible(!ctx.ui.getState().overlayVisible),
  },
  { id: 'toggleSnap', label: 'Snap to grid on or off', group: 'view', capture: 'never', keywords: ['grid'], perform: (ctx) => ctx.ui.getState().setSnapToGrid(!ctx.ui.getState().snapToGrid) },
  {
    id: 'toggleProblems',
    label: 'Show or hide problems',
    group: 'view',
    capture: 'never',
    keywords: ['errors', 'warnings', 'validation'],
    perform: (ctx) => ctx.ui.getState().setProblemsOpen(!ctx.ui.getState().problemsOpen),
  },
  ...areas.map(areaCommand),
  exportCommand('exportSvg', 'Export picture (SVG)…', 'svg', ['image', 'vector', 'drawing', 'diagram']),
  exportCommand('exportPng', 'Export picture (PNG)…', 'png', ['image', 'screenshot', 'drawing', 'diagram']),
  exportCommand('exportPng2x', 'Export picture (PNG, 2x)…', 'png2x', ['image', 'screenshot', 'retina', 'high resolution', 'hidpi']),
  exportCommand('exportSheetPng', 'Export network sheet (PNG)…', 'sheetPng', ['print', 'paper', 'page', 'wall', 'table', 'machines', 'ssh', 'addresses']),
  exportCommand('printSheet', 'Print network sheet (or save as PDF)…', 'sheetPdf', ['pdf', 'print', 'paper', 'page', 'wall', 'table', 'machines', 'ssh', 'addresses']),
  { id: 'exportMermaid', label: 'Export as Mermaid text…', group: 'file', capture: 'never', keywords: ['diagram', 'markdown', 'documentation'], perform: (ctx) => ctx.ui.getState().openDialog('mermaid') },
  // ---- help
  {
    id: 'commandPalette',
    label: 'Command palette…',
    group: 'help',
    capture: 'never',
    shortcut: `${mod}K`,
    keyScope: 'anywhere',
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'k'),
    perform: (ctx) => ctx.ui.getState().openDialog('palette'),
  },
  {
    id: 'serverSignIn',
    label: 'Sign-in and other devices…',
    group: 'help',
    capture: 'never',
    keywords: ['pair', 'pairing code', 'sign out', 'log out', 'session', 'server', 'device'],
    predicate: (ctx) => ctx.backendMode === 'serve',
    perform: (ctx) => ctx.ui.getState().openDialog('serverSignIn'),
  },
  { id: 'about', label: 'About Clan Network Designer', group: 'help', capture: 'never', perform: (ctx) => ctx.ui.getState().openDialog('about') },
];

/** Palette entries for the machine kinds, as insert commands with arguments. */
export const machinePaletteItems = (Object.keys(machineKindLabels) as MachineKind[]).map((kind) => ({ kind, label: machineKindLabels[kind] }));
/** Palette entries for the site kinds. */
export const sitePaletteItems = (Object.keys(siteKindLabels) as SiteKind[]).map((kind) => ({ kind, label: siteKindLabels[kind] }));
