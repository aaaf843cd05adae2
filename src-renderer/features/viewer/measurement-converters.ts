import type { PointPx, RecistAxes, SliceInfo } from '@contract';

/**
 * Converters between the catalogue's RECIST model (pixel-centre coordinates on a slice) and the viewer's
 * world coordinates (mm, patient space), in which cornerstone's Bidirectional tool keeps its handles. The
 * measurement model never knows which tool drew it (OHIF's MeasurementService pattern).
 */
export type Vec3 = [number, number, number];

export interface SliceGeometry {
  origin: Vec3;
  rowDirection: Vec3;
  columnDirection: Vec3;
  /** [row spacing, column spacing] mm */
  spacing: [number, number];
}

/** The geometry cornerstone is given for a slice (see cornerstone.ts: synthetic for images without it). */
export function sliceGeometry(slice: Pick<SliceInfo, 'imageOrientation' | 'imagePosition' | 'pixelSpacing'>, index: number): SliceGeometry {
  const o = slice.imageOrientation ?? [1, 0, 0, 0, 1, 0];
  return {
    origin: slice.imagePosition ?? [0, 0, -index],
    rowDirection: [o[0], o[1], o[2]],
    columnDirection: [o[3], o[4], o[5]],
    spacing: slice.pixelSpacing ?? [1, 1],
  };
}

/** Pixel (x = column, y = row) to world: origin + x * colSpacing * rowDirection + y * rowSpacing * columnDirection. */
export function worldFromPixel(p: PointPx, g: SliceGeometry): Vec3 {
  const [rowSpacing, colSpacing] = g.spacing;
  return [0, 1, 2].map((k) => g.origin[k]! + p.x * colSpacing * g.rowDirection[k]! + p.y * rowSpacing * g.columnDirection[k]!) as Vec3;
}

export function pixelFromWorld(w: readonly number[], g: SliceGeometry): PointPx {
  const d = [w[0]! - g.origin[0], w[1]! - g.origin[1], w[2]! - g.origin[2]];
  const along = (dir: Vec3) => d[0]! * dir[0] + d[1]! * dir[1] + d[2]! * dir[2];
  return { x: along(g.rowDirection) / g.spacing[1], y: along(g.columnDirection) / g.spacing[0] };
}

/** cornerstone Bidirectional handles: [long 1, long 2, short 1, short 2]. */
export function bidirectionalPointsFromRecist(recist: RecistAxes, g: SliceGeometry): Vec3[] {
  const short = recist.shortAxis ?? perpendicularStub(recist.longAxis);
  return [...recist.longAxis, ...short].map((p) => worldFromPixel(p, g));
}

export function recistFromBidirectionalPoints(points: readonly (readonly number[])[], g: SliceGeometry): RecistAxes {
  if (points.length < 4) throw new Error(`a bidirectional measurement has 4 handles, got ${points.length}`);
  const [a, b, c, d] = points.map((w) => pixelFromWorld(w, g)) as [PointPx, PointPx, PointPx, PointPx];
  return { longAxis: [a, b], shortAxis: [c, d] };
}

/** A zero-length short axis at the middle of the long one (cornerstone needs four handles). */
function perpendicularStub(long: [PointPx, PointPx]): [PointPx, PointPx] {
  const mid = { x: (long[0].x + long[1].x) / 2, y: (long[0].y + long[1].y) / 2 };
  return [mid, { ...mid }];
}

/** True when two RECIST measurements are the same to a hundredth of a pixel (no save needed). */
export function sameRecist(a: RecistAxes, b: RecistAxes): boolean {
  const pts = (r: RecistAxes) => [...r.longAxis, ...(r.shortAxis ?? [])];
  const pa = pts(a);
  const pb = pts(b);
  return pa.length === pb.length && pa.every((p, i) => Math.abs(p.x - pb[i]!.x) < 0.01 && Math.abs(p.y - pb[i]!.y) < 0.01);
}
