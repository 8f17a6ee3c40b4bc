import { lazyPart } from './chunks';

// The parts of the window that the first screen (the Design area, with the first-start wizard) does not show.
// Each is its own file, downloaded when it is first opened; in serve mode that keeps the first visit small.

/** The Choose VPN area, with the benchmark dataset and the advisor. */
export const ChooseVpnArea = lazyPart('the Choose VPN area', () => import('../vpn/ChooseVpnArea').then((m) => m.ChooseVpnArea));
/** The Deploy area: configuration, diff and machine checks. */
export const DeployArea = lazyPart('the Deploy area', () => import('../deploy/DeployArea').then((m) => m.DeployArea));
/** Rarely opened dialogs. */
export const MermaidDialog = lazyPart('the Mermaid export', () => import('../dialogs/MermaidDialog').then((m) => m.MermaidDialog));
export const AboutDialog = lazyPart('the About dialog', () => import('./AboutDialog').then((m) => m.AboutDialog));

/** Starts downloading an area's file ahead of the click, when its tab is pointed at or focused. */
export function preloadArea(area: string): void {
  if (area === 'choose-vpn') void ChooseVpnArea.preload();
  else if (area === 'deploy') void DeployArea.preload();
}
