import Database from 'better-sqlite3';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportSummary, Lesion } from '../../src-main/contract';
import { parseDeepLesionTable } from '../../src-main/core/library/deeplesion';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { killOnceCommitted } from '../helpers/cli-kill';
import { writeRepeatedSampleTable } from '../helpers/deeplesion-table';
import { fixture, hasSharedData, repoRoot, sharedData, tempDir } from '../helpers/data';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workstation(db?: string): { ws: Workstation; dir: string } {
  const { dir, cleanup } = tempDir();
  const ws = createWorkstation({ catalogPath: db ?? join(dir, 'catalogue.sqlite'), appRoot: repoRoot, workers: 2 });
  cleanups.push(cleanup, () => ws.close());
  return { ws, dir };
}

async function importPaths(ws: Workstation, paths: string[]): Promise<ImportSummary> {
  const started = await ws.api.library.startImport({ paths });
  const job = await ws.jobs.wait(started.id);
  expect(job.state).toBe('done');
  return job.result as ImportSummary;
}

async function allLesions(ws: Workstation): Promise<Lesion[]> {
  return (await ws.api.lesions.list({ offset: 0, limit: 10_000 })).items;
}

describe('DeepLesion import', () => {
  it('catalogues every row, links the key slices that are present, and keeps the table\'s facts', async () => {
    const { ws } = workstation();
    const summary = await importPaths(ws, [fixture('deeplesion')]);
    expect(summary).toMatchObject({ lesionsAdded: 33, lesions: 33, instances: 2, rejected: [] });
    const lesions = await allLesions(ws);
    const linked = lesions.filter((l) => l.instanceId !== null);
    expect(linked.map((l) => l.attributes.fileName).sort()).toEqual(['000069_02_01_058.png', '002648_01_01_061.png', '002648_01_01_061.png']);

    // every lesion equals its row: axes, box, diameters, spacing, type, split
    const { rows } = parseDeepLesionTable(readFileSync(fixture('deeplesion', 'DL_info_sample.csv'), 'utf8'));
    const byRef = new Map(lesions.map((l) => [l.sourceRef, l]));
    for (const row of rows) {
      const l = byRef.get(`${row.fileName}|${row.measurement.join(',')}`)!;
      expect([l.recist.longAxis[0].x, l.recist.longAxis[0].y, l.recist.longAxis[1].x, l.recist.longAxis[1].y]).toEqual(row.measurement.slice(0, 4));
      expect(Math.abs(l.box.x1 - row.box[0]!)).toBeLessThan(0.01);
      expect(Math.abs(l.box.y2 - row.box[3]!)).toBeLessThan(0.01);
      expect(Math.abs(l.longAxisPx - row.diametersPx[0]!)).toBeLessThan(0.01);
      expect(l.longAxisMm).toBeCloseTo(l.longAxisPx * row.spacing[0], 9);
      expect(l.pixelSpacing).toEqual([row.spacing[1], row.spacing[0]]);
      expect(l.referenceType).toBe(row.coarseType);
      expect(l.split).toBe('val');
      expect(l.attributes).toMatchObject({ sliceRange: row.sliceRange, normalizedLocation: row.normalizedLocation, dicomWindow: row.window });
    }

    // a second import adds nothing
    const again = await importPaths(ws, [fixture('deeplesion')]);
    expect(again).toMatchObject({ lesionsAdded: 0, lesions: 33, unchanged: 2, instances: 2 });
  });

  it('links slices that arrive after their table, and serves them as HU (value - 32768)', async () => {
    const { ws, dir } = workstation();
    const copy = join(dir, 'deeplesion');
    cpSync(fixture('deeplesion'), copy, { recursive: true });
    const images = join(copy, 'Images_png');
    cpSync(images, join(dir, 'later', 'Images_png'), { recursive: true });
    // the table alone first (its Images_png moved away), then the images
    rmSync(images, { recursive: true });
    const first = await importPaths(ws, [join(copy, 'DL_info_sample.csv')]);
    expect(first).toMatchObject({ lesions: 33, instances: 0 });
    expect((await ws.api.catalogue.stats()).unresolvedLesions).toBe(33);
    await importPaths(ws, [join(dir, 'later')]);
    expect((await ws.api.catalogue.stats()).unresolvedLesions).toBe(30);

    const lesion = (await allLesions(ws)).find((l) => l.attributes.fileName === '000069_02_01_058.png')!;
    const slice = await ws.resources.get(`slice/${lesion.instanceId}/0`);
    expect(slice.status).toBe(200);
    const headerLength = slice.body.readUInt32LE(4);
    const header = JSON.parse(slice.body.subarray(8, 8 + headerLength).toString()) as { rows: number; rescaleIntercept: number };
    expect(header).toMatchObject({ rows: 512, columns: 512, pixelType: 'uint16', rescaleIntercept: -32768 });
    // HU of the key slice, against a pure-Python zlib PNG decoder (sum -196595646, min -1024, max 1231,
    // 176 HU at row 256 column 256)
    const key = await ws.lesionImages.keySlice(lesion);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of key!.hu) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([sum, min, max, key!.hu[256 * 512 + 256]]).toEqual([-196595646, -1024, 1231, 176]);
  });

  it('renders a cached review thumbnail and a patch of a linked lesion', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const lesion = (await allLesions(ws)).find((l) => l.attributes.fileName === '000069_02_01_058.png')!;
    const first = await ws.resources.get(`thumbnail/${lesion.id}`);
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('image/png');
    const png = decode(first.body);
    expect([png.width, png.height]).toEqual([128, 128]);
    const cached = readdirSync(join(dir, 'catalogue.sqlite-cache', 'thumbnails'));
    expect(cached).toHaveLength(1);
    expect((await ws.resources.get(`thumbnail/${lesion.id}`)).body.equals(first.body)).toBe(true);

    const patch = await ws.lesionImages.patch(lesion, { sizePx: 64, mmPerPixel: 1, windows: [{ center: 40, width: 400 }], contextSlices: 1 });
    expect(patch!.channelNames).toHaveLength(3);
    // a liver lesion (coarse type 4): soft tissue at the centre of the patch
    const centre = patch!.hu[32 * 64 + 32]!;
    expect(centre).toBeGreaterThan(-100);
    expect(centre).toBeLessThan(300);
    const unlinked = (await allLesions(ws)).find((l) => l.instanceId === null)!;
    expect((await ws.resources.get(`thumbnail/${unlinked.id}`)).status).toBe(404);
  });

  it.runIf(hasSharedData)('imports the validation table and the training sample: 4,889 + 105 lesions, 23 key slices', async () => {
    const { ws } = workstation();
    const summary = await importPaths(ws, [sharedData('deeplesion')]);
    expect(summary).toMatchObject({ lesionsAdded: 4889 + 105, instances: 23, rejected: [] });
    const stats = await ws.api.catalogue.stats();
    expect(stats.lesionsBySource).toEqual({ deeplesion: 4994 });
    // 24 lesions sit on the 23 PNGs (one slice holds two); every other row waits for its image
    expect(stats.unresolvedLesions).toBe(4994 - 24);
    const lesions = await allLesions(ws);
    expect(lesions.filter((l) => l.split === 'train')).toHaveLength(105);
    expect(lesions.filter((l) => l.referenceType === 5)).toHaveLength(1294); // lung, as counted in the table
  });

  it('a killed import of a 34,000-row table leaves a consistent catalogue; the next run finishes it', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    // 34,000 rows: the sample rows repeated under other patient numbers
    const rows = writeRepeatedSampleTable(join(dir, 'big'), 34_000);
    const db = join(dir, 'big.sqlite');
    const committed = await killOnceCommitted(['import', join(dir, 'big'), '--db', db, '--json'], db, 'SELECT count(*) AS n FROM lesions');
    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.pragma('foreign_key_check')).toEqual([]);
    const afterKill = (check.prepare('SELECT count(*) AS n FROM lesions').get() as { n: number }).n;
    check.close();
    expect(afterKill).toBeGreaterThanOrEqual(committed);
    expect(afterKill).toBeLessThan(rows);
    const { ws } = workstation(db);
    const summary = await importPaths(ws, [join(dir, 'big')]);
    expect(summary.lesions).toBe(rows);
    expect(summary.lesionsAdded).toBe(rows - afterKill);
  });
});

describe.runIf(hasSharedData)('measurements stored in DICOM', () => {
  it('attaches the highdicom reports\' measurements to ct_image.dcm and keeps the RECIST report\'s unresolved', async () => {
    const { ws } = workstation();
    const summary = await importPaths(ws, [sharedData('dicom', 'annotations')]);
    const lesions = await allLesions(ws);
    const ctImage = lesions.filter((l) => l.keySliceRef === '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322');
    expect(ctImage).toHaveLength(3); // one circle, and a circle and a square in the multi-group report
    for (const l of ctImage) {
      expect(l.instanceId).not.toBeNull();
      expect(l.source).toBe('dicom-sr');
      expect(l.pixelSpacing).toEqual([0.661468, 0.661468]); // ct_image.dcm's spacing (pydicom)
    }
    const recist = lesions.find((l) => l.attributes.reportedShortAxisMm === 47)!;
    expect(recist.longAxisMm).toBe(93.9);
    expect(recist.shortAxisMm).toBe(47);
    expect(recist.instanceId).toBeNull();
    expect(summary.unresolved).toEqual([
      {
        path: sharedData('dicom', 'annotations', 'sr-recist', 'structured_report.dcm'),
        reason: 'SR references 2 images not in library (5 measurements kept, waiting for them)',
      },
    ]);
    expect(existsSync(sharedData('dicom', 'annotations', 'sr-with-ct', 'ct_image.dcm'))).toBe(true);
  });
});

