import { nowIso, type Db } from './database';

export interface PatientFields {
  patientId: string;
  name: string | null;
  birthDate: string | null;
  sex: string | null;
}

export interface PatientRow extends PatientFields {
  id: number;
}

/** The key a patient is catalogued under: its PatientID, or name + birth date when the ID is empty. */
export function patientKey(p: PatientFields): string {
  if (p.patientId.trim()) return `id:${p.patientId.trim()}`;
  return `anon:${p.name ?? ''}|${p.birthDate ?? ''}`;
}

export function patientsRepository(db: Db) {
  const upsert = db.prepare<[string, string, string | null, string | null, string | null, string], { id: number }>(`
    INSERT INTO patients (patient_key, patient_id, name, birth_date, sex, created_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(patient_key) DO UPDATE SET
      name = coalesce(excluded.name, patients.name),
      birth_date = coalesce(excluded.birth_date, patients.birth_date),
      sex = coalesce(excluded.sex, patients.sex)
    RETURNING id`);
  const all = db.prepare<[], PatientRow>(
    'SELECT id, patient_id AS patientId, name, birth_date AS birthDate, sex FROM patients ORDER BY patient_id, id',
  );
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM patients');
  const deleteEmpty = db.prepare('DELETE FROM patients WHERE NOT EXISTS (SELECT 1 FROM studies s WHERE s.patient_id = patients.id)');

  return {
    upsert(p: PatientFields): number {
      return upsert.get(patientKey(p), p.patientId, p.name, p.birthDate, p.sex, nowIso())!.id;
    },
    list: (): PatientRow[] => all.all(),
    count: (): number => count.get()!.n,
    deleteEmpty: (): number => deleteEmpty.run().changes,
  };
}
