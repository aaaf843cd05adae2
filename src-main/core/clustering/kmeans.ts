/**
 * k-means over row-major Float32Array data (n rows x d dims), following scikit-learn's KMeans (1.2, "lloyd"):
 * greedy k-means++ seeding, Lloyd iterations with sklearn's stopping rule, best of several restarts by inertia,
 * empty clusters re-seeded from the points farthest from their centres.
 *
 * Speed. The work is distances from many rows to a few vectors (centres, or k-means++ candidates). They come from
 * ||x||^2 + ||c||^2 - 2 x.c with the dot products computed by a small WebAssembly SIMD kernel (4 float32 lanes, two
 * rows against four vectors per pass; about 4.5x the best plain-JS loop), on a copy of the data centred on its mean
 * as sklearn does, so that the float32 products lose nothing to a large common offset. Like sklearn on float32 data,
 * assignments are thus decided in float32 (a near-tie within ~1e-6 relative may go either way); everything reported
 * (inertia, distances, centres, the sums behind the centres, the tolerance) is computed in float64 from the original
 * data. Where WebAssembly SIMD is missing, or the copy would not fit, a float64 JS kernel takes over.
 * Lloyd's iterations skip rows with Hamerly's bounds (G. Hamerly, "Making k-means even faster", SDM 2010): a row
 * is compared with all centres only when the bounds cannot prove its assignment unchanged. The assignments are
 * those of plain Lloyd (the bounds follow from the triangle inequality); only the work differs.
 *
 * Metrics:
 * - 'euclidean': distance = ||x - c||, inertia = sum of squared distances (sklearn's inertia_).
 * - 'cosine' (spherical k-means): rows are L2-normalised first (an all-zero row stays zero), centres are the
 *   normalised means of their members, distance = 1 - cos(x, c) in [0, 2] (1 for a zero row), and inertia = the sum
 *   of those distances, the quantity spherical k-means decreases. (For non-zero rows that is half the squared
 *   Euclidean inertia of the normalised rows about the unit centres, on which the iterations actually run.)
 */
import { SeededRandom } from './random';

export type ClusterMetric = 'euclidean' | 'cosine';

/** Which dot-product kernel to use: 'auto' prefers WebAssembly SIMD. The others exist for tests and benchmarks. */
export type DistanceKernel = 'auto' | 'wasm' | 'js';

export interface KMeansOptions {
  k: number;
  /** independent seedings; the run with the least inertia is returned (default 10) */
  restarts?: number;
  /** default 0: runs are reproducible unless a caller asks otherwise */
  seed?: number;
  /** Lloyd iterations per restart (default 300) */
  maxIterations?: number;
  /**
   * Relative tolerance, as sklearn's tol (default 1e-4): a restart stops when the summed squared centre shifts of an
   * iteration are at most tolerance x the mean per-dimension variance of the (normalised, for cosine) data, or when
   * no label changed.
   */
  tolerance?: number;
  metric?: ClusterMetric;
  /** checked between iterations; an aborted run throws the signal's reason */
  signal?: AbortSignal;
  /** after each restart (0-based) with its inertia */
  onRestart?: (restart: number, inertia: number) => void;
  /**
   * k x d starting centres instead of k-means++ (a warm start, e.g. from the previous round's clusters); then one
   * run is made whatever `restarts` says. For 'cosine' they are normalised first.
   */
  initialCenters?: Float32Array;
  kernel?: DistanceKernel;
}

export interface KMeansResult {
  labels: Int32Array;
  /** k x d; unit length (or zero) rows for 'cosine' */
  centers: Float32Array;
  inertia: number;
  /** each row's distance to its centre (Euclidean distance, or 1 - cos) */
  distances: Float32Array;
  /** Lloyd iterations of the returned restart */
  iterations: number;
  restartsRun: number;
}

export interface CenterAssignment {
  labels: Int32Array;
  distances: Float32Array;
}

interface RestartBuffers {
  labels: Int32Array;
  centers: Float64Array;
  distances: Float32Array;
}

/** Rows per call of a distance kernel: bounds the scratch memory and keeps it in cache. */
const CHUNK = 2048;

/**
 * Clusters n rows of d dims into k clusters. Throws RangeError for k outside 1..n, a data array shorter than n x d,
 * or data that is not finite.
 *
 * Empty clusters: when an iteration leaves clusters empty, each is re-seeded, as sklearn does, with one of the
 * points farthest from their current centres (the farthest point to the first empty cluster, and so on): that point
 * becomes the new centre and is taken out of its old cluster's mean for that iteration; the next assignment step
 * then moves it.
 */
export function kmeans(data: Float32Array, n: number, d: number, options: KMeansOptions): KMeansResult {
  const k = options.k;
  const restarts = options.initialCenters ? 1 : (options.restarts ?? 10);
  if (options.initialCenters && options.initialCenters.length !== options.k * d) {
    throw new RangeError(`initialCenters must hold k x d = ${options.k * d} values, got ${options.initialCenters.length}`);
  }
  const maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 1e-4;
  const metric = options.metric ?? 'euclidean';
  checkShape(data, n, d);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k must be an integer in 1..${n}, got ${k}`);
  if (!Number.isInteger(restarts) || restarts < 1) throw new RangeError(`restarts must be a positive integer, got ${restarts}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}`);
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be >= 0, got ${tolerance}`);

  const solver = new LloydSolver(data, n, d, k, metric, options.kernel ?? 'auto', options.signal);
  const variance = solver.meanVariance();
  if (!Number.isFinite(variance)) throw new RangeError('data must be finite (no NaN or Infinity)');
  const absoluteTolerance = tolerance * variance;
  const rng = new SeededRandom(options.seed ?? 0);
  // one seed per restart, drawn up front, so a restart's seeding does not depend on how long the others ran
  const seeds = Array.from({ length: restarts }, () => rng.uint32());

  const buffers = (): RestartBuffers => ({ labels: new Int32Array(n), centers: new Float64Array(k * d), distances: new Float32Array(n) });
  let best: (RestartBuffers & { inertia: number; iterations: number }) | null = null;
  let spare = buffers();
  for (let r = 0; r < restarts; r++) {
    options.signal?.throwIfAborted();
    const iterations = solver.run(new SeededRandom(seeds[r]!), maxIterations, absoluteTolerance, options.initialCenters);
    const inertia = solver.finish(spare.distances);
    // as sklearn: a lower inertia wins unless it is the same partition (rounding noise between equal runs)
    if (best === null || (inertia < best.inertia && !sameClustering(solver.labels, best.labels, k))) {
      spare.labels.set(solver.labels);
      spare.centers.set(solver.centers);
      const previous = best;
      best = { ...spare, inertia, iterations };
      spare = previous ?? buffers();
    }
    options.onRestart?.(r, inertia);
  }
  const winner = best!;
  return {
    labels: winner.labels,
    centers: Float32Array.from(winner.centers),
    inertia: winner.inertia,
    distances: winner.distances,
    iterations: winner.iterations,
    restartsRun: restarts,
  };
}

/**
 * Nearest centre for each row (new points against centres from `kmeans`), with its distance in the metric's sense
 * (for 'cosine' rows and centres are normalised here, so raw centres are fine).
 */
export function assign(
  data: Float32Array,
  n: number,
  d: number,
  centers: Float32Array,
  k: number,
  metric: ClusterMetric = 'euclidean',
  kernel: DistanceKernel = 'auto',
): CenterAssignment {
  checkShape(data, n, d);
  if (!Number.isInteger(k) || k < 1 || centers.length < k * d) throw new RangeError(`centers must hold k x d values (k = ${k}, d = ${d})`);
  const cosine = metric === 'cosine';
  const c = Float64Array.from(centers.subarray(0, k * d));
  if (cosine) for (let j = 0; j < k; j++) normalizeRow(c, j * d, d);
  const labels = new Int32Array(n);
  const distances = new Float32Array(n);
  if (n === 0) return { labels, distances };
  const scale = rowScales(data, n, d, cosine);
  const engine = createEngine(data, n, d, scale, k, Math.min(CHUNK, n), kernel);
  engine.load(c, k);
  const out = new Float64Array(Math.min(CHUNK, n) * k);
  for (let first = 0; first < n; first += CHUNK) {
    const count = Math.min(CHUNK, n - first);
    engine.squaredDistances(null, first, count, out);
    for (let t = 0; t < count; t++) {
      const i = first + t;
      let label = 0;
      let nearest = Infinity;
      for (let j = 0; j < k; j++) {
        const dist = out[t * k + j]!;
        if (dist < nearest) {
          nearest = dist;
          label = j;
        }
      }
      labels[i] = label;
      distances[i] = cosine
        ? clampCosineDistance(1 - scale[i]! * dot(data, i * d, c, label * d, d))
        : Math.sqrt(squaredDistance(data, i * d, 1, c, label * d, d));
    }
  }
  return { labels, distances };
}

/** True when two labelings are the same partition up to a renaming of cluster ids (ids in 0..k-1). */
export function sameClustering(a: ArrayLike<number>, b: ArrayLike<number>, k: number): boolean {
  if (a.length !== b.length) return false;
  const forward = new Int32Array(k).fill(-1);
  const backward = new Int32Array(k).fill(-1);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (forward[x] === -1 && backward[y] === -1) {
      forward[x] = y;
      backward[y] = x;
    } else if (forward[x] !== y || backward[y] !== x) return false;
  }
  return true;
}

/** Lloyd's algorithm with Hamerly's bounds; buffers are allocated once and reused by every restart. */
class LloydSolver {
  /** per-row factor applied to the raw data: 1, or 1/||x|| for cosine (0 for a zero row) */
  private readonly scale: Float64Array;
  private readonly engine: DistanceEngine;
  centers: Float64Array;
  private nextCenters: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Int32Array;
  readonly labels: Int32Array;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly shift: Float64Array;
  private readonly halfGap: Float64Array;
  private readonly list: Int32Array;
  private readonly out: Float64Array;
  private readonly trials: number;
  private readonly candidates: Float64Array;
  private readonly potentials: Float64Array;
  private readonly candidateDistances: Float64Array;
  private readonly ids: Int32Array;
  private readonly cosine: boolean;

  constructor(
    private readonly data: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly k: number,
    metric: ClusterMetric,
    kernel: DistanceKernel,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.cosine = metric === 'cosine';
    this.scale = rowScales(data, n, d, this.cosine);
    // sklearn's number of candidate centres per k-means++ step
    this.trials = 2 + Math.floor(Math.log(k));
    const vectors = Math.max(k, this.trials);
    const chunk = Math.min(CHUNK, n);
    this.engine = createEngine(data, n, d, this.scale, vectors, chunk, kernel);
    this.centers = new Float64Array(k * d);
    this.nextCenters = new Float64Array(k * d);
    this.sums = new Float64Array(k * d);
    this.counts = new Int32Array(k);
    this.labels = new Int32Array(n);
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n);
    this.shift = new Float64Array(k);
    this.halfGap = new Float64Array(k);
    this.list = new Int32Array(n);
    this.out = new Float64Array(chunk * vectors);
    this.candidates = new Float64Array(this.trials * d);
    this.potentials = new Float64Array(this.trials);
    this.candidateDistances = new Float64Array(k > 1 ? n * this.trials : 0);
    this.ids = new Int32Array(this.trials);
  }

  /** The mean over dimensions of the (population) variance of the scaled data, sklearn's tolerance scale. */
  meanVariance(): number {
    const { data, n, d, scale } = this;
    const mean = columnMeans(data, n, d, scale);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = scale[i]!;
      for (let j = 0, b = i * d; j < d; j++) {
        const e = data[b + j]! * s - mean[j]!;
        total += e * e;
      }
    }
    return total / (n * d);
  }

  /** One restart: seeding, then Lloyd iterations. Returns the number of iterations. */
  run(rng: SeededRandom, maxIterations: number, tolerance: number, initial?: Float32Array): number {
    this.labels.fill(-1);
    this.sums.fill(0);
    this.counts.fill(0);
    if (initial) this.useCenters(initial);
    else this.seed(rng);
    this.engine.load(this.centers, this.k);
    let changed = this.assignRows(null, this.n);
    let iterations = maxIterations;
    let strict = false;
    for (let it = 0; it < maxIterations; it++) {
      this.signal?.throwIfAborted();
      if (it > 0) changed = this.assignWithBounds();
      const shiftTotal = this.updateCenters();
      // sklearn's order: unchanged labels first (never on the first pass), then the centre shift
      if (it > 0 && changed === 0) {
        strict = true;
        iterations = it + 1;
        break;
      }
      if (shiftTotal <= tolerance) {
        iterations = it + 1;
        break;
      }
    }
    // labels that match the final centres, as sklearn's closing E-step
    if (!strict) this.assignWithBounds();
    return iterations;
  }

  /** Starts from given centres (normalised for cosine, like every centre of a spherical run). */
  private useCenters(initial: Float32Array): void {
    const { k, d } = this;
    for (let c = 0; c < k; c++) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += initial[c * d + j]! ** 2;
      const s = this.cosine ? (norm > 0 ? 1 / Math.sqrt(norm) : 0) : 1;
      for (let j = 0; j < d; j++) this.centers[c * d + j] = initial[c * d + j]! * s;
    }
  }

  /** Exact distances to the assigned centres into `distances`; returns the inertia. */
  finish(distances: Float32Array): number {
    const { data, d, labels, scale, centers } = this;
    let inertia = 0;
    for (let i = 0; i < this.n; i++) {
      const c = labels[i]! * d;
      if (this.cosine) {
        const dist = clampCosineDistance(1 - scale[i]! * dot(data, i * d, centers, c, d));
        distances[i] = dist;
        inertia += dist;
      } else {
        const sq = squaredDistance(data, i * d, 1, centers, c, d);
        distances[i] = Math.sqrt(sq);
        inertia += sq;
      }
    }
    return inertia;
  }

  /** Greedy k-means++ (sklearn's _kmeans_plusplus): each step keeps the best of several D^2-sampled candidates. */
  private seed(rng: SeededRandom): void {
    const { n, k, trials, engine, out, candidates, potentials, candidateDistances, ids } = this;
    const closest = this.upper; // reused: squared distance to the nearest chosen centre
    const cumulative = this.lower; // reused: running sums of `closest`

    this.copyRow(rng.int(n), this.centers, 0);
    engine.load(this.centers, 1);
    let potential = 0;
    for (let first = 0; first < n; first += CHUNK) {
      const count = Math.min(CHUNK, n - first);
      engine.squaredDistances(null, first, count, out);
      for (let t = 0; t < count; t++) {
        const dist = out[t]!;
        closest[first + t] = dist;
        potential += dist;
      }
    }

    for (let c = 1; c < k; c++) {
      this.signal?.throwIfAborted();
      let running = 0;
      for (let i = 0; i < n; i++) {
        running += closest[i]!;
        cumulative[i] = running;
      }
      for (let q = 0; q < trials; q++) {
        const id = Math.min(searchSorted(cumulative, rng.next() * potential), n - 1);
        ids[q] = id;
        this.copyRow(id, candidates, q);
      }
      engine.load(candidates, trials);
      potentials.fill(0);
      for (let first = 0; first < n; first += CHUNK) {
        const count = Math.min(CHUNK, n - first);
        engine.squaredDistances(null, first, count, out);
        for (let t = 0; t < count; t++) {
          const i = first + t;
          const near = closest[i]!;
          for (let q = 0; q < trials; q++) {
            const dist = Math.min(near, out[t * trials + q]!);
            candidateDistances[i * trials + q] = dist;
            potentials[q]! += dist;
          }
        }
      }
      let winner = 0;
      for (let q = 1; q < trials; q++) if (potentials[q]! < potentials[winner]!) winner = q;
      potential = potentials[winner]!;
      for (let i = 0; i < n; i++) closest[i] = candidateDistances[i * trials + winner]!;
      this.copyRow(ids[winner]!, this.centers, c);
    }
  }

  /** Scaled data row `row` into vector `slot` of `target`. */
  private copyRow(row: number, target: Float64Array, slot: number): void {
    const { data, d } = this;
    const s = this.scale[row]!;
    for (let j = 0; j < d; j++) target[slot * d + j] = data[row * d + j]! * s;
  }

  /**
   * Compares the rows (all when rows is null) with every centre; sets their labels and bounds and keeps the cluster
   * sums and counts in step with the labels. Returns how many labels changed.
   */
  private assignRows(rows: Int32Array | null, total: number): number {
    const { data, d, k, labels, scale, upper, lower, sums, counts, out, engine } = this;
    let changed = 0;
    for (let first = 0; first < total; first += CHUNK) {
      const count = Math.min(CHUNK, total - first);
      engine.squaredDistances(rows, first, count, out);
      for (let t = 0; t < count; t++) {
        const i = rows === null ? first + t : rows[first + t]!;
        let label = 0;
        let nearest = Infinity;
        let second = Infinity;
        for (let c = 0; c < k; c++) {
          const dist = out[t * k + c]!;
          if (dist < nearest) {
            second = nearest;
            nearest = dist;
            label = c;
          } else if (dist < second) second = dist;
        }
        upper[i] = Math.sqrt(Math.max(0, nearest));
        lower[i] = Math.sqrt(Math.max(0, second));
        const old = labels[i]!;
        if (old !== label) {
          changed++;
          labels[i] = label;
          const b = i * d;
          const s = scale[i]!;
          if (old >= 0) {
            counts[old]!--;
            for (let j = 0, o = old * d; j < d; j++) sums[o + j]! -= data[b + j]! * s;
          }
          counts[label]!++;
          for (let j = 0, o = label * d; j < d; j++) sums[o + j]! += data[b + j]! * s;
        }
      }
    }
    return changed;
  }

  /** Hamerly's assignment step: only rows whose bounds allow a change are compared with every centre. */
  private assignWithBounds(): number {
    const { n, d, k, labels, centers, upper, lower, halfGap, list } = this;
    // half the distance from each centre to its nearest other centre
    for (let c = 0; c < k; c++) {
      let nearest = Infinity;
      for (let o = 0; o < k; o++) {
        if (o !== c) nearest = Math.min(nearest, squaredDistance64(centers, c * d, centers, o * d, d));
      }
      halfGap[c] = 0.5 * Math.sqrt(nearest);
    }
    let count = 0;
    for (let i = 0; i < n; i++) {
      // no tightening of the upper bound first: one row against all centres costs about what one exact distance does
      if (upper[i]! > Math.max(halfGap[labels[i]!]!, lower[i]!)) list[count++] = i;
    }
    return this.assignRows(list, count);
  }

  /**
   * New centres from the sums (re-seeding empty clusters), their shifts, and the bounds moved by those shifts.
   * Returns the summed squared shift.
   */
  private updateCenters(): number {
    const { d, k, counts, nextCenters: next, centers } = this;
    let empty = 0;
    for (let c = 0; c < k; c++) if (counts[c] === 0) empty++;
    if (empty > 0) this.reseedEmpty(empty);
    else {
      for (let c = 0; c < k; c++) {
        const inv = 1 / counts[c]!;
        for (let j = c * d; j < (c + 1) * d; j++) next[j] = this.sums[j]! * inv;
      }
    }
    let total = 0;
    let largest = 0;
    let largestAt = -1;
    let secondLargest = 0;
    for (let c = 0; c < k; c++) {
      if (this.cosine) normalizeRow(next, c * d, d);
      const moved = squaredDistance64(next, c * d, centers, c * d, d);
      total += moved;
      const m = Math.sqrt(moved);
      this.shift[c] = m;
      if (m > largest) {
        secondLargest = largest;
        largest = m;
        largestAt = c;
      } else if (m > secondLargest) secondLargest = m;
    }
    this.nextCenters = centers;
    this.centers = next;
    this.engine.load(next, k);
    const { labels, upper, lower, shift } = this;
    for (let i = 0; i < this.n; i++) {
      const a = labels[i]!;
      upper[i]! += shift[a]!;
      lower[i]! -= a === largestAt ? secondLargest : largest;
    }
    return total;
  }

  /**
   * sklearn's _relocate_empty_clusters: the points farthest from their centres become the empty clusters' centres
   * and leave their old clusters' means for this iteration (the sums themselves stay in step with the labels).
   */
  private reseedEmpty(empty: number): void {
    const { data, n, d, k, labels, scale, counts, centers, nextCenters: next } = this;
    const sums = Float64Array.from(this.sums);
    const weights = Float64Array.from(counts);
    // the `empty` largest distances, largest first
    const far = new Int32Array(empty).fill(-1);
    const farDist = new Float64Array(empty).fill(-1);
    for (let i = 0; i < n; i++) {
      const dist = squaredDistance(data, i * d, scale[i]!, centers, labels[i]! * d, d);
      if (dist <= farDist[empty - 1]!) continue;
      let p = empty - 1;
      while (p > 0 && farDist[p - 1]! < dist) {
        farDist[p] = farDist[p - 1]!;
        far[p] = far[p - 1]!;
        p--;
      }
      farDist[p] = dist;
      far[p] = i;
    }
    let e = 0;
    for (let c = 0; c < k && e < empty; c++) {
      if (counts[c] !== 0) continue;
      const i = far[e++]!;
      if (i < 0) break; // fewer rows than empty clusters: cannot happen while k <= n
      const old = labels[i]!;
      const s = scale[i]!;
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j]! * s;
        sums[old * d + j]! -= v;
        sums[c * d + j] = v;
      }
      weights[c] = 1;
      weights[old]!--;
    }
    for (let c = 0; c < k; c++) {
      // as sklearn, a cluster emptied by the move keeps its (near-zero) sum as its centre
      const inv = weights[c]! > 0 ? 1 / weights[c]! : 1;
      for (let j = c * d; j < (c + 1) * d; j++) next[j] = sums[j]! * inv;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Distance kernels

/** Squared distances from data rows (scaled by their row factor) to a few loaded vectors. */
interface DistanceEngine {
  /** Loads m vectors (m x d, in the frame of the scaled data) that rows are compared with. */
  load(vectors: Float64Array, m: number): void;
  /**
   * out[t * m + c] = squared distance from row rows[first + t] (first + t when rows is null) to loaded vector c,
   * for t in [0, count), count <= the chunk size the engine was made for.
   */
  squaredDistances(rows: Int32Array | null, first: number, count: number, out: Float64Array): void;
}

function createEngine(data: Float32Array, n: number, d: number, scale: Float64Array, maxVectors: number, chunk: number, kernel: DistanceKernel): DistanceEngine {
  if (kernel !== 'js') {
    const engine = WasmEngine.create(data, n, d, scale, maxVectors, chunk);
    if (engine) return engine;
    if (kernel === 'wasm') throw new Error('WebAssembly SIMD is not available here, or the data does not fit its memory');
  }
  return new JsEngine(data, n, d, scale, maxVectors);
}

/** Plain float64 JS: the reference and the fallback. */
class JsEngine implements DistanceEngine {
  private readonly norms: Float64Array;
  private readonly vectors: Float64Array;
  private readonly vectorNorms: Float64Array;
  private m = 0;

  constructor(
    private readonly data: Float32Array,
    n: number,
    private readonly d: number,
    private readonly scale: Float64Array,
    maxVectors: number,
  ) {
    this.norms = new Float64Array(n);
    for (let i = 0; i < n; i++) this.norms[i] = squaredNorm(data, i * d, d) * scale[i]! * scale[i]!;
    this.vectors = new Float64Array(maxVectors * d);
    this.vectorNorms = new Float64Array(maxVectors);
  }

  load(vectors: Float64Array, m: number): void {
    const d = this.d;
    this.m = m;
    this.vectors.set(vectors.subarray(0, m * d));
    for (let c = 0; c < m; c++) {
      let norm = 0;
      for (let j = c * d; j < (c + 1) * d; j++) norm += vectors[j]! * vectors[j]!;
      this.vectorNorms[c] = norm;
    }
  }

  squaredDistances(rows: Int32Array | null, first: number, count: number, out: Float64Array): void {
    const { m, norms, scale, vectorNorms } = this;
    rowDots(this.data, this.d, rows, first, count, this.vectors, m, out);
    for (let t = 0; t < count; t++) {
      const i = rows === null ? first + t : rows[first + t]!;
      const s = scale[i]!;
      for (let c = 0; c < m; c++) out[t * m + c] = Math.max(0, norms[i]! + vectorNorms[c]! - 2 * s * out[t * m + c]!);
    }
  }
}

/**
 * WebAssembly SIMD: a centred float32 copy of the scaled data lives in the module's memory (n x d rounded up to a
 * multiple of 4 floats), with the loaded vectors, a row list and the kernel's output after it.
 */
class WasmEngine implements DistanceEngine {
  private readonly mean: Float64Array;
  private readonly norms: Float64Array;
  private readonly vectorNorms: Float64Array;
  private readonly vectorView: Float32Array;
  private readonly listView: Int32Array;
  private readonly outView: Float32Array;
  private m = 0;
  private m4 = 0;

  private constructor(
    private readonly kernel: (list: number, count: number, data: number, stride: number, vectors: number, m4: number, out: number) => void,
    memory: WasmMemory,
    private readonly stride: number,
    private readonly layout: { data: number; vectors: number; list: number; out: number },
    maxVectors: number,
    chunk: number,
    mean: Float64Array,
    norms: Float64Array,
  ) {
    this.mean = mean;
    this.norms = norms;
    const m4max = roundUp(maxVectors, 4);
    this.vectorNorms = new Float64Array(m4max);
    this.vectorView = new Float32Array(memory.buffer, layout.vectors, (m4max * stride) / 4);
    this.listView = new Int32Array(memory.buffer, layout.list, chunk + 1);
    this.outView = new Float32Array(memory.buffer, layout.out, (chunk + 1) * m4max * 4);
  }

  static create(data: Float32Array, n: number, d: number, scale: Float64Array, maxVectors: number, chunk: number): WasmEngine | null {
    const module = simdModule();
    if (!module) return null;
    const d4 = roundUp(d, 4);
    const stride = d4 * 4;
    const m4max = roundUp(maxVectors, 4);
    const layout = { data: 0, vectors: n * stride, list: 0, out: 0 };
    layout.list = layout.vectors + m4max * stride;
    layout.out = roundUp(layout.list + (chunk + 1) * 4, 16);
    const bytes = layout.out + (chunk + 1) * m4max * 16;
    if (bytes > 2 ** 31) return null;
    let exports: Record<string, unknown>;
    try {
      exports = new module.api.Instance(module.compiled).exports;
      (exports.memory as WasmMemory).grow(Math.ceil(bytes / 65536));
    } catch {
      return null; // no room for the copy: the JS kernel needs none
    }
    const memory = exports.memory as WasmMemory;
    const mean = columnMeans(data, n, d, scale);
    const copy = new Float32Array(memory.buffer, layout.data, n * d4);
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = scale[i]!;
      let norm = 0;
      for (let j = 0; j < d; j++) {
        const v = Math.fround(data[i * d + j]! * s - mean[j]!);
        copy[i * d4 + j] = v;
        norm += v * v;
      }
      norms[i] = norm;
    }
    const kernel = exports.dots as WasmEngine['kernel'];
    return new WasmEngine(kernel, memory, stride, layout, maxVectors, chunk, mean, norms);
  }

  load(vectors: Float64Array, m: number): void {
    const { mean, vectorView, vectorNorms } = this;
    const d4 = this.stride / 4;
    const d = mean.length;
    this.m = m;
    this.m4 = roundUp(m, 4);
    vectorView.fill(0, 0, this.m4 * d4); // padding vectors are zero; their results are ignored
    for (let c = 0; c < m; c++) {
      let norm = 0;
      for (let j = 0; j < d; j++) {
        const v = Math.fround(vectors[c * d + j]! - mean[j]!);
        vectorView[c * d4 + j] = v;
        norm += v * v;
      }
      vectorNorms[c] = norm;
    }
  }

  squaredDistances(rows: Int32Array | null, first: number, count: number, out: Float64Array): void {
    const { listView, outView, norms, vectorNorms, m, m4, layout } = this;
    for (let t = 0; t < count; t++) listView[t] = rows === null ? first + t : rows[first + t]!;
    // the kernel takes rows in pairs: an odd count repeats the last row
    const even = count + (count & 1);
    if (even > count) listView[count] = listView[count - 1]!;
    if (count > 0) this.kernel(layout.list, even, layout.data, this.stride, layout.vectors, m4, layout.out);
    for (let t = 0; t < count; t++) {
      const xNorm = norms[listView[t]!]!;
      for (let c = 0; c < m; c++) {
        const o = (t * m4 + c) * 4;
        const dotProduct = outView[o]! + outView[o + 1]! + outView[o + 2]! + outView[o + 3]!;
        out[t * m + c] = Math.max(0, xNorm + vectorNorms[c]! - 2 * dotProduct);
      }
    }
  }
}

/** The little of the WebAssembly API used here (the Node typings of the main tsconfig do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

let compiledSimd: { api: WasmApi; compiled: object } | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable. Compiled once per thread. */
function simdModule(): { api: WasmApi; compiled: object } | null {
  if (compiledSimd === undefined) {
    compiledSimd = null;
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      const bytes = simdKernelBytes();
      if (api?.validate(bytes)) compiledSimd = { api, compiled: new api.Module(bytes) };
    } catch {
      // stays null: the JS kernel is used
    }
  }
  return compiledSimd;
}

/**
 * Assembles `dots(list, count, data, stride, vectors, m4, out)`: for each pair of rows named in the i32 list and each
 * block of four vectors, eight f32x4 accumulators over the row (stride bytes, a multiple of 16), stored unreduced:
 * out holds count x m4 x 4 floats whose four lanes sum to the dot product. count must be even, m4 a multiple of 4.
 * Written out here (about 600 bytes) rather than shipped as a binary so that it can be read and checked.
 */
function simdKernelBytes(): Uint8Array {
  const uleb = (v: number): number[] => {
    const o: number[] = [];
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v) b |= 0x80;
      o.push(b);
    } while (v);
    return o;
  };
  const I32 = 0x7f;
  const V128 = 0x7b;
  const get = (i: number) => [0x20, ...uleb(i)];
  const set = (i: number) => [0x21, ...uleb(i)];
  const tee = (i: number) => [0x22, ...uleb(i)];
  const i32 = (v: number) => [0x41, ...uleb(v)]; // small non-negative constants only (their sLEB is the uLEB when < 64)
  const add = [0x6a];
  const mul = [0x6c];
  const shl = [0x74];
  const geU = [0x4f];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const vload = [...simd(0x00), 4, 0];
  const vstore = (offset: number) => [...simd(0x0b), 4, ...uleb(offset)];
  const f32x4Add = simd(0xe4);
  const f32x4Mul = simd(0xe6);
  const vzero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
  const i32Load = (offset: number) => [0x28, 2, ...uleb(offset)];
  const block = [0x02, 0x40];
  const loop = [0x03, 0x40];
  const end = [0x0b];
  const br = [0x0c, 0];
  const brIf1 = [0x0d, 1];
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const name = (s: string) => vec([...s].map((ch) => [ch.charCodeAt(0)]));

  // params 0-6; i32 locals 7-16; v128 locals 17-27
  const [list, count, base, stride, vectors, m4, out] = [0, 1, 2, 3, 4, 5, 6];
  const [t, a, b, c, j, c0, c1, c2, c3, o] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const acc = 17; // 17..24
  const [x, y, w] = [25, 26, 27];
  const code: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => code.push(...p));
  const rowAddress = (offset: number, into: number) =>
    emit(get(base), get(list), get(t), i32(2), shl, add, i32Load(offset), get(stride), mul, add, set(into));

  emit(i32(0), set(t), block, loop);
  emit(get(t), get(count), geU, brIf1);
  rowAddress(0, a);
  rowAddress(4, b);
  emit(i32(0), set(c), block, loop);
  emit(get(c), get(m4), geU, brIf1);
  emit(get(vectors), get(c), get(stride), mul, add, tee(c0), get(stride), add, tee(c1), get(stride), add, tee(c2), get(stride), add, set(c3));
  for (let q = 0; q < 8; q++) emit(vzero, set(acc + q));
  emit(i32(0), set(j), block, loop);
  emit(get(j), get(stride), geU, brIf1);
  emit(get(a), get(j), add, vload, set(x));
  emit(get(b), get(j), add, vload, set(y));
  [c0, c1, c2, c3].forEach((vector, q) => {
    emit(get(vector), get(j), add, vload, set(w));
    emit(get(acc + q), get(x), get(w), f32x4Mul, f32x4Add, set(acc + q));
    emit(get(acc + 4 + q), get(y), get(w), f32x4Mul, f32x4Add, set(acc + 4 + q));
  });
  emit(get(j), i32(16), add, set(j), br, end, end);
  // o = out + (t * m4 + c) * 16; the second row's results follow m4 * 16 bytes later
  emit(get(out), get(t), get(m4), mul, get(c), add, i32(4), shl, add, set(o));
  for (let q = 0; q < 4; q++) emit(get(o), get(acc + q), vstore(q * 16));
  emit(get(o), get(m4), i32(4), shl, add, set(o));
  for (let q = 0; q < 4; q++) emit(get(o), get(acc + 4 + q), vstore(q * 16));
  emit(get(c), i32(4), add, set(c), br, end, end);
  emit(get(t), i32(2), add, set(t), br, end, end, end);

  const body = [...vec([[...uleb(10), I32], [...uleb(11), V128]]), ...code];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(7).fill([I32])), 0]])), // (i32 x 7) -> ()
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])), // memory, 1 page to start
    ...section(7, vec([[...name('dots'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/**
 * The float64 JS kernel: out[t * m + c] = dot(data row rows[first + t] (or first + t when rows is null), vector c of
 * `vectors`) for t in [0, count). Two rows against four vectors per pass keep eight accumulators in registers.
 */
export function rowDots(data: Float32Array, d: number, rows: Int32Array | null, first: number, count: number, vectors: Float64Array, m: number, out: Float64Array): void {
  let t = 0;
  for (; t + 1 < count; t += 2) {
    const a = (rows === null ? first + t : rows[first + t]!) * d;
    const b = (rows === null ? first + t + 1 : rows[first + t + 1]!) * d;
    const o = t * m;
    let c = 0;
    for (; c + 3 < m; c += 4) {
      const v0 = c * d;
      const v1 = v0 + d;
      const v2 = v1 + d;
      const v3 = v2 + d;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let j = 0; j < d; j++) {
        const xa = data[a + j]!;
        const xb = data[b + j]!;
        const w0 = vectors[v0 + j]!;
        const w1 = vectors[v1 + j]!;
        const w2 = vectors[v2 + j]!;
        const w3 = vectors[v3 + j]!;
        a0 += xa * w0;
        a1 += xa * w1;
        a2 += xa * w2;
        a3 += xa * w3;
        b0 += xb * w0;
        b1 += xb * w1;
        b2 += xb * w2;
        b3 += xb * w3;
      }
      out[o + c] = a0;
      out[o + c + 1] = a1;
      out[o + c + 2] = a2;
      out[o + c + 3] = a3;
      out[o + m + c] = b0;
      out[o + m + c + 1] = b1;
      out[o + m + c + 2] = b2;
      out[o + m + c + 3] = b3;
    }
    for (; c < m; c++) {
      const v0 = c * d;
      let a0 = 0, b0 = 0;
      for (let j = 0; j < d; j++) {
        const w = vectors[v0 + j]!;
        a0 += data[a + j]! * w;
        b0 += data[b + j]! * w;
      }
      out[o + c] = a0;
      out[o + m + c] = b0;
    }
  }
  if (t < count) {
    const a = (rows === null ? first + t : rows[first + t]!) * d;
    for (let c = 0; c < m; c++) out[t * m + c] = dot(data, a, vectors, c * d, d);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function checkShape(data: Float32Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) throw new RangeError(`bad shape n = ${n}, d = ${d}`);
  if (data.length < n * d) throw new RangeError(`data holds ${data.length} values, fewer than n x d = ${n * d}`);
}

/** 1 per row, or 1/||x|| for cosine (0 for an all-zero row, which so stays zero). */
export function rowScales(data: Float32Array, n: number, d: number, cosine: boolean): Float64Array {
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!cosine) scale[i] = 1;
    else {
      const s = squaredNorm(data, i * d, d);
      scale[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
  }
  return scale;
}

function columnMeans(data: Float32Array, n: number, d: number, scale: Float64Array): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const s = scale[i]!;
    for (let j = 0, b = i * d; j < d; j++) mean[j]! += data[b + j]! * s;
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  return mean;
}

function normalizeRow(v: Float64Array, offset: number, d: number): void {
  let norm = 0;
  for (let j = offset; j < offset + d; j++) norm += v[j]! * v[j]!;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let j = offset; j < offset + d; j++) v[j]! *= inv;
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

function clampCosineDistance(x: number): number {
  return x < 0 ? 0 : x > 2 ? 2 : x;
}

/** First index whose running sum is >= value (numpy's searchsorted, side 'left'); n when none is. */
function searchSorted(cumulative: Float64Array, value: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function squaredNorm(data: Float32Array, offset: number, d: number): number {
  let s0 = 0, s1 = 0;
  let j = 0;
  for (; j + 1 < d; j += 2) {
    const x = data[offset + j]!;
    const y = data[offset + j + 1]!;
    s0 += x * x;
    s1 += y * y;
  }
  if (j < d) s0 += data[offset + j]! * data[offset + j]!;
  return s0 + s1;
}

function dot(data: Float32Array, a: number, vectors: Float64Array, b: number, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += data[a + j]! * vectors[b + j]!;
    s1 += data[a + j + 1]! * vectors[b + j + 1]!;
    s2 += data[a + j + 2]! * vectors[b + j + 2]!;
    s3 += data[a + j + 3]! * vectors[b + j + 3]!;
  }
  for (; j < d; j++) s0 += data[a + j]! * vectors[b + j]!;
  return s0 + s1 + s2 + s3;
}

/** ||scale x data row - vector||^2, computed directly (no norm expansion) for exact inertia. */
function squaredDistance(data: Float32Array, a: number, scale: number, vectors: Float64Array, b: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const e = data[a + j]! * scale - vectors[b + j]!;
    s += e * e;
  }
  return s;
}

function squaredDistance64(x: Float64Array, a: number, y: Float64Array, b: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const e = x[a + j]! - y[b + j]!;
    s += e * e;
  }
  return s;
}
