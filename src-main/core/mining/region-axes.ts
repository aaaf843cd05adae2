import { segmentLength, type Point2, type Recist, type Segment } from './measurement';

/**
 * RECIST axes of 2D regions (SR SCOORDs that outline a lesion instead of measuring it with two lines):
 * the long axis is the region's longest diameter, the short axis its longest diameter perpendicular to it.
 * Coordinates are pixel-centre coordinates, like every measurement.
 */

/** ELLIPSE: four points, the major axis endpoints then the minor axis endpoints (PS3.3 C.18.6.1.2). */
export function recistFromEllipse(points: readonly Point2[]): Recist {
  const [a, b, c, d] = points as [Point2, Point2, Point2, Point2];
  const first: Segment = [a, b];
  const second: Segment = [c, d];
  return segmentLength(first) >= segmentLength(second) ? { longAxis: first, shortAxis: second } : { longAxis: second, shortAxis: first };
}

/** CIRCLE: the centre and a point on the circle; the axes are the horizontal and vertical diameters. */
export function recistFromCircle(centre: Point2, onCircle: Point2): Recist {
  const r = Math.hypot(onCircle.x - centre.x, onCircle.y - centre.y);
  return {
    longAxis: [
      { x: centre.x - r, y: centre.y },
      { x: centre.x + r, y: centre.y },
    ],
    shortAxis: [
      { x: centre.x, y: centre.y - r },
      { x: centre.x, y: centre.y + r },
    ],
  };
}

/**
 * A closed outline (POLYGON, or a POLYLINE of 3+ points): the long axis joins the two vertices farthest apart;
 * the short axis is the longest chord of the outline perpendicular to it, found by intersecting the outline with
 * perpendicular lines at every vertex's projection and in between.
 */
export function recistFromOutline(points: readonly Point2[]): Recist | null {
  const vertices = points.length > 1 && points[0]!.x === points.at(-1)!.x && points[0]!.y === points.at(-1)!.y ? points.slice(0, -1) : [...points];
  if (vertices.length < 3) return null;
  let best: Segment | null = null;
  let bestLength = 0;
  for (let i = 0; i < vertices.length; i++) {
    for (let j = i + 1; j < vertices.length; j++) {
      const s: Segment = [vertices[i]!, vertices[j]!];
      const l = segmentLength(s);
      if (l > bestLength) {
        best = s;
        bestLength = l;
      }
    }
  }
  if (!best || bestLength === 0) return null;
  const [p, q] = best;
  const u = { x: (q.x - p.x) / bestLength, y: (q.y - p.y) / bestLength }; // along the long axis
  const v = { x: -u.y, y: u.x }; // perpendicular
  const along = (pt: Point2) => (pt.x - p.x) * u.x + (pt.y - p.y) * u.y;
  const across = (pt: Point2) => (pt.x - p.x) * v.x + (pt.y - p.y) * v.y;
  // candidate positions along the axis: every vertex projection and the midpoints between neighbours
  const stops = [...new Set(vertices.map(along))].sort((a, b) => a - b);
  const candidates = stops.flatMap((t, i) => (i + 1 < stops.length ? [t, (t + stops[i + 1]!) / 2] : [t]));
  let shortBest: { t: number; lo: number; hi: number } | null = null;
  for (const t of candidates) {
    const hits: number[] = [];
    for (let i = 0; i < vertices.length; i++) {
      const a = vertices[i]!;
      const b = vertices[(i + 1) % vertices.length]!;
      const ta = along(a);
      const tb = along(b);
      if ((ta - t) * (tb - t) > 0 || ta === tb) {
        if (ta === t && tb === t) hits.push(across(a), across(b));
        continue;
      }
      const f = (t - ta) / (tb - ta);
      hits.push(across(a) + f * (across(b) - across(a)));
    }
    if (hits.length < 2) continue;
    const lo = Math.min(...hits);
    const hi = Math.max(...hits);
    if (!shortBest || hi - lo > shortBest.hi - shortBest.lo) shortBest = { t, lo, hi };
  }
  const at = (t: number, s: number): Point2 => ({ x: p.x + t * u.x + s * v.x, y: p.y + t * u.y + s * v.y });
  return {
    longAxis: best,
    shortAxis: shortBest && shortBest.hi > shortBest.lo ? [at(shortBest.t, shortBest.lo), at(shortBest.t, shortBest.hi)] : null,
  };
}
