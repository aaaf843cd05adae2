import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../../../api';
import { registerCommandKind, useHistoryStore } from '../../history/stores/history';
import { editAsAnnotator } from '../../settings/edit-as-annotator';
import { useSettingsStore } from '../../settings/stores/settings';

/** Lesions moved between clusters of a run, with where each came from (undo sends them back). */
interface MoveCommand {
  runId: number;
  to: number;
  moves: { lesionId: number; from: number }[];
}

interface SplitCommand {
  runId: number;
  cluster: number;
  k: number;
  created: number[];
}

async function membersOf(runId: number, cluster: number): Promise<number[]> {
  const all: number[] = [];
  for (;;) {
    const page = await api.clustering.members({ runId, cluster, offset: all.length, limit: 50_000 });
    all.push(...page.lesionIds);
    if (!page.lesionIds.length || all.length >= page.total) return all;
  }
}

/** Sends each lesion back to the cluster it came from, one call per cluster. */
async function moveBack(runId: number, moves: MoveCommand['moves'], actor: string): Promise<void> {
  const byCluster = new Map<number, number[]>();
  for (const m of moves) byCluster.set(m.from, [...(byCluster.get(m.from) ?? []), m.lesionId]);
  for (const [cluster, lesionIds] of byCluster) await api.clustering.moveToCluster({ runId, lesionIds, cluster, actor });
}

/** Board edits of the current run (merge, split, move), saved at once and undoable. */
export const useClusterEditsStore = defineStore('cluster-edits', () => {
  const settings = useSettingsStore();
  const history = useHistoryStore();
  const error = ref<string | null>(null);
  const busy = ref(false);

  registerCommandKind<MoveCommand>('cluster.move', {
    undo: (p) => moveBack(p.runId, p.moves, settings.annotator),
    redo: (p) => api.clustering.moveToCluster({ runId: p.runId, lesionIds: p.moves.map((m) => m.lesionId), cluster: p.to, actor: settings.annotator }),
  });
  registerCommandKind<SplitCommand>('cluster.split', {
    undo: async (p) => {
      for (const c of p.created) await api.clustering.mergeClusters({ runId: p.runId, from: c, into: p.cluster, actor: settings.annotator });
    },
    redo: async (p) => {
      p.created = (await api.clustering.splitCluster({ runId: p.runId, cluster: p.cluster, k: p.k, actor: settings.annotator })).clusters.filter((c) => c !== p.cluster);
    },
  });

  /** One board edit at a time, in the annotator's name. */
  async function run<T>(work: (actor: string) => Promise<T>): Promise<T | null> {
    if (busy.value) return null;
    busy.value = true;
    try {
      return await editAsAnnotator(error, work);
    } finally {
      busy.value = false;
    }
  }

  async function merge(runId: number, from: number, into: number): Promise<void> {
    await run(async (actor) => {
      const members = await membersOf(runId, from);
      await api.clustering.mergeClusters({ runId, from, into, actor });
      history.record<MoveCommand>({
        kind: 'cluster.move',
        label: `merge cluster ${from + 1} into ${into + 1}`,
        payload: { runId, to: into, moves: members.map((lesionId) => ({ lesionId, from })) },
      });
    });
  }

  async function split(runId: number, cluster: number, k: number): Promise<number[] | null> {
    return run(async (actor) => {
      const { clusters } = await api.clustering.splitCluster({ runId, cluster, k, actor });
      const created = clusters.filter((c) => c !== cluster);
      history.record<SplitCommand>({ kind: 'cluster.split', label: `split cluster ${cluster + 1} in ${k}`, payload: { runId, cluster, k, created } });
      return clusters;
    });
  }

  /** Moves lesions to a cluster; `from` gives each lesion's cluster now (for undo). */
  async function move(runId: number, lesionIds: number[], to: number, from: Map<number, number>): Promise<void> {
    await run(async (actor) => {
      const moves = lesionIds.filter((id) => from.has(id) && from.get(id) !== to).map((lesionId) => ({ lesionId, from: from.get(lesionId)! }));
      if (!moves.length) return;
      await api.clustering.moveToCluster({ runId, lesionIds: moves.map((m) => m.lesionId), cluster: to, actor });
      history.record<MoveCommand>({ kind: 'cluster.move', label: `move ${moves.length} lesion(s) to cluster ${to + 1}`, payload: { runId, to, moves } });
    });
  }

  return { error, busy, merge, split, move };
});
