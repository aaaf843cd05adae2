import type { Migration } from './index';

/** Lesions (RECIST measurements with their boxes), their audit trail, and image formats beyond DICOM. */
export const migration002: Migration = {
  version: 2,
  name: 'lesions',
  sql: `
-- 'dicom' files are parsed with daikon; 'png16' are DeepLesion slices (stored value = HU + 32768)
ALTER TABLE instances ADD COLUMN format TEXT NOT NULL DEFAULT 'dicom';

CREATE TABLE lesions (
  id                INTEGER PRIMARY KEY,
  -- the series and key slice it was measured on; the image may arrive after the lesion (instance_id NULL)
  series_id         INTEGER REFERENCES series(id),
  instance_id       INTEGER REFERENCES instances(id) ON DELETE SET NULL,
  frame             INTEGER NOT NULL DEFAULT 0,
  -- how the key slice is found when it is not (yet) in the library: a SOP Instance UID, or
  -- 'deeplesion:<patient>_<study>_<series>/<slice>' for DeepLesion slices
  key_slice_ref     TEXT NOT NULL,
  -- RECIST endpoints in pixel-centre coordinates (x = column, y = row)
  long_x1 REAL NOT NULL, long_y1 REAL NOT NULL, long_x2 REAL NOT NULL, long_y2 REAL NOT NULL,
  short_x1 REAL, short_y1 REAL, short_x2 REAL, short_y2 REAL,
  long_axis_px      REAL NOT NULL,
  short_axis_px     REAL,
  -- the [row, column] spacing the mm values were computed with (from the image or the source)
  spacing_row_mm    REAL,
  spacing_col_mm    REAL,
  long_axis_mm      REAL,
  short_axis_mm     REAL,
  box_x1 REAL NOT NULL, box_y1 REAL NOT NULL, box_x2 REAL NOT NULL, box_y2 REAL NOT NULL,
  source            TEXT NOT NULL CHECK (source IN ('deeplesion', 'dicom-sr', 'presentation-state', 'annotator', 'detection')),
  -- identity inside the source (DeepLesion row, SR object + measurement group): makes re-imports idempotent
  source_ref        TEXT NOT NULL,
  -- a label the source gives (DeepLesion's coarse type 1..8), kept apart from the curated category
  reference_type    INTEGER,
  split             TEXT CHECK (split IN ('train', 'val', 'test')),
  noisy             INTEGER NOT NULL DEFAULT 0,
  -- source-specific facts as JSON (DeepLesion location, slice range, windows, age, sex; SR labels)
  attributes        TEXT NOT NULL DEFAULT '{}',
  -- incremented on every change: concurrent edits of one lesion are detected, not overwritten
  version           INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  -- deleting keeps the row (and its history); undo restores it
  deleted_at        TEXT,
  UNIQUE (source, source_ref)
);
CREATE INDEX lesions_instance ON lesions(instance_id) WHERE deleted_at IS NULL;
CREATE INDEX lesions_series ON lesions(series_id);
CREATE INDEX lesions_unresolved ON lesions(key_slice_ref) WHERE instance_id IS NULL;

-- Every change to annotations: who, when, what, before and after (JSON). Written only by the repositories.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  actor       TEXT NOT NULL,
  entity      TEXT NOT NULL,
  entity_id   INTEGER,
  action      TEXT NOT NULL,
  before      TEXT,
  after       TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
`,
};
