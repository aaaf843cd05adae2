import type { Category } from '../../contract';
import type { auditLogRepository } from './audit-log';
import { nowIso, type Db } from './database';
import { ConflictError } from './lesions';

/** A category as stored: the contract's fields (without the lesion count) and what it was merged into. */
interface CategoryRow extends Omit<Category, 'lesions'> {
  mergedInto: number | null;
}

const columns = `id, name, colour, shortcut, description, reference_type AS referenceType, position, version, merged_into AS mergedInto`;

/** The only writer of categories. Renames and merges are audited; merged categories stay for the history. */
export function categoriesRepository(db: Db, audit: ReturnType<typeof auditLogRepository>) {
  const live = db.prepare<[], CategoryRow & { lesions: number }>(`
    SELECT ${columns}, (SELECT count(*) FROM lesions l WHERE l.category_id = c.id AND l.deleted_at IS NULL) AS lesions
    FROM categories c WHERE merged_into IS NULL ORDER BY position, id`);
  const byId = db.prepare<[number], CategoryRow>(`SELECT ${columns} FROM categories WHERE id = ?`);
  const insert = db.prepare(`
    INSERT INTO categories (name, colour, shortcut, description, reference_type, position, created_at, updated_at)
    VALUES (@name, @colour, @shortcut, @description, NULL, (SELECT coalesce(max(position), 0) + 1 FROM categories), @now, @now)`);
  const update = db.prepare(`
    UPDATE categories SET name = @name, colour = @colour, shortcut = @shortcut, description = @description,
      version = version + 1, updated_at = @now
    WHERE id = @id AND version = @version AND merged_into IS NULL`);
  const retire = db.prepare('UPDATE categories SET merged_into = ?, shortcut = NULL, version = version + 1, updated_at = ? WHERE id = ?');

  const plain = (r: CategoryRow) => ({ name: r.name, colour: r.colour, shortcut: r.shortcut, description: r.description });
  const unique = (err: unknown) => {
    if (err instanceof Error && /UNIQUE/.test(err.message)) throw new ConflictError('another category already has that name or shortcut');
    throw err;
  };

  return {
    list(): Category[] {
      return live.all().map(({ mergedInto: _m, ...c }) => c);
    },
    get(id: number): CategoryRow | undefined {
      return byId.get(id);
    },
    /** The live category a possibly merged one now lives on as. */
    resolve(id: number): CategoryRow | undefined {
      let row = byId.get(id);
      for (let hops = 0; row?.mergedInto && hops < 100; hops++) row = byId.get(row.mergedInto);
      return row;
    },
    create(c: { name: string; colour: string; shortcut: string | null; description: string }, actor: string): number {
      let id = 0;
      try {
        id = Number(insert.run({ ...c, now: nowIso() }).lastInsertRowid);
      } catch (err) {
        unique(err);
      }
      audit.record({ actor, entity: 'category', entityId: id, action: 'create', after: c });
      return id;
    },
    update(id: number, version: number, c: { name: string; colour: string; shortcut: string | null; description: string }, actor: string): void {
      const before = byId.get(id);
      if (!before || before.mergedInto) throw new ConflictError(`category ${id} does not exist (or was merged)`);
      let changed = 0;
      try {
        changed = update.run({ ...c, id, version, now: nowIso() }).changes;
      } catch (err) {
        unique(err);
      }
      if (!changed) throw new ConflictError(`category ${id} was changed elsewhere (version ${before.version}, not ${version}): reload it`);
      audit.record({ actor, entity: 'category', entityId: id, action: 'update', before: plain(before), after: c });
    },
    /** Marks `from` as merged into `into`; the lesions are moved by the lesions repository. */
    retire(from: number, into: number, actor: string): void {
      retire.run(into, nowIso(), from);
      audit.record({ actor, entity: 'category', entityId: from, action: 'merge', before: plain(byId.get(from)!), after: { mergedInto: into } });
    },
  };
}
