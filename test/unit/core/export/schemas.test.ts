import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatch } from '../../../../src-main/core/rpc/dispatch';
import { createWorkstation, type Workstation } from '../../../../src-main/core/workstation';
import { repoRoot, tempDir } from '../../../helpers/data';

let ws: Workstation;
let dispatch: Dispatch;
let tmp: { dir: string; cleanup: () => void };

beforeAll(() => {
  tmp = tempDir('lw-export-rpc-');
  ws = createWorkstation({ catalogPath: join(tmp.dir, 'c.sqlite'), appRoot: repoRoot, workers: 1, userModelsDir: join(tmp.dir, 'models') });
  dispatch = createDispatcher(ws.api);
});
afterAll(async () => {
  await ws.close();
  tmp.cleanup();
});

describe('export over the dispatcher (what the renderer calls)', () => {
  it('lists the registered formats', async () => {
    const result = await dispatch('export', 'formats', []);
    expect(result.ok && (result.value as { name: string }[]).map((f) => f.name)).toEqual(['deeplesion', 'coco', 'csv', 'dicom-sr']);
  });

  it.each([
    [{ format: 'csv', out: 'relative/dir' }, 'out: the export folder must be an absolute path'],
    [{ format: 'nifti', out: '/tmp/x' }, 'format'],
    [{ format: 'csv', out: '/tmp/x', extra: 1 }, 'extra'],
    [{ format: 'csv', out: '/tmp/x\0y' }, 'NUL'],
    [{ format: 'csv', out: '/tmp/x', split: { seed: -1 } }, 'split.seed'],
    [{ format: 'csv', out: '/tmp/x', split: { seed: 1, fractions: { train: 0, val: 0, test: 0 } } }, 'must not all be 0'],
    [{ format: 'csv', out: '/tmp/x', selection: { date: { field: 'study', from: 'yesterday' } } }, 'YYYY-MM-DD'],
    [{ format: 'csv', out: '/tmp/x', privacy: { mode: 'anonymous' } }, 'privacy.mode'],
  ])('refuses start(%j) before the core sees it', async (request, message) => {
    const result = await dispatch('export', 'start', [request]);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    if (!result.ok) expect(result.error.message).toContain(message);
  });

  it('answers an empty catalogue\'s preview, and refuses to start an export of nothing', async () => {
    expect(await dispatch('export', 'preview', [{ selection: {} }])).toEqual({ ok: true, value: { lesions: 0, patients: 0, studies: 0 } });
    const result = await dispatch('export', 'start', [{ format: 'csv', out: join(tmp.dir, 'out') }]);
    expect(result).toEqual({ ok: false, error: { code: 'failed', message: 'the selection holds no lesions' } });
    expect(await dispatch('export', 'listOutput', [{ out: join(tmp.dir, 'nowhere') }])).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
