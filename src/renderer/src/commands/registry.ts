import { isMachineId, isSiteId } from '../../../shared/model/ids';
import { deleteItems, extractFragment, insertFragment, makeMachine, makeSite, putLink, putMachine, putSite, setAdminSite, siteAt, uniqueMachineName } from '../../../shared/model/ops';
import { MACHINE_NODE_SIZE, siteSizeFor } from '../../../shared/model/templates';
import type { Design, MachineKind, MachineId, SiteId, SiteKind } from '../../../shared/model/types';
import { machineKindLabels, siteKindLabels } from '../../../shared/model/labels';
import type { Command, CommandContext, CommandResult } from './types';

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
/** The primary modifier as it is written in menus on this platform. */
export const mod = isMac ? '⌘' : 'Ctrl+';
const primary = (e: KeyboardEvent) => (isMac ? e.metaKey : e.ctrlKey) && !e.altKey;
const key = (e: KeyboardEvent, k: string) => e.key.toLowerCase() === k;

const selectedIds = (ctx: CommandContext) => ctx.selection.getState().selectedIds;
const currentDesign = (ctx: CommandContext) => ctx.design.getState().design;

/** Arguments of the insert commands: what to add and, optionally, where (a canvas point). */
export interface InsertArgs {
  kind?: string;
  at?: { x: number; y: number };
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

/** Adds a machine of a kind at a canvas point; dropped inside a site, it joins that site. */
export function addMachineResult(ctx: CommandContext, kind: MachineKind, at: { x: number; y: number }): CommandResult {
  const design = currentDesign(ctx);
  const id = ctx.ids.machine();
  const topLeft = { x: Math.round(at.x - MACHINE_NODE_SIZE.width / 2), y: Math.round(at.y - MACHINE_NODE_SIZE.height / 2) };
  const site = siteAt(design, at);
  const position = site === undefined ? topLeft : { x: topLeft.x - site.position.x, y: topLeft.y - site.position.y };
  const base = kind === 'sbc' ? 'pi' : kind;
  const machine = makeMachine(id, { kind, name: uniqueMachineName(design, base), siteId: site?.id ?? null, position });
  return { design: putMachine(design, machine), select: [id] };
}

function deletionMessage(design: Design, ids: readonly string[]): { needsConfirm: boolean; message: string } {
  const { report } = deleteItems(design, ids);
  const selectedMachines = ids.filter(isMachineId).length;
  const cascadedMachines = report.machines.length - selectedMachines;
  const parts: string[] = [];
  if (cascadedMachines > 0) parts.push(`${cascadedMachines} machine${cascadedMachines === 1 ? '' : 's'} inside the deleted site${report.sites.length === 1 ? '' : 's'}`);
  if (report.roles.length > 0) parts.push(`the VPN role${report.roles.length === 1 ? '' : 's'} ${report.roles.map((r) => `“${r}”`).join(', ')}`);
  if (report.adminLocationCleared) parts.push('the admin location');
  return {
    needsConfirm: parts.length > 0,
    message: `This also removes ${parts.join(', ')}. You can undo it afterwards.`,
  };
}

/** Every command of the app. Menus, shortcuts, the context menu and the command palette read this list. */
export const commands: readonly Command[] = [
  // ---- file
  {
    id: 'newDesign',
    label: 'New design',
    group: 'file',
    shortcut: `${mod}N`,
    keywords: ['empty', 'start'],
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'n'),
    perform: async (ctx) => {
      const state = ctx.design.getState();
      if (state.design !== state.savedDesign && !(await ctx.confirm('Discard unsaved changes?', 'The open design has changes that are not saved. Start a new design anyway?'))) return;
      const { createEmptyDesign } = await import('../../../shared/model/ops');
      state.reset(createEmptyDesign(), { name: null, revision: null });
      ctx.design.temporal.getState().clear();
      ctx.selection.getState().select([]);
    },
  },
  {
    id: 'openDesign',
    label: 'Open…',
    group: 'file',
    shortcut: `${mod}O`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'o'),
    predicate: (ctx) => ctx.backend !== null,
    perform: (ctx) => ctx.ui.openDialog('open'),
  },
  {
    id: 'save',
    label: 'Save',
    group: 'file',
    shortcut: `${mod}S`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 's'),
    predicate: (ctx) => ctx.backend !== null,
    perform: async (ctx) => {
      const { saveCurrent } = await import('./fileActions');
      await saveCurrent(ctx, false);
    },
  },
  {
    id: 'saveAs',
    label: 'Save as…',
    group: 'file',
    shortcut: `${mod}Shift+S`,
    keyTest: (e) => primary(e) && e.shiftKey && key(e, 's'),
    predicate: (ctx) => ctx.backend !== null,
    perform: (ctx) => ctx.ui.openDialog('saveAs'),
  },
  {
    id: 'openWizard',
    label: 'Set up a family network…',
    group: 'file',
    keywords: ['wizard', 'template', 'first run'],
    perform: (ctx) => ctx.ui.openDialog('wizard'),
  },
  // ---- edit
  {
    id: 'undo',
    label: 'Undo',
    group: 'edit',
    shortcut: `${mod}Z`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'z'),
    predicate: (ctx) => ctx.design.temporal.getState().pastStates.length > 0,
    perform: (ctx) => {
      ctx.design.temporal.getState().undo();
      pruneSelection(ctx);
    },
  },
  {
    id: 'redo',
    label: 'Redo',
    group: 'edit',
    shortcut: isMac ? '⌘Shift+Z' : 'Ctrl+Y',
    keyTest: (e) => primary(e) && ((e.shiftKey && key(e, 'z')) || (!e.shiftKey && key(e, 'y'))),
    predicate: (ctx) => ctx.design.temporal.getState().futureStates.length > 0,
    perform: (ctx) => {
      ctx.design.temporal.getState().redo();
      pruneSelection(ctx);
    },
  },
  {
    id: 'copy',
    label: 'Copy',
    group: 'edit',
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
    shortcut: `${mod}V`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'v'),
    predicate: (ctx) => ctx.clipboard.fragment !== null,
    perform: (ctx) => {
      const { design, newIds } = insertFragment(currentDesign(ctx), ctx.clipboard.fragment!, ctx.ids, { x: 32, y: 32 });
      return { design, select: newIds.filter((id) => !id.startsWith('link_')) };
    },
  },
  {
    id: 'duplicate',
    label: 'Duplicate',
    group: 'edit',
    shortcut: `${mod}D`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'd'),
    predicate: (ctx) => selectedIds(ctx).some((id) => isSiteId(id) || isMachineId(id)),
    perform: (ctx) => {
      const design = currentDesign(ctx);
      const fragment = extractFragment(design, selectedIds(ctx));
      const { design: next, newIds } = insertFragment(design, fragment, ctx.ids, { x: 32, y: 32 });
      return { design: next, select: newIds.filter((id) => !id.startsWith('link_')) };
    },
  },
  {
    id: 'deleteSelection',
    label: 'Delete',
    group: 'edit',
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
    shortcut: 'F2',
    keyTest: (e) => e.key === 'F2',
    predicate: (ctx) => selectedIds(ctx).length === 1 && (isSiteId(selectedIds(ctx)[0]!) || isMachineId(selectedIds(ctx)[0]!)),
    perform: (ctx) => ctx.selection.getState().setEditing(selectedIds(ctx)[0]!),
  },
  // ---- insert
  {
    id: 'addSite',
    label: 'Add site',
    group: 'insert',
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
    keywords: ['server', 'device', 'node', 'computer'],
    perform: (ctx, args) => {
      const a = (args ?? {}) as InsertArgs;
      return addMachineResult(ctx, (a.kind as MachineKind | undefined) ?? 'server', a.at ?? ctx.view?.center() ?? { x: 0, y: 0 });
    },
  },
  {
    id: 'connectSelected',
    label: 'Connect the two selected machines',
    group: 'insert',
    keywords: ['link', 'cable', 'edge'],
    predicate: (ctx) => selectedIds(ctx).filter(isMachineId).length === 2,
    perform: (ctx) => {
      const [a, b] = selectedIds(ctx).filter(isMachineId) as [MachineId, MachineId];
      const id = ctx.ids.link();
      return { design: putLink(currentDesign(ctx), { id, kind: 'cable', source: a, target: b, ports: null, label: '', meta: {} }), select: [id] };
    },
  },
  {
    id: 'setAdminSite',
    label: 'The admin is here',
    group: 'network',
    keywords: ['admin', 'my computer', 'deploy from'],
    predicate: (ctx) => selectedIds(ctx).length === 1 && isSiteId(selectedIds(ctx)[0]!),
    perform: (ctx) => ({ design: setAdminSite(currentDesign(ctx), selectedIds(ctx)[0] as SiteId) }),
  },
  // ---- view
  { id: 'fitView', label: 'Fit to screen', group: 'view', shortcut: 'Shift+1', keyTest: (e) => e.shiftKey && e.code === 'Digit1' && !e.ctrlKey && !e.metaKey, predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.fitView() },
  { id: 'zoomIn', label: 'Zoom in', group: 'view', shortcut: '+', keyTest: (e) => (e.key === '+' || e.key === '=') && !e.ctrlKey && !e.metaKey, predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.zoomIn() },
  { id: 'zoomOut', label: 'Zoom out', group: 'view', shortcut: '-', keyTest: (e) => e.key === '-' && !e.ctrlKey && !e.metaKey, predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.zoomOut() },
  {
    id: 'autoLayout',
    label: 'Tidy up layout',
    group: 'view',
    shortcut: 'Shift+L',
    keywords: ['auto layout', 'arrange', 'elk'],
    keyTest: (e) => e.shiftKey && key(e, 'l') && !e.ctrlKey && !e.metaKey,
    predicate: (ctx) => ctx.view !== null && Object.keys(currentDesign(ctx).machines).length + Object.keys(currentDesign(ctx).sites).length > 0,
    perform: (ctx) => ctx.view?.autoLayout(),
  },
  { id: 'toggleOverlay', label: 'Show or hide VPN connections', group: 'view', keywords: ['overlay', 'mesh', 'edges'], perform: (ctx) => ctx.ui.toggleOverlay() },
  { id: 'toggleSnap', label: 'Snap to grid on or off', group: 'view', keywords: ['grid'], perform: (ctx) => ctx.ui.toggleSnap() },
  { id: 'toggleProblems', label: 'Show or hide problems', group: 'view', keywords: ['errors', 'warnings', 'validation'], perform: (ctx) => ctx.ui.toggleProblems() },
  { id: 'exportPng', label: 'Export picture (PNG)…', group: 'file', keywords: ['image', 'screenshot'], predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.exportImage('png') },
  { id: 'exportSvg', label: 'Export picture (SVG)…', group: 'file', keywords: ['image', 'vector'], predicate: (ctx) => ctx.view !== null, perform: (ctx) => ctx.view?.exportImage('svg') },
  { id: 'exportMermaid', label: 'Export as Mermaid text…', group: 'file', keywords: ['diagram', 'markdown', 'documentation'], perform: (ctx) => ctx.ui.openDialog('mermaid') },
  // ---- help
  {
    id: 'commandPalette',
    label: 'Command palette…',
    group: 'help',
    shortcut: `${mod}K`,
    keyTest: (e) => primary(e) && !e.shiftKey && key(e, 'k'),
    perform: (ctx) => ctx.ui.openDialog('palette'),
  },
  {
    id: 'serverSignIn',
    label: 'Sign-in and other devices…',
    group: 'help',
    keywords: ['pair', 'pairing code', 'sign out', 'log out', 'session', 'server', 'device'],
    predicate: (ctx) => ctx.backendMode === 'serve',
    perform: (ctx) => ctx.ui.openDialog('serverSignIn'),
  },
  { id: 'about', label: 'About Clan Network Designer', group: 'help', perform: (ctx) => ctx.ui.openDialog('about') },
];

/** Palette entries for the machine kinds, as insert commands with arguments. */
export const machinePaletteItems = (Object.keys(machineKindLabels) as MachineKind[]).map((kind) => ({ kind, label: machineKindLabels[kind] }));
/** Palette entries for the site kinds. */
export const sitePaletteItems = (Object.keys(siteKindLabels) as SiteKind[]).map((kind) => ({ kind, label: siteKindLabels[kind] }));

/** Drops selected ids that no longer exist (after undo, redo or delete). */
function pruneSelection(ctx: CommandContext): void {
  const design = currentDesign(ctx);
  const ids = selectedIds(ctx).filter((id) => design.sites[id as SiteId] !== undefined || design.machines[id as MachineId] !== undefined || design.links[id as keyof Design['links']] !== undefined);
  ctx.selection.getState().select(ids);
}

/** Finds a command by id. */
export function getCommand(id: string): Command | undefined {
  return commands.find((c) => c.id === id);
}

/** Whether a command can run now. */
export function isEnabled(command: Command, ctx: CommandContext): boolean {
  return command.predicate === undefined || command.predicate(ctx);
}

/**
 * Runs a command: checks its predicate, performs it, and commits a returned design as exactly one undo step.
 * Returns whether it ran.
 */
export async function executeCommand(ctx: CommandContext, id: string, args?: unknown): Promise<boolean> {
  const command = getCommand(id);
  if (command === undefined || !isEnabled(command, ctx)) return false;
  const result = await command.perform(ctx, args);
  if (result !== undefined && result !== null) {
    if (result.design !== undefined) ctx.design.getState().commit(result.design);
    if (result.select !== undefined) ctx.selection.getState().select(result.select);
  }
  return true;
}

/** Finds the command a key event triggers, if any and if enabled. */
export function commandForKey(ctx: CommandContext, event: KeyboardEvent): Command | undefined {
  return commands.find((c) => c.keyTest !== undefined && c.keyTest(event) && isEnabled(c, ctx));
}
