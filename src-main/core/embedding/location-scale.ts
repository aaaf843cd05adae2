import type { Lesion } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { parseDeepLesionSliceKey } from '../library/deeplesion';
import { seriesSlices } from '../library/series-slices';
import { LOCATION_FEATURES } from './features';

/**
 * Millimetres per unit of the location features, measured on the catalogue itself.
 *
 * The location group is normalised per axis (x across the body, y front to back, z along the body or the
 * series), so one unit of z spans far more of the patient than one unit of x. Standardising each axis on its
 * own spread makes a few centimetres across the abdomen count as much as the whole way from lungs to pelvis.
 * Two lesions of one series give the scale without any label: their displacement in millimetres (pixel
 * centres times pixel spacing, slice positions) over their displacement in location units. The median over
 * all such pairs is each axis' scale; clustering then measures location in millimetres, as anatomy does.
 */
export interface LocationScale {
  /** mm per location unit for x, y, z */
  mmPerUnit: [number, number, number];
  /** how many lesion pairs measured each axis */
  pairs: [number, number, number];
}

/** A lesion's normalised location (the embedding's location group) beside its position in mm within its series. */
export interface PlacedLesion {
  series: number;
  location: ArrayLike<number>;
  /** x and y: box centre in mm from the image corner; z: slice position in mm; null where unknown */
  mm: [number | null, number | null, number | null];
}

/** Pairs closer than this in location units say more about rounding than about scale. */
const MIN_SEPARATION = 0.05;
/** An axis measured by fewer pairs keeps per-axis standardisation. */
const MIN_PAIRS = 10;
/** Lesions per series that enter the pairs (a series with hundreds of lesions would dominate). */
const MAX_PER_SERIES = 40;

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** The scale from pairs of lesions in one series; null when an axis has too few pairs to measure it. */
export function calibrateLocation(lesions: readonly PlacedLesion[]): LocationScale | null {
  const bySeries = new Map<number, PlacedLesion[]>();
  for (const l of lesions) {
    const list = bySeries.get(l.series) ?? [];
    if (list.length < MAX_PER_SERIES) list.push(l);
    bySeries.set(l.series, list);
  }
  const ratios: number[][] = [[], [], []];
  for (const list of bySeries.values()) {
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        for (let axis = 0; axis < 3; axis++) {
          const ma = list[a]!.mm[axis] ?? null;
          const mb = list[b]!.mm[axis] ?? null;
          const du = list[b]!.location[axis]! - list[a]!.location[axis]!;
          if (ma === null || mb === null || !(Math.abs(du) >= MIN_SEPARATION)) continue;
          ratios[axis]!.push(Math.abs((mb - ma) / du));
        }
      }
    }
  }
  if (ratios.some((r) => r.length < MIN_PAIRS)) return null;
  const scale = ratios.map(median) as [number, number, number];
  if (scale.some((s) => !(s > 0) || !Number.isFinite(s))) return null;
  return { mmPerUnit: scale, pairs: ratios.map((r) => r.length) as [number, number, number] };
}

/**
 * The location scale of a catalogue's embedded lesions: their location group from the embeddings, their
 * positions from the lesions (DeepLesion: key slice number times the slice interval; DICOM: the key slice's
 * position along the series normal).
 */
export function catalogueLocationScale(
  catalogue: Catalogue,
  embedded: readonly { lesionId: number; vector: Float32Array }[],
  layout: readonly { name: string; length: number }[],
): LocationScale | null {
  const at = layout.findIndex((g) => g.name === 'location');
  if (at < 0 || layout[at]!.length !== LOCATION_FEATURES.length) return null;
  const offset = layout.slice(0, at).reduce((sum, g) => sum + g.length, 0);
  const positions = new Map<number, Map<string, number | null>>();
  const slicePosition = (lesion: Lesion): number | null => {
    const deepLesion = parseDeepLesionSliceKey(lesion.keySliceRef);
    const interval = lesion.attributes.sliceIntervalMm;
    if (deepLesion && typeof interval === 'number') return deepLesion.slice * interval;
    if (lesion.seriesId === null || lesion.instanceId === null) return null;
    let series = positions.get(lesion.seriesId);
    if (!series) {
      series = new Map(seriesSlices(catalogue, lesion.seriesId).slices.map((s) => [`${s.instanceId}:${s.frame}`, s.position]));
      positions.set(lesion.seriesId, series);
    }
    return series.get(`${lesion.instanceId}:${lesion.frame}`) ?? null;
  };
  const vectors = new Map(embedded.map((e) => [e.lesionId, e.vector]));
  const placed: PlacedLesion[] = [];
  for (const lesion of catalogue.lesions.getMany([...vectors.keys()])) {
    if (lesion.seriesId === null) continue;
    const location = vectors.get(lesion.id)!.subarray(offset, offset + 3);
    if (Array.from(location).some(Number.isNaN)) continue;
    // x, y: the box centre in mm from the image corner (pixel spacing is [row, column])
    const spacing = lesion.pixelSpacing;
    const cx = (lesion.box.x1 + lesion.box.x2) / 2;
    const cy = (lesion.box.y1 + lesion.box.y2) / 2;
    placed.push({ series: lesion.seriesId, location, mm: [spacing ? cx * spacing[1] : null, spacing ? cy * spacing[0] : null, slicePosition(lesion)] });
  }
  return calibrateLocation(placed);
}
