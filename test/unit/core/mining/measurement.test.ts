import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeepLesionTable, recistFromDeepLesion } from '../../../../src-main/core/library/deeplesion';
import { axesAngleDegrees, boxFromRecist, fromDicomScoord, segmentLength, segmentLengthMm } from '../../../../src-main/core/mining/measurement';
import { fixture, hasSharedData, sharedData } from '../../../helpers/data';

function checkTable(path: string): { rows: number; worstBox: number; worstLong: number; worstShort: number } {
  const { rows, errors } = parseDeepLesionTable(readFileSync(path, 'utf8'));
  expect(errors).toEqual([]);
  let worstBox = 0;
  let worstLong = 0;
  let worstShort = 0;
  for (const row of rows) {
    const recist = recistFromDeepLesion(row);
    const box = boxFromRecist(recist);
    const [x1, y1, x2, y2] = row.box as [number, number, number, number];
    worstBox = Math.max(worstBox, Math.abs(box.x1 - x1), Math.abs(box.y1 - y1), Math.abs(box.x2 - x2), Math.abs(box.y2 - y2));
    worstLong = Math.max(worstLong, Math.abs(segmentLength(recist.longAxis) - row.diametersPx[0]!));
    worstShort = Math.max(worstShort, Math.abs(segmentLength(recist.shortAxis!) - row.diametersPx[1]!));
  }
  return { rows: rows.length, worstBox, worstLong, worstShort };
}

describe('boxFromRecist and the RECIST lengths reproduce the DeepLesion table', () => {
  it('on the bundled sample rows', () => {
    const r = checkTable(fixture('deeplesion', 'DL_info_sample.csv'));
    expect(r.rows).toBe(33);
    expect(r.worstBox).toBeLessThan(0.01);
    expect(r.worstLong).toBeLessThan(0.01);
    expect(r.worstShort).toBeLessThan(0.01);
  });

  it.runIf(hasSharedData)('on every row of DL_info_val.csv (4,889 lesions)', () => {
    const r = checkTable(sharedData('deeplesion', 'DL_info_val.csv'));
    expect(r.rows).toBe(4889);
    expect(r.worstBox).toBeLessThan(0.01);
    expect(r.worstLong).toBeLessThan(0.01);
    expect(r.worstShort).toBeLessThan(0.01);
  });
});

describe('measurement helpers', () => {
  it('pads the tight box by 5 px (hand-worked)', () => {
    expect(boxFromRecist({ longAxis: [{ x: 10, y: 20 }, { x: 30, y: 25 }], shortAxis: [{ x: 18, y: 15 }, { x: 22, y: 30 }] })).toEqual({ x1: 5, y1: 10, x2: 35, y2: 35 });
  });

  it('measures mm with anisotropic spacing ([row, column])', () => {
    expect(segmentLengthMm([{ x: 0, y: 0 }, { x: 3, y: 4 }], [2, 1])).toBeCloseTo(Math.hypot(3, 8), 12);
  });

  it('converts DICOM SCOORD corners to pixel centres', () => {
    expect(fromDicomScoord(0.5, 0.5)).toEqual({ x: 0, y: 0 });
  });

  it('reports the angle between the axes', () => {
    expect(axesAngleDegrees({ longAxis: [{ x: 0, y: 0 }, { x: 10, y: 0 }], shortAxis: [{ x: 5, y: -3 }, { x: 5, y: 3 }] })).toBeCloseTo(90, 12);
  });
});
