import type { Lesion, RecistAxes } from '@contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, onEvent } from '../../../api';
import { registerCommandKind, useHistoryStore } from '../../history/stores/history';
import { editAsAnnotator } from '../../settings/edit-as-annotator';
import { useSettingsStore } from '../../settings/stores/settings';

function describe(l: Pick<Lesion, 'longAxisMm' | 'longAxisPx'>): string {
  return l.longAxisMm !== null ? `${l.longAxisMm.toFixed(1)} mm` : `${l.longAxisPx.toFixed(0)} px`;
}

/**
 * Undo and redo of lesion edits. They read the lesion's current version first, so they also work after a
 * reload or after another window touched the lesion (a real conflict still surfaces as an error).
 */
function registerLesionCommands(actor: () => string): void {
  registerCommandKind<{ lesionId: number }>('lesion.create', {
    undo: async ({ lesionId }) => {
      const current = await api.lesions.get(lesionId);
      await api.lesions.remove({ lesionId, version: current.version, actor: actor() });
    },
    redo: async ({ lesionId }) => {
      await api.lesions.restore({ lesionId, actor: actor() });
    },
  });
  registerCommandKind<{ lesionId: number; before: RecistAxes; after: RecistAxes }>('lesion.update', {
    undo: async ({ lesionId, before }) => {
      const current = await api.lesions.get(lesionId);
      await api.lesions.update({ lesionId, version: current.version, recist: before, actor: actor() });
    },
    redo: async ({ lesionId, after }) => {
      const current = await api.lesions.get(lesionId);
      await api.lesions.update({ lesionId, version: current.version, recist: after, actor: actor() });
    },
  });
  registerCommandKind<{ lesionId: number }>('lesion.remove', {
    undo: async ({ lesionId }) => {
      await api.lesions.restore({ lesionId, actor: actor() });
    },
    redo: async ({ lesionId }) => {
      const current = await api.lesions.get(lesionId);
      await api.lesions.remove({ lesionId, version: current.version, actor: actor() });
    },
  });
}

/** The lesions of the open series: loaded from the core, kept fresh by events, edited with undo. */
export const useSeriesLesionsStore = defineStore('series-lesions', () => {
  const seriesId = ref<number | null>(null);
  const lesions = ref<Lesion[]>([]);
  const error = ref<string | null>(null);
  /** The lesion the annotator picked in the list (its similar lesions are shown). */
  const selectedId = ref<number | null>(null);
  const selected = computed(() => lesions.value.find((l) => l.id === selectedId.value) ?? null);
  const history = useHistoryStore();
  const settings = useSettingsStore();
  registerLesionCommands(() => settings.annotator);

  async function load(id: number | null): Promise<void> {
    seriesId.value = id;
    lesions.value = id === null ? [] : await api.lesions.forSeries(id);
    // keep the selection only while it is a lesion of the shown series
    if (selectedId.value !== null && !lesions.value.some((l) => l.id === selectedId.value)) selectedId.value = null;
  }

  onEvent('lesions.changed', (change) => {
    if (seriesId.value !== null && change.seriesIds.includes(seriesId.value)) void load(seriesId.value);
  });

  const byInstance = computed(() => {
    const map = new Map<string, Lesion[]>();
    for (const l of lesions.value) {
      if (l.instanceId === null) continue;
      const key = `${l.instanceId}:${l.frame}`;
      map.set(key, [...(map.get(key) ?? []), l]);
    }
    return map;
  });

  /** An edit in the annotator's name; after a failure (a conflict above all) the series' lesions are reloaded. */
  async function guarded<T>(work: (actor: string) => Promise<T>): Promise<T | null> {
    const result = await editAsAnnotator(error, work);
    if (result === null && error.value !== null && seriesId.value !== null) await load(seriesId.value);
    return result;
  }

  /** Saves a new measurement at once and makes it undoable. */
  async function create(instanceId: number, frame: number, recist: RecistAxes): Promise<Lesion | null> {
    const created = await guarded((actor) => api.lesions.create({ instanceId, frame, recist, actor }));
    if (!created) return null;
    history.record({ kind: 'lesion.create', label: `draw lesion ${created.id} (${describe(created)})`, payload: { lesionId: created.id } });
    await load(seriesId.value);
    return created;
  }

  async function update(lesion: Lesion, recist: RecistAxes): Promise<Lesion | null> {
    const updated = await guarded((actor) => api.lesions.update({ lesionId: lesion.id, version: lesion.version, recist, actor }));
    if (!updated) return null;
    history.record({ kind: 'lesion.update', label: `edit lesion ${lesion.id}`, payload: { lesionId: lesion.id, before: lesion.recist, after: recist } });
    await load(seriesId.value);
    return updated;
  }

  async function remove(lesion: Lesion): Promise<void> {
    const removed = await guarded(async (actor) => {
      await api.lesions.remove({ lesionId: lesion.id, version: lesion.version, actor });
      return true;
    });
    if (!removed) return;
    history.record({ kind: 'lesion.remove', label: `delete lesion ${lesion.id}`, payload: { lesionId: lesion.id } });
    await load(seriesId.value);
  }

  return { seriesId, lesions, byInstance, error, selectedId, selected, load, create, update, remove };
});
