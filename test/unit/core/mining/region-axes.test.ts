import { describe, expect, it } from 'vitest';
import { segmentLength } from '../../../../src-main/core/mining/measurement';
import { recistFromCircle, recistFromEllipse, recistFromOutline } from '../../../../src-main/core/mining/region-axes';

describe('RECIST axes of region outlines', () => {
  it('takes an ellipse\'s major axis as the long axis whatever the order of its points', () => {
    const r = recistFromEllipse([{ x: 0, y: -2 }, { x: 0, y: 2 }, { x: -5, y: 0 }, { x: 5, y: 0 }]);
    expect(r.longAxis).toEqual([{ x: -5, y: 0 }, { x: 5, y: 0 }]);
    expect(r.shortAxis).toEqual([{ x: 0, y: -2 }, { x: 0, y: 2 }]);
  });

  it('gives a circle two perpendicular diameters', () => {
    const r = recistFromCircle({ x: 10, y: 10 }, { x: 13, y: 14 });
    expect(segmentLength(r.longAxis)).toBe(10);
    expect(segmentLength(r.shortAxis!)).toBe(10);
  });

  it('measures a rotated rectangle: long axis its diagonal, short axis the longest perpendicular chord', () => {
    // a 10 x 4 rectangle: diagonal sqrt(116). A chord perpendicular to the diagonal, through the middle part of
    // the rectangle, runs from the bottom edge to the top edge: height 4 over the sine of its angle to the
    // edges, 10 / sqrt(116), gives 4 * sqrt(116) / 10 (near the corners it meets the short sides and is shorter)
    const r = recistFromOutline([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 4 }, { x: 0, y: 4 }]);
    expect(segmentLength(r!.longAxis)).toBeCloseTo(Math.sqrt(116), 12);
    const dir = (s: [{ x: number; y: number }, { x: number; y: number }]) => [s[1].x - s[0].x, s[1].y - s[0].y];
    const [ax, ay] = dir(r!.longAxis);
    const [bx, by] = dir(r!.shortAxis!);
    expect(ax! * bx! + ay! * by!).toBeCloseTo(0, 9);
    expect(segmentLength(r!.shortAxis!)).toBeCloseTo((4 * Math.sqrt(116)) / 10, 9);
  });

  it('ignores a repeated closing point and refuses degenerate outlines', () => {
    const closed = recistFromOutline([{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 0, y: 3 }, { x: 0, y: 0 }]);
    expect(segmentLength(closed!.longAxis)).toBe(5);
    expect(recistFromOutline([{ x: 0, y: 0 }, { x: 1, y: 1 }])).toBeNull();
  });
});
