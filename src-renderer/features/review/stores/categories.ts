import type { Category } from '@contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, onEvent } from '../../../api';
import { editAsAnnotator } from '../../settings/edit-as-annotator';

/** The taxonomy: user-editable categories with colours and shortcut keys, kept fresh across windows. */
export const useCategoriesStore = defineStore('categories', () => {
  const list = ref<Category[]>([]);
  const error = ref<string | null>(null);
  const byId = computed(() => new Map(list.value.map((c) => [c.id, c])));
  const byShortcut = computed(() => new Map(list.value.filter((c) => c.shortcut).map((c) => [c.shortcut!.toLowerCase(), c])));

  async function refresh(): Promise<void> {
    list.value = await api.review.categories();
  }

  /** An edit in the annotator's name; the list is read again after it, whether it worked or not. */
  async function guarded<T>(work: (actor: string) => Promise<T>): Promise<T | null> {
    const result = await editAsAnnotator(error, work);
    await refresh();
    return result;
  }

  const create = (input: { name: string; colour: string; shortcut: string | null; description?: string }) =>
    guarded((actor) => api.review.createCategory({ ...input, actor }));
  const update = (category: Category, change: { name?: string; colour?: string; shortcut?: string | null; description?: string }) =>
    guarded((actor) => api.review.updateCategory({ id: category.id, version: category.version, ...change, actor }));
  const merge = (from: number, into: number) => guarded((actor) => api.review.mergeCategories({ from, into, actor }));

  function name(id: number | null | undefined): string {
    return id === null || id === undefined ? 'No category' : (byId.value.get(id)?.name ?? `category ${id}`);
  }
  function colour(id: number | null | undefined): string {
    return id === null || id === undefined ? '#5b6470' : (byId.value.get(id)?.colour ?? '#5b6470');
  }

  onEvent('categories.changed', () => void refresh());

  return { list, error, byId, byShortcut, refresh, create, update, merge, name, colour };
});
