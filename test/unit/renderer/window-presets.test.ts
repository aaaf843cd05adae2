import { describe, expect, it } from 'vitest';
import { ctWindowPresets, initialWindow, voiFromWindow, windowFromVoi } from '../../../src-renderer/features/viewer/window-presets';

describe('window presets', () => {
  it('has the four CT windows the viewer offers, lung first', () => {
    expect(ctWindowPresets.map((p) => [p.name, p.width, p.center])).toEqual([
      ['Lung', 1500, -600],
      ['Soft tissue', 400, 40],
      ['Bone', 1800, 400],
      ['Liver', 150, 30],
    ]);
  });

  it('converts between centre/width and the displayed range both ways', () => {
    expect(voiFromWindow(-600, 1500)).toEqual({ lower: -1350, upper: 150 });
    expect(windowFromVoi({ lower: -1350, upper: 150 })).toEqual({ center: -600, width: 1500 });
  });

  it('opens with the DICOM preset, else soft tissue for CT, else the data range', () => {
    expect(initialWindow('CT', [{ name: 'W1', center: 40, width: 350 }], { min: 0, max: 1 })).toEqual({ center: 40, width: 350 });
    expect(initialWindow('CT', [], { min: 0, max: 1 })).toEqual({ center: 40, width: 400 });
    expect(initialWindow('MR', [], { min: 100, max: 900 })).toEqual({ center: 500, width: 800 });
  });
});
