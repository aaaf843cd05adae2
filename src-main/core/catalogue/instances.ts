import type { WindowPreset } from '../../contract';
import { nowIso, type Db } from './database';

/** Geometry and pixel description of one DICOM object, as the header parser reads it. */
export interface InstanceFields {
  /** 'dicom', or 'png16' for DeepLesion slices */
  format: 'dicom' | 'png16';
  sopInstanceUid: string;
  sopClassUid: string | null;
  transferSyntaxUid: string | null;
  instanceNumber: number | null;
  /** 0 for objects without pixel data. */
  frames: number;
  rows: number | null;
  columns: number | null;
  /** [row spacing, column spacing] in mm */
  pixelSpacing: [number, number] | null;
  imagePosition: [number, number, number] | null;
  imageOrientation: [number, number, number, number, number, number] | null;
  slicePosition: number | null;
  /** ImagePositionPatient of each frame (enhanced multi-frame objects). */
  framePositions: [number, number, number][] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  rescaleType: string | null;
  windowPresets: WindowPreset[];
  bitsAllocated: number | null;
  bitsStored: number | null;
  pixelRepresentation: number | null;
  samplesPerPixel: number | null;
  photometric: string | null;
  imageType: string | null;
  acquisitionNumber: number | null;
}

export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface InstanceRow extends InstanceFields {
  id: number;
  seriesRowId: number;
  filePath: string;
  fileSize: number;
  fileMtimeMs: number;
}

interface RawInstanceRow extends Omit<InstanceRow, 'pixelSpacing' | 'imagePosition' | 'imageOrientation' | 'framePositions' | 'windowPresets'> {
  pixelSpacingRow: number | null;
  pixelSpacingCol: number | null;
  imagePosition: string | null;
  imageOrientation: string | null;
  framePositions: string | null;
  windowPresets: string;
}

const instanceColumns = `
  id, series_id AS seriesRowId, format, sop_instance_uid AS sopInstanceUid, sop_class_uid AS sopClassUid,
  file_path AS filePath, file_size AS fileSize, file_mtime_ms AS fileMtimeMs, transfer_syntax_uid AS transferSyntaxUid,
  instance_number AS instanceNumber, frames, rows, columns, pixel_spacing_row AS pixelSpacingRow,
  pixel_spacing_col AS pixelSpacingCol, image_position AS imagePosition, image_orientation AS imageOrientation,
  slice_position AS slicePosition, frame_positions AS framePositions, slice_thickness AS sliceThickness,
  spacing_between_slices AS spacingBetweenSlices, rescale_slope AS rescaleSlope, rescale_intercept AS rescaleIntercept,
  rescale_type AS rescaleType, window_presets AS windowPresets, bits_allocated AS bitsAllocated,
  bits_stored AS bitsStored, pixel_representation AS pixelRepresentation, samples_per_pixel AS samplesPerPixel,
  photometric, image_type AS imageType, acquisition_number AS acquisitionNumber`;

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function fromRaw(raw: RawInstanceRow): InstanceRow {
  const { pixelSpacingRow, pixelSpacingCol, ...rest } = raw;
  return {
    ...rest,
    pixelSpacing: pixelSpacingRow !== null && pixelSpacingCol !== null ? [pixelSpacingRow, pixelSpacingCol] : null,
    imagePosition: parseJson(raw.imagePosition),
    imageOrientation: parseJson(raw.imageOrientation),
    framePositions: parseJson(raw.framePositions),
    windowPresets: parseJson<WindowPreset[]>(raw.windowPresets) ?? [],
  };
}

export function instancesRepository(db: Db) {
  const upsert = db.prepare(`
    INSERT INTO instances (series_id, format, sop_instance_uid, sop_class_uid, file_path, file_size, file_mtime_ms,
      transfer_syntax_uid, instance_number, frames, rows, columns, pixel_spacing_row, pixel_spacing_col, image_position,
      image_orientation, slice_position, frame_positions, slice_thickness, spacing_between_slices, rescale_slope,
      rescale_intercept, rescale_type, window_presets, bits_allocated, bits_stored, pixel_representation,
      samples_per_pixel, photometric, image_type, acquisition_number, imported_at)
    VALUES (@seriesRowId, @format, @sopInstanceUid, @sopClassUid, @filePath, @fileSize, @fileMtimeMs, @transferSyntaxUid,
      @instanceNumber, @frames, @rows, @columns, @pixelSpacingRow, @pixelSpacingCol, @imagePosition, @imageOrientation,
      @slicePosition, @framePositions, @sliceThickness, @spacingBetweenSlices, @rescaleSlope, @rescaleIntercept,
      @rescaleType, @windowPresets, @bitsAllocated, @bitsStored, @pixelRepresentation, @samplesPerPixel, @photometric,
      @imageType, @acquisitionNumber, @now)
    ON CONFLICT(sop_instance_uid) DO UPDATE SET
      series_id = excluded.series_id, format = excluded.format, sop_class_uid = excluded.sop_class_uid, file_path = excluded.file_path,
      file_size = excluded.file_size, file_mtime_ms = excluded.file_mtime_ms,
      transfer_syntax_uid = excluded.transfer_syntax_uid, instance_number = excluded.instance_number,
      frames = excluded.frames, rows = excluded.rows, columns = excluded.columns,
      pixel_spacing_row = excluded.pixel_spacing_row, pixel_spacing_col = excluded.pixel_spacing_col,
      image_position = excluded.image_position, image_orientation = excluded.image_orientation,
      slice_position = excluded.slice_position, frame_positions = excluded.frame_positions,
      slice_thickness = excluded.slice_thickness, spacing_between_slices = excluded.spacing_between_slices,
      rescale_slope = excluded.rescale_slope, rescale_intercept = excluded.rescale_intercept,
      rescale_type = excluded.rescale_type, window_presets = excluded.window_presets,
      bits_allocated = excluded.bits_allocated, bits_stored = excluded.bits_stored,
      pixel_representation = excluded.pixel_representation, samples_per_pixel = excluded.samples_per_pixel,
      photometric = excluded.photometric, image_type = excluded.image_type,
      acquisition_number = excluded.acquisition_number, imported_at = excluded.imported_at
    RETURNING id`);
  const stampByPath = db.prepare<[string], { id: number; sopInstanceUid: string; size: number; mtimeMs: number }>(
    'SELECT id, sop_instance_uid AS sopInstanceUid, file_size AS size, file_mtime_ms AS mtimeMs FROM instances WHERE file_path = ?',
  );
  const pathBySop = db.prepare<[string], { id: number; filePath: string }>(
    'SELECT id, file_path AS filePath FROM instances WHERE sop_instance_uid = ?',
  );
  const deleteByPath = db.prepare('DELETE FROM instances WHERE file_path = ?');
  const byId = db.prepare<[number], RawInstanceRow>(`SELECT ${instanceColumns} FROM instances WHERE id = ?`);
  const bySeries = db.prepare<[number], RawInstanceRow>(
    `SELECT ${instanceColumns} FROM instances WHERE series_id = ? ORDER BY file_path`,
  );
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM instances');

  return {
    upsert(seriesRowId: number, file: FileStamp, f: InstanceFields): number {
      const row = upsert.get({
        ...f,
        seriesRowId,
        filePath: file.path,
        fileSize: file.size,
        fileMtimeMs: Math.round(file.mtimeMs),
        pixelSpacingRow: f.pixelSpacing?.[0] ?? null,
        pixelSpacingCol: f.pixelSpacing?.[1] ?? null,
        imagePosition: f.imagePosition ? JSON.stringify(f.imagePosition) : null,
        imageOrientation: f.imageOrientation ? JSON.stringify(f.imageOrientation) : null,
        framePositions: f.framePositions ? JSON.stringify(f.framePositions) : null,
        windowPresets: JSON.stringify(f.windowPresets),
        now: nowIso(),
      }) as { id: number };
      return row.id;
    },
    /** What the catalogue knows of the file at this path, to skip it when its size and mtime are unchanged. */
    stampOf: (path: string) => stampByPath.get(path),
    findBySopInstanceUid: (uid: string) => pathBySop.get(uid),
    deleteByPath: (path: string): number => deleteByPath.run(path).changes,
    get(id: number): InstanceRow | undefined {
      const raw = byId.get(id);
      return raw ? fromRaw(raw) : undefined;
    },
    listBySeries: (seriesRowId: number): InstanceRow[] => bySeries.all(seriesRowId).map(fromRaw),
    count: (): number => count.get()!.n,
  };
}
