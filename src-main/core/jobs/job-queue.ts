import { randomUUID } from 'node:crypto';
import type { JobInfo, JobKind, JobResults } from '../../contract';
import type { EventBus } from '../events';

export class JobBusyError extends Error {}

export interface JobContext {
  readonly signal: AbortSignal;
  /** Reports progress; cheap to call often (events are throttled). */
  progress(done: number, total: number, message: string): void;
}

interface RunningJob {
  info: JobInfo;
  controller: AbortController;
  lastEmit: number;
}

const PROGRESS_EVENT_INTERVAL_MS = 100;
const FINISHED_JOBS_KEPT = 50;

/**
 * Runs long jobs with progress events and cancellation. One job per kind at a time: a second import while
 * one runs is refused, never queued behind it silently.
 */
export class JobQueue {
  private readonly jobs = new Map<string, RunningJob>();

  constructor(private readonly events: EventBus) {}

  start<K extends JobKind>(kind: K, label: string, run: (ctx: JobContext) => Promise<JobResults[K]>): JobInfo<K> {
    const running = [...this.jobs.values()].find((j) => j.info.kind === kind && j.info.state === 'running');
    if (running) throw new JobBusyError(`A ${kind} job is already running (${running.info.label}); wait for it or cancel it.`);
    const info: JobInfo<K> = {
      id: randomUUID(),
      kind,
      label,
      state: 'running',
      progress: { done: 0, total: 0, message: 'Starting' },
      startedAt: new Date().toISOString(),
      finishedAt: null,
      result: null,
      error: null,
    };
    const job: RunningJob = { info, controller: new AbortController(), lastEmit: 0 };
    this.jobs.set(info.id, job);
    this.prune();
    this.emit(job);
    const ctx: JobContext = {
      signal: job.controller.signal,
      progress: (done, total, message) => {
        job.info.progress = { done, total, message };
        const now = Date.now();
        if (now - job.lastEmit >= PROGRESS_EVENT_INTERVAL_MS) this.emit(job);
      },
    };
    void run(ctx).then(
      (result) => this.finish(job, job.controller.signal.aborted ? 'cancelled' : 'done', result, null),
      (err: unknown) =>
        this.finish(job, job.controller.signal.aborted ? 'cancelled' : 'failed', null, err instanceof Error ? err.message : String(err)),
    );
    return { ...info };
  }

  /** Resolves when the job has finished (for the CLI and tests). */
  async wait(jobId: string): Promise<JobInfo> {
    for (;;) {
      const job = this.jobs.get(jobId);
      if (!job) throw new Error(`no job ${jobId}`);
      if (job.info.state !== 'running') return { ...job.info };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info })).reverse();
  }

  get(jobId: string): JobInfo | null {
    const job = this.jobs.get(jobId);
    return job ? { ...job.info } : null;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.info.state !== 'running') return false;
    job.info.progress = { ...job.info.progress, message: 'Cancelling' };
    job.controller.abort();
    this.emit(job);
    return true;
  }

  /** Cancels every running job and waits for them (shutdown). */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.info.state === 'running');
    running.forEach((j) => j.controller.abort());
    await Promise.all(running.map((j) => this.wait(j.info.id)));
  }

  private finish(job: RunningJob, state: JobInfo['state'], result: unknown, error: string | null): void {
    job.info.state = state;
    job.info.finishedAt = new Date().toISOString();
    job.info.result = result as JobInfo['result'];
    job.info.error = error;
    this.emit(job);
  }

  private emit(job: RunningJob): void {
    job.lastEmit = Date.now();
    this.events.emit('job.updated', { ...job.info });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - FINISHED_JOBS_KEPT))) this.jobs.delete(j.info.id);
  }
}
