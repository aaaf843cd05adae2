import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ClusterEvaluation,
  ClusteringApi,
  ClusteringRunSummary,
  ClusterSummary,
  FeatureGroupName,
  FeatureWeights,
} from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { ClusteringRunRow } from '../catalogue/clustering-runs';
import { headManifest, headToOnnx } from '../clustering/head-onnx';
import { adjustedRandIndex, hungarianAccuracy, normalizedMutualInfo, purity } from '../clustering/metrics';
import { DEFAULT_HEAD, type ClusteringParams } from '../clustering/pipeline';
import type { LocationScale } from '../embedding/location-scale';
import type { EventBus } from '../events';
import { sha256File } from '../inference/session';
import type { ModelRegistry, RegisteredModel } from '../inference/model-registry';
import type { JobContext, JobQueue } from '../jobs/job-queue';
import { WorkerPool } from '../workers/pool';
import type { ClusteringTask, ClusteringTaskResult } from '../workers/clustering-worker';
import { NotFoundError } from './catalogue-service';

const GROUPS: FeatureGroupName[] = ['texture', 'intensity', 'size', 'location', 'window'];

/**
 * The groups a clustering uses unless told otherwise. Size is left out: lesion categories (DeepLesion's coarse
 * types, and the organ-based categories annotators curate) are anatomical, and every organ has small and large
 * lesions, so size splits categories instead of finding them. On the DeepLesion validation table k-means at
 * k = 8 reaches purity 0.655 / NMI 0.459 without it and 0.596 / 0.379 with it. Add it with --features.
 */
export const DEFAULT_CLUSTER_GROUPS: FeatureGroupName[] = ['texture', 'intensity', 'location', 'window'];

/** The weights a request means: listed groups at their weight (1 by default), the others switched off. */
export function weightsFor(features: FeatureGroupName[] | undefined, weights: FeatureWeights = {}): FeatureWeights {
  const used = new Set(features?.length ? features : DEFAULT_CLUSTER_GROUPS);
  return Object.fromEntries(GROUPS.map((g) => [g, used.has(g) ? (weights[g] ?? 1) : 0])) as FeatureWeights;
}

function withProgress(ctx: JobContext) {
  return (p: unknown) => {
    const { message, done, total } = p as { message: string; done: number; total: number };
    ctx.progress(done, total, message);
  };
}

export function clusteringService(
  catalogue: Catalogue,
  events: EventBus,
  jobs: JobQueue,
  models: ModelRegistry,
  options: { headModelsDir: string | null },
): ClusteringApi {
  const pool = () => new WorkerPool<ClusteringTask, ClusteringTaskResult>({ name: 'clustering-worker', size: 1, workerData: { catalogPath: catalogue.file } });

  async function runTask<R extends ClusteringTaskResult>(task: ClusteringTask, ctx: JobContext): Promise<R> {
    const workers = pool();
    try {
      return (await workers.run(task, { signal: ctx.signal, onProgress: withProgress(ctx) })) as R;
    } finally {
      await workers.close();
    }
  }

  function summary(run: ClusteringRunRow): ClusteringRunSummary {
    const model = catalogue.modelVersions.get(run.embeddingModelVersionId)!;
    const head = run.headModelVersionId === null ? null : catalogue.modelVersions.get(run.headModelVersionId);
    return {
      id: run.id,
      createdAt: run.createdAt,
      k: run.k,
      metric: run.metric,
      seed: run.seed,
      features: run.features as FeatureWeights,
      iterate: Boolean(run.params.iterate),
      rounds: run.rounds,
      lesions: run.lesions,
      inertia: run.inertia,
      silhouette: run.silhouette,
      embeddingModel: { id: model.id, name: model.name, version: model.version },
      headModel: head ? { id: head.id, name: head.name, version: head.version } : null,
      current: catalogue.clusteringRuns.current() === run.id,
      locationMmPerUnit: locationScaleOf(run)?.mmPerUnit ?? null,
    };
  }

  /** The location scale the run was clustered with (null: per-axis standardisation, as runs before it had). */
  function locationScaleOf(run: ClusteringRunRow): LocationScale | null {
    return (run.params.locationScale as LocationScale | undefined) ?? null;
  }

  function getRun(runId: number | undefined): ClusteringRunRow {
    const id = runId ?? catalogue.clusteringRuns.current();
    const run = id === null || id === undefined ? undefined : catalogue.clusteringRuns.get(id);
    if (!run) throw new NotFoundError(runId === undefined ? 'no clustering run yet' : `no clustering run ${runId}`);
    return run;
  }

  /** The head trained by the loop becomes a model version of its own: the loop's result is a model. */
  function saveHead(runId: number, result: Extract<ClusteringTaskResult, { kind: 'cluster' }>, base: RegisteredModel, weights: FeatureWeights): number | null {
    if (!result.head || !options.headModelsDir) return null;
    const name = `cluster-head-run-${runId}`;
    const dir = join(options.headModelsDir, name);
    mkdirSync(dir, { recursive: true });
    const onnx = headToOnnx(result.head, { mean: result.mean, scale: result.scale }, { name, version: '1' });
    writeFileSync(join(dir, 'model.onnx'), onnx);
    const layout = catalogue.embeddings.layout(base.id) ?? [];
    const manifest = headManifest(result.head, onnx, {
      name,
      version: '1',
      basedOn: {
        model: base.manifest.name,
        version: base.manifest.version,
        sha256: base.manifest.sha256,
        modelVersionId: base.id,
        groups: layout.map((g) => ({ ...g, weight: weights[g.name as FeatureGroupName] ?? 1 })),
      },
      description: `Projection head trained by the iterative loop of clustering run ${runId} (k = ${result.head.classes}).`,
      provenance: `trained by the workstation on the catalogue's own lesions, pseudo-labels of clustering run ${runId}; no external weights`,
    });
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return catalogue.modelVersions.register({
      name,
      version: '1',
      task: 'embedding',
      sha256: sha256File(join(dir, 'model.onnx')),
      path: dir,
      manifest,
      origin: `clustering run ${runId}`,
    });
  }

  return {
    async startClustering(request) {
      const model = models.resolve(request.model);
      const weights = weightsFor(request.features, request.weights);
      const params: ClusteringParams = {
        k: request.k,
        metric: request.metric ?? 'euclidean',
        seed: request.seed ?? 1,
        restarts: request.restarts ?? 10,
        iterate: request.iterate ?? false,
        maxRounds: request.maxRounds ?? 10,
        head: DEFAULT_HEAD,
      };
      const label = `Cluster into ${params.k}${params.iterate ? ' (iterative)' : ''}`;
      return jobs.start('cluster', label, async (ctx) => {
        const result = await runTask<Extract<ClusteringTaskResult, { kind: 'cluster' }>>({ kind: 'cluster', modelVersionId: model.id, weights, params }, ctx);
        const runId = catalogue.transaction(() => {
          const id = catalogue.clusteringRuns.create(
            {
              embeddingModelVersionId: model.id,
              headModelVersionId: null,
              k: params.k,
              metric: params.metric,
              seed: params.seed,
              features: weights as Record<string, number>,
              params: { restarts: params.restarts, iterate: params.iterate, maxRounds: params.maxRounds, head: params.head, locationScale: result.locationScale },
              rounds: result.rounds,
              inertia: result.inertia,
              silhouette: result.silhouette,
              lesions: result.lesionIds.length,
            },
            { lesionIds: result.lesionIds, labels: result.labels, distances: result.distances },
          );
          catalogue.clusteringRuns.setCurrent(id);
          return id;
        });
        const headId = saveHead(runId, result, model, weights);
        if (headId !== null) catalogue.clusteringRuns.setHead(runId, headId);
        events.emit('clustering.changed', { runId });
        return summary(catalogue.clusteringRuns.get(runId)!);
      });
    },

    async runs() {
      return catalogue.clusteringRuns.list().map(summary);
    },

    async run(runId) {
      const run = getRun(runId);
      const byCluster = new Map<number, { lesionId: number; distance: number }[]>();
      for (const a of catalogue.clusteringRuns.assignments(run.id)) {
        const list = byCluster.get(a.cluster) ?? [];
        list.push(a);
        byCluster.set(a.cluster, list);
      }
      const clusters: ClusterSummary[] = [];
      for (let c = 0; c < run.k; c++) {
        const members = (byCluster.get(c) ?? []).sort((a, b) => a.distance - b.distance);
        const lesions = catalogue.lesions.getMany(members.map((m) => m.lesionId));
        const withImage = new Set(lesions.filter((l) => l.instanceId !== null).map((l) => l.id));
        const countOf = (list: typeof lesions) => {
          const counts = new Map<number, number>();
          for (const l of list) if (l.categoryId !== null) counts.set(l.categoryId, (counts.get(l.categoryId) ?? 0) + 1);
          return [...counts].sort((a, b) => b[1] - a[1])[0] ?? null;
        };
        const reviewed = lesions.filter((l) => l.reviewStatus === 'reviewed');
        const dominantReviewed = countOf(reviewed);
        const dominant = countOf(lesions);
        const types: Record<string, number> = {};
        let mmSum = 0;
        let mmCount = 0;
        const loc = [0, 0, 0];
        let locCount = 0;
        for (const l of lesions) {
          if (l.referenceType !== null) types[l.referenceType] = (types[l.referenceType] ?? 0) + 1;
          if (l.longAxisMm !== null) {
            mmSum += l.longAxisMm;
            mmCount++;
          }
          const nl = l.attributes.normalizedLocation;
          if (Array.isArray(nl) && nl.length === 3) {
            for (let i = 0; i < 3; i++) loc[i]! += nl[i] as number;
            locCount++;
          }
        }
        // named (most members carry one category) > what the reviewed members mostly are > its number
        const categoryId = dominant && dominant[1] * 2 >= members.length ? dominant[0] : null;
        const nameFrom = categoryId ?? dominantReviewed?.[0] ?? null;
        clusters.push({
          cluster: c,
          suggestedName: (nameFrom !== null ? catalogue.categories.resolve(nameFrom)?.name : null) ?? `Cluster ${c + 1}`,
          categoryId,
          size: members.length,
          reviewed: reviewed.length,
          medoids: members.slice(0, 5).map((m) => m.lesionId),
          outliers: members.slice(-5).reverse().map((m) => m.lesionId),
          medoidsWithImage: members.filter((m) => withImage.has(m.lesionId)).slice(0, 4).map((m) => m.lesionId),
          meanLongAxisMm: mmCount ? mmSum / mmCount : null,
          meanLocation: locCount ? (loc.map((v) => v / locCount) as [number, number, number]) : null,
          referenceTypes: types,
        });
      }
      return { run: summary(run), clusters };
    },

    async setCurrentRun(runId) {
      getRun(runId);
      catalogue.clusteringRuns.setCurrent(runId);
      events.emit('clustering.changed', { runId });
    },

    async members({ runId, cluster, offset, limit, order }) {
      const run = getRun(runId);
      const members = catalogue.clusteringRuns
        .assignments(run.id)
        .filter((a) => a.cluster === cluster)
        .sort((a, b) => (order === 'farthest' ? b.distance - a.distance : a.distance - b.distance));
      const page = members.slice(offset, offset + limit);
      return { total: members.length, lesionIds: page.map((m) => m.lesionId), distances: page.map((m) => m.distance) };
    },

    async startKSuggestion(input) {
      const model = models.resolve(input.model);
      const weights = weightsFor(input.features);
      // the suggestion looks at the same groups a run with these features would use
      return jobs.start('suggest-k', `Suggest k in ${input.kMin}..${input.kMax}`, async (ctx) => {
        const result = await runTask<Extract<ClusteringTaskResult, { kind: 'suggest-k' }>>(
          { kind: 'suggest-k', modelVersionId: model.id, weights, kMin: input.kMin, kMax: input.kMax, metric: input.metric ?? 'euclidean', seed: input.seed ?? 1 },
          ctx,
        );
        return result.suggestion;
      });
    },

    async startMap({ runId }) {
      const run = getRun(runId);
      const lesionIds = catalogue.clusteringRuns.assignments(run.id).map((a) => a.lesionId);
      return jobs.start('map', `Map of run ${run.id}`, async (ctx) => {
        const result = await runTask<Extract<ClusteringTaskResult, { kind: 'map' }>>(
          {
            kind: 'map',
            modelVersionId: run.embeddingModelVersionId,
            weights: run.features as FeatureWeights,
            locationScale: locationScaleOf(run),
            lesionIds,
            seed: run.seed,
          },
          ctx,
        );
        catalogue.transaction(() => catalogue.clusteringRuns.saveMap(run.id, result.lesionIds, result.xy));
        events.emit('clustering.changed', { runId: run.id });
        return { runId: run.id, points: result.lesionIds.length };
      });
    },

    async map(runId) {
      const run = getRun(runId);
      const points = catalogue.clusteringRuns.map(run.id);
      if (!points.length) return null;
      const cluster = new Map(catalogue.clusteringRuns.assignments(run.id).map((a) => [a.lesionId, a.cluster]));
      return {
        runId: run.id,
        lesionIds: points.map((p) => p.lesionId),
        x: points.map((p) => p.x),
        y: points.map((p) => p.y),
        clusters: points.map((p) => cluster.get(p.lesionId) ?? -1),
      };
    },

    async mergeClusters({ runId, from, into, actor }) {
      const run = getRun(runId);
      if (from === into) return;
      catalogue.transaction(() => {
        catalogue.clusteringRuns.mergeClusters(run.id, from, into);
        catalogue.audit.record({ actor, entity: 'clustering-run', entityId: run.id, action: 'merge-clusters', before: { cluster: from }, after: { cluster: into } });
      });
      events.emit('clustering.changed', { runId: run.id });
    },

    async moveToCluster({ runId, lesionIds, cluster, actor }) {
      const run = getRun(runId);
      const before = catalogue.clusteringRuns.assignments(run.id).filter((a) => lesionIds.includes(a.lesionId));
      catalogue.transaction(() => {
        catalogue.clusteringRuns.moveLesions(run.id, lesionIds, cluster);
        catalogue.audit.record({
          actor,
          entity: 'clustering-run',
          entityId: run.id,
          action: 'move-lesions',
          before: before.map((a) => ({ lesionId: a.lesionId, cluster: a.cluster })),
          after: { lesionIds, cluster },
        });
      });
      events.emit('clustering.changed', { runId: run.id });
    },

    async splitCluster({ runId, cluster, k, actor }) {
      const run = getRun(runId);
      const members = catalogue.clusteringRuns.assignments(run.id).filter((a) => a.cluster === cluster);
      if (members.length < k) throw new NotFoundError(`cluster ${cluster} has ${members.length} lesions, fewer than ${k}`);
      const workers = pool();
      let result: Extract<ClusteringTaskResult, { kind: 'split' }>;
      try {
        result = (await workers.run({
          kind: 'split',
          modelVersionId: run.embeddingModelVersionId,
          weights: run.features as FeatureWeights,
          locationScale: locationScaleOf(run),
          lesionIds: members.map((m) => m.lesionId),
          k,
          seed: run.seed,
          metric: run.metric,
        })) as Extract<ClusteringTaskResult, { kind: 'split' }>;
      } finally {
        await workers.close();
      }
      // part 0 keeps the cluster's number, the others take new numbers after the run's last
      const numbers = Array.from({ length: k }, (_, part) => (part === 0 ? cluster : run.k + part - 1));
      catalogue.transaction(() => {
        catalogue.clusteringRuns.reassign(
          run.id,
          result.lesionIds.map((lesionId, i) => ({ lesionId, cluster: numbers[result.labels[i]!]!, distance: result.distances[i]! })),
          run.k + k - 1,
        );
        catalogue.audit.record({ actor, entity: 'clustering-run', entityId: run.id, action: 'split-cluster', before: { cluster, k: run.k }, after: { clusters: numbers } });
      });
      events.emit('clustering.changed', { runId: run.id });
      return { clusters: numbers };
    },

    async evaluate({ runId, split }): Promise<ClusterEvaluation> {
      const run = getRun(runId);
      const wanted = split ?? 'all';
      const assignments = catalogue.clusteringRuns.assignments(run.id);
      const lesions = new Map(catalogue.lesions.getMany(assignments.map((a) => a.lesionId)).map((l) => [l.id, l]));
      const labels: number[] = [];
      const truth: number[] = [];
      for (const a of assignments) {
        const l = lesions.get(a.lesionId);
        if (!l || l.referenceType === null) continue;
        if (wanted !== 'all' && l.split !== wanted) continue;
        labels.push(a.cluster);
        truth.push(l.referenceType);
      }
      if (!labels.length) throw new NotFoundError(`no lesion of run ${run.id} has a reference type${wanted === 'all' ? '' : ` in the ${wanted} split`}`);
      return {
        run: run.id,
        split: wanted,
        lesions: labels.length,
        k: run.k,
        purity: purity(labels, truth),
        nmi: normalizedMutualInfo(labels, truth),
        ari: adjustedRandIndex(labels, truth),
        accuracy: hungarianAccuracy(labels, truth),
      };
    },
  };
}
