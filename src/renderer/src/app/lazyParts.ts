import { lazyPart } from './chunks';

// The parts of the window that the first screen (the Design area, with the first-start wizard) does not show.
// Each is its own file, downloaded when it is first opened; in serve mode that keeps the first visit small.

/** The Choose VPN area, with the benchmark dataset and the advisor. */
export const ChooseVpnArea = lazyPart('the Choose VPN area', () => import('../vpn/ChooseVpnArea').then((m) => m.ChooseVpnArea));
/** The Deploy area: configuration, diff and machine checks. */
export const DeployArea = lazyPart('the Deploy area', () => import('../deploy/DeployArea').then((m) => m.DeployArea));
/** The Assistant area, the chat beside the other areas, and the assistant's settings (with the markdown renderer). */
export const AssistantArea = lazyPart('the Assistant area', () => import('../assistant/AssistantArea').then((m) => m.AssistantArea));
export const AssistantBeside = lazyPart('the assistant', () => import('../assistant/AssistantBeside').then((m) => m.AssistantBeside));
export const AssistantSettingsDialog = lazyPart('the assistant’s settings', () => import('../assistant/SettingsDialog').then((m) => m.SettingsDialog));
/** Rarely opened dialogs. */
export const MermaidDialog = lazyPart('the Mermaid export', () => import('../dialogs/MermaidDialog').then((m) => m.MermaidDialog));
export const AboutDialog = lazyPart('the About dialog', () => import('./AboutDialog').then((m) => m.AboutDialog));

/** Starts downloading an area's file ahead of the click, when its tab is pointed at or focused. */
export function preloadArea(area: string): void {
  if (area === 'choose-vpn') void ChooseVpnArea.preload();
  else if (area === 'deploy') void DeployArea.preload();
  else if (area === 'assistant') void AssistantArea.preload();
}
