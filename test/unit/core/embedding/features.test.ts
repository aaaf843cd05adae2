import { describe, expect, it } from 'vitest';
import { bodyBox, intensityFeatures, locationFeatures, sizeFeatures } from '../../../../src-main/core/embedding/features';
import { featureMatrix, nearestRows } from '../../../../src-main/core/embedding/similarity';
import type { HuSlice } from '../../../../src-main/core/imaging/resample';

function slice(rows: number, columns: number, value: (x: number, y: number) => number): HuSlice {
  const hu = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) hu[y * columns + x] = value(x, y);
  return { rows, columns, pixelSpacing: [1, 1], hu };
}

describe('feature groups', () => {
  it('size: log mm lengths, axis ratio and box area', () => {
    const f = sizeFeatures({ longAxisMm: 20, shortAxisMm: 10, longAxisPx: 40, shortAxisPx: 20, box: { x1: 0, y1: 0, x2: 30, y2: 20 }, pixelSpacing: [0.5, 0.5] });
    expect(Array.from(f)).toEqual([Math.log1p(20), Math.log1p(10), 0.5, Math.log1p(15 * 10)].map(Math.fround));
  });

  it('intensity: HU statistics inside the box, clipped to the image (hand-worked)', () => {
    // a 10 x 10 image: left half -1000 HU, right half 200 HU; the box covers columns 3..6, rows 0..9
    const s = slice(10, 10, (x) => (x < 5 ? -1000 : 200));
    const f = intensityFeatures(s, { x1: 3, y1: -5, x2: 6, y2: 20 });
    const [mean, std, p10, median, p90, low, high] = Array.from(f);
    expect(mean).toBe(-400);
    expect(std).toBe(600);
    expect(p10).toBe(-1000);
    expect(median).toBe(-400); // between the two halves
    expect(p90).toBe(200);
    expect(low).toBe(0.5);
    expect(high).toBe(0.5);
  });

  it('location: the body box leaves out a separate table and gives the lesion\'s place in it', () => {
    // body: a 40 x 30 block at (10..49, 20..49); table: a thin strip at rows 55..56
    const s = slice(64, 64, (x, y) => ((x >= 10 && x < 50 && y >= 20 && y < 50) || (y >= 55 && y <= 56) ? 40 : -1000));
    expect(bodyBox(s)).toEqual({ x1: 10, y1: 20, x2: 49, y2: 49 });
    const f = locationFeatures({ box: { x1: 12, y1: 22, x2: 16, y2: 26 }, attributes: {} }, { slice: s, sliceIndex: 3, sliceCount: 7 });
    expect(f[0]).toBeCloseTo((14 - 10) / 39, 6);
    expect(f[1]).toBeCloseTo((24 - 20) / 29, 6);
    expect(f[2]).toBeCloseTo(0.5, 6);
    // DeepLesion's normalised location wins where the source has it
    expect(Array.from(locationFeatures({ box: { x1: 0, y1: 0, x2: 1, y2: 1 }, attributes: { normalizedLocation: [0.1, 0.2, 0.3] } }, { slice: s, sliceIndex: null, sliceCount: null }))).toEqual(
      [0.1, 0.2, 0.3].map(Math.fround),
    );
  });
});

describe('similarity over standardised, weighted embeddings', () => {
  const layout = [
    { name: 'texture', length: 2 },
    { name: 'size', length: 1 },
  ];
  const e = (lesionId: number, v: number[]) => ({ lesionId, vector: Float32Array.from(v), hasPixels: !v.some(Number.isNaN) });

  it('finds the nearest by cosine and never returns the query itself', () => {
    const m = featureMatrix([e(1, [0, 0, 1]), e(2, [0.1, 0.1, 1.1]), e(3, [5, 5, 9]), e(4, [4.9, 5.2, 8])], layout);
    // two tight pairs: each lesion's nearest is its partner
    expect([0, 1, 2, 3].map((row) => m.lesionIds[nearestRows(m, row, 1)[0]!.row])).toEqual([2, 1, 4, 3]);
    expect(nearestRows(m, 2, 3).map((r) => r.row)).not.toContain(2);
    expect(nearestRows(m, 2, 3)).toHaveLength(3);
  });

  it('treats a missing group (no image) as average, and a weight of 0 switches a group off', () => {
    const rows = [e(1, [1, 2, 10]), e(2, [Number.NaN, Number.NaN, 10]), e(3, [3, 1, 30])];
    const sizeOnly = featureMatrix(rows, layout, { texture: 0 });
    // with texture off, lesions 1 and 2 (same size) are identical
    expect(nearestRows(sizeOnly, 0, 1)[0]).toEqual({ row: 1, similarity: expect.closeTo(1, 6) });
    const all = featureMatrix(rows, layout);
    for (let d = 0; d < 2; d++) expect(all.data[1 * 3 + d]).toBe(0); // NaN -> the mean -> 0 after standardising
  });
});
