import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../../../src-main/core/clustering/metrics';
import { clusterMatrix, clusterMeans, DEFAULT_HEAD, mapMatrix, suggestK } from '../../../../src-main/core/clustering/pipeline';
import { createRandom } from '../../../../src-main/core/clustering/random';

/** k Gaussian blobs in d dims, seeded. */
function blobs(k: number, perCluster: number, d: number, spread: number, seed: number) {
  const random = createRandom(seed);
  const n = k * perCluster;
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => random.next() * 20 - 10));
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + random.normal() * spread;
  }
  return { data, truth, n, d };
}

const quiet = () => undefined;

describe('clustering pipeline', () => {
  it('finds well-separated groups, and the iterative loop converges on them (< 1% change)', () => {
    const { data, truth, n, d } = blobs(5, 120, 6, 1.0, 7);
    const params = { k: 5, metric: 'euclidean' as const, seed: 3, restarts: 5, iterate: true, maxRounds: 10, head: DEFAULT_HEAD };
    const out = clusterMatrix(data, n, d, params, quiet);
    expect(adjustedRandIndex(out.labels, truth)).toBeGreaterThan(0.99);
    expect(out.rounds.length).toBeGreaterThan(1);
    expect(out.rounds.at(-1)!.changedFraction).toBeLessThan(0.01);
    expect(out.head).not.toBeNull();
    for (const r of out.rounds) expect(r.silhouette).toBeGreaterThan(0.3);
  });

  it('is reproducible with a seed', () => {
    const { data, n, d } = blobs(4, 60, 5, 3.0, 11);
    const params = { k: 4, metric: 'euclidean' as const, seed: 9, restarts: 3, iterate: true, maxRounds: 3, head: DEFAULT_HEAD };
    const a = clusterMatrix(data, n, d, params, quiet);
    const b = clusterMatrix(data, n, d, params, quiet);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.rounds).toEqual(b.rounds);
  });

  it('suggests the k of the data from silhouette and stability', () => {
    const { data, n, d } = blobs(4, 80, 4, 0.6, 5);
    const s = suggestK(data, n, d, { kMin: 2, kMax: 8, metric: 'euclidean', seed: 1 }, quiet);
    expect(s.points.map((p) => p.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(s.suggested).toBe(4);
    const at4 = s.points.find((p) => p.k === 4)!;
    expect(at4.stability).toBeGreaterThan(0.95);
  });

  it('lays out a 2-D map that keeps the groups apart', async () => {
    const { data, truth, n, d } = blobs(3, 50, 10, 0.5, 2);
    const xy = await mapMatrix(data, n, d, 4, quiet);
    expect(xy.length).toBe(2 * n);
    // each point's nearest neighbour on the map is from its own group
    let same = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const dd = (xy[2 * i]! - xy[2 * j]!) ** 2 + (xy[2 * i + 1]! - xy[2 * j + 1]!) ** 2;
        if (dd < bestD) {
          bestD = dd;
          best = j;
        }
      }
      if (truth[best] === truth[i]) same++;
    }
    expect(same / n).toBeGreaterThan(0.97);
  });

  it('computes cluster means (hand-worked)', () => {
    const means = clusterMeans(Float32Array.from([0, 0, 2, 2, 10, 10]), 3, 2, [0, 0, 1], 2);
    expect(Array.from(means)).toEqual([1, 1, 10, 10]);
  });
});
