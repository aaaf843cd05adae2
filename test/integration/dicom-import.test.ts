import Database from 'better-sqlite3';
import { cpSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportSummary, JobInfo } from '../../src-main/contract';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { killOnceCommitted } from '../helpers/cli-kill';
import { fixture, hasSharedData, repoRoot, sampleLibrary, sharedData, tempDir } from '../helpers/data';
import { writeCtSmallCopies } from '../helpers/synthetic-dicom';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workstation(): { ws: Workstation; dir: string } {
  const { dir, cleanup } = tempDir();
  const ws = createWorkstation({ catalogPath: join(dir, 'catalogue.sqlite'), appRoot: repoRoot, workers: 2 });
  cleanups.push(cleanup, () => ws.close());
  return { ws, dir };
}

async function importPaths(ws: Workstation, paths: string[]): Promise<{ job: JobInfo; summary: ImportSummary }> {
  const started = await ws.api.library.startImport({ paths });
  const job = await ws.jobs.wait(started.id);
  return { job, summary: job.result as ImportSummary };
}

describe('DICOM import', () => {
  it('catalogues the bundled lung CT once, ordered along the slice normal', async () => {
    const { ws } = workstation();
    const { job, summary } = await importPaths(ws, [sampleLibrary]);
    expect(job.state).toBe('done');
    expect(summary).toMatchObject({ files: 30, imported: 30, unchanged: 0, rejected: [], patients: 1, studies: 1, series: 1, instances: 30 });

    const again = await importPaths(ws, [sampleLibrary]);
    expect(again.summary).toMatchObject({ files: 30, imported: 0, unchanged: 30, patients: 1, studies: 1, series: 1, instances: 30 });

    const [patient] = await ws.api.catalogue.libraryTree();
    const series = patient!.studies[0]!.series[0]!;
    expect(series.slices).toBe(30);
    const detail = await ws.api.catalogue.seriesDetail(series.id);
    expect(detail.ordering).toBe('position');
    const positions = detail.sliceList.map((s) => s.position!);
    // 8 mm slices from z = 312 down to 80 (pydicom), head first
    expect(positions[0]).toBe(312);
    expect(positions.at(-1)).toBe(80);
    for (let i = 1; i < positions.length; i++) expect(positions[i - 1]! - positions[i]!).toBe(8);
  });

  it('re-reads a file whose modification time changed, and only that file', async () => {
    const { ws, dir } = workstation();
    const library = join(dir, 'library with spaces');
    cpSync(sampleLibrary, library, { recursive: true });
    await importPaths(ws, [library]);
    const seriesDir = join(library, 'Lung_Dx-A0002', readdirSync(join(library, 'Lung_Dx-A0002'))[0]!);
    const sliceDir = join(seriesDir, readdirSync(seriesDir)[0]!);
    const touched = join(sliceDir, '1-05.dcm');
    utimesSync(touched, new Date(), new Date(Date.now() + 5000));
    const { summary } = await importPaths(ws, [library]);
    expect(summary).toMatchObject({ imported: 1, unchanged: 29, instances: 30 });
  });

  it('rejects every broken file with its path and reason and imports the rest', async () => {
    const { ws } = workstation();
    const { job, summary } = await importPaths(ws, [fixture('dicom')]);
    expect(job.state).toBe('done');
    const brokenNames = readdirSync(fixture('dicom', 'broken'));
    const rejectedNames = summary.rejected.map((r) => r.path.split('/').pop());
    // badVR.dcm is readable (salvaged); every other broken fixture is rejected with a reason
    expect(rejectedNames.sort()).toEqual(brokenNames.filter((n) => n !== 'badVR.dcm').sort());
    for (const r of summary.rejected) expect(r.reason.length).toBeGreaterThan(10);
    expect(summary.imported).toBe(readdirSync(fixture('dicom', 'lossless')).length + 1 - 4); // MR_small in 5 syntaxes = 1 instance
    expect(summary.duplicates).toBe(4);
    const page = await ws.api.catalogue.rejectedFiles({ offset: 0, limit: 100 });
    expect(page.total).toBe(summary.rejected.length);
  });

  it.runIf(hasSharedData)('survives the whole shared syntaxes and broken corpora, each file imported or rejected', async () => {
    const { ws } = workstation();
    const paths = [sharedData('dicom', 'syntaxes'), sharedData('dicom', 'broken')];
    const { job, summary } = await importPaths(ws, paths);
    expect(job.state).toBe('done');
    expect(summary.files).toBe(summary.imported + summary.unchanged + summary.duplicates + summary.rejected.length);
    const stats = await ws.api.catalogue.stats();
    expect(stats.rejectedFiles).toBe(summary.rejected.length);
    // every broken file is either catalogued or rejected with a reason, never both, never lost
    const catalogued = new Set((ws.catalogue.db.prepare('SELECT file_path AS p FROM instances').all() as { p: string }[]).map((r) => r.p));
    const rejected = new Set(summary.rejected.map((r) => r.path));
    for (const name of readdirSync(sharedData('dicom', 'broken'))) {
      const path = sharedData('dicom', 'broken', name);
      expect(catalogued.has(path) !== rejected.has(path), name).toBe(true);
    }
    const salvaged = [...catalogued].filter((p) => p.includes('/broken/')).map((p) => p.split('/').pop()).sort();
    expect(salvaged).toEqual(['J2K_pixelrep_mismatch.dcm', 'badVR.dcm', 'invalid-vr-length-test.dcm', 'no-pixel-data.dcm', 'no-pixel-spacing.dcm']);
  });

  it.runIf(hasSharedData)('imports the two lung CT series of 30 slices', async () => {
    const { ws } = workstation();
    const { summary } = await importPaths(ws, [sharedData('ct', 'Lung_Dx-A0002', 'dicom')]);
    expect(summary).toMatchObject({ patients: 1, studies: 1, series: 2, instances: 60 });
    const stats = await ws.api.catalogue.stats();
    expect(stats.seriesList.map((s) => s.slices)).toEqual([30, 30]);
  });

  it('keeps what it committed when cancelled, and the next import finishes the job', async () => {
    const { ws, dir } = workstation();
    const library = join(dir, 'many');
    writeCtSmallCopies(library, 600);
    const started = await ws.api.library.startImport({ paths: [library] });
    let cancelRequested = false;
    const cancelled = await new Promise<JobInfo>((resolve) => {
      const off = ws.events.on((name, payload) => {
        const job = payload as JobInfo;
        if (name !== 'job.updated' || job.id !== started.id) return;
        if (!cancelRequested && job.progress.done >= 50 && job.state === 'running') {
          cancelRequested = true;
          void ws.api.jobs.cancel(job.id);
        }
        if (job.state !== 'running') {
          off();
          resolve(job);
        }
      });
    });
    expect(cancelled.state).toBe('cancelled');
    const partial = cancelled.result as ImportSummary;
    expect(partial.instances).toBeGreaterThan(0);
    expect(partial.instances).toBeLessThan(600);
    const { summary } = await importPaths(ws, [library]);
    expect(summary.unchanged).toBe(partial.instances);
    expect(summary.instances).toBe(600);
  });

  it('a killed import leaves a consistent catalogue that the next import completes', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const library = join(dir, 'many');
    writeCtSmallCopies(library, 1500);
    const db = join(dir, 'killed.sqlite');
    // kill -9 once the first batches are committed
    const committed = await killOnceCommitted(['import', library, '--db', db, '--json'], db, 'SELECT count(*) AS n FROM instances', 20);
    expect(committed).toBeGreaterThan(0);

    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.pragma('foreign_key_check')).toEqual([]);
    const afterKill = (check.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
    check.close();
    expect(afterKill).toBeLessThan(1500);

    const ws = createWorkstation({ catalogPath: db, appRoot: repoRoot, workers: 2 });
    cleanups.push(() => ws.close());
    const { summary } = await importPaths(ws, [library]);
    expect(summary.unchanged).toBe(afterKill);
    expect(summary.instances).toBe(1500);
  });
});
