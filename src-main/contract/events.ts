import type { JobInfo } from './jobs';

/** Events pushed from the core to every window. */
export interface WorkstationEvents {
  'job.updated': JobInfo;
  /** The catalogue changed (an import committed a batch, a job finished): views should refresh. */
  'catalogue.changed': { reason: string };
  /** Lesions were created, edited or deleted (by this window, another one, or an import). */
  'lesions.changed': { lesionIds: number[]; seriesIds: number[] };
  /** Embeddings of a model version were written. */
  'embeddings.changed': { modelVersionId: number };
  /** A clustering run was stored, restored as current, or its map computed. */
  'clustering.changed': { runId: number };
  /** The taxonomy changed (a category added, renamed, recoloured or merged). */
  'categories.changed': { categoryIds: number[] };
}

export type WorkstationEventName = keyof WorkstationEvents;
