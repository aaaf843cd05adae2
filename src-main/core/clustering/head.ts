/**
 * The small classifier head of DeepLesion's iterative deep mining: trained on the current cluster assignments as
 * pseudo-labels, its ReLU projection is the next round's embedding. Plain TypeScript (no TF.js: its wasm backend is
 * not faster for a head this small, and the pure-JS one is slower), deterministic for a seed.
 *
 *   embedding     = ReLU(x W1 + b1)        W1: d x hidden (He init)
 *   probabilities = softmax(embedding W2 + b2)  W2: hidden x k (Xavier init)
 *
 * trained with softmax cross-entropy and Adam on minibatches. Inputs are standardised feature rows without NaN;
 * `standardiseFeatures` does to raw stored vectors exactly what the exported ONNX graph does (head-onnx.ts).
 */

export interface HeadTrainingOptions {
  /** Width of the projection (the re-embedding), e.g. 32. */
  hidden: number;
  epochs: number;
  /** Adam step size, e.g. 1e-3. */
  learningRate: number;
  batchSize: number;
  seed: number;
  /** Decoupled weight decay (AdamW) on W1 and W2, not on the biases. Default 0. */
  weightDecay?: number;
  /**
   * Sample the classes uniformly (as DeepCluster does): every epoch draws the same number of rows from each
   * non-empty class, small classes repeated, so large clusters do not swallow small ones. Default false.
   */
  balanced?: boolean;
  /** Checked between batches; an aborted signal makes trainHead throw the signal's reason. */
  signal?: AbortSignal;
  onEpoch?: (e: HeadEpoch) => void;
}

/** Mean cross-entropy and accuracy over the rows of one epoch, each measured on its batch before that batch's update. */
export interface HeadEpoch {
  epoch: number;
  loss: number;
  accuracy: number;
}

export interface TrainedHead {
  inputDim: number;
  hidden: number;
  classes: number;
  /** inputDim x hidden, row-major */
  w1: Float32Array;
  b1: Float32Array;
  /** hidden x classes, row-major */
  w2: Float32Array;
  b2: Float32Array;
  history: HeadEpoch[];
}

/** What the head's ONNX graph does before the head: NaN becomes `mean`, then (x - mean) * scale. */
export interface FeatureStandardisation {
  mean: Float32Array;
  /** 0 switches a dimension off. */
  scale: Float32Array;
}

/** sfc32 seeded through splitmix32: a small, fast generator whose stream depends only on the seed. */
function seededRandom(seed: number): () => number {
  let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

function normalSampler(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

function shuffleInPlace(values: Int32Array, length: number, random: () => number): void {
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
}

function checkShape(x: Float32Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) throw new RangeError(`bad shape ${n} x ${d}`);
  if (x.length !== n * d) throw new RangeError(`features hold ${x.length} values, expected ${n} x ${d} = ${n * d}`);
}

/** Per-dimension mean and 1 / standard deviation over the non-NaN values; constant or all-NaN dimensions get scale 0. */
export function fitStandardisation(x: Float32Array, n: number, d: number, dimensionWeights?: ArrayLike<number>): FeatureStandardisation {
  checkShape(x, n, d);
  if (dimensionWeights && dimensionWeights.length !== d) throw new RangeError(`${dimensionWeights.length} dimension weights for ${d} dimensions`);
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  const count = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let j = 0; j < d; j++) {
      const v = x[base + j]!;
      if (Number.isNaN(v)) continue;
      count[j]!++;
      const delta = v - mean[j]!;
      mean[j]! += delta / count[j]!;
      sq[j]! += delta * (v - mean[j]!);
    }
  }
  const scale = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const std = count[j]! > 1 ? Math.sqrt(sq[j]! / count[j]!) : 0;
    scale[j] = std > 1e-12 ? (dimensionWeights?.[j] ?? 1) / std : 0;
  }
  return { mean: Float32Array.from(mean), scale };
}

/** Raw stored rows to head inputs, in float32 exactly as the ONNX graph computes them: NaN -> mean, then (x - mean) * scale. */
export function standardiseFeatures(x: Float32Array, n: number, d: number, standardisation: FeatureStandardisation): Float32Array {
  checkShape(x, n, d);
  const { mean, scale } = standardisation;
  if (mean.length !== d || scale.length !== d) throw new RangeError(`standardisation for ${mean.length}/${scale.length} dimensions, features have ${d}`);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let j = 0; j < d; j++) {
      const v = x[base + j]!;
      const m = mean[j]!;
      // NaN -> mean gives (mean - mean) * scale = 0, as in the graph.
      out[base + j] = Number.isNaN(v) ? 0 : Math.fround(Math.fround(v - m) * scale[j]!);
    }
  }
  return out;
}

/**
 * out[i, j] = bias[j] + sum_p x[i, p] * wT[j, p] for `rows` rows of x (rows x d) and wT (width x d): dot products
 * over contiguous memory, two rows by four outputs at a time so that every weight read serves two rows (about 3x
 * faster in V8 than the row-times-matrix axpy order).
 */
function denseForward(x: Float64Array, rows: number, d: number, wT: Float64Array, width: number, bias: Float64Array, out: Float64Array): void {
  const width4 = width - (width % 4);
  let i = 0;
  for (; i + 1 < rows; i += 2) {
    const xa = i * d;
    const xb = xa + d;
    const oa = i * width;
    const ob = oa + width;
    for (let j = 0; j < width4; j += 4) {
      const w0 = j * d;
      const w1 = w0 + d;
      const w2 = w1 + d;
      const w3 = w2 + d;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let p = 0; p < d; p++) {
        const u = x[xa + p]!;
        const v = x[xb + p]!;
        const c0 = wT[w0 + p]!;
        const c1 = wT[w1 + p]!;
        const c2 = wT[w2 + p]!;
        const c3 = wT[w3 + p]!;
        a0 += u * c0;
        a1 += u * c1;
        a2 += u * c2;
        a3 += u * c3;
        b0 += v * c0;
        b1 += v * c1;
        b2 += v * c2;
        b3 += v * c3;
      }
      out[oa + j] = a0 + bias[j]!;
      out[oa + j + 1] = a1 + bias[j + 1]!;
      out[oa + j + 2] = a2 + bias[j + 2]!;
      out[oa + j + 3] = a3 + bias[j + 3]!;
      out[ob + j] = b0 + bias[j]!;
      out[ob + j + 1] = b1 + bias[j + 1]!;
      out[ob + j + 2] = b2 + bias[j + 2]!;
      out[ob + j + 3] = b3 + bias[j + 3]!;
    }
    for (let j = width4; j < width; j++) {
      const w0 = j * d;
      let a = 0;
      let b = 0;
      for (let p = 0; p < d; p++) {
        a += x[xa + p]! * wT[w0 + p]!;
        b += x[xb + p]! * wT[w0 + p]!;
      }
      out[oa + j] = a + bias[j]!;
      out[ob + j] = b + bias[j]!;
    }
  }
  for (; i < rows; i++) {
    const xa = i * d;
    for (let j = 0; j < width; j++) {
      const w0 = j * d;
      let a = 0;
      for (let p = 0; p < d; p++) a += x[xa + p]! * wT[w0 + p]!;
      out[i * width + j] = a + bias[j]!;
    }
  }
}

/** (d x width) row-major -> (width x d) row-major, in float64. */
function transposed(w: ArrayLike<number>, d: number, width: number): Float64Array {
  const t = new Float64Array(d * width);
  for (let p = 0; p < d; p++) for (let j = 0; j < width; j++) t[j * d + p] = w[p * width + j]!;
  return t;
}

/** Adam state of one parameter array; the parameters themselves are kept in float64 while training. */
interface AdamSlot {
  value: Float64Array;
  grad: Float64Array;
  m: Float64Array;
  v: Float64Array;
  decay: boolean;
}

const slot = (value: Float64Array, decay: boolean): AdamSlot => ({
  value,
  grad: new Float64Array(value.length),
  m: new Float64Array(value.length),
  v: new Float64Array(value.length),
  decay,
});

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-8;

function checkOptions(o: HeadTrainingOptions): void {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer (got ${v})`);
  };
  positiveInt('hidden', o.hidden);
  positiveInt('batchSize', o.batchSize);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new RangeError(`epochs must be a non-negative integer (got ${o.epochs})`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) throw new RangeError(`learningRate must be positive (got ${o.learningRate})`);
  if (o.weightDecay !== undefined && !(o.weightDecay >= 0)) throw new RangeError(`weightDecay must be >= 0 (got ${o.weightDecay})`);
  if (!Number.isFinite(o.seed)) throw new RangeError(`seed must be a finite number (got ${o.seed})`);
}

/**
 * Trains the head on standardised rows `x` (n x d, no NaN) with pseudo-labels in [0, k). A negative label leaves
 * its row out of training (e.g. a lesion marked noisy). The same inputs and seed give the same weights, bit for bit.
 */
export function trainHead(x: Float32Array, n: number, d: number, labels: Int32Array, k: number, options: HeadTrainingOptions): TrainedHead {
  checkShape(x, n, d);
  checkOptions(options);
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2 (got ${k})`);
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} rows`);
  const H = options.hidden;
  const weightDecay = options.weightDecay ?? 0;
  const random = seededRandom(options.seed);
  const normal = normalSampler(random);

  const members: number[][] = Array.from({ length: k }, () => []);
  for (let r = 0; r < n; r++) {
    const c = labels[r]!;
    if (c >= k) throw new RangeError(`label ${c} of row ${r} is not in [0, ${k})`);
    if (c < 0) continue;
    const base = r * d;
    for (let j = 0; j < d; j++) if (Number.isNaN(x[base + j]!)) throw new RangeError(`row ${r} holds NaN: standardise the features first (standardiseFeatures)`);
    members[c]!.push(r);
  }
  const used = members.reduce((a, m) => a + m.length, 0);
  if (used === 0) throw new RangeError('no row has a label in [0, k)');

  // He init for the ReLU layer, Xavier (uniform) for the softmax layer, biases 0.
  // W1 is drawn in d x hidden order and kept transposed (hidden x d) while training, for denseForward.
  const w1T = new Float64Array(d * H);
  const heStd = Math.sqrt(2 / d);
  for (let p = 0; p < d; p++) for (let j = 0; j < H; j++) w1T[j * d + p] = Math.fround(heStd * normal());
  const w2 = new Float64Array(H * k);
  const xavier = Math.sqrt(6 / (H + k));
  for (let i = 0; i < w2.length; i++) w2[i] = Math.fround(xavier * (2 * random() - 1));
  const b1 = new Float64Array(H);
  const b2 = new Float64Array(k);
  const slots = [slot(w1T, true), slot(b1, false), slot(w2, true), slot(b2, false)];
  const [gW1T, gB1, gW2, gB2] = slots.map((s) => s.grad) as [Float64Array, Float64Array, Float64Array, Float64Array];

  // The rows of one epoch: a permutation of the labelled rows, or (balanced) the same count drawn from every class.
  const nonEmpty = members.filter((m) => m.length > 0);
  const perClass = Math.ceil(used / nonEmpty.length);
  const order = new Int32Array(options.balanced ? perClass * nonEmpty.length : used);
  const labelledRows = Int32Array.from(members.flat());
  const classPools = nonEmpty.map((m) => Int32Array.from(m));
  const fillOrder = (): void => {
    if (!options.balanced) {
      order.set(labelledRows);
      shuffleInPlace(order, used, random);
      return;
    }
    let at = 0;
    for (const pool of classPools) {
      // Whole shuffled passes over the class (no row twice before every row once), the last pass cut short.
      for (let drawn = 0; drawn < perClass; ) {
        shuffleInPlace(pool, pool.length, random);
        const take = Math.min(pool.length, perClass - drawn);
        order.set(pool.subarray(0, take), at);
        at += take;
        drawn += take;
      }
    }
    shuffleInPlace(order, order.length, random);
  };
  // Balanced epochs keep the size of an ordinary epoch, so epochs mean the same number of steps either way.
  const epochRows = used;

  const B = options.batchSize;
  const xb = new Float64Array(B * d);
  const hb = new Float64Array(B * H);
  const pb = new Float64Array(B * k);
  const dh = new Float64Array(B * H);
  const yb = new Int32Array(B);
  const history: HeadEpoch[] = [];
  let step = 0;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    fillOrder();
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < epochRows; start += B) {
      options.signal?.throwIfAborted();
      const b = Math.min(B, epochRows - start);
      for (let i = 0; i < b; i++) {
        const r = order[start + i]!;
        yb[i] = labels[r]!;
        const src = r * d;
        const dst = i * d;
        for (let j = 0; j < d; j++) xb[dst + j] = x[src + j]!;
      }

      // Forward: h = ReLU(x W1 + b1), p = softmax(h W2 + b2).
      denseForward(xb, b, d, w1T, H, b1, hb);
      for (let i = 0; i < b; i++) {
        const ho = i * H;
        for (let j = 0; j < H; j++) if (hb[ho + j]! < 0) hb[ho + j] = 0;
        const po = i * k;
        let max = -Infinity;
        let best = 0;
        for (let c = 0; c < k; c++) {
          let z = b2[c]!;
          for (let j = 0; j < H; j++) z += hb[ho + j]! * w2[j * k + c]!;
          pb[po + c] = z;
          if (z > max) {
            max = z;
            best = c;
          }
        }
        let sum = 0;
        for (let c = 0; c < k; c++) {
          const e = Math.exp(pb[po + c]! - max);
          pb[po + c] = e;
          sum += e;
        }
        for (let c = 0; c < k; c++) pb[po + c]! /= sum;
        const y = yb[i]!;
        lossSum -= Math.log(Math.max(pb[po + y]!, 1e-300));
        if (best === y) correct++;
      }

      // Backward: dlogits = (p - onehot) / b.
      gW1T.fill(0);
      gB1.fill(0);
      gW2.fill(0);
      gB2.fill(0);
      const inv = 1 / b;
      for (let i = 0; i < b; i++) {
        const po = i * k;
        pb[po + yb[i]!]! -= 1;
        for (let c = 0; c < k; c++) pb[po + c]! *= inv;
        const ho = i * H;
        for (let c = 0; c < k; c++) gB2[c]! += pb[po + c]!;
        for (let j = 0; j < H; j++) {
          const hv = hb[ho + j]!;
          let g = 0;
          for (let c = 0; c < k; c++) {
            const dl = pb[po + c]!;
            gW2[j * k + c]! += hv * dl;
            g += dl * w2[j * k + c]!;
          }
          dh[ho + j] = hv > 0 ? g : 0;
          gB1[j]! += dh[ho + j]!;
        }
      }
      // dW1^T[j, :] += dh[i, j] x[i, :], two rows per pass over dW1^T, skipping units ReLU switched off in both.
      for (let i = 0; i < b; i += 2) {
        const xa = i * d;
        const pair = i + 1 < b;
        const xc = pair ? xa + d : xa;
        for (let j = 0; j < H; j++) {
          const ga = dh[i * H + j]!;
          const gc = pair ? dh[(i + 1) * H + j]! : 0;
          if (ga === 0 && gc === 0) continue;
          const wo = j * d;
          for (let p = 0; p < d; p++) gW1T[wo + p]! += ga * xb[xa + p]! + gc * xb[xc + p]!;
        }
      }

      step++;
      const lr = (options.learningRate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
      const decay = options.learningRate * weightDecay;
      for (const s of slots) {
        const { value, grad, m, v } = s;
        for (let i = 0; i < value.length; i++) {
          const g = grad[i]!;
          m[i] = BETA1 * m[i]! + (1 - BETA1) * g;
          v[i] = BETA2 * v[i]! + (1 - BETA2) * g * g;
          value[i]! -= lr * (m[i]! / (Math.sqrt(v[i]!) + ADAM_EPS)) + (s.decay ? decay * value[i]! : 0);
        }
      }
    }
    const record = { epoch, loss: lossSum / epochRows, accuracy: correct / epochRows };
    history.push(record);
    options.onEpoch?.(record);
  }

  return {
    inputDim: d,
    hidden: H,
    classes: k,
    w1: Float32Array.from(transposed(w1T, H, d)),
    b1: Float32Array.from(b1),
    w2: Float32Array.from(w2),
    b2: Float32Array.from(b2),
    history,
  };
}

function checkHeadInput(head: TrainedHead, x: Float32Array, n: number): void {
  checkShape(x, n, head.inputDim);
  if (head.w1.length !== head.inputDim * head.hidden || head.b1.length !== head.hidden || head.w2.length !== head.hidden * head.classes || head.b2.length !== head.classes) {
    throw new RangeError('head weights do not match its inputDim / hidden / classes');
  }
}

/** The ReLU projection of each standardised row through the head's first layer: n x hidden, the re-embedding. */
export function projectThroughHead(head: TrainedHead, x: Float32Array, n: number): Float32Array {
  checkHeadInput(head, x, n);
  const { inputDim: d, hidden: H } = head;
  const w1T = transposed(head.w1, d, H);
  const b1 = Float64Array.from(head.b1);
  const out = new Float32Array(n * H);
  const chunk = Math.max(1, Math.min(n, 256));
  const xc = new Float64Array(chunk * d);
  const hc = new Float64Array(chunk * H);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    for (let i = 0; i < rows * d; i++) xc[i] = x[start * d + i]!;
    denseForward(xc, rows, d, w1T, H, b1, hc);
    for (let i = 0; i < rows * H; i++) out[start * H + i] = hc[i]! > 0 ? hc[i]! : 0;
  }
  return out;
}

/** Class probabilities (n x classes, softmax) and the most probable class of each standardised row. */
export function predictHead(head: TrainedHead, x: Float32Array, n: number): { labels: Int32Array; probabilities: Float32Array } {
  const projection = projectThroughHead(head, x, n);
  const { hidden: H, classes: k, w2, b2 } = head;
  const labels = new Int32Array(n);
  const probabilities = new Float32Array(n * k);
  const z = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const ho = r * H;
    let max = -Infinity;
    let best = 0;
    for (let c = 0; c < k; c++) {
      let s = b2[c]!;
      for (let j = 0; j < H; j++) s += projection[ho + j]! * w2[j * k + c]!;
      z[c] = s;
      if (s > max) {
        max = s;
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      z[c] = Math.exp(z[c]! - max);
      sum += z[c]!;
    }
    for (let c = 0; c < k; c++) probabilities[r * k + c] = z[c]! / sum;
    labels[r] = best;
  }
  return { labels, probabilities };
}
