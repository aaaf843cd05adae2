/**
 * Clustering quality, checked against scikit-learn's definitions (sklearn.metrics 1.2).
 *
 * Labels are any integer arrays; the ids need not be contiguous or start at 0. A negative id means "unknown" (a
 * lesion without a reference type, or a point left unclustered): every metric that compares two labelings
 * (contingency, purity, normalizedMutualInfo, adjustedRandIndex, hungarianAccuracy) leaves out the points that are
 * negative in either, and returns NaN when no point is left. silhouetteScore leaves out points with a negative label.
 */
import { linearSumAssignment } from './assignment';
import { rowDots, rowScales, type ClusterMetric } from './kmeans';
import { SeededRandom } from './random';

export type Labels = ArrayLike<number>;

export interface Contingency {
  /** the distinct ids of the first labeling, ascending: one row each */
  rowIds: number[];
  /** the distinct ids of the second labeling, ascending: one column each */
  columnIds: number[];
  /** counts[r][c] = points with rowIds[r] in the first labeling and columnIds[c] in the second */
  counts: number[][];
  /** the points counted (those known in both) */
  total: number;
}

/** The contingency table of two labelings (sklearn's contingency_matrix, rows for `a`). */
export function contingency(a: Labels, b: Labels): Contingency {
  if (a.length !== b.length) throw new RangeError(`labelings differ in length: ${a.length} and ${b.length}`);
  const rowIds = distinctIds(a, b, a);
  const columnIds = distinctIds(a, b, b);
  const rowOf = new Map(rowIds.map((id, r) => [id, r]));
  const columnOf = new Map(columnIds.map((id, c) => [id, c]));
  const counts = rowIds.map(() => new Array<number>(columnIds.length).fill(0));
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < 0 || y < 0) continue;
    counts[rowOf.get(x)!]![columnOf.get(y)!]!++;
    total++;
  }
  return { rowIds, columnIds, counts, total };
}

/** The fraction of points whose cluster's most common class is their own class. */
export function purity(labels: Labels, truth: Labels): number {
  const table = contingency(labels, truth);
  if (table.total === 0) return NaN;
  let hits = 0;
  for (const row of table.counts) hits += Math.max(...row);
  return hits / table.total;
}

/**
 * Accuracy after the best one-to-one matching of clusters to classes (Hungarian algorithm on the contingency
 * table); points of clusters left without a class (more clusters than classes) count as wrong.
 */
export function hungarianAccuracy(labels: Labels, truth: Labels): number {
  const table = contingency(labels, truth);
  if (table.total === 0) return NaN;
  return matchedCount(table) / table.total;
}

/**
 * Normalised mutual information with the arithmetic mean of the two entropies as normaliser (sklearn's default):
 * 1 when both labelings put every point in one cluster, 0 when their mutual information is 0.
 */
export function normalizedMutualInfo(a: Labels, b: Labels): number {
  const table = contingency(a, b);
  const { counts, total } = table;
  if (total === 0) return NaN;
  const rows = table.rowIds.length;
  const columns = table.columnIds.length;
  if (rows === 1 && columns === 1) return 1;
  const rowSums = counts.map((row) => row.reduce((s, v) => s + v, 0));
  const columnSums = table.columnIds.map((_, c) => counts.reduce((s, row) => s + row[c]!, 0));
  let mi = 0;
  if (rows > 1 && columns > 1) {
    const logTotal = Math.log(total);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const nij = counts[r]![c]!;
        if (nij === 0) continue;
        // sklearn's form: p_ij (log n_ij - log N) + p_ij (log N + log N - log(n_i n_j)), tiny terms dropped
        const p = nij / total;
        const term = p * (Math.log(nij) - logTotal) + p * (-Math.log(rowSums[r]! * columnSums[c]!) + logTotal + logTotal);
        if (Math.abs(term) >= Number.EPSILON) mi += term;
      }
    }
    mi = Math.max(mi, 0);
  }
  if (mi === 0) return 0;
  const normalizer = (entropy(rowSums, total) + entropy(columnSums, total)) / 2;
  return mi / normalizer;
}

/** Adjusted Rand index (Hubert and Arabie), as sklearn: 1 for identical partitions, about 0 for chance. */
export function adjustedRandIndex(a: Labels, b: Labels): number {
  const { counts, total } = contingency(a, b);
  if (total === 0) return NaN;
  // sklearn's pair confusion matrix (ordered pairs), in exact integers: products reach n^4
  let sumSquares = 0n;
  const rowSums: bigint[] = [];
  const columnSums: bigint[] = new Array<bigint>(counts[0]?.length ?? 0).fill(0n);
  for (const row of counts) {
    let rowSum = 0n;
    row.forEach((v, c) => {
      const x = BigInt(v);
      sumSquares += x * x;
      rowSum += x;
      columnSums[c]! += x;
    });
    rowSums.push(rowSum);
  }
  const n = BigInt(total);
  const squares = (values: bigint[]) => values.reduce((s, v) => s + v * v, 0n);
  const tp = sumSquares - n;
  const fp = squares(columnSums) - sumSquares;
  const fn = squares(rowSums) - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0n && fp === 0n) return 1;
  const numerator = 2n * (tp * tn - fn * fp);
  const denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(numerator) / Number(denominator);
}

/**
 * The fraction of points whose cluster changed between two labelings of the same points, after matching the two
 * sets of cluster ids one-to-one (Hungarian algorithm) so that a mere renaming counts as no change. A point negative
 * (unassigned) in both is unchanged; negative in only one, changed. 0 for no points.
 */
export function changedFraction(previous: Labels, next: Labels): number {
  if (previous.length !== next.length) throw new RangeError(`labelings differ in length: ${previous.length} and ${next.length}`);
  const n = previous.length;
  if (n === 0) return 0;
  let unassignedInBoth = 0;
  for (let i = 0; i < n; i++) if (previous[i]! < 0 && next[i]! < 0) unassignedInBoth++;
  const table = contingency(previous, next);
  const kept = (table.total > 0 ? matchedCount(table) : 0) + unassignedInBoth;
  return (n - kept) / n;
}

export interface SilhouetteOptions {
  metric?: ClusterMetric;
  /**
   * Score a random sample of this many points (distances within the sample only), as sklearn's sample_size; exact
   * when absent or >= the number of labelled points. The sample differs from sklearn's (another generator).
   */
  sampleSize?: number;
  /** seed of the sample (default 0) */
  seed?: number;
}

/**
 * Mean silhouette coefficient (sklearn's silhouette_score): per point (b - a) / max(a, b) with a its mean distance to
 * the rest of its cluster and b its least mean distance to another cluster; 0 for a point alone in its cluster.
 * Distances: Euclidean, or 1 - cos (a zero row is at distance 1 from everything), in float64. O(m^2 d) for m scored
 * points: sample for large n. Throws RangeError unless the scored points form 2 to m - 1 clusters, as sklearn.
 */
export function silhouetteScore(data: Float32Array, n: number, d: number, labels: Labels, options: SilhouetteOptions = {}): number {
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} rows`);
  if (data.length < n * d) throw new RangeError(`data holds ${data.length} values, fewer than n x d = ${n * d}`);
  const cosine = (options.metric ?? 'euclidean') === 'cosine';
  let sample: Int32Array = Int32Array.from({ length: n }, (_, i) => i).filter((i) => labels[i]! >= 0);
  if (options.sampleSize !== undefined && options.sampleSize < sample.length) {
    if (!(options.sampleSize >= 2)) throw new RangeError(`sampleSize must be at least 2, got ${options.sampleSize}`);
    new SeededRandom(options.seed ?? 0).shuffle(sample, options.sampleSize);
    sample = sample.slice(0, options.sampleSize).sort();
  }
  const m = sample.length;

  // the sample's clusters as 0..q-1
  const clusterOf = new Map<number, number>();
  const cluster = new Int32Array(m);
  const sizes: number[] = [];
  for (let t = 0; t < m; t++) {
    const id = labels[sample[t]!]!;
    let c = clusterOf.get(id);
    if (c === undefined) {
      c = sizes.length;
      clusterOf.set(id, c);
      sizes.push(0);
    }
    cluster[t] = c;
    sizes[c]!++;
  }
  const q = sizes.length;
  if (q < 2 || q > m - 1) throw new RangeError(`silhouette needs 2 to ${m - 1} clusters among the scored points, got ${q}`);

  const scale = rowScales(data, n, d, cosine);
  const norms = new Float64Array(m); // squared norms of the scaled rows
  for (let t = 0; t < m; t++) {
    const i = sample[t]!;
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += data[j]! * data[j]!;
    norms[t] = s * scale[i]! * scale[i]!;
  }

  // sums[t * q + c] = summed distance from scored point t to the scored points of cluster c
  const sums = new Float64Array(m * q);
  const TILE = 64;
  const BLOCK = 256;
  const tile = new Float64Array(TILE * d);
  const dots = new Float64Array(BLOCK * TILE);
  for (let j0 = 0; j0 < m; j0 += TILE) {
    const width = Math.min(TILE, m - j0);
    for (let u = 0; u < width; u++) {
      const row = sample[j0 + u]!;
      const s = scale[row]!;
      for (let j = 0; j < d; j++) tile[u * d + j] = data[row * d + j]! * s;
    }
    // every pair once: the rows before the tile's end against the tile
    const end = j0 + width;
    for (let i0 = 0; i0 < end; i0 += BLOCK) {
      const count = Math.min(BLOCK, end - i0);
      rowDots(data, d, sample, i0, count, tile, width, dots);
      for (let t = 0; t < count; t++) {
        const a = i0 + t;
        const sa = scale[sample[a]!]!;
        for (let u = 0; u < width; u++) {
          const b = j0 + u;
          if (a >= b) continue;
          const product = sa * dots[t * width + u]!;
          let dist: number;
          if (cosine) {
            // sklearn: 1 - cos clipped to [0, 2]; a zero row has cos 0 with everything
            dist = Math.min(2, Math.max(0, 1 - product));
          } else dist = Math.sqrt(Math.max(0, norms[a]! + norms[b]! - 2 * product));
          sums[a * q + cluster[b]!]! += dist;
          sums[b * q + cluster[a]!]! += dist;
        }
      }
    }
  }

  let total = 0;
  for (let t = 0; t < m; t++) {
    const own = cluster[t]!;
    const intra = sums[t * q + own]! / (sizes[own]! - 1);
    let inter = Infinity;
    for (let c = 0; c < q; c++) if (c !== own) inter = Math.min(inter, sums[t * q + c]! / sizes[c]!);
    const s = (inter - intra) / Math.max(intra, inter);
    total += Number.isFinite(s) ? s : 0; // a point alone in its cluster (0/0) scores 0, as sklearn
  }
  return total / m;
}

/** Points on the diagonal of the best one-to-one matching of a contingency table's rows and columns. */
function matchedCount(table: Contingency): number {
  const { rows, cols } = linearSumAssignment(table.counts.map((row) => row.map((v) => -v)));
  let matched = 0;
  rows.forEach((r, t) => (matched += table.counts[r]![cols[t]!]!));
  return matched;
}

function distinctIds(a: Labels, b: Labels, of: Labels): number[] {
  const ids = new Set<number>();
  for (let i = 0; i < of.length; i++) if (a[i]! >= 0 && b[i]! >= 0) ids.add(of[i]!);
  return [...ids].sort((x, y) => x - y);
}

function entropy(counts: number[], total: number): number {
  let h = 0;
  for (const v of counts) if (v > 0) h -= (v / total) * (Math.log(v) - Math.log(total));
  return h;
}
