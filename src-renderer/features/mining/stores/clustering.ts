import type { ClusteringRequest, ClusteringRunDetail, ClusteringRunSummary, FeatureGroupName, KSuggestion, RunMap } from '@contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, onEvent } from '../../../api';
import { useJobsStore } from '../../import/stores/jobs';

/** Clustering runs, the current run with its clusters and map, and the k suggestion. */
export const useClusteringStore = defineStore('clustering', () => {
  const jobs = useJobsStore();
  const runs = ref<ClusteringRunSummary[]>([]);
  const detail = ref<ClusteringRunDetail | null>(null);
  const map = ref<RunMap | null>(null);
  const suggestion = ref<KSuggestion | null>(null);
  const error = ref<string | null>(null);
  const current = computed(() => runs.value.find((r) => r.current) ?? null);

  const running = (kind: 'cluster' | 'suggest-k' | 'map') => computed(() => jobs.running.find((j) => j.kind === kind) ?? null);
  const clusteringJob = running('cluster');
  const suggestionJob = running('suggest-k');
  const mapJob = running('map');

  async function guard<T>(work: () => Promise<T>): Promise<T | null> {
    try {
      error.value = null;
      return await work();
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  async function refresh(): Promise<void> {
    await guard(async () => {
      runs.value = await api.clustering.runs();
      const run = current.value;
      detail.value = run ? await api.clustering.run(run.id) : null;
      map.value = run ? await api.clustering.map(run.id) : null;
    });
  }

  /** The current run's clusters only (sizes, names, review progress), without the map. */
  async function refreshDetail(): Promise<void> {
    await guard(async () => {
      const run = current.value;
      detail.value = run ? await api.clustering.run(run.id) : null;
    });
  }

  async function startRun(request: ClusteringRequest): Promise<void> {
    const job = await guard(() => api.clustering.startClustering(request));
    if (job) jobs.track(job);
  }

  async function suggestK(kMin: number, kMax: number, features: FeatureGroupName[]): Promise<void> {
    const job = await guard(() => api.clustering.startKSuggestion({ kMin, kMax, features }));
    if (job) jobs.track(job);
  }

  async function computeMap(): Promise<void> {
    if (!current.value) return;
    const id = current.value.id;
    const job = await guard(() => api.clustering.startMap({ runId: id }));
    if (job) jobs.track(job);
  }

  async function restore(runId: number): Promise<void> {
    await guard(() => api.clustering.setCurrentRun(runId));
    await refresh();
  }

  onEvent('clustering.changed', () => void refresh());
  onEvent('job.updated', (job) => {
    if (job.kind === 'suggest-k' && job.state === 'done' && job.result) suggestion.value = job.result as KSuggestion;
    if (job.kind === 'cluster' && job.state === 'failed') error.value = job.error;
    if (job.kind === 'map' && job.state === 'failed') error.value = job.error;
  });

  return { runs, detail, map, suggestion, error, current, clusteringJob, suggestionJob, mapJob, refresh, refreshDetail, startRun, suggestK, computeMap, restore };
});
