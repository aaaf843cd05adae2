import { describe, expect, it } from 'vitest';
import { encodeSlicePixels } from '../../../src-main/core/imaging/slice-pixels';
import { decodeSlicePixels } from '../../../src-renderer/api/slice-pixels';

describe('SlicePixels container: core encoder and renderer decoder agree', () => {
  it.each([
    ['int16', Int16Array.from([-1024, 0, 3071, -2000, 5, 6])],
    ['uint8', Uint8Array.from([0, 255, 7, 8, 9, 10])],
    ['int32', Int32Array.from([-70000, 70000, 1, 2, 3, 4])],
  ] as const)('%s', (pixelType, stored) => {
    const buffer = encodeSlicePixels({
      rows: 2,
      columns: 3,
      samplesPerPixel: 1,
      photometric: 'MONOCHROME2',
      pixelType,
      stored,
      rescaleSlope: 1,
      rescaleIntercept: -1024,
    });
    const decoded = decodeSlicePixels(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer);
    expect(Array.from(decoded.pixels)).toEqual(Array.from(stored));
    expect(decoded.header).toMatchObject({ rows: 2, columns: 3, pixelType, rescaleIntercept: -1024 });
    expect(decoded.header.minStored).toBe(Math.min(...stored));
    expect(decoded.header.maxStored).toBe(Math.max(...stored));
  });

  it('rejects a truncated container', () => {
    const buffer = encodeSlicePixels({ rows: 4, columns: 4, samplesPerPixel: 1, photometric: 'MONOCHROME2', pixelType: 'int16', stored: new Int16Array(16), rescaleSlope: 1, rescaleIntercept: 0 });
    expect(() => decodeSlicePixels(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength - 4) as ArrayBuffer)).toThrow(/truncated/);
  });
});
