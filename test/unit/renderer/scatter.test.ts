import { describe, expect, it } from 'vitest';
import { insidePolygon } from '../../../src-renderer/features/mining/scatter/webgl-scatter';

describe('lasso hit test', () => {
  const square: [number, number][] = [
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ];
  it('finds points inside a polygon and not outside', () => {
    expect(insidePolygon(5, 5, square)).toBe(true);
    expect(insidePolygon(11, 5, square)).toBe(false);
    expect(insidePolygon(-1, -1, square)).toBe(false);
  });

  it('handles a concave lasso (even-odd)', () => {
    const u: [number, number][] = [
      [0, 0],
      [3, 0],
      [3, 8],
      [7, 8],
      [7, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ];
    expect(insidePolygon(5, 4, u)).toBe(false); // in the notch
    expect(insidePolygon(1, 4, u)).toBe(true);
    expect(insidePolygon(5, 9, u)).toBe(true);
  });
});
