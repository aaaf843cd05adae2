import { UMAP } from 'umap-js';
import type { KSuggestion, RoundReport } from '../../contract';
import { predictHead, trainHead, type TrainedHead } from './head';
import { kmeans } from './kmeans';
import { adjustedRandIndex, changedFraction, silhouetteScore } from './metrics';
import { createRandom } from './random';

/**
 * The paper's categorisation, as pure functions over a feature matrix (rows standardised and weighted by
 * group): k-means++, the iterative loop (a head trained on the clusters as pseudo-labels re-embeds the lesions,
 * which are clustered again, warm-started from the previous clusters, until fewer than 1% change), the choice
 * of k, and the 2-D map. The head is trained on the pseudo-labels at their natural frequencies: class-balanced
 * sampling grows the small clusters' regions a little every round and keeps the loop from settling.
 */
export interface ClusteringParams {
  k: number;
  metric: 'euclidean' | 'cosine';
  seed: number;
  restarts: number;
  iterate: boolean;
  maxRounds: number;
  head: { hidden: number; epochs: number; learningRate: number; batchSize: number };
}

export const DEFAULT_HEAD = { hidden: 32, epochs: 12, learningRate: 0.005, batchSize: 256 };

export interface ClusteringOutcome {
  labels: Int32Array;
  distances: Float32Array;
  rounds: RoundReport[];
  inertia: number;
  silhouette: number | null;
  /** The head of the last round, when the loop ran. */
  head: TrainedHead | null;
}

export type Report = (message: string, done: number, total: number) => void;

/** Silhouette on up to this many lesions (sampled with the run's seed): exact silhouette is O(n^2). */
const SILHOUETTE_SAMPLE = 2000;

/** The mean of each cluster's rows (a cluster left empty keeps a zero centre, re-seeded by k-means). */
export function clusterMeans(data: Float32Array, n: number, d: number, labels: ArrayLike<number>, k: number): Float32Array {
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[c * d + j]! += data[i * d + j]!;
  }
  return Float32Array.from(sums, (v, idx) => v / Math.max(1, counts[Math.floor(idx / d)]!));
}

/** Standardises each column to zero mean and unit variance (the head's projection has arbitrary scales). */
export function standardizeColumns(data: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * d + j]!;
    mean /= n || 1;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (data[i * d + j]! - mean) ** 2;
    const std = Math.sqrt(sq / (n || 1));
    const inv = std > 1e-12 ? 1 / std : 0;
    for (let i = 0; i < n; i++) out[i * d + j] = (data[i * d + j]! - mean) * inv;
  }
  return out;
}

export function clusterMatrix(data: Float32Array, n: number, d: number, p: ClusteringParams, report: Report, signal?: AbortSignal): ClusteringOutcome {
  if (n < p.k) throw new Error(`${n} lesions cannot make ${p.k} clusters`);
  const totalRounds = p.iterate ? p.maxRounds + 1 : 1;
  report('k-means++ on the lesion features', 0, totalRounds);
  let space = data;
  let dims = d;
  let result = kmeans(space, n, dims, { k: p.k, restarts: p.restarts, seed: p.seed, metric: p.metric, signal });
  const silhouette = () => silhouetteScore(space, n, dims, result.labels, { metric: p.metric, sampleSize: SILHOUETTE_SAMPLE, seed: p.seed });
  const rounds: RoundReport[] = [{ round: 0, changedFraction: null, inertia: result.inertia, silhouette: silhouette() }];
  let head: TrainedHead | null = null;
  for (let round = 1; p.iterate && round <= p.maxRounds; round++) {
    if (signal?.aborted) break;
    report(`round ${round}: training the head on ${p.k} clusters`, round, totalRounds);
    head = trainHead(data, n, d, result.labels, p.k, { ...p.head, seed: p.seed + round, balanced: false, signal });
    // The lesions re-embedded through the head are its softmax outputs: each lesion's membership of every
    // cluster as the head sees it. (Re-clustering the ReLU projection instead keeps moving ~5% of the lesions
    // per round on the DeepLesion table without converging: each new head stretches that space differently.)
    space = predictHead(head, data, n).probabilities;
    dims = p.k;
    report(`round ${round}: re-clustering the re-embedded lesions`, round, totalRounds);
    // warm start from the previous round's clusters, so the loop refines a partition instead of drawing a new one
    const next = kmeans(space, n, dims, { k: p.k, seed: p.seed + round, metric: p.metric, signal, initialCenters: clusterMeans(space, n, dims, result.labels, p.k) });
    const changed = changedFraction(result.labels, next.labels);
    result = next;
    rounds.push({ round, changedFraction: changed, inertia: result.inertia, silhouette: silhouette() });
    if (changed < 0.01) break;
  }
  report('done', totalRounds, totalRounds);
  return { labels: result.labels, distances: result.distances, rounds, inertia: result.inertia, silhouette: rounds.at(-1)!.silhouette, head };
}

/**
 * Silhouette and stability for each k in a range. Stability: two clusterings of different 80% subsamples,
 * compared by adjusted Rand index on the lesions they share (a k that reflects structure gives the same
 * partition again). The suggestion maximises the mean of the two.
 */
export function suggestK(data: Float32Array, n: number, d: number, options: { kMin: number; kMax: number; metric: 'euclidean' | 'cosine'; seed: number }, report: Report, signal?: AbortSignal): KSuggestion {
  const random = createRandom(options.seed);
  const points: KSuggestion['points'] = [];
  const ks: number[] = [];
  for (let k = options.kMin; k <= Math.min(options.kMax, n - 1); k++) ks.push(k);
  const subsample = (): Int32Array => {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    random.shuffle(idx);
    return idx.subarray(0, Math.max(2, Math.floor(n * 0.8))).sort();
  };
  const rows = (idx: Int32Array) => {
    const out = new Float32Array(idx.length * d);
    idx.forEach((r, i) => out.set(data.subarray(r * d, r * d + d), i * d));
    return out;
  };
  ks.forEach((k, step) => {
    if (signal?.aborted) return;
    report(`k = ${k}`, step, ks.length);
    const full = kmeans(data, n, d, { k, restarts: 3, seed: options.seed, metric: options.metric, signal });
    const silhouette = silhouetteScore(data, n, d, full.labels, { metric: options.metric, sampleSize: SILHOUETTE_SAMPLE, seed: options.seed });
    const a = subsample();
    const b = subsample();
    const la = kmeans(rows(a), a.length, d, { k, restarts: 3, seed: options.seed + 1, metric: options.metric, signal }).labels;
    const lb = kmeans(rows(b), b.length, d, { k, restarts: 3, seed: options.seed + 2, metric: options.metric, signal }).labels;
    const inB = new Map<number, number>();
    b.forEach((r, i) => inB.set(r, lb[i]!));
    const sharedA: number[] = [];
    const sharedB: number[] = [];
    a.forEach((r, i) => {
      const other = inB.get(r);
      if (other !== undefined) {
        sharedA.push(la[i]!);
        sharedB.push(other);
      }
    });
    points.push({ k, silhouette, stability: adjustedRandIndex(sharedA, sharedB) });
  });
  report('done', ks.length, ks.length);
  const best = points.reduce((a, b) => ((b.silhouette + b.stability) / 2 > (a.silhouette + a.stability) / 2 ? b : a), points[0]!);
  return { points, suggested: best?.k ?? options.kMin };
}

/**
 * A 2-D map of the lesions (UMAP, seeded). Rows wider than 50 dimensions are first reduced by a seeded
 * Gaussian random projection (distances are kept up to a small distortion), which keeps UMAP's neighbour
 * search fast at 30,000 lesions.
 */
export async function mapMatrix(data: Float32Array, n: number, d: number, seed: number, report: Report): Promise<Float32Array> {
  const random = createRandom(seed);
  const target = Math.min(d, 50);
  let rows: number[][];
  if (d > target) {
    const gauss = () => Math.sqrt(-2 * Math.log(random.next() || 1e-12)) * Math.cos(2 * Math.PI * random.next());
    const projection = Float32Array.from({ length: d * target }, () => gauss() / Math.sqrt(target));
    rows = Array.from({ length: n }, (_, i) => {
      const out = new Array<number>(target).fill(0);
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j]!;
        if (v === 0) continue;
        for (let t = 0; t < target; t++) out[t]! += v * projection[j * target + t]!;
      }
      return out;
    });
  } else {
    rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, i * d + d)));
  }
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, Math.max(2, n - 1)), minDist: 0.1, random: () => random.next() });
  report('finding neighbours', 0, 1);
  const epochs = umap.initializeFit(rows);
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 20 === 0) {
      report('laying out the map', e, epochs);
      await new Promise((r) => setImmediate(r));
    }
  }
  const embedding = umap.getEmbedding();
  const out = new Float32Array(n * 2);
  embedding.forEach((p, i) => {
    out[2 * i] = p[0]!;
    out[2 * i + 1] = p[1]!;
  });
  return out;
}
