import { nowIso, type Db } from './database';

export interface SeriesFields {
  seriesInstanceUid: string;
  modality: string | null;
  seriesNumber: number | null;
  description: string | null;
  bodyPart: string | null;
  frameOfReferenceUid: string | null;
  manufacturer: string | null;
}

export interface SeriesRow extends SeriesFields {
  id: number;
  studyRowId: number;
  /** Image frames (the slices a viewer scrolls through). */
  slices: number;
  /** DICOM objects of any kind. */
  instances: number;
}

const seriesColumns = `
  s.id, s.study_id AS studyRowId, s.series_instance_uid AS seriesInstanceUid, s.modality, s.series_number AS seriesNumber,
  s.description, s.body_part AS bodyPart, s.frame_of_reference_uid AS frameOfReferenceUid, s.manufacturer,
  (SELECT coalesce(sum(i.frames), 0) FROM instances i WHERE i.series_id = s.id) AS slices,
  (SELECT count(*) FROM instances i WHERE i.series_id = s.id) AS instances`;

export function seriesRepository(db: Db) {
  const upsert = db.prepare(`
    INSERT INTO series (study_id, series_instance_uid, modality, series_number, description, body_part,
                        frame_of_reference_uid, manufacturer, created_at)
    VALUES (@studyRowId, @seriesInstanceUid, @modality, @seriesNumber, @description, @bodyPart, @frameOfReferenceUid,
            @manufacturer, @now)
    ON CONFLICT(series_instance_uid) DO UPDATE SET
      study_id = excluded.study_id,
      modality = coalesce(excluded.modality, series.modality),
      series_number = coalesce(excluded.series_number, series.series_number),
      description = coalesce(excluded.description, series.description),
      body_part = coalesce(excluded.body_part, series.body_part),
      frame_of_reference_uid = coalesce(excluded.frame_of_reference_uid, series.frame_of_reference_uid),
      manufacturer = coalesce(excluded.manufacturer, series.manufacturer)
    RETURNING id`);
  const all = db.prepare<[], SeriesRow>(`SELECT ${seriesColumns} FROM series s ORDER BY s.series_number, s.id`);
  const byId = db.prepare<[number], SeriesRow>(`SELECT ${seriesColumns} FROM series s WHERE s.id = ?`);
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM series');
  const deleteEmpty = db.prepare(`
    DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.series_id = series.id)
      AND NOT EXISTS (SELECT 1 FROM lesions l WHERE l.series_id = series.id)`);

  return {
    upsert(studyRowId: number, s: SeriesFields): number {
      return (upsert.get({ ...s, studyRowId, now: nowIso() }) as { id: number }).id;
    },
    list: (): SeriesRow[] => all.all(),
    get: (id: number): SeriesRow | undefined => byId.get(id),
    count: (): number => count.get()!.n,
    deleteEmpty: (): number => deleteEmpty.run().changes,
  };
}
