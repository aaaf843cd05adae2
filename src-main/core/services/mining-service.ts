import type { FeatureWeights, MiningApi, ModelsApi } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { runEmbeddingJob } from '../embedding/embedding-job';
import { catalogueLocationScale } from '../embedding/location-scale';
import { featureMatrix, nearestRows, type FeatureMatrix } from '../embedding/similarity';
import type { EventBus } from '../events';
import type { ModelRegistry } from '../inference/model-registry';
import type { JobQueue } from '../jobs/job-queue';
import { WorkerPool } from '../workers/pool';
import type { EmbeddingTask, EmbeddingTaskResult } from '../workers/embedding-worker';
import { NotFoundError } from './catalogue-service';

export function modelsService(models: ModelRegistry): ModelsApi {
  let runtime: Promise<{ executionProvider: 'cuda' | 'cpu'; fallbackReason: string | null }> | null = null;
  return {
    async list() {
      return models.all().map((m) => models.info(m));
    },
    async add({ path }) {
      return models.info(await models.add(path));
    },
    /** Found once per process by opening the default model in a worker (never on the main thread). */
    runtime() {
      runtime ??= (async () => {
        const model = models.resolve();
        const pool = new WorkerPool<EmbeddingTask, EmbeddingTaskResult>({ name: 'embedding-worker', size: 1, workerData: { catalogPath: null, modelDir: model.dir } });
        try {
          const probe = await pool.run({ kind: 'probe' });
          if (probe.kind !== 'probe') throw new Error('unexpected probe answer');
          return { executionProvider: probe.executionProvider === 'cuda' ? ('cuda' as const) : ('cpu' as const), fallbackReason: probe.fallbackReason };
        } finally {
          await pool.close();
        }
      })();
      runtime.catch(() => (runtime = null));
      return runtime;
    },
  };
}

export function miningService(catalogue: Catalogue, events: EventBus, jobs: JobQueue, models: ModelRegistry): MiningApi {
  const matrices = new Map<string, FeatureMatrix>();
  events.on((name) => {
    if (name === 'embeddings.changed' || name === 'lesions.changed') matrices.clear();
  });

  function matrixFor(modelVersionId: number, weights: FeatureWeights): FeatureMatrix {
    const key = `${modelVersionId}:${JSON.stringify(weights)}`;
    let matrix = matrices.get(key);
    if (!matrix) {
      const layout = catalogue.embeddings.layout(modelVersionId);
      if (!layout) throw new NotFoundError('no embeddings for this model yet: run the embedding job first');
      const stored = catalogue.embeddings.all(modelVersionId);
      // location in mm, as clustering measures it, so that "similar" means near in the body, not near on each axis
      const scale = weights.location === 0 ? null : catalogueLocationScale(catalogue, stored, layout);
      matrix = featureMatrix(stored, layout, weights, { units: scale ? { location: scale.mmPerUnit } : {} });
      matrices.set(key, matrix);
    }
    return matrix;
  }

  return {
    async startEmbedding({ model }) {
      const resolved = models.resolve(model);
      return jobs.start('embed', `Embed lesions with ${resolved.manifest.name} ${resolved.manifest.version}`, (ctx) => runEmbeddingJob(catalogue, events, resolved, ctx));
    },
    async embeddingStatus({ model }) {
      const resolved = models.resolve(model);
      const counts = catalogue.embeddings.count(resolved.id);
      return {
        model: resolved.manifest.name,
        modelVersionId: resolved.id,
        lesions: catalogue.lesions.count(),
        embedded: counts.n,
        withPixels: counts.withPixels,
        missing: catalogue.embeddings.countMissing(resolved.id),
      };
    },
    async similar({ lesionId, k, model, weights }) {
      const resolved = models.resolve(model);
      const matrix = matrixFor(resolved.id, weights ?? {});
      const row = matrix.rowOf.get(lesionId);
      if (row === undefined) throw new NotFoundError(`lesion ${lesionId} has no embedding for ${resolved.manifest.name}: run the embedding job`);
      return nearestRows(matrix, row, k).map((r) => ({ lesion: catalogue.lesions.get(matrix.lesionIds[r.row]!), similarity: r.similarity }));
    },
  };
}
