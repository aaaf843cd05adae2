import { describe, expect, it } from 'vitest';
import { orderSlices, positionAlongNormal, sliceNormal } from '../../../../src-main/core/library/geometry';

describe('slice geometry', () => {
  it('the normal of an axial slice is +z, of a coronal slice (columns running feet-ward) +y', () => {
    const plain = (v: number[]) => v.map((x) => x + 0); // -0 to 0
    expect(plain(sliceNormal([1, 0, 0, 0, 1, 0]))).toEqual([0, 0, 1]);
    expect(plain(sliceNormal([1, 0, 0, 0, 0, -1]))).toEqual([0, 1, 0]);
  });

  it('measures an oblique slice along its own normal (hand-worked)', () => {
    // rows along x, columns tilted 45 degrees between y and z: normal = (0, -s, s) with s = 1/sqrt(2)
    const s = Math.SQRT1_2;
    const orientation: [number, number, number, number, number, number] = [1, 0, 0, 0, s, s];
    expect(positionAlongNormal([10, 2, 4], orientation)).toBeCloseTo(-2 * s + 4 * s, 12);
  });
});

describe('orderSlices', () => {
  const slice = (filePath: string, position: number | null, instanceNumber: number | null, frame = 0) => ({ filePath, position, instanceNumber, frame });

  it('orders by position along the normal, not by file name or instance number', () => {
    // file names and instance numbers disagree with the anatomy on purpose
    const slices = [slice('a', 10, 3), slice('b', 30, 1), slice('c', 20, 2), slice('d', 0, 4)];
    const { ordered, ordering } = orderSlices(slices);
    expect(ordering).toBe('position');
    expect(ordered.map((s) => s.filePath)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('falls back to instance number when a slice has no geometry, then to file name', () => {
    expect(orderSlices([slice('x', null, 2), slice('y', 5, 1)]).ordered.map((s) => s.filePath)).toEqual(['y', 'x']);
    const byName = orderSlices([slice('b', null, null), slice('a', null, null)]);
    expect(byName.ordering).toBe('file-name');
    expect(byName.ordered.map((s) => s.filePath)).toEqual(['a', 'b']);
  });
});
