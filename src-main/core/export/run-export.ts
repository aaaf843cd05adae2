import type { AuditEntry, ExportPreview, ExportRequest, ExportSelection, SplitSpec } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { PixelSourceCache } from '../imaging/pixel-sources';
import { ExportCancelledError, type ExportFolder } from './export-folder';
import { effectiveCategory, sliceWriter, type ExportContext } from './exporter';
import { exporterFor } from './formats';
import { MANIFEST_FILE, MANIFEST_GENERATOR, type ExportManifest, type ManifestModel } from './manifest';
import { Pseudonymiser } from './privacy';
import { countPatientsAndStudies, ExportSelectionError, selectLesions, type ExportItem, type Selected, type TaxonomyCategory } from './selection';
import { patientLevelSplit, type PatientSplit } from './split';
import { SliceNaming, type PngConversionNotes } from './slices';

export interface ExportRunOptions {
  /** Checked between files; a cancelled export throws ExportCancelledError. */
  signal: { readonly aborted: boolean };
  progress(done: number, total: number, message: string): void;
  generatorVersion: string;
  now?: Date;
}

export interface ExportRunResult {
  lesions: number;
  /** Every file written, manifest.json included. */
  files: number;
  manifest: ExportManifest;
}

function taxonomyOf(catalogue: Catalogue): TaxonomyCategory[] {
  return catalogue.categories.list().map((c) => ({ id: c.id, name: c.name, referenceType: c.referenceType }));
}

/** The stratum of a lesion for the split: the name of the category it is labelled with, else "uncategorised". */
function stratumOf(item: ExportItem, taxonomy: readonly TaxonomyCategory[]): string {
  return effectiveCategory(item, taxonomy).category?.name ?? 'uncategorised';
}

/** Replaces each item's split with a patient-level split of the selection. */
export function applyPatientSplit(items: ExportItem[], spec: SplitSpec, taxonomy: readonly TaxonomyCategory[]): PatientSplit {
  const split = patientLevelSplit(
    items.map((i) => ({ id: i.lesion.id, patientKey: i.patientKey, stratum: stratumOf(i, taxonomy) })),
    spec,
  );
  for (const item of items) item.split = split.splitOf.get(item.lesion.id) ?? null;
  return split;
}

/** What an export of a selection would hold, without writing anything. */
export function previewExport(catalogue: Catalogue, selection: ExportSelection, split?: SplitSpec): ExportPreview {
  const { items } = selectLesions(catalogue, selection);
  const preview: ExportPreview = { lesions: items.length, ...countPatientsAndStudies(items) };
  if (split) preview.splits = applyPatientSplit(items, split, taxonomyOf(catalogue)).counts;
  return preview;
}

function modelsOf(catalogue: Catalogue, selected: Selected, written: readonly ExportItem[], carriesClusters: boolean): { models: ManifestModel[]; run: ExportManifest['clusteringRun'] } {
  const models = new Map<number, ManifestModel>();
  const add = (id: number | null | undefined, role: string) => {
    if (id === null || id === undefined || models.has(id)) return;
    const m = catalogue.modelVersions.get(id);
    if (m) models.set(id, { id: m.id, name: m.name, version: m.version, task: m.task, sha256: m.sha256, role });
  };
  let run: ExportManifest['clusteringRun'] = null;
  // cluster assignments are a model's predictions: the run's models are listed when the export carries them
  if (selected.runId !== null && carriesClusters && written.some((i) => i.cluster !== null)) {
    const row = catalogue.clusteringRuns.get(selected.runId);
    if (row) {
      run = { id: row.id, k: row.k, createdAt: row.createdAt };
      add(row.embeddingModelVersionId, `embedding model of clustering run ${row.id}`);
      add(row.headModelVersionId, `head trained by clustering run ${row.id}`);
    }
  }
  for (const item of written) {
    const id = item.lesion.attributes.modelVersionId;
    if (item.lesion.source === 'detection' && typeof id === 'number') add(id, 'detections among the lesions');
  }
  return { models: [...models.values()], run };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * Writes one export into `folder` (a temporary folder the caller renames when this returns): selects the lesions,
 * makes the split, runs the format's exporter, and writes manifest.json last with the sha256 of every file.
 */
export async function writeExport(catalogue: Catalogue, request: ExportRequest, folder: ExportFolder, options: ExportRunOptions): Promise<ExportRunResult> {
  const exporter = exporterFor(request.format);
  const now = options.now ?? new Date();
  const privacy = new Pseudonymiser(request.privacy);
  const taxonomy = taxonomyOf(catalogue);
  options.progress(0, 0, 'Selecting lesions');
  const selected = selectLesions(catalogue, request.selection);
  if (!selected.items.length) throw new ExportSelectionError('the selection holds no lesions');
  const split = request.split ? applyPatientSplit(selected.items, request.split, taxonomy) : null;

  const written: ExportItem[] = [];
  const skipped = new Map<string, number[]>();
  const notes: Record<string, unknown> = {};
  const pngNotes: PngConversionNotes = { rounded: 0, clipped: 0 };
  const pixels = new PixelSourceCache(8);
  const histories = new Map<number, AuditEntry[]>();
  const history = (item: ExportItem) => {
    let h = histories.get(item.lesion.id);
    if (!h) {
      h = catalogue.audit.forEntity('lesion', item.lesion.id);
      histories.set(item.lesion.id, h);
    }
    return h;
  };
  const ctx: ExportContext = {
    catalogue,
    items: selected.items,
    folder,
    privacy,
    naming: new SliceNaming(catalogue, selected.items, privacy),
    pixels,
    taxonomy,
    runId: selected.runId,
    now,
    checkCancelled: () => {
      if (options.signal.aborted) throw new ExportCancelledError();
    },
    progress: options.progress,
    exported: (item) => void written.push(item),
    skip: (item, reason) => skipped.set(reason, [...(skipped.get(reason) ?? []), item.lesion.id]),
    note: (key, value) => void (notes[key] = value),
    peopleOf: (item) => ({ creator: history(item).find((h) => h.action === 'create')?.actor ?? null, reviewer: item.lesion.reviewedBy }),
    history,
    writeSlice: sliceWriter(folder, pixels, pngNotes),
  };
  await exporter.write(ctx);
  ctx.checkCancelled();
  pixels.clear();
  if (!written.length) {
    const reasons = [...skipped.keys()].join('; ');
    throw new ExportSelectionError(`none of the ${selected.items.length} selected lesions can be exported as ${request.format}: ${reasons}`);
  }
  if (pngNotes.rounded || pngNotes.clipped) notes.pixels = { ...pngNotes, meaning: 'pixels whose HU was not an integer (rounded) or outside -32768..32767 (clipped)' };

  const annotators = new Map<string, { name: string; created: number; reviewed: number }>();
  const counts: ExportManifest['counts'] = {
    lesions: written.length,
    ...countPatientsAndStudies(written),
    images: folder.files().filter((f) => f.path.endsWith('.png')).length,
    byCategory: {},
    bySplit: {},
    bySource: {},
    skipped: selected.items.length - written.length,
  };
  for (const item of written) {
    increment(counts.byCategory, effectiveCategory(item, taxonomy).category?.name ?? 'uncategorised');
    increment(counts.bySplit, item.split ?? 'none');
    increment(counts.bySource, item.lesion.source);
    const { creator, reviewer } = ctx.peopleOf(item);
    for (const [name, field] of [
      [creator, 'created'],
      [reviewer, 'reviewed'],
    ] as const) {
      if (name === null) continue;
      const a = annotators.get(name) ?? { name, created: 0, reviewed: 0 };
      a[field]++;
      annotators.set(name, a);
    }
  }
  const { models, run } = modelsOf(catalogue, selected, written, request.format === 'csv' || request.format === 'coco' || request.selection?.clusters !== undefined);
  const { categoryNames: _names, ...selection } = request.selection ?? {};
  const manifest: ExportManifest = {
    generator: { name: MANIFEST_GENERATOR, version: options.generatorVersion },
    manifestVersion: 1,
    format: request.format,
    createdAt: now.toISOString(),
    actor: request.actor ?? null,
    catalogue: { id: catalogue.id },
    selection: { ...selection, ...(selected.categories.length ? { categories: selected.categories } : {}) },
    split: split
      ? { mode: 'patient-level', seed: request.split!.seed, fractions: split.fractions, stratifiedBy: 'category', counts: split.counts }
      : { mode: 'catalogue' },
    privacy: privacy.record(),
    models,
    clusteringRun: run,
    annotators: [...annotators.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    counts,
    skipped: [...skipped].map(([reason, lesionIds]) => ({ reason, lesionIds })),
    notes,
    files: folder.files(),
  };
  options.progress(written.length, written.length, 'Writing the manifest');
  folder.write(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return { lesions: written.length, files: folder.files().length, manifest };
}
