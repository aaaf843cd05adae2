import { parse } from 'csv-parse/sync';
import { basename, dirname, join } from 'node:path';
import type { Split } from '../../contract';
import type { Recist } from '../mining/measurement';

/**
 * The DeepLesion release format (Yan et al., J. Med. Imaging 5(3) 036501, 2018): `DL_info*.csv` with 18
 * columns and `Images_png/<patient>_<study>_<series>/<slice>.png` 16-bit slices, HU = stored value - 32768.
 */
export const DEEPLESION_COLUMNS = [
  'File_name',
  'Patient_index',
  'Study_index',
  'Series_ID',
  'Key_slice_index',
  'Measurement_coordinates',
  'Bounding_boxes',
  'Lesion_diameters_Pixel_',
  'Normalized_lesion_location',
  'Coarse_lesion_type',
  'Possibly_noisy',
  'Slice_range',
  'Spacing_mm_px_',
  'Image_size',
  'DICOM_windows',
  'Patient_gender',
  'Patient_age',
  'Train_Val_Test',
] as const;

export const DEEPLESION_HU_OFFSET = 32768;

/** The eight coarse types of the release (0 and -1 mean unlabelled). */
export const DEEPLESION_COARSE_TYPES: Readonly<Record<number, string>> = {
  1: 'bone',
  2: 'abdomen',
  3: 'mediastinum',
  4: 'liver',
  5: 'lung',
  6: 'kidney',
  7: 'soft tissue',
  8: 'pelvis',
};

export interface DeepLesionRow {
  /** 1-based line in the CSV file, for error messages */
  line: number;
  fileName: string;
  patientIndex: number;
  studyIndex: number;
  seriesIndex: number;
  keySlice: number;
  /** x11, y11, x12, y12 (long axis), x21, y21, x22, y22 (short axis) in pixels */
  measurement: number[];
  box: number[];
  diametersPx: number[];
  normalizedLocation: number[] | null;
  coarseType: number | null;
  noisy: boolean;
  sliceRange: [number, number];
  /** mm per pixel in x and y, and the slice interval in z */
  spacing: [number, number, number];
  imageSize: [number, number];
  /** the window the radiologist used, as [low, high] HU */
  window: [number, number] | null;
  sex: string | null;
  age: number | null;
  split: Split | null;
}

const splits: Record<string, Split> = { '1': 'train', '2': 'val', '3': 'test' };

function numbers(text: string | undefined, expected: number | null, column: string): number[] {
  const values = (text ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length)
    .map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`${column}: not numbers ("${text}")`);
  if (expected !== null && values.length !== expected) throw new Error(`${column}: ${values.length} values, ${expected} expected`);
  return values;
}

/** "000001_01_01" for a row: the series folder under Images_png. */
export function seriesFolder(row: Pick<DeepLesionRow, 'patientIndex' | 'studyIndex' | 'seriesIndex'>): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(row.patientIndex, 6)}_${pad(row.studyIndex, 2)}_${pad(row.seriesIndex, 2)}`;
}

/** The key that links a lesion to its slice, whether the PNG is present now or arrives later. */
export function deepLesionSliceKey(folder: string, slice: number): string {
  return `deeplesion:${folder}/${slice}`;
}

const SLICE_KEY = /^deeplesion:(\d{6}_\d{2}_\d{2})\/(\d+)$/;

/** The folder and slice number of a key made by `deepLesionSliceKey`, or null for any other reference. */
export function parseDeepLesionSliceKey(key: string): { folder: string; slice: number } | null {
  const m = SLICE_KEY.exec(key);
  return m ? { folder: m[1]!, slice: Number(m[2]) } : null;
}

/** `Images_png/000001_01_01/109.png` -> its folder and slice number, or null for other paths. */
export function parseDeepLesionPngPath(path: string): { folder: string; slice: number; root: string } | null {
  const slice = /^(\d+)\.png$/i.exec(basename(path));
  const folder = basename(dirname(path));
  const images = dirname(dirname(path));
  if (!slice || !/^\d{6}_\d{2}_\d{2}$/.test(folder) || basename(images) !== 'Images_png') return null;
  return { folder, slice: Number(slice[1]), root: dirname(images) };
}

export function isDeepLesionTable(path: string): boolean {
  return /^DL_info.*\.csv$/i.test(basename(path));
}

export function pngPathFor(tableDir: string, folder: string, slice: number, width = 3): string {
  return join(tableDir, 'Images_png', folder, `${String(slice).padStart(width, '0')}.png`);
}

export interface ParsedTable {
  rows: DeepLesionRow[];
  /** Lines that could not be read, with the reason; the rest of the table still imports. */
  errors: { line: number; reason: string }[];
}

export function parseDeepLesionTable(text: string): ParsedTable {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as Record<string, string>[];
  const header = records.length ? Object.keys(records[0]!) : [];
  const missing = DEEPLESION_COLUMNS.filter((c) => !header.includes(c));
  if (records.length && missing.length) {
    return { rows: [], errors: [{ line: 1, reason: `not a DeepLesion table: missing columns ${missing.join(', ')}` }] };
  }
  const rows: DeepLesionRow[] = [];
  const errors: ParsedTable['errors'] = [];
  records.forEach((r, i) => {
    const line = i + 2;
    try {
      const coarse = Number(r.Coarse_lesion_type);
      const [sliceFrom, sliceTo] = numbers(r.Slice_range, 2, 'Slice_range');
      const spacing = numbers(r.Spacing_mm_px_, 3, 'Spacing_mm_px_');
      const size = numbers(r.Image_size, 2, 'Image_size');
      const windowValues = numbers(r.DICOM_windows, null, 'DICOM_windows');
      const location = numbers(r.Normalized_lesion_location, null, 'Normalized_lesion_location');
      const age = Number(r.Patient_age);
      rows.push({
        line,
        fileName: r.File_name!,
        patientIndex: Number(r.Patient_index),
        studyIndex: Number(r.Study_index),
        seriesIndex: Number(r.Series_ID),
        keySlice: Number(r.Key_slice_index),
        measurement: numbers(r.Measurement_coordinates, 8, 'Measurement_coordinates'),
        box: numbers(r.Bounding_boxes, 4, 'Bounding_boxes'),
        diametersPx: numbers(r.Lesion_diameters_Pixel_, 2, 'Lesion_diameters_Pixel_'),
        normalizedLocation: location.length === 3 ? location : null,
        coarseType: coarse >= 1 && coarse <= 8 ? coarse : null,
        noisy: r.Possibly_noisy === '1',
        sliceRange: [sliceFrom!, sliceTo!],
        spacing: spacing as [number, number, number],
        imageSize: size as [number, number],
        window: windowValues.length === 2 ? (windowValues as [number, number]) : null,
        sex: r.Patient_gender ? r.Patient_gender : null,
        age: Number.isFinite(age) && age >= 0 ? age : null,
        split: splits[r.Train_Val_Test ?? ''] ?? null,
      });
      const row = rows[rows.length - 1]!;
      for (const [name, v] of [['Patient_index', row.patientIndex], ['Study_index', row.studyIndex], ['Series_ID', row.seriesIndex], ['Key_slice_index', row.keySlice]] as const) {
        if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: not an index ("${v}")`);
      }
    } catch (err) {
      if (rows.length && rows[rows.length - 1]!.line === line) rows.pop();
      errors.push({ line, reason: (err as Error).message });
    }
  });
  return { rows, errors };
}

/** The row's RECIST axes: the first point pair is the long axis (checked against Lesion_diameters_Pixel_). */
export function recistFromDeepLesion(row: DeepLesionRow): Recist {
  const m = row.measurement;
  return {
    longAxis: [
      { x: m[0]!, y: m[1]! },
      { x: m[2]!, y: m[3]! },
    ],
    shortAxis: [
      { x: m[4]!, y: m[5]! },
      { x: m[6]!, y: m[7]! },
    ],
  };
}
