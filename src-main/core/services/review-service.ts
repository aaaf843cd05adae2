import type { Category, GalleryItem, ReviewApi, ReviewFilter, ReviewSort, ReviewState } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import { ConflictError } from '../catalogue/lesions';
import type { EventBus } from '../events';
import { NotFoundError } from './catalogue-service';

interface Row {
  id: number;
  version: number;
  categoryId: number | null;
  reviewStatus: 'unreviewed' | 'reviewed';
  flagged: number;
  longAxisMm: number | null;
  shortAxisMm: number | null;
  source: GalleryItem['source'];
  split: GalleryItem['split'];
  referenceType: number | null;
  hasImage: number;
  seriesId: number | null;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface RunPlace {
  cluster: number;
  distance: number;
  uncertainty: number;
}

/**
 * The review workspace's reads and writes. Every write goes through the lesions repository (audited, row
 * versions) in one transaction, and returns the states before so the renderer can undo it.
 */
export function reviewService(catalogue: Catalogue, events: EventBus): ReviewApi {
  const rowColumns = `id, version, category_id AS categoryId, review_status AS reviewStatus, flagged, long_axis_mm AS longAxisMm,
      short_axis_mm AS shortAxisMm, source, split, reference_type AS referenceType, (instance_id IS NOT NULL) AS hasImage,
      series_id AS seriesId, box_x1 AS x1, box_y1 AS y1, box_x2 AS x2, box_y2 AS y2`;
  const rowsStatement = catalogue.db.prepare<[], Row>(`SELECT ${rowColumns} FROM lesions WHERE deleted_at IS NULL`);
  const someRows = catalogue.db.prepare<[string], Row>(
    `SELECT ${rowColumns} FROM lesions WHERE deleted_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
  );
  const somePlaces = catalogue.db.prepare<[number, string], { lesionId: number; cluster: number; distance: number }>(
    'SELECT lesion_id AS lesionId, cluster, distance FROM cluster_assignments WHERE run_id = ? AND lesion_id IN (SELECT value FROM json_each(?))',
  );
  const runFingerprint = catalogue.db.prepare<[number], { n: number; c: number | null; d: number | null }>(
    'SELECT count(*) AS n, total(cluster * (lesion_id % 7919)) AS c, total(distance) AS d FROM cluster_assignments WHERE run_id = ?',
  );
  const runMedians = catalogue.db.prepare<[number], { cluster: number; distance: number }>(
    'SELECT cluster, distance FROM cluster_assignments WHERE run_id = ? ORDER BY cluster, distance',
  );
  /** Each cluster's median distance, cached per run while its assignments stay the same (another window may move members). */
  let mediansCache: { runId: number; key: string; medians: Map<number, number> } | null = null;
  function medians(runId: number): Map<number, number> {
    const f = runFingerprint.get(runId)!;
    const key = `${f.n}:${f.c}:${f.d}`;
    if (mediansCache?.runId === runId && mediansCache.key === key) return mediansCache.medians;
    const perCluster = new Map<number, number[]>();
    for (const a of runMedians.all(runId)) {
      const ds = perCluster.get(a.cluster) ?? [];
      ds.push(a.distance);
      perCluster.set(a.cluster, ds);
    }
    const result = new Map([...perCluster].map(([c, ds]) => [c, ds[Math.floor(ds.length / 2)] || 1]));
    mediansCache = { runId, key, medians: result };
    return result;
  }

  /** Cluster, distance, uncertainty and each cluster's dominant category, for one run. */
  const clusterCategoryCounts = catalogue.db.prepare<[number], { cluster: number; categoryId: number | null; n: number }>(`
    SELECT a.cluster AS cluster, l.category_id AS categoryId, count(*) AS n
    FROM cluster_assignments a JOIN lesions l ON l.id = a.lesion_id AND l.deleted_at IS NULL
    WHERE a.run_id = ? GROUP BY a.cluster, l.category_id`);
  const clusterRows = catalogue.db.prepare<[number, number], Row>(
    `SELECT ${rowColumns} FROM lesions JOIN cluster_assignments ON lesion_id = id AND run_id = ? AND cluster = ? WHERE deleted_at IS NULL`,
  );

  /** Each lesion's place in a run; with `categories`, each cluster's named category (the one most members carry). */
  function runContext(runId: number | null, categories: boolean) {
    const byLesion = new Map<number, RunPlace>();
    const clusterCategory = new Map<number, number | null>();
    if (runId === null) return { byLesion, clusterCategory };
    const median = medians(runId);
    for (const a of catalogue.clusteringRuns.assignments(runId)) {
      byLesion.set(a.lesionId, { cluster: a.cluster, distance: a.distance, uncertainty: a.distance / (median.get(a.cluster) || 1) });
    }
    if (!categories) return { byLesion, clusterCategory };
    const sizes = new Map<number, number>();
    const best = new Map<number, { categoryId: number; n: number }>();
    for (const r of clusterCategoryCounts.all(runId)) {
      sizes.set(r.cluster, (sizes.get(r.cluster) ?? 0) + r.n);
      if (r.categoryId !== null && r.n > (best.get(r.cluster)?.n ?? 0)) best.set(r.cluster, { categoryId: r.categoryId, n: r.n });
    }
    for (const [cluster, b] of best) clusterCategory.set(cluster, b.n * 2 >= (sizes.get(cluster) ?? 1) ? b.categoryId : null);
    return { byLesion, clusterCategory };
  }

  function toItem(row: Row, at: RunPlace | undefined): GalleryItem {
    return {
      id: row.id,
      version: row.version,
      box: { x1: row.x1, y1: row.y1, x2: row.x2, y2: row.y2 },
      categoryId: row.categoryId,
      reviewStatus: row.reviewStatus,
      flagged: row.flagged === 1,
      longAxisMm: row.longAxisMm,
      shortAxisMm: row.shortAxisMm,
      source: row.source,
      split: row.split,
      referenceType: row.referenceType,
      hasImage: row.hasImage === 1,
      seriesId: row.seriesId,
      cluster: at?.cluster ?? null,
      distance: at?.distance ?? null,
      uncertainty: at?.uncertainty ?? null,
    };
  }

  /** Only the asked rows and their places in the current run: the gallery calls this for every page it scrolls to. */
  function items(ids: readonly number[]): GalleryItem[] {
    const json = JSON.stringify(ids);
    const runId = catalogue.clusteringRuns.current();
    const places = new Map<number, RunPlace>();
    if (runId !== null) {
      const median = medians(runId);
      for (const a of somePlaces.all(runId, json)) places.set(a.lesionId, { ...a, uncertainty: a.distance / (median.get(a.cluster) || 1) });
    }
    const byId = new Map(someRows.all(json).map((r) => [r.id, toItem(r, places.get(r.id))]));
    return ids.map((id) => byId.get(id)).filter((x): x is GalleryItem => x !== undefined);
  }

  function matches(item: GalleryItem, f: ReviewFilter, clusterCategory: Map<number, number | null>, inSelection: Set<number> | null): boolean {
    if (inSelection && !inSelection.has(item.id)) return false;
    if (f.cluster !== undefined && item.cluster !== f.cluster) return false;
    if (f.categoryId !== undefined && (f.categoryId === 'none' ? item.categoryId !== null : item.categoryId !== f.categoryId)) return false;
    if (f.source !== undefined && item.source !== f.source) return false;
    if (f.split !== undefined && item.split !== f.split) return false;
    if (f.minMm !== undefined && (item.longAxisMm ?? -1) < f.minMm) return false;
    if (f.maxMm !== undefined && (item.longAxisMm ?? Infinity) > f.maxMm) return false;
    if (f.review !== undefined && item.reviewStatus !== f.review) return false;
    if (f.flagged !== undefined && item.flagged !== f.flagged) return false;
    if (f.hasImage !== undefined && item.hasImage !== f.hasImage) return false;
    if (f.disagreement) {
      const named = item.cluster === null ? null : (clusterCategory.get(item.cluster) ?? null);
      if (named === null || item.categoryId === null || named === item.categoryId) return false;
    }
    return true;
  }

  const sorters: Record<ReviewSort, (a: GalleryItem, b: GalleryItem) => number> = {
    distance: (a, b) => (a.distance ?? Infinity) - (b.distance ?? Infinity) || a.id - b.id,
    uncertainty: (a, b) => (b.uncertainty ?? -Infinity) - (a.uncertainty ?? -Infinity) || a.id - b.id,
    size: (a, b) => (b.longAxisMm ?? -Infinity) - (a.longAxisMm ?? -Infinity) || a.id - b.id,
    id: (a, b) => a.id - b.id,
  };

  function applyStates(states: readonly ReviewState[], actor: string, versions: Record<string, number> | undefined, action: string): ReviewState[] {
    return catalogue.transaction(() =>
      states.map((s) =>
        catalogue.lesions.setReviewState(s.id, { categoryId: s.categoryId, reviewStatus: s.reviewStatus, flagged: s.flagged }, actor, {
          expectedVersion: versions?.[String(s.id)],
          action,
        }),
      ),
    );
  }

  /** Tells every window these lesions changed; returns their items as they are now (callers answer with them). */
  function changed(ids: readonly number[]): GalleryItem[] {
    const now = items(ids);
    const series = new Set(now.map((i) => i.seriesId).filter((s): s is number => s !== null));
    events.emit('lesions.changed', { lesionIds: [...ids], seriesIds: [...series] });
    return now;
  }

  function checkCategory(id: number | null | undefined): void {
    if (id === null || id === undefined) return;
    const c = catalogue.categories.get(id);
    if (!c || c.mergedInto) throw new NotFoundError(`no category ${id}`);
  }

  return {
    async categories(): Promise<Category[]> {
      return catalogue.categories.list();
    },

    async createCategory({ name, colour, shortcut, description, actor }) {
      const id = catalogue.transaction(() => catalogue.categories.create({ name: name.trim(), colour, shortcut, description: description ?? '' }, actor));
      events.emit('categories.changed', { categoryIds: [id] });
      return catalogue.categories.list().find((c) => c.id === id)!;
    },

    async updateCategory({ id, version, actor, ...change }) {
      const current = catalogue.categories.get(id);
      if (!current) throw new NotFoundError(`no category ${id}`);
      catalogue.transaction(() =>
        catalogue.categories.update(
          id,
          version,
          {
            name: change.name?.trim() ?? current.name,
            colour: change.colour ?? current.colour,
            shortcut: change.shortcut === undefined ? current.shortcut : change.shortcut,
            description: change.description ?? current.description,
          },
          actor,
        ),
      );
      events.emit('categories.changed', { categoryIds: [id] });
      return catalogue.categories.list().find((c) => c.id === id)!;
    },

    async mergeCategories({ from, into, actor }) {
      checkCategory(from);
      checkCategory(into);
      if (from === into) throw new ConflictError('a category cannot be merged into itself');
      const members = catalogue.db.prepare('SELECT id FROM lesions WHERE category_id = ? AND deleted_at IS NULL').all(from) as { id: number }[];
      catalogue.transaction(() => {
        for (const { id } of members) {
          const l = catalogue.lesions.get(id);
          catalogue.lesions.setReviewState(id, { categoryId: into, reviewStatus: l.reviewStatus, flagged: l.flagged }, actor, { action: 'merge-category' });
        }
        catalogue.categories.retire(from, into, actor);
      });
      events.emit('categories.changed', { categoryIds: [from, into] });
      if (members.length) changed(members.map((m) => m.id));
      return { moved: members.length };
    },

    async query({ filter, sort, descending, offset, limit }) {
      const runId = filter.runId ?? catalogue.clusteringRuns.current();
      if (filter.runId !== undefined && !catalogue.clusteringRuns.get(filter.runId)) throw new NotFoundError(`no clustering run ${filter.runId}`);
      const context = runContext(runId, filter.disagreement === true);
      const selection = filter.lesionIds ? new Set(filter.lesionIds) : null;
      // read only the rows that can match: a cluster's members, or the selection, else every lesion
      const candidates =
        filter.cluster !== undefined && runId !== null
          ? clusterRows.all(runId, filter.cluster)
          : filter.lesionIds
            ? someRows.all(JSON.stringify(filter.lesionIds))
            : rowsStatement.all();
      const found = candidates
        .map((r) => toItem(r, context.byLesion.get(r.id)))
        .filter((item) => matches(item, filter, context.clusterCategory, selection))
        .sort(sorters[sort]);
      if (descending) found.reverse();
      return { total: found.length, ids: found.slice(offset, offset + limit).map((i) => i.id) };
    },

    async items(lesionIds) {
      return items(lesionIds);
    },

    async apply({ lesionIds, change, actor, versions }) {
      checkCategory(change.categoryId);
      const next: ReviewState[] = lesionIds.map((id) => {
        const l = catalogue.lesions.get(id);
        return {
          id,
          categoryId: change.categoryId === undefined ? l.categoryId : change.categoryId,
          reviewStatus: change.reviewed === undefined ? l.reviewStatus : change.reviewed ? 'reviewed' : 'unreviewed',
          flagged: change.flagged ?? l.flagged,
        };
      });
      const before = applyStates(next, actor, versions, 'review');
      return { before, after: changed(lesionIds) };
    },

    async restore({ states, actor, versions, action }) {
      states.forEach((s) => checkCategory(s.categoryId));
      applyStates(states, actor, versions, action ?? 'undo');
      return changed(states.map((s) => s.id));
    },

    async nameCluster({ runId, cluster, categoryId, actor }) {
      checkCategory(categoryId);
      if (!catalogue.clusteringRuns.get(runId)) throw new NotFoundError(`no clustering run ${runId}`);
      const members = catalogue.clusteringRuns.assignments(runId).filter((a) => a.cluster === cluster).map((a) => a.lesionId);
      const unreviewed = items(members).filter((i) => i.reviewStatus === 'unreviewed');
      const before = applyStates(
        unreviewed.map((i) => ({ id: i.id, categoryId, reviewStatus: i.reviewStatus, flagged: i.flagged })),
        actor,
        undefined,
        'name-cluster',
      );
      changed(unreviewed.map((i) => i.id));
      return { before, changed: unreviewed.length };
    },

    async states({ lesionIds }) {
      const rows = lesionIds
        ? catalogue.db
            .prepare<[string], { id: number; categoryId: number | null; reviewStatus: string; flagged: number }>(
              'SELECT id, category_id AS categoryId, review_status AS reviewStatus, flagged FROM lesions WHERE deleted_at IS NULL AND id IN (SELECT value FROM json_each(?)) ORDER BY id',
            )
            .all(JSON.stringify(lesionIds))
        : rowsStatement.all();
      return {
        lesionIds: rows.map((r) => r.id),
        categoryIds: rows.map((r) => r.categoryId),
        reviewed: rows.map((r) => r.reviewStatus === 'reviewed'),
        flagged: rows.map((r) => r.flagged === 1),
      };
    },

    async sessionSummary({ actor, since }) {
      const entries = catalogue.db
        .prepare("SELECT at, action, before, after FROM audit_log WHERE actor = ? AND at >= ? AND entity = 'lesion' ORDER BY at")
        .all(actor, since) as { at: string; action: string; before: string | null; after: string | null }[];
      let reviewed = 0;
      let categoriesChanged = 0;
      for (const e of entries) {
        const before = e.before ? (JSON.parse(e.before) as { categoryId?: number | null; reviewStatus?: string }) : {};
        const after = e.after ? (JSON.parse(e.after) as { categoryId?: number | null; reviewStatus?: string }) : {};
        if (after.reviewStatus === 'reviewed' && before.reviewStatus !== 'reviewed') reviewed++;
        if ('categoryId' in after && after.categoryId !== before.categoryId) categoriesChanged++;
      }
      const first = entries[0]?.at;
      const last = entries.at(-1)?.at;
      return {
        actor,
        since,
        reviewed,
        categoriesChanged,
        changes: entries.length,
        activeMinutes: first && last ? (Date.parse(last) - Date.parse(first)) / 60_000 : 0,
      };
    },
  };
}
