import { useEffect } from 'react';
import { appContext } from '../app/appContext';
import { applyComparisonFromAddress } from '../commands/fileActions';
import { getDocument, subscribeDocument } from '../stores/designStore';
import { useUiStore, withLeaderboardView } from '../stores/uiStore';
import { comparisonToSearch, profileFromSearch } from './urlState';

/**
 * Serve mode only: takes the leaderboard settings from the address once at start (how the page was opened, not an
 * edit), then keeps the address in step with what is shown: the design's weights, the window's sort, and the
 * profile when the user picked one (a profile in the address counts as picked, so a shared link shows that one).
 */
export function useComparisonUrl(): void {
  useEffect(() => {
    if (window.api !== undefined) return;
    applyComparisonFromAddress(appContext, window.location.search);
    if (profileFromSearch(window.location.search) !== null) useUiStore.getState().setLeaderboardProfileChosen(true);
    const shown = () => ({ ...withLeaderboardView(getDocument().design.comparison, useUiStore.getState().leaderboardView), chosen: useUiStore.getState().leaderboardProfileChosen });
    let last = shown();
    const write = () => {
      const { chosen, ...comparison } = last;
      const search = comparisonToSearch(comparison, window.location.search, chosen);
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
