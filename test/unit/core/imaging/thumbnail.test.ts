import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HuSlice } from '../../../../src-main/core/imaging/resample';
import {
  DEFAULT_THUMBNAIL_SPEC,
  encodePng,
  renderThumbnail,
  type Thumbnail,
  thumbnailCacheKey,
  thumbnailContextMm,
  type ThumbnailKeyParts,
  type ThumbnailSpec,
} from '../../../../src-main/core/imaging/thumbnail';
import { sampleSlice } from './sample-slice';

const RED: [number, number, number] = [255, 0, 0];
const spec: ThumbnailSpec = { ...DEFAULT_THUMBNAIL_SPEC, boxColor: RED };

function uniform(rows: number, columns: number, hu: number, spacing: [number, number] = [1, 1]): HuSlice {
  return { rows, columns, pixelSpacing: spacing, hu: new Float32Array(rows * columns).fill(hu) };
}

function pixel(t: Thumbnail, i: number, j: number): number[] {
  const o = (i * t.width + j) * 4;
  return [...t.rgba.subarray(o, o + 4)];
}

function colouredPixels(t: Thumbnail, colour: readonly number[]): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let i = 0; i < t.height; i++) {
    for (let j = 0; j < t.width; j++) {
      const [r, g, b] = pixel(t, i, j);
      if (r === colour[0] && g === colour[1] && b === colour[2]) found.push([i, j]);
    }
  }
  return found;
}

describe('renderThumbnail', () => {
  it('crops max(longest side * contextScale, minContextMm) around the box', () => {
    expect(thumbnailContextMm({ pixelSpacing: [1, 1] }, { x1: 40, y1: 45, x2: 60, y2: 55 }, spec)).toBe(50);
    expect(thumbnailContextMm({ pixelSpacing: [1, 1] }, { x1: 40, y1: 40, x2: 44, y2: 44 }, spec)).toBe(40);
    // the longest side in mm: 10 rows of 3 mm beat 20 columns of 1 mm
    expect(thumbnailContextMm({ pixelSpacing: [3, 1] }, { x1: 40, y1: 45, x2: 60, y2: 55 }, spec)).toBe(75);
  });

  it('windows to 8-bit grey and draws a 2-pixel outline where the box is', () => {
    // 40 HU in the 40/400 window is grey 127.5 -> 128; the crop is 50 mm over 128 px, 0.390625 mm/px
    const t = renderThumbnail(uniform(200, 200, 40), { x1: 40, y1: 40, x2: 60, y2: 60 }, spec);
    expect([t.width, t.height, t.rgba.length]).toEqual([128, 128, 128 * 128 * 4]);
    expect(pixel(t, 64, 64)).toEqual([128, 128, 128, 255]);
    // box edges at (40 - 50) / 0.390625 + 63.5 = 37.9 and 89.1: bands [36.9, 38.9) and [88.1, 90.1)
    expect(pixel(t, 64, 36)).toEqual([128, 128, 128, 255]);
    expect(pixel(t, 64, 37)).toEqual([255, 0, 0, 255]);
    expect(pixel(t, 64, 38)).toEqual([255, 0, 0, 255]);
    expect(pixel(t, 64, 39)).toEqual([128, 128, 128, 255]);
    expect(pixel(t, 64, 89)).toEqual([255, 0, 0, 255]);
    expect(pixel(t, 64, 90)).toEqual([255, 0, 0, 255]);
    expect(pixel(t, 64, 91)).toEqual([128, 128, 128, 255]);
    expect(pixel(t, 37, 64)).toEqual([255, 0, 0, 255]);
    // the ring between [37, 91)^2 and [39, 89)^2
    expect(colouredPixels(t, RED).length).toBe(54 * 54 - 50 * 50);
  });

  it('shows air beyond the image as black and clips the outline to the thumbnail', () => {
    const t = renderThumbnail(uniform(20, 20, 40), { x1: -2, y1: -2, x2: 3, y2: 3 }, { ...spec, lineWidthPx: 1 });
    expect(pixel(t, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(t, 100, 100)).toEqual([128, 128, 128, 255]); // x = y = 0.5 + (100.5 - 64) * 40 / 128 = 11.9
    expect(colouredPixels(t, RED).length).toBeGreaterThan(0);
  });

  it('encodes a PNG that decodes to the same pixels', () => {
    const t = renderThumbnail(uniform(50, 50, 100), { x1: 20, y1: 20, x2: 30, y2: 30 }, spec);
    const png = encodePng(t.rgba, t.width, t.height);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decode(png);
    expect([back.width, back.height, back.channels, back.depth]).toEqual([128, 128, 4, 8]);
    expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(t.rgba))).toBe(true);
  });
});

describe('renderThumbnail on the bundled chest CT (slice 1-15)', () => {
  let slice: HuSlice;
  beforeAll(async () => {
    slice = await sampleSlice();
  });
  // the thoracic vertebral body (columns 244-286, rows 303-343)
  const box = { x1: 244, y1: 303, x2: 286, y2: 343 };

  it('is 128x128 with the box in its colour around a bright vertebral body', () => {
    const t = renderThumbnail(slice, box, spec);
    expect([t.width, t.height]).toEqual([128, 128]);
    const ring = colouredPixels(t, RED);
    // context 42 px * 0.6465 mm * 2.5 = 67.9 mm over 128 px: the 42 x 40 px box spans 51.2 x 48.8 thumbnail
    // pixels between its edge lines, plus one line width (2 px) across the outline
    const rows = ring.map(([i]) => i);
    const cols = ring.map(([, j]) => j);
    const pxPerSourcePx = (128 / thumbnailContextMm(slice, box, spec)) * slice.pixelSpacing[0];
    expect(pxPerSourcePx).toBeCloseTo(128 / (42 * 2.5), 6);
    expect(Math.abs(Math.max(...cols) - Math.min(...cols) + 1 - (42 * pxPerSourcePx + 2))).toBeLessThanOrEqual(1);
    expect(Math.abs(Math.max(...rows) - Math.min(...rows) + 1 - (40 * pxPerSourcePx + 2))).toBeLessThanOrEqual(1);
    expect(Math.abs((Math.max(...cols) + Math.min(...cols)) / 2 - 63.5)).toBeLessThanOrEqual(0.5);
    // inside: bone brighter than soft tissue in the 40/400 window; right of the spine, the dark left lung
    expect(pixel(t, 64, 64)[0]).toBeGreaterThan(140);
    expect(pixel(t, 55, 120)[0]).toBeLessThan(10);
  });

  it('is byte-identical when rendered twice', () => {
    const a = renderThumbnail(slice, box, spec);
    const b = renderThumbnail(slice, box, spec);
    expect(Buffer.from(a.rgba).equals(Buffer.from(b.rgba))).toBe(true);
    expect(Buffer.from(encodePng(a.rgba, 128, 128)).equals(Buffer.from(encodePng(b.rgba, 128, 128)))).toBe(true);
  });
});

describe('thumbnailCacheKey', () => {
  const parts: ThumbnailKeyParts = {
    lesionId: 17,
    box: { x1: 244, y1: 303, x2: 286, y2: 343 },
    image: { path: '/data/ct/1-15.dcm', size: 526_000, mtimeMs: 1_700_000_000_000 },
    spec: DEFAULT_THUMBNAIL_SPEC,
  };

  it('is the sha256 hex of the inputs, independent of key order', () => {
    const key = thumbnailCacheKey(parts);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered: ThumbnailKeyParts = {
      spec: { minContextMm: 40, contextScale: 2.5, boxColor: [0, 255, 0], window: { width: 400, center: 40 }, sizePx: 128 },
      image: { mtimeMs: 1_700_000_000_000, size: 526_000, path: '/data/ct/1-15.dcm' },
      box: { y2: 343, x2: 286, y1: 303, x1: 244 },
      lesionId: 17,
    };
    expect(thumbnailCacheKey(reordered)).toBe(key);
  });

  it('changes with the lesion, its box, the image file, the window and the size', () => {
    const key = thumbnailCacheKey(parts);
    const variants: ThumbnailKeyParts[] = [
      { ...parts, lesionId: 18 },
      { ...parts, lesionId: '17' },
      { ...parts, box: { ...parts.box, x2: 287 } },
      { ...parts, image: { ...parts.image, path: '/data/ct/1-16.dcm' } },
      { ...parts, image: { ...parts.image, size: 526_001 } },
      { ...parts, image: { ...parts.image, mtimeMs: 1_700_000_000_001 } },
      { ...parts, image: { ...parts.image, frame: 1 } },
      { ...parts, spec: { ...parts.spec, window: { center: -600, width: 1500 } } },
      { ...parts, spec: { ...parts.spec, sizePx: 64 } },
      { ...parts, spec: { ...parts.spec, boxColor: [255, 0, 0] } },
    ];
    const keys = new Set([key, ...variants.map(thumbnailCacheKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });
});
