import { nowIso, type Db } from './database';

export interface RoundReport {
  round: number;
  /** Fraction of lesions that changed cluster since the previous round (after matching cluster ids); null in round 0. */
  changedFraction: number | null;
  inertia: number;
  silhouette: number | null;
}

export interface ClusteringRunRow {
  id: number;
  createdAt: string;
  embeddingModelVersionId: number;
  headModelVersionId: number | null;
  k: number;
  metric: 'euclidean' | 'cosine';
  seed: number;
  features: Record<string, number>;
  params: Record<string, unknown>;
  rounds: RoundReport[];
  inertia: number;
  silhouette: number | null;
  lesions: number;
}

interface RawRun extends Omit<ClusteringRunRow, 'features' | 'params' | 'rounds'> {
  features: string;
  params: string;
  rounds: string;
}

const columns = `id, created_at AS createdAt, embedding_model_version_id AS embeddingModelVersionId,
  head_model_version_id AS headModelVersionId, k, metric, seed, features, params, rounds, inertia, silhouette, lesions`;

function parse(r: RawRun): ClusteringRunRow {
  return { ...r, features: JSON.parse(r.features), params: JSON.parse(r.params), rounds: JSON.parse(r.rounds) };
}

/** Owner of clustering_runs, cluster_assignments and run_maps. */
export function clusteringRunsRepository(db: Db) {
  const insertRun = db.prepare(`
    INSERT INTO clustering_runs (created_at, embedding_model_version_id, head_model_version_id, k, metric, seed, features,
      params, rounds, inertia, silhouette, lesions)
    VALUES (@createdAt, @embeddingModelVersionId, @headModelVersionId, @k, @metric, @seed, @features, @params, @rounds,
      @inertia, @silhouette, @lesions)`);
  const insertAssignment = db.prepare('INSERT INTO cluster_assignments (run_id, lesion_id, cluster, distance) VALUES (?, ?, ?, ?)');
  const all = db.prepare<[], RawRun>(`SELECT ${columns} FROM clustering_runs ORDER BY id DESC`);
  const one = db.prepare<[number], RawRun>(`SELECT ${columns} FROM clustering_runs WHERE id = ?`);
  const assignments = db.prepare<[number], { lesionId: number; cluster: number; distance: number }>(
    'SELECT lesion_id AS lesionId, cluster, distance FROM cluster_assignments WHERE run_id = ? ORDER BY lesion_id',
  );
  const clearMap = db.prepare('DELETE FROM run_maps WHERE run_id = ?');
  const insertMap = db.prepare('INSERT INTO run_maps (run_id, lesion_id, x, y) VALUES (?, ?, ?, ?)');
  const map = db.prepare<[number], { lesionId: number; x: number; y: number }>('SELECT lesion_id AS lesionId, x, y FROM run_maps WHERE run_id = ? ORDER BY lesion_id');
  const moveMembers = db.prepare('UPDATE cluster_assignments SET cluster = ? WHERE run_id = ? AND cluster = ?');
  const moveLesion = db.prepare('UPDATE cluster_assignments SET cluster = ? WHERE run_id = ? AND lesion_id = ?');
  const setDistance = db.prepare('UPDATE cluster_assignments SET cluster = ?, distance = ? WHERE run_id = ? AND lesion_id = ?');
  const setK = db.prepare('UPDATE clustering_runs SET k = ? WHERE id = ?');
  const setHead = db.prepare('UPDATE clustering_runs SET head_model_version_id = ? WHERE id = ?');
  const getCurrent = db.prepare<[], { value: string }>("SELECT value FROM catalogue_meta WHERE key = 'current_run'");
  const setCurrent = db.prepare("INSERT INTO catalogue_meta (key, value) VALUES ('current_run', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");

  return {
    /** Stores a finished run with every assignment; call inside a transaction. */
    create(run: Omit<ClusteringRunRow, 'id' | 'createdAt'>, members: { lesionIds: ArrayLike<number>; labels: ArrayLike<number>; distances: ArrayLike<number> }): number {
      const id = Number(
        insertRun.run({
          ...run,
          createdAt: nowIso(),
          features: JSON.stringify(run.features),
          params: JSON.stringify(run.params),
          rounds: JSON.stringify(run.rounds),
        }).lastInsertRowid,
      );
      for (let i = 0; i < members.lesionIds.length; i++) insertAssignment.run(id, members.lesionIds[i], members.labels[i], members.distances[i]);
      return id;
    },
    list: (): ClusteringRunRow[] => all.all().map(parse),
    get(id: number): ClusteringRunRow | undefined {
      const r = one.get(id);
      return r ? parse(r) : undefined;
    },
    assignments: (runId: number) => assignments.all(runId),
    /** The run the workspace shows (restored runs become current); the newest when none was chosen. */
    current(): number | null {
      const chosen = getCurrent.get();
      if (chosen && one.get(Number(chosen.value))) return Number(chosen.value);
      return all.all()[0]?.id ?? null;
    },
    setCurrent: (runId: number) => void setCurrent.run(String(runId)),
    setHead: (runId: number, modelVersionId: number) => void setHead.run(modelVersionId, runId),
    /** Annotators' edits of a run: merging two clusters, moving lesions, splitting one (new numbers, new distances). */
    mergeClusters: (runId: number, from: number, into: number) => void moveMembers.run(into, runId, from),
    moveLesions(runId: number, lesionIds: readonly number[], cluster: number): void {
      for (const id of lesionIds) moveLesion.run(cluster, runId, id);
    },
    reassign(runId: number, members: readonly { lesionId: number; cluster: number; distance: number }[], k: number): void {
      for (const m of members) setDistance.run(m.cluster, m.distance, runId, m.lesionId);
      setK.run(k, runId);
    },
    saveMap(runId: number, lesionIds: ArrayLike<number>, xy: ArrayLike<number>): void {
      clearMap.run(runId);
      for (let i = 0; i < lesionIds.length; i++) insertMap.run(runId, lesionIds[i], xy[2 * i], xy[2 * i + 1]);
    },
    map: (runId: number) => map.all(runId),
  };
}
