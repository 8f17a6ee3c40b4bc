import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ChunkLoadError, describeChunkFailure, isDesktop, reloadPage } from '../app/chunks';
import { Modal } from '../dialogs/Modal';

interface Props {
  /** What the wrapped part of the window is called, for the message. */
  area: string;
  children: ReactNode;
  /** Wraps a dialog: the message is shown as a dialog too, closed with this. */
  onCloseDialog?: () => void;
}

interface State {
  failed: boolean;
  details: string;
  /** The part whose download failed, when that (not a bug) is why it stopped. */
  missingPart: string | null;
}

/** Keeps a crash inside one panel: the rest of the window stays usable and the user can copy the details. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false, details: '', missingPart: null };

  static getDerivedStateFromError(error: unknown): State {
    return {
      failed: true,
      details: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error),
      missingPart: error instanceof ChunkLoadError ? error.part : null,
    };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`[${this.props.area}] crashed`, error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const { onCloseDialog } = this.props;
    // A download that failed does not come back by rendering again: only a reload fetches the current files.
    const message =
      this.state.missingPart !== null
        ? {
            ...describeChunkFailure(this.state.missingPart, isDesktop()),
            testId: 'chunk-failure',
            buttons: (
              <button type="button" className="primary" onClick={reloadPage}>
                Reload
              </button>
            ),
          }
        : {
            title: `The ${this.props.area} ${onCloseDialog === undefined ? 'area' : 'dialog'} stopped working`,
            body: `A bug in the app stopped this ${onCloseDialog === undefined ? 'area' : 'dialog'} from drawing. Your design is not affected. Try again; if it keeps happening, copy the details and report them.`,
            testId: undefined,
            buttons: (
              <>
                <button type="button" onClick={() => this.setState({ failed: false, details: '', missingPart: null })}>
                  Try again
                </button>
                <button type="button" onClick={() => void navigator.clipboard?.writeText(this.state.details)}>
                  Copy details
                </button>
              </>
            ),
          };
    const buttons = (
      <div className="button-row">
        {message.buttons}
        {onCloseDialog !== undefined && (
          <button type="button" onClick={onCloseDialog}>
            Close
          </button>
        )}
      </div>
    );
    if (onCloseDialog !== undefined) {
      return (
        <Modal title={message.title} onClose={onCloseDialog} testId={message.testId}>
          <p role="alert">{message.body}</p>
          {buttons}
        </Modal>
      );
    }
    return (
      <div className="panel-crash" role="alert" data-testid={message.testId}>
        <h2>{message.title}</h2>
        <p>{message.body}</p>
        {buttons}
      </div>
    );
  }
}
