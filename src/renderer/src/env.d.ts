/// <reference types="vite/client" />

/** The app version, injected at build time from package.json. */
declare const __APP_VERSION__: string;

interface Window {
  /** Present only in the desktop app: the preload bridge, one function per operation of the contract. */
  api?: Record<string, Record<string, (...args: never[]) => unknown>>;
}
