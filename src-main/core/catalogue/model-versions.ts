import { nowIso, type Db } from './database';

export interface ModelVersionRow {
  id: number;
  name: string;
  version: string;
  task: 'embedding' | 'classifier' | 'detector';
  sha256: string;
  path: string;
  manifest: unknown;
  origin: string;
  createdAt: string;
}

export function modelVersionsRepository(db: Db) {
  const upsert = db.prepare(`
    INSERT INTO model_versions (name, version, task, sha256, path, manifest, origin, created_at)
    VALUES (@name, @version, @task, @sha256, @path, @manifest, @origin, @now)
    ON CONFLICT (name, version, sha256) DO UPDATE SET path = excluded.path, manifest = excluded.manifest
    RETURNING id`);
  const all = db.prepare<[], Omit<ModelVersionRow, 'manifest'> & { manifest: string }>(
    'SELECT id, name, version, task, sha256, path, manifest, origin, created_at AS createdAt FROM model_versions ORDER BY id',
  );
  const parse = (r: Omit<ModelVersionRow, 'manifest'> & { manifest: string }): ModelVersionRow => ({ ...r, manifest: JSON.parse(r.manifest) as unknown });
  return {
    /** Registers a model file (by name, version and content hash) and returns its id; the same file keeps its id. */
    register(m: { name: string; version: string; task: ModelVersionRow['task']; sha256: string; path: string; manifest: unknown; origin: string }): number {
      return (upsert.get({ ...m, manifest: JSON.stringify(m.manifest), now: nowIso() }) as { id: number }).id;
    },
    list: (): ModelVersionRow[] => all.all().map(parse),
    get(id: number): ModelVersionRow | undefined {
      return this.list().find((m) => m.id === id);
    },
  };
}
