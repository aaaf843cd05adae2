import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, repoRoot, sampleLibrary, tempDir } from '../helpers/data';

const run = promisify(execFile);
const cli = join(repoRoot, 'src-main', 'cli', 'lesion-ws.cjs');
let tmp: { dir: string; cleanup: () => void };
let db: string;

async function lesionWs(...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [cli, ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'cli.sqlite');
});
afterAll(() => tmp.cleanup());

describe('lesion-ws CLI (the JSON shapes the checks rely on)', () => {
  it('import --json prints the catalogue counts and the rejected files', async () => {
    const out = await lesionWs('import', sampleLibrary, fixture('dicom', 'broken', 'MR_truncated.dcm'), fixture('deeplesion'), '--db', db, '--json');
    // the DeepLesion sample: 33 rows of 9 patients and 24 series (counted with Python's csv module)
    expect(out).toMatchObject({ files: 30 + 1 + 3, imported: 30 + 1 + 2, patients: 1 + 9, series: 1 + 24, instances: 32, lesions: 33 });
    expect((out as { rejected: { path: string; reason: string }[] }).rejected).toEqual([
      { path: fixture('dicom', 'broken', 'MR_truncated.dcm'), reason: 'pixel data truncated: 8130 of 8192 bytes for 1 frame(s) of 64x64' },
    ]);
  });

  it('stats --json adds slices per series and lesions per source', async () => {
    const out = (await lesionWs('stats', '--db', db, '--json')) as { seriesList: { modality: string; slices: number }[]; lesions: number; lesionsBySource: Record<string, number> };
    expect(out.seriesList.filter((s) => s.slices === 30)).toHaveLength(1);
    expect(out.lesions).toBe(33);
    expect(out.lesionsBySource).toEqual({ deeplesion: 33 });
  });

  it('lesions --json lists image, box, diameters in px and mm, source, reference type, category and split', async () => {
    const out = (await lesionWs('lesions', '--db', db, '--json')) as Record<string, unknown>[];
    expect(out).toHaveLength(33);
    expect(Object.keys(out[0]!).sort()).toEqual(
      ['box', 'category', 'frame', 'id', 'instanceId', 'keySlice', 'longAxisMm', 'longAxisPx', 'noisy', 'referenceType', 'reviewStatus', 'seriesId', 'shortAxisMm', 'shortAxisPx', 'source', 'split'].sort(),
    );
    expect(out.filter((l) => l.instanceId !== null)).toHaveLength(3);
  });

  it('exits with 2 and the usage on a wrong command', async () => {
    await expect(run(process.execPath, [cli, 'frobnicate'])).rejects.toMatchObject({ code: 2 });
  });
});
