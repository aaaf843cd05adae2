import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../../src-main/contract';
import { EventBus } from '../../../../src-main/core/events';
import { JobBusyError, JobQueue } from '../../../../src-main/core/jobs/job-queue';

const summary = { files: 0, imported: 0, unchanged: 0, duplicates: 0, rejected: [], lesionsAdded: 0, lesions: 0, unresolved: [], patients: 0, studies: 0, series: 0, instances: 0 };

describe('JobQueue', () => {
  it('runs a job, reports progress and its result', async () => {
    const events = new EventBus();
    const seen: JobInfo[] = [];
    events.on((name, payload) => name === 'job.updated' && seen.push(payload as JobInfo));
    const queue = new JobQueue(events);
    const job = queue.start('import', 'test', async (ctx) => {
      ctx.progress(1, 2, 'half');
      return { ...summary, files: 2 };
    });
    const done = await queue.wait(job.id);
    expect(done.state).toBe('done');
    expect(done.result).toMatchObject({ files: 2 });
    expect(seen[0]!.state).toBe('running');
    expect(seen.at(-1)!.state).toBe('done');
  });

  it('refuses a second job of the same kind while one runs', async () => {
    const queue = new JobQueue(new EventBus());
    let release!: () => void;
    const first = queue.start('import', 'first', () => new Promise((resolve) => (release = () => resolve(summary))));
    expect(() => queue.start('import', 'second', async () => summary)).toThrow(JobBusyError);
    release();
    await queue.wait(first.id);
    const third = queue.start('import', 'third', async () => summary);
    expect((await queue.wait(third.id)).state).toBe('done');
  });

  it('cancels through the abort signal and keeps the partial result', async () => {
    const queue = new JobQueue(new EventBus());
    const job = queue.start('import', 'slow', async (ctx) => {
      while (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, 5));
      return { ...summary, imported: 3 };
    });
    expect(queue.cancel(job.id)).toBe(true);
    const finished = await queue.wait(job.id);
    expect(finished.state).toBe('cancelled');
    expect(finished.result).toMatchObject({ imported: 3 });
    expect(queue.cancel(job.id)).toBe(false);
  });

  it('records a failure with its message', async () => {
    const queue = new JobQueue(new EventBus());
    const job = queue.start('import', 'broken', async () => {
      throw new Error('disk full');
    });
    const finished = await queue.wait(job.id);
    expect(finished).toMatchObject({ state: 'failed', error: 'disk full' });
  });
});
