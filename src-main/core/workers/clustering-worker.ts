import { parentPort, workerData } from 'node:worker_threads';
import type { FeatureWeights, KSuggestion } from '../../contract';
import { openCatalogue, type Catalogue } from '../catalogue/catalogue';
import { clusterMatrix, mapMatrix, suggestK, type ClusteringOutcome, type ClusteringParams } from '../clustering/pipeline';
import { kmeans } from '../clustering/kmeans';
import { catalogueLocationScale, type LocationScale } from '../embedding/location-scale';
import { featureMatrix, type FeatureMatrix } from '../embedding/similarity';
import { serveWorkerTasks } from './pool';

/**
 * Clustering, the choice of k and the 2-D map, off the main thread, reading embeddings read-only. A new run
 * (and the choice of k) measures location in mm on the catalogue (`location-scale.ts`); the run records that
 * scale, and its map and splits are drawn in the same space by passing it back.
 */
export type ClusteringTask =
  | { kind: 'cluster'; modelVersionId: number; weights: FeatureWeights; params: ClusteringParams }
  | { kind: 'suggest-k'; modelVersionId: number; weights: FeatureWeights; kMin: number; kMax: number; metric: 'euclidean' | 'cosine'; seed: number }
  | { kind: 'map'; modelVersionId: number; weights: FeatureWeights; locationScale: LocationScale | null; lesionIds: number[]; seed: number }
  | {
      kind: 'split';
      modelVersionId: number;
      weights: FeatureWeights;
      locationScale: LocationScale | null;
      lesionIds: number[];
      k: number;
      seed: number;
      metric: 'euclidean' | 'cosine';
    };

export type ClusteringTaskResult =
  | ({ kind: 'cluster'; lesionIds: number[]; mean: Float32Array; scale: Float32Array; locationScale: LocationScale | null } & ClusteringOutcome)
  | { kind: 'suggest-k'; suggestion: KSuggestion }
  | { kind: 'map'; lesionIds: number[]; xy: Float32Array }
  | { kind: 'split'; lesionIds: number[]; labels: Int32Array; distances: Float32Array };

const { catalogPath } = workerData as { catalogPath: string };
let catalogue: Catalogue | null = null;

/** The run's rows; `locationScale` undefined: measure it now (a new run), null: per-axis standardisation. */
function matrix(modelVersionId: number, weights: FeatureWeights, unitRows: boolean, locationScale?: LocationScale | null) {
  catalogue ??= openCatalogue(catalogPath, { readonly: true });
  const layout = catalogue.embeddings.layout(modelVersionId);
  if (!layout) throw new Error('no embeddings for this model yet: run the embedding job first');
  const stored = catalogue.embeddings.all(modelVersionId);
  if (!stored.length) throw new Error('no embeddings for this model yet: run the embedding job first');
  const scale = locationScale === undefined ? (weights.location ? catalogueLocationScale(catalogue, stored, layout) : null) : locationScale;
  return { m: featureMatrix(stored, layout, weights, { unitRows, units: scale ? { location: scale.mmPerUnit } : {} }), locationScale: scale };
}

/** The rows of some lesions (those that have an embedding), in the matrix's order. */
function rowsOf(m: FeatureMatrix, wantedIds: readonly number[]): { lesionIds: number[]; data: Float32Array } {
  const wanted = new Set(wantedIds);
  const rows = m.lesionIds.map((id, i) => [id, i] as const).filter(([id]) => wanted.has(id));
  const data = new Float32Array(rows.length * m.dims);
  rows.forEach(([, i], r) => data.set(m.data.subarray(i * m.dims, (i + 1) * m.dims), r * m.dims));
  return { lesionIds: rows.map(([id]) => id), data };
}

serveWorkerTasks<ClusteringTask, ClusteringTaskResult>(parentPort, async (task, report) => {
  const progress = (message: string, done: number, total: number) => report({ message, done, total });
  if (task.kind === 'cluster') {
    const { m, locationScale } = matrix(task.modelVersionId, task.weights, task.params.metric === 'cosine');
    const n = m.lesionIds.length;
    const outcome = clusterMatrix(m.data, n, m.dims, task.params, progress);
    return { kind: 'cluster', lesionIds: m.lesionIds, ...outcome, mean: m.mean, scale: m.scale, locationScale };
  }
  if (task.kind === 'suggest-k') {
    const { m } = matrix(task.modelVersionId, task.weights, task.metric === 'cosine');
    return { kind: 'suggest-k', suggestion: suggestK(m.data, m.lesionIds.length, m.dims, task, progress) };
  }
  if (task.kind === 'split') {
    const { m } = matrix(task.modelVersionId, task.weights, false, task.locationScale);
    const { lesionIds, data } = rowsOf(m, task.lesionIds);
    const result = kmeans(data, lesionIds.length, m.dims, { k: Math.min(task.k, lesionIds.length), restarts: 5, seed: task.seed, metric: task.metric });
    return { kind: 'split', lesionIds, labels: result.labels, distances: result.distances };
  }
  // the map shows the lesions in the feature space the run started from (its groups and weights): the loop's
  // re-embedding is the head's cluster memberships, which would draw k tight blobs and nothing between them
  const { m } = matrix(task.modelVersionId, task.weights, false, task.locationScale);
  const { lesionIds, data } = rowsOf(m, task.lesionIds);
  const xy = await mapMatrix(data, lesionIds.length, m.dims, task.seed, progress);
  return { kind: 'map', lesionIds, xy };
});
