import type { AuditEntry } from '../../contract';
import { nowIso, type Db } from './database';

export function auditLogRepository(db: Db) {
  const insert = db.prepare('INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const forEntity = db.prepare<[string, number], { id: number; at: string; actor: string; entity: string; entityId: number | null; action: string; before: string | null; after: string | null }>(
    'SELECT id, at, actor, entity, entity_id AS entityId, action, before, after FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id',
  );
  const recent = db.prepare<[number], { id: number; at: string; actor: string; entity: string; entityId: number | null; action: string; before: string | null; after: string | null }>(
    'SELECT id, at, actor, entity, entity_id AS entityId, action, before, after FROM audit_log ORDER BY id DESC LIMIT ?',
  );
  const parse = (row: { before: string | null; after: string | null } & Omit<AuditEntry, 'before' | 'after'>): AuditEntry => ({
    ...row,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
  });

  return {
    /** Call inside the transaction of the change it records. */
    record(entry: { actor: string; entity: string; entityId: number | null; action: string; before?: unknown; after?: unknown }): void {
      insert.run(
        nowIso(),
        entry.actor,
        entry.entity,
        entry.entityId,
        entry.action,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
      );
    },
    forEntity: (entity: string, id: number): AuditEntry[] => forEntity.all(entity, id).map(parse),
    recent: (limit: number): AuditEntry[] => recent.all(limit).map(parse),
  };
}
