import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImportSummary } from '../contract';
import { appRootFrom, createWorkstation, type Workstation } from '../core/workstation';
import { startHost } from '../host/server';

export const appRoot = appRootFrom(__dirname);

export function openWorkstation(db: string, workers?: number): Workstation {
  return createWorkstation({ catalogPath: resolve(db), appRoot, workers });
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

export async function runImport(options: { db: string; paths: string[]; json: boolean; workers?: number }): Promise<number> {
  const missing = options.paths.filter((p) => !existsSync(p));
  if (missing.length) {
    process.stderr.write(`not found: ${missing.join(', ')}\n`);
    return 1;
  }
  const ws = openWorkstation(options.db, options.workers);
  const stop = () => {
    for (const job of ws.jobs.list()) ws.jobs.cancel(job.id);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let lastLine = 0;
    const unsubscribe = ws.events.on((name, payload) => {
      if (options.json || name !== 'job.updated' || !process.stderr.isTTY) return;
      const job = payload as { progress: { done: number; total: number } };
      if (Date.now() - lastLine < 200) return;
      lastLine = Date.now();
      process.stderr.write(`\r${job.progress.done}/${job.progress.total} files`);
    });
    const job = await ws.api.library.startImport({ paths: options.paths.map((p) => resolve(p)) });
    const finished = await ws.jobs.wait(job.id);
    unsubscribe();
    if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
    if (finished.state === 'failed' || !finished.result) {
      process.stderr.write(`import failed: ${finished.error ?? finished.state}\n`);
      return 1;
    }
    const r = finished.result as ImportSummary;
    print(options.json, r, () =>
      [
        `${r.files} files: ${r.imported} imported, ${r.unchanged} unchanged, ${r.duplicates} duplicates, ${r.rejected.length} rejected` +
          (finished.state === 'cancelled' ? ' (cancelled: run again to finish)' : ''),
        ...r.rejected.map((x) => `  rejected ${x.path}: ${x.reason}`),
        ...(r.lesionsAdded ? [`${r.lesionsAdded} lesions added`] : []),
        ...r.unresolved.map((u) => `  unresolved ${u.path}: ${u.reason}`),
        `catalogue: ${r.patients} patients, ${r.studies} studies, ${r.series} series, ${r.instances} instances, ${r.lesions} lesions`,
      ].join('\n'),
    );
    return finished.state === 'cancelled' ? 130 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ws.close();
  }
}

export async function runStats(options: { db: string; json: boolean }): Promise<number> {
  if (!existsSync(options.db)) {
    process.stderr.write(`no catalogue at ${options.db}\n`);
    return 1;
  }
  const ws = openWorkstation(options.db, 1);
  try {
    const s = await ws.api.catalogue.stats();
    print(options.json, s, () =>
      [
        `${s.patients} patients, ${s.studies} studies, ${s.series} series, ${s.instances} instances, ${s.rejectedFiles} rejected files`,
        `${s.lesions} lesions (${Object.entries(s.lesionsBySource).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), ${s.unresolvedLesions} without their image`,
        ...s.seriesList.map((x) => `  ${x.modality ?? '??'} ${x.slices} slices  ${x.seriesInstanceUid}`),
      ].join('\n'),
    );
    return 0;
  } finally {
    await ws.close();
  }
}

export async function runServe(options: { db: string; port?: number }): Promise<number> {
  const ws = openWorkstation(options.db);
  const host = await startHost({ workstation: ws, appRoot, port: options.port });
  process.stdout.write(`Lesion Workstation (browser mode) at ${host.url}\n`);
  await waitForSignal();
  await host.close();
  await ws.close();
  return 0;
}

export function waitForSignal(): Promise<void> {
  return new Promise((resolveWait) => {
    const done = () => resolveWait();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
