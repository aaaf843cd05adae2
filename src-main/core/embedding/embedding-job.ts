import type { EmbeddingSummary } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { EventBus } from '../events';
import type { RegisteredModel } from '../inference/model-registry';
import type { JobContext } from '../jobs/job-queue';
import { WorkerPool } from '../workers/pool';
import type { EmbeddingTask, EmbeddingTaskResult } from '../workers/embedding-worker';
import { embeddingLayout } from './embedder';

const LESIONS_PER_TASK = 64;

/**
 * Embeds every lesion lacking an embedding for the model. The work (decoding, patches, ONNX) runs in a
 * worker thread; each batch is written in one transaction, so a cancel or a kill keeps what was done and
 * the next run embeds the rest.
 */
export async function runEmbeddingJob(
  catalogue: Catalogue,
  events: EventBus,
  model: RegisteredModel,
  ctx: JobContext,
  options: { threads?: number; batchSize?: number } = {},
): Promise<EmbeddingSummary> {
  const layout = embeddingLayout(model.manifest);
  catalogue.transaction(() => {
    // a different layout (the feature groups changed with this version of the workstation) invalidates them all
    const previous = catalogue.embeddings.layout(model.id);
    if (previous && JSON.stringify(previous) !== JSON.stringify(layout)) catalogue.embeddings.dropAll(model.id);
    catalogue.embeddings.setLayout(model.id, layout);
    catalogue.embeddings.dropStale(model.id);
  });
  const total = catalogue.embeddings.countMissing(model.id);
  const summary: EmbeddingSummary = {
    model: model.manifest.name,
    modelVersionId: model.id,
    executionProvider: 'cpu',
    embedded: 0,
    withPixels: 0,
    withoutPixels: 0,
    failures: [],
    remaining: total,
  };
  if (!total) return summary;
  const pool = new WorkerPool<EmbeddingTask, EmbeddingTaskResult>({
    name: 'embedding-worker',
    size: 1,
    taskTimeoutMs: 10 * 60_000,
    workerData: { catalogPath: catalogue.file, modelDir: model.dir, threads: options.threads, batchSize: options.batchSize },
  });
  try {
    ctx.progress(0, total, `Loading ${model.manifest.name}`);
    const probe = await pool.run({ kind: 'probe' });
    if (probe.kind === 'probe') summary.executionProvider = probe.executionProvider;
    let attempted = new Set<number>();
    while (!ctx.signal.aborted) {
      const ids = catalogue.embeddings.missing(model.id, LESIONS_PER_TASK + attempted.size).filter((id) => !attempted.has(id)).slice(0, LESIONS_PER_TASK);
      if (!ids.length) break;
      const result = await pool.run({ kind: 'embed', lesionIds: ids });
      if (result.kind !== 'embed') break;
      catalogue.transaction(() => {
        for (const r of result.results) catalogue.embeddings.put(model.id, r);
      });
      attempted = new Set([...attempted, ...ids.filter((id) => !result.results.some((r) => r.lesionId === id))]);
      summary.embedded += result.results.length;
      summary.withPixels += result.results.filter((r) => r.hasPixels).length;
      summary.withoutPixels += result.results.filter((r) => !r.hasPixels).length;
      summary.failures.push(...result.failures);
      ctx.progress(summary.embedded, total, `${summary.embedded} of ${total} lesions embedded on ${summary.executionProvider.toUpperCase()}`);
      events.emit('embeddings.changed', { modelVersionId: model.id });
    }
  } finally {
    await pool.close();
  }
  summary.remaining = catalogue.embeddings.countMissing(model.id);
  return summary;
}
