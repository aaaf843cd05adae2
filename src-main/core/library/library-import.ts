import { existsSync } from 'node:fs';
import type { ImportSummary, RejectedFile } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { EventBus } from '../events';
import type { JobContext } from '../jobs/job-queue';
import type { WorkerPool } from '../workers/pool';
import type { DicomHeader } from './dicom-header';
import type { HeaderTask, HeaderTaskResult } from './read-header-file';
import { importDicomMeasurements, mayCarryMeasurements } from '../mining/dicom-lesions';
import { importDeepLesion } from './deeplesion-import';
import { scanPaths, type FoundFile } from './scan';

export type HeaderPool = Pick<WorkerPool<HeaderTask, HeaderTaskResult>, 'run' | 'size'>;

interface Parsed {
  file: FoundFile;
  result: HeaderTaskResult;
}

/** Results are committed in batches: each batch is one transaction, so a kill loses at most one batch. */
const BATCH_SIZE = 200;
const BATCH_INTERVAL_MS = 500;

/**
 * Imports files and folders into the catalogue: DICOM (recognised by content), DeepLesion tables and their
 * PNG slices. Unchanged files (same path, size and mtime) are skipped, changed ones re-read, broken ones
 * recorded in rejected_files with their reason. Cancelling keeps everything committed so far; the next run
 * picks up the rest. Lesions whose key slice arrives in this or a later import are linked to it.
 */
export async function importLibrary(
  catalogue: Catalogue,
  pool: HeaderPool,
  events: EventBus,
  paths: readonly string[],
  ctx: JobContext,
): Promise<ImportSummary> {
  ctx.progress(0, 0, 'Looking for files');
  const scan = await scanPaths(paths, ctx.signal);
  const rejected: RejectedFile[] = scan.unreadable.map((u) => ({ path: u.path, reason: u.reason }));
  const lesionsBefore = catalogue.lesions.count();

  const deepLesion = await importDeepLesion(
    catalogue,
    scan.files.filter((f) => f.kind === 'deeplesion-table'),
    scan.files.filter((f) => f.kind === 'deeplesion-slice'),
    ctx,
  );
  rejected.push(...deepLesion.rejected);
  if (deepLesion.rowsRead || deepLesion.slicesImported) events.emit('catalogue.changed', { reason: 'import' });

  const dicomFiles = scan.files.filter((f) => f.kind === 'dicom');
  let imported = 0;
  let unchanged = 0;
  let duplicates = 0;
  let done = 0;
  const total = dicomFiles.length;

  const toParse: FoundFile[] = [];
  for (const file of dicomFiles) {
    const stamp = catalogue.instances.stampOf(file.path);
    if (stamp && stamp.size === file.size && stamp.mtimeMs === Math.round(file.mtimeMs)) {
      unchanged++;
      done++;
    } else {
      toParse.push(file);
    }
  }
  ctx.progress(done, total, `${unchanged} unchanged, reading ${toParse.length} files`);

  const measurementObjects: string[] = [];
  let pending: Parsed[] = [];
  let lastFlush = Date.now();
  const flush = () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    lastFlush = Date.now();
    catalogue.transaction(() => {
      for (const { file, result } of batch) {
        if (!result.ok) {
          catalogue.instances.deleteByPath(file.path);
          catalogue.rejectedFiles.record(file.path, file.size, file.mtimeMs, result.reason);
          rejected.push({ path: file.path, reason: result.reason });
          continue;
        }
        const outcome = storeInstance(catalogue, file, result.header);
        if (outcome === 'duplicate') duplicates++;
        else imported++;
        if (outcome === 'stored' && mayCarryMeasurements(result.header.instance.sopClassUid, result.header.series.modality)) {
          measurementObjects.push(file.path);
        }
      }
    });
    events.emit('catalogue.changed', { reason: 'import' });
  };

  // Feed the pool with a bounded number of files in flight, in scan order.
  let next = 0;
  const inFlight = new Set<Promise<void>>();
  const limit = pool.size * 2;
  while (next < toParse.length || inFlight.size) {
    while (!ctx.signal.aborted && next < toParse.length && inFlight.size < limit) {
      const file = toParse[next++]!;
      const task: Promise<void> = pool
        .run({ path: file.path, size: file.size })
        .catch((err: Error): HeaderTaskResult => ({ ok: false, reason: `header parser failed: ${err.message}` }))
        .then((result) => {
          pending.push({ file, result });
          done++;
          ctx.progress(done, total, `Reading ${file.path}`);
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    if (!inFlight.size) break;
    await Promise.race(inFlight);
    if (pending.length >= BATCH_SIZE || Date.now() - lastFlush >= BATCH_INTERVAL_MS) flush();
  }
  flush();
  ctx.progress(done, total, `Reading measurements from ${measurementObjects.length} SR and presentation-state objects`);
  const measured = importDicomMeasurements(catalogue, measurementObjects);
  catalogue.transaction(() => catalogue.lesions.linkUnresolved());
  catalogue.pruneEmpty();
  ctx.progress(done, total, ctx.signal.aborted ? 'Cancelled' : 'Done');

  return {
    files: dicomFiles.length + deepLesion.files + scan.unreadable.length,
    imported: imported + deepLesion.tablesRead + deepLesion.slicesImported,
    unchanged: unchanged + deepLesion.slicesUnchanged,
    duplicates,
    rejected,
    lesionsAdded: catalogue.lesions.count() - lesionsBefore,
    lesions: catalogue.lesions.count(),
    unresolved: measured.unresolved,
    patients: catalogue.patients.count(),
    studies: catalogue.studies.count(),
    series: catalogue.series.count(),
    instances: catalogue.instances.count(),
  };
}

/**
 * Writes one parsed file. A SOP Instance UID already catalogued from another file that still exists is a
 * duplicate copy and is left alone; if that file is gone, the instance moves to the new path.
 */
function storeInstance(catalogue: Catalogue, file: FoundFile, header: DicomHeader): 'stored' | 'duplicate' {
  const existing = catalogue.instances.findBySopInstanceUid(header.instance.sopInstanceUid);
  if (existing && existing.filePath !== file.path && existsSync(existing.filePath)) return 'duplicate';
  const previous = catalogue.instances.stampOf(file.path);
  if (previous && previous.sopInstanceUid !== header.instance.sopInstanceUid) catalogue.instances.deleteByPath(file.path);
  const patientRowId = catalogue.patients.upsert(header.patient);
  const studyRowId = catalogue.studies.upsert(patientRowId, header.study);
  const seriesRowId = catalogue.series.upsert(studyRowId, header.series);
  catalogue.instances.upsert(seriesRowId, file, header.instance);
  catalogue.rejectedFiles.clear(file.path);
  return 'stored';
}
