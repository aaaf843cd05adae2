import type { SliceInfo } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { orderSlices, positionAlongNormal, type SliceOrdering } from './geometry';

export interface SeriesSlice extends SliceInfo {
  filePath: string;
}

/**
 * The slices of a series in display order: one per frame of every image instance, with its geometry.
 * Shared by the viewer's series detail and by patch extraction (which needs a key slice's neighbours).
 */
export function seriesSlices(catalogue: Catalogue, seriesId: number): { slices: SeriesSlice[]; ordering: SliceOrdering } {
  const slices: SeriesSlice[] = [];
  for (const inst of catalogue.instances.listBySeries(seriesId)) {
    for (let frame = 0; frame < inst.frames; frame++) {
      const imagePosition = inst.framePositions?.[frame] ?? (frame === 0 ? inst.imagePosition : null);
      const orientation = inst.imageOrientation;
      slices.push({
        instanceId: inst.id,
        frame,
        sopInstanceUid: inst.sopInstanceUid,
        instanceNumber: inst.instanceNumber,
        position: imagePosition && orientation ? positionAlongNormal(imagePosition, orientation) : null,
        imagePosition,
        imageOrientation: orientation,
        rows: inst.rows ?? 0,
        columns: inst.columns ?? 0,
        pixelSpacing: inst.pixelSpacing,
        rescaleSlope: inst.rescaleSlope,
        rescaleIntercept: inst.rescaleIntercept,
        windows: inst.windowPresets,
        filePath: inst.filePath,
      });
    }
  }
  const { ordered, ordering } = orderSlices(slices);
  return { slices: ordered, ordering };
}
