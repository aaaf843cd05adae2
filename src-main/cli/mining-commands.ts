import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EmbeddingSummary } from '../contract';
import { openWorkstation } from './commands';

function needCatalogue(db: string): boolean {
  if (existsSync(db)) return true;
  process.stderr.write(`no catalogue at ${db}\n`);
  return false;
}

/** `lesion-ws embed`: embeds every lesion lacking an embedding for the model; Ctrl+C keeps what is done. */
export async function runEmbed(options: { db: string; model?: string; json: boolean }): Promise<number> {
  if (!needCatalogue(options.db)) return 1;
  const ws = openWorkstation(options.db);
  const stop = () => ws.jobs.list().forEach((j) => ws.jobs.cancel(j.id));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let last = 0;
    const off = ws.events.on((name, payload) => {
      if (options.json || name !== 'job.updated' || !process.stderr.isTTY || Date.now() - last < 250) return;
      last = Date.now();
      const p = (payload as { progress: { message: string } }).progress;
      process.stderr.write(`\r${p.message}`.padEnd(80));
    });
    const started = await ws.api.mining.startEmbedding({ model: options.model });
    const job = await ws.jobs.wait(started.id);
    off();
    if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
    if (job.state === 'failed' || !job.result) {
      process.stderr.write(`embedding failed: ${job.error ?? job.state}\n`);
      return 1;
    }
    const r = job.result as EmbeddingSummary;
    if (options.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        `${r.embedded} lesions embedded with ${r.model} on ${r.executionProvider.toUpperCase()} (${r.withPixels} with their image, ${r.withoutPixels} without)` +
          `${r.remaining ? `; ${r.remaining} remain (run again)` : ''}\n`,
      );
      for (const f of r.failures) process.stdout.write(`  lesion ${f.lesionId}: image not read (${f.reason})\n`);
    }
    return job.state === 'cancelled' ? 130 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ws.close();
  }
}

/** `lesion-ws similar`: the k lesions nearest to one by cosine similarity of their embeddings. */
export async function runSimilar(options: { db: string; lesion: number; k: number; model?: string; json: boolean }): Promise<number> {
  if (!needCatalogue(options.db)) return 1;
  const ws = openWorkstation(options.db, 1);
  try {
    const hits = await ws.api.mining.similar({ lesionId: options.lesion, k: options.k, model: options.model });
    const rows = hits.map((h) => ({
      id: h.lesion.id,
      similarity: h.similarity,
      source: h.lesion.source,
      referenceType: h.lesion.referenceType,
      longAxisMm: h.lesion.longAxisMm,
      instanceId: h.lesion.instanceId,
      keySlice: h.lesion.keySliceRef,
    }));
    if (options.json) process.stdout.write(`${JSON.stringify({ lesion: options.lesion, k: options.k, similar: rows })}\n`);
    else for (const r of rows) process.stdout.write(`${r.id}\t${r.similarity.toFixed(3)}\t${r.source}\ttype ${r.referenceType ?? '-'}\t${r.keySlice}\n`);
    return 0;
  } finally {
    await ws.close();
  }
}

/** `lesion-ws models [add <dir>]`: the models this workstation knows and the execution provider in use. */
export async function runModels(options: { db: string; add?: string; json: boolean }): Promise<number> {
  const ws = openWorkstation(options.db, 1);
  try {
    if (options.add) {
      const added = await ws.api.models.add({ path: resolve(options.add) });
      process.stdout.write(options.json ? `${JSON.stringify(added)}\n` : `added ${added.name} ${added.version} (${added.task}) at ${added.path}\n`);
      return 0;
    }
    const [models, runtime] = await Promise.all([ws.api.models.list(), ws.api.models.runtime()]);
    if (options.json) process.stdout.write(`${JSON.stringify({ executionProvider: runtime.executionProvider, fallbackReason: runtime.fallbackReason, models })}\n`);
    else {
      process.stdout.write(`inference on ${runtime.executionProvider.toUpperCase()}${runtime.fallbackReason ? ` (${runtime.fallbackReason})` : ''}\n`);
      for (const m of models) process.stdout.write(`${m.name} ${m.version}\t${m.task}\t${m.origin}\t${m.embedded} lesions embedded\t${m.path}\n`);
    }
    return 0;
  } finally {
    await ws.close();
  }
}

