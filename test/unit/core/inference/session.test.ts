import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, ModelMismatchError, readManifest, sha256File } from '../../../../src-main/core/inference/session';
import { repoRoot, tempDir } from '../../../helpers/data';

const bundled = join(repoRoot, 'models', 'scattering');

function copyWith(change: (manifest: Record<string, unknown>) => void): { dir: string; cleanup: () => void } {
  const t = tempDir();
  const dir = join(t.dir, 'model');
  cpSync(bundled, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  change(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, cleanup: t.cleanup };
}

describe('model loading against the manifest', () => {
  it('opens the bundled embedding model on the CPU when CUDA cannot be loaded, and says why', async () => {
    const model = await loadModel(bundled, { providers: ['cuda', 'cpu'], threads: 1 });
    try {
      expect(model.executionProvider).toBe('cpu');
      // no CUDA provider library on this machine: the reason names it and how to get it
      expect(model.fallbackReason).toMatch(/^cuda: the CUDA provider is not installed \(install with ONNXRUNTIME_NODE_INSTALL=cuda12/);
      expect(sha256File(join(bundled, 'model.onnx'))).toBe(readManifest(bundled).sha256);
    } finally {
      await model.session.release();
    }
  });

  it('refuses a model whose input shape does not match its manifest, naming the mismatch', async () => {
    const bad = copyWith((m) => {
      (m.input as { shape: unknown[] }).shape = ['N', 3, 32, 32];
      (m.preprocessing as { patchSize: number }).patchSize = 32;
    });
    try {
      await expect(loadModel(bad.dir, { providers: ['cpu'], threads: 1 })).rejects.toThrow(
        /input "patch" has shape \[N, 3, 64, 64\] in the model but \[N, 3, 32, 32\] in the manifest/,
      );
    } finally {
      bad.cleanup();
    }
  });

  it('refuses a model file that is not the one the manifest hashed', async () => {
    const bad = copyWith((m) => {
      m.sha256 = '0'.repeat(64);
    });
    try {
      await expect(loadModel(bad.dir, { providers: ['cpu'], threads: 1 })).rejects.toThrow(ModelMismatchError);
      await expect(loadModel(bad.dir, { providers: ['cpu'], threads: 1 })).rejects.toThrow(/sha256 [0-9a-f]{64} does not match the manifest's 0{64}/);
    } finally {
      bad.cleanup();
    }
  });

  it('refuses a manifest whose input does not match its preprocessing', () => {
    const bad = copyWith((m) => {
      (m.preprocessing as { windows: unknown[] }).windows = [{ name: 'lung', center: -600, width: 1500 }];
    });
    try {
      expect(() => readManifest(bad.dir)).toThrow(/does not match the preprocessing \(1 channels of 64x64\)/);
    } finally {
      bad.cleanup();
    }
  });
});
