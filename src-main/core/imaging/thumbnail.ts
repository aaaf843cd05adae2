import { createHash } from 'node:crypto';
import { encode } from 'fast-png';
import { boxCenter, type Box } from '../mining/measurement';
import { checkSlice, checkWindow, type HuSlice, type HuWindow, physicalGrid, resampleInto } from './resample';

export interface ThumbnailSpec {
  /** Side of the square thumbnail in pixels. */
  sizePx: number;
  window: HuWindow;
  boxColor: readonly [number, number, number];
  /** The crop's side is the box's longest side (in mm) times this... */
  contextScale: number;
  /** ...but at least this many mm, so that small lesions keep enough anatomy around them to be recognised. */
  minContextMm: number;
  /** Outline thickness in thumbnail pixels; 2 when absent. */
  lineWidthPx?: number;
}

export const DEFAULT_THUMBNAIL_SPEC: ThumbnailSpec = {
  sizePx: 128,
  window: { center: 40, width: 400 },
  boxColor: [0, 255, 0],
  contextScale: 2.5,
  minContextMm: 40,
};

export interface Thumbnail {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major, opaque. */
  rgba: Uint8Array;
}

/**
 * Bumped whenever the rendering changes, so that cached thumbnails from an older renderer are not reused.
 */
export const THUMBNAIL_RENDER_VERSION = 1;

/** Side of the crop in mm: max(longest box side in mm * contextScale, minContextMm). */
export function thumbnailContextMm(slice: Pick<HuSlice, 'pixelSpacing'>, box: Box, spec: ThumbnailSpec): number {
  const [rowMm, colMm] = slice.pixelSpacing;
  const longest = Math.max(Math.abs(box.x2 - box.x1) * colMm, Math.abs(box.y2 - box.y1) * rowMm);
  return Math.max(longest * spec.contextScale, spec.minContextMm);
}

/**
 * A square preview of a lesion for the review gallery: the crop of thumbnailContextMm around the box centre
 * (square in mm, so anisotropic pixels are not distorted), bilinearly resampled to sizePx x sizePx, windowed to
 * 8-bit grey (air beyond the image), with the box outline drawn over it. Pure arithmetic on the input with
 * fixed rounding: the same input gives the same bytes, so thumbnails can be cached by content.
 */
export function renderThumbnail(slice: HuSlice, box: Box, spec: ThumbnailSpec): Thumbnail {
  checkSlice(slice);
  checkWindow(spec.window);
  const size = spec.sizePx;
  if (!(spec.contextScale > 0) || !(spec.minContextMm > 0)) throw new RangeError('contextScale and minContextMm must be positive');
  const mmPerPixel = thumbnailContextMm(slice, box, spec) / size;
  const centre = boxCenter(box);
  const grid = physicalGrid(slice, centre, size, mmPerPixel);
  const hu = resampleInto(slice, grid, new Float32Array(size * size));

  const rgba = new Uint8Array(size * size * 4);
  const low = spec.window.center - spec.window.width / 2;
  const width = spec.window.width;
  for (let k = 0; k < hu.length; k++) {
    const v = (hu[k]! - low) / width;
    const grey = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    rgba[k * 4] = grey;
    rgba[k * 4 + 1] = grey;
    rgba[k * 4 + 2] = grey;
    rgba[k * 4 + 3] = 255;
  }

  // the box edges in thumbnail pixel-centre coordinates (the inverse of physicalGrid's mapping)
  const [rowMm, colMm] = slice.pixelSpacing;
  const toJ = (x: number) => ((x - centre.x) * colMm) / mmPerPixel + size / 2 - 0.5;
  const toI = (y: number) => ((y - centre.y) * rowMm) / mmPerPixel + size / 2 - 0.5;
  drawOutline(rgba, size, size, {
    x1: toJ(Math.min(box.x1, box.x2)),
    x2: toJ(Math.max(box.x1, box.x2)),
    y1: toI(Math.min(box.y1, box.y2)),
    y2: toI(Math.max(box.y1, box.y2)),
  }, spec.boxColor, spec.lineWidthPx ?? 2);
  return { width: size, height: size, rgba };
}

/**
 * Paints the pixels whose centre lies within lineWidth/2 of the box's edges (half-open bands, so each edge is
 * exactly lineWidth pixels thick), clipped to the image.
 */
function drawOutline(
  rgba: Uint8Array,
  width: number,
  height: number,
  box: Box,
  color: readonly [number, number, number],
  lineWidth: number,
): void {
  const h = lineWidth / 2;
  const outer = { x1: Math.ceil(box.x1 - h), x2: Math.ceil(box.x2 + h), y1: Math.ceil(box.y1 - h), y2: Math.ceil(box.y2 + h) };
  const inner = { x1: Math.ceil(box.x1 + h), x2: Math.ceil(box.x2 - h), y1: Math.ceil(box.y1 + h), y2: Math.ceil(box.y2 - h) };
  const [r, g, b] = color;
  for (let i = Math.max(0, outer.y1); i < Math.min(height, outer.y2); i++) {
    const insideRows = i >= inner.y1 && i < inner.y2;
    for (let j = Math.max(0, outer.x1); j < Math.min(width, outer.x2); j++) {
      if (insideRows && j >= inner.x1 && j < inner.x2) continue;
      const o = (i * width + j) * 4;
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
}

/** An 8-bit RGBA PNG (no text or time chunks: the bytes depend on the pixels only). */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (rgba.length !== width * height * 4) throw new RangeError(`${rgba.length} bytes for a ${width} x ${height} RGBA image`);
  return encode({ width, height, data: rgba, channels: 4, depth: 8 });
}

export interface ThumbnailKeyParts {
  lesionId: string | number;
  box: Box;
  image: {
    path: string;
    size: number;
    mtimeMs: number;
    /** The frame of a multi-frame object; 0 when absent. */
    frame?: number;
  };
  spec: ThumbnailSpec;
}

/**
 * sha256 hex of everything that defines a thumbnail, serialised in a fixed order (never an object's key
 * order): a changed lesion, box, image file, window, size or renderer gives a new key.
 */
export function thumbnailCacheKey(parts: ThumbnailKeyParts): string {
  const { lesionId, box, image, spec } = parts;
  const canonical = JSON.stringify([
    'lesion-thumbnail',
    THUMBNAIL_RENDER_VERSION,
    typeof lesionId,
    String(lesionId),
    [box.x1, box.y1, box.x2, box.y2],
    image.path,
    image.size,
    image.mtimeMs,
    image.frame ?? 0,
    spec.sizePx,
    [spec.window.center, spec.window.width],
    [...spec.boxColor],
    spec.contextScale,
    spec.minContextMm,
    spec.lineWidthPx ?? 2,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
