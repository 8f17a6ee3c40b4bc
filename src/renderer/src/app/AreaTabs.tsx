import { useEffect, useRef, type KeyboardEvent } from 'react';
import { areas, useUiStore, type AreaId } from '../stores/uiStore';
import { preloadArea } from './lazyParts';

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
/** How the modifier of the area shortcuts is written on this platform. */
export const modifierLabel = isMac ? '⌘' : 'Ctrl+';

/** The four work areas as a tab list: arrows, Home and End move between them, as the ARIA tabs pattern asks. */
export function AreaTabs() {
  const active = useUiStore((s) => s.activeArea);
  const setActiveArea = useUiStore((s) => s.setActiveArea);
  const refs = useRef(new Map<AreaId, HTMLButtonElement>());

  // Switched by a command (Ctrl+2, the palette): the focus was in the area that went away, or on the old tab. It
  // moves to the new tab, so the keyboard carries on from there; a focus elsewhere (a dialog) is left alone.
  const shown = useRef(active);
  useEffect(() => {
    if (shown.current === active) return;
    shown.current = active;
    const focused = document.activeElement;
    const tab = refs.current.get(active);
    if (tab === undefined || focused === tab) return;
    if (focused === null || focused === document.body || (focused instanceof HTMLElement && focused.getAttribute('role') === 'tab')) tab.focus();
  }, [active]);

  const focusArea = (index: number) => {
    const area = areas[(index + areas.length) % areas.length]!;
    setActiveArea(area.id);
    refs.current.get(area.id)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') focusArea(index + 1);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') focusArea(index - 1);
    else if (event.key === 'Home') focusArea(0);
    else if (event.key === 'End') focusArea(areas.length - 1);
    else return;
    event.preventDefault();
  };

  return (
    <nav className="area-tabs" role="tablist" aria-label="Work areas">
      {areas.map((area, index) => (
        <button
          key={area.id}
          ref={(el) => {
            if (el) refs.current.set(area.id, el);
            else refs.current.delete(area.id);
          }}
          type="button"
          role="tab"
          id={`tab-${area.id}`}
          aria-selected={active === area.id}
          aria-controls={`panel-${area.id}`}
          tabIndex={active === area.id ? 0 : -1}
          title={`${area.label} (${modifierLabel}${area.shortcut})`}
          onClick={() => setActiveArea(area.id)}
          // An area the first screen does not need starts downloading while the pointer is on its tab.
          onPointerEnter={() => preloadArea(area.id)}
          onKeyDown={(event) => onKeyDown(event, index)}
        >
          {area.label}
        </button>
      ))}
    </nav>
  );
}
