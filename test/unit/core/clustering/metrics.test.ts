import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adjustedRandIndex,
  changedFraction,
  contingency,
  hungarianAccuracy,
  normalizedMutualInfo,
  purity,
  silhouetteScore,
} from '../../../../src-main/core/clustering/metrics';
import { SeededRandom } from '../../../../src-main/core/clustering/random';
import { fixture } from '../../../helpers/data';
import { fixtureMatrix as matrix, type FixtureMatrix as Matrix } from '../../../helpers/fixture-matrix';


// sklearn.metrics and scipy (make-references.py)
const reference = JSON.parse(readFileSync(fixture('clustering', 'metrics.json'), 'utf8')) as {
  pairs: {
    name: string;
    a: number[];
    b: number[];
    contingency: number[][];
    rowIds: number[];
    columnIds: number[];
    nmi: number;
    ari: number;
    purity: number;
    accuracy: number;
  }[];
  silhouette: { name: string; data: Matrix; labels: number[]; euclidean: number; cosine: number }[];
};

const close = (actual: number, expected: number, tolerance: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);

describe('label metrics against sklearn', () => {
  it.each(reference.pairs.map((p) => [p.name, p] as const))('%s', (_, p) => {
    const table = contingency(p.a, p.b);
    expect(table.counts).toEqual(p.contingency);
    expect(table.rowIds).toEqual(p.rowIds);
    expect(table.columnIds).toEqual(p.columnIds);
    close(normalizedMutualInfo(p.a, p.b), p.nmi, 1e-9);
    close(normalizedMutualInfo(p.b, p.a), p.nmi, 1e-9);
    close(adjustedRandIndex(p.a, p.b), p.ari, 1e-9);
    close(adjustedRandIndex(p.b, p.a), p.ari, 1e-9);
    close(purity(p.a, p.b), p.purity, 1e-12);
    close(hungarianAccuracy(p.a, p.b), p.accuracy, 1e-12);
    // the metrics take typed arrays as well
    close(adjustedRandIndex(Int32Array.from(p.a), Int32Array.from(p.b)), p.ari, 1e-9);
  });
});

describe('label metrics, hand-worked', () => {
  // clusters {0,1,2} {3,4,5}; classes {0,1} {2,3} {4,5}: contingency [[2,1,0],[0,1,2]]
  const clusters = [0, 0, 0, 1, 1, 1];
  const classes = [0, 0, 1, 1, 2, 2];

  it('contingency, purity and matched accuracy', () => {
    expect(contingency(clusters, classes)).toEqual({ rowIds: [0, 1], columnIds: [0, 1, 2], counts: [[2, 1, 0], [0, 1, 2]], total: 6 });
    expect(purity(clusters, classes)).toBe(4 / 6);
    // 0 -> class 0 (2 points), 1 -> class 2 (2 points); class 1 is left without a cluster
    expect(hungarianAccuracy(clusters, classes)).toBe(4 / 6);
    // more clusters than classes: the extra cluster's points are wrong, though purity counts them
    expect(hungarianAccuracy([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 1, 1])).toBe(4 / 6);
    expect(purity([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 1, 1])).toBe(1);
  });

  it('normalised mutual information', () => {
    // MI = (2/3) ln 2, H(clusters) = ln 2, H(classes) = ln 3
    expect(normalizedMutualInfo(clusters, classes)).toBeCloseTo(((2 / 3) * Math.LN2) / ((Math.LN2 + Math.log(3)) / 2), 14);
    expect(normalizedMutualInfo([1, 1, 1], [4, 4, 4])).toBe(1);
    expect(normalizedMutualInfo([1, 1, 1, 1], [0, 1, 2, 3])).toBe(0);
  });

  it('adjusted Rand index', () => {
    // sum C(n_ij, 2) = 2; row pairs 3 + 3 = 6; column pairs 1 + 1 + 1 = 3; C(6, 2) = 15
    const expected = 6 * 3 / 15;
    expect(adjustedRandIndex(clusters, classes)).toBeCloseTo((2 - expected) / ((6 + 3) / 2 - expected), 14);
    expect(adjustedRandIndex([0, 0, 1, 1], [5, 5, 2, 2])).toBe(1);
    expect(adjustedRandIndex([0, 0, 0], [0, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 1, 2, 3], [0, 1, 2, 3])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBe(-0.5);
  });

  it('leaves out points of unknown (negative) truth, and says NaN when none is known', () => {
    const labels = [0, 0, 1, 1, 2, 2, 1];
    const truth = [3, 3, 4, 4, -1, -1, -1];
    for (const metric of [purity, hungarianAccuracy, normalizedMutualInfo, adjustedRandIndex]) {
      expect(metric(labels, truth)).toBe(1);
      expect(metric([0, 1], [-1, -1])).toBeNaN();
    }
    expect(contingency(labels, truth).total).toBe(4);
    expect(() => purity([0, 1], [0])).toThrow(RangeError);
  });

  it('adjusted Rand index stays exact for large n (pair counts beyond 2^53)', () => {
    const n = 200_000;
    const r = new SeededRandom(6);
    const truth = Array.from({ length: n }, () => r.int(3));
    const labels = truth.map((t) => (r.next() < 0.1 ? r.int(3) : t));
    // Hubert and Arabie's form with pair counts C(x, 2), independent of sklearn's pair confusion matrix
    const pairs = (x: number) => (x * (x - 1)) / 2;
    const table = contingency(labels, truth).counts;
    const index = table.flat().reduce((s, v) => s + pairs(v), 0);
    const rows = table.reduce((s, row) => s + pairs(row.reduce((a, v) => a + v, 0)), 0);
    const columns = table[0]!.reduce((s, _, c) => s + pairs(table.reduce((a, row) => a + row[c]!, 0)), 0);
    const expected = (rows * columns) / pairs(n);
    expect(adjustedRandIndex(labels, truth)).toBeCloseTo((index - expected) / ((rows + columns) / 2 - expected), 12);
    expect(adjustedRandIndex(truth, truth)).toBe(1);
  });
});

describe('changed fraction between rounds', () => {
  it('is 0 for a renamed copy and counts moved points after matching the ids', () => {
    const r = new SeededRandom(7);
    const previous = Array.from({ length: 100 }, () => r.int(5));
    const renamed = previous.map((l) => [3, 0, 4, 1, 2][l]!);
    expect(changedFraction(previous, renamed)).toBe(0);
    const moved = [...renamed];
    let count = 0;
    for (let i = 0; i < 100 && count < 3; i += 17) {
      moved[i] = (moved[i]! + 1) % 5;
      count++;
    }
    expect(changedFraction(previous, moved)).toBeCloseTo(0.03, 15);
    expect(changedFraction(Int32Array.from(previous), Int32Array.from(moved))).toBeCloseTo(0.03, 15);
  });

  it('matches cluster ids one-to-one, whatever the numbers of clusters', () => {
    // a cluster split in two: the smaller half counts as changed
    expect(changedFraction([0, 0, 0, 0, 1, 1], [0, 0, 0, 2, 1, 1])).toBeCloseTo(1 / 6, 15);
    // unassigned in both: unchanged; in one only: changed
    expect(changedFraction([0, -1, 1, -1], [1, -1, 0, 0])).toBe(0.25);
    expect(changedFraction([], [])).toBe(0);
  });
});

describe('silhouette', () => {
  it.each(reference.silhouette.map((s) => [s.name, s] as const))('matches sklearn (exact) on %s', (_, s) => {
    const { data, n, d } = matrix(s.data);
    close(silhouetteScore(data, n, d, s.labels), s.euclidean, 1e-6);
    close(silhouetteScore(data, n, d, s.labels, { metric: 'cosine' }), s.cosine, 1e-6);
    // a sample as large as the data is the exact score
    close(silhouetteScore(data, n, d, s.labels, { sampleSize: n }), s.euclidean, 1e-6);
  });

  it('is hand-worked on four points on a line', () => {
    // a = 1 for every point; b = 10.5, 9.5, 9.5, 10.5
    const score = silhouetteScore(Float32Array.from([0, 1, 10, 11]), 4, 1, [0, 0, 1, 1]);
    expect(score).toBeCloseTo((2 * (9.5 / 10.5) + 2 * (8.5 / 9.5)) / 4, 12);
  });

  it('samples reproducibly by seed, close to the exact score', () => {
    const r = new SeededRandom(8);
    const n = 1500;
    const d = 8;
    const data = new Float32Array(n * d);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let j = 0; j < d; j++) data[i * d + j] = (j === labels[i] ? 4 : 0) + r.normal();
    }
    const exact = silhouetteScore(data, n, d, labels);
    const a = silhouetteScore(data, n, d, labels, { sampleSize: 400, seed: 1 });
    expect(silhouetteScore(data, n, d, labels, { sampleSize: 400, seed: 1 })).toBe(a);
    expect(silhouetteScore(data, n, d, labels, { sampleSize: 400, seed: 2 })).not.toBe(a);
    expect(Math.abs(a - exact)).toBeLessThan(0.03);
    // points with a negative label are left out
    const unlabelled = Int32Array.from(labels);
    unlabelled.fill(-1, 0, 300);
    const kept = data.subarray(300 * d);
    expect(silhouetteScore(data, n, d, unlabelled)).toBeCloseTo(silhouetteScore(kept, n - 300, d, labels.subarray(300)), 12);
  });

  it('refuses fewer than two clusters or as many clusters as points', () => {
    const data = Float32Array.from([0, 1, 2, 3]);
    expect(() => silhouetteScore(data, 4, 1, [0, 0, 0, 0])).toThrow(RangeError);
    expect(() => silhouetteScore(data, 4, 1, [0, 1, 2, 3])).toThrow(RangeError);
    expect(() => silhouetteScore(data, 4, 1, [0, 0, 1])).toThrow(RangeError);
  });
});
