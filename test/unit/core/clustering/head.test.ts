import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  fitStandardisation,
  predictHead,
  projectThroughHead,
  standardiseFeatures,
  trainHead,
  type HeadTrainingOptions,
} from '../../../../src-main/core/clustering/head';
import { headManifest, headToOnnx } from '../../../../src-main/core/clustering/head-onnx';
import { tempDir } from '../../../helpers/data';
import { seededUniform } from '../../../helpers/random';


interface Blobs {
  x: Float32Array;
  labels: Int32Array;
  n: number;
  d: number;
}

/**
 * Isotropic Gaussian blobs: `counts[c]` rows around centre c (drawn once from the seed with `separation` standard
 * deviation per dimension), unit noise. `centres` may be passed in to draw a second sample from the same blobs.
 */
function gaussianBlobs(counts: number[], d: number, separation: number, seed: number, centres?: Float64Array[]): Blobs & { centres: Float64Array[] } {
  const uniform = seededUniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const c0 = centres ?? counts.map(() => Float64Array.from({ length: d }, () => separation * normal()));
  const n = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(n * d);
  const labels = new Int32Array(n);
  let row = 0;
  counts.forEach((count, c) => {
    for (let i = 0; i < count; i++, row++) {
      labels[row] = c;
      for (let j = 0; j < d; j++) x[row * d + j] = c0[c]![j]! + normal();
    }
  });
  return { x, labels, n, d, centres: c0 };
}

function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit++;
  return hit / labels.length;
}

function recall(predicted: Int32Array, labels: Int32Array, c: number): number {
  let hit = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== c) continue;
    total++;
    if (predicted[i] === c) hit++;
  }
  return hit / total;
}

const base: HeadTrainingOptions = { hidden: 16, epochs: 8, learningRate: 0.01, batchSize: 64, seed: 7 };

describe('trainHead', () => {
  it('learns separable Gaussian blobs (> 95% accuracy) with a falling loss', () => {
    const k = 6;
    const blobs = gaussianBlobs([300, 250, 200, 350, 150, 250], 24, 1.2, 1);
    const pre = fitStandardisation(blobs.x, blobs.n, blobs.d);
    const x = standardiseFeatures(blobs.x, blobs.n, blobs.d, pre);
    const epochs: number[] = [];
    const head = trainHead(x, blobs.n, blobs.d, blobs.labels, k, { ...base, onEpoch: (e) => epochs.push(e.epoch) });

    expect(epochs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(head.history).toHaveLength(8);
    const losses = head.history.map((h) => h.loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    expect(losses.at(-1)!).toBeLessThan(losses[1]!);
    expect(head.history.at(-1)!.accuracy).toBeGreaterThan(0.95);
    // The epoch's accuracy is measured while training, the prediction's after it: close, not equal.
    const trainingAccuracy = accuracy(predictHead(head, x, blobs.n).labels, blobs.labels);
    expect(Math.abs(trainingAccuracy - head.history.at(-1)!.accuracy)).toBeLessThan(0.03);

    const fresh = gaussianBlobs([300, 250, 200, 350, 150, 250], 24, 1.2, 2, blobs.centres);
    const predicted = predictHead(head, standardiseFeatures(fresh.x, fresh.n, fresh.d, pre), fresh.n);
    expect(accuracy(predicted.labels, fresh.labels)).toBeGreaterThan(0.95);
    // Probabilities are a distribution per row, and the labels are their argmax.
    for (let r = 0; r < fresh.n; r += 97) {
      const p = predicted.probabilities.subarray(r * k, (r + 1) * k);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.indexOf(Math.max(...p))).toBe(predicted.labels[r]);
    }
    const projection = projectThroughHead(head, x, blobs.n);
    expect(projection).toHaveLength(blobs.n * head.hidden);
    expect(projection.every((v) => v >= 0)).toBe(true);
  });

  it('gives identical weights for the same seed and different ones for another seed', () => {
    const blobs = gaussianBlobs([120, 80, 100], 10, 2, 3);
    const x = standardiseFeatures(blobs.x, blobs.n, blobs.d, fitStandardisation(blobs.x, blobs.n, blobs.d));
    for (const balanced of [false, true]) {
      const options = { ...base, epochs: 3, balanced, weightDecay: 1e-4 };
      const a = trainHead(x, blobs.n, blobs.d, blobs.labels, 3, options);
      const b = trainHead(x, blobs.n, blobs.d, blobs.labels, 3, options);
      const c = trainHead(x, blobs.n, blobs.d, blobs.labels, 3, { ...options, seed: 8 });
      for (const key of ['w1', 'b1', 'w2', 'b2'] as const) expect(b[key]).toEqual(a[key]);
      expect(b.history).toEqual(a.history);
      expect(c.w1).not.toEqual(a.w1);
    }
  });

  it('leaves rows with a negative label out and refuses NaN rows and out-of-range labels', () => {
    const blobs = gaussianBlobs([50, 50], 4, 3, 4);
    const labels = blobs.labels.slice();
    labels[0] = -1;
    const x = standardiseFeatures(blobs.x, blobs.n, blobs.d, fitStandardisation(blobs.x, blobs.n, blobs.d));
    const withNaN = x.slice();
    withNaN[0] = Number.NaN;
    expect(() => trainHead(withNaN, blobs.n, blobs.d, labels, 2, base)).not.toThrow(); // row 0 is left out
    withNaN[5] = Number.NaN;
    expect(() => trainHead(withNaN, blobs.n, blobs.d, labels, 2, base)).toThrow(/row 1 holds NaN/);
    labels[3] = 2;
    expect(() => trainHead(x, blobs.n, blobs.d, labels, 2, base)).toThrow(/label 2 of row 3/);
  });

  it('recalls a 3% class far better with balanced sampling than without', () => {
    // Class 3 sits close to class 0 and holds 3% of the rows: unbalanced training lets class 0 take its border.
    const d = 16;
    const counts = [1200, 1100, 1000, 100];
    const uniform = seededUniform(11);
    const centres = counts.map(() => Float64Array.from({ length: d }, () => 6 * (uniform() - 0.5)));
    centres[3] = centres[0]!.map((v, j) => v + (j < 2 ? 1.6 : 0));
    const train = gaussianBlobs(counts, d, 0, 12, centres);
    const test = gaussianBlobs([400, 400, 400, 400], d, 0, 13, centres);
    const pre = fitStandardisation(train.x, train.n, d);
    const xTrain = standardiseFeatures(train.x, train.n, d, pre);
    const xTest = standardiseFeatures(test.x, test.n, d, pre);
    const options = { ...base, epochs: 10, learningRate: 0.005 };
    const plain = predictHead(trainHead(xTrain, train.n, d, train.labels, 4, options), xTest, test.n).labels;
    const balanced = predictHead(trainHead(xTrain, train.n, d, train.labels, 4, { ...options, balanced: true }), xTest, test.n).labels;
    const plainRecall = recall(plain, test.labels, 3);
    const balancedRecall = recall(balanced, test.labels, 3);
    expect(balancedRecall).toBeGreaterThan(plainRecall + 0.2);
    expect(balancedRecall).toBeGreaterThan(0.6);
  });

  it('stops between batches when the signal aborts, with the signal’s reason', () => {
    const blobs = gaussianBlobs([200, 200], 6, 3, 5);
    const x = standardiseFeatures(blobs.x, blobs.n, blobs.d, fitStandardisation(blobs.x, blobs.n, blobs.d));
    const options = { ...base, batchSize: 20, epochs: 5 };

    const before = new AbortController();
    before.abort(new Error('cancelled before'));
    const seen: number[] = [];
    expect(() => trainHead(x, blobs.n, blobs.d, blobs.labels, 2, { ...options, signal: before.signal, onEpoch: (e) => seen.push(e.epoch) })).toThrow(
      'cancelled before',
    );
    expect(seen).toEqual([]);

    // Aborted during the first epoch (on its 4th of 20 batches): no epoch completes.
    const during = new AbortController();
    let checks = 0;
    const signal = new Proxy(during.signal, {
      get(target, key) {
        if (key === 'throwIfAborted') {
          return () => {
            if (++checks === 4) during.abort(new Error('cancelled during'));
            target.throwIfAborted();
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(() => trainHead(x, blobs.n, blobs.d, blobs.labels, 2, { ...options, signal, onEpoch: (e) => seen.push(e.epoch) })).toThrow('cancelled during');
    expect(checks).toBe(4);
    expect(seen).toEqual([]);

    // Aborted after epoch 2 (from onEpoch): epoch 3 does not run.
    const after = new AbortController();
    expect(() =>
      trainHead(x, blobs.n, blobs.d, blobs.labels, 2, {
        ...options,
        signal: after.signal,
        onEpoch: (e) => {
          seen.push(e.epoch);
          if (e.epoch === 2) after.abort(new Error('cancelled after 2'));
        },
      }),
    ).toThrow('cancelled after 2');
    expect(seen).toEqual([1, 2]);
  });
});

describe('headToOnnx', () => {
  /** max |a - b| / max |b| per row: the relative error of a row as a vector (robust to entries that are ~0). */
  function worstRowError(a: Float32Array, b: Float32Array, width: number): number {
    let worst = 0;
    for (let r = 0; r < b.length / width; r++) {
      let diff = 0;
      let size = 0;
      for (let j = r * width; j < (r + 1) * width; j++) {
        diff = Math.max(diff, Math.abs(a[j]! - b[j]!));
        size = Math.max(size, Math.abs(b[j]!));
      }
      worst = Math.max(worst, size > 0 ? diff / size : diff);
    }
    return worst;
  }

  it('runs in onnxruntime with the TypeScript forward pass’s embedding and probabilities, NaN rows included', async () => {
    const k = 5;
    const d = 40;
    const blobs = gaussianBlobs([150, 120, 100, 80, 60], d, 1.5, 21);
    // Raw stored features: offsets and scales per dimension, a constant dimension and an all-NaN one.
    const raw = blobs.x.slice();
    for (let r = 0; r < blobs.n; r++) {
      for (let j = 0; j < d; j++) raw[r * d + j] = raw[r * d + j]! * (1 + j) + 100 * j;
      raw[r * d + 3] = 42;
      raw[r * d + 7] = Number.NaN;
    }
    // Missing groups in some rows (as for lesions without an image).
    const nanRows = [0, 5, 17, 200, 509];
    for (const r of nanRows) for (let j = 10; j < 30; j++) raw[r * d + j] = Number.NaN;
    const weights = Float32Array.from({ length: d }, (_, j) => (j >= 30 && j < 34 ? 0 : 1)); // a group switched off
    const pre = fitStandardisation(raw, blobs.n, d, weights);
    expect(pre.scale[3]).toBe(0);
    expect(pre.scale[7]).toBe(0);
    expect(pre.mean[7]).toBe(0);
    expect(pre.scale[31]).toBe(0);

    const x = standardiseFeatures(raw, blobs.n, d, pre);
    expect(x.some(Number.isNaN)).toBe(false);
    const head = trainHead(x, blobs.n, d, blobs.labels, k, { ...base, hidden: 12, epochs: 4 });
    const meta = { name: 'head-test', version: '1' };
    const bytes = headToOnnx(head, pre, meta);
    expect(Buffer.from(headToOnnx(head, pre, meta)).equals(Buffer.from(bytes))).toBe(true);

    // The TypeScript path on a row with NaN equals the path on the same row with NaN replaced by the mean.
    const filled = raw.slice();
    for (let i = 0; i < filled.length; i++) if (Number.isNaN(filled[i]!)) filled[i] = pre.mean[i % d]!;
    expect(standardiseFeatures(filled, blobs.n, d, pre)).toEqual(x);

    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'model.onnx');
      writeFileSync(path, bytes);
      for (const source of [path, bytes]) {
        const session = typeof source === 'string' ? await InferenceSession.create(source, { executionProviders: ['cpu'] }) : await InferenceSession.create(source, { executionProviders: ['cpu'] });
        try {
          expect(session.inputNames).toEqual(['features']);
          expect(session.outputNames).toEqual(['embedding', 'probabilities']);
          const out = await session.run({ features: new Tensor('float32', raw, [blobs.n, d]) });
          expect(out.embedding!.dims).toEqual([blobs.n, head.hidden]);
          expect(out.probabilities!.dims).toEqual([blobs.n, k]);
          const embedding = out.embedding!.data as Float32Array;
          const probabilities = out.probabilities!.data as Float32Array;
          const expected = predictHead(head, x, blobs.n);
          expect(worstRowError(embedding, projectThroughHead(head, x, blobs.n), head.hidden)).toBeLessThan(1e-5);
          expect(worstRowError(probabilities, expected.probabilities, k)).toBeLessThan(1e-5);
          for (const r of nanRows) {
            const row = Array.from(embedding.subarray(r * head.hidden, (r + 1) * head.hidden));
            const reference = Array.from(projectThroughHead(head, x.subarray(r * d, (r + 1) * d), 1));
            row.forEach((v, j) => expect(Math.abs(v - reference[j]!)).toBeLessThanOrEqual(1e-5 * Math.max(...reference.map(Math.abs))));
          }
        } finally {
          await session.release();
        }
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('describes itself in a manifest with the file hash, shapes and the model it is based on', () => {
    const blobs = gaussianBlobs([40, 40], 5, 3, 31);
    const pre = fitStandardisation(blobs.x, blobs.n, 5);
    const head = trainHead(standardiseFeatures(blobs.x, blobs.n, 5, pre), blobs.n, 5, blobs.labels, 2, { ...base, hidden: 4, epochs: 1 });
    const bytes = headToOnnx(head, pre, { name: 'head', version: '2' });
    const basedOn = { model: 'scattering-texture', version: '1.0.0', sha256: 'a'.repeat(64), groups: [{ name: 'texture', length: 3, weight: 1 }, { name: 'size', length: 2, weight: 0.5 }] };
    const manifest = headManifest(head, bytes, { name: 'deep-mining-round-1', version: '1', basedOn, labels: ['cluster 1', 'cluster 2'] });
    expect(manifest).toMatchObject({
      name: 'deep-mining-round-1',
      task: 'embedding',
      file: 'model.onnx',
      input: { name: 'features', kind: 'features', shape: ['N', 5], dtype: 'float32' },
      outputs: [
        { name: 'embedding', shape: ['N', 4] },
        { name: 'probabilities', shape: ['N', 2] },
      ],
      basedOn,
    });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(() => headManifest(head, bytes, { name: 'Bad Name', version: '1', basedOn })).toThrow();
    expect(() => headManifest(head, bytes, { name: 'head', version: '1', basedOn: { ...basedOn, groups: basedOn.groups.slice(0, 1) } })).toThrow(/3 dimensions/);
  });
});
