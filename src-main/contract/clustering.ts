import type { JobInfo } from './jobs';
import type { FeatureWeights } from './models';

export type FeatureGroupName = keyof FeatureWeights;
export type ClusterMetric = 'euclidean' | 'cosine';
export type EvaluationSplit = 'train' | 'val' | 'test' | 'all';

export interface ClusteringRequest {
  k: number;
  /** The groups to use; the others are switched off. Default: every group. */
  features?: FeatureGroupName[];
  /** Weights of the groups used (default 1 each). */
  weights?: FeatureWeights;
  metric?: ClusterMetric;
  /** Run the paper's loop: train a head on the clusters, re-embed through it, re-cluster, until < 1% change. */
  iterate?: boolean;
  maxRounds?: number;
  seed?: number;
  /** k-means++ restarts per clustering (best inertia wins). */
  restarts?: number;
  /** The embedding model whose vectors are clustered (default: the bundled one). */
  model?: string;
}

export interface RoundReport {
  round: number;
  /** Lesions that changed cluster since the previous round (after matching cluster ids); null in round 0. */
  changedFraction: number | null;
  inertia: number;
  silhouette: number | null;
}

export interface ClusteringRunSummary {
  id: number;
  createdAt: string;
  k: number;
  metric: ClusterMetric;
  seed: number;
  features: FeatureWeights;
  iterate: boolean;
  rounds: RoundReport[];
  lesions: number;
  inertia: number;
  silhouette: number | null;
  embeddingModel: { id: number; name: string; version: string };
  /** The head the loop trained, saved as a model version; null for a plain run. */
  headModel: { id: number; name: string; version: string } | null;
  /** The run the workspace shows. */
  current: boolean;
  /**
   * How location was measured: mm per unit of x, y and z, estimated from pairs of lesions in one series, so
   * that location distances are physical; null where it was standardised per axis (too few pairs).
   */
  locationMmPerUnit: [number, number, number] | null;
}

export interface ClusterSummary {
  cluster: number;
  /** The category most members carry (the cluster was named), else the one most reviewed members carry, else "Cluster N". */
  suggestedName: string;
  /** The category most of its members carry (its name, once an annotator named the cluster), or null. */
  categoryId: number | null;
  size: number;
  /** Members marked reviewed. */
  reviewed: number;
  /** The most typical lesions (nearest the centre), then the likely outliers (farthest). */
  medoids: number[];
  outliers: number[];
  /** The members nearest the centre that have their image (for thumbnails), at most 4. */
  medoidsWithImage: number[];
  meanLongAxisMm: number | null;
  /** Mean normalised location (x, y, z) of the members that have one. */
  meanLocation: [number, number, number] | null;
  /** Counts of the members' reference types (e.g. DeepLesion coarse type), where known. */
  referenceTypes: Record<string, number>;
}

export interface ClusteringRunDetail {
  run: ClusteringRunSummary;
  clusters: ClusterSummary[];
}

export interface ClusterEvaluation {
  run: number;
  split: EvaluationSplit;
  /** Lesions of the run with a reference type in the split. */
  lesions: number;
  k: number;
  purity: number;
  nmi: number;
  ari: number;
  /** Accuracy after the best one-to-one matching of clusters to reference types (Hungarian). */
  accuracy: number;
}

export interface KSuggestion {
  points: { k: number; silhouette: number; stability: number }[];
  /** The k with the best combined silhouette and stability. */
  suggested: number;
}

export interface RunMap {
  runId: number;
  lesionIds: number[];
  x: number[];
  y: number[];
  clusters: number[];
}

export interface ClusteringApi {
  startClustering(request: ClusteringRequest): Promise<JobInfo<'cluster'>>;
  runs(): Promise<ClusteringRunSummary[]>;
  run(runId: number): Promise<ClusteringRunDetail>;
  /** Makes an earlier run the one the workspace shows. */
  setCurrentRun(runId: number): Promise<void>;
  /** Lesions of one cluster, nearest the centre first (or farthest first). */
  members(input: { runId: number; cluster: number; offset: number; limit: number; order?: 'nearest' | 'farthest' }): Promise<{ total: number; lesionIds: number[]; distances: number[] }>;
  /** Silhouette and stability over a range of k, to suggest one (a job: it clusters many times). */
  startKSuggestion(input: { kMin: number; kMax: number; features?: FeatureGroupName[]; metric?: ClusterMetric; seed?: number; model?: string }): Promise<JobInfo<'suggest-k'>>;
  /** Computes the run's 2-D map (UMAP) in a worker; cached per run. */
  startMap(input: { runId: number }): Promise<JobInfo<'map'>>;
  map(runId: number): Promise<RunMap | null>;
  evaluate(input: { runId?: number; split?: EvaluationSplit }): Promise<ClusterEvaluation>;
  /** Moves every member of `from` into `into` (annotators merge over-clustered groups). */
  mergeClusters(input: { runId: number; from: number; into: number; actor: string }): Promise<void>;
  /** Re-clusters one cluster's members into `k` parts: the first keeps its number, the others get new ones. */
  splitCluster(input: { runId: number; cluster: number; k: number; actor: string }): Promise<{ clusters: number[] }>;
  /** Moves lesions to another cluster of the run. */
  moveToCluster(input: { runId: number; lesionIds: number[]; cluster: number; actor: string }): Promise<void>;
}
