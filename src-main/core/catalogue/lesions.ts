import type { Lesion, LesionQuery, LesionSource, RecistAxes, ReviewState, Split } from '../../contract';
import { boxFromRecist, segmentLength, segmentLengthMm } from '../mining/measurement';
import type { auditLogRepository } from './audit-log';
import { nowIso, type Db } from './database';

export class ConflictError extends Error {}
export class LesionNotFoundError extends Error {}

/** What a source knows about a lesion (the contract's fields it states); the repository derives lengths, mm and the box. */
export interface NewLesion
  extends Pick<Lesion, 'seriesId' | 'instanceId' | 'frame' | 'keySliceRef' | 'recist' | 'source' | 'sourceRef' | 'referenceType' | 'split' | 'noisy' | 'attributes'> {
  /** [row, column] mm per pixel, when known */
  spacing: [number, number] | null;
  /** Lengths the source states (an SR's NUM values), used while no pixel spacing is known. */
  reportedMm?: { long: number | null; short: number | null };
}

interface LesionRow {
  id: number;
  series_id: number | null;
  instance_id: number | null;
  frame: number;
  key_slice_ref: string;
  long_x1: number;
  long_y1: number;
  long_x2: number;
  long_y2: number;
  short_x1: number | null;
  short_y1: number | null;
  short_x2: number | null;
  short_y2: number | null;
  long_axis_px: number;
  short_axis_px: number | null;
  spacing_row_mm: number | null;
  spacing_col_mm: number | null;
  long_axis_mm: number | null;
  short_axis_mm: number | null;
  box_x1: number;
  box_y1: number;
  box_x2: number;
  box_y2: number;
  source: LesionSource;
  source_ref: string;
  reference_type: number | null;
  split: Split | null;
  noisy: number;
  attributes: string;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  category_id: number | null;
  review_status: 'unreviewed' | 'reviewed';
  flagged: number;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

export function lesionFromRow(r: LesionRow): Lesion {
  const shortAxis =
    r.short_x1 === null || r.short_y1 === null || r.short_x2 === null || r.short_y2 === null
      ? null
      : ([
          { x: r.short_x1, y: r.short_y1 },
          { x: r.short_x2, y: r.short_y2 },
        ] as RecistAxes['shortAxis']);
  return {
    id: r.id,
    seriesId: r.series_id,
    instanceId: r.instance_id,
    frame: r.frame,
    keySliceRef: r.key_slice_ref,
    recist: {
      longAxis: [
        { x: r.long_x1, y: r.long_y1 },
        { x: r.long_x2, y: r.long_y2 },
      ],
      shortAxis,
    },
    longAxisPx: r.long_axis_px,
    shortAxisPx: r.short_axis_px,
    longAxisMm: r.long_axis_mm,
    shortAxisMm: r.short_axis_mm,
    pixelSpacing: spacingOf(r),
    box: { x1: r.box_x1, y1: r.box_y1, x2: r.box_x2, y2: r.box_y2 },
    source: r.source,
    sourceRef: r.source_ref,
    referenceType: r.reference_type,
    split: r.split,
    noisy: r.noisy === 1,
    attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    categoryId: r.category_id,
    reviewStatus: r.review_status,
    flagged: r.flagged === 1,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The geometry columns of a RECIST measurement: endpoints, lengths in px and mm, and the DeepLesion box. */
function geometry(recist: RecistAxes, spacing: [number, number] | null, reportedMm?: NewLesion['reportedMm']) {
  const box = boxFromRecist(recist);
  const s = recist.shortAxis;
  return {
    long_x1: recist.longAxis[0].x,
    long_y1: recist.longAxis[0].y,
    long_x2: recist.longAxis[1].x,
    long_y2: recist.longAxis[1].y,
    short_x1: s?.[0].x ?? null,
    short_y1: s?.[0].y ?? null,
    short_x2: s?.[1].x ?? null,
    short_y2: s?.[1].y ?? null,
    long_axis_px: segmentLength(recist.longAxis),
    short_axis_px: s ? segmentLength(s) : null,
    spacing_row_mm: spacing?.[0] ?? null,
    spacing_col_mm: spacing?.[1] ?? null,
    long_axis_mm: spacing ? segmentLengthMm(recist.longAxis, spacing) : (reportedMm?.long ?? null),
    short_axis_mm: spacing ? (s ? segmentLengthMm(s, spacing) : null) : (reportedMm?.short ?? null),
    box_x1: box.x1,
    box_y1: box.y1,
    box_x2: box.x2,
    box_y2: box.y2,
  };
}

/** The only writer of the lesions table. Every annotator change is audited in the same transaction. */
export function lesionsRepository(db: Db, audit: ReturnType<typeof auditLogRepository>) {
  const insert = db.prepare(`
    INSERT OR IGNORE INTO lesions (series_id, instance_id, frame, key_slice_ref, long_x1, long_y1, long_x2, long_y2,
      short_x1, short_y1, short_x2, short_y2, long_axis_px, short_axis_px, spacing_row_mm, spacing_col_mm, long_axis_mm,
      short_axis_mm, box_x1, box_y1, box_x2, box_y2, source, source_ref, reference_type, split, noisy, attributes,
      version, created_at, updated_at)
    VALUES (@series_id, @instance_id, @frame, @key_slice_ref, @long_x1, @long_y1, @long_x2, @long_y2, @short_x1, @short_y1,
      @short_x2, @short_y2, @long_axis_px, @short_axis_px, @spacing_row_mm, @spacing_col_mm, @long_axis_mm, @short_axis_mm,
      @box_x1, @box_y1, @box_x2, @box_y2, @source, @source_ref, @reference_type, @split, @noisy, @attributes, 1, @now, @now)`);
  const byId = db.prepare<[number], LesionRow>('SELECT * FROM lesions WHERE id = ?');
  const updateGeometry = db.prepare(`
    UPDATE lesions SET long_x1 = @long_x1, long_y1 = @long_y1, long_x2 = @long_x2, long_y2 = @long_y2,
      short_x1 = @short_x1, short_y1 = @short_y1, short_x2 = @short_x2, short_y2 = @short_y2,
      long_axis_px = @long_axis_px, short_axis_px = @short_axis_px, spacing_row_mm = @spacing_row_mm,
      spacing_col_mm = @spacing_col_mm, long_axis_mm = @long_axis_mm, short_axis_mm = @short_axis_mm,
      box_x1 = @box_x1, box_y1 = @box_y1, box_x2 = @box_x2, box_y2 = @box_y2,
      version = version + 1, updated_at = @now
    WHERE id = @id AND version = @version AND deleted_at IS NULL`);
  const softDelete = db.prepare('UPDATE lesions SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND deleted_at IS NULL');
  const undelete = db.prepare('UPDATE lesions SET deleted_at = NULL, updated_at = ?, version = version + 1 WHERE id = ? AND deleted_at IS NOT NULL');
  const forSeries = db.prepare<[number], LesionRow>('SELECT * FROM lesions WHERE series_id = ? AND deleted_at IS NULL ORDER BY id');
  // Links lesions to key slices that have arrived: by SOP Instance UID (or the DeepLesion slice key). Lesions
  // without a spacing of their own take the image's, and their mm lengths are then measured with it.
  const linkUnresolved = db.prepare<[], { id: number; gotSpacing: number }>(`
    UPDATE lesions SET
      instance_id = i.id,
      series_id = i.series_id,
      spacing_row_mm = coalesce(lesions.spacing_row_mm, i.pixel_spacing_row),
      spacing_col_mm = coalesce(lesions.spacing_col_mm, i.pixel_spacing_col)
    FROM instances i
    WHERE lesions.instance_id IS NULL AND i.sop_instance_uid = lesions.key_slice_ref
    RETURNING lesions.id AS id, (lesions.spacing_row_mm IS NOT NULL) AS gotSpacing`);
  const measureMm = db.prepare(`
    UPDATE lesions SET
      long_axis_mm = sqrt(power((long_x2 - long_x1) * spacing_col_mm, 2) + power((long_y2 - long_y1) * spacing_row_mm, 2)),
      short_axis_mm = CASE WHEN short_x1 IS NULL THEN NULL
        ELSE sqrt(power((short_x2 - short_x1) * spacing_col_mm, 2) + power((short_y2 - short_y1) * spacing_row_mm, 2)) END
    WHERE id = ? AND spacing_row_mm IS NOT NULL AND spacing_col_mm IS NOT NULL`);
  const countBySource = db.prepare<[], { source: LesionSource; n: number }>(
    'SELECT source, count(*) AS n FROM lesions WHERE deleted_at IS NULL GROUP BY source ORDER BY source',
  );
  const firstInSeries = db.prepare<[string], LesionRow>(
    'SELECT l.* FROM lesions l JOIN series s ON s.id = l.series_id WHERE s.series_instance_uid = ? ORDER BY l.id LIMIT 1',
  );
  const unresolvedCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM lesions WHERE instance_id IS NULL AND deleted_at IS NULL');

  const setReview = db.prepare(`
    UPDATE lesions SET category_id = @categoryId, review_status = @reviewStatus, flagged = @flagged,
      reviewed_by = CASE WHEN @reviewStatus = 'reviewed' THEN @actor ELSE NULL END,
      reviewed_at = CASE WHEN @reviewStatus = 'reviewed' THEN @now ELSE NULL END,
      version = version + 1, updated_at = @now
    WHERE id = @id AND deleted_at IS NULL`);
  const categoryName = db.prepare<[number], { name: string }>('SELECT name FROM categories WHERE id = ?');

  const get = (id: number): Lesion => {
    const row = byId.get(id);
    if (!row || row.deleted_at) throw new LesionNotFoundError(`no lesion ${id}`);
    return lesionFromRow(row);
  };
  const auditable = (l: Lesion) => ({ recist: l.recist, box: l.box, longAxisMm: l.longAxisMm, shortAxisMm: l.shortAxisMm, instanceId: l.instanceId, frame: l.frame });

  return {
    get,
    /** Imports lesions from a source; rows already present (same source and reference) are left alone. */
    insertMany(lesions: readonly NewLesion[]): number {
      const now = nowIso();
      let added = 0;
      for (const l of lesions) {
        const result = insert.run({
          ...geometry(l.recist, l.spacing, l.reportedMm),
          series_id: l.seriesId,
          instance_id: l.instanceId,
          frame: l.frame,
          key_slice_ref: l.keySliceRef,
          source: l.source,
          source_ref: l.sourceRef,
          reference_type: l.referenceType,
          split: l.split,
          noisy: l.noisy ? 1 : 0,
          attributes: JSON.stringify(l.attributes),
          now,
        });
        added += result.changes;
      }
      return added;
    },

    /** One annotator measurement, audited. Call inside a transaction with the audit. */
    create(lesion: NewLesion, actor: string): Lesion {
      const result = insert.run({
        ...geometry(lesion.recist, lesion.spacing),
        series_id: lesion.seriesId,
        instance_id: lesion.instanceId,
        frame: lesion.frame,
        key_slice_ref: lesion.keySliceRef,
        source: lesion.source,
        source_ref: lesion.sourceRef,
        reference_type: lesion.referenceType,
        split: lesion.split,
        noisy: lesion.noisy ? 1 : 0,
        attributes: JSON.stringify(lesion.attributes),
        now: nowIso(),
      });
      if (!result.changes) throw new ConflictError(`a ${lesion.source} lesion ${lesion.sourceRef} already exists`);
      const created = get(Number(result.lastInsertRowid));
      audit.record({ actor, entity: 'lesion', entityId: created.id, action: 'create', after: auditable(created) });
      return created;
    },

    updateRecist(id: number, version: number, recist: RecistAxes, actor: string): Lesion {
      const before = get(id);
      const changed = updateGeometry.run({ ...geometry(recist, spacingOf(byId.get(id)!)), id, version, now: nowIso() }).changes;
      if (!changed) throw new ConflictError(`lesion ${id} was changed elsewhere (version ${before.version}, not ${version}): reload it`);
      const after = get(id);
      audit.record({ actor, entity: 'lesion', entityId: id, action: 'update', before: auditable(before), after: auditable(after) });
      return after;
    },

    remove(id: number, version: number, actor: string): Lesion {
      const before = get(id);
      if (!softDelete.run(nowIso(), nowIso(), id, version).changes) {
        throw new ConflictError(`lesion ${id} was changed elsewhere (version ${before.version}, not ${version}): reload it`);
      }
      audit.record({ actor, entity: 'lesion', entityId: id, action: 'delete', before: auditable(before) });
      return before;
    },

    restore(id: number, actor: string): Lesion {
      if (!undelete.run(nowIso(), id).changes) throw new LesionNotFoundError(`lesion ${id} is not deleted`);
      const after = get(id);
      audit.record({ actor, entity: 'lesion', entityId: id, action: 'restore', after: auditable(after) });
      return after;
    },

    list(query: LesionQuery): { total: number; items: Lesion[] } {
      const where = ['deleted_at IS NULL'];
      const params: (string | number)[] = [];
      if (query.seriesId !== undefined) {
        where.push('series_id = ?');
        params.push(query.seriesId);
      }
      if (query.instanceId !== undefined) {
        where.push('instance_id = ?');
        params.push(query.instanceId);
      }
      if (query.source !== undefined) {
        where.push('source = ?');
        params.push(query.source);
      }
      const clause = where.join(' AND ');
      const total = (db.prepare(`SELECT count(*) AS n FROM lesions WHERE ${clause}`).get(...params) as { n: number }).n;
      const rows = db.prepare(`SELECT * FROM lesions WHERE ${clause} ORDER BY id LIMIT ? OFFSET ?`).all(...params, query.limit, query.offset) as LesionRow[];
      return { total, items: rows.map(lesionFromRow) };
    },

    forSeries: (seriesId: number): Lesion[] => forSeries.all(seriesId).map(lesionFromRow),

    /** Several lesions by id (deleted ones left out), in chunks below SQLite's parameter limit. */
    getMany(ids: readonly number[]): Lesion[] {
      const out: Lesion[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = db.prepare(`SELECT * FROM lesions WHERE deleted_at IS NULL AND id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as LesionRow[];
        out.push(...rows.map(lesionFromRow));
      }
      return out;
    },

    /** Attaches lesions to key slices that are now in the library; returns how many were linked. */
    linkUnresolved(): number {
      const linked = linkUnresolved.all();
      for (const { id, gotSpacing } of linked) if (gotSpacing) measureMm.run(id);
      return linked.length;
    },

    /** Any lesion of the series with this UID (sources like DeepLesion carry the series geometry on lesions). */
    firstInSeries: (seriesInstanceUid: string): Lesion | undefined => {
      const row = firstInSeries.get(seriesInstanceUid);
      return row ? lesionFromRow(row) : undefined;
    },
    /**
     * Sets the review state (category, reviewed, flagged) of one lesion, audited with the category names before
     * and after. With `expectedVersion`, a lesion changed elsewhere is refused. Returns the state before.
     */
    setReviewState(
      id: number,
      next: { categoryId: number | null; reviewStatus: 'unreviewed' | 'reviewed'; flagged: boolean },
      actor: string,
      options: { expectedVersion?: number; action?: string } = {},
    ): ReviewState {
      const before = get(id);
      if (options.expectedVersion !== undefined && before.version !== options.expectedVersion) {
        throw new ConflictError(`lesion ${id} was changed elsewhere (version ${before.version}, not ${options.expectedVersion}): reload it`);
      }
      const same = before.categoryId === next.categoryId && before.reviewStatus === next.reviewStatus && before.flagged === next.flagged;
      const previous: ReviewState = { id, categoryId: before.categoryId, reviewStatus: before.reviewStatus, flagged: before.flagged };
      if (same) return previous;
      setReview.run({ id, categoryId: next.categoryId, reviewStatus: next.reviewStatus, flagged: next.flagged ? 1 : 0, actor, now: nowIso() });
      const name = (categoryId: number | null) => (categoryId === null ? null : (categoryName.get(categoryId)?.name ?? `#${categoryId}`));
      audit.record({
        actor,
        entity: 'lesion',
        entityId: id,
        action: options.action ?? 'review',
        before: { category: name(before.categoryId), categoryId: before.categoryId, reviewStatus: before.reviewStatus, flagged: before.flagged },
        after: { category: name(next.categoryId), categoryId: next.categoryId, reviewStatus: next.reviewStatus, flagged: next.flagged },
      });
      return previous;
    },

    countBySource: (): Record<string, number> => Object.fromEntries(countBySource.all().map((r) => [r.source, r.n])),
    count: (): number => countBySource.all().reduce((sum, r) => sum + r.n, 0),
    unresolvedCount: (): number => unresolvedCount.get()!.n,
  };
}

function spacingOf(row: LesionRow): [number, number] | null {
  return row.spacing_row_mm !== null && row.spacing_col_mm !== null ? [row.spacing_row_mm, row.spacing_col_mm] : null;
}
