import type { Point2 } from '../mining/measurement';

/**
 * What a patch or thumbnail shows where it reaches beyond the image: air. Lesions near the edge of the field
 * of view then look like what surrounds a body in CT, not like a hard black or mid-grey border.
 */
export const OUTSIDE_HU = -1024;

/** One slice of modality values (HU for CT) with its in-plane geometry. */
export interface HuSlice {
  rows: number;
  columns: number;
  /** DICOM Pixel Spacing: [distance between rows, distance between columns] in mm, i.e. [y, x]. */
  pixelSpacing: readonly [number, number];
  /** Row-major values, rows * columns of them. */
  hu: Float32Array;
}

/** A display window: values at or below center - width/2 map to 0, at or above center + width/2 to 1. */
export interface HuWindow {
  center: number;
  width: number;
  /** Used in channel names; `L{center}W{width}` when absent. */
  name?: string;
}

/**
 * Where each output sample along one axis reads the source: the two source indices around it and the weight
 * of the second. `inside` is 0 where the sample lies beyond the image (it is then OUTSIDE_HU).
 */
export interface AxisSampling {
  lower: Int32Array;
  upper: Int32Array;
  weight: Float64Array;
  inside: Uint8Array;
}

/**
 * An axis-aligned resampling grid, precomputed once and reused for every slice of the same geometry. Each axis
 * is sampled in increasing order (axisSampling with a positive step), so its inside samples form one run.
 */
export interface SamplingGrid {
  width: number;
  height: number;
  x: AxisSampling;
  y: AxisSampling;
}

export function checkSlice(slice: HuSlice, what = 'slice'): void {
  const { rows, columns, pixelSpacing, hu } = slice;
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 1 || columns < 1) {
    throw new RangeError(`${what}: rows and columns must be positive integers (got ${rows} x ${columns})`);
  }
  if (hu.length !== rows * columns) {
    throw new RangeError(`${what}: ${hu.length} values for ${rows} x ${columns} pixels`);
  }
  if (!(pixelSpacing[0] > 0) || !(pixelSpacing[1] > 0)) {
    throw new RangeError(`${what}: pixel spacing must be positive (got ${pixelSpacing.join(', ')})`);
  }
}

/**
 * Samples along one source axis of `length` pixels at positions start + k * step, k = 0 .. count - 1, in
 * pixel-centre index space. The image covers [-0.5, length - 0.5] (each pixel its whole area): positions
 * inside it interpolate linearly between the two nearest pixel centres, clamped to the edge pixel in the outer
 * half pixel; positions beyond it are outside.
 */
export function axisSampling(count: number, start: number, step: number, length: number): AxisSampling {
  const lower = new Int32Array(count);
  const upper = new Int32Array(count);
  const weight = new Float64Array(count);
  const inside = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const p = start + k * step;
    if (!(p >= -0.5 && p <= length - 0.5)) continue;
    const q = Math.min(Math.max(p, 0), length - 1);
    const lo = Math.min(Math.floor(q), length - 1);
    lower[k] = lo;
    upper[k] = Math.min(lo + 1, length - 1);
    weight[k] = q - lo;
    inside[k] = 1;
  }
  return { lower, upper, weight, inside };
}

/**
 * A square grid of sizePx x sizePx samples, mmPerPixel apart, centred on `centre` (pixel-centre coordinates of
 * the slice). Output pixel (i, j) samples the physical offset ((j + 0.5 - size/2), (i + 0.5 - size/2)) *
 * mmPerPixel mm from the centre, converted to source pixels with the slice's own spacing.
 */
export function physicalGrid(
  geometry: Pick<HuSlice, 'rows' | 'columns' | 'pixelSpacing'>,
  centre: Point2,
  sizePx: number,
  mmPerPixel: number,
): SamplingGrid {
  if (!Number.isInteger(sizePx) || sizePx < 1) throw new RangeError(`sizePx must be a positive integer (got ${sizePx})`);
  if (!(mmPerPixel > 0)) throw new RangeError(`mmPerPixel must be positive (got ${mmPerPixel})`);
  const [rowMm, colMm] = geometry.pixelSpacing;
  const stepX = mmPerPixel / colMm;
  const stepY = mmPerPixel / rowMm;
  const first = 0.5 - sizePx / 2;
  return {
    width: sizePx,
    height: sizePx,
    x: axisSampling(sizePx, centre.x + first * stepX, stepX, geometry.columns),
    y: axisSampling(sizePx, centre.y + first * stepY, stepY, geometry.rows),
  };
}

/** Bilinear resampling of one slice on a grid into `out` (width * height values, row-major). */
export function resampleInto(slice: HuSlice, grid: SamplingGrid, out: Float32Array, outside = OUTSIDE_HU): Float32Array {
  const { width, height, x, y } = grid;
  if (out.length !== width * height) throw new RangeError(`output holds ${out.length} values, ${width * height} needed`);
  const hu = slice.hu;
  const columns = slice.columns;
  const { lower: x0, upper: x1, weight: fx, inside: inX } = x;
  // an axis is sampled monotonically, so its inside samples are one run [first, end)
  let first = 0;
  while (first < width && !inX[first]) first++;
  let end = first;
  while (end < width && inX[end]) end++;
  for (let i = 0; i < height; i++) {
    const o = i * width;
    if (!y.inside[i] || first === end) {
      out.fill(outside, o, o + width);
      continue;
    }
    out.fill(outside, o, o + first);
    out.fill(outside, o + end, o + width);
    const r0 = y.lower[i]! * columns;
    const r1 = y.upper[i]! * columns;
    const fy = y.weight[i]!;
    for (let j = first; j < end; j++) {
      const c0 = x0[j]!;
      const c1 = x1[j]!;
      const w = fx[j]!;
      const a = hu[r0 + c0]!;
      const b = hu[r0 + c1]!;
      const c = hu[r1 + c0]!;
      const d = hu[r1 + c1]!;
      const top = a + (b - a) * w;
      const bottom = c + (d - c) * w;
      out[o + j] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/** The bilinear value of a slice at one point (x = column, y = row, pixel-centre coordinates). */
export function sampleBilinear(slice: HuSlice, x: number, y: number, outside = OUTSIDE_HU): number {
  const grid: SamplingGrid = {
    width: 1,
    height: 1,
    x: axisSampling(1, x, 0, slice.columns),
    y: axisSampling(1, y, 0, slice.rows),
  };
  return resampleInto(slice, grid, new Float32Array(1), outside)[0]!;
}

/** clip((hu - (center - width/2)) / width, 0, 1) */
export function windowUnit(hu: number, window: HuWindow): number {
  const v = (hu - (window.center - window.width / 2)) / window.width;
  return v <= 0 ? 0 : v >= 1 ? 1 : v;
}

/** Writes windowUnit of every value of `hu` into `out` starting at `offset`. */
export function windowInto(hu: Float32Array, window: HuWindow, out: Float32Array, offset = 0): void {
  const low = window.center - window.width / 2;
  const width = window.width;
  const n = hu.length;
  const target = out.subarray(offset, offset + n);
  for (let k = 0; k < n; k++) target[k] = Math.min(1, Math.max(0, (hu[k]! - low) / width));
}

export function checkWindow(window: HuWindow): void {
  if (!(window.width > 0) || !Number.isFinite(window.center)) {
    throw new RangeError(`window needs a finite center and a positive width (got ${window.center}/${window.width})`);
  }
}

export function windowName(window: HuWindow): string {
  return window.name ?? `L${window.center}W${window.width}`;
}
