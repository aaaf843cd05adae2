import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
/** Real public data beside the checkout (../shared/data); tests that need it are skipped where it is absent. */
export const sharedDataRoot = resolve(repoRoot, '..', 'shared', 'data');
export const hasSharedData = existsSync(sharedDataRoot);

export function sharedData(...parts: string[]): string {
  return join(sharedDataRoot, ...parts);
}

export function fixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', ...parts);
}

export const sampleLibrary = join(repoRoot, 'resources', 'sample-library');
/** The bundled DeepLesion sample: the validation table (DL_info_val.csv, the same file as in ../shared) and 23 key slices. */
export const deepLesionSample = join(repoRoot, 'resources', 'sample-deeplesion');

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'lw-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
