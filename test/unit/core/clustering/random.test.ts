import { describe, expect, it } from 'vitest';
import { createRandom, SeededRandom } from '../../../../src-main/core/clustering/random';

describe('seeded random numbers', () => {
  it('repeats its stream for a seed, and differs between seeds', () => {
    const a = new SeededRandom(42);
    const b = createRandom(42);
    const c = new SeededRandom(43);
    const sa = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.uint32())).not.toEqual(sa);
    // the high half of a seed counts too
    expect(new SeededRandom(2 ** 32 + 1).uint32()).not.toBe(new SeededRandom(1).uint32());
  });

  it('keeps the stream of seed 0 (stored runs are reproduced from their seed)', () => {
    const r = new SeededRandom(0);
    const first = Array.from({ length: 4 }, () => r.uint32());
    const again = new SeededRandom(0);
    expect(Array.from({ length: 4 }, () => again.uint32())).toEqual(first);
    expect(first).toEqual([2169640645, 423636963, 610623119, 2670807963]);
  });

  it('draws next() in [0, 1) with a mean of about 1/2', () => {
    const r = new SeededRandom(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('draws int(n) uniformly in [0, n)', () => {
    const r = new SeededRandom(2);
    const counts = new Array<number>(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[r.int(7)]!++;
    // chi-square with 6 degrees of freedom: 22.5 is its 0.999 quantile
    const chi2 = counts.reduce((s, c) => s + (c - draws / 7) ** 2 / (draws / 7), 0);
    expect(chi2).toBeLessThan(22.5);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(RangeError);
    expect(r.int(1)).toBe(0);
  });

  it('gives standard normal deviates', () => {
    const r = new SeededRandom(3);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = r.normal();
      sum += x;
      squares += x * x;
    }
    expect(sum / 50_000).toBeCloseTo(0, 1);
    expect(squares / 50_000).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation, and a partial shuffle draws a sample without replacement', () => {
    const r = new SeededRandom(4);
    const values = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = r.shuffle([...values]);
    expect(shuffled).not.toEqual(values);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(values);

    const typed = Int32Array.from(values);
    r.shuffle(typed, 10);
    const sample = Array.from(typed.subarray(0, 10));
    expect(new Set(sample).size).toBe(10);
    expect(Array.from(typed).sort((a, b) => a - b)).toEqual(values);

    // every element is equally likely to land first
    const firsts = new Array<number>(5).fill(0);
    for (let i = 0; i < 25_000; i++) firsts[r.shuffle([0, 1, 2, 3, 4])[0]!]!++;
    for (const c of firsts) expect(Math.abs(c - 5000)).toBeLessThan(300);
  });
});
