import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What the wrapped part of the window is called, for the message. */
  area: string;
  children: ReactNode;
}

interface State {
  failed: boolean;
  details: string;
}

/** Keeps a crash inside one panel: the rest of the window stays usable and the user can copy the details. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false, details: '' };

  static getDerivedStateFromError(error: unknown): State {
    return { failed: true, details: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`[${this.props.area}] crashed`, error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="panel-crash" role="alert">
        <h2>The {this.props.area} area stopped working</h2>
        <p>A bug in the app stopped this area from drawing. Your design is not affected. Try again; if it keeps happening, copy the details and report them.</p>
        <div className="button-row">
          <button type="button" onClick={() => this.setState({ failed: false, details: '' })}>
            Try again
          </button>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(this.state.details)}>
            Copy details
          </button>
        </div>
      </div>
    );
  }
}
