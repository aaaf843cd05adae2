import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusteringRunSummary, KSuggestion } from '../../src-main/contract';
import { adjustedRandIndex, hungarianAccuracy, normalizedMutualInfo, purity } from '../../src-main/core/clustering/metrics';
import { loadModel } from '../../src-main/core/inference/session';
import type { Workstation } from '../../src-main/core/workstation';
import { finished as finishedJob } from '../helpers/jobs';
import { deepLesionSample, fixture, repoRoot } from '../helpers/data';
import { testWorkstation } from '../helpers/workstation';

let ws: Workstation;
let db: string;
let close: () => Promise<void>;

const finished = <T>(started: Promise<{ id: string }>) => finishedJob<T>(ws, started);

beforeAll(async () => {
  ({ ws, db, close } = testWorkstation());
  // the DeepLesion validation table (4,889 lesions), as bundled
  await finished(ws.api.library.startImport({ paths: [join(deepLesionSample, 'DL_info_val.csv')] }));
  await finished(ws.api.mining.startEmbedding({}));
}, 120_000);
afterAll(() => close());

describe('clustering runs', () => {
  it('stores a run with every assignment and per-cluster summaries; the same seed gives the same run', async () => {
    const a = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 4, seed: 5 }));
    const b = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 4, seed: 5 }));
    const lesions = (await ws.api.catalogue.stats()).lesions;
    expect(a).toMatchObject({ k: 4, lesions, iterate: false, metric: 'euclidean', headModel: null });
    expect(a.features).toEqual({ texture: 1, intensity: 1, size: 0, location: 1, window: 1 });
    const la = ws.catalogue.clusteringRuns.assignments(a.id).map((x) => x.cluster);
    const lb = ws.catalogue.clusteringRuns.assignments(b.id).map((x) => x.cluster);
    expect(la).toEqual(lb);
    const detail = await ws.api.clustering.run(a.id);
    expect(detail.clusters.reduce((s, c) => s + c.size, 0)).toBe(lesions);
    for (const c of detail.clusters) {
      expect(c.suggestedName).toBe(`Cluster ${c.cluster + 1}`);
      const members = await ws.api.clustering.members({ runId: a.id, cluster: c.cluster, offset: 0, limit: 100_000 });
      expect(members.total).toBe(c.size);
      expect(members.lesionIds.slice(0, c.medoids.length)).toEqual(c.medoids);
      for (let i = 1; i < members.distances.length; i++) expect(members.distances[i]).toBeGreaterThanOrEqual(members.distances[i - 1]!);
    }
  });

  it('runs the iterative loop to convergence and saves its head as a model version that loads', async () => {
    const run = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 4, iterate: true, seed: 2 }));
    expect(run.iterate).toBe(true);
    expect(run.rounds[0]!.changedFraction).toBeNull();
    const last = run.rounds.at(-1)!;
    expect(last.changedFraction! < 0.01 || run.rounds.length === 11).toBe(true);
    expect(run.headModel).toMatchObject({ name: `cluster-head-run-${run.id}`, version: '1' });
    const models = await ws.api.models.list();
    const head = models.find((m) => m.name === run.headModel!.name)!;
    expect(head.outputWidth).toBe(32); // its first output: the 32-wide projection (then the 4 cluster probabilities)
    const loaded = await loadModel(head.path, { providers: ['cpu'], threads: 1 });
    expect(loaded.manifest.input.kind).toBe('features');
    await loaded.session.release();
  });

  it('restores an earlier run as the current one', async () => {
    const runs = await ws.api.clustering.runs();
    const oldest = runs.at(-1)!;
    await ws.api.clustering.setCurrentRun(oldest.id);
    expect((await ws.api.clustering.runs()).find((r) => r.current)!.id).toBe(oldest.id);
    expect((await ws.api.clustering.run(oldest.id)).run.current).toBe(true);
  });

  it('evaluates against reference types with the metrics checked against sklearn, counting only typed lesions', async () => {
    const run = (await ws.api.clustering.runs())[0]!;
    const e = await ws.api.clustering.evaluate({ runId: run.id, split: 'val' });
    const typed = ws.catalogue.clusteringRuns
      .assignments(run.id)
      .map((a) => ({ cluster: a.cluster, type: ws.catalogue.lesions.get(a.lesionId).referenceType }))
      .filter((x) => x.type !== null);
    const labels = typed.map((x) => x.cluster);
    const truth = typed.map((x) => x.type!);
    expect(e).toEqual({
      run: run.id,
      split: 'val',
      lesions: typed.length,
      k: run.k,
      purity: purity(labels, truth),
      nmi: normalizedMutualInfo(labels, truth),
      ari: adjustedRandIndex(labels, truth),
      accuracy: hungarianAccuracy(labels, truth),
    });
    await expect(ws.api.clustering.evaluate({ runId: run.id, split: 'test' })).rejects.toThrow(/no lesion of run \d+ has a reference type in the test split/);
  });

  it('suggests k and lays out a cached map, both as jobs with progress', async () => {
    const progress: number[] = [];
    const off = ws.events.on((name, payload) => {
      const job = payload as { kind: string; progress: { done: number } };
      if (name === 'job.updated' && job.kind === 'suggest-k') progress.push(job.progress.done);
    });
    const suggestion = await finished<KSuggestion>(ws.api.clustering.startKSuggestion({ kMin: 2, kMax: 6 }));
    off();
    expect(suggestion.points.map((p) => p.k)).toEqual([2, 3, 4, 5, 6]);
    expect(suggestion.points.map((p) => p.k)).toContain(suggestion.suggested);
    expect(Math.max(...progress)).toBeGreaterThan(0);

    const run = (await ws.api.clustering.runs()).find((r) => r.current)!;
    expect(await ws.api.clustering.map(run.id)).toBeNull();
    await finished(ws.api.clustering.startMap({ runId: run.id }));
    const map = (await ws.api.clustering.map(run.id))!;
    expect(map.lesionIds).toHaveLength(run.lesions);
    expect(map.x.every(Number.isFinite) && map.y.every(Number.isFinite)).toBe(true);
    expect(new Set(map.clusters).size).toBe(run.k);
  });

  it('prints the exact JSON the CLI promises for cluster and evaluate', async () => {
    const run = promisify(execFile);
    const cli = join(repoRoot, 'src-main', 'cli', 'lesion-ws.cjs');
    const cluster = JSON.parse((await run(process.execPath, [cli, 'cluster', '--db', db, '--k', '3', '--iterate', '--seed', '4', '--json'])).stdout);
    expect(Object.keys(cluster)).toEqual(['run', 'k', 'lesions', 'rounds', 'changedLastRound']);
    expect(cluster).toMatchObject({ k: 3, lesions: (await ws.api.catalogue.stats()).lesions });
    const evaluation = JSON.parse((await run(process.execPath, [cli, 'evaluate', '--db', db, '--run', String(cluster.run), '--split', 'all', '--json'])).stdout);
    expect(Object.keys(evaluation)).toEqual(['run', 'lesions', 'k', 'purity', 'nmi', 'ari', 'accuracy']);
    expect(evaluation.run).toBe(cluster.run);
  });
});

describe('categories of the DeepLesion validation table (k = 8, the issue-5 goal)', () => {
  it('measures location in mm, as an independent reading of the table does', async () => {
    const reference = JSON.parse(readFileSync(fixture('clustering', 'location-scale.json'), 'utf8')) as { mmPerUnit: number[] };
    const run = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 8, seed: 1 }));
    expect(run.locationMmPerUnit).not.toBeNull();
    // float32 locations in the catalogue against the table's decimals: equal to well under 1%
    run.locationMmPerUnit!.forEach((v, axis) => expect(Math.abs(v / reference.mmPerUnit[axis]! - 1)).toBeLessThan(0.005));
  });

  it.each([false, true])('groups the lesions above purity 0.70 and NMI 0.50 without their types (iterate: %s)', async (iterate) => {
    const run = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 8, seed: 1, iterate }));
    const e = await ws.api.clustering.evaluate({ runId: run.id, split: 'val' });
    expect(e.lesions).toBe(4889);
    expect(e.purity).toBeGreaterThan(0.7);
    expect(e.nmi).toBeGreaterThan(0.5);
  });
});
