import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initBackend } from './api/backend';
import { App } from './app/App';
import { NeedsToken } from './app/NeedsToken';
import './styles.css';
import './a11y.css';

const { needsToken } = initBackend();
const root = createRoot(document.getElementById('root')!);
root.render(<StrictMode>{needsToken ? <NeedsToken /> : <App />}</StrictMode>);
