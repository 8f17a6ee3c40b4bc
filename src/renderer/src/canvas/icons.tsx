import type { MachineKind } from '../../../shared/model/types';

// Small inline SVG icons per machine kind: drawn with currentColor so they follow the theme, hoisted to module
// scope so every node reuses the same elements. Exports draw the same paths (svgDrawing.ts).

/** The path of each machine kind's icon, in a 24 x 24 box, stroked 1.8 wide with round caps and joins. */
export const machineIconPaths: Readonly<Record<MachineKind, string>> = {
  server: 'M4 4h16v6H4zM4 14h16v6H4zM7 7h.01M7 17h.01',
  desktop: 'M3 4h18v12H3zM8 20h8M12 16v4',
  laptop: 'M5 5h14v10H5zM2 19h20',
  nas: 'M6 3h12v18H6zM9 7h6M9 11h6M9 15h.01',
  sbc: 'M5 5h14v14H5zM9 9h6v6H9zM2 9h3M2 15h3M19 9h3M19 15h3',
  vps: 'M7 18a4 4 0 0 1-.5-8A6 6 0 0 1 18 9a4.5 4.5 0 0 1-.5 9z',
  router: 'M3 14h18v6H3zM7 17h.01M11 17h.01M8 10l4-4 4 4M12 6v8',
  phone: 'M7 2h10v20H7zM11 18h2',
};

/** The icon of a machine kind. */
export function MachineIcon({ kind, size = 18 }: { kind: MachineKind; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={machineIconPaths[kind]} />
    </svg>
  );
}
