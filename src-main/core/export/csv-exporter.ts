import type { AuditEntry } from '../../contract';
import { DEEPLESION_COARSE_TYPES } from '../library/deeplesion';
import { csvLine, spreadsheetSafe } from './csv-text';
import { ageInYears } from './deeplesion-exporter';
import { coarseTypeOf, type ExportContext, type Exporter } from './exporter';
import type { ExportItem } from './selection';

export const LESION_CSV_COLUMNS = [
  'lesion_id',
  'patient_id',
  'patient_sex',
  'patient_age',
  'study_instance_uid',
  'study_date',
  'series_instance_uid',
  'modality',
  'key_slice_ref',
  'frame',
  'has_image',
  'long_x1',
  'long_y1',
  'long_x2',
  'long_y2',
  'short_x1',
  'short_y1',
  'short_x2',
  'short_y2',
  'long_axis_px',
  'short_axis_px',
  'long_axis_mm',
  'short_axis_mm',
  'spacing_row_mm',
  'spacing_col_mm',
  'box_x1',
  'box_y1',
  'box_x2',
  'box_y2',
  'source',
  'source_ref',
  'reference_type',
  'reference_type_name',
  'category_id',
  'category',
  'deeplesion_type',
  'review_status',
  'flagged',
  'reviewed_by',
  'reviewed_at',
  'noisy',
  'split',
  'cluster',
  'created_at',
  'updated_at',
  'version',
  'attributes',
  'history_changes',
  'history_actors',
  'history_first_at',
  'history_last_at',
  'history',
] as const;

/** Source facts that say nothing about who the patient is; the only attributes a pseudonymised export keeps. */
const NON_IDENTIFYING_ATTRIBUTES = [
  'normalizedLocation',
  'sliceRange',
  'sliceIntervalMm',
  'imageSize',
  'dicomWindow',
  'diametersPx',
  'derivedFrom',
  'reportedLongAxisMm',
  'reportedShortAxisMm',
];

function describeChange(entry: AuditEntry): string {
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const after = (entry.after ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if ('category' in after && after.category !== before.category) parts.push(`category ${String(before.category ?? 'none')} -> ${String(after.category ?? 'none')}`);
  if ('reviewStatus' in after && after.reviewStatus !== before.reviewStatus) parts.push(String(after.reviewStatus));
  if ('flagged' in after && after.flagged !== before.flagged) parts.push(after.flagged ? 'flagged' : 'unflagged');
  if ('recist' in after && entry.action === 'update') parts.push('axes moved');
  return parts.length ? `${entry.action} (${parts.join(', ')})` : entry.action;
}

/**
 * One row per lesion with every catalogue field, its current category, its cluster, and a summary of its history
 * from the audit log. Free text is made safe to open in a spreadsheet; a pseudonymised export replaces the ids
 * and UIDs, and leaves out dates, source references and identifying attributes.
 */
export const csvExporter: Exporter = {
  info: {
    name: 'csv',
    label: 'CSV table',
    description: 'lesions.csv: one row per lesion with every catalogue field, its current category and a summary of its history',
    writesImages: false,
  },

  async write(ctx: ExportContext): Promise<void> {
    const lines = [csvLine(LESION_CSV_COLUMNS)];
    let done = 0;
    for (const item of ctx.items) {
      if (done % 500 === 0) {
        ctx.checkCancelled();
        ctx.progress(done, ctx.items.length, `CSV: lesion ${done + 1} of ${ctx.items.length}`);
      }
      done++;
      lines.push(csvLine(rowOf(ctx, item)));
      ctx.exported(item);
    }
    ctx.folder.write('lesions.csv', lines.join(''));
    ctx.note('csv', {
      columns: LESION_CSV_COLUMNS,
      history: 'from the audit log: number of changes, who made them, first and last time, and each change in order',
      spreadsheetSafety: "text starting with =, +, -, @, tab or carriage return is prefixed with an apostrophe",
    });
  },
};

function rowOf(ctx: ExportContext, item: ExportItem): (string | number | boolean | null)[] {
  const p = ctx.privacy;
  const { lesion } = item;
  const history = ctx.history(item);
  const sexAttribute = lesion.attributes.sex;
  const ageAttribute = lesion.attributes.age;
  const attributes = p.active
    ? Object.fromEntries(Object.entries(lesion.attributes).filter(([k]) => NON_IDENTIFYING_ATTRIBUTES.includes(k)))
    : lesion.attributes;
  const short = lesion.recist.shortAxis;
  const safe = spreadsheetSafe;
  const actors = [...new Set(history.map((h) => h.actor))];
  return [
    lesion.id,
    safe(item.patient ? p.patientId(item.patientKey, item.patient.patientId) : null),
    typeof sexAttribute === 'string' ? sexAttribute : (item.patient?.sex ?? null),
    typeof ageAttribute === 'number' ? ageAttribute : ageInYears(item.study?.patientAge),
    item.study ? p.uid(item.study.studyInstanceUid) : null,
    p.date(item.study?.studyDate ?? null),
    item.series ? p.uid(item.series.seriesInstanceUid) : null,
    item.series?.modality ?? null,
    p.uid(lesion.keySliceRef),
    lesion.frame,
    lesion.instanceId !== null,
    lesion.recist.longAxis[0].x,
    lesion.recist.longAxis[0].y,
    lesion.recist.longAxis[1].x,
    lesion.recist.longAxis[1].y,
    short?.[0].x ?? null,
    short?.[0].y ?? null,
    short?.[1].x ?? null,
    short?.[1].y ?? null,
    lesion.longAxisPx,
    lesion.shortAxisPx,
    lesion.longAxisMm,
    lesion.shortAxisMm,
    lesion.pixelSpacing?.[0] ?? null,
    lesion.pixelSpacing?.[1] ?? null,
    lesion.box.x1,
    lesion.box.y1,
    lesion.box.x2,
    lesion.box.y2,
    lesion.source,
    safe(p.identifyingText(lesion.sourceRef)),
    lesion.referenceType,
    lesion.referenceType === null ? null : (DEEPLESION_COARSE_TYPES[lesion.referenceType] ?? null),
    item.category?.id ?? null,
    safe(item.category?.name ?? null),
    coarseTypeOf(item).type,
    lesion.reviewStatus,
    lesion.flagged,
    safe(lesion.reviewedBy),
    p.date(lesion.reviewedAt),
    lesion.noisy,
    item.split,
    item.cluster,
    p.date(lesion.createdAt),
    p.date(lesion.updatedAt),
    lesion.version,
    JSON.stringify(attributes),
    history.length,
    safe(actors.join('; ') || null),
    p.date(history[0]?.at ?? null),
    p.date(history.at(-1)?.at ?? null),
    safe(history.map((h) => `${p.active ? '' : `${h.at} `}${h.actor}: ${describeChange(h)}`).join(' | ') || null),
  ];
}
