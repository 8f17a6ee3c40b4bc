import { useEffect } from 'react';
import { appContext } from '../app/appContext';
import { applyComparisonFromAddress } from '../commands/fileActions';
import { getDocument, subscribeDocument } from '../stores/designStore';
import { useUiStore, withLeaderboardView } from '../stores/uiStore';
import { comparisonToSearch } from './urlState';

/**
 * Serve mode only: takes the leaderboard settings from the address once at start (how the page was opened, not an
 * edit), then keeps the address in step with what is shown: the design's weights and the window's profile and sort.
 */
export function useComparisonUrl(): void {
  useEffect(() => {
    if (window.api !== undefined) return;
    applyComparisonFromAddress(appContext, window.location.search);
    const shown = () => withLeaderboardView(getDocument().design.comparison, useUiStore.getState().leaderboardView);
    let last = shown();
    const write = () => {
      const search = comparisonToSearch(last, window.location.search);
      if (search !== window.location.search) window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}`);
    };
    const update = () => {
      const next = shown();
      if (JSON.stringify(next) === JSON.stringify(last)) return;
      last = next;
      write();
    };
    write();
    const offDocument = subscribeDocument(update);
    const offView = useUiStore.subscribe(update);
    return () => {
      offDocument();
      offView();
    };
  }, []);
}
