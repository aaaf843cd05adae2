import type { Migration } from './index';

/**
 * The annotators' taxonomy and the review state of every lesion. The curated category is kept apart from the
 * source's reference type; every change of it goes through the lesions repository and is audited.
 */
export const migration005: Migration = {
  version: 5,
  name: 'categories and review',
  sql: `
CREATE TABLE categories (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  colour          TEXT NOT NULL,
  -- the key that assigns it in the gallery (one character)
  shortcut        TEXT,
  description     TEXT NOT NULL DEFAULT '',
  -- DeepLesion's coarse type it exports as (1..8), or NULL
  reference_type  INTEGER,
  position        INTEGER NOT NULL,
  -- a merged category points to the one it went into; its lesions moved there, its history stays
  merged_into     INTEGER REFERENCES categories(id),
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX categories_live_name ON categories(name) WHERE merged_into IS NULL;
CREATE UNIQUE INDEX categories_live_shortcut ON categories(shortcut) WHERE merged_into IS NULL AND shortcut IS NOT NULL;

INSERT INTO categories (name, colour, shortcut, description, reference_type, position, created_at, updated_at) VALUES
  ('bone',         '#e6e1c5', '1', 'Bone lesions (DeepLesion coarse type 1)', 1, 1, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('abdomen',      '#f5a623', '2', 'Abdominal lesions not in liver or kidney (type 2)', 2, 2, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('mediastinum',  '#bd10e0', '3', 'Mediastinal lesions, mostly lymph nodes (type 3)', 3, 3, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('liver',        '#d0021b', '4', 'Liver lesions (type 4)', 4, 4, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('lung',         '#4a90e2', '5', 'Lung nodules and masses (type 5)', 5, 5, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('kidney',       '#7ed321', '6', 'Kidney lesions (type 6)', 6, 6, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('soft tissue',  '#50e3c2', '7', 'Soft-tissue lesions: muscle, skin, fat (type 7)', 7, 7, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('pelvis',       '#f8e71c', '8', 'Pelvic lesions (type 8)', 8, 8, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('not a lesion', '#9b9b9b', '9', 'Not a lesion: a measurement of something else', NULL, 9, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ('unsure',       '#8b572a', '0', 'Needs another look', NULL, 10, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'));

ALTER TABLE lesions ADD COLUMN category_id INTEGER REFERENCES categories(id);
ALTER TABLE lesions ADD COLUMN review_status TEXT NOT NULL DEFAULT 'unreviewed' CHECK (review_status IN ('unreviewed', 'reviewed'));
ALTER TABLE lesions ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lesions ADD COLUMN reviewed_by TEXT;
ALTER TABLE lesions ADD COLUMN reviewed_at TEXT;
CREATE INDEX lesions_category ON lesions(category_id) WHERE deleted_at IS NULL;
CREATE INDEX audit_at ON audit_log(actor, at);
`,
};
