import type { JobInfo } from './jobs';
import type { LesionSource, Split } from './lesions';
import type { ReviewStatus } from './review';

/** The exporters the core registers (core/export/formats.ts). */
export type ExportFormatName = 'deeplesion' | 'coco' | 'csv' | 'dicom-sr';

export interface ExportFormatInfo {
  name: ExportFormatName;
  label: string;
  description: string;
  /** Whether the format writes images (lesions whose image is not in the library are then left out, or keep a row only). */
  writesImages: boolean;
}

/** Which lesions an export takes; every field narrows the selection, fields left out select everything. */
export interface ExportSelection {
  /** Curated categories by id (a merged category counts as the one it went into). */
  categoryIds?: number[];
  /** Curated categories by name (case-insensitive), as the CLI's --category gives them. */
  categoryNames?: string[];
  /** Lesions without a curated category as well (with categoryIds/categoryNames), or only those (alone). */
  uncategorised?: boolean;
  /** Clusters of a clustering run (default: the current run). */
  clusters?: { runId?: number; clusters: number[] };
  review?: ReviewStatus;
  sources?: LesionSource[];
  /** The split stored in the catalogue; 'none' for lesions without one. */
  splits?: (Split | 'none')[];
  /**
   * A date range, inclusive, as YYYY-MM-DD (or full ISO times): when the lesion was created, last changed or
   * reviewed, or the date of its study.
   */
  date?: { field: 'created' | 'updated' | 'reviewed' | 'study'; from?: string; to?: string };
  /** Only lesions whose key slice is (true) or is not (false) in the library. */
  hasImage?: boolean;
  /** A selection made elsewhere (the gallery, the map's lasso). */
  lesionIds?: number[];
}

/**
 * A patient-level split made for the export: every patient's lesions go to one split, patients are ordered by a
 * hash of the seed and their key (reproducible, and stable when other patients are added), and assigned per
 * category so each split gets its share of every category.
 */
export interface SplitSpec {
  seed: number;
  /** Fractions of lesions (default 0.7 / 0.15 / 0.15); they are normalised to sum to 1. */
  fractions?: { train: number; val: number; test: number };
}

/**
 * De-identification. `pseudonymise` replaces patient identifiers with pseudonyms, removes names, birth dates,
 * accession numbers and every date, and replaces DICOM UIDs consistently (DICOM PS3.15 Basic Application
 * Confidentiality Profile with the Retain Patient Characteristics option: sex and age stay).
 */
export interface ExportPrivacy {
  mode: 'none' | 'pseudonymise';
  /**
   * Secret the pseudonyms are derived from (HMAC-SHA256): the same secret gives the same pseudonyms in every
   * export. Without one, a random secret is used and forgotten. Never written anywhere.
   */
  secret?: string;
}

export interface ExportRequest {
  format: ExportFormatName;
  /** An absolute folder path; it must not exist or be empty, unless `overwrite` replaces an earlier export. */
  out: string;
  selection?: ExportSelection;
  /** Make a patient-level split for the export; without it, each lesion keeps the split stored in the catalogue. */
  split?: SplitSpec;
  privacy?: ExportPrivacy;
  /** Replace the folder at `out` when it holds an earlier export (a manifest.json written by the workstation). */
  overwrite?: boolean;
  /** Who ran the export (recorded in the manifest). */
  actor?: string;
}

export interface ExportPreview {
  lesions: number;
  patients: number;
  studies: number;
  /** With a split spec: lesions and patients each split would get. */
  splits?: Record<Split, { lesions: number; patients: number }>;
}

/** The export job's result: `files` counts every file written, manifest.json included. */
export interface ExportSummary {
  format: ExportFormatName;
  lesions: number;
  files: number;
  out: string;
}

export interface ExportedFile {
  /** Relative to the export folder, with forward slashes. */
  path: string;
  bytes: number;
}

export interface ExportApi {
  formats(): Promise<ExportFormatInfo[]>;
  /** What a selection (and a split) would export, without writing anything. */
  preview(input: { selection: ExportSelection; split?: SplitSpec }): Promise<ExportPreview>;
  /** Starts the export job; the target is checked first (a bad `out` is refused here, before the job starts). */
  start(input: ExportRequest): Promise<JobInfo<'export'>>;
  /** The files of a finished export folder (one holding the workstation's manifest.json). */
  listOutput(input: { out: string }): Promise<{ files: ExportedFile[] }>;
}
