import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

export class CatalogueVersionError extends Error {}

/**
 * Opens (or creates) a catalogue file: WAL so readers never block the writer, foreign keys on,
 * and every pending migration applied in one transaction each.
 */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commit.
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  if (!options.readonly) applyMigrations(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function applyMigrations(db: Db, all: readonly Migration[]): void {
  const known = all.length ? all[all.length - 1]!.version : 0;
  const current = schemaVersion(db);
  if (current > known) {
    throw new CatalogueVersionError(
      `This catalogue has schema version ${current}, newer than this workstation understands (${known}). Update the workstation.`,
    );
  }
  for (const migration of all) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
      if (migration.version === 1) {
        db.prepare('INSERT INTO catalogue_meta (key, value) VALUES (?, ?)').run('catalogue_id', randomUUID());
        db.prepare('INSERT INTO catalogue_meta (key, value) VALUES (?, ?)').run('created_at', nowIso());
      }
    })();
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
