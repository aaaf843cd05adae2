import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assign, kmeans, sameClustering, type DistanceKernel } from '../../../../src-main/core/clustering/kmeans';
import { adjustedRandIndex } from '../../../../src-main/core/clustering/metrics';
import { SeededRandom } from '../../../../src-main/core/clustering/random';
import { fixture } from '../../../helpers/data';
import { fixtureMatrix as matrix, type FixtureMatrix as Matrix } from '../../../helpers/fixture-matrix';


// sklearn's KMeans(n_clusters=k, n_init=10, random_state=0) (make-references.py)
const reference = JSON.parse(readFileSync(fixture('clustering', 'kmeans.json'), 'utf8')) as {
  separated: { name: string; data: Matrix; k: number; labels: number[]; inertia: number }[];
  overlapping: { name: string; data: Matrix; references: { k: number; inertia: number; medianInertia: number }[] }[];
};
const kernels: DistanceKernel[] = ['wasm', 'js'];

/** Rays from the origin: three directions, norms from 0.5 to 20, a little angular noise. */
function rays(perDirection: number, seed: number): { data: Float32Array; n: number; d: number; direction: Int32Array } {
  const r = new SeededRandom(seed);
  const directions = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0.6, 0, 0.8, 0],
  ];
  const d = 4;
  const n = perDirection * directions.length;
  const data = new Float32Array(n * d);
  const direction = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % directions.length;
    const norm = 0.5 + 19.5 * r.next();
    direction[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = norm * (directions[c]![j]! + 0.03 * r.normal());
  }
  return { data, n, d, direction };
}

describe('k-means against scikit-learn', () => {
  describe.each(kernels)('%s kernel', (kernel) => {
    it.each(reference.separated.map((c) => [c.name, c] as const))('separated %s: the same partition and inertia', (_, c) => {
      const { data, n, d } = matrix(c.data);
      const result = kmeans(data, n, d, { k: c.k, seed: 0, kernel });
      expect(sameClustering(result.labels, c.labels, c.k)).toBe(true);
      expect(adjustedRandIndex(result.labels, c.labels)).toBe(1);
      expect(Math.abs(result.inertia - c.inertia) / c.inertia).toBeLessThan(1e-4);
      expect(result.restartsRun).toBe(10);
      expect(result.centers).toHaveLength(c.k * d);

      // centres are their members' means, distances the Euclidean distances to them, inertia their squares' sum
      const sums = new Float64Array(c.k * d);
      const counts = new Float64Array(c.k);
      let inertia = 0;
      for (let i = 0; i < n; i++) {
        const label = result.labels[i]!;
        counts[label]!++;
        let sq = 0;
        for (let j = 0; j < d; j++) {
          sums[label * d + j]! += data[i * d + j]!;
          sq += (data[i * d + j]! - result.centers[label * d + j]!) ** 2;
        }
        expect(result.distances[i]).toBeCloseTo(Math.sqrt(sq), 3);
        inertia += result.distances[i]! ** 2;
      }
      expect(inertia / result.inertia).toBeCloseTo(1, 5);
      for (let t = 0; t < c.k * d; t++) expect(result.centers[t]).toBeCloseTo(sums[t]! / counts[Math.floor(t / d)]!, 3);
    });

    // k-means is non-convex: on overlapping data the restarts of both land in different local minima, so labels are
    // not compared, and one run of 10 restarts against one of sklearn's is a coin toss at 1e-3 (both sample the same
    // distribution of results: see the second test). With 50 restarts ours must reach sklearn's 10-restart inertia.
    it.each(reference.overlapping.map((c) => [c.name, c] as const))('overlapping %s: best inertia no worse than sklearn', (_, c) => {
      const { data, n, d } = matrix(c.data);
      for (const { k, inertia } of c.references) {
        const result = kmeans(data, n, d, { k, seed: 0, restarts: 50, kernel });
        expect(result.inertia).toBeLessThanOrEqual(inertia * (1 + 1e-3));
        // a fixed point of Lloyd: every row is at its nearest centre (float64 check of the bounds that skipped rows)
        expect(Array.from(assign(data, n, d, result.centers, k, 'euclidean', 'js').labels)).toEqual(Array.from(result.labels));
        expect(result.iterations).toBeGreaterThan(0);
        expect(result.iterations).toBeLessThanOrEqual(300);
      }
    });
  });

  it.each(reference.overlapping.map((c) => [c.name, c] as const))('overlapping %s: with 10 restarts, typically as good as sklearn', (_, c) => {
    const { data, n, d } = matrix(c.data);
    for (const { k, medianInertia } of c.references) {
      const inertias = Array.from({ length: 10 }, (_, seed) => kmeans(data, n, d, { k, seed }).inertia).sort((a, b) => a - b);
      const median = (inertias[4]! + inertias[5]!) / 2;
      expect(median).toBeLessThanOrEqual(medianInertia * 1.01);
    }
  });

  it('the SIMD and the float64 kernels find the same partition', () => {
    const { data, n, d } = matrix(reference.overlapping[2]!.data);
    const simd = kmeans(data, n, d, { k: 6, seed: 3, kernel: 'wasm' });
    const plain = kmeans(data, n, d, { k: 6, seed: 3, kernel: 'js' });
    expect(sameClustering(simd.labels, plain.labels, 6)).toBe(true);
    expect(simd.inertia).toBeCloseTo(plain.inertia, 6);
  });
});

describe('k-means behaviour', () => {
  const wine = matrix(reference.overlapping[1]!.data);

  it('is reproducible by seed; other seeds may find other partitions', () => {
    const { data, n, d } = wine;
    const a = kmeans(data, n, d, { k: 6, seed: 7, restarts: 1 });
    const b = kmeans(data, n, d, { k: 6, seed: 7, restarts: 1 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(b.inertia).toBe(a.inertia);
    expect(Array.from(b.centers)).toEqual(Array.from(a.centers));
    const partitions = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const labels = kmeans(data, n, d, { k: 6, seed, restarts: 1 }).labels;
      partitions.add(canonical(labels));
    }
    expect(partitions.size).toBeGreaterThan(1);
    // the default seed is 0
    expect(canonical(kmeans(data, n, d, { k: 6 }).labels)).toBe(canonical(kmeans(data, n, d, { k: 6, seed: 0 }).labels));
  });

  it('keeps the best restart and reports every restart', () => {
    const { data, n, d } = wine;
    const seen: [number, number][] = [];
    const result = kmeans(data, n, d, { k: 6, restarts: 5, onRestart: (r, inertia) => seen.push([r, inertia]) });
    expect(seen.map(([r]) => r)).toEqual([0, 1, 2, 3, 4]);
    expect(result.inertia).toBe(Math.min(...seen.map(([, inertia]) => inertia)));
    expect(result.restartsRun).toBe(5);
  });

  it('cosine groups rays by direction, where Euclidean groups them by length', () => {
    const { data, n, d, direction } = rays(60, 8);
    for (const kernel of kernels) {
      const cosine = kmeans(data, n, d, { k: 3, metric: 'cosine', kernel });
      expect(adjustedRandIndex(cosine.labels, direction)).toBe(1);
      const euclidean = kmeans(data, n, d, { k: 3, kernel });
      expect(adjustedRandIndex(euclidean.labels, direction)).toBeLessThan(0.5);

      // unit centres; distance = 1 - cos; inertia = their sum
      let inertia = 0;
      for (let c = 0; c < 3; c++) {
        const norm = Math.hypot(...cosine.centers.subarray(c * d, (c + 1) * d));
        expect(norm).toBeCloseTo(1, 6);
      }
      for (let i = 0; i < n; i++) {
        const c = cosine.labels[i]!;
        let dotProduct = 0;
        let norm = 0;
        for (let j = 0; j < d; j++) {
          dotProduct += data[i * d + j]! * cosine.centers[c * d + j]!;
          norm += data[i * d + j]! ** 2;
        }
        expect(cosine.distances[i]).toBeCloseTo(1 - dotProduct / Math.sqrt(norm), 5);
        inertia += cosine.distances[i]!;
      }
      expect(cosine.inertia).toBeCloseTo(inertia, 4);
    }
  });

  it('cosine leaves a zero row at distance 1', () => {
    const { data, n, d } = rays(10, 9);
    data.fill(0, 0, d);
    const result = kmeans(data, n, d, { k: 3, metric: 'cosine' });
    expect(result.distances[0]).toBe(1);
    expect(Number.isFinite(result.inertia)).toBe(true);
  });

  it('assign() gives new points the nearest centre', () => {
    const c = reference.separated[3]!;
    const { data, n, d } = matrix(c.data);
    const result = kmeans(data, n, d, { k: c.k });
    for (const kernel of kernels) {
      const again = assign(data, n, d, result.centers, c.k, 'euclidean', kernel);
      expect(Array.from(again.labels)).toEqual(Array.from(result.labels));
      for (let i = 0; i < n; i++) expect(again.distances[i]).toBeCloseTo(result.distances[i]!, 3);
    }
    const { data: rayData, n: rn, d: rd, direction } = rays(30, 10);
    const cosine = kmeans(rayData, rn, rd, { k: 3, metric: 'cosine' });
    const fresh = rays(20, 11);
    const assigned = assign(fresh.data, fresh.n, fresh.d, cosine.centers, 3, 'cosine');
    // the fresh rays land with the training rays of their direction
    const clusterOfDirection = new Map<number, number>();
    for (let i = 0; i < rn; i++) clusterOfDirection.set(direction[i]!, cosine.labels[i]!);
    for (let i = 0; i < fresh.n; i++) expect(assigned.labels[i]).toBe(clusterOfDirection.get(fresh.direction[i]!));
    expect(assign(new Float32Array(0), 0, 3, new Float32Array(6), 2).labels).toHaveLength(0);
  });

  it('re-seeds empty clusters: more clusters than distinct points still gives valid labels', () => {
    // 12 rows, 3 distinct points, k = 5: k-means++ must pick duplicates, whose clusters come out empty
    const points = [
      [0, 0],
      [5, 5],
      [10, 0],
    ];
    const data = Float32Array.from(Array.from({ length: 12 }, (_, i) => points[i % 3]!).flat());
    for (const kernel of kernels) {
      const result = kmeans(data, 12, 2, { k: 5, kernel });
      expect(result.inertia).toBe(0);
      for (const label of result.labels) expect(label >= 0 && label < 5).toBe(true);
      expect(Array.from(result.distances).every((x) => x === 0)).toBe(true);
      expect(Array.from(result.centers).every(Number.isFinite)).toBe(true);
    }
  });

  it('handles k = 1 and k = n', () => {
    const { data, n, d } = wine;
    const one = kmeans(data, n, d, { k: 1, restarts: 2 });
    expect(new Set(one.labels).size).toBe(1);
    expect(one.iterations).toBeLessThanOrEqual(2);
    const small = data.subarray(0, 20 * d);
    const each = kmeans(small, 20, d, { k: 20, restarts: 1 });
    expect(new Set(each.labels).size).toBe(20);
    expect(each.inertia).toBe(0);
    const single = kmeans(Float32Array.from([3, 4]), 1, 2, { k: 1 });
    expect({ labels: Array.from(single.labels), centers: Array.from(single.centers), inertia: single.inertia }).toEqual({ labels: [0], centers: [3, 4], inertia: 0 });
  });

  it('refuses bad arguments and stops when aborted', () => {
    const { data, n, d } = wine;
    expect(() => kmeans(data, n, d, { k: 0 })).toThrow(RangeError);
    expect(() => kmeans(data, n, d, { k: n + 1 })).toThrow(RangeError);
    expect(() => kmeans(data, n + 1, d, { k: 2 })).toThrow(RangeError);
    expect(() => kmeans(data, n, d, { k: 2, restarts: 0 })).toThrow(RangeError);
    expect(() => kmeans(Float32Array.from([0, NaN, 1, 2]), 2, 2, { k: 1 })).toThrow(/finite/);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => kmeans(data, n, d, { k: 3, signal: controller.signal })).toThrow('stop');
    const later = new AbortController();
    expect(() => kmeans(data, n, d, { k: 3, signal: later.signal, onRestart: () => later.abort(new Error('after one')) })).toThrow('after one');
  });
});

/** A labeling's partition as a string that does not depend on the cluster ids. */
function canonical(labels: Int32Array): string {
  const rename = new Map<number, number>();
  return Array.from(labels, (l) => {
    if (!rename.has(l)) rename.set(l, rename.size);
    return rename.get(l)!;
  }).join(',');
}
