import type { ExportSelection, Lesion, Split } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { patientKey, type PatientRow } from '../catalogue/patients';
import type { SeriesRow } from '../catalogue/series';
import type { StudyRow } from '../catalogue/studies';

/** The selection was impossible (an unknown category name, a missing clustering run). */
export class ExportSelectionError extends Error {}

export interface TaxonomyCategory {
  id: number;
  name: string;
  referenceType: number | null;
}

/** A lesion with what every exporter needs around it. */
export interface ExportItem {
  lesion: Lesion;
  /** The curated category (a merged one resolved to the category it went into), or null. */
  category: TaxonomyCategory | null;
  /**
   * The patient the lesion belongs to: its catalogue row when the lesion's series is known; otherwise a key of
   * its source object, so that lesions of one unresolved SR stay together in a split.
   */
  patientKey: string;
  patient: PatientRow | null;
  study: StudyRow | null;
  series: SeriesRow | null;
  /** Its cluster in the clustering run the export uses (the selection's, else the current one), if any. */
  cluster: number | null;
  /** The split the export writes: the catalogue's, or the one generated for the export. */
  split: Split | null;
}

export interface Selected {
  items: ExportItem[];
  /** The clustering run whose clusters the items carry, or null when the catalogue has none. */
  runId: number | null;
  /** Category names of the selection resolved to ids. */
  categories: { id: number; name: string }[];
}

const PAGE = 10_000;

function allLesions(catalogue: Catalogue): Lesion[] {
  const out: Lesion[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = catalogue.lesions.list({ offset, limit: PAGE });
    out.push(...page.items);
    if (page.items.length < PAGE) return out;
  }
}

/** `20070425` (DICOM DA) -> `2007-04-25`; ISO strings pass through. */
function isoDate(value: string | null): string | null {
  if (!value) return null;
  const da = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  return da ? `${da[1]}-${da[2]}-${da[3]}` : value;
}

/** Inclusive comparison on ISO strings: a bound given as a date covers that whole day. */
function inRange(value: string | null, from: string | undefined, to: string | undefined): boolean {
  if (value === null) return false;
  if (from !== undefined && value.slice(0, from.length) < from) return false;
  if (to !== undefined && value.slice(0, to.length) > to) return false;
  return true;
}

/** The key that groups a lesion without a known series with its siblings (the SR object, else itself). */
function orphanKey(lesion: Lesion): string {
  const object = lesion.sourceRef.split('#')[0];
  return lesion.source === 'dicom-sr' || lesion.source === 'presentation-state' ? `object:${object}` : `lesion:${lesion.id}`;
}

/** Category names of a selection as ids (case-insensitive; an unknown name is an error naming the known ones). */
export function resolveCategoryNames(catalogue: Catalogue, names: readonly string[]): { id: number; name: string }[] {
  const live = catalogue.categories.list();
  return names.map((name) => {
    const found = live.find((c) => c.name.toLowerCase() === name.trim().toLowerCase());
    if (!found) throw new ExportSelectionError(`no category named "${name}" (categories: ${live.map((c) => c.name).join(', ')})`);
    return { id: found.id, name: found.name };
  });
}

/** The lesions a selection holds, in id order, each with its category, patient, study, series and cluster. */
export function selectLesions(catalogue: Catalogue, selection: ExportSelection = {}): Selected {
  const categories = resolveCategoryNames(catalogue, selection.categoryNames ?? []);
  for (const id of selection.categoryIds ?? []) {
    const c = catalogue.categories.resolve(id);
    if (!c) throw new ExportSelectionError(`no category ${id}`);
    if (!categories.some((x) => x.id === c.id)) categories.push({ id: c.id, name: c.name });
  }
  const wantedCategories = new Set(categories.map((c) => c.id));
  const byCategory = wantedCategories.size > 0;

  const runId = selection.clusters?.runId ?? catalogue.clusteringRuns.current();
  if (selection.clusters?.runId !== undefined && !catalogue.clusteringRuns.get(selection.clusters.runId)) {
    throw new ExportSelectionError(`no clustering run ${selection.clusters.runId}`);
  }
  if (selection.clusters && runId === null) throw new ExportSelectionError('the selection names clusters, but the catalogue has no clustering run');
  const clusterOf = new Map<number, number>();
  if (runId !== null) for (const a of catalogue.clusteringRuns.assignments(runId)) clusterOf.set(a.lesionId, a.cluster);
  const wantedClusters = selection.clusters ? new Set(selection.clusters.clusters) : null;

  const categoryCache = new Map<number, TaxonomyCategory | null>();
  const categoryOf = (id: number | null): TaxonomyCategory | null => {
    if (id === null) return null;
    if (!categoryCache.has(id)) {
      const c = catalogue.categories.resolve(id);
      categoryCache.set(id, c ? { id: c.id, name: c.name, referenceType: c.referenceType } : null);
    }
    return categoryCache.get(id)!;
  };
  const series = new Map(catalogue.series.list().map((s) => [s.id, s]));
  const studies = new Map(catalogue.studies.list().map((s) => [s.id, s]));
  const patients = new Map(catalogue.patients.list().map((p) => [p.id, p]));
  const ids = selection.lesionIds ? new Set(selection.lesionIds) : null;
  const sources = selection.sources ? new Set(selection.sources) : null;
  const splits = selection.splits ? new Set(selection.splits) : null;

  const items: ExportItem[] = [];
  for (const lesion of allLesions(catalogue)) {
    if (ids && !ids.has(lesion.id)) continue;
    if (sources && !sources.has(lesion.source)) continue;
    if (splits && !splits.has(lesion.split ?? 'none')) continue;
    if (selection.review !== undefined && lesion.reviewStatus !== selection.review) continue;
    if (selection.hasImage !== undefined && (lesion.instanceId !== null) !== selection.hasImage) continue;
    const category = categoryOf(lesion.categoryId);
    if (byCategory) {
      const wanted = category === null ? selection.uncategorised === true : wantedCategories.has(category.id);
      if (!wanted) continue;
    } else if (selection.uncategorised !== undefined && (category === null) !== selection.uncategorised) {
      continue;
    }
    const cluster = clusterOf.get(lesion.id) ?? null;
    if (wantedClusters && (cluster === null || !wantedClusters.has(cluster))) continue;
    const s = lesion.seriesId === null ? null : (series.get(lesion.seriesId) ?? null);
    const study = s ? (studies.get(s.studyRowId) ?? null) : null;
    const patient = study ? (patients.get(study.patientRowId) ?? null) : null;
    if (selection.date) {
      const { field, from, to } = selection.date;
      const value =
        field === 'created' ? lesion.createdAt : field === 'updated' ? lesion.updatedAt : field === 'reviewed' ? lesion.reviewedAt : isoDate(study?.studyDate ?? null);
      if (!inRange(value, from, to)) continue;
    }
    items.push({
      lesion,
      category,
      patientKey: patient ? patientKey(patient) : orphanKey(lesion),
      patient,
      study,
      series: s,
      cluster,
      split: lesion.split,
    });
  }
  return { items, runId, categories };
}

/** Distinct patients and studies of a set of items (lesions of unknown study count once per source object). */
export function countPatientsAndStudies(items: readonly ExportItem[]): { patients: number; studies: number } {
  const patients = new Set(items.map((i) => i.patientKey));
  const studies = new Set(items.map((i) => (i.study ? `study:${i.study.id}` : i.patientKey)));
  return { patients: patients.size, studies: studies.size };
}
