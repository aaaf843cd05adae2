import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ClusteringRunSummary, JobInfo, JobKind, KSuggestion } from '../../contract';
import { kmeans } from '../../core/clustering/kmeans';
import { catalogueLocationScale } from '../../core/embedding/location-scale';
import { featureMatrix } from '../../core/embedding/similarity';
import { weightsFor } from '../../core/services/clustering-service';
import { createWorkstation, type Workstation } from '../../core/workstation';
import { writeRepeatedTable } from './repeated-table';

/**
 * Deep mining at archive sizes: the DeepLesion validation table as bundled (4,889 lesions), and repeated under
 * other patient numbers to about 34,000 (the size of the whole DeepLesion release). Each step runs as the app
 * runs it (a job, in the clustering worker): import, embedding (no pixels here), k-means++ at k = 8, the
 * iterative loop, the k suggestion over 4..12 and the UMAP map. Then the peer check: the same k-means (k = 8, 10
 * restarts) on the same matrix, here and in scikit-learn. Measures only; prints nothing.
 */
export interface ClusteringBenchStep {
  step: string;
  seconds: number;
  detail: string;
}

export interface ClusteringBenchResult {
  sizes: { lesions: number; steps: ClusteringBenchStep[] }[];
  peer: {
    lesions: number;
    dims: number;
    oursSeconds: number;
    oursInertia: number;
    sklearn: { seconds: number; inertia: number; version: string } | string;
  };
}

const execFileAsync = promisify(execFile);
const SKLEARN_SCRIPT = resolve(__dirname, 'kmeans-reference.py');

async function timed<K extends JobKind, T>(ws: Workstation, started: Promise<JobInfo<K>>): Promise<{ result: T; seconds: number }> {
  const t0 = performance.now();
  const job = await ws.jobs.wait((await started).id);
  if (job.state !== 'done') throw new Error(`${job.kind} ${job.state}: ${job.error ?? ''}`);
  return { result: job.result as T, seconds: (performance.now() - t0) / 1000 };
}

async function sklearnKMeans(python: string, dir: string, data: Float32Array, n: number, d: number): Promise<ClusteringBenchResult['peer']['sklearn']> {
  if (spawnSync(python, ['-c', 'import sklearn, threadpoolctl'], { stdio: 'ignore', timeout: 120_000 }).status !== 0) return `no scikit-learn under ${python}`;
  const path = join(dir, 'matrix.f32');
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(join(dir, 'kmeans-job.json'), JSON.stringify({ path, n, d, k: 8, n_init: 10, threads: 2 }));
  const { stdout } = await execFileAsync(python, [SKLEARN_SCRIPT, join(dir, 'kmeans-job.json')], { timeout: 30 * 60_000 });
  const r = JSON.parse(stdout) as { seconds: number; inertia: number; sklearn: string };
  return { seconds: r.seconds, inertia: r.inertia, version: r.sklearn };
}

export async function benchClustering(options: { appRoot: string; workDir: string; sizes: number[]; python?: string }): Promise<ClusteringBenchResult> {
  const table = join(options.appRoot, 'resources', 'sample-deeplesion', 'DL_info_val.csv');
  const sizes: ClusteringBenchResult['sizes'] = [];
  let peer: ClusteringBenchResult['peer'] | null = null;
  for (const [i, size] of options.sizes.entries()) {
    const folder = join(options.workDir, `table-${i}`);
    writeRepeatedTable(table, folder, size);
    const ws = createWorkstation({ catalogPath: join(options.workDir, `bench-${i}.sqlite`), appRoot: options.appRoot, workers: 2 });
    try {
      const steps: ClusteringBenchStep[] = [];
      const imported = await timed<'import', { lesionsAdded: number }>(ws, ws.api.library.startImport({ paths: [folder] }));
      const lesions = (await ws.api.catalogue.stats()).lesions;
      steps.push({ step: 'import the table', seconds: imported.seconds, detail: `${lesions} lesions` });
      const embedded = await timed<'embed', { embedded: number }>(ws, ws.api.mining.startEmbedding({}));
      steps.push({ step: 'embed (no pixels: size, location, window)', seconds: embedded.seconds, detail: `${embedded.result.embedded} lesions` });
      const plain = await timed<'cluster', ClusteringRunSummary>(ws, ws.api.clustering.startClustering({ k: 8, seed: 1 }));
      const quality = await ws.api.clustering.evaluate({ runId: plain.result.id, split: 'val' });
      steps.push({ step: 'k-means++ k = 8, 10 restarts', seconds: plain.seconds, detail: `purity ${quality.purity.toFixed(3)}, NMI ${quality.nmi.toFixed(3)} (val)` });
      const loop = await timed<'cluster', ClusteringRunSummary>(ws, ws.api.clustering.startClustering({ k: 8, seed: 1, iterate: true }));
      const last = loop.result.rounds.at(-1)!;
      steps.push({
        step: 'k = 8 with the iterative loop',
        seconds: loop.seconds,
        detail: `${loop.result.rounds.length} rounds, ${(100 * (last.changedFraction ?? 0)).toFixed(2)}% changed in the last`,
      });
      const suggestion = await timed<'suggest-k', KSuggestion>(ws, ws.api.clustering.startKSuggestion({ kMin: 4, kMax: 12 }));
      steps.push({ step: 'suggest k over 4..12', seconds: suggestion.seconds, detail: `suggested k = ${suggestion.result.suggested}` });
      const map = await timed<'map', { points: number }>(ws, ws.api.clustering.startMap({ runId: plain.result.id }));
      steps.push({ step: 'UMAP map of the run', seconds: map.seconds, detail: `${map.result.points} points` });
      sizes.push({ lesions, steps });

      if (i === options.sizes.length - 1) {
        // the matrix the clustering worker builds for a default run, clustered here in-process
        const model = ws.models.resolve();
        const stored = ws.catalogue.embeddings.all(model.id);
        const layout = ws.catalogue.embeddings.layout(model.id)!;
        const weights = weightsFor(undefined);
        const scale = catalogueLocationScale(ws.catalogue, stored, layout);
        const m = featureMatrix(stored, layout, weights, { unitRows: false, units: scale ? { location: scale.mmPerUnit } : {} });
        const n = m.lesionIds.length;
        const t0 = performance.now();
        const ours = kmeans(m.data, n, m.dims, { k: 8, restarts: 10, seed: 1 });
        const oursSeconds = (performance.now() - t0) / 1000;
        const sklearn = await sklearnKMeans(options.python ?? '/usr/bin/python3', options.workDir, m.data, n, m.dims);
        peer = { lesions: n, dims: m.dims, oursSeconds, oursInertia: ours.inertia, sklearn };
      }
    } finally {
      await ws.close();
    }
  }
  return { sizes, peer: peer! };
}
