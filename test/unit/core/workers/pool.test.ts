import { describe, expect, it } from 'vitest';
import type { HeaderTask, HeaderTaskResult } from '../../../../src-main/core/library/read-header-file';
import { WorkerPool } from '../../../../src-main/core/workers/pool';
import { fixture, sampleLibrary, tempDir } from '../../../helpers/data';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function firstSampleFile(): string {
  let dir = sampleLibrary;
  for (;;) {
    const entries = readdirSync(dir).sort();
    const next = join(dir, entries[0]!);
    if (statSync(next).isFile()) return next;
    dir = next;
  }
}

describe('WorkerPool (DICOM header workers)', () => {
  it('parses headers in worker threads and returns rejections as values', async () => {
    const pool = new WorkerPool<HeaderTask, HeaderTaskResult>({ name: 'dicom-header-worker', size: 2 });
    try {
      const file = firstSampleFile();
      const ok = await pool.run({ path: file, size: statSync(file).size });
      expect(ok.ok && ok.header.series.modality).toBe('CT');
      const broken = fixture('dicom', 'broken', 'MR_truncated.dcm');
      const rejected = await pool.run({ path: broken, size: statSync(broken).size });
      expect(rejected).toMatchObject({ ok: false });
      const missing = await pool.run({ path: '/no/such/file.dcm', size: 10 });
      expect(missing).toEqual({ ok: false, reason: 'cannot read file (ENOENT)' });
    } finally {
      await pool.close();
    }
  });

  it.runIf(process.platform !== 'win32')('abandons a task that hangs past its timeout and keeps serving with a fresh worker', async () => {
    const { dir, cleanup } = tempDir();
    const fifo = join(dir, 'hangs.dcm');
    execFileSync('mkfifo', [fifo]); // opening a FIFO without a writer blocks the worker thread for good
    const pool = new WorkerPool<HeaderTask, HeaderTaskResult>({ name: 'dicom-header-worker', size: 1, taskTimeoutMs: 3000 });
    try {
      await expect(pool.run({ path: fifo, size: 1000 })).rejects.toThrow(/timed out after 3000 ms/);
      const file = firstSampleFile();
      expect((await pool.run({ path: file, size: statSync(file).size })).ok).toBe(true);
    } finally {
      await pool.close();
      cleanup();
    }
  });
});
