import type { JobInfo } from './jobs';
import type { Lesion } from './lesions';

export type ModelTask = 'embedding' | 'classifier' | 'detector';

export interface ModelInfo {
  /** The model version's id in the catalogue: results record it. */
  id: number;
  name: string;
  version: string;
  task: ModelTask;
  /** 'bundled' (models/ in the app), 'user' (added by a user), or the run that trained it */
  origin: string;
  path: string;
  sha256: string;
  description: string | null;
  inputShape: (number | string)[];
  outputWidth: number | null;
  /** Lesions with an embedding from this model, and how many of them had their image. */
  embedded: number;
  embeddedWithPixels: number;
}

export interface InferenceRuntime {
  executionProvider: 'cuda' | 'cpu';
  /** Why a better provider was not used, e.g. the CUDA provider library is not installed. */
  fallbackReason: string | null;
}

export interface ModelsApi {
  list(): Promise<ModelInfo[]>;
  /** Validates a folder with model.onnx + manifest.json, copies it into the user's models and registers it. */
  add(input: { path: string }): Promise<ModelInfo>;
  /** The execution provider inference runs on here (tried once: CUDA where installed, else CPU). */
  runtime(): Promise<InferenceRuntime>;
}

export interface EmbeddingSummary {
  model: string;
  modelVersionId: number;
  executionProvider: string;
  /** Lesions embedded by this run. */
  embedded: number;
  withPixels: number;
  withoutPixels: number;
  /** Lesions whose image could not be read (embedded without image groups), with the reason. */
  failures: { lesionId: number; reason: string }[];
  /** Lesions still without an embedding (a cancelled run leaves some; the next run does them). */
  remaining: number;
}

/** Weight of each feature group (0 switches it off); a group missing here has weight 1. */
export interface FeatureWeights {
  texture?: number;
  intensity?: number;
  size?: number;
  location?: number;
  window?: number;
}

export interface SimilarLesion {
  lesion: Lesion;
  /** Cosine similarity of the standardised, weighted embeddings, in [-1, 1]. */
  similarity: number;
}

export interface MiningApi {
  /** Embeds every lesion that lacks an embedding for the model (default: the bundled embedding model). */
  startEmbedding(input: { model?: string }): Promise<JobInfo<'embed'>>;
  embeddingStatus(input: { model?: string }): Promise<{ model: string; modelVersionId: number; lesions: number; embedded: number; withPixels: number; missing: number }>;
  similar(input: { lesionId: number; k: number; model?: string; weights?: FeatureWeights }): Promise<SimilarLesion[]>;
}
