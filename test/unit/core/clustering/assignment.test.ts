import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linearSumAssignment } from '../../../../src-main/core/clustering/assignment';
import { SeededRandom } from '../../../../src-main/core/clustering/random';
import { fixture } from '../../../helpers/data';

interface Case {
  name: string;
  cost: (number | null)[][];
  rows: number[];
  cols: number[];
  total: number;
}
const reference = JSON.parse(readFileSync(fixture('clustering', 'assignment.json'), 'utf8')) as { cases: Case[] };

function totalOf(cost: number[][], rows: number[], cols: number[]): number {
  return rows.reduce((s, r, t) => s + cost[r]![cols[t]!]!, 0);
}

/** Every injective map of the smaller side into the larger: the true optimum, by exhaustion. */
function bruteForce(cost: number[][]): number {
  const transpose = cost[0]!.length < cost.length;
  const m = transpose ? cost[0]!.map((_, j) => cost.map((row) => row[j]!)) : cost;
  const rows = m.length;
  const cols = m[0]!.length;
  let best = Infinity;
  const used = new Array<boolean>(cols).fill(false);
  const walk = (r: number, sum: number): void => {
    if (r === rows) {
      best = Math.min(best, sum);
      return;
    }
    for (let c = 0; c < cols; c++) {
      if (used[c]) continue;
      used[c] = true;
      walk(r + 1, sum + m[r]![c]!);
      used[c] = false;
    }
  };
  walk(0, 0);
  return best;
}

describe('linear sum assignment', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('matches scipy on %s', (_, c) => {
    const cost = c.cost.map((row) => row.map((v) => (v === null ? Infinity : v)));
    const { rows, cols } = linearSumAssignment(cost);
    const size = Math.min(cost.length, cost[0]!.length);
    expect(rows).toHaveLength(size);
    expect(new Set(cols).size).toBe(size);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(new Set(rows).size).toBe(size);
    const total = totalOf(cost, rows, cols);
    expect(Math.abs(total - c.total)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.total)));
    // random real costs have one optimum: the same pairs as scipy's
    if (c.name.includes('float')) expect({ rows, cols }).toEqual({ rows: c.rows, cols: c.cols });
  });

  it('finds the hand-worked optimum', () => {
    // rows 0->1, 1->0, 2->2: 1 + 2 + 2 = 5
    expect(linearSumAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])).toEqual({ rows: [0, 1, 2], cols: [1, 0, 2] });
    // a tall matrix: the two cheapest rows in distinct columns, reported by ascending row
    expect(linearSumAssignment([[10, 10], [1, 9], [9, 10], [8, 1]])).toEqual({ rows: [1, 3], cols: [0, 1] });
  });

  it('agrees with exhaustive search on small random matrices', () => {
    const r = new SeededRandom(5);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + r.int(6);
      const cols = 1 + r.int(6);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (trial % 2 ? r.int(5) : r.normal())));
      const { rows: rr, cols: cc } = linearSumAssignment(cost);
      expect(totalOf(cost, rr, cc)).toBeCloseTo(bruteForce(cost), 9);
    }
  });

  it('maximises through negated costs, handles empty input, and refuses bad matrices', () => {
    const gain = [[1, 5], [4, 2]];
    const { rows, cols } = linearSumAssignment(gain.map((row) => row.map((v) => -v)));
    expect(totalOf(gain, rows, cols)).toBe(9);
    expect(linearSumAssignment([])).toEqual({ rows: [], cols: [] });
    expect(linearSumAssignment([[], []])).toEqual({ rows: [], cols: [] });
    expect(() => linearSumAssignment([[1, NaN]])).toThrow(RangeError);
    expect(() => linearSumAssignment([[1, -Infinity]])).toThrow(RangeError);
    expect(() => linearSumAssignment([[1, 2], [3]])).toThrow(RangeError);
    expect(() => linearSumAssignment([[Infinity, 1], [Infinity, 2]])).toThrow(/infeasible/);
  });
});
