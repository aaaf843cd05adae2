import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusteringRunSummary, WorkstationEventName } from '../../src-main/contract';
import type { Workstation } from '../../src-main/core/workstation';
import { finished as finishedJob } from '../helpers/jobs';
import { fixture } from '../helpers/data';
import { testWorkstation } from '../helpers/workstation';

let ws: Workstation;
let close: () => Promise<void>;
let run: ClusteringRunSummary;
let ids: number[];

const finished = <T>(started: Promise<{ id: string }>) => finishedJob<T>(ws, started);

beforeAll(async () => {
  ({ ws, close } = testWorkstation());
  await finished(ws.api.library.startImport({ paths: [fixture('deeplesion')] }));
  await finished(ws.api.mining.startEmbedding({}));
  run = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 3, seed: 1 }));
  ids = (await ws.api.lesions.list({ offset: 0, limit: 100 })).items.map((l) => l.id);
}, 120_000);
afterAll(() => close());

describe('taxonomy', () => {
  it('starts with DeepLesion\'s eight types, "not a lesion" and "unsure", with shortcut keys', async () => {
    const categories = await ws.api.review.categories();
    expect(categories.map((c) => [c.name, c.shortcut, c.referenceType])).toEqual([
      ['bone', '1', 1],
      ['abdomen', '2', 2],
      ['mediastinum', '3', 3],
      ['liver', '4', 4],
      ['lung', '5', 5],
      ['kidney', '6', 6],
      ['soft tissue', '7', 7],
      ['pelvis', '8', 8],
      ['not a lesion', '9', null],
      ['unsure', '0', null],
    ]);
  });

  it('renames a category (audited), refuses a taken shortcut, and merges one into another keeping each lesion\'s history', async () => {
    const categories = await ws.api.review.categories();
    const liver = categories.find((c) => c.name === 'liver')!;
    const renamed = await ws.api.review.updateCategory({ id: liver.id, version: liver.version, name: 'hepatic', actor: 'Ann' });
    expect(renamed.name).toBe('hepatic');
    await expect(ws.api.review.updateCategory({ id: renamed.id, version: renamed.version, shortcut: '5', actor: 'Ann' })).rejects.toThrow(/another category already has/);
    const extra = await ws.api.review.createCategory({ name: 'cyst', colour: '#123456', shortcut: 'c', actor: 'Ann' });
    await ws.api.review.apply({ lesionIds: [ids[0]!, ids[1]!], change: { categoryId: extra.id }, actor: 'Ann' });
    expect(await ws.api.review.mergeCategories({ from: extra.id, into: renamed.id, actor: 'Ben' })).toEqual({ moved: 2 });
    expect((await ws.api.review.categories()).map((c) => c.name)).not.toContain('cyst');
    const history = await ws.api.lesions.history(ids[0]!);
    expect(history.map((h) => [h.action, h.actor, (h.after as { category?: string }).category])).toEqual([
      ['review', 'Ann', 'cyst'],
      ['merge-category', 'Ben', 'hepatic'],
    ]);
    expect((await ws.api.lesions.get(ids[0]!)).categoryId).toBe(renamed.id);
    // undo the test's changes for the next tests
    await ws.api.review.restore({ states: [ids[0]!, ids[1]!].map((id) => ({ id, categoryId: null, reviewStatus: 'unreviewed' as const, flagged: false })), actor: 'Ann' });
  });
});

describe('review edits', () => {
  it('applies a category and review mark at once, audited, and undoes it exactly', async () => {
    const lung = (await ws.api.review.categories()).find((c) => c.name === 'lung')!;
    const targets = ids.slice(2, 7);
    const seen: WorkstationEventName[] = [];
    const off = ws.events.on((name) => seen.push(name)); // what another window would hear
    const { before, after } = await ws.api.review.apply({ lesionIds: targets, change: { categoryId: lung.id, reviewed: true }, actor: 'Cleo' });
    off();
    expect(seen).toContain('lesions.changed');
    expect(before.every((b) => b.categoryId === null && b.reviewStatus === 'unreviewed')).toBe(true);
    expect(after.every((a) => a.categoryId === lung.id && a.reviewStatus === 'reviewed')).toBe(true);
    const lesion = await ws.api.lesions.get(targets[0]!);
    expect([lesion.reviewedBy, lesion.categoryId]).toEqual(['Cleo', lung.id]);
    const summary = await ws.api.review.sessionSummary({ actor: 'Cleo', since: new Date(Date.now() - 60_000).toISOString() });
    expect(summary).toMatchObject({ reviewed: 5, categoriesChanged: 5, changes: 5 });

    await ws.api.review.restore({ states: before, actor: 'Cleo' });
    const undone = await ws.api.review.items(targets);
    expect(undone.every((u) => u.categoryId === null && u.reviewStatus === 'unreviewed')).toBe(true);
    const history = await ws.api.lesions.history(targets[0]!);
    expect(history.map((h) => h.action)).toEqual(['review', 'undo']);
    expect(history[0]!.before).toMatchObject({ category: null, reviewStatus: 'unreviewed' });
    expect(history[0]!.after).toMatchObject({ category: 'lung', reviewStatus: 'reviewed' });
  });

  it('refuses an edit made against a stale version: another window changed the lesion', async () => {
    const [item] = await ws.api.review.items([ids[8]!]);
    await ws.api.review.apply({ lesionIds: [item!.id], change: { flagged: true }, actor: 'window 1', versions: { [item!.id]: item!.version } });
    await expect(ws.api.review.apply({ lesionIds: [item!.id], change: { flagged: false }, actor: 'window 2', versions: { [item!.id]: item!.version } })).rejects.toThrow(
      /was changed elsewhere/,
    );
    expect((await ws.api.review.items([item!.id]))[0]!.flagged).toBe(true);
  });

  it('names a cluster: its unreviewed members get the category; the board then suggests that name', async () => {
    const bone = (await ws.api.review.categories()).find((c) => c.name === 'bone')!;
    const detail = await ws.api.clustering.run(run.id);
    const cluster = detail.clusters[0]!;
    const { changed, before } = await ws.api.review.nameCluster({ runId: run.id, cluster: cluster.cluster, categoryId: bone.id, actor: 'Dan' });
    expect(changed).toBe(cluster.size - cluster.reviewed);
    expect(before).toHaveLength(changed);
    const after = await ws.api.clustering.run(run.id);
    expect(after.clusters[0]!.categoryId).toBe(bone.id);
    // reviewing one of them makes the suggested name the category's
    const member = (await ws.api.clustering.members({ runId: run.id, cluster: cluster.cluster, offset: 0, limit: 1 })).lesionIds[0]!;
    await ws.api.review.apply({ lesionIds: [member], change: { reviewed: true }, actor: 'Dan' });
    expect((await ws.api.clustering.run(run.id)).clusters[0]!.suggestedName).toBe('bone');
    await ws.api.review.restore({ states: before, actor: 'Dan' });
  });
});

describe('gallery queries', () => {
  it('filters by cluster, category, review status and disagreement, and sorts', async () => {
    const all = await ws.api.review.query({ filter: {}, sort: 'id', offset: 0, limit: 1000 });
    expect(all.total).toBe(33);
    const byCluster = await Promise.all([0, 1, 2].map((c) => ws.api.review.query({ filter: { cluster: c }, sort: 'distance', offset: 0, limit: 1000 })));
    expect(byCluster.reduce((a, q) => a + q.total, 0)).toBe(33);
    const items = await ws.api.review.items(byCluster[0]!.ids);
    for (let i = 1; i < items.length; i++) expect(items[i]!.distance!).toBeGreaterThanOrEqual(items[i - 1]!.distance!);
    const bySize = await ws.api.review.items((await ws.api.review.query({ filter: {}, sort: 'size', offset: 0, limit: 5 })).ids);
    for (let i = 1; i < bySize.length; i++) expect(bySize[i]!.longAxisMm!).toBeLessThanOrEqual(bySize[i - 1]!.longAxisMm!);
    const withImage = await ws.api.review.query({ filter: { hasImage: true }, sort: 'id', offset: 0, limit: 100 });
    expect(withImage.total).toBe(3);

    // disagreement: a cluster named "lung" with one member corrected to "kidney"
    const cats = await ws.api.review.categories();
    const lung = cats.find((c) => c.name === 'lung')!;
    const kidney = cats.find((c) => c.name === 'kidney')!;
    const named = await ws.api.review.nameCluster({ runId: run.id, cluster: 1, categoryId: lung.id, actor: 'Eve' });
    const oneMember = byCluster[1]!.ids[0]!;
    const corrected = await ws.api.review.apply({ lesionIds: [oneMember], change: { categoryId: kidney.id, reviewed: true }, actor: 'Eve' });
    const disagree = await ws.api.review.query({ filter: { disagreement: true }, sort: 'id', offset: 0, limit: 100 });
    expect(disagree.ids).toEqual(byCluster[1]!.total > 2 ? [oneMember] : disagree.ids);
    expect((await ws.api.review.query({ filter: { categoryId: 'none' }, sort: 'id', offset: 0, limit: 100 })).total).toBe(33 - byCluster[1]!.total);
    await ws.api.review.restore({ states: [...corrected.before, ...named.before.filter((b) => b.id !== oneMember)], actor: 'Eve' });
  });
});

describe('cluster edits', () => {
  it('merges, splits and moves, each audited and broadcast', async () => {
    const fresh = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 4, seed: 3 }));
    const sizes = (await ws.api.clustering.run(fresh.id)).clusters.map((c) => c.size);
    await ws.api.clustering.mergeClusters({ runId: fresh.id, from: 3, into: 0, actor: 'Fay' });
    let detail = await ws.api.clustering.run(fresh.id);
    expect(detail.clusters[0]!.size).toBe(sizes[0]! + sizes[3]!);
    expect(detail.clusters[3]!.size).toBe(0);
    const split = await ws.api.clustering.splitCluster({ runId: fresh.id, cluster: 0, k: 2, actor: 'Fay' });
    expect(split.clusters).toEqual([0, 4]);
    detail = await ws.api.clustering.run(fresh.id);
    expect(detail.run.k).toBe(5);
    expect(detail.clusters[0]!.size + detail.clusters[4]!.size).toBe(sizes[0]! + sizes[3]!);
    const moving = (await ws.api.clustering.members({ runId: fresh.id, cluster: 1, offset: 0, limit: 2 })).lesionIds;
    await ws.api.clustering.moveToCluster({ runId: fresh.id, lesionIds: moving, cluster: 2, actor: 'Fay' });
    expect((await ws.api.clustering.run(fresh.id)).clusters[2]!.size).toBe(sizes[2]! + moving.length);
    const audit = ws.catalogue.audit.forEntity('clustering-run', fresh.id).map((a) => a.action);
    expect(audit).toEqual(['merge-clusters', 'split-cluster', 'move-lesions']);
  });
});
