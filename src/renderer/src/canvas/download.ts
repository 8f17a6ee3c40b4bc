/** Saves a data URL as a download with a file name. */
export function downloadDataUrl(dataUrl: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = dataUrl;
  a.download = fileName;
  a.click();
}

/** How long a download's object URL stays valid: the browser (or Electron's save dialog) reads it after the click. */
const OBJECT_URL_LIFETIME_MS = 60_000;

/** Saves a blob as a download with a file name (an object URL: a large picture is no data URL string). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  downloadDataUrl(url, fileName);
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
}
