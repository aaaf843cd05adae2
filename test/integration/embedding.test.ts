import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddingSummary } from '../../src-main/contract';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { killOnceCommitted } from '../helpers/cli-kill';
import { writeRepeatedSampleTable } from '../helpers/deeplesion-table';
import { fixture, repoRoot, sampleLibrary, tempDir } from '../helpers/data';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workstation(db?: string): Workstation {
  const { dir, cleanup } = tempDir();
  const ws = createWorkstation({ catalogPath: db ?? join(dir, 'c.sqlite'), appRoot: repoRoot, workers: 2, userModelsDir: join(dir, 'models') });
  cleanups.push(cleanup, () => ws.close());
  return ws;
}

async function runJob(ws: Workstation, started: Promise<{ id: string }>) {
  const job = await ws.jobs.wait((await started).id);
  expect(job.state).toBe('done');
  return job.result as EmbeddingSummary;
}

describe('embedding job and similar-lesion search', () => {
  it('embeds every lesion once; lesions without their image get the other groups and are marked', async () => {
    const ws = workstation();
    await runJob(ws, ws.api.library.startImport({ paths: [fixture('deeplesion')] }));
    const first = await runJob(ws, ws.api.mining.startEmbedding({}));
    expect(first).toMatchObject({ model: 'scattering-texture', executionProvider: 'cpu', embedded: 33, withPixels: 3, withoutPixels: 30, failures: [], remaining: 0 });
    const again = await runJob(ws, ws.api.mining.startEmbedding({}));
    expect(again).toMatchObject({ embedded: 0, remaining: 0 });

    const model = ws.models.resolve();
    const layout = ws.catalogue.embeddings.layout(model.id)!;
    expect(layout.map((g) => [g.name, g.length])).toEqual([['texture', 651], ['intensity', 7], ['size', 4], ['location', 3], ['window', 2]]);
    const stored = ws.catalogue.embeddings.all(model.id);
    const withImage = stored.filter((e) => e.hasPixels);
    const withoutImage = stored.filter((e) => !e.hasPixels);
    expect(withImage.every((e) => e.vector.every((v) => Number.isFinite(v)))).toBe(true);
    // no image: texture and intensity missing (NaN); size and DeepLesion's location present
    for (const e of withoutImage) {
      expect(e.vector.subarray(0, 658).every(Number.isNaN)).toBe(true);
      expect(e.vector.subarray(658).every(Number.isFinite)).toBe(true);
    }
    const status = await ws.api.mining.embeddingStatus({});
    expect(status).toMatchObject({ lesions: 33, embedded: 33, withPixels: 3, missing: 0 });
  });

  it('re-embeds a lesion after its measurement changes, and finds similar lesions', async () => {
    const ws = workstation();
    await runJob(ws, ws.api.library.startImport({ paths: [sampleLibrary, fixture('deeplesion')] }));
    const [patient] = (await ws.api.catalogue.libraryTree()).filter((p) => p.patientId === 'Lung_Dx-A0002');
    const detail = await ws.api.catalogue.seriesDetail(patient!.studies[0]!.series[0]!.id);
    const slice = detail.sliceList[15]!;
    const drawn = await ws.api.lesions.create({
      instanceId: slice.instanceId,
      frame: 0,
      recist: { longAxis: [{ x: 150, y: 300 }, { x: 200, y: 320 }], shortAxis: [{ x: 170, y: 325 }, { x: 180, y: 295 }] },
      actor: 'test',
    });
    await runJob(ws, ws.api.mining.startEmbedding({}));
    const hits = await ws.api.mining.similar({ lesionId: drawn.id, k: 5 });
    expect(hits).toHaveLength(5);
    expect(hits.map((h) => h.lesion.id)).not.toContain(drawn.id);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.similarity).toBeGreaterThanOrEqual(hits[i]!.similarity);

    await new Promise((r) => setTimeout(r, 5)); // updated_at must be later than the embedding
    await ws.api.lesions.update({ lesionId: drawn.id, version: drawn.version, recist: { longAxis: [{ x: 150, y: 300 }, { x: 230, y: 330 }], shortAxis: null }, actor: 'test' });
    const after = await runJob(ws, ws.api.mining.startEmbedding({}));
    expect(after.embedded).toBe(1);
  });

  it('a killed embedding run leaves consistent results; the next run embeds the rest', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const total = writeRepeatedSampleTable(join(dir, 'table'), 6000);
    const db = join(dir, 'kill.sqlite');
    const cli = join(repoRoot, 'src-main', 'cli', 'lesion-ws.cjs');
    await new Promise((r) => spawn(process.execPath, [cli, 'import', join(dir, 'table'), '--db', db], { stdio: 'ignore' }).once('exit', r));
    await killOnceCommitted(['embed', '--db', db], db, 'SELECT count(*) AS n FROM embeddings');
    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    const done = (check.prepare('SELECT count(*) AS n FROM embeddings').get() as { n: number }).n;
    check.close();
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(total);
    const ws = workstation(db);
    const rest = await runJob(ws, ws.api.mining.startEmbedding({}));
    expect(rest.embedded).toBe(total - done);
    expect(rest.remaining).toBe(0);
  });
});

describe('the model registry', () => {
  it('adds a user model after checking it, and refuses one whose graph does not match its manifest', async () => {
    const ws = workstation();
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const { cpSync } = await import('node:fs');
    const good = join(dir, 'good');
    cpSync(join(repoRoot, 'models', 'scattering'), good, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(good, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(good, 'manifest.json'), JSON.stringify({ ...manifest, name: 'my-texture', version: '2.0.0' }));
    const added = await ws.api.models.add({ path: good });
    expect(added).toMatchObject({ name: 'my-texture', version: '2.0.0', task: 'embedding', origin: 'user', outputWidth: 651 });
    expect((await ws.api.models.list()).map((m) => m.name).sort()).toEqual(['my-texture', 'scattering-texture']);

    const bad = join(dir, 'bad');
    cpSync(good, bad, { recursive: true });
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...manifest, name: 'bad', input: { name: 'pixels', shape: ['N', 3, 64, 64], dtype: 'float32' } }));
    await expect(ws.api.models.add({ path: bad })).rejects.toThrow(/the model has inputs \[patch\], the manifest names "pixels"/);
    expect((await ws.api.models.list()).map((m) => m.name)).not.toContain('bad');
  });
});
