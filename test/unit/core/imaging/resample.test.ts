import { describe, expect, it } from 'vitest';
import {
  axisSampling,
  type HuSlice,
  OUTSIDE_HU,
  physicalGrid,
  resampleInto,
  sampleBilinear,
  windowUnit,
} from '../../../../src-main/core/imaging/resample';

function sliceOf(rows: number, columns: number, f: (x: number, y: number) => number, spacing: [number, number] = [1, 1]): HuSlice {
  const hu = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) hu[y * columns + x] = f(x, y);
  return { rows, columns, pixelSpacing: spacing, hu };
}

describe('sampleBilinear', () => {
  it('reproduces a linear ramp exactly anywhere between pixel centres', () => {
    const ramp = (x: number, y: number) => 3 * x - 2 * y + 5;
    const slice = sliceOf(5, 7, ramp);
    for (let k = 0; k < 200; k++) {
      // a fixed low-discrepancy sequence rather than Math.random, so the test is reproducible
      const x = ((k * 0.618034) % 1) * 6;
      const y = ((k * 0.754878) % 1) * 4;
      expect(sampleBilinear(slice, x, y)).toBeCloseTo(ramp(x, y), 4);
    }
  });

  it('matches hand-worked values on a 3x3 image', () => {
    const values = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    const slice: HuSlice = { rows: 3, columns: 3, pixelSpacing: [1, 1], hu: Float32Array.from(values) };
    expect(sampleBilinear(slice, 1, 1)).toBe(16); // a pixel centre
    expect(sampleBilinear(slice, 0.5, 0.5)).toBe((1 + 2 + 8 + 16) / 4); // 6.75
    // row 0: 2 + 0.25 * (4 - 2) = 2.5; row 1: 16 + 0.25 * 16 = 20; halfway: 11.25
    expect(sampleBilinear(slice, 1.25, 0.5)).toBe(11.25);
    expect(sampleBilinear(slice, 2, 1.75)).toBe(32 + 0.75 * (256 - 32)); // 200
    // the image covers [-0.5, 2.5]: the outer half pixel takes the edge value, beyond it is air
    expect(sampleBilinear(slice, -0.25, 0)).toBe(1);
    expect(sampleBilinear(slice, 2.5, 2.5)).toBe(256);
    expect(sampleBilinear(slice, -0.6, 0)).toBe(OUTSIDE_HU);
    expect(sampleBilinear(slice, 1, 2.51)).toBe(OUTSIDE_HU);
    expect(OUTSIDE_HU).toBe(-1024);
  });
});

describe('physicalGrid + resampleInto', () => {
  it('steps mmPerPixel / spacing source pixels per output pixel, centred on the given point', () => {
    const fine = physicalGrid({ rows: 100, columns: 100, pixelSpacing: [0.5, 0.5] }, { x: 50, y: 50 }, 4, 1);
    const coarse = physicalGrid({ rows: 100, columns: 100, pixelSpacing: [1, 1] }, { x: 50, y: 50 }, 4, 1);
    // output pixel j samples (j + 0.5 - 2) mm from the centre
    expect([...fine.x.lower].map((v, j) => v + fine.x.weight[j]!)).toEqual([47, 49, 51, 53]);
    expect([...coarse.x.lower].map((v, j) => v + coarse.x.weight[j]!)).toEqual([48.5, 49.5, 50.5, 51.5]);
  });

  it('interpolates a ramp exactly on an anisotropic grid and fills the outside with air', () => {
    const ramp = (x: number, y: number) => 7 * x + 0.5 * y - 100;
    const slice = sliceOf(40, 30, ramp, [0.8, 1.2]);
    const centre = { x: 14.3, y: 20.9 };
    const grid = physicalGrid(slice, centre, 8, 0.7);
    const out = resampleInto(slice, grid, new Float32Array(64));
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const x = centre.x + ((j + 0.5 - 4) * 0.7) / 1.2;
        const y = centre.y + ((i + 0.5 - 4) * 0.7) / 0.8;
        expect(out[i * 8 + j]).toBeCloseTo(ramp(x, y), 3);
      }
    }
    // around pixel (0, 0): x = -1.5, -0.5, 0.5, 1.5 (steps of 1.2 / 1.2); y = -2.25, -0.75, 0.75, 2.25 (1.2 / 0.8)
    const corner = resampleInto(slice, physicalGrid(slice, { x: 0, y: 0 }, 4, 1.2), new Float32Array(16));
    expect([...corner.subarray(0, 8)]).toEqual(new Array(8).fill(OUTSIDE_HU)); // rows 0, 1 lie above the image
    expect(corner[2 * 4]).toBe(OUTSIDE_HU); // x = -1.5: left of the image
    expect(corner[2 * 4 + 1]).toBeCloseTo(ramp(0, 0.75), 4); // x = -0.5: the edge pixel's outer half
    expect(corner[2 * 4 + 2]).toBeCloseTo(ramp(0.5, 0.75), 4);
  });

  it('axisSampling keeps indices inside the image', () => {
    // positions -0.5, 0.6, 1.7, 2.8, 3.9 on a 4-pixel axis covering [-0.5, 3.5]
    const s = axisSampling(5, -0.5, 1.1, 4);
    expect([...s.inside]).toEqual([1, 1, 1, 1, 0]);
    expect([...s.lower.subarray(0, 4)]).toEqual([0, 0, 1, 2]);
    expect([...s.upper.subarray(0, 4)]).toEqual([1, 1, 2, 3]);
    const end = axisSampling(2, 3, 0.5, 4); // 3 (the last centre) and 3.5 (the outer edge)
    expect([...end.lower, ...end.upper, ...end.weight]).toEqual([3, 3, 3, 3, 0, 0]);
  });
});

describe('windowUnit', () => {
  it('is clip((hu - (c - w/2)) / w, 0, 1)', () => {
    const soft = { center: 40, width: 400 };
    expect(windowUnit(-160, soft)).toBe(0);
    expect(windowUnit(-1000, soft)).toBe(0);
    expect(windowUnit(40, soft)).toBe(0.5);
    expect(windowUnit(140, soft)).toBe(0.75);
    expect(windowUnit(3000, soft)).toBe(1);
  });
});
