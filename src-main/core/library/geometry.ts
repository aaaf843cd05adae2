export type Vec3 = [number, number, number];
export type Orientation = [number, number, number, number, number, number];

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** The slice normal: row direction cosines x column direction cosines (DICOM PS3.3 C.7.6.2.1.1). */
export function sliceNormal(orientation: Orientation): Vec3 {
  return cross([orientation[0], orientation[1], orientation[2]], [orientation[3], orientation[4], orientation[5]]);
}

/** Distance in mm of the image plane from the origin along its normal: what orders the slices of a volume. */
export function positionAlongNormal(position: Vec3, orientation: Orientation): number {
  return dot(position, sliceNormal(orientation));
}

export interface Orderable {
  position: number | null;
  instanceNumber: number | null;
  frame: number;
  filePath: string;
}

export type SliceOrdering = 'position' | 'instance-number' | 'file-name';

/**
 * Orders slices for display: by position along the normal when every slice has one (head to feet for axial
 * CT, i.e. decreasing patient z, as radiology viewers show them); else by instance number; else by file name.
 */
export function orderSlices<T extends Orderable>(slices: readonly T[]): { ordered: T[]; ordering: SliceOrdering } {
  const byFile = (a: T, b: T) => (a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : a.frame - b.frame);
  if (slices.length > 0 && slices.every((s) => s.position !== null)) {
    const ordered = [...slices].sort((a, b) => b.position! - a.position! || byFile(a, b));
    return { ordered, ordering: 'position' };
  }
  if (slices.length > 0 && slices.every((s) => s.instanceNumber !== null)) {
    const ordered = [...slices].sort((a, b) => a.instanceNumber! - b.instanceNumber! || a.frame - b.frame || byFile(a, b));
    return { ordered, ordering: 'instance-number' };
  }
  return { ordered: [...slices].sort(byFile), ordering: 'file-name' };
}
