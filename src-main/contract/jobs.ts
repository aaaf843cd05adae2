import type { ClusteringRunSummary, KSuggestion } from './clustering';
import type { ExportSummary } from './export';
import type { ImportSummary } from './library';
import type { EmbeddingSummary } from './models';

/** Every long-running job kind and the result it ends with. */
export interface JobResults {
  import: ImportSummary;
  embed: EmbeddingSummary;
  cluster: ClusteringRunSummary;
  'suggest-k': KSuggestion;
  map: { runId: number; points: number };
  export: ExportSummary;
}

export type JobKind = keyof JobResults;
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  done: number;
  /** 0 while the total is still unknown (e.g. while a folder is being walked). */
  total: number;
  /** What the job is doing right now, for the progress bar's caption. */
  message: string;
}

export interface JobInfo<K extends JobKind = JobKind> {
  id: string;
  kind: K;
  label: string;
  state: JobState;
  progress: JobProgress;
  startedAt: string;
  finishedAt: string | null;
  result: JobResults[K] | null;
  error: string | null;
}

export interface JobsApi {
  /** Running jobs and the ones that finished during this session, newest first. */
  list(): Promise<JobInfo[]>;
  get(jobId: string): Promise<JobInfo | null>;
  /** Asks a running job to stop; it keeps what it already committed. Resolves false if the job is not running. */
  cancel(jobId: string): Promise<boolean>;
}
