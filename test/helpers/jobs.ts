import type { Workstation } from '../../src-main/core/workstation';

/** Waits for a started job and returns its result; a failed or cancelled job fails the test with its error. */
export async function finished<T>(ws: Workstation, started: Promise<{ id: string }>): Promise<T> {
  const job = await ws.jobs.wait((await started).id);
  if (job.state !== 'done') throw new Error(`${job.kind} ${job.state}: ${job.error}`);
  return job.result as T;
}
