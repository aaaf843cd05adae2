import type { SeriesDetail } from '@contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../../../api';
import type { LoadStatus } from '../../library/stores/library';

/** The open series and what the viewer shows of it. */
export const useViewerStore = defineStore('viewer', () => {
  const series = ref<SeriesDetail | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** Where the viewer opens the series: the middle slice. */
  const startIndex = ref(0);

  /** Opens a series; with `focus`, at that slice instead of the middle one. */
  async function open(seriesId: number, focus?: { instanceId: number; frame: number }): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      const detail = await api.catalogue.seriesDetail(seriesId);
      series.value = detail;
      const focused = focus ? detail.sliceList.findIndex((s) => s.instanceId === focus.instanceId && s.frame === focus.frame) : -1;
      startIndex.value = focused >= 0 ? focused : Math.floor(detail.sliceList.length / 2);
      status.value = 'done';
    } catch (err) {
      status.value = 'error';
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  return { series, status, error, startIndex, open };
});
