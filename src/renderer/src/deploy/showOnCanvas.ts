import { useSelectionStore } from '../stores/selectionStore';
import { useUiStore } from '../stores/uiStore';

/** Shows a machine on the canvas: the Design area opens with it selected and in view. */
export function showMachineOnCanvas(id: string): void {
  useSelectionStore.getState().requestFocus([id]);
  useUiStore.getState().setActiveArea('design');
}
