import type { FeatureWeights } from '../../contract';
import type { EmbeddingGroupLayout, StoredEmbedding } from '../catalogue/embeddings';

export const DEFAULT_WEIGHTS: Required<FeatureWeights> = { texture: 1, intensity: 1, size: 1, location: 1, window: 1 };

export interface FeatureMatrix {
  lesionIds: number[];
  rowOf: Map<number, number>;
  dims: number;
  /** rows x dims, each row standardised, weighted and (with `unitRows`) of unit length (0 for an all-missing row) */
  data: Float32Array;
  /** What standardising did per dimension: z = (x - mean) * scale, NaN -> mean; scale 0 switches a dimension off. */
  mean: Float32Array;
  scale: Float32Array;
}

/**
 * Turns stored embeddings into comparable rows: every dimension standardised over the lesions (missing
 * values, NaN, become the mean), each group scaled by weight / sqrt(its length) so that groups count by their
 * weight and not by their size, then each row normalised to unit length (cosine similarity = dot product).
 * A group with weight 0 is switched off.
 *
 * A group given `units` (e.g. location in mm per unit of each axis, see `location-scale.ts`) is standardised
 * as a whole instead: its axes keep their relative physical scale and the group's total spread is set to its
 * weight, the same total a per-axis standardised group has.
 */
export function featureMatrix(
  embeddings: readonly StoredEmbedding[],
  layout: readonly EmbeddingGroupLayout[],
  weights: FeatureWeights = {},
  options: { unitRows?: boolean; units?: Partial<Record<string, readonly number[]>> } = {},
): FeatureMatrix {
  const unitRows = options.unitRows ?? true;
  const dims = layout.reduce((a, g) => a + g.length, 0);
  const n = embeddings.length;
  const mean = new Float64Array(dims);
  const count = new Float64Array(dims);
  const sq = new Float64Array(dims);
  for (const e of embeddings) {
    for (let d = 0; d < dims; d++) {
      const v = e.vector[d]!;
      if (Number.isNaN(v)) continue;
      count[d]!++;
      const delta = v - mean[d]!;
      mean[d]! += delta / count[d]!;
      sq[d]! += delta * (v - mean[d]!);
    }
  }
  const scale = new Float64Array(dims);
  let offset = 0;
  for (const group of layout) {
    const weight = weights[group.name as keyof FeatureWeights] ?? DEFAULT_WEIGHTS[group.name as keyof FeatureWeights] ?? 1;
    const std = (d: number) => (count[d]! > 1 ? Math.sqrt(sq[d]! / count[d]!) : 0);
    const units = options.units?.[group.name];
    if (units && units.length === group.length) {
      let spread = 0;
      for (let i = 0; i < group.length; i++) spread += (std(offset + i) * units[i]!) ** 2;
      for (let i = 0; i < group.length; i++) scale[offset + i] = spread > 1e-24 ? (weight * units[i]!) / Math.sqrt(spread) : 0;
    } else {
      const w = weight / Math.sqrt(group.length);
      for (let d = offset; d < offset + group.length; d++) scale[d] = std(d) > 1e-12 ? w / std(d) : 0;
    }
    offset += group.length;
  }
  const data = new Float32Array(n * dims);
  embeddings.forEach((e, row) => {
    let norm = 0;
    const base = row * dims;
    for (let d = 0; d < dims; d++) {
      const v = e.vector[d]!;
      const z = Number.isNaN(v) ? 0 : (v - mean[d]!) * scale[d]!;
      data[base + d] = z;
      norm += z * z;
    }
    if (unitRows) {
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < dims; d++) data[base + d]! *= inv;
    }
  });
  return {
    lesionIds: embeddings.map((e) => e.lesionId),
    rowOf: new Map(embeddings.map((e, i) => [e.lesionId, i])),
    dims,
    data,
    mean: Float32Array.from(mean),
    scale: Float32Array.from(scale),
  };
}

/** The k rows most similar to a row by cosine (exact search; ~20 ms for 32,000 x 665 on one core). */
export function nearestRows(matrix: FeatureMatrix, row: number, k: number): { row: number; similarity: number }[] {
  const { data, dims } = matrix;
  const n = matrix.lesionIds.length;
  const base = row * dims;
  const best: { row: number; similarity: number }[] = [];
  for (let r = 0; r < n; r++) {
    if (r === row) continue;
    let dot = 0;
    const other = r * dims;
    for (let d = 0; d < dims; d++) dot += data[base + d]! * data[other + d]!;
    if (best.length < k) {
      best.push({ row: r, similarity: dot });
      best.sort((a, b) => b.similarity - a.similarity);
    } else if (dot > best[k - 1]!.similarity) {
      best[k - 1] = { row: r, similarity: dot };
      best.sort((a, b) => b.similarity - a.similarity);
    }
  }
  return best;
}
