import { parentPort, workerData } from 'node:worker_threads';
import type { ExportRequest } from '../../contract';
import { openCatalogue, type Catalogue } from '../catalogue/catalogue';
import { ExportFolder } from '../export/export-folder';
import { writeExport } from '../export/run-export';
import { serveWorkerTasks } from './pool';

/**
 * Writes an export off the main thread (decoding slices and encoding PNGs is the heavy part), reading the
 * catalogue read-only. Cancelling is cooperative: the main thread sets a flag in shared memory, checked between
 * files, so the worker stops between two writes and the main thread can remove the folder safely.
 */
export interface ExportTask {
  request: ExportRequest;
  /** The temporary folder to write into. */
  dir: string;
  /** An Int32Array's buffer: element 0 becomes 1 when the export is cancelled. */
  cancel: SharedArrayBuffer;
  generatorVersion: string;
}

export interface ExportTaskResult {
  lesions: number;
  files: number;
}

const { catalogPath } = workerData as { catalogPath: string };
let catalogue: Catalogue | null = null;

serveWorkerTasks<ExportTask, ExportTaskResult>(parentPort, async (task, report) => {
  catalogue ??= openCatalogue(catalogPath, { readonly: true });
  const flag = new Int32Array(task.cancel);
  const result = await writeExport(catalogue, task.request, new ExportFolder(task.dir), {
    signal: {
      get aborted() {
        return Atomics.load(flag, 0) === 1;
      },
    },
    progress: (done, total, message) => report({ done, total, message }),
    generatorVersion: task.generatorVersion,
  });
  return { lesions: result.lesions, files: result.files };
});
