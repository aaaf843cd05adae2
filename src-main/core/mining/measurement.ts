/**
 * The measurement model. It never knows which tool or file produced a measurement: DeepLesion rows, SR
 * SCOORDs, presentation-state polylines and the viewer's bidirectional tool all convert to it through small
 * converter functions (OHIF's MeasurementService pattern).
 *
 * Coordinates are image pixel coordinates: x = column, y = row, (0, 0) at the CENTRE of the top-left pixel
 * (numpy / DeepLesion / cornerstone index space). DICOM SCOORDs put (0, 0) at the pixel's top-left corner:
 * convert with `fromDicomScoord`.
 */
export interface Point2 {
  x: number;
  y: number;
}

export type Segment = [Point2, Point2];

/** A RECIST measurement: the long axis and, when measured, the perpendicular short axis. */
export interface Recist {
  longAxis: Segment;
  shortAxis: Segment | null;
}

/** An axis-aligned box in pixel coordinates (x1, y1) top-left to (x2, y2) bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** DeepLesion's rule: the tight box of the RECIST endpoints padded by 5 pixels on each side. */
export const RECIST_BOX_PADDING_PX = 5;

export function segmentLength(s: Segment): number {
  return Math.hypot(s[1].x - s[0].x, s[1].y - s[0].y);
}

/** Length in mm of a segment on an image with [row, column] spacing in mm. */
export function segmentLengthMm(s: Segment, spacing: readonly [number, number]): number {
  return Math.hypot((s[1].x - s[0].x) * spacing[1], (s[1].y - s[0].y) * spacing[0]);
}

export function boxFromRecist(recist: Recist, padding = RECIST_BOX_PADDING_PX): Box {
  const points = recist.shortAxis ? [...recist.longAxis, ...recist.shortAxis] : [...recist.longAxis];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return {
    x1: Math.min(...xs) - padding,
    y1: Math.min(...ys) - padding,
    x2: Math.max(...xs) + padding,
    y2: Math.max(...ys) + padding,
  };
}

export function boxCenter(box: Box): Point2 {
  return { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
}

/** DICOM SCOORD (0, 0 = top-left corner of the first pixel, PS3.3 C.18.6.1.1) to our pixel-centre space. */
export function fromDicomScoord(column: number, row: number): Point2 {
  return { x: column - 0.5, y: row - 0.5 };
}

export function toDicomScoord(p: Point2): [number, number] {
  return [p.x + 0.5, p.y + 0.5];
}

/** Angle between the two axes in degrees (90 for a proper RECIST measurement). */
export function axesAngleDegrees(recist: Recist): number | null {
  if (!recist.shortAxis) return null;
  const [a, b] = recist.longAxis;
  const [c, d] = recist.shortAxis;
  const u = { x: b.x - a.x, y: b.y - a.y };
  const v = { x: d.x - c.x, y: d.y - c.y };
  const cos = (u.x * v.x + u.y * v.y) / (Math.hypot(u.x, u.y) * Math.hypot(v.x, v.y));
  return (Math.acos(Math.min(1, Math.abs(cos))) * 180) / Math.PI;
}
