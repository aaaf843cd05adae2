import { join } from 'node:path';
import type { EmbeddingSummary } from '../../contract';
import { runEmbeddingJob } from '../../core/embedding/embedding-job';
import { EventBus } from '../../core/events';
import { JobQueue } from '../../core/jobs/job-queue';
import { createWorkstation } from '../../core/workstation';

/**
 * End-to-end embedding throughput: the bundled lung CT with `lesions` synthetic RECIST measurements spread
 * over its slices, embedded by the real job (worker thread: decode, patch, ONNX, feature groups) once per
 * ONNX batch size. Measures only; prints nothing.
 */
export async function benchEmbedding(options: { appRoot: string; workDir: string; lesions: number; batchSizes: number[] }) {
  const rows: { batch: number; lesions: number; seconds: number; lesionsPerSecond: number; executionProvider: string }[] = [];
  for (const batch of options.batchSizes) {
    const ws = createWorkstation({ catalogPath: join(options.workDir, `bench-${batch}.sqlite`), appRoot: options.appRoot, workers: 2 });
    try {
      const imported = await ws.api.library.startImport({ paths: [join(options.appRoot, 'resources', 'sample-library')] });
      await ws.jobs.wait(imported.id);
      const [patient] = await ws.api.catalogue.libraryTree();
      const detail = await ws.api.catalogue.seriesDetail(patient!.studies[0]!.series[0]!.id);
      for (let i = 0; i < options.lesions; i++) {
        const slice = detail.sliceList[i % detail.sliceList.length]!;
        const cx = 180 + ((i * 37) % 150);
        const cy = 200 + ((i * 53) % 120);
        const r = 8 + (i % 20);
        // drawn as an annotator would draw them, through the same service
        await ws.api.lesions.create({
          instanceId: slice.instanceId,
          frame: slice.frame,
          recist: { longAxis: [{ x: cx - r, y: cy }, { x: cx + r, y: cy }], shortAxis: [{ x: cx, y: cy - r / 2 }, { x: cx, y: cy + r / 2 }] },
          actor: 'bench',
        });
      }
      const model = ws.models.resolve();
      const queue = new JobQueue(new EventBus());
      const started = Date.now();
      const job = queue.start('embed', 'bench', (ctx) => runEmbeddingJob(ws.catalogue, ws.events, model, ctx, { batchSize: batch }));
      const done = await queue.wait(job.id);
      const seconds = (Date.now() - started) / 1000;
      const summary = done.result as EmbeddingSummary;
      rows.push({ batch, lesions: summary.embedded, seconds, lesionsPerSecond: summary.embedded / seconds, executionProvider: summary.executionProvider });
    } finally {
      await ws.close();
    }
  }
  return rows;
}
