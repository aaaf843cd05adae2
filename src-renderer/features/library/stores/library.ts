import type { PatientNode } from '@contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, onEvent } from '../../../api';

export type LoadStatus = 'idle' | 'loading' | 'done' | 'error';

export const useLibraryStore = defineStore('library', () => {
  const patients = ref<PatientNode[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;

  async function refresh(): Promise<void> {
    status.value = 'loading';
    try {
      patients.value = await api.catalogue.libraryTree();
      status.value = 'done';
      error.value = null;
    } catch (err) {
      status.value = 'error';
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  /** Imports commit in batches; refresh at most twice a second while they do. */
  function scheduleRefresh(): void {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void refresh();
    }, 500);
  }

  onEvent('catalogue.changed', scheduleRefresh);

  return { patients, status, error, refresh };
});
