import type { CatalogueCounts } from './catalogue';
import type { JobInfo } from './jobs';

export interface ImportRequest {
  /** Files or folders on the machine that runs the core. Folders are walked recursively. */
  paths: string[];
}

export interface RejectedFile {
  path: string;
  reason: string;
}

export interface ImportSummary extends CatalogueCounts {
  /** Files looked at during this run. */
  files: number;
  /** Files newly catalogued or re-read because they changed. */
  imported: number;
  /** Files already catalogued with the same size and modification time. */
  unchanged: number;
  /** Files whose SOP Instance UID was already catalogued from another path that still exists. */
  duplicates: number;
  rejected: RejectedFile[];
  /** Lesions this import added (DeepLesion rows, measurements found in SR and presentation states). */
  lesionsAdded: number;
  /** Lesions in the catalogue after the import. */
  lesions: number;
  /** Measurements whose images are not in the library (yet), by the object that references them. */
  unresolved: { path: string; reason: string }[];
}

/** Where a slice lives: a frame of an instance (frame 0 for single-frame images). */
export interface SliceRef {
  instanceId: number;
  frame: number;
}

export interface LibraryApi {
  /** Starts an import job; follow it with `jobs` and the `job.updated` event. */
  startImport(request: ImportRequest): Promise<JobInfo<'import'>>;
}
