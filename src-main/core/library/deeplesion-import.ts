import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RejectedFile } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { InstanceFields } from '../catalogue/instances';
import type { NewLesion } from '../catalogue/lesions';
import type { JobContext } from '../jobs/job-queue';
import {
  DEEPLESION_HU_OFFSET,
  deepLesionSliceKey,
  parseDeepLesionPngPath,
  parseDeepLesionTable,
  recistFromDeepLesion,
  seriesFolder,
  type DeepLesionRow,
} from './deeplesion';
import { positionAlongNormal } from './geometry';
import { deepLesionPngProblem, readPngHeader } from './png-slices';
import { scanPaths, type FoundFile } from './scan';

/** What a series folder's slices share, taken from the table (or from lesions already catalogued). */
interface SeriesGeometry {
  spacing: [number, number, number] | null;
  imageSize: [number, number] | null;
  window: [number, number] | null;
}

export interface DeepLesionImportResult {
  /** Tables and slices looked at (slices beside a table count even when only the table was named). */
  files: number;
  rowsRead: number;
  /** Tables read, whether or not they added rows (a re-import adds none). */
  tablesRead: number;
  lesionsAdded: number;
  slicesImported: number;
  slicesUnchanged: number;
  rejected: RejectedFile[];
}

const ROWS_PER_TRANSACTION = 2000;
const SLICES_PER_TRANSACTION = 500;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Patient, study and series rows of a DeepLesion series folder (patient_study_series indices). */
function upsertSeries(catalogue: Catalogue, [patient, study, series]: [number, number, number], sex: string | null, age: number | null): number {
  const patientRowId = catalogue.patients.upsert({ patientId: `DeepLesion-${pad(patient, 6)}`, name: null, birthDate: null, sex });
  const studyRowId = catalogue.studies.upsert(patientRowId, {
    studyInstanceUid: `deeplesion:${pad(patient, 6)}_${pad(study, 2)}`,
    studyDate: null,
    studyTime: null,
    description: 'DeepLesion',
    accessionNumber: null,
    studyId: String(study),
    patientAge: age === null ? null : `${pad(age, 3)}Y`,
  });
  const folder = `${pad(patient, 6)}_${pad(study, 2)}_${pad(series, 2)}`;
  return catalogue.series.upsert(studyRowId, {
    seriesInstanceUid: `deeplesion:${folder}`,
    modality: 'CT',
    seriesNumber: series,
    description: `DeepLesion ${folder}`,
    bodyPart: null,
    frameOfReferenceUid: null,
    manufacturer: null,
  });
}

function lesionOf(row: DeepLesionRow, seriesId: number, table: string): NewLesion {
  const folder = seriesFolder(row);
  return {
    seriesId,
    instanceId: null, // linked when (or if) the PNG is in the library
    frame: 0,
    keySliceRef: deepLesionSliceKey(folder, row.keySlice),
    recist: recistFromDeepLesion(row),
    spacing: [row.spacing[1], row.spacing[0]],
    source: 'deeplesion',
    sourceRef: `${row.fileName}|${row.measurement.join(',')}`,
    referenceType: row.coarseType,
    split: row.split,
    noisy: row.noisy,
    attributes: {
      fileName: row.fileName,
      table,
      line: row.line,
      normalizedLocation: row.normalizedLocation,
      sliceRange: row.sliceRange,
      sliceIntervalMm: row.spacing[2],
      imageSize: row.imageSize,
      dicomWindow: row.window,
      diametersPx: row.diametersPx,
      sex: row.sex,
      age: row.age,
    },
  };
}

function sliceInstance(folder: string, slice: number, geometry: SeriesGeometry, size: [number, number]): InstanceFields {
  const z = geometry.spacing?.[2] ?? null;
  // DeepLesion gives slice numbers, not positions: place slice n at z = -n * interval (n grows feet-ward).
  const position: [number, number, number] | null = z ? [0, 0, -slice * z] : null;
  const orientation: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
  const window = geometry.window;
  return {
    format: 'png16',
    sopInstanceUid: deepLesionSliceKey(folder, slice),
    sopClassUid: null,
    transferSyntaxUid: null,
    instanceNumber: slice,
    frames: 1,
    rows: size[1],
    columns: size[0],
    pixelSpacing: geometry.spacing ? [geometry.spacing[1], geometry.spacing[0]] : null,
    imagePosition: position,
    imageOrientation: position ? orientation : null,
    slicePosition: position ? positionAlongNormal(position, orientation) : null,
    framePositions: null,
    sliceThickness: z,
    spacingBetweenSlices: z,
    rescaleSlope: 1,
    rescaleIntercept: -DEEPLESION_HU_OFFSET,
    rescaleType: 'HU',
    windowPresets: window ? [{ name: 'DeepLesion', center: (window[0] + window[1]) / 2, width: window[1] - window[0] }] : [],
    bitsAllocated: 16,
    bitsStored: 16,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    imageType: null,
    acquisitionNumber: null,
  };
}

/**
 * Imports DeepLesion tables and PNG slices. Every row becomes a lesion (also when its PNG is absent: the
 * table is useful on its own, and the slice links up when it arrives); every PNG becomes an instance of its
 * series. Rows already catalogued are left alone, so a re-import or a resumed import adds only what is new.
 */
export async function importDeepLesion(
  catalogue: Catalogue,
  tables: readonly FoundFile[],
  slices: readonly FoundFile[],
  ctx: JobContext,
): Promise<DeepLesionImportResult> {
  const result: DeepLesionImportResult = { files: tables.length, rowsRead: 0, tablesRead: 0, lesionsAdded: 0, slicesImported: 0, slicesUnchanged: 0, rejected: [] };
  const geometryByFolder = new Map<string, SeriesGeometry>();
  const allSlices = new Map(slices.map((s) => [s.path, s]));

  for (const table of tables) {
    if (ctx.signal.aborted) break;
    ctx.progress(0, 0, `Reading ${basename(table.path)}`);
    let parsed;
    try {
      parsed = parseDeepLesionTable(readFileSync(table.path, 'utf8'));
    } catch (err) {
      result.rejected.push({ path: table.path, reason: `DeepLesion table could not be read: ${(err as Error).message}` });
      continue;
    }
    result.tablesRead++;
    for (const e of parsed.errors) result.rejected.push({ path: `${table.path}:${e.line}`, reason: e.reason });
    result.rowsRead += parsed.rows.length;
    const tableName = basename(table.path);
    for (let start = 0; start < parsed.rows.length && !ctx.signal.aborted; start += ROWS_PER_TRANSACTION) {
      const batch = parsed.rows.slice(start, start + ROWS_PER_TRANSACTION);
      catalogue.transaction(() => {
        const seriesIds = new Map<string, number>();
        const lesions = batch.map((row) => {
          const folder = seriesFolder(row);
          let seriesId = seriesIds.get(folder);
          if (seriesId === undefined) {
            seriesId = upsertSeries(catalogue, [row.patientIndex, row.studyIndex, row.seriesIndex], row.sex, row.age);
            seriesIds.set(folder, seriesId);
          }
          geometryByFolder.set(folder, { spacing: row.spacing, imageSize: row.imageSize, window: row.window });
          return lesionOf(row, seriesId, tableName);
        });
        result.lesionsAdded += catalogue.lesions.insertMany(lesions);
      });
      ctx.progress(Math.min(start + ROWS_PER_TRANSACTION, parsed.rows.length), parsed.rows.length, `${tableName}: ${result.lesionsAdded} lesions added`);
    }
    // the slices beside a table belong to it even when only the table was named
    const images = join(dirname(table.path), 'Images_png');
    if (existsSync(images)) {
      for (const f of (await scanPaths([images], ctx.signal)).files) if (f.kind === 'deeplesion-slice' && !allSlices.has(f.path)) allSlices.set(f.path, f);
    }
  }

  const pending = [...allSlices.values()];
  result.files += pending.length;
  let done = 0;
  for (let start = 0; start < pending.length && !ctx.signal.aborted; start += SLICES_PER_TRANSACTION) {
    const batch = pending.slice(start, start + SLICES_PER_TRANSACTION);
    catalogue.transaction(() => {
      for (const file of batch) {
        const where = parseDeepLesionPngPath(file.path)!;
        const stamp = catalogue.instances.stampOf(file.path);
        if (stamp && stamp.size === file.size && stamp.mtimeMs === Math.round(file.mtimeMs)) {
          result.slicesUnchanged++;
          continue;
        }
        const header = readPngHeader(file.path);
        const problem = 'error' in header ? header.error : deepLesionPngProblem(header);
        if (problem || 'error' in header) {
          catalogue.rejectedFiles.record(file.path, file.size, file.mtimeMs, problem!);
          result.rejected.push({ path: file.path, reason: problem! });
          continue;
        }
        let geometry = geometryByFolder.get(where.folder);
        if (!geometry) {
          const known = catalogue.lesions.firstInSeries(`deeplesion:${where.folder}`);
          const a = known?.attributes as { sliceIntervalMm?: number; imageSize?: [number, number]; dicomWindow?: [number, number] } | undefined;
          const spacing: [number, number, number] | null =
            known?.pixelSpacing && a?.sliceIntervalMm ? [known.pixelSpacing[1], known.pixelSpacing[0], a.sliceIntervalMm] : null;
          geometry = { spacing, imageSize: a?.imageSize ?? null, window: a?.dicomWindow ?? null };
          geometryByFolder.set(where.folder, geometry);
        }
        const indices = where.folder.split('_').map(Number) as [number, number, number];
        const seriesRowId = upsertSeries(catalogue, indices, null, null);
        catalogue.instances.upsert(seriesRowId, file, sliceInstance(where.folder, where.slice, geometry, [header.width, header.height]));
        catalogue.rejectedFiles.clear(file.path);
        result.slicesImported++;
      }
    });
    done += batch.length;
    ctx.progress(done, pending.length, `DeepLesion slices: ${done} of ${pending.length}`);
  }
  return result;
}

