import { parentPort, workerData } from 'node:worker_threads';
import { openCatalogue } from '../catalogue/catalogue';
import { embedLesions, type EmbedBatchResult, type EmbedderContext } from '../embedding/embedder';
import { lesionImages } from '../imaging/lesion-images';
import { cacheDirFor } from '../paths';
import { PixelSourceCache } from '../imaging/pixel-sources';
import { loadModel } from '../inference/session';
import { serveWorkerTasks } from './pool';

/**
 * Embeds lesions off the main thread: reads the catalogue (read-only: WAL lets it read while the main thread
 * writes), decodes images, extracts patches and runs the ONNX session. Results go back to be written.
 */
export type EmbeddingTask = { kind: 'probe' } | { kind: 'embed'; lesionIds: number[] };
export type EmbeddingTaskResult =
  | { kind: 'probe'; executionProvider: string; fallbackReason: string | null }
  | ({ kind: 'embed' } & EmbedBatchResult);

const { catalogPath, modelDir, threads, batchSize } = workerData as { catalogPath: string | null; modelDir: string; threads?: number; batchSize?: number };
let context: Promise<EmbedderContext> | null = null;

function setUp(): Promise<EmbedderContext> {
  context ??= (async () => {
    const model = await loadModel(modelDir, { threads });
    if (!catalogPath) return { catalogue: null as never, images: null as never, model, batchSize: batchSize ?? 16 };
    const catalogue = openCatalogue(catalogPath, { readonly: true });
    return { catalogue, images: lesionImages(catalogue, new PixelSourceCache(32), { cacheDir: cacheDirFor(catalogPath) }), model, batchSize: batchSize ?? 16 };
  })();
  return context;
}

serveWorkerTasks<EmbeddingTask, EmbeddingTaskResult>(parentPort, async (task) => {
  const ctx = await setUp();
  if (task.kind === 'probe') return { kind: 'probe', executionProvider: ctx.model.executionProvider, fallbackReason: ctx.model.fallbackReason };
  return { kind: 'embed', ...(await embedLesions(ctx, task.lesionIds)) };
});
