import type { Lesion } from '../../contract';
import type { HuSlice } from '../imaging/resample';

/**
 * The feature groups the catalogue knows beside the image texture: lesion size and shape, HU statistics
 * inside the box, and location. Each is a small named vector; clustering and search standardise, weight or
 * switch off whole groups.
 */
export const SIZE_FEATURES = ['log long axis mm', 'log short axis mm', 'short / long', 'log box area mm2'] as const;
export const INTENSITY_FEATURES = ['mean HU', 'std HU', 'p10 HU', 'median HU', 'p90 HU', 'fraction < -500 HU', 'fraction > 150 HU'] as const;
export const LOCATION_FEATURES = ['x in body', 'y in body', 'z in series'] as const;
export const WINDOW_FEATURES = ['window centre HU', 'log window width HU'] as const;

/**
 * The window the lesion was read in: radiologists read lung lesions in a lung window, bone lesions in a bone
 * window, the rest in soft-tissue windows, so it tells something the pixels of one slice may not. DeepLesion
 * gives it per lesion (DICOM_windows, low and high HU); otherwise the key slice's first DICOM preset.
 */
export function windowFeatures(lesion: Pick<Lesion, 'attributes'>, presets: readonly { center: number; width: number }[]): Float32Array {
  const given = lesion.attributes.dicomWindow;
  if (Array.isArray(given) && given.length === 2 && given.every((v) => typeof v === 'number') && (given[1] as number) > (given[0] as number)) {
    const [low, high] = given as [number, number];
    return Float32Array.from([(low + high) / 2, Math.log(high - low)]);
  }
  const first = presets[0];
  return first && first.width > 0 ? Float32Array.from([first.center, Math.log(first.width)]) : Float32Array.from([Number.NaN, Number.NaN]);
}

export function sizeFeatures(lesion: Pick<Lesion, 'longAxisMm' | 'shortAxisMm' | 'longAxisPx' | 'shortAxisPx' | 'box' | 'pixelSpacing'>): Float32Array {
  const spacing = lesion.pixelSpacing ?? [1, 1];
  const long = lesion.longAxisMm ?? lesion.longAxisPx;
  const short = lesion.shortAxisMm ?? lesion.shortAxisPx ?? 0;
  const area = Math.abs(lesion.box.x2 - lesion.box.x1) * spacing[1] * Math.abs(lesion.box.y2 - lesion.box.y1) * spacing[0];
  return Float32Array.from([Math.log1p(long), Math.log1p(short), long > 0 ? short / long : 0, Math.log1p(area)]);
}

function quantile(sorted: Float32Array, q: number): number {
  if (!sorted.length) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** HU statistics of the pixels inside the lesion box (the box clipped to the image). */
export function intensityFeatures(slice: HuSlice, box: Lesion['box']): Float32Array {
  const x1 = Math.max(0, Math.ceil(box.x1));
  const y1 = Math.max(0, Math.ceil(box.y1));
  const x2 = Math.min(slice.columns - 1, Math.floor(box.x2));
  const y2 = Math.min(slice.rows - 1, Math.floor(box.y2));
  const n = Math.max(0, x2 - x1 + 1) * Math.max(0, y2 - y1 + 1);
  if (!n) return new Float32Array(INTENSITY_FEATURES.length).fill(Number.NaN);
  const values = new Float32Array(n);
  let k = 0;
  let sum = 0;
  let low = 0;
  let high = 0;
  for (let y = y1; y <= y2; y++) {
    for (let x = x1; x <= x2; x++) {
      const v = slice.hu[y * slice.columns + x]!;
      values[k++] = v;
      sum += v;
      if (v < -500) low++;
      if (v > 150) high++;
    }
  }
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  values.sort();
  return Float32Array.from([mean, Math.sqrt(sq / n), quantile(values, 0.1), quantile(values, 0.5), quantile(values, 0.9), low / n, high / n]);
}

/**
 * The body's bounding box on a slice: pixels above -500 HU, the largest 4-connected component (so the table
 * and air pockets are left out). Null for a slice without body (all air).
 */
export function bodyBox(slice: HuSlice, thresholdHu = -500): { x1: number; y1: number; x2: number; y2: number } | null {
  const { rows, columns, hu } = slice;
  const label = new Int32Array(rows * columns);
  const stack = new Int32Array(rows * columns);
  let best: { size: number; x1: number; y1: number; x2: number; y2: number } | null = null;
  let next = 0;
  for (let start = 0; start < hu.length; start++) {
    if (label[start] || hu[start]! <= thresholdHu) continue;
    next++;
    let top = 0;
    stack[top++] = start;
    label[start] = next;
    let size = 0;
    let x1 = columns;
    let y1 = rows;
    let x2 = -1;
    let y2 = -1;
    while (top) {
      const p = stack[--top]!;
      size++;
      const x = p % columns;
      const y = (p - x) / columns;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      const neighbours = [x > 0 ? p - 1 : -1, x < columns - 1 ? p + 1 : -1, y > 0 ? p - columns : -1, y < rows - 1 ? p + columns : -1];
      for (const q of neighbours) {
        if (q >= 0 && !label[q] && hu[q]! > thresholdHu) {
          label[q] = next;
          stack[top++] = q;
        }
      }
    }
    if (!best || size > best.size) best = { size, x1, y1, x2, y2 };
  }
  return best && best.size > 100 ? { x1: best.x1, y1: best.y1, x2: best.x2, y2: best.y2 } : null;
}

/**
 * Where the lesion is: DeepLesion's normalised location when the source gives one; otherwise the box centre
 * relative to the body's bounding box on the slice (x, y in 0..1) and the slice's place in its series (z in
 * 0..1, head first). NaN where unknown.
 */
export function locationFeatures(
  lesion: Pick<Lesion, 'box' | 'attributes'>,
  context: { slice: HuSlice | null; sliceIndex: number | null; sliceCount: number | null },
): Float32Array {
  const given = lesion.attributes.normalizedLocation;
  if (Array.isArray(given) && given.length === 3 && given.every((v) => typeof v === 'number')) return Float32Array.from(given as number[]);
  const out = new Float32Array(3).fill(Number.NaN);
  const body = context.slice ? bodyBox(context.slice) : null;
  if (body) {
    const cx = (lesion.box.x1 + lesion.box.x2) / 2;
    const cy = (lesion.box.y1 + lesion.box.y2) / 2;
    out[0] = (cx - body.x1) / Math.max(1, body.x2 - body.x1);
    out[1] = (cy - body.y1) / Math.max(1, body.y2 - body.y1);
  }
  if (context.sliceIndex !== null && context.sliceCount && context.sliceCount > 1) out[2] = context.sliceIndex / (context.sliceCount - 1);
  return out;
}
