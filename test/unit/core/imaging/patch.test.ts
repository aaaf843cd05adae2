import { beforeAll, describe, expect, it } from 'vitest';
import { extractPatch, patchChannelNames, type PatchSpec } from '../../../../src-main/core/imaging/patch';
import { type HuSlice, OUTSIDE_HU } from '../../../../src-main/core/imaging/resample';
import type { Box } from '../../../../src-main/core/mining/measurement';
import { sampleSlice } from './sample-slice';

const LUNG = { center: -600, width: 1500, name: 'lung' };
const SOFT = { center: 40, width: 400, name: 'soft' };
const BONE = { center: 400, width: 1800, name: 'bone' };

function sliceOf(rows: number, columns: number, f: (x: number, y: number) => number, spacing: [number, number] = [1, 1]): HuSlice {
  const hu = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) hu[y * columns + x] = f(x, y);
  return { rows, columns, pixelSpacing: spacing, hu };
}

const constant = (value: number) => sliceOf(8, 8, () => value);

/** A bright disc of radius 10 mm (100 HU on 0) centred on pixel `c` of an image with the given spacing. */
function disc(size: number, spacing: [number, number], c: number): HuSlice {
  return sliceOf(size, size, (x, y) => (Math.hypot((x - c) * spacing[1], (y - c) * spacing[0]) <= 10 ? 100 : 0), spacing);
}

/** Radii of the bright region of a patch: from its area, and its half-widths along the centre row and column. */
function discRadii(hu: Float32Array, size: number) {
  let area = 0;
  for (const v of hu) if (v > 50) area++;
  const mid = size / 2;
  let row = 0;
  let col = 0;
  for (let k = 0; k < size; k++) {
    if (hu[mid * size + k]! > 50) row++;
    if (hu[k * size + mid]! > 50) col++;
  }
  return { fromArea: Math.sqrt(area / Math.PI), alongRow: row / 2, alongColumn: col / 2 };
}

describe('extractPatch geometry', () => {
  const spec: PatchSpec = { sizePx: 64, mmPerPixel: 1, windows: [SOFT], contextSlices: 0 };
  const boxAround = (c: number, halfPx: number): Box => ({ x1: c - halfPx, y1: c - halfPx, x2: c + halfPx, y2: c + halfPx });

  it('keeps the physical size fixed: a 10 mm disc is 10 px at 1 mm/px whatever the pixel spacing', () => {
    const fine = disc(200, [0.5, 0.5], 99.5); // the disc is 40 source pixels across
    const coarse = disc(100, [1, 1], 49.5); // 20 source pixels across
    const anisotropic = disc(200, [0.5, 1], 99.5); // an ellipse in pixels, a disc in mm
    for (const slice of [fine, coarse, anisotropic]) {
      const r = discRadii(extractPatch(slice, boxAround(slice === coarse ? 49.5 : 99.5, 12), spec).hu, 64);
      expect(Math.abs(r.fromArea - 10)).toBeLessThan(1);
      expect(Math.abs(r.alongRow - 10)).toBeLessThan(1);
      expect(Math.abs(r.alongColumn - 10)).toBeLessThan(1);
    }
    // ...while the patch spans twice as many source pixels on the 0.5 mm image: 64 mm = 128 vs 64 pixels
    const fineRamp = sliceOf(200, 200, (x) => x, [0.5, 0.5]);
    const coarseRamp = sliceOf(200, 200, (x) => x, [1, 1]);
    const span = (s: HuSlice) => {
      const hu = extractPatch(s, boxAround(99.5, 5), spec).hu;
      return hu[63]! - hu[0]!;
    };
    expect(span(fineRamp)).toBeCloseTo(126, 4); // (63 output steps) * 2 source pixels
    expect(span(coarseRamp)).toBeCloseTo(63, 4);
  });

  it('is centred on the box centre and samples pixel centres exactly when the grids align', () => {
    const slice = sliceOf(10, 10, (x, y) => 100 * y + x);
    // box centre (4.5, 3.5); output (i, j) samples x = 4.5 + j + 0.5 - 2, y = 3.5 + i + 0.5 - 2
    const p = extractPatch(slice, { x1: 3, y1: 1, x2: 6, y2: 6 }, { ...spec, sizePx: 4 });
    expect([...p.hu]).toEqual([203, 204, 205, 206, 303, 304, 305, 306, 403, 404, 405, 406, 503, 504, 505, 506]);
  });

  it('is air (-1024 HU) beyond the image', () => {
    const p = extractPatch(constant(40), { x1: 0, y1: 0, x2: 1, y2: 1 }, { ...spec, sizePx: 16 });
    expect(p.hu[0]).toBe(OUTSIDE_HU);
    expect(p.hu[15 * 16 + 15]).toBe(OUTSIDE_HU); // x = y = 0.5 + 15.5 - 8 = 8, beyond the 8-pixel image
    expect(p.hu[12 * 16 + 12]).toBe(40); // x = y = 5
    expect(p.channels[0]).toBe(0); // air in the soft-tissue window
  });
});

describe('extractPatch channels', () => {
  it('windows to clip((hu - (c - w/2)) / w, 0, 1), window-major', () => {
    const values = [-2000, -1350, -600, 0, 40, 150, 240, 1000, 1300, 3000, -160, -500, 400, 700, 1, 2];
    const slice: HuSlice = { rows: 4, columns: 4, pixelSpacing: [1, 1], hu: Float32Array.from(values) };
    const p = extractPatch(slice, { x1: 1, y1: 1, x2: 2, y2: 2 }, { sizePx: 4, mmPerPixel: 1, windows: [LUNG, SOFT, BONE], contextSlices: 0 });
    expect([...p.hu]).toEqual(values);
    expect(p.channelNames).toEqual(['lung@0', 'soft@0', 'bone@0']);
    expect(p.channels.length).toBe(3 * 16);
    for (const v of p.channels) expect(v >= 0 && v <= 1).toBe(true);
    const at = (channel: number, k: number) => p.channels[channel * 16 + k]!;
    const expectChannel = (channel: number, expected: Record<number, number>) => {
      for (const [k, v] of Object.entries(expected)) expect(at(channel, Number(k))).toBeCloseTo(v, 6);
    };
    // hand-computed: lung [-1350, 150], soft [-160, 240], bone [-500, 1300]
    expectChannel(0, { 0: 0, 1: 0, 2: 0.5, 3: 0.9, 4: 1390 / 1500, 5: 1, 7: 1, 9: 1, 11: 850 / 1500 });
    expectChannel(1, { 0: 0, 3: 0.4, 4: 0.5, 5: 310 / 400, 6: 1, 7: 1, 10: 0, 15: 162 / 400 });
    expectChannel(2, { 0: 0, 3: 500 / 1800, 7: 1500 / 1800, 8: 1, 9: 1, 11: 0, 12: 0.5, 13: 1200 / 1800 });
  });

  // an identity-like window: a slice of constant v gives channels of (v + 50) / 100
  const unit = { center: 0, width: 100, name: 'u' };
  const box: Box = { x1: 2, y1: 2, x2: 5, y2: 5 };
  const channelValues = (channels: Float32Array, area: number) =>
    Array.from({ length: channels.length / area }, (_, c) => Math.round(channels[c * area]! * 100 - 50));

  it('takes the neighbours in order, farthest before to farthest after', () => {
    const p = extractPatch(constant(0), box, { sizePx: 4, mmPerPixel: 1, windows: [unit], contextSlices: 2 }, {
      before: [constant(-10), constant(-20)],
      after: [constant(10), constant(20)],
    });
    expect(p.channelNames).toEqual(['u@-2', 'u@-1', 'u@0', 'u@+1', 'u@+2']);
    expect(channelValues(p.channels, 16)).toEqual([-20, -10, 0, 10, 20]);
    expect(p.hu.every((v) => v === 0)).toBe(true); // hu is the key slice
  });

  it('repeats the nearest available slice where the volume ends', () => {
    const spec = { sizePx: 4, mmPerPixel: 1, windows: [unit, { center: 0, width: 200, name: 'v' }], contextSlices: 2 };
    // the second slice of a volume: one slice before it
    const second = extractPatch(constant(0), box, spec, { before: [constant(-10)], after: [constant(10), constant(20)] });
    expect(channelValues(second.channels, 16).slice(0, 5)).toEqual([-10, -10, 0, 10, 20]);
    // the first slice: none before, the key slice stands in
    const first = extractPatch(constant(0), box, spec, { after: [constant(10)] });
    expect(channelValues(first.channels, 16).slice(0, 5)).toEqual([0, 0, 0, 10, 10]);
    // window-major: the second window's stack follows the first's, (v + 100) / 200
    expect(first.channelNames.slice(5)).toEqual(['v@-2', 'v@-1', 'v@0', 'v@+1', 'v@+2']);
    expect(Array.from({ length: 5 }, (_, s) => first.channels[(5 + s) * 16]! * 200 - 100).map(Math.round)).toEqual([0, 0, 0, 10, 10]);
  });

  it('refuses neighbours of another geometry', () => {
    const spec = { sizePx: 4, mmPerPixel: 1, windows: [unit], contextSlices: 1 };
    expect(() => extractPatch(constant(0), box, spec, { before: [sliceOf(8, 9, () => 0)] })).toThrow(/geometry/);
    expect(() => extractPatch(constant(0), box, spec, { after: [sliceOf(8, 8, () => 0, [1, 2])] })).toThrow(/geometry/);
  });

  it('names channels by window then offset', () => {
    expect(patchChannelNames({ windows: [{ center: -600, width: 1500 }], contextSlices: 1 })).toEqual([
      'L-600W1500@-1',
      'L-600W1500@0',
      'L-600W1500@+1',
    ]);
  });
});

function mean(hu: Float32Array, size: number, rows: [number, number], cols: [number, number]): number {
  let sum = 0;
  for (let i = rows[0]; i < rows[1]; i++) for (let j = cols[0]; j < cols[1]; j++) sum += hu[i * size + j]!;
  return sum / ((rows[1] - rows[0]) * (cols[1] - cols[0]));
}

describe('extractPatch on the bundled chest CT (slice 1-15, 0.646 mm pixels)', () => {
  let slice: HuSlice;
  beforeAll(async () => {
    slice = await sampleSlice();
  });
  const spec: PatchSpec = { sizePx: 64, mmPerPixel: 1, windows: [LUNG, SOFT, BONE], contextSlices: 0 };

  it('centres a 64 mm patch on a thoracic vertebral body', () => {
    expect(slice.pixelSpacing).toEqual([0.646484375, 0.646484375]);
    // the vertebral body spans columns 244-286 and rows 303-343 of the slice (looked at in a rendering)
    const p = extractPatch(slice, { x1: 244, y1: 303, x2: 286, y2: 343 }, spec);
    const body = mean(p.hu, 64, [24, 40], [24, 40]); // cancellous bone, the central 16 mm
    // the spinal canal: about 20 mm behind the body's centre, 6 mm in radius (cord and CSF)
    const canal = mean(p.hu, 64, [49, 54], [28, 33]);
    expect(canal).toBeGreaterThan(0);
    expect(canal).toBeLessThan(100);
    expect(body).toBeGreaterThan(canal + 50);
    expect(body).toBeLessThan(400);
    // the canal in the soft-tissue window is mid-grey, the cortical ring around it saturates the lung window
    expect(mean(p.channels.subarray(64 * 64, 2 * 64 * 64), 64, [49, 54], [28, 33])).toBeCloseTo((canal + 160) / 400, 3);
  });

  it('reads air outside the body in front of the chest, fat beneath the skin', () => {
    const p = extractPatch(slice, { x1: 240, y1: 50, x2: 260, y2: 70 }, spec);
    // patch row 0 samples slice row 60 + (0.5 - 32) / 0.6465 = 11.3: still inside the image, so this is measured air
    expect(60 + (0.5 - 32) / slice.pixelSpacing[0]).toBeGreaterThan(0);
    let maxAir = -Infinity;
    for (let k = 0; k < 36 * 64; k++) maxAir = Math.max(maxAir, p.hu[k]!);
    expect(maxAir).toBeLessThan(-900);
    const fat = mean(p.hu, 64, [52, 56], [0, 64]);
    expect(fat).toBeGreaterThan(-150);
    expect(fat).toBeLessThan(-50);
  });
});
