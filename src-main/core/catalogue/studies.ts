import { nowIso, type Db } from './database';

export interface StudyFields {
  studyInstanceUid: string;
  studyDate: string | null;
  studyTime: string | null;
  description: string | null;
  accessionNumber: string | null;
  studyId: string | null;
  patientAge: string | null;
}

export interface StudyRow extends StudyFields {
  id: number;
  patientRowId: number;
}

export function studiesRepository(db: Db) {
  const upsert = db.prepare(`
    INSERT INTO studies (patient_id, study_instance_uid, study_date, study_time, description, accession_number, study_id,
                         patient_age, created_at)
    VALUES (@patientRowId, @studyInstanceUid, @studyDate, @studyTime, @description, @accessionNumber, @studyId, @patientAge, @now)
    ON CONFLICT(study_instance_uid) DO UPDATE SET
      patient_id = excluded.patient_id,
      study_date = coalesce(excluded.study_date, studies.study_date),
      study_time = coalesce(excluded.study_time, studies.study_time),
      description = coalesce(excluded.description, studies.description),
      accession_number = coalesce(excluded.accession_number, studies.accession_number),
      study_id = coalesce(excluded.study_id, studies.study_id),
      patient_age = coalesce(excluded.patient_age, studies.patient_age)
    RETURNING id`);
  const all = db.prepare<[], StudyRow>(`
    SELECT id, patient_id AS patientRowId, study_instance_uid AS studyInstanceUid, study_date AS studyDate,
           study_time AS studyTime, description, accession_number AS accessionNumber, study_id AS studyId,
           patient_age AS patientAge
    FROM studies ORDER BY study_date, study_time, id`);
  const byId = db.prepare<[number], StudyRow>(`
    SELECT id, patient_id AS patientRowId, study_instance_uid AS studyInstanceUid, study_date AS studyDate,
           study_time AS studyTime, description, accession_number AS accessionNumber, study_id AS studyId,
           patient_age AS patientAge
    FROM studies WHERE id = ?`);
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM studies');
  const deleteEmpty = db.prepare('DELETE FROM studies WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.study_id = studies.id)');

  return {
    upsert(patientRowId: number, s: StudyFields): number {
      return (upsert.get({ ...s, patientRowId, now: nowIso() }) as { id: number }).id;
    },
    list: (): StudyRow[] => all.all(),
    get: (id: number): StudyRow | undefined => byId.get(id),
    count: (): number => count.get()!.n,
    deleteEmpty: (): number => deleteEmpty.run().changes,
  };
}
