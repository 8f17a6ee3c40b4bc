// Nix sources are bundled as text (Vite's ?raw suffix, also understood by vitest and electron-vite).
declare module '*.nix?raw' {
  const text: string;
  export default text;
}
