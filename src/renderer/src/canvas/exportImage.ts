import type { Design } from '../../../shared/model/types';
import type { ExportKind } from '../commands/types';
import { dateTimeFormat, dayFormat } from '../dates';
import { useVerifyStore } from '../deploy/verifyStore';
import { downloadBlob } from './download';
import { readPalette } from './drawScene';
import type { MeasuredSizes } from './geometry';
import { buildNetworkSheet, SHEET } from './networkSheet';
import { buildDesignPicture, serializeSvg, type DrawingInput, type TextMeasure } from './svgDrawing';
import { verifyPairs } from './verifyPairs';

// The picture exports and the network sheet, loaded on first use. Everything is computed from the design and the
// sizes the canvas measured (svgDrawing.ts), never read from the canvas's DOM: an export shows the whole design
// whatever part of it is on screen, with no handles, selection, minimap or controls.

/** What the canvas hands over for an export. */
export interface ExportSource {
  design: Design;
  /** The design file's name as the document has it (with its extension), or null for one never saved. */
  fileName: string | null;
  measured: MeasuredSizes;
  /** Whether the canvas shows the predicted VPN paths (and the last verify's lines). */
  overlayVisible: boolean;
  /** An element of the canvas, to read the theme's colours from: a picture looks like the canvas. */
  themeElement: Element;
}

/**
 * The largest bitmap an export makes, in pixels per side and in all: Chromium's canvas limits, with room to spare
 * for a large design at 2x.
 */
const MAX_SIDE = 16_384;
const MAX_PIXELS = 120_000_000;

/** Measures text with a 2D canvas in the font the drawing uses. */
function canvasMeasure(fontFamily: string): TextMeasure {
  const ctx = new OffscreenCanvas(1, 1).getContext('2d')!;
  const cache = new Map<string, number>();
  return (text, size, weight) => {
    const key = `${weight} ${size} ${text}`;
    let width = cache.get(key);
    if (width === undefined) {
      ctx.font = `${weight} ${size}px ${fontFamily}`;
      width = ctx.measureText(text).width;
      cache.set(key, width);
    }
    return width;
  };
}

/** The last verify's lines, when the canvas shows them: the result of the design file on screen. */
function shownVerify(source: ExportSource): DrawingInput['verify'] {
  const { forFile, report } = useVerifyStore.getState();
  if (!source.overlayVisible || source.fileName === null || forFile !== source.fileName || report?.matrix == null) return null;
  return { pairs: verifyPairs(report.matrix), at: report.startedAt };
}

/** The scale a bitmap can have at most, up to `wanted`. */
export function bitmapScale(width: number, height: number, wanted: number): number {
  return Math.min(wanted, MAX_SIDE / width, MAX_SIDE / height, Math.sqrt(MAX_PIXELS / (width * height)));
}

/** Renders svg text into a PNG of `width` x `height` pixels at `scale`, through an image and a canvas element. */
async function rasterise(svgText: string, width: number, height: number, scale: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    canvas.getContext('2d')!.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob === null ? reject(new Error('the browser made no PNG')) : resolve(blob)), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Puts the sheet in the page for printing and opens the print dialog (where "Save as PDF" makes the PDF). The
 * print stylesheet shows only the sheet, on one A4 landscape page; it leaves the page again after printing.
 */
function printSheet(svg: SVGSVGElement): void {
  for (const old of document.querySelectorAll('.print-sheet')) old.remove();
  const host = document.createElement('div');
  host.className = 'print-sheet';
  host.append(svg);
  document.body.append(host);
  window.addEventListener('afterprint', () => host.remove(), { once: true });
  window.print();
}

/** The design file's name without its extension, for the names of exported files. */
const baseName = (fileName: string | null) => (fileName ?? 'design').replace(/\.clan-design\.json$/, '');

/** Makes an export and hands it to the browser as a download (or to the print dialog); returns what to tell the user. */
export async function exportDesign(kind: ExportKind, source: ExportSource): Promise<string> {
  const fontFamily = getComputedStyle(source.themeElement).fontFamily || 'system-ui, sans-serif';
  const measure = canvasMeasure(fontFamily);
  const input: DrawingInput = { design: source.design, measured: source.measured, overlayVisible: source.overlayVisible, verify: shownVerify(source) };
  const name = baseName(source.fileName);

  if (kind === 'sheetPng' || kind === 'sheetPdf') {
    const sheet = buildNetworkSheet(document, { ...input, fileName: source.fileName === null ? null : name, printedAt: Date.now(), formatDay: (at) => dayFormat.format(at), formatDateTime: (at) => dateTimeFormat.format(at) }, { fontFamily, measure });
    if (kind === 'sheetPdf') {
      printSheet(sheet);
      return 'Printing the network sheet: choose "Save as PDF" as the printer for a PDF file.';
    }
    // Twice the page's pixels: about 190 dots per inch on A4, sharp enough to print.
    downloadBlob(await rasterise(serializeSvg(sheet), SHEET.width, SHEET.height, 2), `${name}-sheet.png`);
    return `Exported ${name}-sheet.png`;
  }

  const background = getComputedStyle(source.themeElement).getPropertyValue('--bg').trim() || '#f6f7f9';
  const picture = buildDesignPicture(document, input, { palette: readPalette(source.themeElement), background, fontFamily, measure }, (at) => dateTimeFormat.format(at));
  const text = serializeSvg(picture.svg);
  if (kind === 'svg') {
    downloadBlob(new Blob([text], { type: 'image/svg+xml' }), `${name}.svg`);
    return `Exported ${name}.svg`;
  }
  const wanted = kind === 'png2x' ? 2 : 1;
  const scale = bitmapScale(picture.width, picture.height, wanted);
  const file = `${name}${kind === 'png2x' ? '@2x' : ''}.png`;
  downloadBlob(await rasterise(text, picture.width, picture.height, scale), file);
  return scale < wanted ? `Exported ${file} at ${Math.round(scale * 100)} % size: the design is too large for a bigger picture.` : `Exported ${file}`;
}
