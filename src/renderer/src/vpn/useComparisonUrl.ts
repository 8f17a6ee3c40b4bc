import { useEffect } from 'react';
import { weightPresets } from '../../../shared/bench/leaderboard';
import { designStore } from '../stores/designStore';
import { comparisonFromSearch, comparisonToSearch } from './urlState';

/**
 * Serve mode only: takes the leaderboard selection from the address once at start (not an undo step: it is
 * how the page was opened), then keeps the address in step with the design as the user changes it.
 */
export function useComparisonUrl(): void {
  useEffect(() => {
    if (window.api !== undefined) return;
    const state = designStore.getState();
    const fromUrl = comparisonFromSearch(state.design.comparison, window.location.search, weightPresets);
    if (fromUrl !== state.design.comparison) {
      const design = { ...state.design, comparison: fromUrl };
      designStore.temporal.getState().pause();
      designStore.setState({ design, savedDesign: state.design === state.savedDesign ? design : state.savedDesign });
      designStore.temporal.getState().resume();
    }
    let last = designStore.getState().design.comparison;
    const write = () => {
      const search = comparisonToSearch(last, window.location.search);
      if (search !== window.location.search) window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}`);
    };
    write();
    return designStore.subscribe((s) => {
      if (s.design.comparison === last) return;
      last = s.design.comparison;
      write();
    });
  }, []);
}
