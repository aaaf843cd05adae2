import type { ImportSummary, JobInfo } from '@contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, onEvent } from '../../../api';

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<Record<string, JobInfo>>({});
  const lastError = ref<string | null>(null);

  function track(job: JobInfo): void {
    jobs.value = { ...jobs.value, [job.id]: job };
  }

  onEvent('job.updated', track);

  const running = computed(() => Object.values(jobs.value).filter((j) => j.state === 'running'));
  const latestImport = computed(() =>
    Object.values(jobs.value)
      .filter((j): j is JobInfo<'import'> => j.kind === 'import')
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0] ?? null,
  );

  async function load(): Promise<void> {
    for (const job of await api.jobs.list()) track(job);
  }

  async function startImport(paths: string[]): Promise<JobInfo<'import'> | null> {
    lastError.value = null;
    try {
      const job = await api.library.startImport({ paths });
      track(job);
      return job;
    } catch (err) {
      lastError.value = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  async function cancel(jobId: string): Promise<void> {
    await api.jobs.cancel(jobId);
  }

  return { jobs, running, latestImport, lastError, track, load, startImport, cancel };
});

export function importResult(job: JobInfo | null): ImportSummary | null {
  return job && job.kind === 'import' ? (job.result as ImportSummary | null) : null;
}
