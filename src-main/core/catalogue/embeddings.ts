import { nowIso, type Db } from './database';

export interface EmbeddingGroupLayout {
  name: string;
  length: number;
}

export interface StoredEmbedding {
  lesionId: number;
  vector: Float32Array;
  hasPixels: boolean;
}

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function fromBlob(b: Buffer): Float32Array {
  // copy: the blob's buffer belongs to SQLite's row
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function embeddingsRepository(db: Db) {
  const put = db.prepare(`
    INSERT INTO embeddings (lesion_id, model_version_id, vector, has_pixels, created_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (lesion_id, model_version_id) DO UPDATE SET vector = excluded.vector, has_pixels = excluded.has_pixels,
      created_at = excluded.created_at`);
  const setLayout = db.prepare('INSERT INTO embedding_layouts (model_version_id, groups) VALUES (?, ?) ON CONFLICT (model_version_id) DO UPDATE SET groups = excluded.groups');
  const layout = db.prepare<[number], { groups: string }>('SELECT groups FROM embedding_layouts WHERE model_version_id = ?');
  const missing = db.prepare<[number, number], { id: number }>(`
    SELECT l.id FROM lesions l
    WHERE l.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.lesion_id = l.id AND e.model_version_id = ?)
    ORDER BY l.id LIMIT ?`);
  const countMissing = db.prepare<[number], { n: number }>(`
    SELECT count(*) AS n FROM lesions l
    WHERE l.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.lesion_id = l.id AND e.model_version_id = ?)`);
  const all = db.prepare<[number], { lesionId: number; vector: Buffer; hasPixels: number }>(`
    SELECT e.lesion_id AS lesionId, e.vector, e.has_pixels AS hasPixels FROM embeddings e
    JOIN lesions l ON l.id = e.lesion_id AND l.deleted_at IS NULL
    WHERE e.model_version_id = ? ORDER BY e.lesion_id`);
  const one = db.prepare<[number, number], { vector: Buffer; hasPixels: number }>(
    'SELECT vector, has_pixels AS hasPixels FROM embeddings WHERE lesion_id = ? AND model_version_id = ?',
  );
  const count = db.prepare<[number], { n: number; withPixels: number }>(
    'SELECT count(*) AS n, coalesce(sum(has_pixels), 0) AS withPixels FROM embeddings WHERE model_version_id = ?',
  );
  // lesions whose geometry changed after they were embedded must be embedded again
  const stale = db.prepare(`
    DELETE FROM embeddings WHERE model_version_id = ? AND lesion_id IN (
      SELECT l.id FROM lesions l JOIN embeddings e ON e.lesion_id = l.id AND e.model_version_id = ?
      WHERE l.updated_at > e.created_at)`);

  const dropAll = db.prepare('DELETE FROM embeddings WHERE model_version_id = ?');

  return {
    dropAll: (modelVersionId: number): number => dropAll.run(modelVersionId).changes,
    put(modelVersionId: number, e: StoredEmbedding): void {
      put.run(e.lesionId, modelVersionId, toBlob(e.vector), e.hasPixels ? 1 : 0, nowIso());
    },
    setLayout: (modelVersionId: number, groups: EmbeddingGroupLayout[]) => void setLayout.run(modelVersionId, JSON.stringify(groups)),
    layout(modelVersionId: number): EmbeddingGroupLayout[] | null {
      const row = layout.get(modelVersionId);
      return row ? (JSON.parse(row.groups) as EmbeddingGroupLayout[]) : null;
    },
    /** Lesions (not deleted) without an embedding for this model version, oldest first. */
    missing: (modelVersionId: number, limit: number): number[] => missing.all(modelVersionId, limit).map((r) => r.id),
    countMissing: (modelVersionId: number): number => countMissing.get(modelVersionId)!.n,
    all: (modelVersionId: number): StoredEmbedding[] =>
      all.all(modelVersionId).map((r) => ({ lesionId: r.lesionId, vector: fromBlob(r.vector), hasPixels: r.hasPixels === 1 })),
    get(lesionId: number, modelVersionId: number): StoredEmbedding | null {
      const r = one.get(lesionId, modelVersionId);
      return r ? { lesionId, vector: fromBlob(r.vector), hasPixels: r.hasPixels === 1 } : null;
    },
    count: (modelVersionId: number) => count.get(modelVersionId)!,
    dropStale: (modelVersionId: number): number => stale.run(modelVersionId, modelVersionId).changes,
  };
}
