import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Worker entry points; each is `core/workers/<name>.ts` in source and `<name>.js` next to the bundled main. */
export type WorkerName = 'dicom-header-worker' | 'embedding-worker' | 'clustering-worker' | 'export-worker';

/**
 * Starts a worker thread from source or from the build. Source mode (tsx, vitest) is recognised by this
 * module being a .ts file; the bundled main process finds the worker bundles in its own folder.
 */
export function spawnWorker(name: WorkerName, options: { resourceLimits?: ResourceLimits; workerData?: unknown } = {}): Worker {
  const here = __dirname;
  const fromSource = __filename.endsWith('.ts');
  if (fromSource) {
    return new Worker(join(here, 'ts-bootstrap.cjs'), {
      workerData: { __entry: join(here, `${name}.ts`), ...(options.workerData as object) },
      resourceLimits: options.resourceLimits,
    });
  }
  const built = join(here, `${name}.js`);
  if (!existsSync(built)) throw new Error(`worker bundle missing: ${built} (run the build)`);
  return new Worker(built, { workerData: options.workerData, resourceLimits: options.resourceLimits });
}
