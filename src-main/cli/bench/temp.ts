import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `work` in a fresh temporary folder, removed afterwards whatever happens. */
export async function inTempDirectory<T>(prefix: string, work: (path: string) => Promise<T>): Promise<T> {
  const path = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await work(path);
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}
