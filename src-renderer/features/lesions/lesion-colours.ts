import type { Lesion } from '@contract';

/** Overlay colours by source, until curated categories (with their own colours) exist. */
const bySource: Record<Lesion['source'], string> = {
  annotator: '#3dd6f5',
  deeplesion: '#f5a623',
  'dicom-sr': '#7ed321',
  'presentation-state': '#c86dff',
  detection: '#f8e71c',
};

export function lesionColour(lesion: Pick<Lesion, 'source'>): string {
  return bySource[lesion.source];
}

export const sourceLabels: Record<Lesion['source'], string> = {
  annotator: 'Drawn',
  deeplesion: 'DeepLesion',
  'dicom-sr': 'DICOM SR',
  'presentation-state': 'Presentation state',
  detection: 'Detection',
};
