import type { WindowPreset } from '@contract';

/** Standard CT windows (HU), with the keys that select them in the viewer. */
export const ctWindowPresets: readonly (WindowPreset & { key: string })[] = [
  { name: 'Lung', center: -600, width: 1500, key: '1' },
  { name: 'Soft tissue', center: 40, width: 400, key: '2' },
  { name: 'Bone', center: 400, width: 1800, key: '3' },
  { name: 'Liver', center: 30, width: 150, key: '4' },
];

export interface VoiRange {
  lower: number;
  upper: number;
}

/** Window centre/width to the displayed value range (linear window, as the presets are defined). */
export function voiFromWindow(center: number, width: number): VoiRange {
  return { lower: center - width / 2, upper: center + width / 2 };
}

export function windowFromVoi(range: VoiRange): { center: number; width: number } {
  return { center: (range.lower + range.upper) / 2, width: range.upper - range.lower };
}

/** The window a series opens with: its first DICOM preset, else soft tissue for CT, else the data range. */
export function initialWindow(
  modality: string | null,
  dicomPresets: readonly WindowPreset[],
  range: { min: number; max: number },
): { center: number; width: number } {
  const first = dicomPresets[0];
  if (first) return { center: first.center, width: first.width };
  if (modality === 'CT') return { center: 40, width: 400 };
  const width = Math.max(1, range.max - range.min);
  return { center: range.min + width / 2, width };
}
