import type { Migration } from './index';

/** Clustering runs: parameters, per-round reports, per-lesion assignments and the 2-D map of each run. */
export const migration004: Migration = {
  version: 4,
  name: 'clustering runs',
  sql: `
CREATE TABLE clustering_runs (
  id                          INTEGER PRIMARY KEY,
  created_at                  TEXT NOT NULL,
  embedding_model_version_id  INTEGER NOT NULL REFERENCES model_versions(id),
  -- the head trained by the iterative loop, saved as a model version (NULL for a plain k-means run)
  head_model_version_id       INTEGER REFERENCES model_versions(id),
  k                           INTEGER NOT NULL,
  metric                      TEXT NOT NULL CHECK (metric IN ('euclidean', 'cosine')),
  seed                        INTEGER NOT NULL,
  -- JSON FeatureWeights: the groups used and their weights
  features                    TEXT NOT NULL,
  -- JSON of the other parameters (restarts, iterate, rounds limit, head settings)
  params                      TEXT NOT NULL,
  -- JSON [{round, changedFraction, inertia, silhouette}]
  rounds                      TEXT NOT NULL,
  inertia                     REAL NOT NULL,
  silhouette                  REAL,
  lesions                     INTEGER NOT NULL
);

CREATE TABLE cluster_assignments (
  run_id     INTEGER NOT NULL REFERENCES clustering_runs(id) ON DELETE CASCADE,
  lesion_id  INTEGER NOT NULL REFERENCES lesions(id),
  cluster    INTEGER NOT NULL,
  -- distance to the cluster centre in the run's final feature space
  distance   REAL NOT NULL,
  PRIMARY KEY (run_id, lesion_id)
);
CREATE INDEX cluster_assignments_by_cluster ON cluster_assignments(run_id, cluster, distance);

CREATE TABLE run_maps (
  run_id     INTEGER NOT NULL REFERENCES clustering_runs(id) ON DELETE CASCADE,
  lesion_id  INTEGER NOT NULL REFERENCES lesions(id),
  x          REAL NOT NULL,
  y          REAL NOT NULL,
  PRIMARY KEY (run_id, lesion_id)
);
`,
};
