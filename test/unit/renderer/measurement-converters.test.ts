import { describe, expect, it } from 'vitest';
import {
  bidirectionalPointsFromRecist,
  pixelFromWorld,
  recistFromBidirectionalPoints,
  sameRecist,
  sliceGeometry,
  worldFromPixel,
} from '../../../src-renderer/features/viewer/measurement-converters';

// The bundled lung CT's first slice (values read with pydicom): axial, 0.646484375 mm pixels.
const lungSlice = sliceGeometry({ imagePosition: [-173.1767578125, -294.1767578125, 312], imageOrientation: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.646484375, 0.646484375] }, 0);

describe('measurement converters (viewer world mm <-> catalogue pixels)', () => {
  it('puts pixel (0, 0) at ImagePositionPatient and steps by the spacing along the direction cosines', () => {
    expect(worldFromPixel({ x: 0, y: 0 }, lungSlice)).toEqual([-173.1767578125, -294.1767578125, 312]);
    expect(worldFromPixel({ x: 100, y: 10 }, lungSlice)).toEqual([-173.1767578125 + 64.6484375, -294.1767578125 + 6.46484375, 312]);
  });

  it('handles oblique and anisotropic slices (hand-worked)', () => {
    const s = Math.SQRT1_2;
    const g = sliceGeometry({ imagePosition: [10, 20, 30], imageOrientation: [s, s, 0, 0, 0, -1], pixelSpacing: [2, 0.5] }, 0);
    // x = 4 columns of 0.5 mm along (s, s, 0); y = 3 rows of 2 mm along (0, 0, -1)
    const w = worldFromPixel({ x: 4, y: 3 }, g);
    expect(w[0]).toBeCloseTo(10 + 2 * s, 12);
    expect(w[1]).toBeCloseTo(20 + 2 * s, 12);
    expect(w[2]).toBeCloseTo(24, 12);
    const back = pixelFromWorld(w, g);
    expect(back.x).toBeCloseTo(4, 12);
    expect(back.y).toBeCloseTo(3, 12);
  });

  it('round-trips a RECIST measurement through the bidirectional handles', () => {
    const recist = { longAxis: [{ x: 238.314, y: 261.228 }, { x: 235.858, y: 268.594 }], shortAxis: [{ x: 240.36, y: 265.729 }, { x: 234.222, y: 262.865 }] } as const;
    const points = bidirectionalPointsFromRecist({ longAxis: [...recist.longAxis], shortAxis: [...recist.shortAxis] }, lungSlice);
    expect(points).toHaveLength(4);
    const back = recistFromBidirectionalPoints(points, lungSlice);
    expect(sameRecist(back, { longAxis: [...recist.longAxis], shortAxis: [...recist.shortAxis] })).toBe(true);
  });

  it('gives a long-axis-only measurement a zero-length short axis at its middle', () => {
    const points = bidirectionalPointsFromRecist({ longAxis: [{ x: 0, y: 0 }, { x: 10, y: 0 }], shortAxis: null }, lungSlice);
    const back = recistFromBidirectionalPoints(points, lungSlice);
    expect(back.shortAxis![0].x).toBeCloseTo(5, 9);
    expect(back.shortAxis![1].x).toBeCloseTo(5, 9);
  });
});
