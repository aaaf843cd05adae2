import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportFormatName, ExportSelection, Split, SplitSpec } from '../../contract';
import type { WrittenFile } from './export-folder';
import type { PrivacyRecord } from './privacy';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_GENERATOR = 'Lesion Workstation';

export interface ManifestModel {
  id: number;
  name: string;
  version: string;
  task: string;
  sha256: string;
  /** Why it is listed: the clustering run whose clusters the export carries, or predictions among the lesions. */
  role: string;
}

/** Provenance of one export, written last, as manifest.json beside the files it lists. */
export interface ExportManifest {
  generator: { name: typeof MANIFEST_GENERATOR; version: string };
  manifestVersion: 1;
  format: ExportFormatName;
  createdAt: string;
  actor: string | null;
  catalogue: { id: string };
  /** The selection as requested (category names resolved to ids and back). */
  selection: ExportSelection & { categories?: { id: number; name: string }[] };
  split:
    | { mode: 'catalogue' }
    | {
        mode: 'patient-level';
        seed: number;
        fractions: Required<SplitSpec>['fractions'];
        stratifiedBy: 'category';
        counts: Record<Split, { lesions: number; patients: number }>;
      };
  privacy: PrivacyRecord;
  /** Model versions behind any predictions the export carries (cluster assignments, detections). */
  models: ManifestModel[];
  clusteringRun: { id: number; k: number; createdAt: string } | null;
  annotators: { name: string; created: number; reviewed: number }[];
  counts: {
    /** Lesions written. */
    lesions: number;
    patients: number;
    studies: number;
    images: number;
    byCategory: Record<string, number>;
    bySplit: Record<string, number>;
    bySource: Record<string, number>;
    skipped: number;
  };
  /** Lesions the selection held that the format could not take, by reason. */
  skipped: { reason: string; lesionIds: number[] }[];
  /** What the format writes and how (coordinate conventions, the category mapping, ...). */
  notes: Record<string, unknown>;
  /** Every other file of the export with its size and sha256. */
  files: WrittenFile[];
}

/** The manifest of an export folder, or null when the folder holds none written by this workstation. */
export function readExportManifest(dir: string): ExportManifest | null {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<ExportManifest>;
    return manifest?.generator?.name === MANIFEST_GENERATOR && Array.isArray(manifest.files) ? (manifest as ExportManifest) : null;
  } catch {
    return null;
  }
}

export function isWorkstationExport(dir: string): boolean {
  return readExportManifest(dir) !== null;
}
