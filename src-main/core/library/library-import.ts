import { existsSync } from 'node:fs';
import type { ImportSummary, RejectedFile } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { EventBus } from '../events';
import type { JobContext } from '../jobs/job-queue';
import type { WorkerPool } from '../workers/pool';
import type { DicomHeader } from './dicom-header';
import type { HeaderTask, HeaderTaskResult } from './read-header-file';
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
 * Imports DICOM files and folders into the catalogue. Unchanged files (same path, size and mtime) are
 * skipped, changed ones re-read, broken ones recorded in rejected_files with their reason. Cancelling
 * keeps everything committed so far; the next run picks up the rest.
 */
export async function importDicom(
  catalogue: Catalogue,
  pool: HeaderPool,
  events: EventBus,
  paths: readonly string[],
  ctx: JobContext,
): Promise<ImportSummary> {
  ctx.progress(0, 0, 'Looking for files');
  const scan = await scanPaths(paths, ctx.signal);
  const rejected: RejectedFile[] = scan.unreadable.map((u) => ({ path: u.path, reason: u.reason }));
  let imported = 0;
  let unchanged = 0;
  let duplicates = 0;
  let done = 0;
  const total = scan.files.length;

  const toParse: FoundFile[] = [];
  for (const file of scan.files) {
    const stamp = catalogue.instances.stampOf(file.path);
    if (stamp && stamp.size === file.size && stamp.mtimeMs === Math.round(file.mtimeMs)) {
      unchanged++;
      done++;
    } else {
      toParse.push(file);
    }
  }
  ctx.progress(done, total, `${unchanged} unchanged, reading ${toParse.length} files`);

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
  catalogue.pruneEmpty();
  ctx.progress(done, total, ctx.signal.aborted ? 'Cancelled' : 'Done');

  return {
    files: total + scan.unreadable.length,
    imported,
    unchanged,
    duplicates,
    rejected,
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
