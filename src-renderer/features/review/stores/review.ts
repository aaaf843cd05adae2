import type { GalleryItem, ReviewChange, ReviewFilter, ReviewSessionSummary, ReviewSort, ReviewState, ThumbnailWindow } from '@contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef, watch } from 'vue';
import { api, onEvent } from '../../../api';
import { registerCommandKind, useHistoryStore } from '../../history/stores/history';
import { editAsAnnotator } from '../../settings/edit-as-annotator';
import { useSettingsStore } from '../../settings/stores/settings';
import { useCategoriesStore } from './categories';

/** What the gallery shows before the filters narrow it. */
export type GalleryScope =
  | { kind: 'all'; label: string }
  | { kind: 'cluster'; runId: number; cluster: number; label: string }
  | { kind: 'category'; categoryId: number | 'none'; label: string }
  | { kind: 'selection'; lesionIds: number[]; label: string };

export type ReviewView = 'board' | 'gallery' | 'map';

/** Filters the annotator sets on top of the scope (the scope's own keys are not here). */
export type GalleryFilters = Pick<ReviewFilter, 'source' | 'split' | 'minMm' | 'maxMm' | 'review' | 'flagged' | 'disagreement' | 'hasImage'>;

/** An edit of review states as plain data: undo puts `before` back, redo `after`; `versions` are the rows' versions now. */
interface StatesCommand {
  before: ReviewState[];
  after: ReviewState[];
  versions: Record<string, number>;
}

const PAGE = 200;
const SESSION_KEY = 'lesion-ws.review-session-start';

function versionsOf(items: readonly GalleryItem[]): Record<string, number> {
  return Object.fromEntries(items.map((i) => [String(i.id), i.version]));
}

function stateOf(i: ReviewState): ReviewState {
  return { id: i.id, categoryId: i.categoryId, reviewStatus: i.reviewStatus, flagged: i.flagged };
}

/**
 * The review workspace: the gallery's scope, filters and sort, the ordered lesion ids and a cache of their
 * items, the one selection shared by board, gallery and map, and every edit (saved at once, undoable).
 */
export const useReviewStore = defineStore('review', () => {
  const settings = useSettingsStore();
  const history = useHistoryStore();
  const categories = useCategoriesStore();

  const view = ref<ReviewView>('board');
  const scope = ref<GalleryScope>({ kind: 'all', label: 'All lesions' });
  const filters = ref<GalleryFilters>({});
  const sort = ref<ReviewSort>('distance');
  const descending = ref(false);
  const thumbnailWindow = ref<ThumbnailWindow>('soft-tissue');
  /** Tiles per gallery row (the gallery sets it), for the arrow keys. */
  const columns = ref(1);

  /** The lesions of scope + filters, in gallery order. */
  const ids = shallowRef<number[]>([]);
  const status = ref<'idle' | 'loading' | 'done' | 'error'>('idle');
  const error = ref<string | null>(null);
  /** Bumped on every query, so a slow answer to an older one is dropped. */
  let generation = 0;

  /** Items by id; a shallowRef triggered by hand: 30,000 reactive objects would cost more than they give. */
  const items = shallowRef(new Map<number, GalleryItem>());
  const pending = new Set<number>();

  /** The selection (lesion ids), the anchor of shift-click ranges, and the keyboard focus (an index into ids). */
  const selected = shallowRef(new Set<number>());
  const anchor = ref<number | null>(null);
  const focus = ref(0);
  const openLesionId = ref<number | null>(null);

  const sessionStart = ref(sessionStorage.getItem(SESSION_KEY) ?? new Date().toISOString());
  sessionStorage.setItem(SESSION_KEY, sessionStart.value);
  const summary = ref<ReviewSessionSummary | null>(null);

  const filter = computed<ReviewFilter>(() => {
    const f: ReviewFilter = { ...filters.value };
    const s = scope.value;
    if (s.kind === 'cluster') Object.assign(f, { runId: s.runId, cluster: s.cluster });
    if (s.kind === 'category') f.categoryId = s.categoryId;
    if (s.kind === 'selection') f.lesionIds = s.lesionIds;
    return f;
  });

  async function query(): Promise<void> {
    const mine = ++generation;
    status.value = 'loading';
    try {
      const result = await api.review.query({ filter: filter.value, sort: sort.value, descending: descending.value, offset: 0, limit: 100_000 });
      if (mine !== generation) return;
      ids.value = result.ids;
      // the selection keeps only lesions the gallery shows: an edit never reaches one the annotator cannot see
      if (selected.value.size) {
        const shown = new Set(result.ids);
        if ([...selected.value].some((id) => !shown.has(id))) selected.value = new Set([...selected.value].filter((id) => shown.has(id)));
      }
      focus.value = Math.min(focus.value, Math.max(0, result.ids.length - 1));
      status.value = 'done';
      error.value = null;
    } catch (err) {
      if (mine !== generation) return;
      status.value = 'error';
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  function setScope(next: GalleryScope): void {
    scope.value = next;
    // never show the previous scope's lesions under the new scope's name while the query runs
    ids.value = [];
    selected.value = new Set();
    anchor.value = null;
    focus.value = 0;
    if (next.kind === 'cluster') sort.value = 'distance';
  }
  watch([filter, sort, descending], () => void query(), { deep: true });

  /** Loads the items of ids[start..end) that are not cached yet, a page at a time. */
  async function ensureItems(start: number, end: number): Promise<void> {
    const wanted = ids.value.slice(Math.max(0, start), end).filter((id) => !items.value.has(id) && !pending.has(id));
    for (let i = 0; i < wanted.length; i += PAGE) {
      const page = wanted.slice(i, i + PAGE);
      page.forEach((id) => pending.add(id));
      try {
        store(await api.review.items(page));
      } finally {
        page.forEach((id) => pending.delete(id));
      }
    }
  }

  function store(fresh: readonly GalleryItem[]): void {
    if (!fresh.length) return;
    for (const item of fresh) items.value.set(item.id, item);
    triggerRef(items);
  }

  // ---- selection ----------------------------------------------------------------------------------------

  function setSelection(next: Iterable<number>): void {
    selected.value = new Set(next);
  }

  /** Click (replace), Ctrl/Cmd-click (toggle) and Shift-click (range from the anchor) on the tile at `index`. */
  function click(index: number, modifiers: { shift?: boolean; toggle?: boolean }): void {
    const id = ids.value[index];
    if (id === undefined) return;
    focus.value = index;
    if (modifiers.shift && anchor.value !== null) {
      const [a, b] = [Math.min(anchor.value, index), Math.max(anchor.value, index)];
      const range = ids.value.slice(a, b + 1);
      setSelection(modifiers.toggle ? [...selected.value, ...range] : range);
      return;
    }
    anchor.value = index;
    if (modifiers.toggle) {
      const next = new Set(selected.value);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      selected.value = next;
    } else {
      setSelection([id]);
    }
  }

  function selectIndices(indices: readonly number[], additive: boolean): void {
    const picked = indices.map((i) => ids.value[i]).filter((id): id is number => id !== undefined);
    setSelection(additive ? [...selected.value, ...picked] : picked);
  }

  function selectAll(): void {
    setSelection(ids.value);
  }

  function clearSelection(): void {
    setSelection([]);
    anchor.value = null;
  }

  /** Moves the keyboard focus; with `extend`, the selection follows from the anchor. */
  function moveFocus(delta: number, extend: boolean): void {
    if (!ids.value.length) return;
    const next = Math.min(ids.value.length - 1, Math.max(0, focus.value + delta));
    if (extend) {
      anchor.value ??= focus.value;
      focus.value = next;
      const [a, b] = [Math.min(anchor.value, next), Math.max(anchor.value, next)];
      setSelection(ids.value.slice(a, b + 1));
    } else {
      focus.value = next;
      anchor.value = next;
    }
  }

  /** The lesions an edit acts on: the selection, else the focused (or open) one. */
  function targets(): number[] {
    if (openLesionId.value !== null) return [openLesionId.value];
    if (selected.value.size) return [...selected.value];
    const id = ids.value[focus.value];
    return id === undefined ? [] : [id];
  }

  /** Map lasso or board: these lesions become the selection and the gallery's scope. */
  function showSelection(lesionIds: number[], label: string): void {
    setScope({ kind: 'selection', lesionIds, label });
    setSelection(lesionIds);
  }

  // ---- edits ----------------------------------------------------------------------------------------------

  const withActor = <T>(work: (actor: string) => Promise<T>) =>
    editAsAnnotator(error, work, (message) => `Not saved: ${message}. The gallery shows the current state now.`);

  /** Applies a change to the target lesions at once, with the versions the annotator saw (conflicts refused). */
  async function apply(change: ReviewChange, label: string): Promise<boolean> {
    const lesionIds = targets();
    if (!lesionIds.length) return false;
    await ensureItemsFor(lesionIds);
    const seen = lesionIds.map((id) => items.value.get(id)).filter((i): i is GalleryItem => !!i);
    const result = await withActor((actor) => api.review.apply({ lesionIds, change, actor, versions: versionsOf(seen) }));
    if (!result) {
      await refreshItems(lesionIds);
      return false;
    }
    store(result.after);
    history.record<StatesCommand>({
      kind: 'review.states',
      label: `${label} (${lesionIds.length} lesion${lesionIds.length === 1 ? '' : 's'})`,
      payload: { before: result.before, after: result.after.map(stateOf), versions: versionsOf(result.after) },
    });
    void refreshSummary();
    return true;
  }

  /** Reads items from the core into the cache, in calls of 5,000. */
  async function fetchItems(lesionIds: readonly number[]): Promise<void> {
    for (let i = 0; i < lesionIds.length; i += 5000) store(await api.review.items(lesionIds.slice(i, i + 5000)));
  }
  /** The items an edit needs the versions of. */
  const ensureItemsFor = (lesionIds: readonly number[]) => fetchItems(lesionIds.filter((id) => !items.value.has(id)));
  /** Cached items changed elsewhere: read them again (the others are read when they scroll into view). */
  const refreshItems = (lesionIds: readonly number[]) => fetchItems(lesionIds.filter((id) => items.value.has(id)));

  /**
   * Keyboard edits run one after the other: a fast typist's second key acts on the lesion the first one moved to,
   * never on a selection that is about to change.
   */
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    // Ctrl+Z waits for queued keys too
    return history.during(next);
  }

  /** The category with this shortcut key, to the targets; an annotator choosing it has reviewed them. */
  function assignShortcut(key: string): Promise<boolean> {
    return serial(() => assignNow(key));
  }

  async function assignNow(key: string): Promise<boolean> {
    const category = categories.byShortcut.get(key.toLowerCase());
    if (!category) return false;
    // one lesion at a time in the gallery: move on to the next, so a run of keys categorises a row
    const single = openLesionId.value === null && selected.value.size <= 1;
    const saved = await apply({ categoryId: category.id, reviewed: true }, `${category.name}`);
    if (saved && single && focus.value + 1 < ids.value.length) click(focus.value + 1, {});
    return true;
  }

  function markReviewed(reviewed: boolean): Promise<boolean> {
    return serial(() => apply({ reviewed }, reviewed ? 'mark reviewed' : 'mark unreviewed'));
  }

  function toggleFlag(): Promise<boolean> {
    // all flagged: unflag them; else flag them all (a mixed selection ends up flagged)
    return serial(() => {
      const all = targets().every((id) => items.value.get(id)?.flagged === true);
      return apply({ flagged: !all }, all ? 'unflag' : 'flag for discussion');
    });
  }

  /** Names a cluster: its unreviewed members get the category (undoable like any edit). */
  async function nameCluster(runId: number, cluster: number, categoryId: number, clusterLabel: string): Promise<number | null> {
    const result = await withActor(async (actor) => {
      const named = await api.review.nameCluster({ runId, cluster, categoryId, actor });
      const now = named.before.length ? await api.review.items(named.before.map((s) => s.id)) : [];
      return { ...named, now };
    });
    if (!result) return null;
    if (result.before.length) {
      store(result.now);
      history.record<StatesCommand>({
        kind: 'review.states',
        label: `name ${clusterLabel} "${categories.name(categoryId)}" (${result.changed} lesions)`,
        payload: { before: result.before, after: result.before.map((s) => ({ ...s, categoryId })), versions: versionsOf(result.now) },
      });
    }
    void refreshSummary();
    return result.changed;
  }

  async function refreshSummary(): Promise<void> {
    if (!settings.annotator) return;
    summary.value = await api.review.sessionSummary({ actor: settings.annotator, since: sessionStart.value });
  }

  function newSession(): void {
    sessionStart.value = new Date().toISOString();
    sessionStorage.setItem(SESSION_KEY, sessionStart.value);
    void refreshSummary();
  }

  registerCommandKind<StatesCommand>('review.states', {
    undo: async (p) => {
      const now = await api.review.restore({ states: p.before, actor: settings.annotator, versions: p.versions });
      store(now);
      p.versions = versionsOf(now);
      void refreshSummary();
    },
    redo: async (p) => {
      const now = await api.review.restore({ states: p.after, actor: settings.annotator, versions: p.versions, action: 'redo' });
      store(now);
      p.versions = versionsOf(now);
      void refreshSummary();
    },
  });

  // ---- other windows --------------------------------------------------------------------------------------

  let changedIds = new Set<number>();
  let flush: ReturnType<typeof setTimeout> | null = null;
  onEvent('lesions.changed', (change) => {
    // an edit in any window (this one included): refresh the cached items it touched, in one batch
    change.lesionIds.forEach((id) => changedIds.add(id));
    flush ??= setTimeout(() => {
      const touched = [...changedIds];
      changedIds = new Set();
      flush = null;
      void refreshItems(touched);
      void categories.refresh();
    }, 50);
  });
  onEvent('clustering.changed', () => {
    items.value = new Map();
    void query();
  });

  const focusedId = computed(() => ids.value[focus.value] ?? null);

  return {
    view,
    scope,
    filters,
    sort,
    descending,
    thumbnailWindow,
    columns,
    ids,
    status,
    error,
    items,
    selected,
    anchor,
    focus,
    focusedId,
    openLesionId,
    sessionStart,
    summary,
    filter,
    query,
    setScope,
    ensureItems,
    click,
    selectIndices,
    selectAll,
    clearSelection,
    setSelection,
    moveFocus,
    showSelection,
    apply,
    assignShortcut,
    markReviewed,
    toggleFlag,
    nameCluster,
    refreshSummary,
    newSession,
  };
});
