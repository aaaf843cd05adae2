import { nowIso, type Db } from './database';

export interface RejectedFileRow {
  path: string;
  reason: string;
  rejectedAt: string;
}

export function rejectedFilesRepository(db: Db) {
  const record = db.prepare(`
    INSERT INTO rejected_files (file_path, file_size, file_mtime_ms, reason, rejected_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(file_path) DO UPDATE SET file_size = excluded.file_size, file_mtime_ms = excluded.file_mtime_ms,
      reason = excluded.reason, rejected_at = excluded.rejected_at`);
  const clear = db.prepare('DELETE FROM rejected_files WHERE file_path = ?');
  const page = db.prepare<[number, number], RejectedFileRow>(
    'SELECT file_path AS path, reason, rejected_at AS rejectedAt FROM rejected_files ORDER BY file_path LIMIT ? OFFSET ?',
  );
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rejected_files');

  return {
    record(path: string, size: number | null, mtimeMs: number | null, reason: string): void {
      record.run(path, size, mtimeMs === null ? null : Math.round(mtimeMs), reason, nowIso());
    },
    /** Forgets a rejection once the file imports (it was fixed or replaced). */
    clear: (path: string): void => void clear.run(path),
    page: (offset: number, limit: number): RejectedFileRow[] => page.all(limit, offset),
    count: (): number => count.get()!.n,
  };
}
