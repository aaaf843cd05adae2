import { describe, expect, it } from 'vitest';
import { calibrateLocation, type PlacedLesion } from '../../../../src-main/core/embedding/location-scale';
import { featureMatrix } from '../../../../src-main/core/embedding/similarity';
import { seededUniform } from '../../../helpers/random';

/**
 * Series of lesions placed in a body of known size: location units times the mm per unit, plus a per-series
 * offset (where the image corner and the first slice happen to be), plus jitter of a few mm (bodies differ).
 */
function placed(mmPerUnit: [number, number, number], options: { series: number; perSeries: number; jitterMm: number; seed: number }): PlacedLesion[] {
  const random = seededUniform(options.seed);
  const out: PlacedLesion[] = [];
  for (let s = 0; s < options.series; s++) {
    const offset = [random() * 100, random() * 100, random() * 500];
    for (let i = 0; i < options.perSeries; i++) {
      const location = [0.2 + 0.6 * random(), 0.2 + 0.6 * random(), 0.3 + 0.5 * random()];
      const mm = location.map((u, axis) => u * mmPerUnit[axis]! + offset[axis]! + (random() - 0.5) * 2 * options.jitterMm) as [number, number, number];
      out.push({ series: s, location, mm });
    }
  }
  return out;
}

describe('location scale', () => {
  it('recovers the mm per unit of each axis from pairs of lesions in one series', () => {
    const truth: [number, number, number] = [370, 290, 1100];
    const scale = calibrateLocation(placed(truth, { series: 60, perSeries: 4, jitterMm: 3, seed: 7 }))!;
    expect(scale).not.toBeNull();
    scale.mmPerUnit.forEach((v, axis) => expect(Math.abs(v / truth[axis]! - 1)).toBeLessThan(0.03));
    expect(Math.min(...scale.pairs)).toBeGreaterThan(100);
  });

  it('never pairs lesions of different series: their offsets would swamp the scale', () => {
    // one lesion per series: no pair at all, whatever the offsets
    expect(calibrateLocation(placed([370, 290, 1100], { series: 300, perSeries: 1, jitterMm: 0, seed: 3 }))).toBeNull();
  });

  it('keeps per-axis standardisation (null) when an axis cannot be measured', () => {
    const lesions = placed([370, 290, 1100], { series: 40, perSeries: 4, jitterMm: 1, seed: 11 }).map((l) => ({ ...l, mm: [l.mm[0], l.mm[1], null] as PlacedLesion['mm'] }));
    expect(calibrateLocation(lesions)).toBeNull();
  });

  it('a group given units keeps its axes in proportion and its total spread at its weight', () => {
    const random = seededUniform(5);
    const n = 400;
    const rows = Array.from({ length: n }, (_, i) => ({ lesionId: i + 1, vector: Float32Array.from([random(), random(), random(), random() * 50]), hasPixels: false }));
    const layout = [
      { name: 'location', length: 3 },
      { name: 'window', length: 1 },
    ];
    const variances = (data: Float32Array) =>
      Array.from({ length: 4 }, (_, d) => {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += data[i * 4 + d]! / n;
        let sq = 0;
        for (let i = 0; i < n; i++) sq += (data[i * 4 + d]! - mean) ** 2 / n;
        return sq;
      });
    // z's unit is four times x's and y's, so its scale is four times theirs: distances are in mm
    const m = featureMatrix(rows, layout, { location: 1, window: 1 }, { unitRows: false, units: { location: [300, 300, 1200] } });
    expect(m.scale[2]! / m.scale[0]!).toBeCloseTo(4, 5);
    expect(m.scale[1]! / m.scale[0]!).toBeCloseTo(1, 5);
    const v = variances(m.data);
    expect(v[0]! + v[1]! + v[2]!).toBeCloseTo(1, 4); // the group's weight
    expect(v[2]! / v[0]!).toBeGreaterThan(10); // about 16: the same spread in units, four times the mm
    expect(v[3]).toBeCloseTo(1, 4);
    // without units each axis counts the same
    const plain = variances(featureMatrix(rows, layout, { location: 1, window: 1 }, { unitRows: false }).data);
    plain.slice(0, 3).forEach((x) => expect(x).toBeCloseTo(1 / 3, 4));
  });
});
