import { existsSync } from 'node:fs';
import type { ClusteringRunSummary, EvaluationSplit, FeatureGroupName } from '../contract';
import type { Workstation } from '../core/workstation';
import { openWorkstation } from './commands';

const GROUPS: FeatureGroupName[] = ['texture', 'intensity', 'size', 'location', 'window'];

function progressOnTty(ws: Workstation, json: boolean): () => void {
  let last = 0;
  return ws.events.on((name, payload) => {
    if (json || name !== 'job.updated' || !process.stderr.isTTY || Date.now() - last < 250) return;
    last = Date.now();
    process.stderr.write(`\r${(payload as { progress: { message: string } }).progress.message}`.padEnd(90));
  });
}

/** Embeds the lesions that lack an embedding first: clustering works on the whole catalogue. */
async function embedMissing(ws: Workstation, model: string | undefined): Promise<void> {
  const status = await ws.api.mining.embeddingStatus({ model });
  if (!status.missing) return;
  process.stderr.write(`embedding ${status.missing} lesions first (${status.model})\n`);
  const job = await ws.jobs.wait((await ws.api.mining.startEmbedding({ model })).id);
  if (job.state !== 'done') throw new Error(`embedding ${job.state}: ${job.error ?? ''}`);
}

/** `lesion-ws cluster`: one clustering run (k-means++, optionally the iterative loop), stored in the catalogue. */
export async function runCluster(options: {
  db: string;
  k: number;
  features?: string;
  iterate: boolean;
  seed?: number;
  metric?: string;
  model?: string;
  json: boolean;
}): Promise<number> {
  if (!existsSync(options.db)) {
    process.stderr.write(`no catalogue at ${options.db}\n`);
    return 1;
  }
  const features = options.features?.split(',').map((f) => f.trim()).filter(Boolean) as FeatureGroupName[] | undefined;
  const unknown = features?.filter((f) => !GROUPS.includes(f));
  if (unknown?.length) {
    process.stderr.write(`unknown feature groups: ${unknown.join(', ')} (known: ${GROUPS.join(', ')})\n`);
    return 2;
  }
  const ws = openWorkstation(options.db);
  const off = progressOnTty(ws, options.json);
  try {
    await embedMissing(ws, options.model);
    const started = await ws.api.clustering.startClustering({
      k: options.k,
      features,
      iterate: options.iterate,
      seed: options.seed,
      metric: options.metric === 'cosine' ? 'cosine' : 'euclidean',
      model: options.model,
    });
    const job = await ws.jobs.wait(started.id);
    if (process.stderr.isTTY && !options.json) process.stderr.write('\n');
    if (job.state !== 'done' || !job.result) {
      process.stderr.write(`clustering ${job.state}: ${job.error ?? ''}\n`);
      return 1;
    }
    const run = job.result as ClusteringRunSummary;
    const last = run.rounds.at(-1)!;
    const out = { run: run.id, k: run.k, lesions: run.lesions, rounds: run.rounds.length, changedLastRound: last.changedFraction };
    if (options.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      process.stdout.write(`run ${run.id}: ${run.lesions} lesions in ${run.k} clusters, ${run.rounds.length} round(s)\n`);
      const mm = run.locationMmPerUnit;
      process.stdout.write(mm ? `  location in mm: ${mm.map((v) => v.toFixed(0)).join(' / ')} mm per unit of x / y / z\n` : '  location standardised per axis\n');
      for (const r of run.rounds) {
        process.stdout.write(
          `  round ${r.round}: inertia ${r.inertia.toFixed(1)}, silhouette ${r.silhouette?.toFixed(3) ?? '-'}` +
            `${r.changedFraction === null ? '' : `, ${(100 * r.changedFraction).toFixed(2)}% changed`}\n`,
        );
      }
    }
    return 0;
  } finally {
    off();
    await ws.close();
  }
}

/** `lesion-ws evaluate`: purity, NMI, ARI and Hungarian accuracy against the lesions' reference types. */
export async function runEvaluate(options: { db: string; run?: number; split?: string; json: boolean }): Promise<number> {
  if (!existsSync(options.db)) {
    process.stderr.write(`no catalogue at ${options.db}\n`);
    return 1;
  }
  const split = (options.split ?? 'all') as EvaluationSplit;
  if (!['train', 'val', 'test', 'all'].includes(split)) {
    process.stderr.write(`--split must be train, val, test or all\n`);
    return 2;
  }
  const ws = openWorkstation(options.db, 1);
  try {
    const e = await ws.api.clustering.evaluate({ runId: options.run, split });
    const out = { run: e.run, lesions: e.lesions, k: e.k, purity: e.purity, nmi: e.nmi, ari: e.ari, accuracy: e.accuracy };
    if (options.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      process.stdout.write(
        `run ${e.run}, ${e.lesions} lesions with a reference type (${split}): purity ${e.purity.toFixed(3)}, NMI ${e.nmi.toFixed(3)}, ` +
          `ARI ${e.ari.toFixed(3)}, accuracy ${e.accuracy.toFixed(3)}\n`,
      );
    }
    return 0;
  } finally {
    await ws.close();
  }
}
