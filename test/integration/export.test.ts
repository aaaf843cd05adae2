import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { decode } from 'fast-png';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExportRequest, ExportSummary, ImportSummary, JobInfo, Lesion, RecistAxes, SliceInfo } from '../../src-main/contract';
import { partialSiblings, recoverLeftovers } from '../../src-main/core/export/export-folder';
import { readExportManifest, type ExportManifest } from '../../src-main/core/export/manifest';
import { readDicomMeasurements } from '../../src-main/core/mining/dicom-measurements';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { fixture, hasSharedData, repoRoot, sampleLibrary, sharedData, tempDir } from '../helpers/data';

const run = promisify(execFile);
const cli = join(repoRoot, 'src-main', 'cli', 'lesion-ws.cjs');
const isRoot = process.getuid?.() === 0;
const python = '/usr/bin/python3';
const hasPydicom = existsSync(python) && spawnSync(python, ['-c', 'import pydicom'], { encoding: 'utf8' }).status === 0;
const hasPycocotools = existsSync(python) && spawnSync(python, ['-c', 'import pycocotools'], { encoding: 'utf8' }).status === 0;
const lungCt = sharedData('ct', 'Lung_Dx-A0002', 'dicom');
const hasLungCt = hasSharedData && existsSync(lungCt);

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workstation(): { ws: Workstation; dir: string; db: string } {
  const { dir, cleanup } = tempDir('lw-export-');
  const db = join(dir, 'catalogue.sqlite');
  const ws = createWorkstation({ catalogPath: db, appRoot: repoRoot, workers: 2, userModelsDir: join(dir, 'models') });
  cleanups.push(cleanup, () => ws.close());
  return { ws, dir, db };
}

async function importPaths(ws: Workstation, paths: string[]): Promise<ImportSummary> {
  const job = await ws.jobs.wait((await ws.api.library.startImport({ paths })).id);
  expect(job.state).toBe('done');
  return job.result as ImportSummary;
}

async function exportNow(ws: Workstation, request: ExportRequest): Promise<{ job: JobInfo; result: ExportSummary }> {
  const job = await ws.jobs.wait((await ws.api.export.start(request)).id);
  if (job.state !== 'done') throw new Error(`export ${job.state}: ${job.error}`);
  return { job, result: job.result as ExportSummary };
}

async function allLesions(ws: Workstation): Promise<Lesion[]> {
  return (await ws.api.lesions.list({ offset: 0, limit: 100_000 })).items;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every file of an export is in the manifest with its size and hash, and nothing else is there. */
function checkManifest(out: string): ExportManifest {
  const manifest = readExportManifest(out)!;
  expect(manifest).not.toBeNull();
  const onDisk: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(out, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else onDisk.push(child);
    }
  };
  walk('');
  expect(onDisk.sort()).toEqual([...manifest.files.map((f) => f.path), 'manifest.json'].sort());
  for (const f of manifest.files) {
    expect(sha256(join(out, f.path))).toBe(f.sha256);
    expect(readFileSync(join(out, f.path)).length).toBe(f.bytes);
  }
  return manifest;
}

function pixels(path: string) {
  const png = decode(readFileSync(path));
  return { width: png.width, height: png.height, depth: png.depth, channels: png.channels, data: png.data };
}

/** A perpendicular RECIST pair centred at (cx, cy): long axis 2a along (dx, dy), short axis 2b across it. */
function recistAt(cx: number, cy: number, a: number, b: number, dx = 2, dy = 1): RecistAxes {
  const n = Math.hypot(dx, dy);
  const [ux, uy] = [dx / n, dy / n];
  return {
    longAxis: [
      { x: cx - a * ux, y: cy - a * uy },
      { x: cx + a * ux, y: cy + a * uy },
    ],
    shortAxis: [
      { x: cx + b * uy, y: cy - b * ux },
      { x: cx - b * uy, y: cy + b * ux },
    ],
  };
}

async function seriesSlices(ws: Workstation): Promise<SliceInfo[][]> {
  const tree = await ws.api.catalogue.libraryTree();
  const series = tree.flatMap((p) => p.studies.flatMap((s) => s.series)).filter((s) => s.modality === 'CT' && s.slices > 1);
  return Promise.all(series.map(async (s) => (await ws.api.catalogue.seriesDetail(s.id)).sliceList));
}

/** Annotator lesions on slices of the lung CT, as the viewer's measure tool creates them. */
async function drawLesions(ws: Workstation, slices: SliceInfo[], picks: number[], actor: string): Promise<Lesion[]> {
  const out: Lesion[] = [];
  for (const [k, at] of picks.entries()) {
    const slice = slices[at]!;
    out.push(await ws.api.lesions.create({ instanceId: slice.instanceId, frame: 0, recist: recistAt(200 + 17.25 * k, 230.5 + 9.125 * k, 20.3 + k, 11.7), actor }));
  }
  return out;
}

describe('DeepLesion export, imported back', () => {
  it('round-trips the fixture: every lesion\'s coordinates, box, diameters, spacing, category and split, and the PNG pixels', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const before = await allLesions(ws);
    const categories = await ws.api.review.categories();
    const lung = categories.find((c) => c.name === 'lung')!;
    const unsure = categories.find((c) => c.name === 'unsure')!;
    // curated categories: a liver lesion corrected to lung (type 5), one marked unsure (no DeepLesion type)
    const liverLesion = before.find((l) => l.referenceType === 4)!;
    const unsureLesion = before.find((l) => l.id !== liverLesion.id)!;
    await ws.api.review.apply({ lesionIds: [liverLesion.id], change: { categoryId: lung.id, reviewed: true }, actor: 'Ann' });
    await ws.api.review.apply({ lesionIds: [unsureLesion.id], change: { categoryId: unsure.id }, actor: 'Ann' });

    const out = join(dir, 'export', 'deeplesion');
    const { result } = await exportNow(ws, { format: 'deeplesion', out });
    // DL_info.csv, the 2 key slices in the library (their context slices are not), manifest.json
    expect(result).toEqual({ format: 'deeplesion', lesions: 33, files: 4, out });
    const manifest = checkManifest(out);
    expect(manifest.counts).toMatchObject({ lesions: 33, patients: 9, images: 2, skipped: 0 });
    expect(manifest.notes.deeplesion).toMatchObject({ coarseLesionType: { curated: 1, reference: 31, unlabelled: 1 } });
    expect(partialSiblings(out)).toEqual([]);
    expect((await ws.api.export.listOutput({ out })).files.map((f) => f.path)).toEqual(['DL_info.csv', 'Images_png/000069_02_01/058.png', 'Images_png/002648_01_01/061.png', 'manifest.json']);

    const { ws: fresh } = workstation();
    const back = await importPaths(fresh, [out]);
    expect(back).toMatchObject({ lesions: 33, instances: 2, rejected: [] });
    const after = new Map((await allLesions(fresh)).map((l) => [l.sourceRef, l]));
    for (const l of before) {
      const r = after.get(l.sourceRef)!;
      expect(r, l.sourceRef).toBeDefined();
      expect(r.recist).toEqual(l.recist);
      expect(r.box).toEqual(l.box);
      expect([r.longAxisPx, r.shortAxisPx, r.longAxisMm, r.shortAxisMm]).toEqual([l.longAxisPx, l.shortAxisPx, l.longAxisMm, l.shortAxisMm]);
      expect(r.attributes.diametersPx).toEqual(l.attributes.diametersPx);
      expect(r.pixelSpacing).toEqual(l.pixelSpacing);
      expect(r.split).toBe(l.split);
      expect(r.noisy).toBe(l.noisy);
      expect(r.instanceId !== null).toBe(l.instanceId !== null);
      for (const key of ['normalizedLocation', 'sliceRange', 'sliceIntervalMm', 'imageSize', 'dicomWindow', 'sex', 'age']) {
        expect(r.attributes[key], `${key} of ${l.sourceRef}`).toEqual(l.attributes[key]);
      }
      // the category: the curated one's DeepLesion type, else the source's own
      const expected = l.id === liverLesion.id ? 5 : l.id === unsureLesion.id ? null : l.referenceType;
      expect(r.referenceType).toBe(expected);
      if (expected !== null) expect(categories.find((c) => c.referenceType === r.referenceType)!.name).toBe(l.id === liverLesion.id ? 'lung' : categories.find((c) => c.referenceType === l.referenceType)!.name);
    }
    for (const png of ['000069_02_01/058.png', '002648_01_01/061.png']) {
      const original = pixels(fixture('deeplesion', 'Images_png', png));
      const exported = pixels(join(out, 'Images_png', png));
      expect({ ...exported, data: null }).toEqual({ ...original, data: null });
      expect(exported.depth).toBe(16);
      expect(Buffer.from(exported.data.buffer).equals(Buffer.from(original.data.buffer))).toBe(true);
    }
  });

  it('writes a patient-level split into Train_Val_Test: reproducible, one split per patient, read back as it was made', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const exportWith = async (seed: number, name: string) => {
      const out = join(dir, name);
      await exportNow(ws, { format: 'deeplesion', out, split: { seed, fractions: { train: 0.6, val: 0.2, test: 0.2 } } });
      const rows = parse(readFileSync(join(out, 'DL_info.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
      return { out, rows, manifest: readExportManifest(out)! };
    };
    const a = await exportWith(7, 'a');
    const again = await exportWith(7, 'a-again');
    const other = await exportWith(8, 'b');
    const splitByRow = (rows: Record<string, string>[]) => rows.map((r) => `${r.File_name}|${r.Measurement_coordinates}=${r.Train_Val_Test}`);
    expect(splitByRow(again.rows)).toEqual(splitByRow(a.rows));
    expect(splitByRow(other.rows)).not.toEqual(splitByRow(a.rows));
    const splitsOfPatient = new Map<string, Set<string>>();
    for (const r of a.rows) splitsOfPatient.set(r.Patient_index!, (splitsOfPatient.get(r.Patient_index!) ?? new Set()).add(r.Train_Val_Test!));
    for (const s of splitsOfPatient.values()) expect(s.size).toBe(1);
    expect(a.manifest.split).toMatchObject({ mode: 'patient-level', seed: 7, stratifiedBy: 'category' });

    const { ws: fresh } = workstation();
    await importPaths(fresh, [a.out]);
    const code: Record<string, string> = { train: '1', val: '2', test: '3' };
    const byRef = new Map(a.rows.map((r) => [`${r.File_name}|${r.Measurement_coordinates!.replace(/ /g, '')}`, r.Train_Val_Test]));
    for (const l of await allLesions(fresh)) expect(code[l.split!]).toBe(byRef.get(l.sourceRef));
  });

  it('pseudonymised: renumbers every patient, keeps the measurements and the pixels', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const out = join(dir, 'dl-anon');
    await exportNow(ws, { format: 'deeplesion', out, privacy: { mode: 'pseudonymise' } });
    const original = parse(readFileSync(fixture('deeplesion', 'DL_info_sample.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const rows = parse(readFileSync(join(out, 'DL_info.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((r) => Number(r.Patient_index)))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const coordinates = (list: Record<string, string>[]) => list.map((r) => r.Measurement_coordinates).sort();
    expect(coordinates(rows)).toEqual(coordinates(original));
    // the PNGs moved to their new folders with the same pixels
    const moved = rows.find((r) => r.Measurement_coordinates!.startsWith('181.078'))!;
    const png = join(out, 'Images_png', moved.File_name!.slice(0, 12), moved.File_name!.slice(13));
    expect(Buffer.from(pixels(png).data.buffer).equals(Buffer.from(pixels(fixture('deeplesion', 'Images_png', '000069_02_01', '058.png')).data.buffer))).toBe(true);
    expect(readExportManifest(out)!.privacy).toMatchObject({ mode: 'pseudonymise', pseudonymKey: 'random' });
  });

  it.runIf(hasSharedData)('round-trips the shared DeepLesion tables: 4,994 lesions, the 23 PNGs pixel for pixel (skipped without ../shared/data)', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [sharedData('deeplesion')]);
    const before = await allLesions(ws);
    expect(before).toHaveLength(4994);
    // a patient-level split of the 711 patients (distinct Patient_index of both tables, counted with Python's csv)
    const preview = await ws.api.export.preview({ selection: {}, split: { seed: 2024 } });
    expect(preview).toMatchObject({ lesions: 4994, patients: 711 });
    for (const [s, f] of [['train', 0.7], ['val', 0.15], ['test', 0.15]] as const) expect(Math.abs(preview.splits![s].lesions / 4994 - f), s).toBeLessThan(0.02);
    const out = join(dir, 'dl-export');
    const { result } = await exportNow(ws, { format: 'deeplesion', out });
    expect(result).toMatchObject({ lesions: 4994, files: 1 + 23 + 1 });
    checkManifest(out);
    const { ws: fresh } = workstation();
    expect(await importPaths(fresh, [out])).toMatchObject({ lesions: 4994, instances: 23, rejected: [] });
    const after = new Map((await allLesions(fresh)).map((l) => [l.sourceRef, l]));
    for (const l of before) {
      const r = after.get(l.sourceRef)!;
      expect(r.recist).toEqual(l.recist);
      expect(r.box).toEqual(l.box);
      expect([r.longAxisPx, r.shortAxisPx, r.longAxisMm, r.shortAxisMm]).toEqual([l.longAxisPx, l.shortAxisPx, l.longAxisMm, l.shortAxisMm]);
      expect(r.attributes.diametersPx).toEqual(l.attributes.diametersPx);
      expect([r.pixelSpacing, r.split, r.referenceType, r.noisy]).toEqual([l.pixelSpacing, l.split, l.referenceType, l.noisy]);
      expect([r.attributes.sliceRange, r.attributes.normalizedLocation, r.attributes.age, r.attributes.sex]).toEqual([l.attributes.sliceRange, l.attributes.normalizedLocation, l.attributes.age, l.attributes.sex]);
    }
    // an unknown age is written as the release writes it (NaN), never as a number
    const ages = (table: string) => (parse(readFileSync(table, 'utf8'), { columns: true }) as { Patient_age: string }[]).map((r) => r.Patient_age);
    const sourceAges = [...ages(sharedData('deeplesion', 'DL_info_val.csv')), ...ages(sharedData('deeplesion', 'DL_info_train_sample.csv'))];
    const exportedAges = ages(join(out, 'DL_info.csv'));
    expect(exportedAges.every((a) => /^\d+$/.test(a) || a === 'NaN')).toBe(true);
    expect(exportedAges.filter((a) => a === 'NaN')).toHaveLength(sourceAges.filter((a) => a === 'NaN').length);
    expect(sourceAges.filter((a) => a === 'NaN').length).toBeGreaterThan(0);
    const pngs = readdirSync(sharedData('deeplesion', 'Images_png')).flatMap((f) => readdirSync(sharedData('deeplesion', 'Images_png', f)).map((n) => `${f}/${n}`));
    expect(pngs).toHaveLength(23);
    for (const png of pngs) {
      const a = pixels(sharedData('deeplesion', 'Images_png', png));
      const b = pixels(join(out, 'Images_png', png));
      expect([b.width, b.height, b.depth, b.channels]).toEqual([a.width, a.height, a.depth, a.channels]);
      expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer)), png).toBe(true);
    }
  }, 180_000);

  it('writes DICOM slices as HU + 32768 with the key slice\'s context within 30 mm', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    const [lesion] = await drawLesions(ws, slices!, [10], 'Ann');
    const out = join(dir, 'dl');
    const { result } = await exportNow(ws, { format: 'deeplesion', out });
    // 8 mm slices: 3 on each side of the key slice (11th of 30) are within 30 mm
    expect(result.files).toBe(1 + 7 + 1);
    const [row] = parse(readFileSync(join(out, 'DL_info.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ File_name: '000001_01_01_011.png', Key_slice_index: '11', Slice_range: '8, 14', Patient_index: '1' });
    expect(row!.Spacing_mm_px_).toBe(`${lesion!.pixelSpacing![1]}, ${lesion!.pixelSpacing![0]}, 8`);
    const hu = await ws.lesionImages.keySlice(lesion!);
    const png = pixels(join(out, 'Images_png', '000001_01_01', '011.png'));
    expect([png.width, png.height, png.depth]).toEqual([hu!.columns, hu!.rows, 16]);
    for (let i = 0; i < hu!.hu.length; i += 997) expect(png.data[i]).toBe(hu!.hu[i]! + 32768);
  });
});

const cocoSchema = z
  .object({
    info: z.object({ description: z.string(), version: z.string(), year: z.number().int(), contributor: z.string(), date_created: z.string() }).passthrough(),
    licenses: z.array(z.unknown()),
    images: z.array(z.object({ id: z.number().int().positive(), file_name: z.string().min(1), width: z.number().int().positive(), height: z.number().int().positive() }).passthrough()).min(1),
    annotations: z
      .array(
        z
          .object({
            id: z.number().int().positive(),
            image_id: z.number().int().positive(),
            category_id: z.number().int().positive(),
            bbox: z.tuple([z.number().min(0), z.number().min(0), z.number().positive(), z.number().positive()]),
            area: z.number().positive(),
            iscrowd: z.union([z.literal(0), z.literal(1)]),
            keypoints: z.array(z.number()).length(12),
            num_keypoints: z.number().int().min(0).max(4),
          })
          .passthrough(),
      )
      .min(1),
    categories: z.array(z.object({ id: z.number().int().positive(), name: z.string().min(1), supercategory: z.string(), keypoints: z.array(z.string()).length(4), skeleton: z.array(z.tuple([z.number(), z.number()])) }).passthrough()).min(1),
  })
  .strict();

/** COCO detection format and its consistency: ids unique and referenced, boxes inside images, area = w × h. */
function checkCoco(out: string, file: string) {
  const coco = cocoSchema.parse(JSON.parse(readFileSync(join(out, file), 'utf8')));
  const images = new Map(coco.images.map((i) => [i.id, i]));
  const categories = new Set(coco.categories.map((c) => c.id));
  expect(images.size).toBe(coco.images.length);
  expect(categories.size).toBe(coco.categories.length);
  expect(new Set(coco.annotations.map((a) => a.id)).size).toBe(coco.annotations.length);
  for (const a of coco.annotations) {
    const image = images.get(a.image_id)!;
    expect(image, `image ${a.image_id}`).toBeDefined();
    expect(categories.has(a.category_id)).toBe(true);
    const [x, y, w, h] = a.bbox;
    expect(x + w).toBeLessThanOrEqual(image.width);
    expect(y + h).toBeLessThanOrEqual(image.height);
    expect(a.area).toBeCloseTo(w * h, 9);
    for (let k = 0; k < 4; k++) {
      if (a.keypoints[3 * k + 2] === 0) continue;
      expect(a.keypoints[3 * k]).toBeGreaterThanOrEqual(x - 1e-9);
      expect(a.keypoints[3 * k]).toBeLessThanOrEqual(x + w + 1e-9);
    }
  }
  for (const image of coco.images) {
    const png = pixels(join(out, image.file_name));
    expect([png.width, png.height, png.depth, png.channels]).toEqual([image.width, image.height, 16, 1]);
  }
  return coco;
}

describe('COCO export', () => {
  it('validates as COCO detection (schema and consistency) with taxonomy categories, RECIST keypoints, review status and annotator', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion'), sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    const drawn = await drawLesions(ws, slices!, [5, 5, 20], 'Dr Ann');
    // a lesion at the image's edge: its padded box is clipped to the image
    drawn.push(await ws.api.lesions.create({ instanceId: slices![7]!.instanceId, frame: 0, recist: recistAt(3, 256, 2, 1), actor: 'Dr Ben' }));
    const lung = (await ws.api.review.categories()).find((c) => c.name === 'lung')!;
    await ws.api.review.apply({ lesionIds: [drawn[0]!.id], change: { categoryId: lung.id, reviewed: true }, actor: 'Cleo' });
    const out = join(dir, 'coco');
    const { result } = await exportNow(ws, { format: 'coco', out, split: { seed: 3 } });
    // 3 DeepLesion lesions on 2 PNGs, 4 drawn on 3 CT slices; the 30 without their image are left out
    expect(result.lesions).toBe(3 + 4);
    const manifest = checkManifest(out);
    expect(manifest.skipped).toEqual([{ reason: 'its image is not in the library (COCO annotations need their image)', lesionIds: expect.any(Array) }]);
    expect(manifest.skipped[0]!.lesionIds).toHaveLength(30);
    expect(manifest.annotators).toEqual([
      { name: 'Cleo', created: 0, reviewed: 1 },
      { name: 'Dr Ann', created: 3, reviewed: 0 },
      { name: 'Dr Ben', created: 1, reviewed: 0 },
    ]);
    const coco = checkCoco(out, 'annotations.json');
    expect(coco.images).toHaveLength(2 + 3);
    expect(coco.annotations).toHaveLength(7);
    expect(coco.categories.map((c) => c.name)).toEqual([...(await ws.api.review.categories()).map((c) => c.name), 'uncategorised']);
    const first = coco.annotations.find((a) => a.lesion_id === drawn[0]!.id)!;
    expect(first).toMatchObject({ category_id: lung.id, category_source: 'curated', review_status: 'reviewed', annotator: 'Dr Ann', reviewed_by: 'Cleo', source: 'annotator' });
    const l = drawn[0]!;
    expect(first.keypoints).toEqual([l.recist.longAxis[0].x, l.recist.longAxis[0].y, 2, l.recist.longAxis[1].x, l.recist.longAxis[1].y, 2, l.recist.shortAxis![0].x, l.recist.shortAxis![0].y, 2, l.recist.shortAxis![1].x, l.recist.shortAxis![1].y, 2]);
    expect(first.bbox).toEqual([l.box.x1, l.box.y1, l.box.x2 - l.box.x1, l.box.y2 - l.box.y1]);
    const edge = coco.annotations.find((a) => a.lesion_id === drawn[3]!.id)!;
    expect(edge.bbox_clipped).toBe(true);
    expect(edge.bbox[0]).toBe(0);
    expect(edge.category_id).toBe(coco.categories.at(-1)!.id);
    // per-split files hold the same annotations, split by split
    const parts = ['train', 'val', 'test'].filter((s) => existsSync(join(out, `annotations_${s}.json`))).map((s) => checkCoco(out, `annotations_${s}.json`));
    expect(parts.reduce((n, p) => n + p.annotations.length, 0)).toBe(7);
  });

  it.runIf(hasPycocotools)('loads in pycocotools (skipped where Debian\'s python3-pycocotools is not installed; the schema check above stands in)', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const out = join(dir, 'coco');
    await exportNow(ws, { format: 'coco', out });
    const check = spawnSync(python, ['-c', `from pycocotools.coco import COCO; c = COCO(${JSON.stringify(join(out, 'annotations.json'))}); print(len(c.getAnnIds()))`], { encoding: 'utf8' });
    expect(check.stdout.trim().split('\n').at(-1)).toBe('3');
  });
});

describe('CSV export', () => {
  it('writes one row per lesion with every catalogue field, its category and history; pseudonymised: no ids or dates', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion'), sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    const [drawn] = await drawLesions(ws, slices!, [12], 'Ann');
    const moved = await ws.api.lesions.update({ lesionId: drawn!.id, version: drawn!.version, recist: recistAt(210, 240, 25, 12), actor: 'Ann' });
    // a category whose name a spreadsheet would run as a formula
    const formula = await ws.api.review.createCategory({ name: '=HYPERLINK("x")', colour: '#123456', shortcut: null, actor: 'Ann' });
    await ws.api.review.apply({ lesionIds: [moved.id], change: { categoryId: formula.id, reviewed: true }, actor: 'Ben' });

    const out = join(dir, 'csv');
    const { result } = await exportNow(ws, { format: 'csv', out });
    expect(result).toEqual({ format: 'csv', lesions: 34, files: 2, out });
    checkManifest(out);
    const rows = parse(readFileSync(join(out, 'lesions.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(34);
    const row = rows.find((r) => r.lesion_id === String(moved.id))!;
    expect(row).toMatchObject({
      source: 'annotator',
      category: `'=HYPERLINK("x")`,
      review_status: 'reviewed',
      reviewed_by: 'Ben',
      history_changes: '3',
      history_actors: 'Ann; Ben',
      patient_id: 'Lung_Dx-A0002',
      study_date: '2007-04-25',
      long_axis_mm: String(moved.longAxisMm),
    });
    expect(row.history).toMatch(/Ann: create \| .* Ann: update \(axes moved\) \| .* Ben: review \(category none -> =HYPERLINK\("x"\), reviewed\)$/);
    expect(Number(row.long_x1)).toBe(moved.recist.longAxis[0].x);

    const anonymous = join(dir, 'csv-anon');
    await exportNow(ws, { format: 'csv', out: anonymous, privacy: { mode: 'pseudonymise', secret: 's3cret' } });
    const text = readFileSync(join(anonymous, 'lesions.csv'), 'utf8');
    expect(text).not.toContain('Lung_Dx-A0002');
    expect(text).not.toContain('2007');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    const anonRows = parse(text, { columns: true }) as Record<string, string>[];
    const anonRow = anonRows.find((r) => r.lesion_id === String(moved.id))!;
    expect(anonRow.patient_id).toMatch(/^P[0-9A-F]{12}$/);
    expect(anonRow.study_instance_uid).toMatch(/^2\.25\.\d+$/);
    expect(anonRow).toMatchObject({ study_date: '', created_at: '', source_ref: '', history_first_at: '' });
    expect(readExportManifest(anonymous)!.privacy).toMatchObject({ mode: 'pseudonymise', pseudonymKey: 'given' });
    // the same secret gives the same pseudonyms
    const again = join(dir, 'csv-anon-2');
    await exportNow(ws, { format: 'csv', out: again, privacy: { mode: 'pseudonymise', secret: 's3cret' } });
    expect(readFileSync(join(again, 'lesions.csv'), 'utf8')).toBe(text);
  });
});

/** Long and short axes, coordinates, references and observers of an SR, as pydicom reads them. */
const PYDICOM_SR_READER = `
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
out = {"patient": [str(ds.PatientName), ds.PatientID, ds.get("PatientBirthDate", ""), ds.get("StudyDate", "")],
       "study": ds.StudyInstanceUID, "sopClass": ds.SOPClassUID, "identityRemoved": ds.get("PatientIdentityRemoved", ""),
       "template": ds.ContentTemplateSequence[0].TemplateIdentifier, "groups": [], "observers": []}
def walk(items):
    for item in items:
        name = item.ConceptNameCodeSequence[0].CodeMeaning if "ConceptNameCodeSequence" in item else ""
        if item.ValueType == "PNAME" and name == "Person Observer Name":
            out["observers"].append(str(item.PersonName))
        if item.ValueType == "CONTAINER" and name == "Measurement Group":
            g = {"observer": None, "finding": None}
            for child in item.ContentSequence:
                cname = child.ConceptNameCodeSequence[0].CodeMeaning
                if cname == "Tracking Identifier": g["id"] = child.TextValue
                if cname == "Person Observer Name": g["observer"] = str(child.PersonName)
                if cname == "Finding": g["finding"] = child.ConceptCodeSequence[0].CodeMeaning
                if child.ValueType == "NUM":
                    mv = child.MeasuredValueSequence[0]
                    sc = child.ContentSequence[0]
                    ref = sc.ContentSequence[0].ReferencedSOPSequence[0]
                    g[cname] = {"mm": float(mv.NumericValue), "fp": float(mv.FloatingPointValue), "unit": mv.MeasurementUnitsCodeSequence[0].CodeValue,
                                "graphic": [float(v) for v in sc.GraphicData], "type": sc.GraphicType, "image": ref.ReferencedSOPInstanceUID}
            out["groups"].append(g)
        if "ContentSequence" in item and name != "Measurement Group":
            walk(item.ContentSequence)
walk(ds.ContentSequence)
# every value valid for its VR (lengths, characters), as pydicom checks them
from pydicom import config
from pydicom.valuerep import validate_value
out["invalid"] = []
def check(d, path):
    for el in d:
        if el.VR == "SQ":
            for i, item in enumerate(el.value): check(item, f"{path}{el.keyword}[{i}].")
        else:
            try: validate_value(el.VR, el.value, config.RAISE)
            except Exception as e: out["invalid"].append(f"{path}{el.keyword}: {e}")
check(ds, "")
print(json.dumps(out))
`;

function readWithPydicom(path: string) {
  const result = spawnSync(python, ['-c', PYDICOM_SR_READER, path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as {
    patient: string[];
    study: string;
    sopClass: string;
    identityRemoved: string;
    template: string;
    invalid: string[];
    observers: string[];
    groups: ({ id: string; observer: string | null; finding: string } & Record<'Long Axis' | 'Short Axis', { mm: number; fp: number; unit: string; graphic: number[]; type: string; image: string }>)[];
  };
}

describe('DICOM SR export of lung CT measurements', () => {
  let ws: Workstation;
  let tmp: { dir: string; cleanup: () => void };
  let drawn: Lesion[];
  let srFile: string;

  beforeAll(async () => {
    tmp = tempDir('lw-export-sr-');
    ws = createWorkstation({ catalogPath: join(tmp.dir, 'c.sqlite'), appRoot: repoRoot, workers: 2, userModelsDir: join(tmp.dir, 'models') });
    await importPaths(ws, [sampleLibrary, fixture('deeplesion')]);
    const [slices] = await seriesSlices(ws);
    drawn = [...(await drawLesions(ws, slices!, [4, 12], 'Dr Ann')), ...(await drawLesions(ws, slices!, [12, 25], 'Dr Ben'))];
    const lung = (await ws.api.review.categories()).find((c) => c.name === 'lung')!;
    await ws.api.review.apply({ lesionIds: [drawn[1]!.id], change: { categoryId: lung.id, reviewed: true }, actor: 'Cleo' });
    const out = join(tmp.dir, 'sr');
    const job = await ws.jobs.wait((await ws.api.export.start({ format: 'dicom-sr', out })).id);
    expect(job.result).toEqual({ format: 'dicom-sr', lesions: 4, files: 2, out });
    srFile = join(out, 'sr', readdirSync(join(out, 'sr'))[0]!);
  }, 120_000);
  afterAll(async () => {
    await ws.close();
    tmp.cleanup();
  });

  it('writes one TID 1500 report for the study; the DeepLesion lesions are left out with the reason', () => {
    const manifest = checkManifest(dirname(dirname(srFile)));
    // the DeepLesion patients of the catalogue keep their indices (up to 2648); the CT's patient gets the next one
    expect(readdirSync(dirname(srFile))).toEqual(['002649_01.dcm']);
    expect(manifest.skipped).toEqual([{ reason: 'its key slice is a DeepLesion PNG, not a DICOM image an SR can reference', lesionIds: expect.any(Array) }]);
    expect(manifest.counts).toMatchObject({ lesions: 4, studies: 1, skipped: 33 });
  });

  it('reads back with our SR reader: the same axes (float32 SCOORDs) and the same mm', () => {
    const { measurements, skipped } = readDicomMeasurements(readFileSync(srFile));
    expect(skipped).toEqual([]);
    expect(measurements).toHaveLength(4);
    for (const lesion of drawn) {
      const m = measurements.find((x) => x.label === `Lesion ${lesion.id}`)!;
      expect(m.referencedSopInstanceUid).toBe(lesion.keySliceRef);
      expect(Math.abs(m.reportedLongAxisMm! - lesion.longAxisMm!)).toBeLessThan(1e-9);
      expect(Math.abs(m.reportedShortAxisMm! - lesion.shortAxisMm!)).toBeLessThan(1e-9);
      const points = [...m.recist.longAxis, ...m.recist.shortAxis!];
      const expected = [...lesion.recist.longAxis, ...lesion.recist.shortAxis!];
      points.forEach((p, i) => {
        expect(Math.abs(p.x - expected[i]!.x)).toBeLessThan(1e-4);
        expect(Math.abs(p.y - expected[i]!.y)).toBeLessThan(1e-4);
      });
    }
  });

  it('imports into a catalogue holding the same CT: the measurements land on their slices with the same mm (0.01 mm)', async () => {
    const { ws: fresh } = workstation();
    const summary = await importPaths(fresh, [sampleLibrary, srFile]);
    expect(summary.unresolved).toEqual([]);
    const imported = (await allLesions(fresh)).filter((l) => l.source === 'dicom-sr');
    expect(imported).toHaveLength(4);
    for (const lesion of drawn) {
      const back = imported.find((l) => l.attributes.label === `Lesion ${lesion.id}`)!;
      expect(back.instanceId).not.toBeNull();
      expect(back.keySliceRef).toBe(lesion.keySliceRef);
      expect(Math.abs(back.longAxisMm! - lesion.longAxisMm!)).toBeLessThan(0.01);
      expect(Math.abs(back.shortAxisMm! - lesion.shortAxisMm!)).toBeLessThan(0.01);
    }
  });

  it.runIf(hasPydicom)('reads back with pydicom: TID 1500, the axes in mm on the referenced images, the annotators as observers (skipped without /usr/bin/python3 and pydicom)', () => {
    const sr = readWithPydicom(srFile);
    expect(sr).toMatchObject({ invalid: [], sopClass: '1.2.840.10008.5.1.4.1.1.88.22', template: '1500', patient: ['Lung_Dx-A0002', 'Lung_Dx-A0002', '', '20070425'] });
    // the document's observer context names both annotators; each group names its own
    expect(sr.observers.sort()).toEqual(['Dr Ann', 'Dr Ben']);
    expect(sr.groups).toHaveLength(4);
    for (const lesion of drawn) {
      const g = sr.groups.find((x) => x.id === `Lesion ${lesion.id}`)!;
      expect(g.observer).toBe(drawn.indexOf(lesion) < 2 ? 'Dr Ann' : 'Dr Ben');
      expect(g.finding).toBe(lesion.id === drawn[1]!.id ? 'lung' : 'Lesion');
      for (const [axis, mm, segment] of [
        ['Long Axis', lesion.longAxisMm!, lesion.recist.longAxis],
        ['Short Axis', lesion.shortAxisMm!, lesion.recist.shortAxis!],
      ] as const) {
        const num = g[axis];
        expect(num).toMatchObject({ unit: 'mm', type: 'POLYLINE', image: lesion.keySliceRef });
        expect(Math.abs(num.mm - mm)).toBeLessThan(0.01);
        expect(Math.abs(num.fp - mm)).toBeLessThan(1e-9);
        // SCOORD corners are pixel centres + 0.5; mm from the points with the image's spacing
        const [c0, r0, c1, r1] = num.graphic;
        expect(Math.abs(c0! - 0.5 - segment[0].x)).toBeLessThan(1e-4);
        expect(Math.abs(r1! - 0.5 - segment[1].y)).toBeLessThan(1e-4);
        const [rowMm, colMm] = lesion.pixelSpacing!;
        expect(Math.abs(Math.hypot((c1! - c0!) * colMm, (r1! - r0!) * rowMm) - mm)).toBeLessThan(0.01);
      }
    }
  });

  it.runIf(hasPydicom)('pseudonymised: the PS3.15 Basic Profile (ids, names, dates, UIDs), consistent under one secret (skipped without pydicom)', async () => {
    const exportAnonymous = async (name: string) => {
      const out = join(tmp.dir, name);
      await exportNow(ws, { format: 'dicom-sr', out, privacy: { mode: 'pseudonymise', secret: 'k' } });
      return readWithPydicom(join(out, 'sr', readdirSync(join(out, 'sr'))[0]!));
    };
    const a = await exportAnonymous('sr-anon');
    const b = await exportAnonymous('sr-anon-2');
    const original = readWithPydicom(srFile);
    expect(a.invalid).toEqual([]);
    expect(a.identityRemoved).toBe('YES');
    expect(a.patient[1]).toMatch(/^P[0-9A-F]{12}$/);
    expect(a.patient[0]).toBe(a.patient[1]);
    expect([a.patient[2], a.patient[3]]).toEqual(['', '']);
    expect(a.study).not.toBe(original.study);
    expect(a.study).toMatch(/^2\.25\.\d{1,39}$/);
    expect(b.study).toBe(a.study);
    expect(a.observers.every((o) => o.startsWith('Observer^'))).toBe(true);
    for (const g of a.groups) expect(drawn.map((l) => l.keySliceRef)).not.toContain(g['Long Axis'].image);
    expect(a.groups.map((g) => g['Long Axis'].mm).sort()).toEqual(original.groups.map((g) => g['Long Axis'].mm).sort());
  });

  it.runIf(hasLungCt)('covers both series of the shared lung CT study in one report, read back by our importer (skipped without ../shared/data/ct)', async () => {
    const { ws: both, dir } = workstation();
    await importPaths(both, [lungCt]);
    const series = await seriesSlices(both);
    expect(series.map((s) => s.length)).toEqual([30, 30]);
    const lesions = [...(await drawLesions(both, series[0]!, [3, 17], 'Ann')), ...(await drawLesions(both, series[1]!, [9], 'Ann'))];
    const out = join(dir, 'sr');
    await exportNow(both, { format: 'dicom-sr', out });
    expect(readdirSync(join(out, 'sr'))).toHaveLength(1);
    const { ws: fresh } = workstation();
    await importPaths(fresh, [lungCt, join(out, 'sr')]);
    const back = (await allLesions(fresh)).filter((l) => l.source === 'dicom-sr');
    expect(back).toHaveLength(3);
    for (const l of lesions) {
      const r = back.find((x) => x.attributes.label === `Lesion ${l.id}`)!;
      expect(r.seriesId).not.toBeNull();
      expect(Math.abs(r.longAxisMm! - l.longAxisMm!)).toBeLessThan(0.01);
      expect(Math.abs(r.shortAxisMm! - l.shortAxisMm!)).toBeLessThan(0.01);
    }
  });
});

describe('export selection', () => {
  it('selects by category, review status, source, split and date, and previews the counts', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion'), sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    const drawn = await drawLesions(ws, slices!, [3, 6], 'Ann');
    const cats = await ws.api.review.categories();
    const lung = cats.find((c) => c.name === 'lung')!;
    await ws.api.review.apply({ lesionIds: [drawn[0]!.id], change: { categoryId: lung.id, reviewed: true }, actor: 'Ann' });
    expect(await ws.api.export.preview({ selection: {} })).toEqual({ lesions: 35, patients: 10, studies: 20 });
    expect(await ws.api.export.preview({ selection: { categoryNames: ['LUNG'] } })).toEqual({ lesions: 1, patients: 1, studies: 1 });
    expect((await ws.api.export.preview({ selection: { categoryIds: [lung.id], uncategorised: true } })).lesions).toBe(35);
    expect((await ws.api.export.preview({ selection: { uncategorised: false } })).lesions).toBe(1);
    expect((await ws.api.export.preview({ selection: { review: 'reviewed' } })).lesions).toBe(1);
    expect((await ws.api.export.preview({ selection: { sources: ['annotator'] } })).lesions).toBe(2);
    expect((await ws.api.export.preview({ selection: { splits: ['none'] } })).lesions).toBe(2);
    expect((await ws.api.export.preview({ selection: { splits: ['val'] } })).lesions).toBe(33);
    expect((await ws.api.export.preview({ selection: { hasImage: true } })).lesions).toBe(5);
    expect((await ws.api.export.preview({ selection: { lesionIds: [drawn[1]!.id] } })).lesions).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect((await ws.api.export.preview({ selection: { date: { field: 'reviewed', from: today, to: today } } })).lesions).toBe(1);
    expect((await ws.api.export.preview({ selection: { date: { field: 'study', from: '2007-04-25', to: '2007-04-25' } } })).lesions).toBe(2);
    expect((await ws.api.export.preview({ selection: { date: { field: 'created', to: '2000-01-01' } } })).lesions).toBe(0);
    const withSplit = await ws.api.export.preview({ selection: {}, split: { seed: 1 } });
    expect(Object.values(withSplit.splits!).reduce((n, s) => n + s.lesions, 0)).toBe(35);
    expect(Object.values(withSplit.splits!).reduce((n, s) => n + s.patients, 0)).toBe(10);
    await expect(ws.api.export.preview({ selection: { categoryNames: ['spleen'] } })).rejects.toThrow(/no category named "spleen" \(categories: bone, /);
    await expect(ws.api.export.start({ format: 'csv', out: join(dir, 'none'), selection: { categoryNames: ['pelvis'] } })).rejects.toThrow(/the selection holds no lesions/);
    expect(existsSync(join(dir, 'none'))).toBe(false);

    const out = join(dir, 'lung-reviewed');
    const { result } = await exportNow(ws, { format: 'csv', out, selection: { categoryNames: ['lung'], review: 'reviewed' } });
    expect(result.lesions).toBe(1);
    expect(readExportManifest(out)!.selection).toEqual({ review: 'reviewed', categories: [{ id: lung.id, name: 'lung' }] });
  });

  it('selects the members of clusters of a run, and lists the run\'s models in the manifest', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const ids = (await allLesions(ws)).map((l) => l.id);
    // a stored clustering run (the clustering itself is tested elsewhere): lesions alternate between 2 clusters
    const c = ws.catalogue;
    const model = c.modelVersions.register({ name: 'test-embedding', version: '1', task: 'embedding', sha256: 'ab'.repeat(32), path: dir, manifest: {}, origin: 'test' });
    const runId = c.transaction(() =>
      c.clusteringRuns.create(
        { embeddingModelVersionId: model, headModelVersionId: null, k: 2, metric: 'euclidean', seed: 1, features: {}, params: {}, rounds: [], inertia: 1, silhouette: null, lesions: ids.length },
        { lesionIds: ids, labels: ids.map((_, i) => i % 2), distances: ids.map(() => 1) },
      ),
    );
    expect((await ws.api.export.preview({ selection: { clusters: { clusters: [1] } } })).lesions).toBe(16);
    expect((await ws.api.export.preview({ selection: { clusters: { runId, clusters: [0, 1] } } })).lesions).toBe(33);
    const out = join(dir, 'cluster-1');
    await exportNow(ws, { format: 'csv', out, selection: { clusters: { runId, clusters: [1] } } });
    const manifest = readExportManifest(out)!;
    expect(manifest.clusteringRun).toMatchObject({ id: runId, k: 2 });
    expect(manifest.models).toEqual([{ id: model, name: 'test-embedding', version: '1', task: 'embedding', sha256: 'ab'.repeat(32), role: `embedding model of clustering run ${runId}` }]);
    const rows = parse(readFileSync(join(out, 'lesions.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.every((r) => r.cluster === '1')).toBe(true);
  });
});

describe('export target, cancel and failure', () => {
  it('refuses a relative path, a folder with other files, a file, and a folder holding the catalogue; overwrites only an earlier export', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    await expect(ws.api.export.start({ format: 'csv', out: 'relative/out' })).rejects.toThrow(/must be an absolute path/);
    mkdirSync(join(dir, 'busy'));
    writeFileSync(join(dir, 'busy', 'notes.txt'), 'mine');
    await expect(ws.api.export.start({ format: 'csv', out: join(dir, 'busy') })).rejects.toThrow(/exists and is not empty/);
    await expect(ws.api.export.start({ format: 'csv', out: join(dir, 'busy'), overwrite: true })).rejects.toThrow(/not an export of this workstation/);
    await expect(ws.api.export.start({ format: 'csv', out: join(dir, 'busy', 'notes.txt') })).rejects.toThrow(/is not a folder/);
    await expect(ws.api.export.start({ format: 'csv', out: dir, overwrite: true })).rejects.toThrow(/holds the catalogue/);
    expect(readFileSync(join(dir, 'busy', 'notes.txt'), 'utf8')).toBe('mine');
    await expect(ws.api.export.listOutput({ out: join(dir, 'busy') })).rejects.toThrow(/not an export of this workstation/);

    const out = join(dir, 'csv');
    mkdirSync(out); // an empty folder is fine
    await exportNow(ws, { format: 'csv', out });
    const first = readExportManifest(out)!.createdAt;
    await expect(ws.api.export.start({ format: 'csv', out })).rejects.toThrow(/exists and is not empty/);
    await exportNow(ws, { format: 'deeplesion', out, overwrite: true });
    expect(readExportManifest(out)).toMatchObject({ format: 'deeplesion' });
    expect(readExportManifest(out)!.createdAt >= first).toBe(true);
    expect(existsSync(join(out, 'lesions.csv'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.partial-') || n.includes('.replaced-'))).toEqual([]);
  });

  it('a cancelled export leaves nothing at the target, nor its temporary folder', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    await drawLesions(ws, slices!, [2, 6, 10, 14, 18, 22, 26, 29], 'Ann');
    const out = join(dir, 'cancelled');
    const started = await ws.api.export.start({ format: 'deeplesion', out });
    expect(partialSiblings(out)).toHaveLength(1);
    // cancel once the worker writes slices (30 PNG encodings in all, well over a second)
    await expect.poll(() => ws.jobs.get(started.id)!.progress.message, { interval: 5, timeout: 20_000 }).toMatch(/^DeepLesion: lesion [2-8] of 8/);
    expect(await ws.api.jobs.cancel(started.id)).toBe(true);
    const job = await ws.jobs.wait(started.id);
    expect(job.state).toBe('cancelled');
    expect(existsSync(out)).toBe(false);
    expect(partialSiblings(out)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(readdirSync(dir).filter((n) => !n.startsWith('cancelled')).sort());
  });

  it('an export killed mid-way (SIGKILL) leaves only its temporary folder, which the next export to that folder clears', async () => {
    const { ws, dir, db } = workstation();
    await importPaths(ws, [sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    await drawLesions(ws, slices!, [2, 6, 10, 14, 18, 22, 26, 29], 'Ann');
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [cli, 'export', '--db', db, '--format', 'deeplesion', '--out', out], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // kill it once it has written slices into its temporary folder
    const writing = () => partialSiblings(out).some((p) => existsSync(join(p, 'Images_png')) && readdirSync(join(p, 'Images_png')).length > 0);
    await expect.poll(writing, { interval: 5, timeout: 30_000 }).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(out)).toBe(false);
    expect(partialSiblings(out)).toHaveLength(1);

    const { job, result } = await exportNow(ws, { format: 'deeplesion', out });
    expect(result.lesions).toBe(8);
    expect(job.progress.message).toMatch(/first cleared what a killed export had left \(1 temporary folder\(s\) removed\)/);
    expect(partialSiblings(out)).toEqual([]);
    checkManifest(out);
  });

  it('puts back an earlier export a kill left parked, and leaves alone what a running or another machine\'s export writes', async () => {
    const { dir } = workstation();
    const out = join(dir, 'curated');
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const folder = (name: string, file: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, file), name);
      return join(dir, name);
    };
    // killed between parking the earlier export and moving the new one in: out is missing
    folder(`curated.replaced-${host}-${dead.pid}-0123456789ab`, 'earlier.txt');
    const killedTemp = folder(`curated.partial-${host}-${dead.pid}-0123456789ac`, 'half.txt');
    const running = folder(`curated.partial-${host}-${process.pid}-0123456789ad`, 'busy.txt');
    const otherMachine = folder(`curated.partial-00000000-${dead.pid}-0123456789ae`, 'theirs.txt');
    const unrelated = folder('curated.partial-notes', 'mine.txt');
    const recovered = recoverLeftovers(out);
    expect(recovered).toEqual({ removed: [killedTemp], restored: out });
    expect(readdirSync(out)).toEqual(['earlier.txt']);
    for (const kept of [running, otherMachine, unrelated]) expect(existsSync(kept)).toBe(true);
    expect(recoverLeftovers(out)).toEqual({ removed: [], restored: null });
  });

  it('an export that fails at the end (the target appeared meanwhile) is discarded, leaving the other folder alone', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [sampleLibrary]);
    const [slices] = await seriesSlices(ws);
    await drawLesions(ws, slices!, [2, 10, 18, 26], 'Ann');
    const out = join(dir, 'contested');
    const started = await ws.api.export.start({ format: 'deeplesion', out });
    mkdirSync(out);
    writeFileSync(join(out, 'someone-else.txt'), 'theirs');
    const job = await ws.jobs.wait(started.id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/was created by something else while the export was written/);
    expect(readdirSync(out)).toEqual(['someone-else.txt']);
    expect(partialSiblings(out)).toEqual([]);
  });

  // chmod does not stop root, so as root the in-process check is skipped and the CLI runs as "nobody" instead
  it.skipIf(isRoot)('a read-only target folder is refused with a clear message (not as root: chmod does not bite)', async () => {
    const { ws, dir } = workstation();
    await importPaths(ws, [fixture('deeplesion')]);
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    cleanups.push(() => chmodSync(readOnly, 0o755));
    await expect(ws.api.export.start({ format: 'csv', out: join(readOnly, 'out') })).rejects.toThrow(/permission denied \(.*read-only for this user\)/);
    expect(readdirSync(readOnly)).toEqual([]);
  });

  it.runIf(isRoot)('a read-only target folder is refused with a clear message (as root: the CLI run as "nobody", where chmod bites)', async () => {
    const { dir, cleanup } = tempDir('lw-export-ro-');
    cleanups.push(cleanup);
    chmodSync(dir, 0o777);
    const db = join(dir, 'c.sqlite');
    await run(process.execPath, [cli, 'import', fixture('deeplesion'), '--db', db, '--json'], { cwd: repoRoot });
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o777);
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o777 });
    chmodSync(home, 0o777);
    const result = spawnSync(process.execPath, [cli, 'export', '--db', db, '--format', 'csv', '--out', join(readOnly, 'out'), '--json'], {
      cwd: repoRoot,
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, HOME: home, LESION_WS_HOME: home },
    });
    expect(result.stderr).toMatch(/export refused: cannot create the folder .*read-only\/out\.partial-[0-9a-f]+-\d+-[0-9a-f]+: permission denied \(.*read-only is read-only for this user\)/);
    expect(result.status).toBe(1);
    expect(readdirSync(readOnly)).toEqual([]);
  });
});

describe('lesion-ws export', () => {
  it('prints {format, lesions, files, out} with --json; selects with --category and --reviewed-only; exits 2 on bad options', async () => {
    const { dir, cleanup } = tempDir('lw-export-cli-');
    cleanups.push(cleanup);
    const db = join(dir, 'c.sqlite');
    await run(process.execPath, [cli, 'import', fixture('deeplesion'), '--db', db, '--json'], { cwd: repoRoot });
    const out = join(dir, 'dl');
    const { stdout } = await run(process.execPath, [cli, 'export', '--db', db, '--format', 'deeplesion', '--out', out, '--split-seed', '5', '--json'], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual({ format: 'deeplesion', lesions: 33, files: 4, out });
    expect(readExportManifest(out)!.split).toMatchObject({ mode: 'patient-level', seed: 5 });
    checkManifest(out);

    // --category takes curated categories: none yet, so the export is refused before anything is written
    const lungOut = join(dir, 'lung');
    await expect(run(process.execPath, [cli, 'export', '--db', db, '--format', 'csv', '--out', lungOut, '--category', 'lung,liver', '--json'], { cwd: repoRoot })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/export refused: the selection holds no lesions/),
    });
    expect(existsSync(lungOut)).toBe(false);
    const ws = createWorkstation({ catalogPath: db, appRoot: repoRoot, workers: 1, userModelsDir: join(dir, 'models') });
    const lung = (await ws.api.review.categories()).find((c) => c.name === 'lung')!;
    const ids = (await allLesions(ws)).map((l) => l.id);
    await ws.api.review.apply({ lesionIds: ids.slice(0, 3), change: { categoryId: lung.id }, actor: 'Ann' });
    await ws.api.review.apply({ lesionIds: ids.slice(0, 2), change: { reviewed: true }, actor: 'Ann' });
    await ws.close();
    const selected = await run(process.execPath, [cli, 'export', '--db', db, '--format', 'csv', '--out', lungOut, '--category', 'lung,liver', '--reviewed-only', '--json'], { cwd: repoRoot });
    expect(JSON.parse(selected.stdout)).toEqual({ format: 'csv', lesions: 2, files: 2, out: lungOut });

    await expect(run(process.execPath, [cli, 'export', '--db', db, '--out', join(dir, 'x'), '--json'])).rejects.toMatchObject({ code: 2 });
    await expect(run(process.execPath, [cli, 'export', '--db', db, '--format', 'nope', '--out', join(dir, 'x')])).rejects.toMatchObject({ code: 2 });
    await expect(run(process.execPath, [cli, 'export', '--db', db, '--format', 'csv', '--out', lungOut, '--json'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/exists and is not empty/) });
  });
});
