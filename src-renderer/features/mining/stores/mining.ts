import type { InferenceRuntime } from '@contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, onEvent } from '../../../api';
import { useJobsStore } from '../../import/stores/jobs';

/** Embedding status of the default model and the execution provider inference runs on. */
export const useMiningStore = defineStore('mining', () => {
  const runtime = ref<InferenceRuntime | null>(null);
  const status = ref<{ model: string; lesions: number; embedded: number; withPixels: number; missing: number } | null>(null);
  const error = ref<string | null>(null);
  const jobs = useJobsStore();

  async function refresh(): Promise<void> {
    try {
      status.value = await api.mining.embeddingStatus({});
      error.value = null;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  async function loadRuntime(): Promise<void> {
    try {
      runtime.value = await api.models.runtime();
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  async function startEmbedding(): Promise<void> {
    try {
      jobs.track(await api.mining.startEmbedding({}));
      error.value = null;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  const later = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void refresh();
    }, 700);
  };
  onEvent('embeddings.changed', later);
  onEvent('lesions.changed', later);
  onEvent('catalogue.changed', later);

  return { runtime, status, error, refresh, loadRuntime, startEmbedding };
});
