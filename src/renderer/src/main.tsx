import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initBackend } from './api/backend';
import { App } from './app/App';
import { beginSignIn, ServeSignIn } from './app/ServeSignIn';
import './styles.css';
import './a11y.css';

const mode = initBackend();
// Serve mode: the sign-in request goes out before the first paint, not after it.
if (mode === 'serve') void beginSignIn();
const root = createRoot(document.getElementById('root')!);
root.render(
  <StrictMode>
    {mode === 'serve' ? (
      <ServeSignIn>
        <App />
      </ServeSignIn>
    ) : (
      <App />
    )}
  </StrictMode>,
);
