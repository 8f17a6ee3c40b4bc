import { describeChunkFailure, isDesktop, reloadPage, useChunkFailureStore } from './chunks';

/** Offers a reload when a command or background task could not download the part of the app it needed. */
export function ChunkFailureBanner() {
  const part = useChunkFailureStore((s) => s.part);
  if (part === null) return null;
  const { title, body } = describeChunkFailure(part, isDesktop());
  return (
    <div className="banner" role="alert" data-testid="chunk-failure">
      <p>
        <strong>{title}.</strong> {body}
      </p>
      <button type="button" className="primary" onClick={reloadPage}>
        Reload
      </button>
      <button type="button" onClick={() => useChunkFailureStore.getState().dismiss()}>
        Dismiss
      </button>
    </div>
  );
}
