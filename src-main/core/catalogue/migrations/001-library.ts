import type { Migration } from './index';

/** Patients, studies, series, instances and the files an import rejected. */
export const migration001: Migration = {
  version: 1,
  name: 'library',
  sql: `
CREATE TABLE catalogue_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE patients (
  id          INTEGER PRIMARY KEY,
  -- PatientID, or a fallback from name and birth date when the ID is empty
  patient_key TEXT NOT NULL UNIQUE,
  patient_id  TEXT NOT NULL,
  name        TEXT,
  birth_date  TEXT,
  sex         TEXT,
  created_at  TEXT NOT NULL
);

CREATE TABLE studies (
  id                 INTEGER PRIMARY KEY,
  patient_id         INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  study_instance_uid TEXT NOT NULL UNIQUE,
  study_date         TEXT,
  study_time         TEXT,
  description        TEXT,
  accession_number   TEXT,
  study_id           TEXT,
  patient_age        TEXT,
  created_at         TEXT NOT NULL
);
CREATE INDEX studies_patient ON studies(patient_id);

CREATE TABLE series (
  id                     INTEGER PRIMARY KEY,
  study_id               INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  series_instance_uid    TEXT NOT NULL UNIQUE,
  modality               TEXT,
  series_number          INTEGER,
  description            TEXT,
  body_part              TEXT,
  frame_of_reference_uid TEXT,
  manufacturer           TEXT,
  created_at             TEXT NOT NULL
);
CREATE INDEX series_study ON series(study_id);

CREATE TABLE instances (
  id                     INTEGER PRIMARY KEY,
  series_id              INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  sop_instance_uid       TEXT NOT NULL UNIQUE,
  sop_class_uid          TEXT,
  file_path              TEXT NOT NULL UNIQUE,
  file_size              INTEGER NOT NULL,
  file_mtime_ms          INTEGER NOT NULL,
  transfer_syntax_uid    TEXT,
  instance_number        INTEGER,
  -- 0 for objects without pixel data (SR, presentation states, RT plans)
  frames                 INTEGER NOT NULL,
  rows                   INTEGER,
  columns                INTEGER,
  pixel_spacing_row      REAL,
  pixel_spacing_col      REAL,
  -- JSON [x, y, z] and [rx, ry, rz, cx, cy, cz]
  image_position         TEXT,
  image_orientation      TEXT,
  -- mm along the slice normal (row cosines x column cosines); orders the slices of a series
  slice_position         REAL,
  -- JSON array of per-frame ImagePositionPatient [x, y, z] (enhanced multi-frame objects)
  frame_positions        TEXT,
  slice_thickness        REAL,
  spacing_between_slices REAL,
  rescale_slope          REAL NOT NULL DEFAULT 1,
  rescale_intercept      REAL NOT NULL DEFAULT 0,
  rescale_type           TEXT,
  -- JSON [{name, center, width}]
  window_presets         TEXT NOT NULL DEFAULT '[]',
  bits_allocated         INTEGER,
  bits_stored            INTEGER,
  pixel_representation   INTEGER,
  samples_per_pixel      INTEGER,
  photometric            TEXT,
  image_type             TEXT,
  acquisition_number     INTEGER,
  imported_at            TEXT NOT NULL
);
CREATE INDEX instances_series ON instances(series_id, slice_position, instance_number);

CREATE TABLE rejected_files (
  id            INTEGER PRIMARY KEY,
  file_path     TEXT NOT NULL UNIQUE,
  file_size     INTEGER,
  file_mtime_ms INTEGER,
  reason        TEXT NOT NULL,
  rejected_at   TEXT NOT NULL
);
`,
};
