import type { Migration } from './index';

/** Model versions and the embeddings they produced: a retrained model never silently mixes with old results. */
export const migration003: Migration = {
  version: 3,
  name: 'models and embeddings',
  sql: `
CREATE TABLE model_versions (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  version     TEXT NOT NULL,
  task        TEXT NOT NULL CHECK (task IN ('embedding', 'classifier', 'detector')),
  sha256      TEXT NOT NULL,
  -- the folder holding model.onnx and manifest.json
  path        TEXT NOT NULL,
  manifest    TEXT NOT NULL,
  -- where it came from: 'bundled', 'user', or the run that trained it
  origin      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  UNIQUE (name, version, sha256)
);

-- One embedding per lesion and embedding configuration (model version + feature groups).
CREATE TABLE embeddings (
  lesion_id         INTEGER NOT NULL REFERENCES lesions(id),
  model_version_id  INTEGER NOT NULL REFERENCES model_versions(id),
  -- float32 little endian; the layout (group names and lengths) is the embedder's, in embedding_layouts
  vector            BLOB NOT NULL,
  -- 0 when the lesion's image is not in the library: image groups are NaN, the others are filled
  has_pixels        INTEGER NOT NULL,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (lesion_id, model_version_id)
);

CREATE TABLE embedding_layouts (
  model_version_id  INTEGER PRIMARY KEY REFERENCES model_versions(id),
  -- JSON [{name, length}] in vector order
  groups            TEXT NOT NULL
);
`,
};
