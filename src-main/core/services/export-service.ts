import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ExportApi, ExportRequest, ExportSummary } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { commitExport, discardExport, ExportCancelledError, ExportFolder, ExportTargetError, listFolder, prepareExportTarget, type ExportTarget } from '../export/export-folder';
import { exporterFor, exportFormats } from '../export/formats';
import { isWorkstationExport } from '../export/manifest';
import { previewExport, writeExport } from '../export/run-export';
import { ExportSelectionError, selectLesions } from '../export/selection';
import { normaliseFractions } from '../export/split';
import type { JobContext, JobQueue } from '../jobs/job-queue';
import { WorkerPool } from '../workers/pool';
import type { ExportTask, ExportTaskResult } from '../workers/export-worker';
import { NotFoundError } from './catalogue-service';

export interface ExportServiceOptions {
  /** The workstation's version, for the manifest. */
  version: string;
  /** Paths an export folder must never contain (the catalogue and its cache): overwriting would remove them. */
  protectedPaths: string[];
}

/**
 * Exports as jobs. The target is checked and a temporary sibling created before the job starts; the format's
 * exporter writes into it in a worker thread; the folder is renamed into place only when everything, the
 * manifest last, is written. A failed or cancelled export removes its temporary folder.
 */
export function exportService(catalogue: Catalogue, jobs: JobQueue, options: ExportServiceOptions): ExportApi {
  async function runInWorker(request: ExportRequest, target: ExportTarget, ctx: JobContext): Promise<ExportTaskResult> {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = () => Atomics.store(flag, 0, 1);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) onAbort();
    const pool = new WorkerPool<ExportTask, ExportTaskResult>({ name: 'export-worker', size: 1, workerData: { catalogPath: catalogue.file } });
    try {
      return await pool.run(
        { request, dir: target.temp, cancel, generatorVersion: options.version },
        {
          onProgress: (p) => {
            const { done, total, message } = p as { done: number; total: number; message: string };
            ctx.progress(done, total, message);
          },
        },
      );
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      // the worker is gone before the caller touches the folder
      await pool.close();
    }
  }

  async function runHere(request: ExportRequest, target: ExportTarget, ctx: JobContext): Promise<ExportTaskResult> {
    const result = await writeExport(catalogue, request, new ExportFolder(target.temp), {
      signal: ctx.signal,
      progress: ctx.progress,
      generatorVersion: options.version,
    });
    return { lesions: result.lesions, files: result.files };
  }

  async function run(request: ExportRequest, target: ExportTarget, ctx: JobContext): Promise<ExportSummary> {
    try {
      // an in-memory catalogue cannot be opened by a worker; it is small anyway
      const result = catalogue.file === ':memory:' ? await runHere(request, target, ctx) : await runInWorker(request, target, ctx);
      if (ctx.signal.aborted) throw new ExportCancelledError();
      commitExport(target);
      const { removed, restored } = target.recovered;
      const cleared = removed.length || restored ? `; first cleared what a killed export had left (${removed.length} temporary folder(s) removed${restored ? ', the earlier export put back' : ''})` : '';
      ctx.progress(result.files, result.files, `Exported ${result.lesions} lesions (${result.files} files) to ${target.out}${cleared}`);
      return { format: request.format, lesions: result.lesions, files: result.files, out: target.out };
    } catch (err) {
      discardExport(target);
      throw err;
    }
  }

  return {
    async formats() {
      return exportFormats();
    },

    async preview({ selection, split }) {
      return previewExport(catalogue, selection, split);
    },

    async start(request) {
      const exporter = exporterFor(request.format);
      // what can be refused without writing is refused before the job starts
      const { items } = selectLesions(catalogue, request.selection);
      if (!items.length) throw new ExportSelectionError('the selection holds no lesions');
      if (request.split) normaliseFractions(request.split.fractions);
      const target = prepareExportTarget(request.out, {
        overwrite: request.overwrite ?? false,
        protectedPaths: options.protectedPaths,
      });
      try {
        return jobs.start('export', `Export ${items.length} lesions as ${exporter.info.label}`, (ctx) => run(request, target, ctx));
      } catch (err) {
        discardExport(target);
        throw err;
      }
    },

    async listOutput({ out }) {
      if (!isAbsolute(out)) throw new ExportTargetError(`the export folder must be an absolute path, not "${out}"`);
      if (!existsSync(out) || !statSync(out).isDirectory()) throw new NotFoundError(`no folder at ${out}`);
      if (!isWorkstationExport(out)) throw new ExportTargetError(`${out} is not an export of this workstation (it has no manifest.json of ours)`);
      return { files: listFolder(out) };
    },
  };
}
