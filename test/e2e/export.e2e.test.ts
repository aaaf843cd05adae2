import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepLesionSample, hasSharedData, sharedData, tempDir } from '../helpers/data';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

/** Exports from the UI: the dialog from the header (whole catalogue, a patient-level split) and from the review gallery (a selection). */
describe.skipIf(!canRunE2e)('export from the UI', () => {
  let s: E2eSession;
  let tmp: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    tmp = tempDir('lw-e2e-export-');
    s = await startSession();
    const library = hasSharedData ? sharedData('deeplesion') : deepLesionSample;
    await s.ws.jobs.wait((await s.ws.api.library.startImport({ paths: [library] })).id);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    tmp?.cleanup();
  });

  it('exports the catalogue as DeepLesion with a split, shows the progress and then the folder listing', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    await page.click('[data-test=open-export]');
    await page.locator('[data-test=export-dialog]').waitFor();
    await page.check('[data-test=export-format-deeplesion]');
    await page.check('[data-test=export-make-split]');
    await page.fill('[data-test=export-seed]', '42');
    const total = (await s.ws.api.lesions.list({ offset: 0, limit: 1 })).total;
    await expect.poll(() => page.textContent('[data-test=export-preview]')).toMatch(new RegExp(`${total}\\s+lesions of \\d+ patients.*train \\d+ / val \\d+ / test \\d+`));
    const out = join(tmp.dir, 'deeplesion-export');
    await page.fill('[data-test=export-out]', out);
    await page.click('[data-test=export-start]');
    await page.locator('[data-test=export-progress] [data-test=job-progress-bar]').waitFor();
    await page.locator('[data-test=export-done]').waitFor({ timeout: 120_000 });
    // the bar ends full
    const bar = await page.$eval('[data-test=job-progress-bar]', (p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max]);
    expect(bar[0]).toBe(bar[1]);
    await page.locator('[data-test=export-listing] li').first().waitFor();
    const listing = await page.textContent('[data-test=export-listing]');
    expect(listing).toContain('DL_info.csv');
    expect(listing).toContain('manifest.json');
    expect(listing).toMatch(/Images_png\/\d{6}_\d{2}_\d{2}\/\d{3}\.png/);
    expect(await page.textContent('[data-test=export-done]')).toContain(out);
    await page.screenshot({ path: join(artifactsDir, 'export-dialog.png') });

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { split: { seed: number } | null; files: { path: string }[] };
    expect(manifest.split?.seed).toBe(42);
    for (const f of manifest.files) expect(existsSync(join(out, f.path))).toBe(true);
    const rows = readFileSync(join(out, 'DL_info.csv'), 'utf8').trim().split('\n');
    expect(rows.length - 1).toBeGreaterThan(0);
    await page.keyboard.press('Escape');
    await page.locator('[data-test=export-dialog]').waitFor({ state: 'detached' });
  });

  it('refuses an output folder that is not empty, with the reason', async () => {
    const { page } = s;
    await page.click('[data-test=open-export]');
    await page.fill('[data-test=export-out]', tmp.dir);
    await page.click('[data-test=export-start]');
    await expect.poll(() => page.textContent('[data-test=export-start-error]')).toMatch(/not empty|exists/);
    await page.keyboard.press('Escape');
  });

  it('exports the review selection as COCO', async () => {
    const { page } = s;
    await s.ws.jobs.wait((await s.ws.api.mining.startEmbedding({})).id);
    await s.ws.jobs.wait((await s.ws.api.clustering.startClustering({ k: 4, seed: 3 })).id);
    await page.goto(`${s.host.url}#review`);
    await page.click('[data-test=review-tab-gallery]');
    await page.check('[data-test=filter-has-image]');
    const tiles = page.locator('[data-test=gallery-tile]');
    await tiles.first().waitFor();
    const n = Math.min(3, await tiles.count());
    await tiles.nth(0).click();
    await tiles.nth(n - 1).click({ modifiers: ['Shift'] });
    await page.click('[data-test=review-export]');
    await page.check('[data-test=export-format-coco]');
    await page.check('[data-test=export-preset-0]');
    await expect.poll(() => page.textContent('[data-test=export-preview]')).toMatch(new RegExp(`^\\s*${n}\\s+lesions`));
    const out = join(tmp.dir, 'coco-export');
    await page.fill('[data-test=export-out]', out);
    await page.click('[data-test=export-start]');
    await page.locator('[data-test=export-listing] li').first().waitFor({ timeout: 60_000 });
    const coco = JSON.parse(readFileSync(join(out, (await s.ws.api.export.listOutput({ out })).files.find((f) => f.path.endsWith('.json') && f.path !== 'manifest.json')!.path), 'utf8')) as {
      annotations: unknown[];
    };
    expect(coco.annotations).toHaveLength(n);
    expect(s.pageErrors).toEqual([]);
  });
});
